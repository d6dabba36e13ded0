import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import linear_model as sklm
from sklearn.model_selection import KFold

from sklearn_brainmap import Ridge
from sklearn_brainmap.linear_model._ridge_solvers import (center, eigenbasis,
                                                          project_targets,
                                                          ridge_kfold_errors,
                                                          ridge_loo_errors)


def loo_errors(X, Y, alphas, fit_intercept=True, lev_intercept=None):
    Xc, _ = center(X, fit_intercept)
    Yc, _ = center(Y, fit_intercept)
    basis = eigenbasis(Xc)
    return ridge_loo_errors(Xc, Yc, alphas, basis, project_targets(Xc, Yc, basis),
                            fit_intercept=fit_intercept if lev_intercept is None
                            else lev_intercept)
from sklearn_brainmap.utils import ConstantUnitWarning

ALPHAS = np.logspace(-2, 5, 15)


def make_data(n, p, t, dtype=np.float64, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-3, 3, p)
    W = rng.standard_normal((p, t)) * rng.uniform(0.01, 1.0, t)
    Y = X @ W + noise * rng.standard_normal((n, t)) * rng.uniform(0.5, 20, t) + 5.0
    return X.astype(dtype), Y.astype(dtype)


@pytest.mark.parametrize("shape", [(60, 20), (30, 80)], ids=["tall", "wide"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("alpha", [0.3, 10.0])
def test_fixed_alpha_equals_sklearn(shape, fit_intercept, dtype, alpha):
    X, Y = make_data(*shape, 4, dtype)
    ours = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y)
    ref = sklm.Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(
        X.astype(np.float64), Y.astype(np.float64))
    rtol = 1e-9 if dtype == np.float64 else 2e-3
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol,
                               atol=rtol * np.abs(Y).max())
    pred_scale = np.abs(Y).max()
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=rtol,
                               atol=rtol * pred_scale)
    assert ours.coef_.dtype == dtype and ours.predict(X).dtype == dtype
    assert ours.coef_.shape == (4, shape[1])


def test_one_dimensional_target_matches_sklearn():
    X, Y = make_data(40, 10, 1)
    ours = Ridge(alpha=2.0).fit(X, Y[:, 0])
    ref = sklm.Ridge(alpha=2.0).fit(X, Y[:, 0])
    assert ours.coef_.shape == (10,) and np.ndim(ours.intercept_) == 0
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    assert ours.predict(X).shape == (40,)
    # one sample is fine with a fixed penalty, as in scikit-learn
    with pytest.warns(ConstantUnitWarning):
        Ridge(alpha=1.0).fit(X[:1], Y[:1, 0])


def test_zero_alpha_is_least_squares():
    X, Y = make_data(50, 5, 3)
    ours = Ridge(alpha=0.0).fit(X, Y)
    ref = sklm.LinearRegression().fit(X, Y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8)


@pytest.mark.parametrize("shape", [(50, 10), (40, 120)], ids=["tall", "wide"])
def test_loo_selection_equals_sklearn_ridgecv(shape):
    X, Y = make_data(*shape, 30, noise=3.0)
    ours = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    ref = sklm.RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, Y)
    np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
    # the choice is not degenerate: several penalties are chosen
    assert np.unique(ours.alpha_).size > 1
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-7)


def test_loo_errors_equal_brute_force():
    X, Y = make_data(25, 40, 3, noise=2.0)
    for fit_intercept in (True, False):
        sse = loo_errors(X, Y, ALPHAS, fit_intercept)
        brute = np.zeros_like(sse)
        for i in range(X.shape[0]):
            keep = np.arange(X.shape[0]) != i
            for k, a in enumerate(ALPHAS):
                m = sklm.Ridge(alpha=a, fit_intercept=fit_intercept).fit(X[keep], Y[keep])
                brute[k] += (Y[i] - m.predict(X[i:i + 1])[0]) ** 2
        np.testing.assert_allclose(sse, brute, rtol=1e-7)


