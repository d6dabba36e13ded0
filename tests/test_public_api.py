"""The public surface: every public function declares the constraints of its parameters
(scikit-learn's ``validate_params``), every public estimator its
``_parameter_constraints``, and hypothesis is needed by ``sklearn_brainmap.testing`` only.

Every name in the ``__all__`` of the package and of each subpackage (found
automatically) is either checked here or listed in ``EXEMPT`` with the reason.
"""

import functools
import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import InvalidParameterError, validate_params

import sklearn_brainmap

# Subpackages left out of the walk (none: every public name is checked).
EXEMPT_PACKAGES = set()

_DISPLAY = ("a Display object, as scikit-learn's: stores what it draws in __init__, "
            "draws in plot; its data come from validated library functions")

_HOT = ("called in every fit or predict of the transform classes, or per fitted pair by "
        "model_selection, where no validated caller skips it: validation would cost "
        "50-120 us per call, 5-20 % of a small PairwiseMapping fit")

# "package.name": why the name has no validate_params wrapper.
EXEMPT = {
    "sklearn_brainmap.__version__": "a constant",
    "sklearn_brainmap.linear_model.DEFAULT_ALPHAS": "a constant",
    "sklearn_brainmap.datasets.COWLEY2023_SESSIONS": "a constant",
    "sklearn_brainmap.datasets.HARRIS2019_HIERARCHY_SCORES": "a constant",
    "sklearn_brainmap.model_selection.HeldOutPredictions":
        "a result type (held-out predictions kept per unit and stimulus)",
    "sklearn_brainmap.metrics.median_r2_scorer":
        "a scorer object made by make_scorer; r2_score validates",
    "sklearn_brainmap.metrics.median_pearson_r_scorer":
        "a scorer object made by make_scorer; pearson_r_score validates",
    "sklearn_brainmap.metrics.mean_pearson_r_scorer":
        "a scorer object made by make_scorer; pearson_r_score validates",
    "sklearn_brainmap.utils.ConstantUnitWarning": "a warning class",
    "sklearn_brainmap.utils.AboveCeilingWarning": "a warning class",
    "sklearn_brainmap.model_selection.Candidate":
        "a frozen dataclass (a description of a candidate); compare_transform_classes "
        "checks its candidates",
    "sklearn_brainmap.model_selection.ComparisonResult": "a result type",
    "sklearn_brainmap.model_selection.CurveFit": "a result type (a fitted curve)",
    "sklearn_brainmap.inference.BootstrapResult": "a result type (a dataclass)",
    "sklearn_brainmap.inference.UndefinedResampleWarning": "a warning class",
    "sklearn_brainmap.model_selection.default_candidates": "takes no parameters",
    **{f"sklearn_brainmap.plotting.{name}": _DISPLAY for name in (
        "ComparisonDisplay", "MDSDisplay", "PredictionDisplay", "ReliabilityDisplay",
        "ScoreBarDisplay", "SilhouetteDisplay", "SimilarityMatrixDisplay",
        "SubsamplingCurveDisplay")},
    "sklearn_brainmap.utils.Matching": "a named tuple (a result type)",
}

# The code object of every validate_params wrapper (all closures of one function).
_WRAPPER_CODE = validate_params({}, prefer_skip_nested_validation=True)(lambda: None).__code__


def _packages():
    names = ["sklearn_brainmap"] + [
        f"sklearn_brainmap.{m.name}" for m in pkgutil.iter_modules(sklearn_brainmap.__path__)
        if m.ispkg and not m.name.startswith("_")]
    return [name for name in names if name not in EXEMPT_PACKAGES]


def _public_names():
    return [(package, name) for package in _packages()
            for name in importlib.import_module(package).__all__]


PUBLIC = _public_names()


def _is_validated(obj):
    return (inspect.isfunction(obj) and obj.__code__ is _WRAPPER_CODE
            and hasattr(obj, "__wrapped__"))


