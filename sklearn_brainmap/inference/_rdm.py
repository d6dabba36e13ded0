"""Bootstrap and permutation inference for RDM comparisons (rsatoolbox's conventions)."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..metrics._rank_correlations import _kendall
from ..metrics._rdm_ceiling import _prepared, _rdm_triangles, rdm_noise_ceiling
from ..metrics._rsa import COMPARISONS
from ._bootstrap import FACTORS, bootstrap_statistic
from ._intervals import permutation_p_value

#: Bytes of one batch of resampled rank vectors.
_BATCH_BYTES = 2**26


def _n_stimuli(n_pairs):
    return int(round((1 + np.sqrt(1 + 8 * n_pairs)) / 2))


def _weighted_ranks(x, W):
    """Average ranks of ``x`` repeated ``W[b, p]`` times, for every row ``b``.

    The rank of a value is the total weight below it plus ``(its tie weight + 1)/2``:
    the average rank :func:`scipy.stats.rankdata` gives each copy in the vector with
    the repeats written out.
    """
    order = np.argsort(x, kind="stable")
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(x)]
    C = np.zeros((len(W), len(x) + 1))
    np.cumsum(W[:, order], axis=1, out=C[:, 1:])
    below = C[:, starts[group]]
    ranks = np.empty_like(W)
    ranks[:, order] = below + (C[:, ends[group]] - below + 1) / 2
    return ranks


def _weighted_correlations(models, data, W, compare):
    """``(n_batch, n_models, n_subjects)`` comparisons with pair weights ``W``.

    ``W[b, p]`` is how many times pair ``p`` appears in resample ``b`` (the product of
    its two stimuli's counts; the pairs of a stimulus with its own copy are not
    pairs). Pearson: weighted correlation; Spearman: weighted correlation of the
    weighted average ranks; ρ-a: ``12 Σ w (r − r̄)(s − r̄) / (N³ − N)`` with ``N = Σ w``
    — each the comparison of the RDMs with the repeats written out, as rsatoolbox
    computes it.
    """
    total = W.sum(axis=1)
    if compare == "pearson":
        X = models[None] - (W @ models.T / total[:, None])[:, :, None]
        Y = data[None] - (W @ data.T / total[:, None])[:, :, None]
    else:
        mean_rank = ((total + 1) / 2)[:, None, None]
        X = np.stack([_weighted_ranks(m, W) for m in models], axis=1) - mean_rank
        Y = np.stack([_weighted_ranks(d, W) for d in data], axis=1) - mean_rank
    cross = np.matmul(X * W[:, None], Y.transpose(0, 2, 1))
    if compare == "rho_a":
        return 12 * cross / (total**3 - total)[:, None, None]
    sxx = np.einsum("bp,bmp->bm", W, X * X)
    syy = np.einsum("bp,bsp->bs", W, Y * Y)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cross / np.sqrt(sxx[:, :, None] * syy[:, None, :])


def _kendall_resampled(models, data, W, compare):
    """τ-a / τ-b per resample with the repeats written out (a loop: O(P log P) each)."""
    out = np.full((len(W), len(models), len(data)), np.nan)
    for b, w in enumerate(W):
        idx = np.repeat(np.arange(W.shape[1]), w.astype(np.intp))
        for i, m in enumerate(models[:, idx]):
            for j, d in enumerate(data[:, idx]):
                if np.ptp(m) > 0 and np.ptp(d) > 0:
                    out[b, i, j] = _kendall(m, d, compare)
    return out


def _rdm_statistic(models, data, compare):
    """The statistic of :func:`bootstrap_rdm_scores`: mean comparison of each model
    with the (resampled) subjects on the (resampled) stimuli."""
    n = _n_stimuli(models.shape[1])
    rows, cols = np.triu_indices(n, k=1)
    if compare in ("kendall", "tau_a"):
        full = np.array([[_kendall(m, d, compare) for d in data] for m in models])
    else:
        full = _prepared(models, compare) @ _prepared(data, compare).T

    def statistic(subject_weights, stimulus_weights):
        if stimulus_weights is None:
            C = full[None]
        else:
            W = stimulus_weights[:, rows] * stimulus_weights[:, cols]
            C = (_kendall_resampled if compare in ("kendall", "tau_a")
                 else _weighted_correlations)(models, data, W, compare)
            # rsatoolbox: fewer than 3 distinct stimuli leave no comparison
            C[np.count_nonzero(stimulus_weights, axis=1) < 3] = np.nan
        if subject_weights is None:
            return C.mean(axis=2)
        return np.einsum("bms,bs->bm", C, subject_weights) / subject_weights.sum(
            axis=1, keepdims=True)

    return statistic


@validate_params(
    {"model_rdms": ["array-like"], "data_rdms": ["array-like"],
     "compare": [StrOptions(COMPARISONS)],
     "over": [StrOptions(set(FACTORS)), tuple, list],
     "n_resamples": [Interval(Integral, 1, None, closed="left")],
     "confidence_level": [Interval(Real, 0, 1, closed="neither")],
     "interval": [StrOptions({"percentile", "bca"})], "correction": ["boolean"],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def bootstrap_rdm_scores(model_rdms, data_rdms, *, compare="spearman",
                         over=("stimuli", "subjects"), n_resamples=1000,
                         confidence_level=0.95, interval="percentile", correction=True,
                         random_state=None):
    """How well each model RDM predicts subjects' RDMs, with bootstrap intervals over
    stimuli, subjects or both, and paired tests between models.

    A model's score is its mean comparison with the subjects' RDMs,
    ``s_m = mean_s ρ(triu(M_m), triu(D_s))`` (``ρ`` as in
    :func:`~sklearn_brainmap.metrics.compare_rdms`). A resample draws subjects and/or
    stimuli with replacement; as in rsatoolbox, a stimulus drawn ``c`` times makes
    its pairs with another stimulus appear ``c c'`` times and its pairs with its own
    copies are left out (their dissimilarity is 0 by construction, trivially
    predicted). The comparisons of a resample are weighted sums over the pairs of the
    original RDMs — no RDM is rebuilt — and are vectorised over resamples except
    for Kendall's τ over stimuli (a loop; prefer ρ-a, its fast stand-in).

    Over both factors, the naive two-factor bootstrap overestimates the variance
    (each subject-by-stimulus interaction is counted about three times) and its
    intervals over-cover; Schütt et al.'s correction
    (:func:`two_factor_variance`) combines it with the two one-factor bootstraps.
    Resampling subjects only generalises to new subjects on these stimuli; stimuli
    only, to new stimuli for these subjects; both, to new subjects and stimuli.

    Parameters
    ----------
    model_rdms : array-like of shape (n_models, n_stimuli, n_stimuli) or \
