"""Bad input to the linear transform classes: a clear error or a documented warning,
never a plausible wrong number (the reliability issue).

Each error is asserted by its exception type and a key phrase of its message; each
fix for extreme scales against an independent computation (scikit-learn, scipy,
least squares, or the same fit on unscaled data)."""

import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import stats
from sklearn import linear_model as sklm
from sklearn.model_selection import KFold, LeaveOneOut, ShuffleSplit
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_brainmap import LinearNonlinear, LinearSoftplus, LogisticRidge, Ridge
from sklearn_brainmap.linear_model import DEFAULT_ALPHAS
from sklearn_brainmap.utils import ConstantUnitWarning

CLASSES = {"Ridge": Ridge, "LogisticRidge": LogisticRidge,
           "LinearNonlinear": LinearNonlinear, "LinearSoftplus": LinearSoftplus}


def regression_data(seed=0, n=40, p=5, t=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = rng.standard_normal((p, t))
    return X, X @ W + rng.standard_normal((n, t)), W


def targets_for(name, X, Y):
    """Targets each class is meant for: counts for LinearNonlinear, sparse for
    LogisticRidge, positive for LinearSoftplus."""
    if name == "LinearNonlinear":
        return np.random.default_rng(1).poisson(np.exp(0.3 * Y)).astype(float)
    if name == "LogisticRidge":
        return np.maximum(Y, 0.0)
    if name == "LinearSoftplus":
        return np.logaddexp(0.0, Y)
    return Y


def fit_quietly(model, X, Y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        return model.fit(X, Y, **kw)


# ---- 1. Ridge's cross-validation folds ------------------------------------------------

def folds_of(X):
    return list(KFold(5).split(X))


@pytest.mark.parametrize("make_cv, message", [
    (lambda X: (fold for fold in folds_of(X)), "one-shot iterator"),
    (lambda X: KFold(5).split(X), "one-shot iterator"),
    (lambda X: iter(folds_of(X)), "one-shot iterator"),
    (lambda X: [], "no folds"),
    (lambda X: [(np.arange(30), np.arange(30, 45))], "outside the 40 stimuli"),
    (lambda X: [(np.arange(-45, 30), np.arange(30, 40))], "outside the 40 stimuli"),
    (lambda X: [(np.ones(30, bool), np.ones(10, bool))], "one entry per stimulus"),
    (lambda X: [(np.arange(30), np.array([30.0, 31.0]))], "integer indices"),
    (lambda X: [(np.arange(30), np.array([], dtype=int))], "tests on 0 stimulus"),
    (lambda X: [(np.array([0]), np.arange(1, 40))], "trains on 1 stimuli"),
    (lambda X: [(np.arange(30), np.arange(25, 40))], "also trains on"),
    (lambda X: [(np.arange(40), np.arange(40))], "also trains on"),
    (lambda X: 50, "50 folds from n_samples = 40"),
])
def test_bad_folds_are_clear_errors(make_cv, message):
    X, Y, _ = regression_data()
    with pytest.raises(ValueError, match=message):
        Ridge(cv=make_cv(X)).fit(X, Y)


def test_a_used_up_generator_never_gives_scores_of_one():
    # before: the second fit had no folds, every cv_scores_ was 1.0 and the smallest
    # penalty was chosen; now both fits refuse the generator
    X, Y, _ = regression_data()
    model = Ridge(cv=(fold for fold in folds_of(X)))
    for _ in range(2):
        with pytest.raises(ValueError, match=r"list\(cv\)"):
            model.fit(X, Y)


def test_generator_refused_with_a_single_alpha_too():
    X, Y, _ = regression_data()
    with pytest.raises(ValueError, match="one-shot iterator"):
        Ridge(alpha=1.0, cv=KFold(5).split(X)).fit(X, Y)


def test_list_of_folds_refits_to_the_same_model():
    X, Y, _ = regression_data()
    model = Ridge(cv=folds_of(X))
    first = model.fit(X, Y).cv_scores_.copy()
    np.testing.assert_array_equal(model.fit(X, Y).cv_scores_, first)
    np.testing.assert_array_equal(first, Ridge(cv=KFold(5)).fit(X, Y).cv_scores_)


def test_folds_as_boolean_masks_equal_index_arrays():
    X, Y, _ = regression_data(1)
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    masks = [(np.isin(np.arange(40), tr), np.isin(np.arange(40), te)) for tr, te in folds]
    by_index = Ridge(cv=folds).fit(X, Y)
    by_mask = Ridge(cv=masks).fit(X, Y)
    np.testing.assert_array_equal(by_mask.cv_scores_, by_index.cv_scores_)
    np.testing.assert_array_equal(by_mask.alpha_, by_index.alpha_)
    np.testing.assert_array_equal(by_mask.coef_, by_index.coef_)


def test_single_stimulus_test_folds_are_exact_leave_one_out():
    # Ridge sums squared errors over test stimuli: leave-one-out folds are valid, and
    # their scores equal the closed-form leave-one-out of cv=None
    X, Y, _ = regression_data(2)
    by_folds = Ridge(cv=LeaveOneOut()).fit(X, Y)
    closed_form = Ridge(cv=None).fit(X, Y)
    np.testing.assert_allclose(by_folds.cv_scores_, closed_form.cv_scores_, rtol=1e-10)
    np.testing.assert_array_equal(by_folds.alpha_, closed_form.alpha_)


def test_scores_of_folds_that_do_not_partition_the_stimuli():
    # ShuffleSplit tests some stimuli twice and others never: both sums of squares run
    # over the stimuli as tested (before, the total ran over all stimuli once each)
    X, Y, _ = regression_data(3)
    cv = list(ShuffleSplit(6, test_size=8, random_state=0).split(X))
    alphas = np.array([0.1, 10.0, 1000.0])
    model = Ridge(alpha=alphas, cv=cv).fit(X, Y)
    sse = np.zeros((3, Y.shape[1]))
    total = np.zeros(Y.shape[1])
    for train, test in cv:
        total += ((Y[test] - Y.mean(axis=0)) ** 2).sum(axis=0)
        for a, alpha in enumerate(alphas):
            ref = sklm.Ridge(alpha=alpha).fit(X[train], Y[train])
            sse[a] += ((Y[test] - ref.predict(X[test])) ** 2).sum(axis=0)
    np.testing.assert_allclose(model.cv_scores_, 1.0 - sse / total, rtol=1e-10)


# ---- 2. parameters: NaN and infinities --------------------------------------------------

NON_FINITE = [np.nan, np.inf, -np.inf]

PARAMETERS = [
    (name, param, value)
    for name, params in {
        "Ridge": ["alpha"],
        "LogisticRidge": ["alpha", "ridge_alpha", "tol", "threshold"],
        "LinearNonlinear": ["alpha", "tol"],
        "LinearSoftplus": ["alpha", "tol", "beta"],
    }.items()
    for param in params for value in NON_FINITE
]


@pytest.mark.parametrize("name, param, value", PARAMETERS)
def test_non_finite_float_parameters_are_refused(name, param, value):
    X, Y, _ = regression_data()
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        CLASSES[name](**{param: value}).fit(X, targets_for(name, X, Y))


@pytest.mark.parametrize("alpha", [[1.0, np.nan], [1.0, np.inf], [np.nan], [1.0, -1.0]])
def test_non_finite_or_negative_candidate_penalties_are_refused(alpha):
    X, Y, _ = regression_data()
    with pytest.raises(ValueError, match="alpha must be finite and non-negative"):
        Ridge(alpha=alpha).fit(X, Y)


@pytest.mark.parametrize("name, param, value", [
    ("Ridge", "alpha", -1.0), ("Ridge", "fit_intercept", "yes"),
    ("Ridge", "selection_dtype", "float16"), ("Ridge", "cv", "five"),
    ("LogisticRidge", "ridge_alpha", -1.0), ("LogisticRidge", "prediction", "soft"),
    ("LogisticRidge", "max_iter", 0), ("LogisticRidge", "threshold", "0"),
    ("LinearNonlinear", "family", "binomial"), ("LinearNonlinear", "power_transform", 1.5),
    ("LinearNonlinear", "tol", -1e-6), ("LinearSoftplus", "beta", 0.0),
    ("LinearSoftplus", "max_iter", 1.5),
])
def test_out_of_range_parameters_are_refused(name, param, value):
    X, Y, _ = regression_data()
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        CLASSES[name](**{param: value}).fit(X, targets_for(name, X, Y))


@pytest.mark.parametrize("threshold", [-1.5, 0.0, 0.7])
def test_finite_thresholds_predict_finite_values(threshold):
    X, Y, _ = regression_data(4)
    pred = LogisticRidge(threshold=threshold).fit(X, Y).predict(X)
    assert np.isfinite(pred).all()


# ---- 3. extreme scales -------------------------------------------------------------

RIDGE_CONFIGURATIONS = {
    "fixed": lambda c: Ridge(alpha=3.0 * c * c),
    "loo": lambda c: Ridge(alpha=np.array(DEFAULT_ALPHAS) * c * c, cv=None),
    "kfold": lambda c: Ridge(alpha=np.array(DEFAULT_ALPHAS) * c * c, cv=KFold(5)),
    "shared": lambda c: Ridge(alpha=np.array(DEFAULT_ALPHAS) * c * c, cv=None,
                              alpha_per_target=False),
    "no-intercept": lambda c: Ridge(alpha=np.array(DEFAULT_ALPHAS) * c * c, cv=None,
                                    fit_intercept=False),
}


@given(k=st.integers(-150, 150), seed=st.integers(0, 2**16),
       config=st.sampled_from(sorted(RIDGE_CONFIGURATIONS)),
       wide=st.booleans())
def test_ridge_predictions_do_not_depend_on_the_units_of_x(k, seed, config, wide):
    # X·c with the penalties (the default grid too) scaled by c²: the same predictions,
    # and the chosen penalty scaled by c²
    c = 10.0**k
    X, Y, _ = regression_data(seed, n=30, p=45 if wide else 6)
    make = RIDGE_CONFIGURATIONS[config]
    ref = make(1.0).fit(X, Y)
    scaled = make(c).fit(c * X, Y)
    np.testing.assert_allclose(scaled.predict(c * X), ref.predict(X), rtol=1e-10,
                               atol=1e-10 * np.abs(Y).max())
    np.testing.assert_allclose(scaled.alpha_, ref.alpha_ * c * c, rtol=1e-12)
    np.testing.assert_allclose(scaled.coef_ * c, ref.coef_, rtol=1e-9,
                               atol=1e-10 * np.abs(ref.coef_).max())


@given(k=st.integers(-150, 150), seed=st.integers(0, 2**16),
       config=st.sampled_from(sorted(RIDGE_CONFIGURATIONS)))
def test_ridge_predictions_scale_with_y(k, seed, config):
    c = 10.0**k
    X, Y, _ = regression_data(seed, n=30, p=6)
    make = RIDGE_CONFIGURATIONS[config]
    ref = make(1.0).fit(X, Y)
    scaled = make(1.0).fit(X, c * Y)
    np.testing.assert_allclose(scaled.predict(X) / c, ref.predict(X), rtol=1e-10,
                               atol=1e-10 * np.abs(Y).max())
    np.testing.assert_array_equal(scaled.alpha_, ref.alpha_)


@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e300, 1e-300, 2.0**1000])
@pytest.mark.parametrize("cv", [None, 5])
def test_ridge_on_x_near_the_float_range_is_least_squares(scale, cv):
    # Ridge().fit(X·1e200, Y) raised LinAlgError. At 1e±200 the default grid is, next
    # to X's own scale, no penalty at all (1e200) or an overwhelming one (1e-200):
    # least squares, or the targets' means
    X, Y, _ = regression_data(5)
    model = Ridge(cv=cv).fit(scale * X, Y)
    pred = model.predict(scale * X)
    if scale > 1:
        A = np.hstack([X, np.ones((40, 1))])
        ref = A @ np.linalg.lstsq(A, Y, rcond=None)[0]
        np.testing.assert_allclose(pred, ref, rtol=1e-10, atol=1e-10 * np.abs(Y).max())
        np.testing.assert_array_equal(model.alpha_, DEFAULT_ALPHAS[0])
    else:
        np.testing.assert_allclose(pred, np.broadcast_to(Y.mean(axis=0), Y.shape),
                                   rtol=1e-12)
    # without a penalty: least squares at any scale
    zero = Ridge(alpha=0.0).fit(scale * X, Y)
    ref = sklm.LinearRegression().fit(X, Y)
    np.testing.assert_allclose(zero.predict(scale * X), ref.predict(X), rtol=1e-10)
    np.testing.assert_allclose(zero.coef_ * scale, ref.coef_, rtol=1e-9)


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_ridge_on_y_near_the_float_range(scale):
    X, Y, _ = regression_data(6)
    scaled = Ridge(cv=None).fit(X, scale * Y)
    ref = Ridge(cv=None).fit(X, Y)
    np.testing.assert_allclose(scaled.predict(X) / scale, ref.predict(X), rtol=1e-12)
    np.testing.assert_array_equal(scaled.alpha_, ref.alpha_)
    np.testing.assert_allclose(scaled.cv_scores_, ref.cv_scores_, rtol=1e-12)


