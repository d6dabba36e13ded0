"""Representational dissimilarity matrices (RDMs) and representational similarity analysis."""

import math
import warnings

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils import check_response_matrix, check_same_stimuli
from ..utils._array_api import (array_namespace, is_numpy, itemsize,
                                ldexp, max_abs, namespace_and_device, scalar_exponent,
                                to_namespace, to_numpy)
from ..utils._stats import powers_of_two
from ._validation import looks_like_rdm, precomputed_triangle, refuse_rdm_objects
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
    xp, _ = array_namespace(X)
    if metric == "euclidean":
        e = scalar_exponent(float(max_abs(X, xp)))
        U = ldexp(X, -e)
        U = U - xp.mean(U, axis=0)  # a common translation: no change, less cancellation
        sq = np.einsum("ij,ij->i", U, U) if is_numpy(xp) else xp.sum(U * U, axis=1)
        return U, sq, e
    # correlation and cosine distances do not depend on the scale of each row
    hi, lo = xp.max(X, axis=1), xp.min(X, axis=1)
    top = xp.maximum(hi, -lo)
    U = X / powers_of_two(top, xp)[:, None]
    if metric == "correlation":
        # the test of constant_columns, on the rows
        flat = to_numpy(hi - lo <= 16 * float(xp.finfo(X.dtype).eps) * top)
        U -= xp.mean(U, axis=1, keepdims=True)
        what = "constant across units (correlation distance undefined)"
    else:
        flat = to_numpy(top == 0)
        what = "all zero (cosine distance undefined)"
    if flat.any():
        shown = ", ".join(map(str, np.flatnonzero(flat)[:10]))
        raise ValueError(
            f"{np.count_nonzero(flat)} of {X.shape[0]} stimulus pattern(s) (rows {shown}"
            f"{', ...' if flat.sum() > 10 else ''}) are {what}; use "
            "rdm_metric='euclidean' or remove them.")
    if is_numpy(xp):
        U /= np.linalg.norm(U, axis=1, keepdims=True)
    else:
        U = U / xp.sqrt(xp.sum(U * U, axis=1, keepdims=True))
    return U, None, 0


def _to_distance(G, metric, sq_rows=None, sq_cols=None):
    """Distances from dot products ``G`` of prepared rows (NumPy: in place, float64)."""
    xp, _ = array_namespace(G)
    if is_numpy(xp):
        G = np.asarray(G, dtype=np.float64)
        if metric == "euclidean":
            G *= -2.0
            G += sq_rows[:, None]
            G += sq_cols[None, :]
            np.maximum(G, 0.0, out=G)
            return np.sqrt(G, out=G)
        np.subtract(1.0, G, out=G)
        return np.clip(G, 0.0, 2.0, out=G)
    if metric == "euclidean":
        # in the order of the NumPy kernel, so that both round alike
        return xp.sqrt(xp.clip((-2.0 * G + sq_rows[:, None]) + sq_cols[None, :], min=0.0))
    return xp.clip(1.0 - G, min=0.0, max=2.0)


def _upper_triangle(D_rows, start, n):
    """The entries ``j > i`` of rows ``start, start+1, ...`` of an RDM whose block
    ``D_rows`` holds columns ``start..n-1``, row by row (boolean-mask order)."""
    xp, device = array_namespace(D_rows)
    rows = xp.arange(start, start + D_rows.shape[0], device=device)
    cols = xp.arange(start, n, device=device)
    return D_rows[rows[:, None] < cols[None, :]]


