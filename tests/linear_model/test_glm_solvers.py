import numpy as np
import pytest
import statsmodels.api as sm
from sklearn import linear_model as sklm
from sklearn.exceptions import ConvergenceWarning

from sklearn_brainmap.linear_model import _newton, _newton_directions
from sklearn_brainmap.linear_model._batched_linalg import solve_batched, weighted_grams
from sklearn_brainmap.linear_model._losses import BernoulliLogit, FamilyLog, SoftplusSquared
from sklearn_brainmap.linear_model._newton import fit_glm
from sklearn_brainmap.linear_model._subset_ridge import subset_ridge


def counts(n, p, t, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) @ rng.standard_normal((p, p)) / np.sqrt(p) + 1.0
    eta = (X - X.mean(0)) @ (rng.standard_normal((p, t)) * 0.5 / np.sqrt(p)) + 0.7
    return X, rng.poisson(np.exp(eta)).astype(float)


@pytest.mark.parametrize("direction", ["exact", "cg"])
def test_every_direction_reaches_the_same_optimum(direction):
    X, Y = counts(200, 30, 6)
    loss = FamilyLog(sm.families.Poisson())
    sol = fit_glm(X, Y, loss, 2.0, tol=1e-12, direction=direction)
    assert sol.converged.all() and sol.n_iter.max() < 30
    ref = fit_glm(X, Y, loss, 2.0, tol=1e-12, direction="exact")
    np.testing.assert_allclose(sol.coef, ref.coef, atol=1e-9)
    np.testing.assert_allclose(sol.intercept, ref.intercept, atol=1e-9)
    # first-order conditions of Σ half-deviance + α/2 ‖w‖² at the solution
    mu = np.exp(X @ sol.coef + sol.intercept)
    np.testing.assert_allclose(X.T @ (mu - Y) + 2.0 * sol.coef, 0.0, atol=1e-8)
    np.testing.assert_allclose((mu - Y).sum(0), 0.0, atol=1e-8)


def test_targets_in_blocks_equal_one_block():
    X, Y = counts(100, 60, 9, seed=1)
    loss = FamilyLog(sm.families.Poisson())
    one = fit_glm(X, Y, loss, 1.0, tol=1e-12)
    blocked = fit_glm(X, Y, loss, 1.0, tol=1e-12, block_bytes=100 * 8 * 2)
    np.testing.assert_allclose(blocked.coef, one.coef, atol=1e-10)
    np.testing.assert_array_equal(blocked.n_iter, one.n_iter)


def test_sample_weights_equal_repeated_rows():
    X, Y = counts(80, 5, 3, seed=2)
    Z = (Y > np.median(Y, axis=0)).astype(float)
    loss = BernoulliLogit()
    reps = np.random.default_rng(0).integers(0, 3, 80)
    weighted = fit_glm(X, Z, loss, 1.5, sample_weight=reps.astype(float), tol=1e-12)
    repeated = fit_glm(np.repeat(X, reps, 0), np.repeat(Z, reps, 0), loss, 1.5, tol=1e-12)
    np.testing.assert_allclose(weighted.coef, repeated.coef, atol=1e-9)
    np.testing.assert_allclose(weighted.intercept, repeated.intercept, atol=1e-9)


def test_max_iter_reached_warns_and_reports():
    X, Y = counts(100, 40, 4, seed=3)
    with pytest.warns(ConvergenceWarning, match="4 of 4 target"):
        sol = fit_glm(X, Y, FamilyLog(sm.families.Poisson()), 0.0, max_iter=1, tol=1e-14)
    assert not sol.converged.any() and np.all(sol.n_iter == 1)


def test_weighted_grams_both_strategies():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((30, 6))
    H = rng.uniform(0, 1, (5, 30))
    expected = np.einsum("ni,kn,nj->kij", A, H, A)
    np.testing.assert_allclose(weighted_grams(A, H), expected, rtol=1e-12)
    np.testing.assert_allclose(weighted_grams(A, H, budget=30 * 8), expected, rtol=1e-12)


