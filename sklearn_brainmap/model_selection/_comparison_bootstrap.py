"""Bootstrap of a transform-class comparison over subjects and test stimuli, from the
held-out predictions of its folds (nothing is refitted)."""

import numpy as np

from ..inference._bootstrap import summarise
from ..inference._intervals import holm
from ..inference._resampling import (
    bootstrap_counts,
    column_score_statistics,
    resampled_column_scores,
)
from ._pairwise import _columns


def draw_weights(n_subjects, n_stimuli, n_resamples, rng):
    """Subject and stimulus counts of the three bootstraps (both; subjects only;
    stimuli only), shared by every cell so that differences are paired."""
    return {"both": (bootstrap_counts(n_subjects, n_resamples, random_state=rng),
                     bootstrap_counts(n_stimuli, n_resamples, random_state=rng)),
            "subjects": (bootstrap_counts(n_subjects, n_resamples, random_state=rng),
                         None),
            "stimuli": (None, bootstrap_counts(n_stimuli, n_resamples, random_state=rng))}


def resampled_fold_matrices(mapping, X_test, Y_test, stimulus_weights, scoring,
                            aggregate):
    """Held-out score matrices ``(n_resamples, n_profiles, n_profiles)`` of one fold
    under each stimulus reweighting of its test stimuli.

    The unit scores of every mapping ``s → t`` are recomputed from per-stimulus
    sufficient statistics of its held-out predictions
    (:func:`~sklearn_brainmap.inference.column_score_statistics`), then aggregated
    over each target profile's units as :meth:`PairwiseMapping.score_matrix` does.
    """
    n = len(mapping.profiles_)
    cols = mapping._columns
    B = len(stimulus_weights)
    M = np.full((B, n, n), np.nan)
    for s, fitted in enumerate(mapping.estimators_):
        targets = [t for t in range(n) if t != s]
        X_s = _columns(X_test, cols[s])
        if isinstance(fitted, list):
            pred = np.hstack([np.reshape(f.predict(X_s), (len(X_s), -1)) for f in fitted])
        else:
            pred = np.reshape(fitted.predict(X_s), (len(X_s), -1))
        true = _columns(Y_test, np.concatenate([cols[t] for t in targets]))
        scores = resampled_column_scores(column_score_statistics(true, pred),
                                         stimulus_weights, score=scoring)
        M[:, s, targets] = _aggregate(scores, [len(cols[t]) for t in targets], aggregate)
    return M


