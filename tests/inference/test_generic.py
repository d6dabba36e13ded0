"""The generic layer against independent computations: written-out resamples,
statsmodels' Holm, SciPy's BCa, the closed form of the two-factor correction."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import r2_score

from sklearn_brainmap.inference import (
    bca_interval,
    bootstrap_counts,
    bootstrap_p_value,
    bootstrap_statistic,
    column_score_statistics,
    holm,
    percentile_interval,
    permutation_p_value,
    resampled_column_scores,
    two_factor_variance,
)


def test_bootstrap_counts_are_draws_with_replacement():
    counts = bootstrap_counts(7, 4000, random_state=0)
    assert counts.shape == (4000, 7) and (counts.sum(axis=1) == 7).all()
    # each count is Binomial(7, 1/7): mean 1, variance 6/7
    assert counts.mean() == pytest.approx(1.0, abs=0.02)
    assert counts.var() == pytest.approx(6 / 7, abs=0.03)
    np.testing.assert_array_equal(counts, bootstrap_counts(7, 4000, random_state=0))


@pytest.mark.parametrize("score", ["r2", "pearson"])
def test_resampled_column_scores_equal_scores_of_written_out_resamples(score):
    rng = np.random.default_rng(0)
    y = rng.standard_normal((25, 4)) + 100.0  # an offset: cancellation is handled
    y_pred = y + rng.standard_normal((25, 4))
    statistics = column_score_statistics(y, y_pred)
    idx = rng.integers(0, 25, size=(5, 25))
    weights = np.array([np.bincount(i, minlength=25) for i in idx], dtype=float)
    got = resampled_column_scores(statistics, weights, score=score)
    for row, i in zip(got, idx):
        if score == "r2":
            expected = r2_score(y[i], y_pred[i], multioutput="raw_values")
        else:
            expected = [stats.pearsonr(y[i, t], y_pred[i, t]).statistic for t in range(4)]
        np.testing.assert_allclose(row, expected, rtol=1e-10)


def test_resampled_column_scores_constant_target_is_nan():
    y = np.c_[np.ones(6), np.arange(6.0)]
    got = resampled_column_scores(column_score_statistics(y, y + 0.1), np.ones((2, 6)))
    assert np.isnan(got[:, 0]).all() and np.isfinite(got[:, 1]).all()


def test_holm_matches_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.random.default_rng(1).random(12) ** 3
    expected = multitest.multipletests(p, method="holm")[1]
    np.testing.assert_allclose(holm(p), expected, atol=1e-14)
    np.testing.assert_allclose(holm(p.reshape(3, 4)), expected.reshape(3, 4), atol=1e-14)
    assert np.isnan(holm([0.1, np.nan])[1])


def test_percentile_and_bca_intervals_match_scipy():
    rng = np.random.default_rng(2)
    x = rng.exponential(size=30)
    counts = bootstrap_counts(30, 4000, random_state=3)
    means = counts @ x / 30
    jack = (x.sum() - x) / 29
    ours = bca_interval(means, x.mean(), jack)
    ref = stats.bootstrap((x,), np.mean, n_resamples=4000, method="BCa",
                          random_state=4).confidence_interval
    # two Monte-Carlo estimates of the same interval
    np.testing.assert_allclose(ours, [ref.low, ref.high], rtol=0.05)
    pct = percentile_interval(means, x.mean())
    ref = stats.bootstrap((x,), np.mean, n_resamples=4000, method="percentile",
                          random_state=4).confidence_interval
    np.testing.assert_allclose(pct, [ref.low, ref.high], rtol=0.05)
    # the exponential is right-skewed: BCa moves both ends up
    assert ours[0] > pct[0] and ours[1] > pct[1]
    wide = percentile_interval(means, x.mean(), scale=2.0)
    np.testing.assert_allclose(wide - x.mean(), 2 * (pct - x.mean()))


def test_p_values():
    rng = np.random.default_rng(5)
    assert bootstrap_p_value(rng.normal(0.1, 1, 999), 0.1) > 0.5
    assert bootstrap_p_value(rng.normal(5, 1, 999), 5.0) == pytest.approx(1 / 1000)
    assert permutation_p_value(3.0, [1.0, 2.0, 4.0]) == pytest.approx(0.5)


def test_two_factor_variance_closed_form():
    # v_both = a + b + 3e, v_subjects = a + e, v_stimuli = b + e (large n): a + b + e
    a, b, e = 0.4, 0.3, 0.2
    v = two_factor_variance(a + b + 3 * e, a + e, b + e, n_subjects=10**6,
                            n_stimuli=10**6)
    assert v == pytest.approx(a + b + e, rel=1e-5)
    # bounded by the naive variance and by each one-factor variance
    assert two_factor_variance(1.0, 0.9, 0.9, n_subjects=5, n_stimuli=5) == 1.0
    assert two_factor_variance(1.0, 0.1, 0.6, n_subjects=5, n_stimuli=50) >= 0.6 * 50 / 49


def test_bootstrap_statistic_mean_and_paired_differences():
    rng = np.random.default_rng(6)
    scores = rng.normal([0.5, 0.5, 0.9], 0.3, size=(60, 3))

    def statistic(subject_weights, stimulus_weights):
        w = np.ones((1, 60)) if stimulus_weights is None else stimulus_weights
        return w @ scores / w.sum(axis=1, keepdims=True)

    result = bootstrap_statistic(statistic, n_stimuli=60, n_resamples=2000,
                                 random_state=0)
    np.testing.assert_allclose(result.scores, scores.mean(axis=0))
    # the standard error of a mean: s / sqrt(n) (ddof=1), within Monte-Carlo error
    np.testing.assert_allclose(result.standard_error,
                               scores.std(axis=0, ddof=1) / np.sqrt(60), rtol=0.08)
    d = scores[:, 0] - scores[:, 2]
    assert result.difference_standard_error[0, 2] == pytest.approx(
        d.std(ddof=1) / np.sqrt(60), rel=0.08)
    assert result.difference_p_values[0, 2] < 0.01
    assert result.difference_p_values_holm[0, 2] >= result.difference_p_values[0, 2]
    lo, hi = result.difference_confidence_interval[:, 0, 2]
    assert lo < d.mean() < hi < 0
    bca = bootstrap_statistic(statistic, n_stimuli=60, n_resamples=500,
                              interval="bca", random_state=0)
    assert (bca.confidence_interval[0] < bca.scores).all()
    with pytest.raises(ValueError, match="bca"):
        bootstrap_statistic(statistic, n_stimuli=60, n_subjects=5,
                            over=("stimuli", "subjects"), interval="bca")
    with pytest.raises(ValueError, match="at least 2 subjects"):
        bootstrap_statistic(statistic, n_subjects=1, over="subjects")
    with pytest.raises(ValueError, match="returned"):
        bootstrap_statistic(lambda k, w: np.ones((1 if w is None else len(w), 2 if w is
                                                  None else 3)), n_stimuli=5)
