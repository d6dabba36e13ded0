"""Sphinx configuration for sklearn_brainmap's documentation."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")
# the GPU example uses scikit-learn's array-API dispatch, which needs SciPy's array-API
# mode: SciPy reads it when first imported, which happens just below
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import sklearn_brainmap  # noqa: E402

project = "sklearn_brainmap"
author = "sklearn_brainmap developers"
copyright = "2026, sklearn_brainmap developers"
release = sklearn_brainmap.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*/*.ipynb", "auto_examples/*/*.py"]
html_theme = "alabaster"
html_static_path = []

intersphinx_mapping = {}  # no network in CI: links to other projects are plain text

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}

nitpicky = False


def _skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Document our own methods only: not those scikit-learn's mixins or metadata
    routing add to every estimator (their docstrings link into scikit-learn's docs)."""
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn.") or name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_members)