def test_solve_batched_falls_back_to_minimum_norm_for_singular_systems():
    rng = np.random.default_rng(5)
    B = rng.standard_normal((3, 4, 2))
    M = B @ B.transpose(0, 2, 1)          # rank 2 of 4
    M[0] += np.eye(4)                      # the first one is regular
    R = np.einsum("kij,kj->ki", M, rng.standard_normal((3, 4)))  # consistent
    out = solve_batched(M, R)
    np.testing.assert_allclose(out[0], np.linalg.solve(M[0], R[0]), rtol=1e-10)
    for k in (1, 2):
        np.testing.assert_allclose(out[k], np.linalg.pinv(M[k]) @ R[k], atol=1e-8)


def test_solve_batched_mixed_stack_minimum_norm_exactly_where_singular():
    # regular, consistent singular (LU does not notice) and exactly singular (an exact
    # zero pivot makes NumPy raise for the whole stack) systems in one stack
    rng = np.random.default_rng(9)
    k, q = 300, 7
    rank = rng.integers(1, q + 1, size=k)
    B = rng.standard_normal((k, q, q)) * (np.arange(q) < rank[:, None, None])
    M = B @ B.transpose(0, 2, 1)
    M[:5, 0, :] = M[:5, :, 0] = 0.0        # exactly zero first row and column
    R = np.einsum("kij,kj->ki", M, rng.standard_normal((k, q)))
    out = solve_batched(M, R)
    regular = rank == q
    regular[:5] = False
    np.testing.assert_allclose(out[regular],
                               np.linalg.solve(M[regular], R[regular][..., None])[..., 0],
                               rtol=1e-8, atol=1e-10)
    minimum_norm = np.einsum("kij,kj->ki", np.linalg.pinv(M[~regular], hermitian=True),
                             R[~regular])
    np.testing.assert_allclose(out[~regular], minimum_norm, rtol=1e-8, atol=1e-8)


def test_subset_ridge_without_penalty_is_minimum_norm_on_wide_subsets():
    # more features than rows in every subset (dual route): the centred subset kernel is
    # singular but consistent, and LU alone returned a non-minimum-norm solution
    rng = np.random.default_rng(8)
    X = rng.standard_normal((80, 120))
    Y = rng.standard_normal((80, 8))
    mask = rng.uniform(size=(80, 8)) < 0.5
    W, b = subset_ridge(X, Y, mask, 0.0)
    for j in range(8):
        rows = mask[:, j]
        Xs = X[rows] - X[rows].mean(0)
        ref = np.linalg.lstsq(Xs, Y[rows, j] - Y[rows, j].mean(), rcond=None)[0]
        np.testing.assert_allclose(W[:, j], ref, atol=1e-10)
        np.testing.assert_allclose(b[j], Y[rows, j].mean() - X[rows].mean(0) @ ref, atol=1e-10)


