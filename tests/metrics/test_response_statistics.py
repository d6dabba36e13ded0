"""Lifetime and population sparseness; similarity of tuning-property distributions."""

import warnings

import numpy as np
import pytest
from scipy import stats

from sklearn_brainmap.metrics import (
    ks_similarity_score,
    lifetime_sparseness,
    population_sparseness,
)
from sklearn_brainmap.utils import ConstantUnitWarning


def _vinje_gallant(r):
    """The formula written out for one unit, term by term."""
    n = len(r)
    a = (sum(r) / n) ** 2 / (sum(x * x for x in r) / n)
    return (1 - a) / (1 - 1 / n)


def test_sparseness_matches_the_formula_unit_by_unit():
    rng = np.random.default_rng(0)
    R = rng.exponential(size=(30, 7)) * (rng.random((30, 7)) < 0.4)
    R[:, 0] += 0.1                 # no stimulus without a response
    np.testing.assert_allclose(lifetime_sparseness(R),
                               [_vinje_gallant(list(R[:, j])) for j in range(7)])
    np.testing.assert_allclose(population_sparseness(R),
                               [_vinje_gallant(list(R[i])) for i in range(30)])


def test_sparseness_limits_and_invariances():
    n = 10
    one_hot = np.zeros((n, 3))
    one_hot[[2, 5, 9], [0, 1, 2]] = [1.0, 4.0, 0.5]
    np.testing.assert_allclose(lifetime_sparseness(one_hot), 1.0)      # one stimulus
    np.testing.assert_allclose(lifetime_sparseness(np.full((n, 2), 3.0)), 0.0)
    rng = np.random.default_rng(1)
    R = rng.gamma(0.5, size=(40, 5))
    S = lifetime_sparseness(R)
    # scale of each unit and order of stimuli do not matter
    np.testing.assert_allclose(lifetime_sparseness(R * [1e-200, 1, 3, 1e150, 7]), S)
    np.testing.assert_allclose(lifetime_sparseness(R[rng.permutation(40)]), S)
    # a sparser (more kurtotic) unit scores higher: gamma shapes 0.2 < 5
    pair = np.c_[rng.gamma(0.2, size=2000), rng.gamma(5.0, size=2000)]
    s_sparse, s_dense = lifetime_sparseness(pair)
    assert s_sparse > s_dense + 0.3
    # population sparseness: units' order and a common scale do not matter
    P = population_sparseness(R)
    np.testing.assert_allclose(population_sparseness(5 * R[:, ::-1]), P)


def test_sparseness_of_silent_units_is_nan_with_a_warning():
    R = np.c_[np.zeros(6), np.arange(6.0)]
    with pytest.warns(ConstantUnitWarning, match="1 of 2 units .*all zero") as record:
        S = lifetime_sparseness(R)
    assert record[0].filename == __file__
    assert np.isnan(S[0]) and np.isfinite(S[1])
    with pytest.warns(UserWarning, match="1 of 6 stimuli"):
        P = population_sparseness(R)
    assert np.isnan(P[0]) and np.isfinite(P[1:]).all()


def test_sparseness_refuses_negative_or_too_few_values():
    with pytest.raises(ValueError, match="non-negative.*np.maximum"):
        lifetime_sparseness(np.array([[1.0, -0.5], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="at least 2"):
        lifetime_sparseness(np.ones((1, 3)))
    with pytest.raises(ValueError, match="at least 2"):
        population_sparseness(np.ones((3, 1)))


def test_ks_similarity_is_one_minus_the_largest_cdf_gap():
    rng = np.random.default_rng(2)
    a, b = rng.lognormal(0, 1, 50), rng.lognormal(0.5, 1, 80)
    grid = np.sort(np.r_[a, b])
    gap = np.max(np.abs(np.searchsorted(np.sort(a), grid, side="right") / a.size
                        - np.searchsorted(np.sort(b), grid, side="right") / b.size))
    assert ks_similarity_score(a, b) == pytest.approx(1 - gap)
    assert ks_similarity_score(a, b) == pytest.approx(1 - stats.ks_2samp(a, b).statistic)
    # symmetric; invariant to an increasing transform applied to both and to order
    assert ks_similarity_score(b, a) == pytest.approx(ks_similarity_score(a, b))
    assert ks_similarity_score(np.log(a), np.log(b)) == pytest.approx(
        ks_similarity_score(a, b))
    assert ks_similarity_score(a[::-1], rng.permutation(b)) == pytest.approx(
        ks_similarity_score(a, b))
    assert ks_similarity_score(a, a) == 1.0
    assert ks_similarity_score(a, a + 100) == 0.0


def test_ks_similarity_leaves_out_undefined_values_and_says_so():
    a = np.array([1.0, 2.0, np.nan, 3.0])
    with pytest.warns(UserWarning, match="1 of 4 values of model_values are NaN"):
        score = ks_similarity_score(a, [1.0, 2.0, 3.0])
    assert score == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="no defined values"):
            ks_similarity_score([np.nan], [1.0])
    with pytest.raises(ValueError, match="one value per unit"):
        ks_similarity_score(np.ones((3, 2)), [1.0])