def brute_force_kfold(X, Y, alphas, folds, fit_intercept):
    sse = np.zeros((len(alphas), Y.shape[1]))
    for train, test in folds:
        for k, a in enumerate(alphas):
            m = sklm.Ridge(alpha=a, fit_intercept=fit_intercept).fit(X[train], Y[train])
            sse[k] += ((Y[test] - m.predict(X[test])) ** 2).sum(0)
    return sse


@pytest.mark.parametrize("shape", [(60, 12), (45, 100), (50, 45)],
                         ids=["tall", "wide", "mixed"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_kfold_errors_and_choice_equal_brute_force(shape, fit_intercept):
    # "mixed": 50 samples, 45 features: training folds of 40 are solved in dual form
    X, Y = make_data(*shape, 12, noise=3.0)
    cv = KFold(5, shuffle=True, random_state=1)
    folds = list(cv.split(X))
    brute = brute_force_kfold(X, Y, ALPHAS, folds, fit_intercept)
    sse = ridge_kfold_errors(X, Y, ALPHAS, folds, fit_intercept=fit_intercept)
    np.testing.assert_allclose(sse, brute, rtol=1e-7)
    model = Ridge(alpha=ALPHAS, cv=cv, fit_intercept=fit_intercept).fit(X, Y)
    np.testing.assert_array_equal(model.alpha_, ALPHAS[np.argmin(brute, axis=0)])
    # refit on all samples with the chosen penalties
    for j in range(Y.shape[1]):
        ref = sklm.Ridge(alpha=model.alpha_[j], fit_intercept=fit_intercept).fit(X, Y[:, j])
        np.testing.assert_allclose(model.coef_[j], ref.coef_, rtol=1e-7, atol=1e-12)


def test_cv_scores_are_held_out_r2():
    X, Y = make_data(60, 12, 5, noise=3.0)
    cv = KFold(4, shuffle=True, random_state=0)
    model = Ridge(alpha=ALPHAS, cv=cv).fit(X, Y)
    brute = brute_force_kfold(X, Y, ALPHAS, list(cv.split(X)), True)
    total = ((Y - Y.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(model.cv_scores_, 1 - brute / total, rtol=1e-8)
    np.testing.assert_array_equal(np.argmax(model.cv_scores_, 0),
                                  np.searchsorted(model.alphas_, model.alpha_))


def test_shared_alpha_minimises_total_error():
    X, Y = make_data(60, 12, 8, noise=3.0)
    model = Ridge(alpha=ALPHAS, cv=None, alpha_per_target=False).fit(X, Y)
    per_target = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    assert np.unique(model.alpha_).size == 1
    sse = loo_errors(X, Y, ALPHAS)
    assert model.alpha_[0] == ALPHAS[np.argmin(sse.sum(1))]
    assert np.unique(per_target.alpha_).size > 1


def test_loo_with_intercept_does_not_degenerate_when_wide():
    # n <= p: without the intercept's leverage the smallest penalty would always win
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 200))
    Y = X[:, :5] @ rng.standard_normal((5, 20)) + 3 * rng.standard_normal((40, 20))
    model = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    assert np.mean(model.alpha_ == ALPHAS[0]) < 0.25
    assert np.unique(model.alpha_).size > 3
    # the pitfall itself: leverage without the intercept's 1/n on centred data
    naive = loo_errors(X, Y, ALPHAS, fit_intercept=True, lev_intercept=False)
    assert np.all(np.argmin(naive, axis=0) == 0)


def test_float32_stays_float32_and_agrees():
    X, Y = make_data(80, 30, 6, noise=3.0)
    m64 = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    m32 = Ridge(alpha=ALPHAS.astype(np.float32), cv=None).fit(X.astype(np.float32),
                                                              Y.astype(np.float32))
    assert m32.coef_.dtype == np.float32 and m32.cv_scores_.dtype == np.float32
    steps = np.abs(np.searchsorted(ALPHAS, m32.alpha_.astype(np.float64) * (1 + 1e-6)) - 1
                   - np.searchsorted(ALPHAS, m64.alpha_ * (1 + 1e-6)) + 1)
    assert steps.max() <= 1
    same = m32.alpha_.astype(np.float64) == pytest.approx(m64.alpha_, rel=1e-5)
    assert same
    np.testing.assert_allclose(m32.predict(X.astype(np.float32)), m64.predict(X),
                               rtol=1e-3, atol=1e-3 * np.abs(Y).max())


@pytest.mark.parametrize("cv", [None, 4], ids=["loo", "kfold"])
@pytest.mark.parametrize("shape", [(80, 30), (40, 90)], ids=["primal", "dual"])
def test_float32_selection_agrees_with_float64(cv, shape):
    X, Y = make_data(*shape, 30, noise=3.0)
    m64 = Ridge(alpha=ALPHAS, cv=cv).fit(X, Y)
    m32 = Ridge(alpha=ALPHAS, cv=cv, selection_dtype="float32").fit(X, Y)
    # the refit stays in float64; scores are computed in single precision
    assert m32.coef_.dtype == np.float64 and m32.cv_scores_.dtype == np.float64
    np.testing.assert_allclose(m32.cv_scores_, m64.cv_scores_, rtol=1e-4, atol=1e-5)
    assert np.mean(m32.alpha_ == m64.alpha_) >= 0.9
    # where the choices differ, the float32 choice is as good as the float64 one to
    # within single precision (a near-tie): its float64 held-out R² is the best's
    chosen = np.searchsorted(ALPHAS, m32.alpha_)
    regret = m64.cv_scores_.max(axis=0) - m64.cv_scores_[chosen, np.arange(Y.shape[1])]
    assert regret.max() <= 1e-5
    same = m32.alpha_ == m64.alpha_
    np.testing.assert_allclose(m32.coef_[same], m64.coef_[same], rtol=1e-10, atol=1e-12)
    # and float64 selection on float32 data is the float64 computation, rounded
    m = Ridge(alpha=ALPHAS, cv=cv, selection_dtype="float64").fit(X.astype(np.float32), Y)
    assert m.coef_.dtype == np.float32


@given(seed=st.integers(0, 2**16), n=st.integers(12, 40), p=st.integers(2, 60))
def test_duplicated_columns_with_doubled_penalty_predict_the_same(seed, n, p):
    # [X, X] with penalty 2α has weights w/2 on each copy: the same predictions
    X, Y = make_data(n, p, 3, seed=seed)
    a = Ridge(alpha=1.5).fit(X, Y)
    b = Ridge(alpha=3.0).fit(np.hstack([X, X]), Y)
    np.testing.assert_allclose(b.predict(np.hstack([X, X])), a.predict(X),
                               rtol=1e-6, atol=1e-8 * np.abs(Y).max())


@given(seed=st.integers(0, 2**16))
def test_orthogonal_rotation_of_features_leaves_predictions(seed):
    rng = np.random.default_rng(seed)
    X, Y = make_data(30, 8, 4, seed=seed, noise=2.0)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    a = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    b = Ridge(alpha=ALPHAS, cv=None).fit(X @ Q, Y)
    np.testing.assert_array_equal(a.alpha_, b.alpha_)
    np.testing.assert_allclose(a.predict(X), b.predict(X @ Q), rtol=1e-8,
                               atol=1e-9 * np.abs(Y).max())


@given(seed=st.integers(0, 2**16))
def test_target_permutation_permutes_everything(seed):
    X, Y = make_data(40, 10, 6, seed=seed, noise=3.0)
    perm = np.random.default_rng(seed).permutation(6)
    a = Ridge(alpha=ALPHAS).fit(X, Y)
    b = Ridge(alpha=ALPHAS).fit(X, Y[:, perm])
    np.testing.assert_array_equal(a.alpha_[perm], b.alpha_)
    np.testing.assert_allclose(a.coef_[perm], b.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("factor_bytes", [2**24, 0], ids=["blocks-outer", "penalty-outer"])
def test_many_targets_in_blocks_equal_one_block(monkeypatch, factor_bytes):
    # both loop orders of the penalty loop (penalties inside cache-sized blocks of
    # targets when the small factors are small, penalties outside otherwise)
    import sklearn_brainmap.utils._blocks as blocks
    X, Y = make_data(30, 50, 40, noise=3.0)
    full = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    kfold = Ridge(alpha=ALPHAS, cv=3).fit(X, Y)
    orig = blocks.column_blocks
    monkeypatch.setattr(blocks, "column_blocks",
                        lambda n, rows, item, budget=0, minimum=1: orig(
                            n, rows, item, budget=rows * item * 7))
    import sklearn_brainmap.linear_model._ridge_solvers as solvers
    monkeypatch.setattr(solvers, "column_blocks", blocks.column_blocks)
    monkeypatch.setattr(solvers, "_FACTOR_BYTES", factor_bytes)
    blocked = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    blocked_k = Ridge(alpha=ALPHAS, cv=3).fit(X, Y)
    np.testing.assert_array_equal(full.alpha_, blocked.alpha_)
    np.testing.assert_allclose(full.cv_scores_, blocked.cv_scores_, rtol=1e-12)
    np.testing.assert_allclose(kfold.cv_scores_, blocked_k.cv_scores_, rtol=1e-12)


# ---- bad input --------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_inf_rejected(bad):
    X, Y = make_data(20, 4, 2)
    X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        Ridge().fit(X, Y)
    X, Y = make_data(20, 4, 2)
    Y[0, 0] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        Ridge().fit(X, Y)


def test_mismatched_rows_rejected():
    X, Y = make_data(20, 4, 2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Ridge().fit(X, Y[:-1])


def test_too_few_samples_for_folds():
    X, Y = make_data(4, 3, 2)
    with pytest.raises(ValueError, match="5 folds from n_samples = 4"):
        Ridge(cv=5).fit(X, Y)
    with pytest.raises(ValueError, match="n_samples = 1"):
        Ridge(cv=None).fit(X[:1], Y[:1])


def test_empty_input_rejected():
    with pytest.raises(ValueError):
        Ridge().fit(np.empty((0, 3)), np.empty((0, 2)))
    with pytest.raises(ValueError, match="0 target"):
        Ridge().fit(np.ones((5, 3)), np.empty((5, 0)))


@pytest.mark.parametrize("alpha", [-1.0, [1.0, -2.0], [np.nan], [[1.0, 2.0]]])
def test_bad_alpha_rejected(alpha):
    X, Y = make_data(20, 4, 2)
    with pytest.raises(ValueError, match="alpha"):
        Ridge(alpha=alpha).fit(X, Y)


def test_constant_target_warns_and_predicts_its_mean():
    X, Y = make_data(30, 5, 3, noise=2.0)
    Y[:, 1] = 7.0
    with pytest.warns(ConstantUnitWarning, match="1 of 3 target"):
        model = Ridge(alpha=ALPHAS, cv=None).fit(X, Y)
    assert np.all(model.coef_[1] == 0)
    np.testing.assert_allclose(model.predict(X)[:, 1], 7.0)
    assert np.isnan(model.cv_scores_[:, 1]).all()
    assert np.isfinite(model.cv_scores_[:, [0, 2]]).all()


def test_constant_source_column_gets_zero_weight():
    X, Y = make_data(30, 5, 3, noise=2.0)
    X[:, 2] = 4.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Ridge(alpha=1.0).fit(X, Y)
    # the one warning says which source unit is constant and what the fit does
    assert [str(w.message) for w in caught] == [
        "1 of 5 source unit(s) are constant (columns 2): they get zero weight (they are "
        "centred away)."]
    assert caught[0].category is ConstantUnitWarning
    assert np.all(model.coef_[:, 2] == 0.0)
    ref = sklm.Ridge(alpha=1.0).fit(X, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
