"""Findings on the Allen Neuropixels mice (Siegle et al., 2021; the real-data check of
Thobani et al.), skipped where the shared data are absent.

Same-area predictivity with N−1 pooling over mice: Ridge predicts a mouse's units from
the other mice's units of the same area better than SoftMatching and OneToOne do. The
claim is the paired difference of the two classes' same-area predictivity (mean over
(mouse, area) profiles of the median unit Pearson r, square-root rates), with its 95 %
interval over mice *and* scenes (:meth:`HeldOutPredictions.bootstrap`, 1,000
resamples of both, Schütt et al.'s correction): the interval must lie above 0. To stay
fast the check uses 3 folds over scenes; `brainmap --dataset
siegle2021_allen_neuropixels` uses 5 (see the user guide for its intervals).
"""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import KFold

from sklearn_brainmap import OneToOne, Ridge, SoftMatching
from sklearn_brainmap.datasets import load_siegle2021_allen_neuropixels
from sklearn_brainmap.model_selection import pooled_predictions
from sklearn_brainmap.utils import ConstantUnitWarning

from .conftest import SHARED_DATA


@pytest.fixture(scope="module")
def mice():
    if not (SHARED_DATA / "siegle2021_allen_neuropixels").is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (only in the project's "
                    "workspace)")
    data = load_siegle2021_allen_neuropixels(SHARED_DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN-padded trials
        X = np.nanmean(np.sqrt(data.trials), axis=2).T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        return pooled_predictions(
            {"Ridge": Ridge(), "SoftMatching": SoftMatching(), "OneToOne": OneToOne()},
            X, data.subjects, data.areas,
            cv=KFold(3, shuffle=True, random_state=0))


@pytest.fixture(scope="module")
def intervals(mice):
    return mice.bootstrap(over=("stimuli", "subjects"), n_resamples=1000, random_state=0)


@pytest.mark.parametrize("other", ["SoftMatching", "OneToOne"])
def test_ridge_beats_strict_classes_in_same_area_predictivity(mice, intervals, other):
    assert intervals.names == ["Ridge", "SoftMatching", "OneToOne"]
    assert len(mice.resampled_subjects()) == len(set(mice.subjects.tolist())) >= 2
    i, j = intervals.names.index("Ridge"), intervals.names.index(other)
    assert intervals.n_undefined.sum() == 0
    assert intervals.differences[i, j] == pytest.approx(mice.score("Ridge")
                                                        - mice.score(other))
    low, high = intervals.difference_confidence_interval[:, i, j]
    assert low > 0, (low, high)
    assert intervals.difference_p_values_holm[i, j] < 0.05
