"""Array-API dispatch: every supported class and function, on every available
namespace, device and dtype, gives NumPy's results in the namespace of its inputs.

The combinations are scikit-learn's (``yield_namespace_device_dtype_combinations``):
array-api-strict always (it is in the ``test`` extra), PyTorch and CuPy where they are
installed, on the devices present; the others skip with the reason. The reference is
the same call on NumPy arrays of the same dtype (NumPy kernels, dispatch off), to
float64 or float32 rounding. scikit-learn's estimator checks (``check_array_api_input``
and the mixed-namespace checks) run in ``test_common.py`` from the estimators' tags.
"""

import os
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.utils._array_api import _convert_to_numpy
from sklearn.utils._array_api import device as array_device
from sklearn.utils._array_api import get_namespace, yield_namespace_device_dtype_combinations
from sklearn.utils._testing import _array_api_for_tests

from sklearn_brainmap import (LinearNonlinear, LinearSoftplus, LogisticRidge, OneToOne,
                              Ridge, SoftMatching)
from sklearn_brainmap.metrics import (cka_score, pearson_r_score, procrustes_distance,
                                      procrustes_score, r2_score, rdm, rsa_score,
                                      soft_matching_score)
from sklearn_brainmap.model_selection import PairwiseMapping
from sklearn_brainmap.utils import ConstantUnitWarning

COMBINATIONS = list(yield_namespace_device_dtype_combinations(
    include_numpy_namespaces=False))
# rounding of one result against NumPy's: a few hundred ulps of the dtype
RTOL = {"float64": 1e-10, "float32": 2e-4}
ATOL = {"float64": 1e-12, "float32": 2e-5}


class Namespace:
    """Arrays of one namespace, device and dtype, and the way back to NumPy."""

    def __init__(self, name, device_name, dtype_name):
        self.xp, self.device = _array_api_for_tests(name, device_name, dtype_name)
        self.name, self.dtype = name, dtype_name

    def __call__(self, A):
        return self.xp.asarray(np.asarray(A, dtype=self.dtype), device=self.device)

    def numpy(self, A):
        return A if isinstance(A, np.ndarray) else _convert_to_numpy(A, self.xp)

    def np(self, A):
        """``A`` in the dtype of the combination, as a NumPy array (the reference)."""
        return np.asarray(A, dtype=self.dtype)

    def assert_here(self, A):
        """``A`` is an array of this namespace, on this device."""
        with sklearn.config_context(array_api_dispatch=True):
            xp, _ = get_namespace(A)
            assert xp.__name__.split(".")[-1] == self.name.split(".")[-1], xp.__name__
            assert array_device(A) == array_device(self(np.zeros(1)))

    def close(self, actual, expected, scale=1.0):
        assert_allclose(self.numpy(actual) if hasattr(actual, "shape") else actual,
                        expected, rtol=RTOL[self.dtype], atol=ATOL[self.dtype] * scale)


@pytest.fixture(params=COMBINATIONS, ids=lambda c: "-".join(map(str, c)))
def ns(request):
    return Namespace(*request.param)


