import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import orthogonal_procrustes
from scipy.stats import ortho_group

from sklearn_brainmap.metrics import (
    cka_score,
    procrustes_distance,
    procrustes_score,
    soft_matching_distance,
    soft_matching_score,
)
from sklearn_brainmap.utils import ConstantUnitWarning

# narrow (units < stimuli) and wide (units > stimuli) inputs take different paths
SHAPES = st.sampled_from([(30, 5, 8), (30, 12, 4), (12, 30, 5), (12, 6, 40), (10, 25, 40)])


def related_pair(seed, n, p_x, p_y):
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, 3))
    X = latent @ rng.standard_normal((3, p_x)) + rng.standard_normal((n, p_x))
    Y = latent @ rng.standard_normal((3, p_y)) + rng.standard_normal((n, p_y))
    return rng, X, Y


def similarity_transform(rng, A):
    """A random rotation/reflection, isotropic scaling and translation of ``A``."""
    p = A.shape[1]
    Q = ortho_group.rvs(p, random_state=rng) if p > 1 else np.array([[-1.0]])
    return rng.uniform(0.1, 10) * A @ Q + rng.uniform(-5, 5, p)


MEASURES = [cka_score, procrustes_score, lambda X, Y: cka_score(X, Y, debiased=True)]


@given(seed=st.integers(0, 2**16), shape=SHAPES, which=st.sampled_from([0, 1, 2]))
def test_invariant_to_orthogonal_transform_scaling_and_translation(seed, shape, which):
    rng, X, Y = related_pair(seed, *shape)
    measure = MEASURES[which]
    reference = measure(X, Y)
    assert measure(similarity_transform(rng, X), Y) == pytest.approx(reference, rel=1e-9)
    assert measure(X, similarity_transform(rng, Y)) == pytest.approx(reference, rel=1e-9)


@given(seed=st.integers(0, 2**16), shape=SHAPES)
def test_self_similarity_after_transform_is_one(seed, shape):
    rng, X, _ = related_pair(seed, *shape)
    Z = similarity_transform(rng, X)
    assert cka_score(X, Z) == pytest.approx(1.0, rel=1e-10)
    assert cka_score(X, Z, debiased=True) == pytest.approx(1.0, rel=1e-9)
    assert procrustes_score(X, Z) == pytest.approx(1.0, rel=1e-10)


@given(seed=st.integers(0, 2**16), n=st.integers(3, 25),
       widths=st.tuples(*[st.integers(1, 30)] * 3))
def test_procrustes_distance_triangle_inequality_and_symmetry(seed, n, widths):
    rng = np.random.default_rng(seed)
    A, B, C = (rng.standard_normal((n, p)) for p in widths)
    d_ab, d_bc, d_ac = (procrustes_distance(*pair) for pair in [(A, B), (B, C), (A, C)])
    assert d_ac <= d_ab + d_bc + 1e-12
    assert procrustes_distance(B, A) == pytest.approx(d_ab, abs=1e-12)
    assert 0 <= d_ab <= np.pi / 2


@given(seed=st.integers(0, 2**16), shape=SHAPES)
def test_distances_are_functions_of_the_scores(seed, shape):
    _, X, Y = related_pair(seed, *shape)
    assert np.cos(procrustes_distance(X, Y)) == pytest.approx(procrustes_score(X, Y),
                                                              rel=1e-12)
    assert soft_matching_distance(X, Y) == pytest.approx(
        np.sqrt(2 * (1 - soft_matching_score(X, Y))), rel=1e-12)


def gram_cka(X, Y):
    H = np.eye(len(X)) - 1 / len(X)
    K, L = H @ X @ X.T @ H, H @ Y @ Y.T @ H
    return np.sum(K * L) / np.sqrt(np.sum(K * K) * np.sum(L * L))


def feature_cka(X, Y):
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    return (np.linalg.norm(Yc.T @ Xc, "fro") ** 2
            / (np.linalg.norm(Xc.T @ Xc, "fro") * np.linalg.norm(Yc.T @ Yc, "fro")))


def song_unbiased_hsic(K, L):
    """Song et al. (2012), eq. 5, on raw (uncentred) linear kernels."""
    n = len(K)
    K, L = K - np.diag(np.diag(K)), L - np.diag(np.diag(L))
    one = np.ones(n)
    return (np.trace(K @ L) + (one @ K @ one) * (one @ L @ one) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * one @ K @ L @ one) / (n * (n - 3))


