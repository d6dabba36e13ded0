"""Calibration: on simulated studies with a known population value, 95 % intervals
cover it in 93–97 % of 2000 studies; paired-difference p-values are uniform under the
null; the naive two-factor interval over-covers.

The population (``inference._simulations``): scores ``μ_m + a_s + b_i + e_si`` with
skewed (gamma) subject and stimulus effects drawn from 20,000 of each and an
interaction; a study draws 40 subjects and 60 stimuli. The population value depends on
what the claim generalises to: new subjects on these stimuli (``over="subjects"``),
new stimuli for these subjects (``"stimuli"``), or both.
"""

import numpy as np
import pytest
from scipy import stats

from sklearn_brainmap.inference._simulations import additive_calibration

BOTH = ("stimuli", "subjects")
SIZES = {"n_subjects": 40, "n_stimuli": 60, "n_replications": 2000}


@pytest.mark.parametrize("over", ["stimuli", "subjects", BOTH])
def test_intervals_cover_the_population_value(over):
    covered, _ = additive_calibration(over, seed=0, **SIZES)
    # columns: method 0, method 1, their paired difference; over 2000 studies the
    # Monte-Carlo standard error of a coverage near 0.95 is 0.005
    assert covered.shape == (2000, 3)
    coverage = covered.mean()
    assert 0.93 <= coverage <= 0.97, covered.mean(axis=0)


def test_naive_two_factor_interval_over_covers():
    # a subject-by-stimulus interaction twice the main effects: the naive bootstrap
    # counts it about three times
    sizes = dict(SIZES, n_replications=500)
    corrected, _ = additive_calibration(BOTH, seed=0, sd_interaction=1.0, **sizes)
    naive, _ = additive_calibration(BOTH, correction=False, seed=0, sd_interaction=1.0,
                                    **sizes)
    assert naive.mean() > 0.97, naive.mean(axis=0)
    assert 0.93 <= corrected.mean() <= 0.97, corrected.mean(axis=0)


@pytest.mark.parametrize("over", ["stimuli", "subjects", BOTH])
def test_difference_p_values_are_uniform_under_the_null(over):
    # one factor: methods that share their subject and stimulus effects, so that they
    # do not differ for the study's own subjects (or stimuli) either; both factors:
    # methods with their own effects and the same population mean
    _, p = additive_calibration(over, seed=1, shared_effects=over != BOTH, **SIZES)
    assert p.shape == (2000,)
    assert stats.kstest(p, "uniform").pvalue > 0.01
    assert 0.03 <= np.mean(p < 0.05) <= 0.07


def test_power_at_a_stated_effect():
    # a difference of 0.05 between the methods' population means (subject and stimulus
    # effects of SD 0.1, interaction 0.5): 0.59 of 1000 studies rejected at 0.05
    # (benchmarks/calibration_inference.py); the test only checks it is neither
    # powerless nor certain
    _, p = additive_calibration(BOTH, seed=2, difference=0.05,
                                **dict(SIZES, n_replications=500))
    power = np.mean(p < 0.05)
    assert 0.5 < power < 0.9, power
