"""Ridge on Dask arrays with Dask's local scheduler (no cluster; see test_dask_cluster.py
for the LocalCluster): the in-memory fit's results, lazy predictions, clear errors."""

import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import ShuffleSplit
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_brainmap import Ridge
from sklearn_brainmap.linear_model import _ridge_dask
from sklearn_brainmap.utils import ConstantUnitWarning, dask_parallel
from sklearn_brainmap.utils._dask import import_dask, is_dask_array

da = pytest.importorskip("dask.array")

ALPHAS = np.logspace(-2, 5, 8)


def _data(n=50, p=70, t=130, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    Y = (X @ rng.standard_normal((p, t))) * rng.uniform(0, 1, t) + rng.standard_normal((n, t))
    return X, Y


@pytest.mark.parametrize("params", [
    {"cv": None, "fit_intercept": False},
    {"cv": ShuffleSplit(4, test_size=0.3, random_state=0)},  # stimuli tested unevenly
    {"alpha": 3.0},
], ids=["loo-no-intercept", "shuffle-split", "fixed-alpha"])
def test_local_scheduler_equals_in_memory(params):
    X, Y = _data()
    X[:, 4] = 1.5  # a constant source column: zero weight in both
    Y[:, 7] = -2.0  # a constant target: zero weights, NaN scores in both
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConstantUnitWarning)
        in_memory = Ridge(**{"alpha": ALPHAS, **params}).fit(X, Y)
        n_in_memory = len(caught)
        on_dask = Ridge(**{"alpha": ALPHAS, **params}).fit(X, da.from_array(Y, chunks=(25, 40)))
    assert len(caught) == 2 * n_in_memory == 4  # the same warnings, once per fit
    assert_array_equal(on_dask.alpha_, in_memory.alpha_)
    assert_allclose(on_dask.coef_, in_memory.coef_, rtol=0, atol=1e-10)
    assert_allclose(on_dask.intercept_, in_memory.intercept_, rtol=0, atol=1e-10)
    if "alpha" not in params:
        assert_allclose(on_dask.cv_scores_, in_memory.cv_scores_, rtol=0, atol=1e-10)
        assert np.isnan(on_dask.cv_scores_[:, 7]).all()


def test_one_dimensional_dask_target_and_dask_design():
    X, Y = _data(t=1)
    in_memory = Ridge(alpha=ALPHAS, cv=None).fit(X, Y[:, 0])
    on_dask = Ridge(alpha=ALPHAS, cv=None).fit(da.from_array(X, chunks=(10, -1)),
                                               da.from_array(Y[:, 0], chunks=20))
    assert on_dask.coef_.shape == in_memory.coef_.shape == (X.shape[1],)
    assert on_dask.alpha_ == in_memory.alpha_
    assert_allclose(on_dask.coef_, in_memory.coef_, rtol=0, atol=1e-10)
    pred = on_dask.predict(da.from_array(X, chunks=(10, -1)))
    assert isinstance(pred, da.Array) and pred.shape == (X.shape[0],)
    assert_allclose(pred.compute(), in_memory.predict(X), rtol=0, atol=1e-10)


def test_coefficients_past_the_threshold_stay_a_dask_array(monkeypatch):
    X, Y = _data()
    monkeypatch.setattr(_ridge_dask, "DASK_COEF_BYTES", Y.shape[1] * X.shape[1] * 8 - 1)
    auto = Ridge(alpha=ALPHAS).fit(X, da.from_array(Y, chunks=(-1, 50)))
    numpy = Ridge(alpha=ALPHAS, dask_coef="numpy").fit(X, da.from_array(Y, chunks=(-1, 50)))
    assert isinstance(auto.coef_, da.Array) and isinstance(numpy.coef_, np.ndarray)
    assert_allclose(auto.coef_.compute(), numpy.coef_, rtol=0, atol=0)
    # predictions with a Dask coef_ are lazy, also for a NumPy X
    pred = auto.predict(X)
    assert isinstance(pred, da.Array)
    assert_allclose(pred.compute(), numpy.predict(X), rtol=0, atol=1e-12)
    # a NumPy fit and X stay NumPy
    assert isinstance(Ridge(alpha=ALPHAS).fit(X, Y).predict(X), np.ndarray)


def test_bad_dask_targets_are_clear_errors():
    X, Y = _data()
    Y[5, 61] = np.nan
    with pytest.raises(ValueError, match=r"y contains NaN or infinity \(target column 61"):
        Ridge(alpha=ALPHAS).fit(X, da.from_array(Y, chunks=(-1, 30)))
    with pytest.raises(ValueError, match="X has 50 stimuli .* but y has 49"):
        Ridge().fit(X, da.zeros((49, 3)))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        Ridge().fit(X, da.zeros((50, 3, 2)))
    with pytest.raises(ValueError, match="0 target columns"):
        Ridge().fit(X, da.zeros((50, 0)))
    with pytest.raises(InvalidParameterError, match="dask_coef"):
        Ridge(dask_coef="lazy").fit(X, da.from_array(Y))
    fitted = Ridge().fit(X[:, :5], Y[:, :3])
    with pytest.raises(ValueError, match="fitted on 5 features"):
        fitted.predict(da.zeros((4, 6)))


def test_missing_dask_is_an_import_error_naming_the_extra(monkeypatch):
    assert not is_dask_array(np.zeros(2))
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ImportError, match=r"sklearn_brainmap\[dask\]"):
        import_dask("this", distributed=True)
    with pytest.raises(ImportError, match=r"dask_parallel needs Dask.*sklearn_brainmap\[dask\]"):
        with dask_parallel("tcp://127.0.0.1:8786"):
            pass


def test_package_imports_without_dask_and_never_imports_it():
    import subprocess
    import textwrap
    from pathlib import Path

    import sklearn_brainmap

    code = textwrap.dedent("""
        import importlib, pkgutil, sys
        import sklearn_brainmap
        assert "dask" not in sys.modules and "distributed" not in sys.modules
        sys.modules["dask"] = sys.modules["distributed"] = None  # as if not installed
        for module in pkgutil.walk_packages(sklearn_brainmap.__path__, "sklearn_brainmap.",
                                            onerror=lambda name: None):
            if not module.name.startswith("sklearn_brainmap.testing") and \\
                    not module.name.endswith("__main__"):
                importlib.import_module(module.name)
        import numpy as np
        from sklearn_brainmap import Ridge
        Ridge().fit(np.eye(6), np.arange(6.0))  # the NumPy path needs no Dask
        print("ok")
        """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(sklearn_brainmap.__file__).parents[1])
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