@pytest.mark.parametrize("shape", [(60, 3), (60, 25), (40, 200)],
                         ids=["primal-small", "primal", "dual"])
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_subset_ridge_equals_sklearn_on_each_subset(shape, alpha):
    n, p = shape
    rng = np.random.default_rng(6)
    X = rng.standard_normal((n, p)) + 2.0
    Y = X @ rng.standard_normal((p, 6)) + rng.standard_normal((n, 6))
    mask = rng.uniform(size=(n, 6)) < np.linspace(0.3, 0.9, 6)
    mask[:, 5] = True        # a full column: plain ridge
    mask[:, 0] = False
    mask[[2, 9], 0] = True   # two rows only
    W, b = subset_ridge(X, Y, mask, alpha)
    for j in range(6):
        rows = mask[:, j]
        if alpha == 0 and rows.sum() <= p:
            # minimum-norm least squares on the centred subset
            Xs = X[rows] - X[rows].mean(0)
            ref_w = np.linalg.lstsq(Xs, Y[rows, j] - Y[rows, j].mean(), rcond=None)[0]
            ref_b = Y[rows, j].mean() - X[rows].mean(0) @ ref_w
        else:
            ref = sklm.Ridge(alpha=alpha).fit(X[rows], Y[rows, j])
            ref_w, ref_b = ref.coef_, ref.intercept_
        np.testing.assert_allclose(W[:, j], ref_w, rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(b[j], ref_b, rtol=1e-7, atol=1e-8)


def test_subset_ridge_small_budget_blocks_agree():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((30, 80))
    Y = rng.standard_normal((30, 7))
    mask = rng.uniform(size=(30, 7)) < 0.6
    mask[0] = True
    W, b = subset_ridge(X, Y, mask, 1.0)
    W2, b2 = subset_ridge(X, Y, mask, 1.0, budget=8 * 30 * 30)
    np.testing.assert_allclose(W2, W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b2, b, rtol=1e-10)
    with pytest.raises(ValueError, match="at least one sample"):
        subset_ridge(X, Y, np.zeros_like(mask), 1.0)


@pytest.mark.parametrize("loss", [FamilyLog(sm.families.Poisson()), SoftplusSquared(1.0)],
                         ids=["poisson", "softplus"])
def test_target_blocks_in_threads_equal_one_thread(monkeypatch, loss):
    X, Y = counts(150, 40, 37, seed=3)
    sequential = fit_glm(X, Y, loss, 1.0, tol=1e-12)
    calls = []

    def two_workers(size, n_targets):
        calls.append(n_targets)
        return 2

    monkeypatch.setattr(_newton, "_block_workers", two_workers)
    threaded = fit_glm(X, Y, loss, 1.0, tol=1e-12)
    threaded_blocks = fit_glm(X, Y, loss, 1.0, tol=1e-12, block_bytes=150 * 8 * 20)
    assert calls == [37, 37]
    for sol in (threaded, threaded_blocks):
        assert sol.converged.all()
        np.testing.assert_allclose(sol.coef, sequential.coef, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(sol.intercept, sequential.intercept, rtol=1e-9,
                                   atol=1e-10)


def test_block_workers_follow_the_blas_threads():
    from sklearn_brainmap.utils import blas_thread_count, one_blas_thread

    big = _newton.PARALLEL_SIZE
    assert _newton._block_workers(big - 1, 1000) == 1
    assert _newton._block_workers(big, 1000) == min(blas_thread_count(), 1000 // 16)
    assert _newton._block_workers(big, _newton.PARALLEL_TARGETS - 1) == 1
    with one_blas_thread():
        assert blas_thread_count() == 1
        assert _newton._block_workers(big, 1000) == 1
    # from a thread other than the main one (a threading backend): no nested threads
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(_newton._block_workers, big, 1000).result() == 1


@pytest.mark.parametrize("loss", [FamilyLog(sm.families.Poisson()), SoftplusSquared(1.0),
                                  BernoulliLogit()], ids=["poisson", "softplus", "logit"])
def test_single_precision_early_products_reach_the_same_optimum(monkeypatch, loss):
    X, Y = counts(300, 60, 12, seed=4)
    if isinstance(loss, BernoulliLogit):
        Y = (Y > np.median(Y, axis=0)).astype(float)
    monkeypatch.setattr(_newton_directions, "LOW_PRECISION_FORCING", np.inf)  # never
    exact = fit_glm(X, Y, loss, 1.0, tol=1e-10, direction="cg")
    monkeypatch.setattr(_newton_directions, "LOW_PRECISION_FORCING", 0.0)  # whenever possible
    low = fit_glm(X, Y, loss, 1.0, tol=1e-10, direction="cg")
    assert exact.converged.all() and low.converged.all()
    np.testing.assert_allclose(low.coef, exact.coef, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(low.intercept, exact.intercept, rtol=1e-7, atol=1e-9)
