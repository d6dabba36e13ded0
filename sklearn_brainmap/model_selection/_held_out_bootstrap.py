"""The bootstrap of :class:`HeldOutPredictions`: scores of every key under resamples
of subjects and stimuli, from the kept held-out predictions (nothing is refitted)."""

import numpy as np

from ..inference import bootstrap_statistic
from ._comparison_bootstrap import _aggregate


def selection(held_out, areas):
    """The profiles of ``areas`` and what the resampled statistic needs of them.

    Returns a dict: ``profiles`` (indices into ``held_out.profiles``), ``columns`` (their
    units, grouped by profile), ``sizes`` (units per profile), ``subjects`` (the
    subjects with a profile there, order of first appearance) and ``subject_index``
    (each profile's subject, an index into ``subjects``).
    """
    prof_areas = [a for _, a in held_out.profiles]
    if areas is None:
        chosen = list(range(len(held_out.profiles)))
    else:
        areas = list(np.atleast_1d(areas).tolist())
        unknown = [a for a in areas if a not in prof_areas]
        if not areas or unknown:
            raise ValueError(f"areas must be a non-empty list of the recorded areas "
                             f"{list(dict.fromkeys(prof_areas))}; got {areas!r}.")
        chosen = [k for k, a in enumerate(prof_areas) if a in areas]
    subjects = list(dict.fromkeys(held_out.profiles[k][0] for k in chosen))
    columns = [np.flatnonzero(held_out._owner == k) for k in chosen]
    return {"profiles": np.array(chosen), "columns": np.concatenate(columns),
            "sizes": [len(c) for c in columns], "subjects": subjects,
            "subject_index": np.array([subjects.index(held_out.profiles[k][0])
                                       for k in chosen])}


def _counts(counts, n, what):
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[1] != n:
        raise ValueError(f"{what} must be (n_resamples, {n}), got shape {counts.shape}.")
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise ValueError(f"{what} must hold non-negative counts.")
    return counts


def resampled_scores(held_out, keys, subject_counts, stimulus_counts, *, areas=None,
                     normalized=False, chosen=None):
    """``(n_resamples, n_keys)``: :meth:`HeldOutPredictions.scores_for_counts`."""
    chosen = selection(held_out, areas) if chosen is None else chosen
    n_stimuli = len(held_out.responses)
    W = (np.ones((1, n_stimuli)) if stimulus_counts is None
         else _counts(stimulus_counts, n_stimuli, "stimulus_counts"))
    K = (np.ones((1, len(chosen["subjects"]))) if subject_counts is None
         else _counts(subject_counts, len(chosen["subjects"]), "subject_counts"))
    if len(K) != len(W) and 1 not in (len(K), len(W)):
        raise ValueError(f"subject_counts and stimulus_counts must have as many rows "
                         f"(resamples); got {len(K)} and {len(W)}.")
    columns = chosen["columns"]
    medians = []
    for key in keys:
        r = held_out._pearson_for_counts(key, W, columns)
        if normalized:
            r = held_out._normalize(r, columns)
        medians.append(_aggregate(r, chosen["sizes"], "median"))  # (B_w, n_profiles)
    medians = np.stack(medians, axis=1)                            # (B_w, n_keys, n_prof)
    weights = K[:, chosen["subject_index"]][:, None, :] * np.isfinite(medians)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.sum(weights * np.nan_to_num(medians), axis=2)
                / np.sum(weights, axis=2))


def bootstrap_held_out(held_out, keys, *, areas, over, n_resamples, normalized,
                       confidence_level, interval, correction, random_state):
    """:meth:`HeldOutPredictions.bootstrap`."""
    chosen = selection(held_out, areas)

    def statistic(subject_weights, stimulus_weights):
        return resampled_scores(held_out, keys, subject_weights, stimulus_weights,
                                normalized=normalized, chosen=chosen)

    return bootstrap_statistic(
        statistic, n_subjects=len(chosen["subjects"]), n_stimuli=len(held_out.responses),
        over=over, n_resamples=n_resamples, confidence_level=confidence_level,
        interval=interval, correction=correction, names=list(keys),
        random_state=random_state)
