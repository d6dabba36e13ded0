"""Bootstrap intervals of the population helpers, from held-out predictions computed
once per fold (nothing is refitted per resample)."""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from ..inference._bootstrap import summarise
from ..inference._resampling import (
    bootstrap_counts,
    column_score_statistics,
    resampled_column_scores,
)
from ..utils import ConstantUnitWarning, check_folds
from ._comparison_bootstrap import _aggregate


def held_out_statistics(estimator, X, Y, cv):
    """``[(test, statistics)]`` per fold: the sufficient statistics of the held-out
    predictions of ``Y`` from ``X`` (:func:`column_score_statistics`)."""
    out = []
    for train, test in check_folds(cv, X, Y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConstantUnitWarning)
            fitted = clone(estimator).fit(X[train], Y[train])
        pred = np.reshape(fitted.predict(X[test]), (len(test), -1))
        out.append((test, column_score_statistics(Y[test], pred)))
    return out


def unit_scores_under(folds, weights, scoring):
    """Fold-mean unit scores ``(n_resamples, n_units)`` under stimulus ``weights``
    ``(n_resamples, n_stimuli)``; a unit undefined in every fold is NaN."""
    per_fold = np.array([resampled_column_scores(stats, weights[:, test], score=scoring)
                         for test, stats in folds])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN units stay NaN
        return np.nanmean(per_fold, axis=0)


def aggregate_under(folds, weights, scoring, aggregate):
    """The aggregate over units of :func:`unit_scores_under`, ``(n_resamples,)``."""
    scores = unit_scores_under(folds, weights, scoring)
    return _aggregate(scores, [scores.shape[1]], aggregate)[:, 0]


def stimulus_bootstrap(estimate, columns, n_stimuli, *, n_bootstraps, random_state,
                       confidence_level, names):
    """BootstrapResult of statistics ``columns(weights) -> (n_resamples, n)`` over
    stimuli."""
    W = bootstrap_counts(n_stimuli, n_bootstraps, random_state=random_state)
    return summarise(estimate, {"stimuli": columns(W)}, {"stimuli": n_stimuli},
                     confidence_level=confidence_level, names=names)


def area_bootstrap(profile_folds, profiles, n_stimuli, scoring, aggregate, *,
                   n_bootstraps, random_state, confidence_level):
    """Per-profile intervals over stimuli, and per-area means over subjects and
    stimuli (two factors, corrected; one factor where an area has one profile)."""
    rng = check_random_state(random_state)
    subjects = list(dict.fromkeys(s for s, _ in profiles))
    areas = list(dict.fromkeys(a for _, a in profiles))
    subject_index = np.array([subjects.index(s) for s, _ in profiles])
    area_of = np.array([areas.index(a) for _, a in profiles])
    ones = np.ones((1, n_stimuli))
    full = np.array([aggregate_under(f, ones, scoring, aggregate)[0]
                     for f in profile_folds])
    K_both = bootstrap_counts(len(subjects), n_bootstraps, random_state=rng)
    K_subj = bootstrap_counts(len(subjects), n_bootstraps, random_state=rng)
    W = bootstrap_counts(n_stimuli, 2 * n_bootstraps, random_state=rng)
    resampled = np.column_stack([aggregate_under(f, W, scoring, aggregate)
                                 for f in profile_folds])      # (2B, n_profiles)
    per_profile = summarise(full, {"stimuli": resampled[n_bootstraps:]},
                            {"stimuli": n_stimuli}, confidence_level=confidence_level,
                            names=list(profiles), pairwise=False)
    onehot = (area_of[:, None] == np.arange(len(areas))[None]).astype(float)

    def area_means(K, scores):
        weight = K[:, subject_index] * np.isfinite(scores)   # (B, n_profiles)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (np.nan_to_num(scores) * weight) @ onehot / (weight @ onehot)

    ones_k = np.ones((n_bootstraps, len(subjects)))
    draws = {"both": area_means(K_both, resampled[:n_bootstraps]),
             "subjects": area_means(K_subj, full[None]),
             "stimuli": area_means(ones_k, resampled[n_bootstraps:])}
    estimate = area_means(np.ones((1, len(subjects))), full[None])[0]
    if len(subjects) < 2:
        draws = {"stimuli": draws["stimuli"]}
    per_area = summarise(estimate, draws, {"subjects": len(subjects),
                                           "stimuli": n_stimuli},
                         confidence_level=confidence_level, names=areas)
    return per_profile, per_area