def _condensed_rdm(X, metric, *, scale_back=True):
    """The upper triangle (k=1) of the RDM, row by row, without the square matrix.

    ``scale_back=False`` leaves Euclidean distances divided by the power of two that
    ``X`` was divided by (enough for a scale-invariant comparison of RDMs).
    """
    xp, device = array_namespace(X)
    n = X.shape[0]
    U, sq, e = _prepared_rows(X, metric)
    dtype = xp.float64 if is_numpy(xp) else X.dtype
    out = xp.empty(n * (n - 1) // 2, dtype=dtype, device=device)
    block = max(1, _BLOCK_BYTES // (itemsize(dtype, xp) * n))
    filled = 0
    for start in range(0, n - 1, block):
        stop = min(start + block, n - 1)
        G = U[start:stop, :] @ U[start:, :].T
        D = _to_distance(G, metric, None if sq is None else sq[start:stop],
                         None if sq is None else sq[start:])
        part = _upper_triangle(D, start, n)
        out[filled:filled + part.shape[0]] = part
        filled += part.shape[0]
    return _scaled_back(out, e) if scale_back else out


def _scaled_back(D, e):
    """Distances of the rescaled rows times ``2**e``; an error if they overflow."""
    if e:
        xp, _ = array_namespace(D)
        D = ldexp(D, e)
        if bool(xp.any(xp.isinf(D))):
            bits = xp.finfo(D.dtype).bits
            raise ValueError(
                f"Euclidean distances between rows of X exceed the float{bits} range "
                f"(about {'3.4e38' if bits == 32 else '1.8e308'}); divide X by a "
                "constant (the RSA score does not change).")
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
    if condensed:
        return _condensed_rdm(X, metric)
    xp, device = array_namespace(X)
    U, sq, e = _prepared_rows(X, metric)
    D = _to_distance(U @ U.T, metric, sq, sq)
    D = 0.5 * (D + D.T)
    if is_numpy(xp):
        np.fill_diagonal(D, 0.0)
    else:
        diagonal = xp.eye(D.shape[0], dtype=xp.bool, device=device)
        D = xp.where(diagonal, xp.zeros_like(D), D)
    return _scaled_back(D, e)


def _pearson(a, b):
    """Pearson correlation of two long vectors, centring them in place."""
    xp, _ = array_namespace(a)
    if a.dtype != b.dtype:
        a, b = xp.astype(a, xp.float64), xp.astype(b, xp.float64)
    a -= xp.mean(a)
    b -= xp.mean(b)
    return float(a @ b) / math.sqrt(float(a @ a) * float(b @ b))


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
    X : array-like of shape (n_stimuli, n_units_x), (n_stimuli, n_stimuli) or (n_pairs,)
        Responses, or an RDM with ``rdm_metric="precomputed"``: square (only its
        upper triangle is read) or condensed (the ``n(n−1)/2`` upper-triangle values
        in row-major order, as ``rdm(X, condensed=True)`` or ``scipy.spatial.distance
        .pdist`` give). An rsatoolbox ``RDMs`` object is converted by the user:
        ``rdms.get_matrices()[0]``.
    Y : array-like of shape (n_stimuli, n_units_y), (n_stimuli, n_stimuli) or (n_pairs,)
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
    TypeError
        For an rsatoolbox ``RDMs`` object (the message says how to convert it).

    Warns
    -----
    UserWarning
        When ``X`` or ``Y`` is square, symmetric, non-negative with a zero diagonal
        and ``rdm_metric`` is not ``"precomputed"``: it looks like an RDM, which
        would be read as responses and give another number.

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
    for name, A in (("X", X), ("Y", Y)):
        refuse_rdm_objects(A, name)
    xp, device = namespace_and_device(X)
    if compare in _NUMPY_ONLY and not is_numpy(xp):
        raise TypeError(
            f"rsa_score(compare={compare!r}) runs only on NumPy arrays (scipy.stats); "
            f"got arrays of namespace {xp.__name__} with array-API dispatch on. Use "
            "compare='spearman' or 'pearson', which run in any namespace, or convert the "
            "inputs to NumPy.")
    Y = to_namespace(Y, xp, device)  # Y follows X
    if rdm_metric == "precomputed":
        if is_numpy(xp):  # square or condensed RDMs
            a, b = precomputed_triangle(X, "X"), precomputed_triangle(Y, "Y")
            if a.size != b.size:
                raise ValueError(
                    f"With rdm_metric='precomputed', X and Y must be RDMs of the same "
                    f"stimuli; X has {a.size} stimulus pairs and Y {b.size}.")
            triangles = (lambda: a, lambda: b)
        else:
            dtype = [xp.float64, xp.float32]
            X = check_array(X, dtype=dtype, input_name="X", ensure_min_samples=3)
            Y = check_array(Y, dtype=dtype, input_name="Y", ensure_min_samples=3)
            for name, D in (("X", X), ("Y", Y)):
                if D.shape[0] != D.shape[1]:
                    raise ValueError(f"With rdm_metric='precomputed', {name} must be a "
                                     f"square RDM; got shape {D.shape}.")
            check_same_stimuli(X, Y)
            n = X.shape[0]
            triangles = (lambda: _upper_triangle(X, 0, n), lambda: _upper_triangle(Y, 0, n))
    else:
        X = check_response_matrix(X, "X", min_samples=3)
        Y = check_response_matrix(Y, "Y", min_samples=3)
        check_same_stimuli(X, Y)
        for name, A in (("X", X), ("Y", Y)):
            if is_numpy(xp) and looks_like_rdm(A):
                warnings.warn(
                    f"{name} is square, symmetric, non-negative with a zero diagonal: it "
                    "looks like an RDM, but rsa_score reads it as responses (stimuli × "
                    "units) and computes an RDM of it. Pass rdm_metric='precomputed' if "
                    f"{name} is an RDM.", UserWarning, stacklevel=3)
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


def _comparable(v, name, compare):
    """Check that a triangle is not constant; its average ranks for Spearman and ρ-a
    (NumPy: written into ``v``), else the triangle divided by a power of two near its largest
    magnitude (exact; the correlations are unchanged and their sums of squares cannot
    overflow)."""
    xp, _ = array_namespace(v)
    hi, lo = float(xp.max(v)), float(xp.min(v))
    if hi - lo <= 16 * float(xp.finfo(v.dtype).eps) * max(hi, -lo):
        raise ValueError(f"The RDM of {name} is constant (all stimulus pairs equally "
                         "dissimilar): its correlation with another RDM is undefined.")
    if compare not in ("spearman", "rho_a"):
        if is_numpy(xp):  # in place: the triangle is the largest array here
            return np.ldexp(v, -scalar_exponent(max(hi, -lo)), out=v)
        return ldexp(v, -scalar_exponent(max(hi, -lo)))
    if is_numpy(xp):
        return _average_ranks(v)
    # twice the average rank of each value, minus twice the mean rank n + 1: exact
    # integers, so that float32 keeps the ranks of long triangles
    ordered = xp.sort(v)
    twice = (xp.searchsorted(ordered, v, side="left")
             + xp.searchsorted(ordered, v, side="right") + 1)
    return xp.astype(twice - (v.shape[0] + 1), v.dtype)