@pytest.fixture(autouse=True)
def _dispatch():
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        pytest.skip("array-API dispatch needs SCIPY_ARRAY_API=1 before SciPy is imported "
                    "(tests/conftest.py sets it unless SciPy was imported first)")
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _data(n, p, t, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.standard_normal((n, 1))
    W = rng.standard_normal((p, t)) / np.sqrt(p)
    Y = X @ W + rng.uniform(0.2, 3.0, t) * rng.standard_normal((n, t)) + 1.0
    return X, Y


def _numpy(fn):
    """``fn()`` with dispatch off: the NumPy kernels, the reference."""
    with sklearn.config_context(array_api_dispatch=False):
        return fn()


RIDGE_CASES = [
    dict(alpha=1.0),
    dict(alpha=0.0),
    dict(cv=None),
    dict(cv=5),
    dict(cv=KFold(4, shuffle=True, random_state=0)),
    # test folds that overlap: the total sum of squares counts each test stimulus
    dict(cv=ShuffleSplit(4, test_size=0.3, random_state=0)),
    dict(cv=None, fit_intercept=False),
    dict(cv=5, fit_intercept=False),
    dict(cv=5, alpha_per_target=False),
    dict(cv=None, selection_dtype="float32"),
    dict(cv=5, selection_dtype="float32"),
]


@pytest.mark.parametrize("shape", [(60, 20, 7), (30, 80, 7)], ids=["primal", "dual"])
@pytest.mark.parametrize("params", RIDGE_CASES, ids=lambda p: repr(p))
def test_ridge_agrees_with_numpy(ns, shape, params):
    X, Y = _data(*shape)
    ref = _numpy(lambda: Ridge(**params).fit(ns.np(X), ns.np(Y)))
    model = Ridge(**params).fit(ns(X), ns(Y))
    for name in ("coef_", "intercept_", "alpha_", "alphas_"):
        ns.assert_here(getattr(model, name))
    pred = model.predict(ns(X))
    ns.assert_here(pred)
    alpha, alpha_ref = ns.numpy(model.alpha_), ref.alpha_
    # float32 selection: cv_scores_ to single precision, as documented
    dtype = params.get("selection_dtype") or ns.dtype
    if hasattr(ref, "cv_scores_"):
        ns.assert_here(model.cv_scores_)
        scores = ns.numpy(model.cv_scores_)
        if dtype == "float64":
            assert_allclose(scores, ref.cv_scores_, rtol=RTOL[dtype], atol=ATOL[dtype] * 10)
        else:
            # leave-one-out residuals divide by 1 − h_ii, which is near 0 for the
            # smallest penalties when n < p: there float32 itself is inaccurate, so the
            # bar is NumPy's own float32 error against float64, not a fixed tolerance
            exact = _numpy(lambda: Ridge(**params).fit(X, Y)).cv_scores_
            error_numpy = np.abs(ref.cv_scores_ - exact).max()
            assert np.abs(scores - exact).max() <= 10 * error_numpy + ATOL[dtype] * 10
        # the chosen penalty is NumPy's, or one that NumPy scores as well to rounding
        chosen = np.searchsorted(ref.alphas_, alpha)
        scores_ref = ref.cv_scores_
        if params.get("alpha_per_target", True):
            best = scores_ref.max(axis=0)
            at_choice = scores_ref[chosen, np.arange(chosen.size)]
        else:  # the smallest squared error summed over targets (folds partition Y)
            Yc = ns.np(Y) - ns.np(Y).mean(axis=0)
            sse = (1 - scores_ref) @ (Yc**2).sum(axis=0)
            best, at_choice = -sse.min() / sse.min(), -sse[chosen[0]] / sse.min()
        assert_allclose(at_choice, best, rtol=0, atol=100 * ATOL[dtype] * shape[2])
    same = alpha == alpha_ref
    if dtype == "float64":
        assert same.all()
    assert same.mean() >= 0.5  # rounding may flip near-ties in float32, not most choices
    coef = ns.numpy(model.coef_)
    scale = np.abs(ref.coef_).max()
    # relative to the largest value: rounding of the eigendecomposition spreads over all
    assert_allclose(coef[same], ref.coef_[same], rtol=0, atol=RTOL[ns.dtype] * scale)
    assert_allclose(ns.numpy(model.intercept_)[same], ref.intercept_[same], rtol=0,
                    atol=RTOL[ns.dtype] * np.abs(ref.intercept_).max())
    assert_allclose(ns.numpy(pred)[:, same], ref.predict(ns.np(X))[:, same],
                    rtol=0, atol=RTOL[ns.dtype] * np.abs(Y).max())


def test_ridge_one_target_and_constant_units(ns):
    X, Y = _data(40, 10, 3)
    X[:, 4] = 2.0  # a constant source
    Y[:, 1] = -1.0  # a constant target
    with pytest.warns(ConstantUnitWarning) as caught:
        ref = _numpy(lambda: Ridge(cv=None).fit(ns.np(X), ns.np(Y)))
    with pytest.warns(ConstantUnitWarning) as caught_ns:
        model = Ridge(cv=None).fit(ns(X), ns(Y))
    def messages(record):
        return [str(w.message) for w in record if w.category is ConstantUnitWarning]
    assert messages(caught_ns) == messages(caught)
    assert_array_equal(np.isnan(ns.numpy(model.cv_scores_)), np.isnan(ref.cv_scores_))
    assert np.all(ns.numpy(model.coef_)[1] == 0) and np.all(ns.numpy(model.coef_)[:, 4] == 0)
    ns.close(model.intercept_, ref.intercept_, scale=10)
    # a 1-D y gives 1-D coefficients and predictions, as on NumPy
    y = Y[:, 0]
    with pytest.warns(ConstantUnitWarning, match="1 of 10 source unit"):
        one = Ridge(cv=3).fit(ns(X), ns(y))
    with pytest.warns(ConstantUnitWarning, match="1 of 10 source unit"):
        one_ref = _numpy(lambda: Ridge(cv=3).fit(ns.np(X), ns.np(y)))
    assert one.coef_.shape == one_ref.coef_.shape == (10,)
    assert one.predict(ns(X)).shape == (40,)
    ns.close(one.predict(ns(X)), one_ref.predict(ns.np(X)), scale=10)


def test_ridge_extreme_scales(ns):
    # data beyond the safe range of the dtype are divided by a power of two, as on
    # NumPy; the penalties scale with X², so the selection is the one at scale 1
    X, Y = _data(30, 8, 2)
    big = 1e100 if ns.dtype == "float64" else 1e10
    alphas = np.logspace(-2, 5, 8) * big**2
    ref = _numpy(lambda: Ridge(alphas, cv=None).fit(ns.np(X * big), ns.np(Y * big)))
    model = Ridge(alphas, cv=None).fit(ns(X * big), ns(Y * big))
    assert_array_equal(ns.numpy(model.alpha_), ref.alpha_)
    assert_allclose(ns.numpy(model.coef_), ref.coef_, rtol=RTOL[ns.dtype] * 10)
    assert_allclose(ns.numpy(model.intercept_), ref.intercept_, rtol=RTOL[ns.dtype] * 10)


def test_ridge_predict_in_another_namespace_is_refused(ns):
    X, Y = _data(20, 5, 2)
    model = Ridge(alpha=1.0).fit(ns(X), ns(Y))
    with pytest.raises(ValueError, match="must use the same namespace"):
        model.predict(X)


@pytest.mark.parametrize("one_d", [False, True])
def test_one_to_one_agrees_with_numpy(ns, one_d):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 30))
    X[:, 7] = 3.0  # constant: never chosen
    Y = X[:, [3, 5, 5, 29]] * [1.0, 2.0, -3.0, 0.5] + 0.4 * rng.standard_normal((50, 4))
    Y = Y[:, 1] if one_d else Y
    with pytest.warns(ConstantUnitWarning):
        ref = _numpy(lambda: OneToOne().fit(ns.np(X), ns.np(Y)))
    with pytest.warns(ConstantUnitWarning):
        model = OneToOne().fit(ns(X), ns(Y))
    for name in ("source_index_", "coef_", "intercept_", "correlation_"):
        ns.assert_here(getattr(model, name))
    assert_array_equal(ns.numpy(model.source_index_), ref.source_index_)
    ns.close(model.coef_, ref.coef_)
    ns.close(model.correlation_, ref.correlation_)
    ns.close(model.intercept_, ref.intercept_)
    pred = model.predict(ns(X))
    ns.assert_here(pred)
    ns.close(pred, ref.predict(ns.np(X)), scale=10)


