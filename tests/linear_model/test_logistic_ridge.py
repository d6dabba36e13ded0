import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit
from sklearn import linear_model as sklm
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_predict

from sklearn_brainmap import LogisticRidge, Ridge
from sklearn_brainmap.utils import ConstantUnitWarning


def sparse_data(n, p, t, seed=0, dtype=np.float64, zero_fraction=0.4):
    """Post-ReLU-like targets: a noisy linear drive, rectified."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 1, p)
    drive = X @ (rng.standard_normal((p, t)) / np.sqrt(p)) + 0.3 * rng.standard_normal((n, t))
    drive -= np.quantile(drive, zero_fraction, axis=0)
    return X.astype(dtype), np.maximum(drive, 0.0).astype(dtype)


@pytest.mark.parametrize("alpha", [0.1, 1.0, 30.0])
def test_logistic_half_equals_sklearn_logistic_regression(alpha):
    X, Y = sparse_data(150, 12, 6)
    model = LogisticRidge(alpha=alpha, tol=1e-10).fit(X, Y)
    for j in range(Y.shape[1]):
        ref = sklm.LogisticRegression(C=1.0 / alpha, solver="newton-cholesky", tol=1e-12,
                                      max_iter=1000).fit(
            X, Y[:, j] > 0)
        np.testing.assert_allclose(model.logistic_coef_[j], ref.coef_[0], rtol=0,
                                   atol=1e-6)
        np.testing.assert_allclose(model.logistic_intercept_[j], ref.intercept_[0],
                                   rtol=0, atol=1e-6)
        np.testing.assert_allclose(model.predict_proba_above(X)[:, j],
                                   ref.predict_proba(X)[:, 1], atol=1e-7)


@pytest.mark.parametrize("shape", [(120, 8), (120, 60), (80, 300)],
                         ids=["few-features", "primal", "dual"])
@pytest.mark.parametrize("ridge_alpha", [0.5, 20.0])
def test_ridge_half_equals_sklearn_ridge_on_rows_above(shape, ridge_alpha):
    X, Y = sparse_data(*shape, 7, seed=1)
    model = LogisticRidge(ridge_alpha=ridge_alpha).fit(X, Y)
    for j in range(Y.shape[1]):
        above = Y[:, j] > 0
        ref = sklm.Ridge(alpha=ridge_alpha).fit(X[above], Y[above, j])
        np.testing.assert_allclose(model.coef_[j], ref.coef_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(model.intercept_[j], ref.intercept_, rtol=1e-8)
    np.testing.assert_array_equal(model.n_above_, (Y > 0).sum(0))


def test_prediction_rules():
    X, Y = sparse_data(100, 5, 4, seed=2)
    expected = LogisticRidge().fit(X, Y)
    hard = LogisticRidge(prediction="hard").fit(X, Y)
    proba = expit(X @ expected.logistic_coef_.T + expected.logistic_intercept_)
    ridge = X @ expected.coef_.T + expected.intercept_
    np.testing.assert_allclose(expected.predict(X), proba * ridge, rtol=1e-12)
    np.testing.assert_allclose(hard.predict(X), np.where(proba > 0.5, ridge, 0.0),
                               rtol=1e-12)
    assert np.any(hard.predict(X) == 0) and np.any(hard.predict(X) != 0)


def test_threshold_other_than_zero():
    X, Y = sparse_data(100, 5, 3, seed=3)
    Y = Y + 2.0  # "off" is now 2
    model = LogisticRidge(threshold=2.0).fit(X, Y)
    shifted = LogisticRidge().fit(X, Y - 2.0)
    np.testing.assert_allclose(model.predict(X), shifted.predict(X) + 2.0, rtol=1e-10)
    np.testing.assert_allclose(model.logistic_coef_, shifted.logistic_coef_, rtol=1e-10)


def test_degenerate_targets():
    X, Y = sparse_data(60, 4, 4, seed=4)
    Y[:, 1] = 0.0                       # never above
    Y[:, 2] = np.abs(Y[:, 2]) + 1.0     # always above
    Y[:, 3] = -1.0                      # never above, constant below threshold
    with pytest.warns(ConstantUnitWarning, match="2 of 4 target"):
        model = LogisticRidge(ridge_alpha=2.0).fit(X, Y)
    pred = model.predict(X)
    np.testing.assert_array_equal(pred[:, 1], 0.0)
    np.testing.assert_array_equal(pred[:, 3], 0.0)
    assert model.logistic_intercept_[1] == -np.inf and model.logistic_intercept_[2] == np.inf
    ridge = Ridge(alpha=2.0).fit(X, Y[:, 2])
    np.testing.assert_allclose(pred[:, 2], ridge.predict(X), rtol=1e-10)
    assert np.all(model.n_iter_[1:] == 0) and model.n_iter_[0] > 0
    assert np.isfinite(pred).all()


def test_one_dimensional_target_and_one_row_above():
    X, Y = sparse_data(50, 6, 1, seed=5)
    y = np.zeros(50)
    y[7] = 3.0
    model = LogisticRidge().fit(X, y)
    assert model.coef_.shape == (6,) and np.ndim(model.intercept_) == 0
    assert model.predict(X).shape == (50,)
    # a single row above threshold: the ridge half is that row's value
    np.testing.assert_allclose(model.coef_, 0.0, atol=1e-12)
    assert model.intercept_ == pytest.approx(3.0)


@given(seed=st.integers(0, 2**16), n=st.integers(8, 40), p=st.integers(1, 50))
def test_no_zeros_equals_ridge(seed, n, p):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    Y = np.abs(X @ rng.standard_normal((p, 3))) + 0.1 + rng.uniform(0, 1, (n, 3))
    ours = LogisticRidge(alpha=0.7, ridge_alpha=1.3).fit(X, Y)
    ref = Ridge(alpha=1.3).fit(X, Y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8,
                               atol=1e-10 * np.abs(Y).max())
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)


@given(seed=st.integers(0, 2**16), p=st.integers(1, 30),
       prediction=st.sampled_from(["expected", "hard"]))
def test_duplicated_columns_with_halved_penalty_predict_the_same(seed, p, prediction):
    # X' = [X, X]/2 with both penalties halved: each copy gets the original weights
    X, Y = sparse_data(60, p, 3, seed=seed)
    params = dict(prediction=prediction, tol=1e-10)
    a = LogisticRidge(alpha=1.0, ridge_alpha=2.0, **params).fit(X, Y)
    X2 = 0.5 * np.hstack([X, X])
    b = LogisticRidge(alpha=0.5, ridge_alpha=1.0, **params).fit(X2, Y)
    np.testing.assert_allclose(b.predict(X2), a.predict(X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.coef_[:, :p], a.coef_, rtol=1e-6, atol=1e-8)


@given(seed=st.integers(0, 2**16), p=st.integers(1, 40))
def test_float32_agrees_with_float64(seed, p):
    X, Y = sparse_data(80, p, 4, seed=seed)
    m64 = LogisticRidge().fit(X, Y)
    m32 = LogisticRidge().fit(X.astype(np.float32), Y.astype(np.float32))
    pred32 = m32.predict(X.astype(np.float32))
    assert pred32.dtype == np.float32 and m32.coef_.dtype == np.float32
    assert m32.logistic_coef_.dtype == np.float32
    np.testing.assert_allclose(pred32, m64.predict(X), rtol=1e-3,
                               atol=1e-4 * np.abs(Y).max())


def test_bad_parameters_rejected():
    # NaN, infinity and mismatched rows: test_glm.py, for all three nonlinear classes
    X, Y = sparse_data(20, 3, 2)
    with pytest.raises(ValueError, match="prediction"):
        LogisticRidge(prediction="soft").fit(X, Y)
    with pytest.raises(ValueError, match="ridge_alpha"):
        LogisticRidge(ridge_alpha=-1.0).fit(X, Y)


def test_beats_ridge_on_post_relu_responses_of_other_networks(digits_networks):
    # model-to-model mapping within a population trained from different seeds:
    # post-ReLU targets are sparse, and the two-part model should predict them better
    cv = KFold(5, shuffle=True, random_state=0)
    n = len(digits_networks)
    for s in range(n):
        source = digits_networks[s][1]
        target = digits_networks[(s + 1) % n][1]
        target = target[:, target.std(axis=0) > 0]
        assert np.mean(target == 0) > 0.1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConstantUnitWarning)
            scores = [np.median(r2_score(target, cross_val_predict(est, source, target,
                                                                   cv=cv),
                                         multioutput="raw_values"))
                      for est in (Ridge(), LogisticRidge())]
        assert scores[1] > scores[0] + 0.003, scores
