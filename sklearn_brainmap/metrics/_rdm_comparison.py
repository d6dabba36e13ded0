"""Comparison of many RDMs at once: every pair of a stack of RDMs (an fMRI study's
subjects, a model's layers)."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils._array_api import check_namespace_support
from ._rank_correlations import _kendall, _rho_a_normalized
from ._rsa import COMPARISONS, _comparable
from ._validation import refuse_rdm_objects


@validate_params(
    {"rdms": ["array-like"], "compare": [StrOptions(COMPARISONS)]},
    prefer_skip_nested_validation=True,
)
def compare_rdms(rdms, *, compare="spearman"):
    """Representational similarity between every pair of a set of RDMs.

    ``S[i, j] = ρ(triu(D_i), triu(D_j))`` over the stimulus pairs (``k=1``), with ``ρ``
    the Spearman rank correlation (default), the Pearson correlation, Kendall's τ-b
    (``"kendall"``), Kendall's τ-a (``"tau_a"``) or Spearman's ρ-a (``"rho_a"``), as in
    :func:`rsa_score` — for data that come as RDMs (or RSMs turned into RDMs), not
    responses: the profiles of an fMRI study, say. Spearman, ρ-a and Pearson are one
    matrix product of the ranked (or raw), centred and normalised triangles.

    With ``n₀ = n(n−1)/2`` pairs of dissimilarities, ``n_c`` / ``n_d`` the concordant /
    discordant ones and ``n₁``, ``n₂`` those tied in the first / second RDM:

    - ``"kendall"`` is τ-b, ``(n_c − n_d) / sqrt((n₀ − n₁)(n₀ − n₂))``
      (:func:`scipy.stats.kendalltau`'s default);
    - ``"tau_a"`` is τ-a, ``(n_c − n_d) / n₀``: a tied prediction earns nothing, so a
      categorical model (few distinct dissimilarities) is not favoured over a graded
      one; rsatoolbox's recommended comparison for such models (Nili et al. 2014);
    - ``"rho_a"`` is ρ-a, ``12 Σ (r_i − r̄)(s_i − s̄) / (n³ − n)`` on average ranks:
      the expected Spearman correlation under random tie breaking, a fast stand-in
      for τ-a (Schütt et al. 2023).

    With ties, τ-a and ρ-a of an RDM with itself are below 1; the diagonal of ``S``
    holds those values (the other comparisons: exactly 1).

    Parameters
    ----------
    rdms : array-like of shape (n_rdms, n_stimuli, n_stimuli) or (n_rdms, n_pairs)
        Square RDMs (only their upper triangles are read) or condensed ones
        (the ``n(n−1)/2`` upper-triangle values in row-major order, as
        ``rdm(X, condensed=True)`` gives).
    compare : {"spearman", "pearson", "kendall", "tau_a", "rho_a"}, default="spearman"
        ``"kendall"`` is Kendall's τ-b.

    Returns
    -------
    S : ndarray of shape (n_rdms, n_rdms)
        Symmetric; ones on the diagonal (τ-a, ρ-a: see above).

    Raises
    ------
    ValueError
        For NaN or infinite values, fewer than 3 stimuli (condensed: 3 pairs), or a
        constant RDM (its correlation is undefined).

    References
    ----------
    Kriegeskorte, Mur & Bandettini (2008), Representational similarity analysis:
    connecting the branches of systems neuroscience, *Front. Syst. Neurosci.* 2, 4.

    Nili et al. (2014), A toolbox for representational similarity analysis,
    *PLoS Comput. Biol.* 10, e1003553.

    Schütt, Kipnis, Diedrichsen & Kriegeskorte (2023), Statistical inference on
    representational geometries, *eLife* 12, e82566.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import compare_rdms, rdm, rsa_score
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((12, 5)), rng.standard_normal((12, 5))
    >>> S = compare_rdms([rdm(X), rdm(Y), rdm(2 * X + 1)])
    >>> bool(np.isclose(S[0, 1], rsa_score(X, Y))), round(float(S[0, 2]), 12)
    (True, 1.0)
    """
    refuse_rdm_objects(rdms, "rdms")
    check_namespace_support("compare_rdms", rdms)
    rdms = np.asarray(rdms, dtype=np.float64)
    if rdms.ndim == 3:
        if rdms.shape[1] != rdms.shape[2] or rdms.shape[1] < 3:
            raise ValueError("Square RDMs must have shape (n_rdms, n_stimuli, n_stimuli) "
                             f"with at least 3 stimuli; got {rdms.shape}.")
        rows, cols = np.triu_indices(rdms.shape[1], k=1)
        triangles = rdms[:, rows, cols]
    elif rdms.ndim == 2 and rdms.shape[1] >= 3:
        triangles = rdms.copy()
    else:
        raise ValueError("rdms must have shape (n_rdms, n_stimuli, n_stimuli) or "
                         f"(n_rdms, n_pairs) with at least 3 pairs; got {rdms.shape}.")
    if not np.isfinite(triangles).all():
        raise ValueError("rdms contain NaN or infinite values.")
    triangles = np.array([_comparable(t, f"RDM {k}", compare)
                          for k, t in enumerate(triangles)])
    if compare in ("kendall", "tau_a"):
        n = len(triangles)
        S = np.eye(n) if compare == "kendall" else np.diag(
            [_kendall(t, t, "tau_a") for t in triangles])
        for i in range(n):
            for j in range(i + 1, n):
                S[i, j] = S[j, i] = _kendall(triangles[i], triangles[j], compare)
        return S
    if compare == "rho_a":
        triangles = _rho_a_normalized(triangles)
        return triangles @ triangles.T
    triangles -= triangles.mean(axis=1, keepdims=True)
    triangles /= np.linalg.norm(triangles, axis=1, keepdims=True)
    S = np.clip(triangles @ triangles.T, -1.0, 1.0)
    np.fill_diagonal(S, 1.0)
    return S