@pytest.mark.parametrize("score", [r2_score, pearson_r_score])
@pytest.mark.parametrize("multioutput", ["raw_values", "uniform_average", "median",
                                         [1.0, 2.0, 0.5, 1.0, 3.0]])
def test_columnwise_scores_agree_with_numpy(ns, score, multioutput):
    rng = np.random.default_rng(2)
    Y = rng.standard_normal((40, 5))
    P = Y + rng.standard_normal((40, 5))
    Y[:, 2] = 4.0  # undefined: NaN, left out of the aggregates
    with pytest.warns(ConstantUnitWarning):
        ref = _numpy(lambda: score(ns.np(Y), ns.np(P), multioutput=multioutput))
    with pytest.warns(ConstantUnitWarning):
        got = score(ns(Y), ns(P), multioutput=multioutput)
    if multioutput == "raw_values":
        ns.assert_here(got)
        assert_array_equal(np.isnan(ns.numpy(got)), np.isnan(ref))
        got, ref = ns.numpy(got)[~np.isnan(ref)], ref[~np.isnan(ref)]
    else:
        assert isinstance(got, float)
    ns.close(got, ref)


def test_r2_score_sample_weight_agrees_with_numpy(ns):
    rng = np.random.default_rng(3)
    Y = rng.standard_normal((30, 4))
    P = Y + rng.standard_normal((30, 4))
    w = rng.uniform(0, 2, 30)
    w[:4] = 0
    Y[4:, 3] = 1.5  # constant on the stimuli of positive weight only: undefined
    ref = _numpy(lambda: r2_score(ns.np(Y), ns.np(P), sample_weight=w,
                                  multioutput="raw_values"))
    got = r2_score(ns(Y), ns(P), sample_weight=ns(w), multioutput="raw_values")
    assert np.isnan(ref[3]) and np.isnan(ns.numpy(got)[3])
    ns.close(got[:3], ref[:3])


