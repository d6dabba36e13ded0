"""Sphinx configuration for sklearn_brainmap's documentation."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "doc" / "sphinxext"))
os.environ.setdefault("MPLBACKEND", "Agg")
# the GPU example uses scikit-learn's array-API dispatch, which needs SciPy's array-API
# mode: SciPy reads it when first imported, which happens just below
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import sklearn_brainmap  # noqa: E402

project = "sklearn_brainmap"
author = "sklearn_brainmap developers"
copyright = "2026, sklearn_brainmap developers"
release = version = sklearn_brainmap.__version__
#: The project's public repository (the header's icon link). It has no public address
#: yet: give it as SKLEARN_BRAINMAP_REPOSITORY when building the site (an invented
#: address would be a link that leads nowhere), and the icon appears.
repository_url = os.environ.get("SKLEARN_BRAINMAP_REPOSITORY", "")

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinxarg.ext",
    "matplotlib.sphinxext.plot_directive",
    "brainmap_doc",  # doc/sphinxext: member filtering, changelog page, checks
]

# figures of the user guide: ``.. plot::`` blocks run when the site is built
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 90)]
plot_rcparams = {"figure.autolayout": True}

autosummary_generate = True
# the class template (_templates/autosummary/class.rst) lists public members, inherited
# ones included (score, get_params, set_params from scikit-learn's mixins)
autodoc_default_options = {"members": True}
# signatures as written in the source (Ridge's ``alpha=DEFAULT_ALPHAS``, not 19 floats)
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*/*.ipynb", "auto_examples/*/*.py"]
html_theme = "pydata_sphinx_theme"
html_title = "sklearn_brainmap"
html_static_path = ["_static"]
html_show_sourcelink = False
html_css_files = ["brainmap.css"]
html_theme_options = {
    "navbar_start": ["navbar-logo", "version"],
    "icon_links": ([{"name": "Source code", "url": repository_url,
                     "icon": "fa-brands fa-github", "type": "fontawesome"}]
                   if repository_url else []),
    "footer_start": ["copyright"],
    "footer_end": ["version", "sphinx-version"],
    "show_toc_level": 2,
    # the page's table of contents only (the sidebar goes where a page has none)
    "secondary_sidebar_items": ["page-toc"],
    "header_links_before_dropdown": 5,
    "navbar_align": "left",
    "navigation_with_keys": False,
}
html_context = {"default_mode": "light"}

intersphinx_mapping = {}  # no network in CI: links to other projects are plain text

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" on every API page (the class/function templates' minigallery)
    "doc_module": ("sklearn_brainmap",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklearn_brainmap": None},
}

nitpicky = True
# no network in CI, so no intersphinx: references into other projects (scikit-learn's
# docstrings of the inherited get_params / score, NumPy types) stay plain text
nitpick_ignore_regex = [
    (r"py:.*",
     r"(sklearn|numpy|np|scipy|matplotlib|pandas|dask|hypothesis|joblib|ot|threadpoolctl)\..*"),
]