(n_models, n_pairs)
    data_rdms : array-like of shape (n_subjects, n_stimuli, n_stimuli) or \
(n_subjects, n_pairs)
    compare : {"spearman", "pearson", "kendall", "tau_a", "rho_a"}, default="spearman"
        ``"kendall"`` is τ-b.
    over : {"stimuli", "subjects"} or ("stimuli", "subjects"), \
default=("stimuli", "subjects")
    n_resamples : int, default=1000
    confidence_level : float in (0, 1), default=0.95
    interval : {"percentile", "bca"}, default="percentile"
    correction : bool, default=True
        Schütt et al.'s two-factor correction (over both factors only).
    random_state : int, RandomState instance or None

    Returns
    -------
    result : BootstrapResult
        ``scores``, ``standard_error``, ``confidence_interval`` ``(2, n_models)``,
        paired ``differences`` with ``difference_confidence_interval``,
        ``difference_p_values`` ``(n_models, n_models)`` (and Holm-adjusted),
        ``n_undefined``, and the ``noise_ceiling`` ``(lower, upper)`` of the data
        (:func:`~sklearn_brainmap.metrics.rdm_noise_ceiling`, when there are 2 or
        more subjects).

    Raises
    ------
    ValueError
        For NaN in the RDMs, fewer than 3 stimuli, fewer than 2 subjects in a
        subject bootstrap, or RDMs of different sizes.

    References
    ----------
    Schütt, Kipnis, Diedrichsen & Kriegeskorte (2023), Statistical inference on
    representational geometries, *eLife* 12, e82566.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import bootstrap_rdm_scores
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.random(190)                                   # 20 stimuli
    >>> data = truth + rng.standard_normal((6, 190))              # 6 subjects
    >>> models = np.vstack([truth, rng.random(190)])
    >>> result = bootstrap_rdm_scores(models, data, n_resamples=200, random_state=0)
    >>> bool(result.difference_p_values[0, 1] < 0.05)
    True
    """
    models = _rdm_triangles(model_rdms, "model_rdms")
    data = _rdm_triangles(data_rdms, "data_rdms")
    if models.shape[1] != data.shape[1]:
        raise ValueError(f"model_rdms and data_rdms must have the same stimuli; got "
                         f"{_n_stimuli(models.shape[1])} and {_n_stimuli(data.shape[1])}.")
    for name, tri in (("model_rdms", models), ("data_rdms", data)):
        constant = np.flatnonzero(np.ptp(tri, axis=1) == 0)
        if constant.size:
            raise ValueError(f"{name} {constant[:10].tolist()} are constant: their "
                             "comparison with another RDM is undefined.")
    factors = (over,) if isinstance(over, str) else tuple(over)
    if "subjects" in factors and len(data) < 2:
        raise ValueError("A bootstrap over subjects needs at least 2 subjects in "
                         f"data_rdms; got {len(data)}. Use over='stimuli'.")
    batch = max(1, _BATCH_BYTES // (8 * models.shape[1] * (len(models) + len(data) + 2)))
    result = bootstrap_statistic(
        _rdm_statistic(models, data, compare), n_subjects=len(data),
        n_stimuli=_n_stimuli(models.shape[1]), over=over, n_resamples=n_resamples,
        confidence_level=confidence_level, interval=interval, correction=correction,
        random_state=random_state, batch_size=batch)
    if len(data) >= 2:
        result.noise_ceiling = rdm_noise_ceiling(data, compare=compare)
    return result


@validate_params(
    {"model_rdms": ["array-like"], "data_rdms": ["array-like"],
     "compare": [StrOptions(COMPARISONS - {"kendall", "tau_a"})],
     "n_permutations": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def rdm_permutation_test(model_rdms, data_rdms, *, compare="spearman",
                         n_permutations=1000, random_state=None):
    """Is each model's RDM score above chance? A stimulus-label permutation test.

    The null distribution permutes the stimulus labels of the model RDMs (rows and
    columns together, the same permutation for all subjects), which keeps each
    RDM's structure and breaks its correspondence with the data. The p-value is
    one-sided, :func:`permutation_p_value`. For Pearson, Spearman and ρ-a a
    permutation only reorders the prepared (ranked, centred) pairs, so all
    permutations are one matrix product.

    Parameters
    ----------
    model_rdms : array-like of shape (n_models, n_stimuli, n_stimuli) or \
