"""Findings on the Allen Neuropixels mice (Siegle et al., 2021; the real-data check of
Thobani et al.), skipped where the shared data are absent.

Same-area predictivity with N−1 pooling over mice: Ridge predicts a mouse's units from
the other mice's units of the same area better than SoftMatching and OneToOne do. The
claim is checked per mouse (each mouse's mean over its profiles of the median unit
Pearson r, square-root rates), as a one-sided sign test over the 21 mice. To stay
fast, the check uses 3 folds over scenes; `brainmap --dataset
siegle2021_allen_neuropixels` uses 5 (Ridge > SoftMatching and Ridge > OneToOne in
21/21 mice there).
The interval version (each paired difference's 95 % interval over mice and scenes above
0) is to come with the inference subpackage.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import binomtest
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


@pytest.mark.parametrize("other", ["SoftMatching", "OneToOne"])
def test_ridge_beats_strict_classes_in_same_area_predictivity(mice, other):
    diffs = np.array(list(mice.paired_differences("Ridge", other).values()))
    assert np.isfinite(diffs).all() and diffs.size == len(set(mice.subjects.tolist()))
    assert diffs.mean() > 0
    assert binomtest(int(np.sum(diffs > 0)), diffs.size, alternative="greater").pvalue < 0.01
    assert mice.score("Ridge") > mice.score(other)
