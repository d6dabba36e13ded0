"""Sphinx hooks of sklearn_brainmap's documentation (a local extension, loaded by
conf.py): public members only on the API pages, and a check of it when the build ends;
scikit-learn's inherited docstrings without links into its site; the changelog page
from CHANGELOG.md.

No Sphinx import at module level: ``tests/test_doc_tools.py`` tests the plain
functions without Sphinx installed.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def skip_metadata_routing(app, what, name, obj, skip, options):
    """Leave out scikit-learn's metadata-routing methods (``set_*_request``,
    ``get_metadata_routing``), which every estimator inherits and none of ours uses.

    Returns True (skip) or None: None leaves autodoc's own decision (private and special
    members skipped), whereas False would force a member in.
    """
    if name == "get_metadata_routing" or (name.startswith("set_")
                                          and name.endswith("_request")):
        return True
    return None


def markdown_to_rst(markdown):
    """CHANGELOG.md as reStructuredText: headings, inline code and bold; every other
    character that reStructuredText reads as markup is escaped. (The changelog is plain
    Markdown: headings and one level of bullets; no extra dependency such as MyST.)"""
    underline = {1: "=", 2: "-", 3: "~"}
    lines = []
    for line in markdown.splitlines():
        heading = re.match(r"(#{1,3}) (.*)", line)
        if heading:
            title = heading.group(2).strip()
            lines += [title, underline[len(heading.group(1))] * len(title)]
            continue
        parts = re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", line)
        for k, part in enumerate(parts):
            if part.startswith("`"):
                parts[k] = "``" + part.strip("`") + "``"
            elif not part.startswith("**"):
                parts[k] = re.sub(r"([*_|\\])", r"\\\1", part)
        lines.append(_join(parts))
    return "\n".join(lines) + "\n"


def _join(parts):
    """Inline markup must be separated from adjacent word characters: an escaped space
    (``\\ ``) joins them without showing one."""
    text = ""
    for part in parts:
        if not part:
            continue
        markup = part.startswith(("``", "**"))
        if text and markup and re.match(r"\w", text[-1]):
            text += "\\ "
        elif text and not markup and text.endswith(("``", "**")) and re.match(r"\w", part):
            text += "\\ "
        text += part
    return text


def plain_scikit_learn_references(app, what, name, obj, options, lines):
    """Docstrings inherited from scikit-learn (``score``, ``get_params``, ``set_output``)
    cite labels of scikit-learn's own site, which is not linked here (no intersphinx
    without network): keep their text, drop the link."""
    if not (getattr(obj, "__module__", None) or "").startswith("sklearn."):
        return
    for k, line in enumerate(lines):
        line = re.sub(r":ref:`([^`<]+?)\s*<[^`>]+>`", r"\1", line)
        lines[k] = re.sub(r":ref:`([^`]+)`", r"``\1``", line)


def include_changelog(app, docname, source):
    """The changelog page is CHANGELOG.md at the repository's root."""
    if docname == "changelog":
        path = ROOT / "CHANGELOG.md"
        app.env.note_dependency(str(path))
        source[0] = markdown_to_rst(path.read_text(encoding="utf-8"))


def private_members_documented(html):
    """The ``_``-prefixed members (``__eq__``, ``_fit_namespace``) documented or listed
    in one page of the API reference: anchors of documented objects and rows of the
    Methods tables."""
    names = re.findall(r'<dt class="sig[^"]*" id="([\w.]+)"', html)
    names += re.findall(r'<a class="reference internal" href="[^"]*#([\w.]+)"', html)
    names += re.findall(r'class="xref py py-obj[^"]*"><span class="pre">([\w.]+)</span>',
                        html)
    return sorted({n for n in names if n.rsplit(".", 1)[-1].startswith("_")})


def check_public_members_only(app, exception):
    """Part of the build (so of CI's ``-W`` build): every API page documents public
    members only. Fails the build, naming page and members, if a change of the skip
    handler or the templates lets Python internals back in."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    pages = sorted(Path(app.outdir, "generated").glob("*.html"))
    if not pages:
        logging.getLogger(__name__).warning("no API pages were built in generated/")
    for page in pages:
        private = private_members_documented(page.read_text(encoding="utf-8"))
        if private:
            logging.getLogger(__name__).warning(
                f"{page.name} documents private or special members: {', '.join(private)}")


def setup(app):
    app.connect("autodoc-skip-member", skip_metadata_routing)
    app.connect("autodoc-process-docstring", plain_scikit_learn_references)
    app.connect("source-read", include_changelog)
    app.connect("build-finished", check_public_members_only)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
