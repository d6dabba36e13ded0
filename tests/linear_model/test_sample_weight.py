"""Sample weights of the GLM transform classes: repeated, dropped and uniform stimuli."""

import numpy as np
import pytest
from sklearn import linear_model as sklm

from sklearn_brainmap import LinearNonlinear, LinearSoftplus, LogisticRidge
from sklearn_brainmap.linear_model._subset_ridge import subset_ridge
from sklearn_brainmap.linear_model._yeo_johnson import yeo_johnson_lambdas
from sklearn_brainmap.utils import ConstantUnitWarning


def source(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 1, p)
    return X, rng


def targets(name, X, rng, t=4):
    p = X.shape[1]
    drive = (X - X.mean(0)) @ (rng.standard_normal((p, t)) * 0.6 / np.sqrt(p))
    if name == "LinearNonlinear":
        return rng.poisson(np.exp(drive + 0.8)).astype(float)
    if name == "LinearSoftplus":
        return np.logaddexp(0.0, 2 * drive) + 0.1 * rng.standard_normal(drive.shape)
    return np.maximum(drive + 0.3 * rng.standard_normal(drive.shape), 0.0)


ESTIMATORS = {
    "LinearNonlinear": lambda: LinearNonlinear(alpha=2.0, tol=1e-12, max_iter=200),
    "LinearSoftplus": lambda: LinearSoftplus(alpha=2.0, tol=1e-12, max_iter=400),
    "LogisticRidge": lambda: LogisticRidge(alpha=2.0, ridge_alpha=3.0, tol=1e-12,
                                           max_iter=200),
}
# (n, p): exact Newton directions / conjugate gradients; for LogisticRidge also the
# primal and the dual subset ridge
SHAPES = [(60, 4), (60, 30), (30, 70)]


def assert_same_fit(a, b, atol=1e-8):
    for name in ("coef_", "intercept_", "logistic_coef_", "logistic_intercept_"):
        if hasattr(a, name):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-8,
                                       atol=atol, err_msg=name)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_integer_weights_equal_repeated_stimuli(name, shape):
    X, rng = source(*shape, seed=1)
    Y = targets(name, X, rng)
    reps = rng.integers(1, 4, X.shape[0])
    weighted = ESTIMATORS[name]().fit(X, Y, sample_weight=reps)
    repeated = ESTIMATORS[name]().fit(np.repeat(X, reps, 0), np.repeat(Y, reps, 0))
    assert_same_fit(weighted, repeated)
    # (LinearNonlinear's Yeo-Johnson λ are searched to 1.5e-8, see below)
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-7)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_zero_weights_equal_dropped_stimuli(name, shape):
    X, rng = source(*shape, seed=2)
    Y = targets(name, X, rng)
    weights = rng.uniform(0.5, 2.0, X.shape[0])
    weights[rng.permutation(X.shape[0])[:X.shape[0] // 4]] = 0.0
    keep = weights > 0
    zeroed = ESTIMATORS[name]().fit(X, Y, sample_weight=weights)
    dropped = ESTIMATORS[name]().fit(X[keep], Y[keep], sample_weight=weights[keep])
    assert_same_fit(zeroed, dropped)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_unit_weights_equal_no_weights_and_uniform_weights_scale_the_penalty(name):
    X, rng = source(60, 30, seed=3)
    Y = targets(name, X, rng)
    plain = ESTIMATORS[name]().fit(X, Y)
    assert_same_fit(ESTIMATORS[name]().fit(X, Y, sample_weight=np.ones(60)), plain)
    # weights multiply the loss, not the penalty: c everywhere is alpha / c
    weighted = ESTIMATORS[name]().fit(X, Y, sample_weight=np.full(60, 4.0))
    penalties = {k: v / 4.0 for k, v in plain.get_params().items() if "alpha" in k}
    assert_same_fit(weighted, ESTIMATORS[name]().set_params(**penalties).fit(X, Y))


def test_linear_nonlinear_weights_reach_the_power_transform():
    X, rng = source(80, 6, seed=4)
    X = np.exp(0.7 * X)
    reps = rng.integers(1, 4, 80)
    np.testing.assert_allclose(yeo_johnson_lambdas(X, sample_weight=reps.astype(float)),
                               yeo_johnson_lambdas(np.repeat(X, reps, 0)), atol=1e-7)
    Y = targets("LinearNonlinear", X, rng)
    weighted = LinearNonlinear(tol=1e-12).fit(X, Y, sample_weight=reps)
    repeated = LinearNonlinear(tol=1e-12).fit(np.repeat(X, reps, 0), np.repeat(Y, reps, 0))
    for name in ("power_lambdas_", "power_mean_", "power_scale_"):
        np.testing.assert_allclose(getattr(weighted, name), getattr(repeated, name),
                                   atol=1e-7, err_msg=name)


def test_logistic_ridge_counts_only_weighted_stimuli():
    X, rng = source(40, 3, seed=5)
    Y = targets("LogisticRidge", X, rng)
    weights = np.ones(40)
    above = np.flatnonzero(Y[:, 0] > 0)
    weights[above] = 0.0  # target 0 is then never above threshold
    with pytest.warns(ConstantUnitWarning, match="1 of 4 target"):
        model = LogisticRidge().fit(X, Y, sample_weight=weights)
    assert model.n_above_[0] == 0 and model.logistic_intercept_[0] == -np.inf
    np.testing.assert_array_equal(model.coef_[0], 0.0)


@pytest.mark.parametrize("shape", [(60, 3), (60, 25), (40, 200)],
                         ids=["primal-small", "primal", "dual"])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_weighted_subset_ridge_equals_sklearn_on_each_subset(shape, alpha):
    n, p = shape
    rng = np.random.default_rng(6)
    X = rng.standard_normal((n, p)) + 2.0
    Y = X @ rng.standard_normal((p, 6)) + rng.standard_normal((n, 6))
    weights = rng.uniform(0.2, 3.0, n)
    weights[:3] = 0.0
    mask = rng.uniform(size=(n, 6)) < np.linspace(0.3, 0.9, 6)
    mask[:, 5] = True        # every row: the plain ridge
    W, b = subset_ridge(X, Y, mask, alpha, sample_weight=weights)
    for j in range(6):
        rows = mask[:, j] & (weights > 0)
        if alpha == 0 and rows.sum() <= p:
            # minimum-norm weighted least squares on the subset, centred by its weighted
            # mean
            s = weights[rows]
            x_mean, y_mean = s @ X[rows] / s.sum(), s @ Y[rows, j] / s.sum()
            root = np.sqrt(s)
            ref_w = np.linalg.lstsq(root[:, None] * (X[rows] - x_mean),
                                    root * (Y[rows, j] - y_mean), rcond=None)[0]
            ref_b = y_mean - x_mean @ ref_w
        else:
            ref = sklm.Ridge(alpha=alpha).fit(X[rows], Y[rows, j],
                                              sample_weight=weights[rows])
            ref_w, ref_b = ref.coef_, ref.intercept_
        np.testing.assert_allclose(W[:, j], ref_w, rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(b[j], ref_b, rtol=1e-7, atol=1e-8)