(n_models, n_pairs)
    data_rdms : array-like of shape (n_subjects, n_stimuli, n_stimuli) or \
(n_subjects, n_pairs)
    compare : {"spearman", "pearson", "rho_a"}, default="spearman"
    n_permutations : int, default=1000
    random_state : int, RandomState instance or None

    Returns
    -------
    scores : ndarray of shape (n_models,)
        Mean comparison over subjects.
    p_values : ndarray of shape (n_models,)
    null : ndarray of shape (n_permutations, n_models)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import rdm_permutation_test
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.random(105)                                   # 15 stimuli
    >>> scores, p, null = rdm_permutation_test(
    ...     [truth, rng.random(105)], truth + rng.standard_normal((4, 105)),
    ...     n_permutations=200, random_state=0)
    >>> bool(p[0] < 0.05)
    True
    """
    models = _rdm_triangles(model_rdms, "model_rdms")
    data = _rdm_triangles(data_rdms, "data_rdms")
    if models.shape[1] != data.shape[1]:
        raise ValueError("model_rdms and data_rdms must have the same stimuli.")
    n = _n_stimuli(models.shape[1])
    rng = check_random_state(random_state)
    position = np.zeros((n, n), dtype=np.intp)
    rows, cols = np.triu_indices(n, k=1)
    position[rows, cols] = position[cols, rows] = np.arange(len(rows))
    prepared_models = _prepared(models, compare)
    mean_data = _prepared(data, compare).mean(axis=0)
    scores = prepared_models @ mean_data
    null = np.empty((n_permutations, len(models)))
    for k in range(n_permutations):  # one permutation: one product of (n_models, n_pairs)
        perm = rng.permutation(n)
        null[k] = prepared_models[:, position[perm[rows], perm[cols]]] @ mean_data
    return scores, permutation_p_value(scores, null), null