def test_ridge_weights_beyond_the_float_range_are_an_error():
    X, Y, _ = regression_data(7)
    with pytest.raises(ValueError, match="beyond the range of float64"):
        Ridge(alpha=0.0).fit(1e300 * X, 1e-300 * Y)
    with pytest.raises(ValueError, match="beyond the range of float64"):
        Ridge(alpha=0.0).fit(1e-300 * X, 1e300 * Y)


def glm_data(name, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, 5)) * rng.uniform(0.3, 3, 5) + rng.uniform(-2, 2, 5)
    drive = (X - X.mean(axis=0)) @ rng.standard_normal((5, 3)) / 3
    if name == "LinearNonlinear":
        return X, rng.poisson(np.exp(drive)).astype(float)
    if name == "LinearNonlinear-gamma":
        return X, np.exp(drive) * rng.gamma(5.0, 0.2, drive.shape)
    if name == "LogisticRidge":
        return X, np.maximum(drive + 0.3 * rng.standard_normal(drive.shape), 0.0)
    return X, np.logaddexp(0, 2 * drive) + 0.2 * rng.standard_normal(drive.shape)


#: (make(x_scale c, y_scale d), data): the penalties follow X (c²) and, for Poisson,
#: y (d); the softplus sharpness and the threshold follow y.
GLM_CONFIGURATIONS = {
    "LinearNonlinear": lambda c, d: LinearNonlinear(alpha=2.0 * c * c * d,
                                                    power_transform=False, tol=1e-10),
    "LinearNonlinear-gamma": lambda c, d: LinearNonlinear(alpha=2.0 * c * c,
                                                          family="gamma",
                                                          power_transform=False,
                                                          tol=1e-10),
    "LinearSoftplus": lambda c, d: LinearSoftplus(alpha=2.0 * c * c, beta=1.0 / d,
                                                  tol=1e-10),
    "LogisticRidge": lambda c, d: LogisticRidge(alpha=2.0 * c * c,
                                                ridge_alpha=3.0 * c * c,
                                                threshold=0.2 * d, tol=1e-10),
}