@pytest.mark.parametrize("shape", [(40, 12, 9), (20, 30, 45)], ids=["narrow", "wide"])
def test_similarity_measures_agree_with_numpy(ns, shape):
    n, p, q = shape
    rng = np.random.default_rng(4)
    X = rng.standard_normal((n, p))
    Y = X @ rng.standard_normal((p, q)) + rng.standard_normal((n, q))
    for fn in (lambda A, B: cka_score(A, B), lambda A, B: cka_score(A, B, debiased=True),
               procrustes_score, procrustes_distance):
        got = fn(ns(X), ns(Y))
        assert isinstance(got, float)
        ns.close(got, _numpy(lambda: fn(ns.np(X), ns.np(Y))))


@pytest.mark.parametrize("metric", ["correlation", "euclidean", "cosine"])
def test_rdm_and_rsa_agree_with_numpy(ns, metric):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((25, 10))
    Y = X @ rng.standard_normal((10, 15)) + rng.standard_normal((25, 15))
    Y[1] = Y[0]  # tied dissimilarities: average ranks for Spearman
    for condensed in (False, True):
        D = rdm(ns(X), metric=metric, condensed=condensed)
        ns.assert_here(D)
        ns.close(D, _numpy(lambda: rdm(ns.np(X), metric=metric, condensed=condensed)),
                 scale=10)
    for compare in ("spearman", "pearson"):
        got = rsa_score(ns(X), ns(Y), rdm_metric=metric, compare=compare)
        assert isinstance(got, float)
        expected = _numpy(lambda: rsa_score(ns.np(X), ns.np(Y), rdm_metric=metric,
                                            compare=compare))
        if metric == "euclidean" and compare == "pearson":
            # the distance between the two equal rows is the square root of rounding
            # noise in both kernels (‖a‖² + ‖b‖² − 2a·b), about √ε of the scale: it
            # moves the Pearson correlation by √ε / n_pairs
            assert abs(got - expected) <= np.sqrt(np.finfo(ns.dtype).eps) / 25
        else:
            ns.close(got, expected)
    Dx, Dy = _numpy(lambda: (rdm(ns.np(X), metric=metric), rdm(ns.np(Y), metric=metric)))
    ns.close(rsa_score(ns(Dx), ns(Dy), rdm_metric="precomputed"),
             _numpy(lambda: rsa_score(Dx, Dy, rdm_metric="precomputed")))


def test_measures_keep_their_errors(ns):
    X = np.ones((10, 3))
    with pytest.raises(ValueError, match="every unit of X is constant"):
        cka_score(ns(X), ns(np.arange(30.0).reshape(10, 3) ** 2))
    X[:, 1] = np.arange(10.0)
    Z = np.tile(np.arange(3.0), (10, 1))
    Z[4] = 1.0
    with pytest.raises(ValueError, match=r"1 of 10 stimulus pattern\(s\) \(rows 4\)"):
        rdm(ns(Z))
    with pytest.raises(TypeError, match="compare='kendall'.*spearman"):
        rsa_score(ns(X + np.arange(10.0)[:, None] ** 2), ns(X), compare="kendall")


def _population(seed=0):
    rng = np.random.default_rng(seed)
    shared = {a: rng.standard_normal((80, 5)) for a in ("V1", "V4")}
    blocks, subjects, areas = [], [], []
    for s in range(3):
        for a in ("V1", "V4"):
            blocks.append(shared[a] @ rng.standard_normal((5, 10))
                          + 0.3 * rng.standard_normal((80, 10)))
            subjects += [s] * 10
            areas += [a] * 10
    return np.hstack(blocks), subjects, areas


@pytest.mark.parametrize("estimator", [Ridge(cv=None), Ridge(cv=3), OneToOne(), cka_score,
                                       procrustes_score],
                         ids=["ridge-loo", "ridge-kfold", "one-to-one", "cka",
                              "procrustes"])