def _parameters(function):
    return {p.name for p in inspect.signature(function).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"}


def test_packages_are_found():
    assert {"sklearn_brainmap.metrics", "sklearn_brainmap.datasets",
            "sklearn_brainmap.features", "sklearn_brainmap.testing",
            "sklearn_brainmap.utils"} <= set(_packages())
    assert EXEMPT_PACKAGES <= {f"sklearn_brainmap.{m.name}" for m in
                               pkgutil.iter_modules(sklearn_brainmap.__path__)}


@pytest.mark.parametrize("package, name", PUBLIC, ids=[f"{p}.{n}" for p, n in PUBLIC])
def test_public_name_declares_its_parameters(package, name):
    obj = getattr(importlib.import_module(package), name)
    key = f"{package}.{name}"
    if key in EXEMPT:
        assert not _is_validated(obj), f"{key} is validated: remove it from EXEMPT"
        return
    if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
        declared = set(getattr(obj, "_parameter_constraints", {}))
        assert declared == _parameters(obj.__init__), (
            f"{key}._parameter_constraints must list every parameter of __init__")
        return
    assert _is_validated(obj), (
        f"{key} is not wrapped by validate_params; wrap it or list it in EXEMPT with "
        "the reason")
    assert set(obj._skl_parameter_constraints) == _parameters(obj.__wrapped__), (
        f"{key}: the constraints must name every parameter (\"no_validation\" for one "
        "that is checked inside)")


def test_exemptions_are_public_names():
    public = {f"{package}.{name}" for package, name in PUBLIC}
    assert set(EXEMPT) <= public, set(EXEMPT) - public


# ---- bad parameters are refused, with their names ----

def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((12, 4)), rng.standard_normal((12, 3))


def _bad_calls():
    from sklearn_brainmap.datasets import (get_data_home, load_cowley2023_v4,
                                           make_model_population)
    from sklearn_brainmap.features import gabor_kernel, make_gratings
    from sklearn_brainmap.inspection import optimize_similarity, similarity_score_range
    from sklearn_brainmap.metrics import (cka_score, procrustes_distance, rdm,
                                          soft_matching_distance, soft_matching_score,
                                          spearman_brown, split_half_reliability)
    from sklearn_brainmap.model_selection import reweighted_rsa, variance_partitioning
    from sklearn_brainmap.testing import (check_scaling_invariance, check_symmetry,
                                          random_rotation, response_matrices)
    from sklearn_brainmap.utils import classical_mds, transport_plan

    X, Y = _data()
    trials = np.ones((2, 5, 3))
    return [
        (split_half_reliability, (trials,), {"n_splits": 0}, "n_splits"),
        (split_half_reliability, (trials,), {"random_state": "seed"}, "random_state"),
        (spearman_brown, (0.5,), {"n": 0}, "n"),
        (cka_score, (X, Y), {"debiased": "yes"}, "debiased"),
        (procrustes_distance, ("X", Y), {}, "X"),
        (soft_matching_score, (X, Y), {"method": "sinkhorm"}, "method"),
        (soft_matching_distance, (X, Y), {"reg": -1.0}, "reg"),
        (rdm, (X,), {"metric": "cityblock"}, "metric"),
        (make_model_population, (), {"n_subjects": 1}, "n_subjects"),
        (load_cowley2023_v4, (), {"images": "yes"}, "images"),
        (get_data_home, (3,), {}, "data_home"),
        (gabor_kernel, (1, 4.0, 0.0, 0.0), {}, "size"),
        (make_gratings, ((8, 8), [0.1]), {"contrast": 2.0}, "contrast"),
        (optimize_similarity, (X,), {"measure": "rsa"}, "measure"),
        (similarity_score_range, (X,), {"penalty": 0.0}, "penalty"),
        (reweighted_rsa, (np.zeros((1, 5, 5)), np.zeros((5, 5))), {"compare": "r"},
         "compare"),
        (variance_partitioning, ([X, X], Y), {"kind": "rdms"}, "kind"),
        (random_rotation, (0,), {}, "n"),
        (response_matrices, (), {"sparsity": 1.0}, "sparsity"),
        (check_scaling_invariance, (cka_score, X, Y), {"factor": 0}, "factor"),
        (check_symmetry, (cka_score, X, Y), {"rtol": -1.0}, "rtol"),
        (classical_mds, (np.zeros((3, 3)),), {"n_components": 0}, "n_components"),
        (transport_plan, (np.zeros((2, 2)),), {"method": "greedy"}, "method"),
    ]


@pytest.mark.parametrize("call", _bad_calls(),
                         ids=lambda call: f"{call[0].__name__}-{call[3]}")
def test_bad_parameter_is_refused_with_its_name(call):
    function, args, kwargs, parameter = call
    with pytest.raises(InvalidParameterError,
                       match=rf"'{parameter}' parameter of {function.__name__} must be"):
        function(*args, **kwargs)


def test_invariance_checks_keep_the_measures_own_validation():
    # the checks call the user's measure: its parameter checks still run inside them
    from sklearn_brainmap.metrics import cka_score
    from sklearn_brainmap.testing import check_symmetry

    X, Y = _data()
    with pytest.raises(InvalidParameterError, match="debiased"):
        check_symmetry(functools.partial(cka_score, debiased="yes"), X, Y)


def test_warnings_point_at_the_callers_line():
    # validate_params adds a frame: the stack levels of the warnings count it
    from sklearn_brainmap.metrics import (ceiling_normalized_score, pearson_r_score,
                                          r2_score, soft_matching_distance,
                                          soft_matching_score)

    y = np.c_[np.arange(6.0), np.ones(6), np.arange(6.0) ** 2]
    calls = [lambda: pearson_r_score(y, y), lambda: r2_score(y, y),
             lambda: soft_matching_score(y, y), lambda: soft_matching_distance(y, y),
             lambda: ceiling_normalized_score(0.9, 0.5)]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert caught and {Path(w.filename) for w in caught} == {Path(__file__)}


# ---- hypothesis is an optional dependency ----

def _without_hypothesis(code):
    prelude = "import sys\nsys.modules['hypothesis'] = None  # as if not installed\n"
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          capture_output=True, text=True,
                          cwd=Path(sklearn_brainmap.__file__).parents[1])