@given(k=st.integers(-150, 150), seed=st.integers(0, 2**16),
       name=st.sampled_from(sorted(GLM_CONFIGURATIONS)), on_y=st.booleans())
def test_glm_predictions_do_not_depend_on_the_units(k, seed, name, on_y):
    # before, X·1e-6 (with alpha·1e-12) stopped at once at the constant fit, y·1e-6
    # too (the convergence test was absolute), and X·1e200 raised LinAlgError
    c = 10.0**k
    X, Y = glm_data(name, seed)
    make = GLM_CONFIGURATIONS[name]
    ref = make(1.0, 1.0).fit(X, Y).predict(X)
    if on_y:
        pred = make(1.0, c).fit(X, c * Y).predict(X) / c
    else:
        pred = make(c, 1.0).fit(c * X, Y).predict(c * X)
    np.testing.assert_allclose(pred, ref, rtol=1e-8, atol=1e-8 * np.abs(ref).max())


@given(k=st.integers(-150, 150), seed=st.integers(0, 2**16),
       name=st.sampled_from(sorted(GLM_CONFIGURATIONS)))
def test_glm_predictions_do_not_depend_on_the_units_of_the_weights(k, seed, name):
    # weights·c is the penalty / c
    c = 10.0**k
    X, Y = glm_data(name, seed)
    weights = np.random.default_rng(seed).uniform(0.0, 2.0, X.shape[0])
    model = GLM_CONFIGURATIONS[name](1.0, 1.0)
    ref = model.fit(X, Y, sample_weight=weights).predict(X)
    scaled = GLM_CONFIGURATIONS[name](1.0, 1.0)
    scaled.set_params(**{p: v * c for p, v in scaled.get_params().items()
                         if p in ("alpha", "ridge_alpha")})
    pred = scaled.fit(X, Y, sample_weight=c * weights).predict(X)
    np.testing.assert_allclose(pred, ref, rtol=1e-8, atol=1e-8 * np.abs(ref).max())


