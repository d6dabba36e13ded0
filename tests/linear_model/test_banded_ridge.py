"""BandedRidge: against a brute-force loop, Ridge, himalaya; invariances; bad input."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import KFold

from sklearn_brainmap import BandedRidge, Ridge
from sklearn_brainmap.linear_model import _banded_solvers
from sklearn_brainmap.linear_model._banded_solvers import (fit_banded_targets,
                                                           prepare_banded_design)
from sklearn_brainmap.metrics import r2_score, split_r2_score

ALPHAS = np.logspace(-2, 4, 13)


def _data(n, p, t=6, seed=0, scales=(1.0, 3.0, 0.5)):
    rng = np.random.default_rng(seed)
    band = np.repeat(np.arange(len(scales)), p // len(scales))
    X = rng.standard_normal((n, p)) * np.asarray(scales)[band] + 2.0
    Y = X[:, :4] @ rng.standard_normal((4, t)) + rng.standard_normal((n, t)) + 1.0
    return X, Y, band


def _candidates(n_bands, seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([np.full(n_bands, 1 / n_bands), np.eye(n_bands),
                      rng.dirichlet(np.ones(n_bands), 4)])


def _brute_force(X, Y, band, gammas, alphas, folds, weights):
    """Held-out SSE of every (γ, α) and target by explicit ridge solves per fold."""
    n, p = X.shape
    sse = np.zeros((len(gammas), len(alphas), Y.shape[1]))
    for g, gamma in enumerate(gammas):
        d = np.sqrt(gamma)[band] * weights[band]
        for train, test in folds:
            mean, y_mean = X[train].mean(0), Y[train].mean(0)
            Z_tr, Z_te = (X[train] - mean) * d, (X[test] - mean) * d
            for a, alpha in enumerate(alphas):
                W = np.linalg.lstsq(Z_tr.T @ Z_tr + alpha * np.eye(p),
                                    Z_tr.T @ (Y[train] - y_mean), rcond=None)[0]
                sse[g, a] += ((Z_te @ W + y_mean - Y[test]) ** 2).sum(0)
    return sse


@pytest.mark.parametrize("shape", [(30, 12), (14, 30)], ids=["primal", "dual"])
@pytest.mark.parametrize("loo", [False, True], ids=["kfold", "loo"])
@pytest.mark.parametrize("normalize", [False, True])
def test_stages_equal_brute_force(shape, loo, normalize, monkeypatch):
    # blocks of a few targets, so that the target blocking is exercised too
    monkeypatch.setattr(_banded_solvers, "_BLOCK_BYTES", 8 * 6 * 4 * 7)
    # 40 targets: more than penalties × test samples, so the dual folds fold Uᵀ into
    # the small factor (the other order is taken by the estimator tests)
    X, Y, band = _data(*shape, t=40)
    gammas, alphas = _candidates(3), np.logspace(-2, 3, 6)
    folds = None if loo else list(KFold(4, shuffle=True, random_state=0).split(X))
    design = prepare_banded_design(X, band, gammas=gammas, alphas=alphas, folds=folds,
                                   normalize_bands=normalize)
    fit = fit_banded_targets(design, Y)
    n = X.shape[0]
    loo_folds = [(np.delete(np.arange(n), i), np.array([i])) for i in range(n)]
    sse = _brute_force(X, Y, band, gammas, alphas, loo_folds if loo else folds,
                       design.band_weights)
    assert_allclose(fit.cv_sse, sse.min(axis=1), rtol=1e-9)
    flat = sse.reshape(-1, Y.shape[1]).argmin(axis=0)
    assert_array_equal(fit.best_gamma, flat // len(alphas))
    assert_array_equal(fit.best_alpha, flat % len(alphas))
    # refit: explicit ridge on the scaled design at the chosen pair
    Xc = X - X.mean(0)
    for j in range(Y.shape[1]):
        d = np.sqrt(gammas[fit.best_gamma[j]])[band] * design.band_weights[band]
        Z = Xc * d
        w = np.linalg.solve(Z.T @ Z + alphas[fit.best_alpha[j]] * np.eye(X.shape[1]),
                            Z.T @ (Y[:, j] - Y[:, j].mean()))
        assert_allclose(fit.coef[j], w * d, rtol=1e-8, atol=1e-10)
    assert_allclose(X @ fit.coef.T + fit.intercept, Xc @ fit.coef.T + Y.mean(0),
                    atol=1e-10)


@pytest.mark.parametrize("cv", [5, None, KFold(4, shuffle=True, random_state=1)],
                         ids=["kfold", "loo", "shuffled"])
@pytest.mark.parametrize("shape", [(40, 10), (20, 50)], ids=["primal", "dual"])
def test_one_band_equals_ridge(cv, shape):
    X, Y, _ = _data(*shape, scales=(2.0,))
    ridge = Ridge(alpha=ALPHAS, cv=cv).fit(X, Y)
    banded = BandedRidge(alpha=ALPHAS, cv=cv, normalize_bands=False).fit(X, Y)
    assert_array_equal(banded.alpha_, ridge.alpha_)
    assert_allclose(banded.coef_, ridge.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(banded.intercept_, ridge.intercept_, rtol=1e-9, atol=1e-12)
    assert_allclose(banded.cv_scores_[0], ridge.cv_scores_.max(axis=0), atol=1e-12)
    # normalised: the same model with the candidates in units of the band's variance
    sigma2 = (X - X.mean(0)).var(axis=0).mean()
    normalised = BandedRidge(alpha=ALPHAS / sigma2, cv=cv).fit(X, Y)
    assert_allclose(normalised.coef_, ridge.coef_, rtol=1e-8, atol=1e-12)
    assert_allclose(normalised.band_alphas_[0], ridge.alpha_, rtol=1e-12)


@pytest.mark.parametrize("shape", [(60, 15), (30, 45)], ids=["primal", "dual"])
def test_agrees_with_himalaya_group_ridge_cv(shape):
    """Same candidates, alphas and folds as himalaya's GroupRidgeCV (random search).

    Conventions: himalaya's model is ridge on ``exp(δ_b/2) X_b`` with ``δ = log(γ/α)``;
    its ``cv_scores_`` are the per-fold negative mean squared errors averaged over
    folds (= −SSE/n with equal folds), plus ``1e-10·log(α)`` (its tie-break towards
    larger penalties, at most ``1e-10·log(1e4) = 9.2e-10`` here). It cannot take a
    zero scaling (it scales X by √γ in place and back by 1/√γ), hence no corners.
    """
    himalaya_ridge = pytest.importorskip("himalaya.ridge")
    X, Y, band = _data(*shape, t=8)
    rng = np.random.default_rng(2)
    gammas = np.vstack([np.full(3, 1 / 3), rng.dirichlet([1, 1, 1], 10),
                        rng.dirichlet([0.1, 0.1, 0.1], 10)])
    cv = KFold(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # its n < p advice
        theirs = himalaya_ridge.GroupRidgeCV(
            groups=band, cv=cv, fit_intercept=True,
            solver_params=dict(n_iter=gammas, alphas=ALPHAS, progress_bar=False),
        ).fit(X, Y)
    ours = BandedRidge(bands=band, n_iter=gammas, alpha=ALPHAS, cv=cv,
                       normalize_bands=False).fit(X, Y)
    n = X.shape[0]
    neg_mse = (ours.cv_scores_ - 1.0) * ((Y - Y.mean(0)) ** 2).sum(0) / n
    assert np.abs(np.asarray(theirs.cv_scores_) - neg_mse).max() < 1e-8
    # with its tie-break slope added at each candidate's best penalty: rounding only
    folds = list(cv.split(X))
    slope = np.stack([1e-10 * np.log(ALPHAS[fit_banded_targets(prepare_banded_design(
        X, band, gammas=g[None], alphas=ALPHAS, folds=folds), Y).best_alpha])
        for g in gammas])
    assert np.abs(np.asarray(theirs.cv_scores_) - neg_mse - slope).max() < 1e-11
    assert_allclose(np.asarray(theirs.deltas_),
                    np.log(ours.band_scalings_ / ours.alpha_), atol=1e-8)
    assert_allclose(theirs.best_alphas_, ours.alpha_, rtol=1e-8)
    assert_allclose(theirs.coef_.T, ours.coef_, atol=1e-8)
    assert_allclose(theirs.intercept_, ours.intercept_, atol=1e-8)


def test_noise_band_gets_the_larger_penalty():
    rng = np.random.default_rng(1)
    n, p_signal, p_noise, t = 200, 20, 60, 100
    X = rng.standard_normal((n, p_signal + p_noise))
    X[:, p_signal:] *= 5.0  # a larger scale must not matter
    Y = X[:, :p_signal] @ rng.standard_normal((p_signal, t)) / np.sqrt(p_signal)
    Y += rng.standard_normal((n, t))
    model = BandedRidge(bands=[slice(0, p_signal), slice(p_signal, None)], n_iter=30,
                        random_state=0).fit(X, Y)
    sigma2 = np.array([X[:, :p_signal].var(0).mean(), X[:, p_signal:].var(0).mean()])
    relative = model.band_alphas_ / sigma2[:, None]  # penalties per unit variance
    assert np.mean(relative[1] > relative[0]) >= 0.95


def test_split_predictions_sum_and_shares():
    X, Y, band = _data(50, 15)
    model = BandedRidge(bands=band, n_iter=5, random_state=0).fit(X, Y)
    parts = model.predict(X, split=True)
    assert parts.shape == (3, 50, Y.shape[1])
    assert_allclose(parts.sum(0) + model.intercept_, model.predict(X), atol=1e-10)
    shares = split_r2_score(Y, parts)
    # on the training data the predictions have Y's mean: the shares sum to R²
    assert_allclose(shares.sum(0), r2_score(Y, model.predict(X),
                                            multioutput="raw_values"), atol=1e-10)
    single = BandedRidge(bands=band, n_iter=5, random_state=0).fit(X, Y[:, 0])
    assert single.predict(X, split=True).shape == (3, 50)
    assert single.band_alphas_.shape == (3,)


def test_split_r2_score_equals_himalaya():
    scoring = pytest.importorskip("himalaya.scoring")
    rng = np.random.default_rng(0)
    y = rng.standard_normal((20, 3))
    y -= y.mean(0)
    parts = rng.standard_normal((2, 20, 3))
    parts -= parts.mean(1, keepdims=True)  # himalaya takes them as they are
    assert_allclose(split_r2_score(y, parts), scoring.r2_score_split(y, parts),
                    atol=1e-12)
    with pytest.raises(ValueError, match="y_pred_split"):
        split_r2_score(y, parts[:, :10])


@pytest.mark.parametrize("cv", [4, None], ids=["kfold", "loo"])
def test_band_scale_invariance(cv):
    """A band multiplied by c: the same predictions, its penalty multiplied by c²."""
    X, Y, band = _data(40, 12)
    c = 7.0
    Xs = X.copy()
    Xs[:, band == 1] *= c
    kw = dict(bands=band, n_iter=8, random_state=0, cv=cv)
    a, b = BandedRidge(**kw).fit(X, Y), BandedRidge(**kw).fit(Xs, Y)
    assert_allclose(b.predict(Xs), a.predict(X), rtol=1e-8, atol=1e-9)
    assert_allclose(b.band_alphas_[1], a.band_alphas_[1] * c**2, rtol=1e-8)
    assert_allclose(b.band_alphas_[[0, 2]], a.band_alphas_[[0, 2]], rtol=1e-8)


def test_bands_by_names_labels_and_dict():
    X, Y, band = _data(30, 9)
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(9)])
    names = [[f"f{j}" for j in np.flatnonzero(band == b)] for b in range(3)]
    by_names = BandedRidge(bands=names, n_iter=4, random_state=0).fit(df, Y)
    by_labels = BandedRidge(bands=np.array(["a", "b", "c"])[band], n_iter=4,
                            random_state=0).fit(X, Y)
    by_dict = BandedRidge(bands={"x": band == 0, "y": band == 1, "z": band == 2},
                          n_iter=4, random_state=0).fit(X, Y)
    for other in (by_labels, by_dict):
        assert_allclose(other.coef_, by_names.coef_)
    assert by_labels.band_names_ == ["a", "b", "c"]
    assert by_dict.band_names_ == ["x", "y", "z"]
    assert list(by_names.feature_names_in_) == list(df.columns)
    assert by_names.candidates_.shape == (1 + 3 + 4, 3)


@pytest.mark.parametrize("bands, match", [
    ([[0, 1, 2], [2, 3, 4, 5]], "overlap"),
    ([[0, 1, 2], [], [3, 4, 5]], "selects no feature"),
    ([[0, 1, 2], [3, 4]], "in no band"),
    ([["a", "b"], [2, 3, 4, 5]], "no column names"),
    ([[0, 1, 2], [3, 4, 9]], "outside"),
    (["a", "b"], "labels for 6 features"),
])
def test_bad_bands(bands, match):
    X, Y, _ = _data(20, 6)
    with pytest.raises(ValueError, match=match):
        BandedRidge(bands=bands).fit(X, Y)


def test_bad_input():
    X, Y, band = _data(20, 6)
    df = pd.DataFrame(X, columns=list("abcdef"))
    with pytest.raises(ValueError, match="unknown columns"):
        BandedRidge(bands=[["a", "b", "c"], ["d", "e", "zz"]]).fit(df, Y)
    with pytest.raises(ValueError, match="n_iter"):
        BandedRidge(bands=band, n_iter=0).fit(X, Y)
    with pytest.raises(ValueError, match="n_iter"):
        BandedRidge(bands=band, n_iter=np.ones((3, 2))).fit(X, Y)
    with pytest.raises(ValueError, match="cv"):
        BandedRidge(bands=band, cv=15).fit(X, Y)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BandedRidge(bands=band).fit(X_bad, Y)
    with pytest.raises(ValueError, match="alpha"):
        BandedRidge(bands=band, alpha=[1.0, np.inf]).fit(X, Y)


@pytest.mark.skipif(os.environ.get("SCIPY_ARRAY_API") != "1",
                    reason="array-API dispatch needs SCIPY_ARRAY_API=1 before SciPy is "
                           "imported (tests/conftest.py sets it)")
@pytest.mark.parametrize("cv, refine", [(4, 0), (None, 0), (4, 3)],
                         ids=["kfold", "loo", "refined"])
@pytest.mark.parametrize("shape", [(30, 12), (14, 30)], ids=["primal", "dual"])
def test_array_api_strict_equals_numpy(cv, refine, shape):
    xp = pytest.importorskip("array_api_strict")
    X, Y, band = _data(*shape)
    kw = dict(bands=band, n_iter=4, random_state=0, cv=cv, alpha=ALPHAS,
              refine_steps=refine)
    reference = BandedRidge(**kw).fit(X, Y)
    with sklearn.config_context(array_api_dispatch=True):
        model = BandedRidge(**kw).fit(xp.asarray(X), xp.asarray(Y))
        pred = model.predict(xp.asarray(X))
        parts = model.predict(xp.asarray(X), split=True)
    for name in ("coef_", "intercept_", "alpha_", "band_alphas_", "cv_scores_",
                 "cv_score_"):
        value = getattr(model, name)
        assert type(value).__module__.startswith("array_api_strict"), name
        assert_allclose(np.asarray(value), getattr(reference, name), rtol=1e-9,
                        atol=1e-12, err_msg=name)
    assert_allclose(np.asarray(pred), reference.predict(X), rtol=1e-9, atol=1e-10)
    assert_allclose(np.asarray(parts), reference.predict(X, split=True), atol=1e-10)


def test_variance_partitioning_banded_does_not_depend_on_units():
    """With banded=True the partition is the same whatever a feature set's units; with
    one shared penalty (Ridge) it is not."""
    from sklearn_brainmap.model_selection import variance_partitioning

    rng = np.random.default_rng(0)
    n = 120
    s, a, b = rng.standard_normal((n, 4)), rng.standard_normal((n, 10)), \
        rng.standard_normal((n, 10))
    A, B = np.c_[s, a], np.c_[s, b]
    y = (s @ rng.standard_normal((4, 3)) + a[:, :2] @ rng.standard_normal((2, 3))
         + b[:, :2] @ rng.standard_normal((2, 3)) + rng.standard_normal((n, 3)))
    cv = KFold(4, shuffle=True, random_state=0)
    banded = dict(cv=cv, banded=True, estimator=BandedRidge(n_iter=6, random_state=0))
    raw = variance_partitioning({"A": A, "B": B}, y, **banded)
    scaled = variance_partitioning({"A": 100 * A, "B": B}, y, **banded)
    for key in ("A", "B"):
        assert_allclose(scaled.unique[key], raw.unique[key], rtol=1e-8)
    assert_allclose(scaled.shared, raw.shared, rtol=1e-8)
    shared = variance_partitioning({"A": A, "B": B}, y, cv=cv)
    shared_scaled = variance_partitioning({"A": 100 * A, "B": B}, y, cv=cv)
    assert abs(shared_scaled.unique["A"] - shared.unique["A"]) > 1e-6
    with pytest.raises(ValueError, match="estimator must be a BandedRidge"):
        variance_partitioning({"A": A, "B": B}, y, banded=True, estimator=Ridge())


def test_float32_selection_close_to_float64():
    X, Y, band = _data(40, 60, t=30)
    kw = dict(bands=band, n_iter=6, random_state=0, alpha=ALPHAS)
    exact = BandedRidge(**kw).fit(X, Y)
    fast = BandedRidge(selection_dtype="float32", **kw).fit(X, Y)
    assert fast.cv_scores_.dtype == np.float64
    assert_allclose(fast.cv_scores_, exact.cv_scores_, atol=1e-5)
    # the candidates tie to ~1e-6 for many targets here (a few relevant features), so
    # the choice may differ; the float32 choice is as good in float64 to that precision
    best = np.nanmax(exact.cv_scores_, axis=0)
    chosen = [np.flatnonzero(np.all(exact.candidates_ == g, axis=1))[0]
              for g in fast.band_scalings_.T]
    assert np.all(best - exact.cv_scores_[chosen, np.arange(Y.shape[1])] < 1e-5)
    same = np.all(fast.band_scalings_ == exact.band_scalings_, axis=0) & (
        fast.alpha_ == exact.alpha_)
    assert same.any()
    assert_allclose(fast.coef_[same], exact.coef_[same], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cv", [4, None], ids=["kfold", "loo"])
def test_dask_targets_equal_numpy(cv):
    da = pytest.importorskip("dask.array")
    X, Y, band = _data(30, 45, t=12)
    kw = dict(bands=band, n_iter=4, random_state=0, cv=cv)
    reference = BandedRidge(**kw).fit(X, Y)
    model = BandedRidge(**kw).fit(X, da.from_array(Y, chunks=(10, 5)))
    for name in ("coef_", "intercept_", "alpha_", "band_alphas_", "cv_scores_"):
        assert_allclose(getattr(model, name), getattr(reference, name), rtol=1e-10,
                        atol=1e-12, err_msg=name)
    one = BandedRidge(**kw).fit(X, da.from_array(Y[:, 0], chunks=10))
    assert_allclose(one.coef_, reference.coef_[0], rtol=1e-10, atol=1e-12)
    assert_allclose(one.predict(X, split=True).sum(0) + one.intercept_, one.predict(X),
                    atol=1e-10)


def test_dask_on_a_distributed_client():
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    X, Y, band = _data(30, 12, t=8)
    kw = dict(bands=band, n_iter=3, random_state=0)
    reference = BandedRidge(**kw).fit(X, Y)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=None):
        model = BandedRidge(**kw).fit(X, da.from_array(Y, chunks=(30, 3)))
    assert_allclose(model.coef_, reference.coef_, rtol=1e-10, atol=1e-12)
    assert_array_equal(model.alpha_, reference.alpha_)


def test_float32_input_close_to_float64():
    X, Y, band = _data(40, 12, t=5)
    kw = dict(bands=band, n_iter=4, random_state=0, alpha=ALPHAS)
    exact = BandedRidge(**kw).fit(X, Y)
    single = BandedRidge(**kw).fit(X.astype(np.float32), Y.astype(np.float32))
    assert single.coef_.dtype == np.float32
    pred = single.predict(X.astype(np.float32))
    assert pred.dtype == np.float32
    assert_allclose(pred, exact.predict(X), rtol=1e-3, atol=1e-3 * np.abs(Y).max())


@pytest.mark.parametrize("shape", [(30, 45), (40, 12)], ids=["dual", "primal"])
def test_refinement_gradient_equals_finite_differences(shape):
    from sklearn_brainmap.linear_model._banded_refine import (_fold_kernels,
                                                              loss_and_gradient)

    X, Y, band = _data(*shape, t=4)
    rng = np.random.default_rng(3)
    folds = list(KFold(4).split(X))
    design = prepare_banded_design(X, band, gammas=np.ones((1, 3)) / 3, alphas=[1.0],
                                   folds=folds, normalize_bands=True)
    kernels = _fold_kernels(design, np)
    Y_tr = [Y[tr] - Y[tr].mean(0) for tr, _ in folds]
    Y_te = [Y[te] - Y[tr].mean(0) for tr, te in folds]
    delta = rng.standard_normal((3, 4))
    active = np.ones((3, 4), dtype=bool)
    active[2, 1] = False  # a band left out stays out: zero gradient
    loss, grad = loss_and_gradient(delta, active, kernels, Y_tr, Y_te, np)
    eps = 1e-6
    numeric = np.zeros_like(delta)
    for b in range(3):
        up, down = delta.copy(), delta.copy()
        up[b] += eps
        down[b] -= eps
        numeric[b] = (loss_and_gradient(up, active, kernels, Y_tr, Y_te, np)[0]
                      - loss_and_gradient(down, active, kernels, Y_tr, Y_te, np)[0]) / (
                          2 * eps)
    assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7 * np.abs(grad).max())
    assert grad[2, 1] == 0.0
    # the loss is the K-fold loss of explicit ridge on the scaled design
    d = np.sqrt(np.exp(delta[:, 0]))[band] * design.band_weights[band]
    sse = 0.0
    for train, test in folds:
        mean = X[train].mean(0)
        Z, Z_te = (X[train] - mean) * d, (X[test] - mean) * d
        y_mean = Y[train, 0].mean()
        w = np.linalg.solve(Z.T @ Z + np.eye(X.shape[1]), Z.T @ (Y[train, 0] - y_mean))
        sse += ((Z_te @ w + y_mean - Y[test, 0]) ** 2).sum()
    assert_allclose(loss[0], sse, rtol=1e-10)


def test_refinement_lowers_the_held_out_loss_and_refits_exactly():
    X, Y, band = _data(40, 12, t=10)
    cv = KFold(4, shuffle=True, random_state=0)
    kw = dict(bands=band, n_iter=4, random_state=0, cv=cv)
    plain = BandedRidge(**kw).fit(X, Y)
    refined = BandedRidge(refine_steps=8, **kw).fit(X, Y)
    assert_allclose(plain.cv_score_, np.nanmax(plain.cv_scores_, axis=0))
    assert np.all(refined.cv_score_ >= plain.cv_score_ - 1e-12)
    assert np.mean(refined.cv_score_ > plain.cv_score_ + 1e-6) >= 0.5
    assert_allclose(refined.band_scalings_.sum(0), 1.0)
    assert_allclose(refined.band_alphas_[0] * refined.band_scalings_[0]
                    * (X[:, band == 0] - X[:, band == 0].mean(0)).var(0).mean()**-1,
                    refined.alpha_, rtol=1e-10)
    # weights and held-out score of explicit ridge with the reported band penalties
    # (an infinite penalty: a band left out, zero weights)

    def ridge(Xt, y, lam):
        keep = np.isfinite(lam)
        w = np.zeros(Xt.shape[1])
        Xk = Xt[:, keep]
        w[keep] = np.linalg.solve(Xk.T @ Xk + np.diag(lam[keep]), Xk.T @ y)
        return w

    Xc = X - X.mean(0)
    folds = list(cv.split(X))
    for j in range(Y.shape[1]):
        lam = refined.band_alphas_[band, j]
        w = ridge(Xc, Y[:, j] - Y[:, j].mean(), lam)
        assert_allclose(refined.coef_[j], w, rtol=1e-7, atol=1e-9)
        sse = 0.0
        for train, test in folds:
            m, y_m = X[train].mean(0), Y[train, j].mean()
            w = ridge(X[train] - m, Y[train, j] - y_m, lam)
            sse += (((X[test] - m) @ w + y_m - Y[test, j]) ** 2).sum()
        total = ((Y[:, j] - Y[:, j].mean()) ** 2).sum()
        assert_allclose(refined.cv_score_[j], 1 - sse / total, rtol=1e-8)
    with pytest.raises(ValueError, match="K-fold"):
        BandedRidge(bands=band, refine_steps=2, cv=None).fit(X, Y)
    with pytest.raises(ValueError, match="positive alpha"):
        BandedRidge(bands=band, refine_steps=2, alpha=[0.0, 1.0]).fit(X, Y)
