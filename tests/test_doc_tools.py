"""The documentation's own hooks (doc/sphinxext/brainmap_doc.py), without Sphinx: the
scan that makes the docs build fail when an API page lists Python internals, and the
changelog's conversion to reStructuredText. The scan itself runs at the end of every
docs build (.ci/run); these tests check that it can fail."""

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "doc" / "sphinxext" / "brainmap_doc.py"


@pytest.fixture(scope="module")
def brainmap_doc():
    if not PATH.exists():
        pytest.skip(f"{PATH} is not in this checkout (an installed package)")
    spec = importlib.util.spec_from_file_location("brainmap_doc", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# what the pages looked like before the fix: autosummary's Methods table listed the
# special and private methods (no anchors), autodoc documented __init__
BEFORE = """
<dt class="sig sig-object py" id="sklearn_brainmap.Ridge.__init__">
<td><p><a class="reference internal" href="#sklearn_brainmap.Ridge.fit" title="x"><code
class="xref py py-obj docutils literal notranslate"><span class="pre">fit</span></code></a></p></td>
<td><p><code class="xref py py-obj docutils literal notranslate"><span class="pre">__eq__</span></code></p></td>
<td><p><code class="xref py py-obj docutils literal notranslate"><span class="pre">_fit_namespace</span></code></p></td>
"""
AFTER = """
<dt class="sig sig-object py" id="sklearn_brainmap.Ridge.fit">
<dt class="sig sig-object py" id="sklearn_brainmap.Ridge.get_params">
<td><p><a class="reference internal" href="#sklearn_brainmap.Ridge.score" title="x"><code
class="xref py py-obj docutils literal notranslate"><span class="pre">score</span></code></a></p></td>
"""


def test_scan_finds_private_and_special_members_and_passes_public_ones(brainmap_doc):
    assert brainmap_doc.private_members_documented(BEFORE) == [
        "__eq__", "_fit_namespace", "sklearn_brainmap.Ridge.__init__"]
    assert brainmap_doc.private_members_documented(AFTER) == []


def test_skip_handler_leaves_autodocs_decision_and_drops_metadata_routing(brainmap_doc):
    skip = brainmap_doc.skip_metadata_routing
    # None, never False: False would force private members in (the old bug)
    assert skip(None, "method", "_fit_namespace", None, True, {}) is None
    assert skip(None, "method", "score", None, False, {}) is None
    assert skip(None, "method", "set_fit_request", None, False, {}) is True
    assert skip(None, "method", "get_metadata_routing", None, False, {}) is True


def test_changelog_markdown_becomes_restructured_text(brainmap_doc):
    rst = brainmap_doc.markdown_to_rst(
        "# Changelog\n\n## Unreleased\n\n- ENH `Ridge(alpha=...)` fits **one** path;"
        " alpha_ per target, a|b, 2*3\n  continued\n")
    assert rst.splitlines()[:5] == ["Changelog", "=========", "", "Unreleased",
                                    "----------"]
    assert "``Ridge(alpha=...)``" in rst and "**one**" in rst
    # rst markup characters outside code are escaped (alpha_ is not a link target)
    assert r"alpha\_ per target, a\|b, 2\*3" in rst
    assert "\n  continued" in rst
