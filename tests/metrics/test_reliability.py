import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_brainmap.metrics import (
    ceiling_normalized_score,
    spearman_brown,
    split_half_reliability,
)


def loop_reliability(R, n_splits, seed):
    """The documented algorithm, one unit, stimulus and split at a time."""
    n_units, n_stimuli, n_repeats = R.shape
    keys = np.random.RandomState(seed).random_sample((n_splits, n_stimuli, n_repeats))
    out = np.full(n_units, np.nan)
    for u in range(n_units):
        corrected = []
        for s in range(n_splits):
            a, b = [], []
            for i in range(n_stimuli):
                available = np.flatnonzero(~np.isnan(R[u, i]))
                if len(available) < 2:
                    continue
                order = available[np.argsort(keys[s, i, available], kind="stable")]
                half = len(order) // 2
                a.append(R[u, i, order[:half]].mean())
                b.append(R[u, i, order[half:]].mean())
            if len(a) >= 3 and np.ptp(a) > 0 and np.ptp(b) > 0:
                r = np.corrcoef(a, b)[0, 1]
                corrected.append(2 * r / (1 + r))
        if corrected and np.mean(corrected) >= 0:
            out[u] = np.mean(corrected)
    return out


@pytest.mark.parametrize("name", ["ay4_u001.npz", "ay2_u007.npz"])
def test_real_repeats_match_a_direct_loop(shared_data, name):
    # Hénaff et al. (2021), macaque V1: (units, 484 stimuli, repeats), NaN = missing
    with np.load(shared_data / "henaff2021_v1" / name) as data:
        R = data["spike_counts"]
    assert np.isnan(R).any()
    ours = split_half_reliability(R, n_splits=3, random_state=7)
    expected = loop_reliability(R.astype(np.float64), 3, 7)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    np.testing.assert_allclose(ours, expected, rtol=1e-10)
    assert np.isfinite(ours).sum() > R.shape[0] // 2


def test_noise_free_repeats_are_perfectly_reliable(rng):
    signal = rng.gamma(2.0, 3.0, (6, 50, 1))
    R = np.repeat(signal, 8, axis=2)
    R[0, :5, 3:] = np.nan                      # missing repeats do not matter
    np.testing.assert_allclose(split_half_reliability(R, random_state=0), 1.0, rtol=1e-12)


def test_pure_noise_is_near_zero():
    rng = np.random.default_rng(3)
    R = rng.poisson(5.0, (40, 1000, 10)).astype(float)
    reliability = split_half_reliability(R, n_splits=5, random_state=0)
    # r over 1000 stimuli has sd ≈ 0.03; Spearman–Brown doubles it near 0
    assert np.nanmax(reliability) < 0.25
    assert 0.1 < np.isnan(reliability).mean() < 0.9   # negative ones are NaN


@pytest.mark.parametrize("n_repeats", [4, 10, 21])
def test_recovers_the_reliability_of_a_simulated_population(n_repeats):
    rng = np.random.default_rng(n_repeats)
    signal_sd = np.array([0.3, 0.6, 1.0, 2.0])
    signal = signal_sd[:, None, None] * rng.standard_normal((4, 3000, 1))
    R = signal + rng.standard_normal((4, 3000, n_repeats))
    # reliability of the mean of n repeats: s² / (s² + σ²/n)
    truth = signal_sd**2 / (signal_sd**2 + 1.0 / n_repeats)
    np.testing.assert_allclose(split_half_reliability(R, random_state=0), truth,
                               atol=0.03)


def test_undefined_and_negative_are_nan(rng):
    R = rng.standard_normal((3, 30, 6))
    R[0] = 0.0                                  # silent unit: undefined
    R[1, :, 1:] = np.nan                        # one repeat per stimulus: undefined
    R[2, :28, 2:] = np.nan
    R[2, :28, :2] = [1.0, -1.0]                 # halves anti-correlated: negative
    reliability = split_half_reliability(R, random_state=0)
    assert np.isnan(reliability).all()


def test_reproducible_and_blocked(rng, monkeypatch):
    import sklearn_brainmap.metrics._reliability as module

    R = rng.standard_normal((7, 20, 5)) + rng.standard_normal((7, 20, 1))
    R[rng.random(R.shape) < 0.2] = np.nan
    full = split_half_reliability(R, random_state=3)
    np.testing.assert_array_equal(full, split_half_reliability(R, random_state=3))
    original = module.column_blocks
    monkeypatch.setattr(module, "column_blocks",
                        lambda n, rows, item, budget=0: original(n, 1, 1, budget=2))
    np.testing.assert_allclose(full, split_half_reliability(R, random_state=3), rtol=1e-14)


def test_validation(rng):
    with pytest.raises(ValueError, match="n_units, n_stimuli, n_repeats"):
        split_half_reliability(rng.standard_normal((5, 4)))
    with pytest.raises(ValueError, match="at least 3 stimuli and 2 repeats"):
        split_half_reliability(rng.standard_normal((5, 4, 1)))
    with pytest.raises(ValueError, match="infinite"):
        split_half_reliability(np.full((2, 5, 3), np.inf))


@given(r=st.floats(-0.99, 1.0), n=st.floats(0.1, 20))
def test_spearman_brown(r, n):
    rho = spearman_brown(r, n)
    assert rho == pytest.approx(n * r / (1 + (n - 1) * r), rel=1e-12, abs=1e-15)
    assert spearman_brown(rho, 1 / n) == pytest.approx(r, rel=1e-9, abs=1e-12)
    assert spearman_brown(r, 1) == pytest.approx(r)


def test_ceiling_normalized_score():
    r = np.array([0.5, -0.5, 0.9, 0.4, np.nan])
    ceiling = np.array([0.5, 0.5, 0.6, np.nan, 0.8])
    with pytest.warns(UserWarning, match="1 of 5 .* not clipped"):
        score = ceiling_normalized_score(r, ceiling)
    np.testing.assert_allclose(score, [0.5, 0.5, 1.35, np.nan, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(ceiling_normalized_score(0.3, 0.0))
        assert np.isnan(ceiling_normalized_score(0.3, -0.2))
        assert ceiling_normalized_score(0.3, 0.9) == pytest.approx(0.1)