@pytest.mark.parametrize("shape", [(40, 6, 9), (15, 40, 7), (15, 5, 60), (12, 30, 50)])
def test_cka_equals_feature_space_and_gram_formulas(rng, shape):
    n, p_x, p_y = shape
    X, Y = rng.standard_normal((n, p_x)) + 2, rng.standard_normal((n, p_y)) - 1
    Y[:, 0] += 3 * X[:, 0]
    assert cka_score(X, Y) == pytest.approx(gram_cka(X, Y), rel=1e-12)
    assert cka_score(X, Y) == pytest.approx(feature_cka(X, Y), rel=1e-12)
    K, L = X @ X.T, Y @ Y.T
    expected = song_unbiased_hsic(K, L) / np.sqrt(song_unbiased_hsic(K, K)
                                                  * song_unbiased_hsic(L, L))
    assert cka_score(X, Y, debiased=True) == pytest.approx(expected, rel=1e-10)


def test_debiased_cka_of_independent_wide_data_is_near_zero():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((50, 2000)), rng.standard_normal((50, 1500))
    assert cka_score(X, Y) > 0.9            # the bias of the plain estimator
    assert abs(cka_score(X, Y, debiased=True)) < 0.02


@pytest.mark.parametrize("shape", [(30, 7, 4), (10, 25, 6), (9, 20, 30)])
def test_procrustes_equals_best_rotation_with_zero_padding(rng, shape):
    n, p_x, p_y = shape
    X, Y = rng.standard_normal((n, p_x)), rng.standard_normal((n, p_y))
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    width = max(p_x, p_y)
    Xp = np.hstack([Xc, np.zeros((n, width - p_x))])
    Yp = np.hstack([Yc, np.zeros((n, width - p_y))])
    R, _ = orthogonal_procrustes(Yp, Xp)     # argmin ‖Yp R − Xp‖ over orthogonal R
    expected = np.sum(Xp * (Yp @ R)) / (np.linalg.norm(Xc) * np.linalg.norm(Yc))
    assert procrustes_score(X, Y) == pytest.approx(expected, rel=1e-12)


def test_constant_units_do_not_change_cka_or_procrustes(rng):
    X, Y = rng.standard_normal((20, 5)), rng.standard_normal((20, 8))
    X_more = np.column_stack([X, np.full(20, 7.0)])
    for measure in MEASURES:
        assert measure(X_more, Y) == pytest.approx(measure(X, Y), rel=1e-12)
    with pytest.raises(ValueError, match="every unit of Y is constant"):
        cka_score(X, np.ones((20, 3)))
    with pytest.raises(ValueError, match="every unit of X is constant"):
        procrustes_score(np.ones((20, 3)), Y)


def test_soft_matching_score_symmetric_and_bounded(rng):
    _, X, Y = related_pair(3, 60, 9, 14)
    score = soft_matching_score(X, Y)
    assert score == pytest.approx(soft_matching_score(Y, X), rel=1e-12)
    assert -1 <= score <= 1
    assert soft_matching_score(X, X) == pytest.approx(1.0, abs=1e-12)
    single = X[:, :1]                       # one unit: the plain correlation of each pair
    assert soft_matching_score(single, Y) == pytest.approx(
        np.corrcoef(single.T, Y.T)[0, 1:].mean(), rel=1e-12)
    with pytest.warns(ConstantUnitWarning, match="1 of 10 X"):
        soft_matching_score(np.column_stack([X, np.ones(60)]), Y)


@pytest.mark.parametrize("measure", [cka_score, procrustes_score, procrustes_distance,
                                     soft_matching_score, soft_matching_distance])
def test_validation(rng, measure):
    X = rng.standard_normal((10, 3))
    with pytest.raises(ValueError, match="same stimuli"):
        measure(X, X[:-1])
    bad = X.copy()
    bad[2, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        measure(X, bad)
    with pytest.raises(ValueError, match="minimum of 2"):
        measure(X[:1], X[:1])
    with pytest.raises(ValueError, match="2D array"):
        measure(X[:, 0], X)


def test_debiased_needs_four_stimuli(rng):
    X = rng.standard_normal((3, 4))
    with pytest.raises(ValueError, match="minimum of 4"):
        cka_score(X, X, debiased=True)


def test_float32_inputs(rng):
    _, X, Y = related_pair(5, 50, 6, 9)
    for measure in MEASURES:
        assert measure(X.astype(np.float32), Y.astype(np.float32)) == pytest.approx(
            measure(X, Y), rel=1e-5)
