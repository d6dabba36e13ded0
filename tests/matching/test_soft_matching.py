import warnings

import numpy as np
import ot
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_brainmap import SoftMatching
from sklearn_brainmap.utils._transport import exact_plan, sinkhorn_plan
from sklearn_brainmap.metrics import soft_matching_distance, soft_matching_score
from sklearn_brainmap.utils import ConstantUnitWarning


def dense_exact_plan(C):
    P = exact_plan(C)
    return P.toarray() if sparse.issparse(P) else P


def correlated_populations(rng, n, n_x, n_y, rank=5):
    """Two populations driven by shared latents: a cost matrix with structure."""
    latent = rng.standard_normal((n, rank))
    X = latent @ rng.standard_normal((rank, n_x)) + rng.standard_normal((n, n_x))
    Y = latent @ rng.standard_normal((rank, n_y)) + rng.standard_normal((n, n_y))
    return X, Y


@given(seed=st.integers(0, 2**16), n_units=st.integers(1, 40),
       n_stimuli=st.integers(5, 60))
def test_permuted_copy_gives_permutation_plan_score_one_and_exact_predictions(
        seed, n_units, n_stimuli):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_stimuli, n_units))
    perm = rng.permutation(n_units)
    slope = rng.uniform(0.2, 5.0, n_units)
    offset = rng.uniform(-10, 10, n_units)
    Y = X[:, perm] * slope + offset
    model = SoftMatching().fit(X, Y)
    expected = np.zeros((n_units, n_units))
    expected[perm, np.arange(n_units)] = 1.0 / n_units
    np.testing.assert_array_equal(model.transport_plan_, expected)
    np.testing.assert_allclose(model.predict(X), Y, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(model.coef_, slope * X[:, perm].std(axis=0), rtol=1e-10)
    assert soft_matching_score(X, Y) == pytest.approx(1.0, abs=1e-12)
    assert soft_matching_distance(X, Y) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("n_x, n_y", [(7, 3), (3, 7), (6, 3), (3, 6), (1, 5), (5, 1),
                                      (1, 1), (4, 4), (9, 4)])
@pytest.mark.parametrize("method", ["exact", "sinkhorn"])
def test_plan_has_uniform_marginals(rng, n_x, n_y, method):
    X, Y = correlated_populations(rng, 40, n_x, n_y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = SoftMatching(method=method, max_iter=100_000, tol=1e-10).fit(X, Y)
    P = model.transport_plan_
    assert P.shape == (n_x, n_y)
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1 / n_x, rtol=1e-12)
    np.testing.assert_allclose(P.sum(axis=0), 1 / n_y, atol=1e-10)


@pytest.mark.parametrize("n_x, n_y", [(30, 30), (40, 20), (20, 40), (13, 30), (1, 6)])
def test_exact_plan_objective_equals_ot_emd(rng, n_x, n_y):
    X, Y = correlated_populations(rng, 50, n_x, n_y)
    C = 1 - np.corrcoef(X.T, Y.T)[:n_x, n_x:]
    P = dense_exact_plan(C)
    reference = ot.emd(np.full(n_x, 1 / n_x), np.full(n_y, 1 / n_y), C, numItermax=10**7)
    assert np.vdot(P, C) == pytest.approx(np.vdot(reference, C), rel=1e-13)
    # the assignment paths return a vertex: every source sends all its mass to one target
    if max(n_x, n_y) in (min(n_x, n_y), 2 * min(n_x, n_y)):
        big = max(n_x, n_y)
        np.testing.assert_array_equal(np.unique(P * big), [0.0, 1.0])


def test_predictions_follow_the_documented_formula(rng):
    X, Y = correlated_populations(rng, 80, 9, 4)
    X = X * rng.uniform(0.5, 3, 9) + rng.uniform(-5, 5, 9)
    model = SoftMatching().fit(X, Y)
    P = model.transport_plan_
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    Zhat = Z @ (4 * P)                     # ẑ_j = Σ_i N_y P_ij z_i
    X_new = rng.standard_normal((10, 9))
    Zhat_new = ((X_new - X.mean(axis=0)) / X.std(axis=0)) @ (4 * P)
    for j in range(4):
        slope, intercept = np.polyfit(Zhat[:, j], Y[:, j], 1)
        assert model.coef_[j] == pytest.approx(slope, rel=1e-10)
        assert model.intercept_[j] == pytest.approx(intercept, rel=1e-10, abs=1e-12)
        np.testing.assert_allclose(model.predict(X_new)[:, j],
                                   slope * Zhat_new[:, j] + intercept, rtol=1e-10)


def test_score_is_best_mean_correlation_over_permutations(rng):
    from itertools import permutations

    X, Y = correlated_populations(rng, 30, 6, 6)
    R = np.corrcoef(X.T, Y.T)[:6, 6:]
    best = max(R[np.arange(6), list(p)].mean() for p in permutations(range(6)))
    assert soft_matching_score(X, Y) == pytest.approx(best, rel=1e-13)
    d = soft_matching_distance(X, Y)
    assert d == pytest.approx(np.sqrt(2 * (1 - soft_matching_score(X, Y))), rel=1e-13)


@pytest.mark.parametrize("n_x, n_y", [(25, 25), (30, 15), (40, 25)])
def test_sinkhorn_approaches_the_exact_plan(rng, n_x, n_y):
    X, Y = correlated_populations(rng, 200, n_x, n_y)
    C = 1 - np.corrcoef(X.T, Y.T)[:n_x, n_x:]
    exact = dense_exact_plan(C)
    span = C.max() - C.min()
    gaps, distances = [], []
    for reg in [0.1, 0.05, 0.02, 0.01]:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            P, _ = sinkhorn_plan(C, reg, max_iter=100_000, tol=1e-10)
        gap = np.vdot(P, C) - np.vdot(exact, C)
        # entropic bound: gap ≤ ε (H(P_ε) − H(P*)) ≤ ε log(N_x N_y / max(N_x, N_y))
        assert 0 < gap <= reg * span * np.log(min(n_x, n_y))
        gaps.append(gap)
        distances.append(np.abs(P - exact).sum())
    assert np.all(np.diff(gaps) < 0) and np.all(np.diff(distances) < 0)
    assert gaps[-1] < 0.1 * gaps[0]


def test_sinkhorn_not_converged_warns(rng):
    X, Y = correlated_populations(rng, 50, 20, 20)
    with pytest.warns(ConvergenceWarning, match="Sinkhorn did not converge"):
        model = SoftMatching(method="sinkhorn", reg=0.005, max_iter=2).fit(X, Y)
    assert model.n_iter_ <= 2


@pytest.mark.parametrize("n_x, n_y", [(6, 5), (6, 6), (9, 5)])  # simplex, assignments
def test_constant_units_left_out_of_the_transport(rng, n_x, n_y):
    X, Y = correlated_populations(rng, 60, n_x, n_y)
    X[:, 2] = 3.0
    Y[:, -1] = -1.0
    with pytest.warns(ConstantUnitWarning) as record:
        model = SoftMatching().fit(X, Y)
    messages = " ".join(str(w.message) for w in record)
    assert f"1 of {n_x} source" in messages and f"1 of {n_y} target" in messages
    P = model.transport_plan_
    np.testing.assert_array_equal(P[2], 0)
    np.testing.assert_array_equal(P[:, -1], 0)
    kept = np.delete(P, 2, axis=0)[:, :-1]
    np.testing.assert_allclose(kept.sum(axis=1), 1 / (n_x - 1))
    np.testing.assert_allclose(kept.sum(axis=0), 1 / (n_y - 1))
    X_kept = np.delete(X, 2, axis=1)
    reduced = SoftMatching().fit(X_kept, Y[:, :-1])
    np.testing.assert_array_equal(reduced.transport_plan_, kept)
    np.testing.assert_allclose(model.predict(X)[:, :-1], reduced.predict(X_kept),
                               rtol=1e-12)
    np.testing.assert_allclose(model.predict(X)[:, -1], -1.0)
    assert model.coef_[-1] == 0
    with pytest.warns(ConstantUnitWarning):
        score = soft_matching_score(X, Y)
    assert score == pytest.approx(soft_matching_score(X_kept, Y[:, :-1]), rel=1e-12)


def test_all_sources_constant(rng):
    Y = rng.standard_normal((20, 3))
    with pytest.warns(ConstantUnitWarning):
        model = SoftMatching().fit(np.ones((20, 4)), Y)
    np.testing.assert_array_equal(model.transport_plan_, 0)
    np.testing.assert_allclose(model.predict(np.ones((2, 4))), np.tile(Y.mean(0), (2, 1)))
    with pytest.raises(ValueError, match="every unit"), pytest.warns(ConstantUnitWarning):
        soft_matching_score(np.ones((20, 4)), Y)


def test_float32(rng):
    X, Y = correlated_populations(rng, 100, 12, 8)
    model64 = SoftMatching().fit(X, Y)
    model32 = SoftMatching().fit(X.astype(np.float32), Y.astype(np.float32))
    pred = model32.predict(X.astype(np.float32))
    assert pred.dtype == np.float32
    np.testing.assert_array_equal(model32.transport_plan_, model64.transport_plan_)
    np.testing.assert_allclose(pred, model64.predict(X), rtol=1e-4, atol=1e-4)


def test_one_dimensional_target(rng):
    X, Y = correlated_populations(rng, 50, 5, 1)
    model = SoftMatching().fit(X, Y[:, 0])
    assert np.ndim(model.coef_) == 0 and model.predict(X).shape == (50,)
    np.testing.assert_allclose(model.transport_plan_, 1 / 5)


def test_bad_input(rng):
    X = rng.standard_normal((30, 4))
    with pytest.raises(ValueError, match="n_samples = 1"):
        SoftMatching().fit(X[:1], X[:1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SoftMatching().fit(X, X[:-1])
    with pytest.raises(InvalidParameterError, match="method"):
        SoftMatching(method="emd").fit(X, X)
    with pytest.raises(InvalidParameterError, match="reg"):
        SoftMatching(method="sinkhorn", reg=-1).fit(X, X)
    with pytest.raises(ValueError, match="reg must be positive for method='sinkhorn'.*"
                                         "method='exact'"):
        SoftMatching(method="sinkhorn", reg=0).fit(X, X)
    with pytest.raises(ValueError, match="same stimuli"):
        soft_matching_score(X, X[:-1])
    with pytest.raises(ValueError, match="NaN"):
        soft_matching_score(np.where(X > 2, np.nan, X), X)


def test_very_small_reg_uses_the_log_domain_and_finds_the_exact_plan(rng):
    X = rng.standard_normal((200, 12))
    perm = rng.permutation(12)
    Y = X[:, perm] + 0.5 * rng.standard_normal((200, 12))
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no underflow, no convergence problem
        model = SoftMatching(method="sinkhorn", reg=1e-4, tol=1e-12).fit(X, Y)
    expected = np.zeros((12, 12))
    expected[perm, np.arange(12)] = 1 / 12
    np.testing.assert_allclose(model.transport_plan_, expected, atol=1e-12)
