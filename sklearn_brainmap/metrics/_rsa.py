"""Representational dissimilarity matrices (RDMs) and representational similarity analysis."""

import numpy as np
from scipy import stats
from sklearn.utils import check_array
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils import check_response_matrix, check_same_stimuli, constant_columns
from ..utils._array_api import check_namespace_support, namespace_and_device, to_namespace
from ..utils._stats import power_of_two_exponents, rescaled
from . import _namespace as _ns
from ._rank_correlations import _average_ranks, _kendall, _rho_a_normalized

RDM_METRICS = {"correlation", "euclidean", "cosine"}
COMPARISONS = {"spearman", "pearson", "kendall", "tau_a", "rho_a"}
#: Comparisons that NumPy alone computes (no array-API path).
_NUMPY_ONLY = {"kendall", "tau_a", "rho_a"}

#: Bytes for one block of dot products when an RDM is built in its condensed form.
_BLOCK_BYTES = 2**27


def _prepared_rows(X, metric):
    """Rows of ``X`` transformed so that distances are a function of dot products.

    Returns the rows, for ``"euclidean"`` their squared norms (else None), and the
    exponent ``e`` of the power of two that ``X`` was divided by (``"euclidean"``:
    distances of the prepared rows times ``2**e`` are those of ``X``; 0 otherwise).
    Dividing by a power of two is exact: data at 1e-200 or 1e200 give the same
    distances (relative to their scale) as data at 1, without underflow or overflow of
    the squares.
    """
    if metric == "euclidean":
        U, e = rescaled(X)
        U -= U.mean(axis=0)  # a common translation: no change, less cancellation
        return U, np.einsum("ij,ij->i", U, U), int(e)
    # correlation and cosine distances do not depend on the scale of each row
    U, _ = rescaled(X, axis=1)
    if metric == "correlation":
        flat = constant_columns(U.T)
        U -= U.mean(axis=1, keepdims=True)
        what = "constant across units (correlation distance undefined)"
    else:
        flat = ~np.any(U, axis=1)
        what = "all zero (cosine distance undefined)"
    if flat.any():
        shown = ", ".join(map(str, np.flatnonzero(flat)[:10]))
        raise ValueError(
            f"{np.count_nonzero(flat)} of {X.shape[0]} stimulus pattern(s) (rows {shown}"
            f"{', ...' if flat.sum() > 10 else ''}) are {what}; use "
            "rdm_metric='euclidean' or remove them.")
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return U, None, 0


def _to_distance(G, metric, sq_rows=None, sq_cols=None):
    """Distances from dot products ``G`` of prepared rows (in place, float64)."""
    G = np.asarray(G, dtype=np.float64)
    if metric == "euclidean":
        G *= -2.0
        G += sq_rows[:, None]
        G += sq_cols[None, :]
        np.maximum(G, 0.0, out=G)
        return np.sqrt(G, out=G)
    np.subtract(1.0, G, out=G)
    return np.clip(G, 0.0, 2.0, out=G)