@pytest.mark.parametrize("name", sorted(GLM_CONFIGURATIONS))
@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e300, 1e-300])
def test_glm_on_x_near_the_float_range(name, scale):
    # LinearSoftplus and LogisticRidge raised LinAlgError on X·1e200. Without penalties
    # (no c² to scale) the fit on scaled X is the fit on X
    X, Y = glm_data(name, 8)
    model = GLM_CONFIGURATIONS[name](1.0, 1.0).set_params(alpha=0.0)
    if name == "LogisticRidge":
        model.set_params(ridge_alpha=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged, nothing constant
        ref = model.fit(X, Y).predict(X)
        pred = model.fit(scale * X, Y).predict(scale * X)
    np.testing.assert_allclose(pred, ref, rtol=1e-8, atol=1e-8 * np.abs(ref).max())


def test_glm_weights_beyond_the_float_range_are_an_error():
    X, Y = glm_data("LinearSoftplus", 9)
    with pytest.raises(ValueError, match="beyond the range of float64"):
        LinearSoftplus(alpha=0.0).fit(1e-307 * X, 1e3 * Y)


def scipy_transformed(X):
    """Yeo-Johnson with scipy's maximum-likelihood λ per column, then standardised."""
    lambdas = np.array([stats.yeojohnson_normmax(x) for x in X.T])
    T = np.column_stack([stats.yeojohnson(x, lam) for x, lam in zip(X.T, lambdas)])
    return (T - T.mean(axis=0)) / T.std(axis=0), lambdas


@pytest.mark.parametrize("scale", [1e-15, 1e-50, 1e-100, 1e-150])
def test_linear_nonlinear_on_tiny_sources_matches_scipy(scale):
    # a source of 1e-15 was treated as constant (an absolute threshold on its scale);
    # for tiny sources λ is of order 1/|x| and the search missed it below 1e-14
    X, Y = glm_data("LinearNonlinear", 10)
    Xs = scale * X
    model = LinearNonlinear(tol=1e-10).fit(Xs, Y)
    T, lambdas = scipy_transformed(Xs)
    for j, lam in enumerate(lambdas):  # our λ is at least as likely as scipy's
        assert stats.yeojohnson_llf(model.power_lambdas_[j], Xs[:, j]) >= \
            stats.yeojohnson_llf(lam, Xs[:, j]) - 1e-9
    ref = LinearNonlinear(power_transform=False, tol=1e-10).fit(T, Y)
    np.testing.assert_allclose(model.predict(Xs), ref.predict(T), rtol=1e-6)
    assert np.abs(model.coef_).max() > 0.1  # the source is used, not set aside


@given(k=st.integers(-300, -10), seed=st.integers(0, 2**16))
@example(k=-136, seed=10763).via("failed under the dev profile (threaded BLAS)")
@example(k=-282, seed=47458).via("failed under the dev profile (threaded BLAS)")
def test_linear_nonlinear_fits_do_not_depend_on_the_scale_of_tiny_sources(k, seed):
    # where the transform is exponential in x (|x| ≲ 1e-8), scaling x scales 1/λ.
    # The comparison is relative to the scale of the predictions: where a column's
    # transform is nearly linear (|λx| ≪ 1) its likelihood is flat to rounding, and
    # c·X is not an exact rescaling of 1e-10·X (decimal factors round differently), so
    # λ·scale legitimately differs there (by 0.3% at seed 10763, k=-136, with threaded
    # BLAS); the predictions then agree to ~4e-8 of their largest magnitude, but by
    # 1.06e-6 of one element near 0.2 (a value 650 times smaller than the largest)
    X, Y = glm_data("LinearNonlinear", seed)
    ref = LinearNonlinear(tol=1e-10).fit(1e-10 * X, Y).predict(1e-10 * X)
    c = 10.0**k
    pred = LinearNonlinear(tol=1e-10).fit(c * X, Y).predict(c * X)
    np.testing.assert_allclose(pred, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_linear_nonlinear_refuses_sources_no_lambda_can_transform():
    # values of both signs beyond ~1e145: scipy's search interval is empty (it raises);
    # the transform gave an infinite scale and a constant prediction before
    X, Y = glm_data("LinearNonlinear", 11)
    with pytest.raises(ValueError, match="Yeo-Johnson transform cannot be fitted"):
        LinearNonlinear().fit(1e200 * X, Y)
    with pytest.raises(ValueError, match="power_transform=False"):
        LinearNonlinear().fit(1e150 * X, Y)
    # one-signed sources of that size are transformable (as in scipy)
    big = 1e200 * np.abs(X)
    model = LinearNonlinear(tol=1e-10).fit(big, Y)
    T, _ = scipy_transformed(big)
    ref = LinearNonlinear(power_transform=False, tol=1e-10).fit(T, Y)
    np.testing.assert_allclose(model.predict(big), ref.predict(T), rtol=1e-6)


# ---- 4. constant source units ------------------------------------------------------

CONSEQUENCE = {
    "Ridge": "they get zero weight (they are centred away).",
    "LogisticRidge": "they get zero weight in both halves.",
    "LinearNonlinear": "they get zero weight.",
    "LinearSoftplus": "they get zero weight.",
}


def constant_prediction(name, Y, threshold=0.0):
    """What a fit without information predicts: each target's best constant."""
    if name == "LogisticRidge":
        above = Y > threshold
        p = above.mean(axis=0)
        above_mean = np.where(above, Y, 0.0).sum(axis=0) / above.sum(axis=0)
        return p * above_mean + (1 - p) * threshold
    return Y.mean(axis=0)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_source_unit_constant_warns_and_predicts_constants(name):
    X, Y, _ = regression_data(12)
    Y = targets_for(name, X, Y)
    Xc = np.full_like(X, 3.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = CLASSES[name]().fit(Xc, Y)
    messages = [str(w.message) for w in caught if w.category is ConstantUnitWarning]
    assert messages == ["5 of 5 source unit(s) are constant (columns 0, 1, 2, 3, 4): "
                        + CONSEQUENCE[name]]
    assert np.all(model.coef_ == 0.0)
    np.testing.assert_allclose(model.predict(Xc),
                               np.broadcast_to(constant_prediction(name, Y), Y.shape),
                               rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_some_constant_source_units_are_counted(name):
    X, Y, _ = regression_data(13)
    Y = targets_for(name, X, Y)
    X[:, [1, 3]] = [[0.0, -2.5]]
    with pytest.warns(ConstantUnitWarning, match=r"2 of 5 source unit\(s\) are constant "
                                                 r"\(columns 1, 3\)"):
        model = CLASSES[name]().fit(X, Y)
    assert np.all(model.coef_[:, [1, 3]] == 0.0)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_tiny_varying_source_units_are_not_constant(name):
    # relative, not absolute: a unit of 1e-15 that varies is a unit
    X, Y, _ = regression_data(14)
    Y = targets_for(name, X, Y)
    X[:, 0] *= 1e-15
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantUnitWarning)
        model = CLASSES[name]().fit(X, Y)
    assert np.all(model.coef_[:, 0] != 0.0)
    if name == "LinearNonlinear":
        # standardised by its own spread (it was divided by 1, as if constant)
        transformed = stats.yeojohnson(X[:, 0], model.power_lambdas_[0])
        np.testing.assert_allclose(model.power_scale_[0], transformed.std(), rtol=1e-10)
        assert np.abs(model.coef_[:, 0]).max() > 0.05


@pytest.mark.parametrize("name", ["LogisticRidge", "LinearNonlinear", "LinearSoftplus"])
def test_units_constant_where_weighted_are_constant(name):
    X, Y, _ = regression_data(15)
    Y = targets_for(name, X, Y)
    weights = np.ones(40)
    weights[:5] = 0.0
    X[5:, 2] = 1.0  # varies only on stimuli of zero weight
    with pytest.warns(ConstantUnitWarning, match=r"1 of 5 source unit\(s\).*columns 2"):
        model = CLASSES[name]().fit(X, Y, sample_weight=weights)
    assert np.all(model.coef_[:, 2] == 0.0)


def test_ridge_without_intercept_says_constant_units_act_as_an_intercept():
    X, Y, _ = regression_data(16)
    X[:, 0] = 1.0
    with pytest.warns(ConstantUnitWarning, match="act as a penalised intercept"):
        model = Ridge(alpha=1.0, fit_intercept=False).fit(X, Y)
    ref = sklm.Ridge(alpha=1.0, fit_intercept=False).fit(X, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)


# ---- 5. sample weights, shapes, missing values -------------------------------------

@pytest.mark.parametrize("name", ["LogisticRidge", "LinearNonlinear", "LinearSoftplus"])
@pytest.mark.parametrize("weights, error, message", [
    (np.r_[np.nan, np.ones(39)], ValueError, "sample_weight contains NaN"),
    (np.r_[np.inf, np.ones(39)], ValueError, "sample_weight contains infinity"),
    (np.r_[-1.0, np.ones(39)], ValueError, "Negative values in data passed to "
                                           "`sample_weight`"),
    (np.ones(39), ValueError, r"sample_weight.shape == \(39,\), expected \(40,\)"),
    (np.ones((40, 2)), ValueError, "Sample weights must be 1D"),
    (np.zeros(40), ValueError, "at least one non-zero"),
    (["a"] * 40, ValueError, "could not convert"),
])
def test_bad_sample_weights_are_refused(name, weights, error, message):
    X, Y, _ = regression_data()
    with pytest.raises(error, match=message):
        CLASSES[name]().fit(X, targets_for(name, X, Y), sample_weight=weights)


def test_ridge_takes_no_sample_weight():
    X, Y, _ = regression_data()
    with pytest.raises(TypeError, match="sample_weight"):
        Ridge().fit(X, Y, sample_weight=np.ones(40))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_predict_with_the_wrong_number_of_source_units(name):
    X, Y, _ = regression_data()
    model = fit_quietly(CLASSES[name](), X, targets_for(name, X, Y))
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 5"):
        model.predict(X[:, :4])
    if name == "LogisticRidge":
        with pytest.raises(ValueError, match="X has 6 features"):
            model.predict_proba_above(np.hstack([X, X[:, :1]]))


@pytest.mark.parametrize("name", sorted(CLASSES))
@pytest.mark.parametrize("change, message", [
    (lambda Y: np.where(np.arange(40)[:, None] == 3, np.nan, Y), "Input y contains NaN"),
    (lambda Y: np.where(np.arange(40)[:, None] == 3, np.inf, Y), "y contains infinity"),
    (lambda Y: Y[:, :, None], "dim 3"),
    (lambda Y: Y[:30], "inconsistent numbers of samples"),
    (lambda Y: Y[:, :0], "0 target columns"),
])
def test_bad_targets_are_refused(name, change, message):
    X, Y, _ = regression_data()
    with pytest.raises(ValueError, match=message):
        CLASSES[name]().fit(X, change(targets_for(name, X, Y)))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_non_finite_sources_are_refused(name):
    X, Y, _ = regression_data()
    Y = targets_for(name, X, Y)
    model = fit_quietly(CLASSES[name](), X, Y)
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        CLASSES[name]().fit(X, Y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict(X)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_one_dimensional_targets_give_one_dimensional_results(name):
    X, Y, _ = regression_data(17)
    y = targets_for(name, X, Y)[:, 0]
    one = fit_quietly(CLASSES[name](), X, y)
    two = fit_quietly(CLASSES[name](), X, y[:, None])
    assert one.predict(X).shape == (40,) and one.coef_.shape == (5,)
    np.testing.assert_array_equal(one.predict(X), two.predict(X)[:, 0])
    np.testing.assert_array_equal(one.coef_, two.coef_[0])