def _aggregate(scores, sizes, aggregate):
    """Median (or mean) of each target's block of unit scores, NaN left out, for all
    resamples at once: the blocks padded with NaN into ``(B, n_targets, max_size)``
    and sorted once (NaN sort last)."""
    B, width = len(scores), max(sizes)
    padded = np.full((B, len(sizes), width), np.nan)
    target = np.repeat(np.arange(len(sizes)), sizes)
    position = np.concatenate([np.arange(k) for k in sizes])
    padded[:, target, position] = scores
    m = np.sum(np.isfinite(padded), axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregate == "mean":
            return np.nansum(padded, axis=2) / np.where(m > 0, m, np.nan)
        padded.sort(axis=2)
        low = np.take_along_axis(padded, np.maximum(m - 1, 0)[..., None] // 2, axis=2)
        high = np.take_along_axis(padded, (m // 2)[..., None], axis=2)
        return np.where(m > 0, (low[..., 0] + high[..., 0]) / 2, np.nan)


def _pair_weights(K, subject_index):
    """``(B, n, n)`` weights of profile pairs in subject resamples ``K``.

    Profiles of different subjects: ``k_s k_t`` (every copy with every copy); of the
    same subject: ``k_s`` (within each copy only: a subject's profiles are never
    paired with its own copy); the diagonal 0.
    """
    k = K[:, subject_index]
    same = subject_index[:, None] == subject_index[None, :]
    W = np.where(same[None], k[:, :, None], k[:, :, None] * k[:, None, :])
    W[:, np.arange(len(subject_index)), np.arange(len(subject_index))] = 0.0
    return W


def weighted_predictivity(M, K, subject_index, area_index):
    """Same-area predictivity of each resample: the weighted mean of ``M[b, s, t]``
    over pairs of the same area and different subjects."""
    W = _pair_weights(K, subject_index)
    mask = ((area_index[:, None] == area_index[None, :])
            & (subject_index[:, None] != subject_index[None, :]))
    W = W * mask
    W = np.where(np.isnan(M), 0.0, W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(W * np.nan_to_num(M), axis=(1, 2)) / W.sum(axis=(1, 2))


def weighted_silhouette(M, K, subject_index, area_index):
    """Mean silhouette of ``D = 1 − (M + Mᵀ)/2`` with areas as clusters, each profile
    counted as often as its subject was drawn (pairs with a subject's own copy left
    out). With all counts 1 it is :func:`area_silhouette`."""
    D = 1.0 - (M + M.transpose(0, 2, 1)) / 2
    n = D.shape[1]
    D[:, np.arange(n), np.arange(n)] = 0.0
    W = _pair_weights(K, subject_index)
    areas = np.unique(area_index)
    onehot = (area_index[:, None] == areas[None, :]).astype(float)  # (n, n_areas)
    with np.errstate(invalid="ignore", divide="ignore"):
        sums = np.einsum("bij,ja->bia", W * D, onehot)
        counts = np.einsum("bij,ja->bia", W, onehot)
        mean = sums / counts  # (B, n, n_areas): mean dissimilarity to each area
        own = onehot.astype(bool)[None]
        a = np.where(own, mean, 0.0).sum(axis=2)
        b = np.where(own | (counts == 0), np.inf, mean).min(axis=2)
        s = (b - a) / np.maximum(a, b)
        # a profile alone in its area (in the resample) scores 0, as in scikit-learn
        alone = (np.where(own, counts, 0.0).sum(axis=2) == 0)
        s = np.where(alone, 0.0, s)
        weight = K[:, subject_index]
        silhouette = np.nansum(weight * s, axis=1) / weight.sum(axis=1)
    # one distinct subject: every area has one profile, the silhouette is undefined
    return np.where(np.count_nonzero(K, axis=1) >= 2, silhouette, np.nan)


def bootstrap_comparison(cells, folds, weights, subject_index, area_index, n_stimuli, *,
                         confidence_level):
    """A BootstrapResult over the columns ``(recording, class, "predictivity" |
    "silhouette")`` of every cell.

    ``folds[cell]`` is ``(S, R)``: the score matrices of the folds ``(n_folds, n, n)``
    and their resamples ``(n_folds, 2 n_resamples, n, n)`` (first the two-factor
    stimulus weights, then the stimulus-only ones), or ``R=None`` for a similarity
    function, whose score is not a sum over stimuli: it is resampled over subjects
    only. Each statistic is the mean over folds, as the summary's.
    """
    n_subjects = int(subject_index.max()) + 1
    B = len(weights["subjects"][0])
    ones = np.ones((B, n_subjects))
    names, estimate = [], []
    draws = {"both": [], "subjects": [], "stimuli": []}
    for cell in cells:
        S, R = folds[cell]
        for what, fn in (("predictivity", weighted_predictivity),
                         ("silhouette", weighted_silhouette)):
            if what == "predictivity" and R is None:
                continue
            names.append((cell[0], cell[1], what))
            estimate.append(np.mean([fn(S_f[None], ones[:1], subject_index, area_index)[0]
                                     for S_f in S]))
            for key in draws:
                K = weights[key][0]
                per_fold = []
                for f, S_f in enumerate(S):
                    if R is None or key == "subjects":
                        M = S_f[None]
                    else:
                        M = R[f, :B] if key == "both" else R[f, B:]
                    per_fold.append(fn(M, ones if K is None else K, subject_index,
                                       area_index))
                draws[key].append(np.mean(per_fold, axis=0))
    draws = {k: np.column_stack(v) for k, v in draws.items()}
    return summarise(np.array(estimate), draws,
                     {"subjects": n_subjects, "stimuli": n_stimuli},
                     confidence_level=confidence_level, names=names)


def paired_differences(result, class_a, class_b, responses):
    """:meth:`ComparisonResult.compare`."""
    if result.bootstrap is None:
        raise ValueError("compare needs intervals: run compare_transform_classes with "
                         "n_bootstraps > 0.")
    cells = result.cells()
    for name in (class_a, class_b):
        if (responses, name) not in cells:
            raise ValueError(f"No cell ({responses!r}, {name!r}); the cells are {cells}.")
    b = result.bootstrap
    out = {}
    for what in ("predictivity", "silhouette"):
        i, j = (result._column(responses, c, what) for c in (class_a, class_b))
        if i is None or j is None:
            out[what] = None
            continue
        # Holm over the family of this recording and score: every pair of its classes
        family = [k for k, name in enumerate(b.names) if name[0] == responses
                  and name[2] == what]
        rows, cols = np.triu_indices(len(family), k=1)
        p_family = b.difference_p_values[np.array(family)[rows], np.array(family)[cols]]
        adjusted = holm(p_family)
        pair = {frozenset((family[r], family[c])): a
                for r, c, a in zip(rows, cols, adjusted)}
        out[what] = {
            "difference": float(b.differences[i, j]),
            "confidence_interval": b.difference_confidence_interval[:, i, j].tolist(),
            "p_value": float(b.difference_p_values[i, j]),
            "p_value_holm": float(pair[frozenset((i, j))])}
    return out