def _condensed_rdm(X, metric, *, scale_back=True):
    """The upper triangle (k=1) of the RDM, row by row, without the square matrix.

    ``scale_back=False`` leaves Euclidean distances divided by the power of two that
    ``X`` was divided by (enough for a scale-invariant comparison of RDMs).
    """
    n = X.shape[0]
    U, sq, e = _prepared_rows(X, metric)
    out = np.empty(n * (n - 1) // 2)
    block = max(1, _BLOCK_BYTES // (8 * n))
    for start in range(0, n - 1, block):
        stop = min(start + block, n - 1)
        G = U[start:stop] @ U[start:].T
        D = _to_distance(G, metric, None if sq is None else sq[start:stop],
                         None if sq is None else sq[start:])
        for i in range(start, stop):
            first = i * n - i * (i + 1) // 2
            out[first:first + n - i - 1] = D[i - start, i - start + 1:]
    return _scaled_back(out, e) if scale_back else out


def _scaled_back(D, e):
    """Distances of the rescaled rows times ``2**e``; an error if they overflow."""
    if e:
        with np.errstate(over="ignore"):
            D = np.ldexp(D, e)
        if np.isinf(D).any():
            raise ValueError("Euclidean distances between rows of X exceed the float64 "
                             "range (about 1.8e308); divide X by a constant (the RSA "
                             "score does not change).")
    return D


@validate_params(
    {"X": ["array-like"], "metric": [StrOptions(RDM_METRICS)], "condensed": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def rdm(X, *, metric="correlation", condensed=False):
    """Representational dissimilarity matrix between the stimuli (rows) of ``X``.

    - ``"correlation"``: ``d_ij = 1 − corr(x_i, x_j)``, the Pearson correlation of the
      two stimulus patterns across units (the RSA default, Kriegeskorte et al. 2008);
    - ``"euclidean"``: ``d_ij = ‖x_i − x_j‖``;
    - ``"cosine"``: ``d_ij = 1 − x_i·x_j / (‖x_i‖ ‖x_j‖)``.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units)
        Responses; rows are stimuli.
    metric : {"correlation", "euclidean", "cosine"}, default="correlation"
    condensed : bool, default=False
        Return the upper triangle (``k=1``, row by row, the order of
        :func:`scipy.spatial.distance.squareform`) instead of the square matrix. It is
        computed in blocks of rows without forming the square matrix: half the memory.

    Returns
    -------
    D : ndarray of shape (n_stimuli, n_stimuli) or (n_stimuli * (n_stimuli - 1) // 2,)
        float64; symmetric with a zero diagonal.

    Raises
    ------
    ValueError
        For NaN or infinite values, fewer than 2 stimuli, or (``"correlation"``) a
        stimulus pattern that is constant across units / (``"cosine"``) an all-zero
        pattern, whose distances are undefined; the error names them. Also
        (``"euclidean"``) when the distances exceed the float64 range (data near
        1e308).

    Notes
    -----
    Distances come from one matrix product of prepared rows (centred and normalised
    for ``"correlation"``, normalised for ``"cosine"``, column-centred for
    ``"euclidean"`` with ``‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b``), so they agree with
    :func:`scipy.spatial.distance.pdist` to rounding; tiny negative values from
    rounding are set to 0. ``X`` (each row, for ``"correlation"`` and ``"cosine"``) is
    first divided by a power of two near its largest magnitude, which is exact: data at
    1e-200 or 1e200 give the same distances (scaled) as data at 1.

    References
    ----------
    Kriegeskorte, Mur & Bandettini (2008), Representational similarity analysis:
    connecting the branches of systems neuroscience, *Front. Syst. Neurosci.* 2, 4.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import rdm
    >>> X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.5], [3.0, 1.0, 0.0]])
    >>> rdm(X).round(3)
    array([[0.   , 0.002, 1.982],
           [0.002, 0.   , 1.968],
           [1.982, 1.968, 0.   ]])
    >>> rdm(X, metric="euclidean", condensed=True).round(3)
    array([4.153, 3.742, 7.228])
    """
    X = check_response_matrix(X, "X", min_samples=2)
    xp, device = namespace_and_device(X)
    if xp is not np:
        return (_ns.condensed_rdm(X, metric, xp, device) if condensed
                else _ns.square_rdm(X, metric, xp, device))
    if condensed:
        return _condensed_rdm(X, metric)
    U, sq, e = _prepared_rows(X, metric)
    D = _to_distance(U @ U.T, metric, sq, sq)
    D = 0.5 * (D + D.T)
    np.fill_diagonal(D, 0.0)
    return _scaled_back(D, e)


def _pearson(a, b):
    """Pearson correlation of two long vectors, centring them in place."""
    a -= a.mean()
    b -= b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "rdm_metric": [StrOptions(RDM_METRICS | {"precomputed"})],
     "compare": [StrOptions(COMPARISONS)]},
    prefer_skip_nested_validation=True,
)
def rsa_score(X, Y, *, rdm_metric="correlation", compare="spearman"):
    """Representational similarity: the correlation of two RDMs' upper triangles.

    ``RSA(X, Y) = ρ(triu(D_X), triu(D_Y))`` over the ``n(n−1)/2`` stimulus pairs
    (``k=1``, no diagonal), with ``D`` from :func:`rdm` and ``ρ`` the Spearman rank
    correlation (default; ties get average ranks), the Pearson correlation,
    Kendall's τ-b (``"kendall"``), Kendall's τ-a (``"tau_a"``) or Spearman's ρ-a
    (``"rho_a"``). The rank comparisons only see the order of the dissimilarities: the
    score does not change under an increasing transform of either RDM. τ-a and ρ-a
    (Nili et al. 2014) do not reward a model for predicting ties: use them when a
    model RDM has tied dissimilarities (a categorical model), where τ-b and Spearman
    inflate its score (see :func:`compare_rdms`).

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x), or (n_stimuli, n_stimuli)
        Responses, or an RDM with ``rdm_metric="precomputed"`` (only its upper
        triangle is read).
    Y : array-like of shape (n_stimuli, n_units_y), or (n_stimuli, n_stimuli)
        The same, for the other system.
    rdm_metric : {"correlation", "euclidean", "cosine", "precomputed"}, \
default="correlation"
    compare : {"spearman", "pearson", "kendall", "tau_a", "rho_a"}, default="spearman"
        ``"kendall"`` is Kendall's τ-b.

    Returns
    -------
    score : float
        In ``[−1, 1]``.

    Raises
    ------
    ValueError
        For mismatched rows, NaN or infinite values, fewer than 3 stimuli, stimulus
        patterns whose distances are undefined (see :func:`rdm`), or an RDM whose
        dissimilarities are all equal (no correlation is defined).

    Notes
    -----
    Each RDM is built in its condensed form (float64, ``n(n−1)/2`` values: 400 MB at
    10,000 stimuli); the square matrix is never formed. Spearman ranks both
    triangles (two more arrays of that size).

    With array-API dispatch on, PyTorch, CuPy or array-api-strict inputs are computed
    on their device (:doc:`/user_guide/gpu`): Spearman ranks come from a sort of each
    triangle; ``compare="kendall"``, ``"tau_a"`` and ``"rho_a"`` raise a
    ``TypeError`` there (NumPy only).

    References
    ----------
    Kriegeskorte, Mur & Bandettini (2008), Representational similarity analysis:
    connecting the branches of systems neuroscience, *Front. Syst. Neurosci.* 2, 4.

    Nili et al. (2014), A toolbox for representational similarity analysis,
    *PLoS Comput. Biol.* 10, e1003553 (τ-a and ρ-a).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import rsa_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 20))
    >>> round(rsa_score(X, 5 * X + 2), 12)
    1.0
    >>> round(rsa_score(X, X, rdm_metric="euclidean", compare="kendall"), 12)
    1.0
    """
    xp, device = namespace_and_device(X)
    if xp is not np:
        return _rsa_score_namespace(X, Y, rdm_metric, compare, xp, device)
    Y = to_namespace(Y, np, None)  # Y follows X
    if rdm_metric == "precomputed":
        X = check_array(X, dtype=np.float64, input_name="X", ensure_min_samples=3)
        Y = check_array(Y, dtype=np.float64, input_name="Y", ensure_min_samples=3)
        for name, D in (("X", X), ("Y", Y)):
            if D.shape[0] != D.shape[1]:
                raise ValueError(f"With rdm_metric='precomputed', {name} must be a square "
                                 f"RDM; got shape {D.shape}.")
        check_same_stimuli(X, Y)
        rows = np.triu_indices(X.shape[0], k=1)
        triangles = (lambda: X[rows], lambda: Y[rows])
    else:
        X = check_response_matrix(X, "X", min_samples=3)
        Y = check_response_matrix(Y, "Y", min_samples=3)
        check_same_stimuli(X, Y)
        # Euclidean RDMs up to the power of two X and Y were divided by: RSA is
        # invariant to the scale of either RDM
        triangles = (lambda: _condensed_rdm(X, rdm_metric, scale_back=False),
                     lambda: _condensed_rdm(Y, rdm_metric, scale_back=False))
    # one triangle at a time, ranked before the next is built: less memory at its peak
    a = _comparable(triangles[0](), "X", compare)
    b = _comparable(triangles[1](), "Y", compare)
    if compare in ("kendall", "tau_a"):
        return _kendall(a, b, compare)
    if compare == "rho_a":
        return float(_rho_a_normalized(a[None])[0] @ _rho_a_normalized(b[None])[0])
    return _pearson(a, b)


def _rsa_score_namespace(X, Y, rdm_metric, compare, xp, device):
    """:func:`rsa_score` in an array-API namespace, on the device of ``X``."""
    if compare in _NUMPY_ONLY:
        raise TypeError(
            f"rsa_score(compare={compare!r}) runs only on NumPy arrays (scipy.stats); "
            f"got arrays of namespace {xp.__name__} with array-API dispatch "
            "on. Use compare='spearman' or 'pearson', which run in any namespace, or "
            "convert the inputs to NumPy.")
    Y = to_namespace(Y, xp, device)
    if rdm_metric == "precomputed":
        X = check_array(X, dtype=[xp.float64, xp.float32], input_name="X",
                        ensure_min_samples=3)
        Y = check_array(Y, dtype=[xp.float64, xp.float32], input_name="Y",
                        ensure_min_samples=3)
        for name, D in (("X", X), ("Y", Y)):
            if D.shape[0] != D.shape[1]:
                raise ValueError(f"With rdm_metric='precomputed', {name} must be a square "
                                 f"RDM; got shape {D.shape}.")
        check_same_stimuli(X, Y)
        n = X.shape[0]
        triangles = (lambda: _ns.upper_triangle(X, 0, n, xp, device),
                     lambda: _ns.upper_triangle(Y, 0, n, xp, device))
    else:
        X = check_response_matrix(X, "X", min_samples=3)
        Y = check_response_matrix(Y, "Y", min_samples=3)
        check_same_stimuli(X, Y)
        triangles = (lambda: _ns.condensed_rdm(X, rdm_metric, xp, device, scale_back=False),
                     lambda: _ns.condensed_rdm(Y, rdm_metric, xp, device, scale_back=False))
    a = _ns.comparable(triangles[0](), "X", compare, xp)
    b = _ns.comparable(triangles[1](), "Y", compare, xp)
    if a.dtype != b.dtype:
        a, b = xp.astype(a, xp.float64), xp.astype(b, xp.float64)
    return _ns.pearson(a, b, xp)


def _comparable(v, name, compare):
    """Check that a triangle is not constant; its ranks for Spearman, else the
    triangle divided in place by a power of two near its largest magnitude (exact;
    the correlations are unchanged and their sums of squares cannot overflow)."""
    if compare not in ("spearman", "rho_a"):
        np.ldexp(v, -power_of_two_exponents(v), out=v)
    if np.ptp(v) <= 16 * np.finfo(np.float64).eps * np.abs(v).max():
        raise ValueError(f"The RDM of {name} is constant (all stimulus pairs equally "
                         "dissimilar): its correlation with another RDM is undefined.")
    return _average_ranks(v) if compare in ("spearman", "rho_a") else v


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
