import subprocess
import sys
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize
from sklearn import linear_model as sklm
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.preprocessing import PowerTransformer

from sklearn_brainmap import LinearNonlinear, LinearSoftplus, LogisticRidge, Ridge
from sklearn_brainmap.linear_model._losses import inverse_softplus, softplus
from sklearn_brainmap.utils import ConstantUnitWarning


def poisson_data(n, p, t, seed=0, scale=0.8, skew=False):
    """Counts from a known Poisson GLM with log link."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if skew:  # a rectified, skewed source: what the Yeo-Johnson transform is for
        X = np.exp(0.7 * X)
    W = rng.standard_normal((p, t)) * scale / np.sqrt(p)
    b = rng.uniform(-0.5, 1.5, t)
    eta = (X - X.mean(0)) @ W + b
    return X, rng.poisson(np.exp(eta)).astype(float), W, b


def softplus_data(n, p, t, seed=0, beta=1.0, noise=0.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 1, p)
    W = rng.standard_normal((p, t)) * 1.5 / np.sqrt(p)
    b = rng.uniform(-1, 1, t)
    Y = softplus(X @ W + b, beta) + noise * rng.standard_normal((n, t))
    return X, Y, W, b


# ---- LinearNonlinear -----------------------------------------------------------------

@pytest.mark.parametrize("p", [5, 80], ids=["exact-newton", "newton-cg"])
def test_unpenalised_poisson_equals_statsmodels_glm(p):
    X, Y, _, _ = poisson_data(400, p, 4)
    model = LinearNonlinear(alpha=0.0, power_transform=False, tol=1e-12).fit(X, Y)
    for j in range(Y.shape[1]):
        ref = sm.GLM(Y[:, j], sm.add_constant(X), family=sm.families.Poisson()).fit(
            tol=1e-13)
        np.testing.assert_allclose(model.coef_[j], ref.params[1:], rtol=0, atol=1e-5)
        np.testing.assert_allclose(model.intercept_[j], ref.params[0], rtol=0, atol=1e-5)


def test_tiny_alpha_is_the_unpenalised_fit_after_the_transform():
    X, Y, _, _ = poisson_data(300, 6, 3, seed=1, skew=True)
    model = LinearNonlinear(alpha=1e-10, tol=1e-12).fit(X, Y)
    transformer = PowerTransformer().fit(X)
    Xt = transformer.transform(X)
    np.testing.assert_allclose(model.power_lambdas_, transformer.lambdas_, rtol=1e-6)
    for j in range(Y.shape[1]):
        ref = sm.GLM(Y[:, j], sm.add_constant(Xt), family=sm.families.Poisson()).fit(
            tol=1e-13)
        np.testing.assert_allclose(model.coef_[j], ref.params[1:], rtol=0, atol=1e-5)
        np.testing.assert_allclose(model.predict(X)[:, j], ref.fittedvalues, rtol=1e-5)


@pytest.mark.parametrize("alpha", [3.0, 300.0])
def test_penalty_scaling_matches_sklearn_poisson_regressor(alpha):
    # ours: Σ_i half-deviance + α/2 ‖w‖²; scikit-learn: mean half-deviance + α'/2 ‖w‖²
    X, Y, _, _ = poisson_data(250, 30, 3, seed=2)
    model = LinearNonlinear(alpha=alpha, power_transform=False, tol=1e-12).fit(X, Y)
    for j in range(Y.shape[1]):
        ref = sklm.PoissonRegressor(alpha=alpha / X.shape[0], solver="newton-cholesky",
                                    tol=1e-12, max_iter=1000).fit(X, Y[:, j])
        np.testing.assert_allclose(model.coef_[j], ref.coef_, rtol=0, atol=1e-7)
        np.testing.assert_allclose(model.intercept_[j], ref.intercept_, atol=1e-7)


def test_gamma_and_tweedie_families_equal_statsmodels():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 4))
    mu = np.exp(X @ np.array([0.3, -0.2, 0.1, 0.4]) + 1.0)
    Y = np.column_stack([rng.gamma(2.0, mu / 2.0), rng.gamma(5.0, mu / 5.0)])
    log = sm.families.links.Log()
    for family, ours in [(sm.families.Gamma(link=log), "gamma"),
                         (sm.families.Tweedie(var_power=1.5, link=log),
                          sm.families.Tweedie(var_power=1.5, link=log))]:
        model = LinearNonlinear(alpha=0.0, family=ours, power_transform=False,
                                tol=1e-12).fit(X, Y)
        for j in range(2):
            ref = sm.GLM(Y[:, j], sm.add_constant(X), family=family).fit(tol=1e-13)
            np.testing.assert_allclose(model.coef_[j], ref.params[1:], atol=1e-6)


def test_targets_outside_the_family_support_are_clear_errors():
    X, Y, _, _ = poisson_data(50, 3, 3)
    Y[4, 1] = -0.5
    with pytest.raises(ValueError, match=r"non-negative targets.*columns 1\b.*Ridge.*"
                                         r"LinearSoftplus"):
        LinearNonlinear().fit(X, Y)
    Y[4, 1] = 0.0
    with pytest.raises(ValueError, match="Gamma family needs positive targets"):
        LinearNonlinear(family="gamma").fit(X, Y)
    with pytest.raises(ValueError, match="Log link"):
        LinearNonlinear(family=sm.families.Poisson(link=sm.families.links.Sqrt())).fit(X, Y)
    with pytest.raises(ValueError, match="family"):
        LinearNonlinear(family="binomial").fit(X, Y)


def test_statsmodels_is_imported_lazily():
    code = ("import sys, sklearn_brainmap; "
            "assert 'statsmodels' not in sys.modules, 'statsmodels imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(
        __import__("pathlib").Path(__file__).resolve().parents[2]))


def test_constant_targets_of_linear_nonlinear():
    X, Y, _, _ = poisson_data(60, 4, 3)
    Y[:, 0] = 0.0
    Y[:, 2] = 3.0
    with pytest.warns(ConstantUnitWarning, match="2 of 3 target"):
        model = LinearNonlinear().fit(X, Y)
    pred = model.predict(X)
    np.testing.assert_array_equal(pred[:, 0], 0.0)
    np.testing.assert_allclose(pred[:, 2], 3.0, rtol=1e-12)
    assert model.intercept_[0] == -np.inf and np.all(model.coef_[[0, 2]] == 0)


def test_constant_source_unit_gets_zero_weight():
    X, Y, _, _ = poisson_data(80, 5, 2)
    X[:, 3] = 2.0
    for model in (LinearNonlinear(), LinearSoftplus()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, Y)
        # the one warning says which source unit is constant and what the fit does
        assert [str(w.message) for w in caught] == [
            "1 of 5 source unit(s) are constant (columns 3): they get zero weight."]
        assert caught[0].category is ConstantUnitWarning
        assert np.all(model.coef_[:, 3] == 0.0)


def test_one_dimensional_target_shapes():
    X, Y, _, _ = poisson_data(60, 4, 1)
    for model in (LinearNonlinear(), LinearSoftplus()):
        model.fit(X, Y[:, 0])
        assert model.coef_.shape == (4,) and np.ndim(model.intercept_) == 0
        assert np.ndim(model.n_iter_) == 0 and model.predict(X).shape == (60,)


# ---- LinearSoftplus ------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(400, 10), (400, 120), (150, 300)],
                         ids=["exact-newton", "newton-cg", "wide"])
@pytest.mark.parametrize("beta", [1.0, 4.0])
def test_softplus_recovers_known_weights(shape, beta):
    X, Y, W, b = softplus_data(*shape, 5, beta=beta)
    # more features than stimuli: many exact fits, a small penalty picks one
    alpha, tol = (1e-8, 1e-10) if shape[0] > shape[1] else (1e-3, 1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LinearSoftplus(alpha=alpha, beta=beta, tol=tol).fit(X, Y)
    r2 = r2_score(Y, model.predict(X), multioutput="raw_values")
    assert r2.min() > 0.99
    if shape[0] > shape[1]:  # identifiable: the generating weights come back
        np.testing.assert_allclose(model.coef_, W.T, atol=1e-3)
        np.testing.assert_allclose(model.intercept_, b, atol=1e-3)
    X_new, Y_new, _, _ = softplus_data(100, shape[1], 5, beta=beta)
    Y_new = softplus(X_new @ W + b, beta)
    if shape[0] > shape[1]:
        assert r2_score(Y_new, model.predict(X_new), multioutput="raw_values").min() > 0.99


def _scipy_softplus_fit(X, y, alpha, beta, w0, b0):
    """Reference: the stated objective, one target, L-BFGS-B with analytic gradient."""
    def fun(theta):
        eta = X @ theta[:-1] + theta[-1]
        r = softplus(eta, beta) - y
        g = r / (1.0 + np.exp(-beta * eta))
        grad = np.append(X.T @ g + alpha * theta[:-1], g.sum())
        return 0.5 * r @ r + 0.5 * alpha * theta[:-1] @ theta[:-1], grad

    res = minimize(fun, np.append(w0, b0), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 20_000})
    return res.x[:-1], res.x[-1]


@pytest.mark.parametrize("alpha", [0.5, 50.0])
def test_softplus_equals_scipy_minimize_of_the_stated_objective(alpha):
    X, Y, _, _ = softplus_data(200, 8, 3, seed=4, noise=0.3)
    model = LinearSoftplus(alpha=alpha, tol=1e-12).fit(X, Y)
    for j in range(Y.shape[1]):
        w0 = np.zeros(X.shape[1])
        b0 = inverse_softplus(Y[:, j].mean())
        w, b = _scipy_softplus_fit(X, Y[:, j], alpha, 1.0, w0, b0)
        np.testing.assert_allclose(model.coef_[j], w, atol=1e-5)
        np.testing.assert_allclose(model.intercept_[j], b, atol=1e-5)


def test_softplus_alpha_is_on_ridge_scale():
    # a very sharp softplus on targets well above zero is linear: it must agree with
    # Ridge at the same penalty
    rng = np.random.default_rng(5)
    X = rng.standard_normal((100, 6))
    Y = X @ rng.standard_normal((6, 2)) + 20.0 + 0.5 * rng.standard_normal((100, 2))
    ours = LinearSoftplus(alpha=7.0, beta=50.0, tol=1e-12).fit(X, Y)
    ref = Ridge(alpha=7.0).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)


def test_softplus_on_signed_targets_converges():
    # targets below what a softplus can reach: the curvature keeps Newton steps useful
    rng = np.random.default_rng(6)
    X = rng.standard_normal((11, 10))
    Y = X @ rng.standard_normal((10, 5)) * 50
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LinearSoftplus().fit(X, Y)
    assert model.n_iter_.max() < 50
    assert (model.predict(X) >= 0).all()


def test_constant_targets_of_linear_softplus():
    X, Y, _, _ = softplus_data(50, 3, 3)
    Y[:, 0] = 2.5
    Y[:, 1] = -1.0
    with pytest.warns(ConstantUnitWarning, match="2 of 3 target"):
        model = LinearSoftplus(beta=2.0).fit(X, Y)
    np.testing.assert_allclose(model.predict(X)[:, 0], 2.5, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X)[:, 1], 0.0)


def test_non_convergence_is_reported():
    X, Y, _, _ = softplus_data(100, 30, 3, noise=0.5)
    with pytest.warns(ConvergenceWarning, match="3 of 3 target"):
        model = LinearSoftplus(max_iter=1, tol=1e-14).fit(X, Y)
    assert np.all(model.n_iter_ == 1)


# ---- shared properties ---------------------------------------------------------------

ESTIMATORS = {
    "LinearNonlinear": lambda **kw: LinearNonlinear(**kw),
    "LinearNonlinear-raw": lambda **kw: LinearNonlinear(power_transform=False, **kw),
    "LinearSoftplus": lambda **kw: LinearSoftplus(**kw),
}


def property_data(seed, n, p, name):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 3, p) + rng.uniform(-2, 2, p)
    drive = (X - X.mean(0)) @ rng.standard_normal((p, 3)) / np.sqrt(p)
    if name.startswith("LinearNonlinear"):
        return X, rng.poisson(np.exp(np.clip(drive, -5, 3))).astype(float)
    return X, drive + 0.3 * rng.standard_normal((n, 3))  # signed targets are allowed


@given(seed=st.integers(0, 2**16), n=st.integers(5, 60), p=st.integers(1, 70),
       name=st.sampled_from(sorted(ESTIMATORS)))
def test_predictions_are_non_negative(seed, n, p, name):
    X, Y = property_data(seed, n, p, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        model = ESTIMATORS[name](alpha=0.5).fit(X, Y)
    X_new = np.random.default_rng(seed + 1).standard_normal((20, p)) * 3
    with np.errstate(over="ignore"):  # exp may overflow to +inf far from the data
        for pred in (model.predict(X), model.predict(X_new)):
            assert np.all(pred >= 0) and not np.isnan(pred).any()


@given(seed=st.integers(0, 2**16), p=st.integers(1, 30),
       name=st.sampled_from(sorted(ESTIMATORS)))
def test_duplicated_columns_give_the_same_predictions(seed, p, name):
    X, Y = property_data(seed, 60, p, name)
    if name == "LinearNonlinear":
        # the transform standardises each copy, so [X, X] needs twice the penalty
        X2, alpha2 = np.hstack([X, X]), 2.0
    else:
        # 0.5 [X, X] with half the penalty: each copy gets the original weights
        X2, alpha2 = 0.5 * np.hstack([X, X]), 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        a = ESTIMATORS[name](alpha=1.0, tol=1e-11).fit(X, Y)
        b = ESTIMATORS[name](alpha=alpha2, tol=1e-11).fit(X2, Y)
    np.testing.assert_allclose(b.predict(X2), a.predict(X), rtol=1e-5,
                               atol=1e-7 * (1 + np.abs(Y).max()))
    half = 0.5 if name == "LinearNonlinear" else 1.0
    np.testing.assert_allclose(b.coef_[:, :p], half * a.coef_, rtol=1e-4, atol=1e-6)


@given(seed=st.integers(0, 2**16), p=st.integers(1, 40),
       name=st.sampled_from(sorted(ESTIMATORS)))
def test_float32_agrees_with_float64(seed, p, name):
    X, Y = property_data(seed, 80, p, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        m64 = ESTIMATORS[name](alpha=1.0).fit(X, Y)
        m32 = ESTIMATORS[name](alpha=1.0).fit(X.astype(np.float32), Y.astype(np.float32))
    pred32 = m32.predict(X.astype(np.float32))
    assert pred32.dtype == np.float32 and m32.coef_.dtype == np.float32
    assert m32.intercept_.dtype == np.float32
    np.testing.assert_allclose(pred32, m64.predict(X), rtol=2e-3,
                               atol=1e-4 * (1 + np.abs(Y).max()))


@pytest.mark.parametrize("name", sorted(ESTIMATORS) + ["LogisticRidge"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_inf_and_mismatched_rows_rejected(name, bad):
    make = ESTIMATORS.get(name, lambda **kw: LogisticRidge(**kw))
    X, Y = property_data(0, 20, 3, name)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        make().fit(X, Y[:-1])
    bad_X, bad_Y = X.copy(), Y.copy()
    bad_X[3, 0] = bad
    bad_Y[3, 0] = bad
    for data in ((bad_X, Y), (X, bad_Y)):
        with pytest.raises(ValueError, match="NaN|infinity"):
            make().fit(*data)