def test_package_imports_without_hypothesis():
    result = _without_hypothesis("""
        import importlib, pkgutil
        import sklearn_brainmap
        for module in pkgutil.walk_packages(sklearn_brainmap.__path__, "sklearn_brainmap.",
                                            onerror=lambda name: None):
            if module.name.startswith("sklearn_brainmap.testing") or \\
                    module.name.endswith("__main__"):
                continue
            importlib.import_module(module.name)
        print("ok")
        """)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_testing_without_hypothesis_names_the_extra():
    result = _without_hypothesis("""
        try:
            import sklearn_brainmap.testing
        except ImportError as error:
            print(error)
        """)
    assert result.returncode == 0, result.stderr
    assert "pip install 'sklearn_brainmap[testing]'" in result.stdout


def test_hypothesis_is_an_extra_not_a_dependency():
    tomllib = pytest.importorskip("tomllib")
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("run from a source checkout")
    project = tomllib.loads(pyproject.read_text())["project"]

    def names(requirements):
        return {r.split(">")[0].split("=")[0].split("[")[0].strip().lower()
                for r in requirements}

    assert "hypothesis" not in names(project["dependencies"])
    assert "threadpoolctl" in names(project["dependencies"])  # utils/_threads.py
    extras = project["optional-dependencies"]
    assert names(extras["testing"]) == {"hypothesis"}
    assert "hypothesis" in names(extras["test"])


def test_utils_exports_only_what_users_need():
    # warnings, checks of inputs, Dask, optimal transport; the package's own kernels,
    # blocking and BLAS helpers are internal (importable, not public)
    import sklearn_brainmap.utils as utils

    assert set(utils.__all__) == {
        "AboveCeilingWarning", "ConstantUnitWarning", "check_folds",
        "check_response_matrix", "check_same_stimuli", "dask_parallel", "Matching",
        "transport_plan", "unit_matching"}
