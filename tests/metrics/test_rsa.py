import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import pdist, squareform
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_brainmap.metrics._rsa as rsa_module
from sklearn_brainmap.metrics import rdm, rsa_score

METRICS = ["correlation", "euclidean", "cosine"]


def noisy_pair(rng, n=25, p_x=12, p_y=7):
    X = rng.standard_normal((n, p_x)) + 0.5
    Y = X[:, :p_y] ** 2 + rng.standard_normal((n, p_y))
    return X, Y


@pytest.mark.parametrize("metric", METRICS)
def test_rdm_equals_scipy_pdist(rng, metric, monkeypatch):
    X = rng.standard_normal((31, 9)) * rng.uniform(0.1, 5, 9) + 3
    expected = pdist(X, metric)
    np.testing.assert_allclose(rdm(X, metric=metric, condensed=True), expected,
                               rtol=1e-10, atol=1e-12)
    D = rdm(X, metric=metric)
    np.testing.assert_allclose(D, squareform(expected), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(D, D.T)
    np.testing.assert_array_equal(np.diag(D), 0)
    # blocks of a few rows give the same triangle
    monkeypatch.setattr(rsa_module, "_BLOCK_BYTES", 8 * 31 * 4)
    np.testing.assert_allclose(rdm(X, metric=metric, condensed=True), expected,
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("compare, reference", [
    ("spearman", stats.spearmanr), ("pearson", stats.pearsonr),
    ("kendall", stats.kendalltau)])
def test_rsa_equals_scipy_on_upper_triangles(rng, metric, compare, reference):
    X, Y = noisy_pair(rng)
    expected = reference(pdist(X, metric), pdist(Y, metric)).statistic
    assert rsa_score(X, Y, rdm_metric=metric, compare=compare) == pytest.approx(
        expected, rel=1e-10)


@given(seed=st.integers(0, 2**16), transform=st.sampled_from(
    [np.exp, np.sqrt, lambda d: d**3, lambda d: np.log1p(d), lambda d: 2 * d + 7]),
    compare=st.sampled_from(["spearman", "kendall"]))
def test_rank_comparisons_unchanged_by_monotone_transform_of_the_rdm(
        seed, transform, compare):
    rng = np.random.default_rng(seed)
    X, Y = noisy_pair(rng, n=15)
    Dx, Dy = rdm(X), rdm(Y, metric="euclidean")
    reference = rsa_score(Dx, Dy, rdm_metric="precomputed", compare=compare)
    assert rsa_score(Dx, transform(Dy), rdm_metric="precomputed", compare=compare) \
        == pytest.approx(reference, rel=1e-12, abs=1e-14)


def test_precomputed_reads_the_upper_triangle_only(rng):
    X, Y = noisy_pair(rng)
    Dx, Dy = rdm(X), rdm(Y)
    lower_garbage = Dy + np.tril(rng.standard_normal(Dy.shape), k=-1)
    assert rsa_score(Dx, lower_garbage, rdm_metric="precomputed") == pytest.approx(
        rsa_score(X, Y), rel=1e-12)


def test_invariance_of_the_correlation_rdm(rng):
    X, Y = noisy_pair(rng)
    # per-stimulus affine changes do not move a correlation RDM
    scaled = X * rng.uniform(0.5, 2, (25, 1)) + rng.standard_normal((25, 1))
    np.testing.assert_allclose(rdm(scaled), rdm(X), atol=1e-12)
    assert rsa_score(scaled, Y) == pytest.approx(rsa_score(X, Y), rel=1e-12)


def test_errors(rng):
    X, Y = noisy_pair(rng)
    with pytest.raises(ValueError, match="same stimuli"):
        rsa_score(X, Y[:-1])
    with pytest.raises(ValueError, match="minimum of 3"):
        rsa_score(X[:2], Y[:2])
    flat = X.copy()
    flat[[3, 7]] = 1.0
    with pytest.raises(ValueError, match=r"2 of 25 stimulus pattern\(s\) \(rows 3, 7\)"):
        rdm(flat)
    zero = X.copy()
    zero[4] = 0.0
    with pytest.raises(ValueError, match="all zero"):
        rsa_score(zero, Y, rdm_metric="cosine")
    assert np.isfinite(rsa_score(flat, Y, rdm_metric="euclidean"))
    equidistant = np.eye(5)
    with pytest.raises(ValueError, match="RDM of X is constant"):
        rsa_score(equidistant, rng.standard_normal((5, 3)), rdm_metric="euclidean")
    with pytest.raises(ValueError, match="square"):
        rsa_score(X, Y, rdm_metric="precomputed")
    with pytest.raises(InvalidParameterError, match="compare"):
        rsa_score(X, Y, compare="cosine")
    nan = X.copy()
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        rdm(nan)


@pytest.mark.parametrize("compare, reference", [
    ("spearman", stats.spearmanr), ("kendall", stats.kendalltau)])
def test_tied_dissimilarities_get_average_ranks(rng, compare, reference):
    # integer-valued RDMs: many ties, as with counts or coarse ratings
    Dx = squareform(rng.integers(0, 5, 190).astype(float))
    Dy = squareform(rng.integers(0, 3, 190) + rng.integers(0, 2, 190).astype(float))
    triangle = np.triu_indices(20, k=1)
    expected = reference(Dx[triangle], Dy[triangle]).statistic
    assert rsa_score(Dx, Dy, rdm_metric="precomputed", compare=compare) == pytest.approx(
        expected, rel=1e-12)
    v = rng.integers(0, 7, 500).astype(float)
    np.testing.assert_array_equal(rsa_module._average_ranks(v.copy()), stats.rankdata(v))


@pytest.mark.parametrize("compare", ["spearman", "pearson", "kendall"])
def test_compare_rdms_equals_rsa_score_of_each_pair(compare):
    from sklearn_brainmap.metrics import compare_rdms

    rng = np.random.default_rng(0)
    responses = [rng.standard_normal((15, 6)) for _ in range(4)]
    square = np.array([rdm(R) for R in responses])
    condensed = np.array([rdm(R, condensed=True) for R in responses])
    S = compare_rdms(square, compare=compare)
    np.testing.assert_allclose(compare_rdms(condensed, compare=compare), S, atol=1e-12)
    for i in range(4):
        for j in range(4):
            expected = 1.0 if i == j else rsa_score(responses[i], responses[j],
                                                    compare=compare)
            assert S[i, j] == pytest.approx(expected, abs=1e-12)


def test_compare_rdms_rank_invariance_and_errors():
    from sklearn_brainmap.metrics import compare_rdms

    rng = np.random.default_rng(1)
    v = rng.uniform(size=(3, 10))
    # Spearman sees only the order: an increasing transform of one RDM changes nothing
    w = v.copy()
    w[1] = np.exp(5 * w[1])
    np.testing.assert_allclose(compare_rdms(w), compare_rdms(v), atol=1e-12)
    with pytest.raises(ValueError, match="constant"):
        compare_rdms(np.vstack([v, np.ones(10)]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        compare_rdms(np.where(v > 0.9, np.nan, v))
    with pytest.raises(ValueError, match="shape"):
        compare_rdms(np.ones((2, 3, 4)))