@pytest.mark.parametrize("scoring", ["r2", "pearson"])
def test_pairwise_mapping_agrees_with_numpy(ns, estimator, scoring):
    X, subjects, areas = _population()
    params = dict(subjects=subjects, areas=areas, scoring=scoring)
    ref = _numpy(lambda: PairwiseMapping(estimator, **params).fit(ns.np(X[:60])))
    M_ref = _numpy(lambda: ref.score_matrix(ns.np(X[60:])))
    mapping = PairwiseMapping(estimator, **params).fit(ns(X[:60]))
    M = mapping.score_matrix(ns(X[60:]))
    ns.assert_here(M)
    assert_array_equal(np.isnan(ns.numpy(M)), np.isnan(M_ref))
    ns.close(ns.numpy(M)[~np.isnan(M_ref)], M_ref[~np.isnan(M_ref)], scale=10)
    ns.close(mapping.score(ns(X[60:])), _numpy(lambda: ref.score(ns.np(X[60:]))),
             scale=10)


def test_second_input_follows_the_first(ns):
    # scikit-learn's rule: y (and Y, y_pred) are moved to the namespace and device of X
    X, Y = _data(30, 6, 3)
    ref = _numpy(lambda: Ridge(cv=None).fit(ns.np(X), ns.np(Y)))
    on_ns = Ridge(cv=None).fit(ns(X), ns.np(Y))
    ns.assert_here(on_ns.coef_)
    ns.close(on_ns.coef_, ref.coef_, scale=10)
    on_numpy = Ridge(cv=None).fit(ns.np(X), ns(Y))
    assert isinstance(on_numpy.coef_, np.ndarray)
    assert_allclose(on_numpy.coef_, ref.coef_)
    for fn in (cka_score, procrustes_score, rsa_score):
        expected = _numpy(lambda: fn(ns.np(X), ns.np(Y)))
        ns.close(fn(ns(X), ns.np(Y)), expected)
        ns.close(fn(ns.np(X), ns(Y)), expected)
    r2 = r2_score(ns(Y), ns.np(X[:, :3]), multioutput="raw_values")
    ns.assert_here(r2)
    assert isinstance(pearson_r_score(ns.np(Y), ns(X[:, :3]), multioutput="raw_values"),
                      np.ndarray)


@pytest.mark.parametrize("estimator", [SoftMatching(), LogisticRidge(), LinearNonlinear(),
                                       LinearSoftplus()],
                         ids=lambda e: type(e).__name__)
def test_classes_without_support_refuse_other_namespaces(ns, estimator):
    X, Y = _data(20, 4, 3)
    Y = np.abs(Y)
    name = type(estimator).__name__
    with pytest.raises(TypeError, match=rf"{name} runs only on NumPy arrays.*Ridge, "
                                        r"OneToOne"):
        estimator.fit(ns(X), ns(Y))
    # fitted on NumPy, it refuses other namespaces at predict time too
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = estimator.fit(X, Y)
    with pytest.raises(TypeError, match=rf"{name} runs only on NumPy arrays"):
        fitted.predict(ns(X))
    with pytest.raises(TypeError, match="soft_matching_score runs only on NumPy"):
        soft_matching_score(ns(X), ns(Y))
    with pytest.raises(TypeError, match="SoftMatching runs only on NumPy"):
        PairwiseMapping(SoftMatching(), subjects=[0, 0, 1, 1], areas=[0, 1, 0, 1]).fit(
            ns(np.abs(_data(20, 4, 1)[0])))


def test_numpy_inputs_keep_the_numpy_kernels():
    # with dispatch on, NumPy inputs take the NumPy path: the very same numbers
    X, Y = _data(50, 30, 6)
    for make in (lambda: Ridge(cv=5), lambda: Ridge(cv=None), OneToOne):
        on = make().fit(X, Y)
        off = _numpy(lambda: make().fit(X, Y))
        assert isinstance(on.coef_, np.ndarray)
        assert_array_equal(on.coef_, off.coef_)
        assert_array_equal(on.predict(X), off.predict(X))
    assert cka_score(X, Y) == _numpy(lambda: cka_score(X, Y))
    assert rsa_score(X, Y) == _numpy(lambda: rsa_score(X, Y))


def test_tags_declare_array_api_support():
    from sklearn.utils import get_tags
    supported = {type(e).__name__: get_tags(e).array_api_support
                 for e in (Ridge(), OneToOne(), SoftMatching(), LogisticRidge(),
                           LinearNonlinear(), LinearSoftplus())}
    assert supported == {"Ridge": True, "OneToOne": True, "SoftMatching": False,
                         "LogisticRidge": False, "LinearNonlinear": False,
                         "LinearSoftplus": False}
    # PairwiseMapping follows its transform class
    assert get_tags(PairwiseMapping(Ridge())).array_api_support
    assert not get_tags(PairwiseMapping(SoftMatching())).array_api_support
