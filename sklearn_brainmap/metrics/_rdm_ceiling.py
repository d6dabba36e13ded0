"""Noise ceiling of a set of subjects' RDMs, and row-wise RDM comparisons."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils._array_api import check_namespace_support
from ._rank_correlations import _average_ranks, _kendall, _rho_a_normalized
from ._rsa import COMPARISONS


def _rdm_triangles(rdms, name="rdms", *, min_rdms=1):
    """Upper triangles ``(n_rdms, n_pairs)`` (float64, a copy) of square or condensed
    RDMs, with an error naming ``name`` for a wrong shape, too few stimuli or RDMs, or
    NaN / infinite values."""
    rdms = np.asarray(rdms, dtype=np.float64)
    if rdms.ndim == 3:
        if rdms.shape[1] != rdms.shape[2] or rdms.shape[1] < 3:
            raise ValueError(f"Square {name} must have shape (n_rdms, n_stimuli, "
                             f"n_stimuli) with at least 3 stimuli; got {rdms.shape}.")
        rows, cols = np.triu_indices(rdms.shape[1], k=1)
        triangles = rdms[:, rows, cols]
    elif rdms.ndim == 2 and rdms.shape[1] >= 3:
        triangles = rdms.copy()
    else:
        raise ValueError(f"{name} must have shape (n_rdms, n_stimuli, n_stimuli) or "
                         f"(n_rdms, n_pairs) with at least 3 stimuli; got {rdms.shape}.")
    n_stimuli = (1 + np.sqrt(1 + 8 * triangles.shape[1])) / 2
    if n_stimuli != int(n_stimuli):
        raise ValueError(f"{name} has {triangles.shape[1]} values per condensed RDM, not "
                         "n(n-1)/2 for any number of stimuli n.")
    if len(triangles) < min_rdms:
        raise ValueError(f"{name} must hold at least {min_rdms} RDM(s); got "
                         f"{len(triangles)}.")
    if not np.isfinite(triangles).all():
        bad = np.flatnonzero(~np.isfinite(triangles).all(axis=1))
        raise ValueError(f"{name} contain NaN or infinite values (RDM(s) "
                         f"{bad[:10].tolist()}); remove those RDMs or fill the missing "
                         "dissimilarities.")
    return triangles


def _prepared(triangles, compare):
    """Rows prepared so that a row-wise dot product is the comparison (Pearson,
    Spearman, ρ-a), or the ranks / values for Kendall's τ."""
    if compare in ("spearman", "rho_a", "kendall", "tau_a"):
        triangles = np.array([_average_ranks(t.copy()) for t in triangles])
    if compare == "rho_a":
        return _rho_a_normalized(triangles)
    if compare in ("spearman", "pearson"):
        triangles = triangles - triangles.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return triangles / np.linalg.norm(triangles, axis=1, keepdims=True)
    return triangles


def rowwise_compare(A, B, compare):
    """``compare`` of ``A[i]`` with ``B[i]`` for every row (triangles of equal length).

    NaN where a row is constant (the correlation is undefined).
    """
    if compare in ("kendall", "tau_a"):
        out = np.full(len(A), np.nan)
        for i, (a, b) in enumerate(zip(A, B)):
            if np.ptp(a) > 0 and np.ptp(b) > 0:
                out[i] = _kendall(a, b, compare)
        return out
    return np.einsum("ij,ij->i", _prepared(A, compare), _prepared(B, compare))


def _pooled(triangles, compare):
    """Each subject's RDM transformed before averaging, as rsatoolbox's ``pool_rdm``
    does: z-scored (Pearson) or ranked (the rank comparisons)."""
    if compare == "pearson":
        centred = triangles - triangles.mean(axis=1, keepdims=True)
        return centred / centred.std(axis=1, keepdims=True)
    return np.array([_average_ranks(t.copy()) for t in triangles])


@validate_params(
    {"rdms": ["array-like"], "compare": [StrOptions(COMPARISONS)]},
    prefer_skip_nested_validation=True,
)
def rdm_noise_ceiling(rdms, *, compare="spearman"):
    """Lower and upper bounds of the best score any model RDM can reach on subjects'
    RDMs (Nili et al. 2014).

    The score of a model is its mean comparison with the subjects' RDMs (as
    :func:`compare_rdms`). The best single RDM is approximated by the subjects' average
    after a transform that suits the comparison (z-scores for ``"pearson"``, ranks for
    the rank comparisons):

    - ``upper = mean_s ρ(D̄, D_s)`` with ``D̄`` the average of all subjects (it has seen
      ``D_s``, so it overfits: an upper bound);
    - ``lower = mean_s ρ(D̄₋ₛ, D_s)`` with ``D̄₋ₛ`` the average of the other subjects
      (leave one subject out: a lower bound).

    These are rsatoolbox's ``boot_noise_ceiling`` bounds, computed without a loop over
    subjects for Pearson, Spearman and ρ-a.

    Parameters
    ----------
    rdms : array-like of shape (n_subjects, n_stimuli, n_stimuli) or \
(n_subjects, n_pairs)
        One RDM per subject (square, only the upper triangle is read, or condensed).
    compare : {"spearman", "pearson", "kendall", "tau_a", "rho_a"}, default="spearman"
        ``"kendall"`` is Kendall's τ-b (the average of ranks then stands in for the
        best RDM, as in rsatoolbox).

    Returns
    -------
    lower : float
    upper : float

    Raises
    ------
    ValueError
        For fewer than 2 subjects, fewer than 3 stimuli, NaN or infinite values, or a
        constant RDM.

    References
    ----------
    Nili et al. (2014), A toolbox for representational similarity analysis,
    *PLoS Comput. Biol.* 10, e1003553.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import rdm_noise_ceiling
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.random(45)
    >>> rdms = truth + 0.3 * rng.standard_normal((8, 45))
    >>> lower, upper = rdm_noise_ceiling(rdms)
    >>> bool(0 < lower < upper < 1)
    True
    """
    check_namespace_support("rdm_noise_ceiling", rdms)
    triangles = _rdm_triangles(rdms, "rdms", min_rdms=2)
    constant = np.ptp(triangles, axis=1) == 0
    if constant.any():
        raise ValueError(f"rdms {np.flatnonzero(constant)[:10].tolist()} are constant (all "
                         "stimulus pairs equally dissimilar): their correlation with "
                         "another RDM is undefined.")
    n = len(triangles)
    pooled = _pooled(triangles, compare)
    total = pooled.sum(axis=0)
    all_subjects = np.broadcast_to(total / n, triangles.shape)
    others = (total - pooled) / (n - 1)
    upper = rowwise_compare(all_subjects, triangles, compare)
    lower = rowwise_compare(others, triangles, compare)
    return float(np.mean(lower)), float(np.mean(upper))
