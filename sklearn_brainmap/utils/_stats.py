"""Small statistical kernels on response matrices (columns are units)."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, validate_params

from ._array_api import (array_namespace, is_numpy, max_abs, namespace_and_device,
                         power_of_two)
from ._validation import constant_columns


def power_of_two_exponents(A, axis=None):
    """Exponents ``e`` with ``max |A| · 2**−e`` in ``[0.5, 1)``.

    ``axis=None``: one exponent for the whole array; ``axis=0``: one per column, and
    so on (the reduced axis is removed). An all-zero part, or one with a NaN or an
    infinite value, gets ``e = 0`` (it is left as it is).

    Dividing by ``2**e`` (``np.ldexp(A, -e)``) is exact in binary floating point
    (unless it produces subnormal numbers), so a computation that is invariant to the
    scale of its input gives bit for bit the same result on the rescaled array, whose
    largest magnitude is about 1: its squares, products and sums can neither overflow
    nor underflow, whatever the scale of the data (1e-300 or 1e300).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils._stats import power_of_two_exponents
    >>> A = np.array([[3.0, 0.0], [-5.0, 0.0]])
    >>> e = power_of_two_exponents(A, axis=0)
    >>> e.tolist(), np.ldexp(A, -e).tolist()
    ([3, 0], [[0.375, 0.0], [-0.625, 0.0]])
    """
    A = np.asarray(A)
    if A.size == 0:
        shape = () if axis is None else np.delete(A.shape, axis)
        return np.zeros(shape, dtype=np.intc)
    # two reductions instead of np.abs(A).max(): no temporary of the size of A
    return np.frexp(np.maximum(A.max(axis=axis), -A.min(axis=axis)))[1]


def rescaled(A, axis=None):
    """``A / 2**e`` with :func:`power_of_two_exponents` ``e``, and ``e``.

    A float array (float64 unless ``A`` is float32) whose largest magnitude (per
    column with ``axis=0``) is in ``[0.5, 1)``; see :func:`power_of_two_exponents`.
    """
    A = np.asarray(A)
    if A.dtype not in (np.float32, np.float64):
        A = A.astype(np.float64)
    e = power_of_two_exponents(A, axis=axis)
    return np.ldexp(A, -(e if axis is None else np.expand_dims(e, axis))), e


def unit_columns(A):
    """Centre each column and scale it to unit Euclidean norm.

    Pearson correlations between the columns of two matrices treated this way are one
    matrix product: ``corr(a_i, b_j) = (unit(A)ᵀ unit(B))_ij``. Constant columns become
    zero (their correlation with anything is then 0 rather than NaN); the mask of
    those columns is returned so callers can treat them as they document.

    When a column's magnitude is beyond ``2**±256`` (``2**±32`` in float32), the columns
    are first divided by a power of two near their largest magnitude (exact: the result
    does not change), so that the result is the same for ``c · A`` at any scale ``c``
    that keeps the data finite: columns at 1e-200 or 1e200 are not lost to underflow or
    overflow of their squares. A column counts as constant by the relative threshold of
    :func:`~sklearn_brainmap.utils.constant_columns`: a tiny column that varies is not
    constant.

    Parameters
    ----------
    A : array-like of shape (n_samples, n_columns)
        Finite values.

    Returns
    -------
    U : ndarray of shape (n_samples, n_columns)
        float64, or float32 for a float32 ``A``.
    mean : ndarray of shape (n_columns,)
    norm : ndarray of shape (n_columns,)
        Euclidean norm of each centred column (``sqrt(n) × std``); 0 for constant ones
        (``inf`` only when the norm itself exceeds the float range).
    constant : ndarray of bool, shape (n_columns,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import unit_columns
    >>> A = np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    >>> U, mean, norm, constant = unit_columns(A)
    >>> constant.tolist(), bool(np.isclose(np.linalg.norm(U[:, 0]), 1.0))
    ([False, True], True)
    """
    xp, device = array_namespace(A)
    if is_numpy(xp):
        A = np.asarray(A)
        if A.dtype not in (np.float32, np.float64):
            A = A.astype(np.float64)
    if A.shape[0] == 0:
        return (A * 1.0, xp.full(A.shape[1], xp.nan, device=device),
                xp.zeros(A.shape[1], device=device),
                xp.zeros(A.shape[1], dtype=xp.bool, device=device))
    hi, lo = xp.max(A, axis=0), xp.min(A, axis=0)
    top = xp.maximum(hi, -lo)
    # the test of constant_columns, from the same two reductions
    with np.errstate(over="ignore"):  # a range beyond the float range: inf, not constant
        constant = hi - lo <= 16 * float(xp.finfo(A.dtype).eps) * top
    scale = powers_of_two(top, xp)
    if _within_square_range(scale, xp):
        # squares of magnitudes within 2**±256 (float64) neither overflow nor underflow
        mean = xp.mean(A, axis=0)
        U = A - mean
        scale = None
    else:
        # divided by a power of two per column (exact): sums of squares of data at
        # 1e-300 or 1e300 stay in range, and the result does not change
        U = A / scale
        mean = xp.mean(U, axis=0)
        U -= mean
    norm = xp.sqrt(column_sum_squares(U))
    norm = xp.where(constant, xp.zeros_like(norm), norm)
    U /= xp.where(constant, xp.ones_like(norm), norm)
    U *= xp.astype(~constant, U.dtype)  # exactly 0 (their centred values are noise)
    if scale is not None:
        with np.errstate(over="ignore"):  # inf: a norm beyond the float range (documented)
            mean, norm = mean * scale, norm * scale
    return U, mean, norm, constant


def column_sum_squares(A):
    """``Σ_i A_ij²`` of every column (NumPy: one pass, no temporary of the size of ``A``)."""
    xp, _ = array_namespace(A)
    if is_numpy(xp):
        return np.einsum("ij,ij->j", A, A)
    return xp.sum(A * A, axis=0)


def powers_of_two(top, xp):
    """Powers of two ``s`` with ``top / s`` in ``[1, 2)`` (NumPy: ``frexp``, exact) or
    ``[0.5, 2)`` (elsewhere, from ``log2``); 1 where ``top`` is 0 or not finite. (One
    below ``frexp``'s, so that the largest float's scale is itself finite.)"""
    if is_numpy(xp):
        e = np.frexp(top)[1]
        return np.ldexp(np.ones_like(top), np.where(e == 0, 0, e - 1))
    return power_of_two(top * 0.5, xp)


def _within_square_range(scale, xp):
    """Whether squares (and sums of them) of magnitudes ``scale`` stay in the float range."""
    maxexp = 128 if xp.finfo(scale.dtype).bits == 32 else 1024  # (finfo.maxexp: NumPy's)
    limit = 2.0 ** (maxexp // 4 + 1)
    return bool(xp.all((scale <= limit) & (scale >= 1.0 / limit)))


def columnwise_r2(Y_true, Y_pred, sample_weight=None):
    """R² of each column, ``1 − Σ w (y − ŷ)² / Σ w (y − ȳ_w)²``; NaN where ``y`` is constant.

    ``ȳ_w`` is the (weighted) mean of the column; without ``sample_weight`` every
    ``w = 1``. Unlike :func:`sklearn.metrics.r2_score` (which reports 1 or 0 for a
    constant column), an undefined score is NaN here so that aggregates can exclude it.
    A column counts as constant when it is constant over the samples of positive weight.

    Beyond ``2**±256`` (``2**±32`` in float32), each column of ``Y_true`` and ``Y_pred``
    is divided by the same power of two (``sample_weight`` always by another), which
    leaves R² unchanged but keeps the sums of squares in range: data at 1e-200 or 1e200 give the same R² as at 1. An R² below the
    float64 range (a prediction more than ~1e150 times the spread of its target) is
    ``-inf``.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_columns) or (n_samples,)
    Y_pred : array-like of the same shape
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    r2 : ndarray of shape (n_columns,)
        (Shape ``(1,)`` for one-dimensional inputs.)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import columnwise_r2
    >>> y = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]])
    >>> columnwise_r2(y, y + [[0.1, 0.0], [-0.1, 0.0], [0.0, 0.0]]).round(2)
    array([0.99,  nan])
    """
    xp, device = array_namespace(Y_true, Y_pred)
    Y_true, Y_pred = _float_columns(Y_true, xp), _float_columns(Y_pred, xp)
    if Y_true.shape != Y_pred.shape:
        raise ValueError(f"Y_true and Y_pred must have the same shape; got {Y_true.shape} "
                         f"and {Y_pred.shape}.")
    if Y_true.shape[0]:
        scale = powers_of_two(max_abs(Y_true, xp, axis=0), xp)
        if not _within_square_range(scale, xp):
            # one power of two per column (exact): R² is unchanged, squares stay in range
            Y_true, Y_pred = Y_true / scale, Y_pred / scale
    resid = Y_true - Y_pred
    if sample_weight is None:
        ss_res = column_sum_squares(resid)
        ss_tot = column_sum_squares(Y_true - xp.mean(Y_true, axis=0))
        constant = constant_columns(Y_true)
    else:
        w = np.asarray(sample_weight, dtype=np.float64) if is_numpy(xp) else sample_weight
        if w.shape != (Y_true.shape[0],):
            raise ValueError(f"sample_weight must have shape ({Y_true.shape[0]},), one "
                             f"weight per sample; got {w.shape}.")
        w = w / powers_of_two(xp.max(w), xp)
        centred = Y_true - (w @ Y_true) / xp.sum(w)
        ss_res = w @ (resid * resid)
        ss_tot = w @ (centred * centred)
        constant = constant_columns(Y_true[w > 0])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r2 = 1.0 - ss_res / ss_tot
    return xp.where(xp.asarray(constant, device=device), xp.full_like(r2, xp.nan), r2)


def _float_columns(A, xp):
    """``A`` as a 2-D float array (float32 kept), without copying arrays that are."""
    if not is_numpy(xp):
        return xp.reshape(A, (A.shape[0], -1)) if A.ndim == 1 else A
    A = np.asarray(A)
    if A.dtype not in (np.float32, np.float64):
        A = A.astype(np.float64)
    return A.reshape(len(A), -1) if A.ndim == 1 else A


def columnwise_pearson(Y_true, Y_pred):
    """Pearson correlation of each column pair; NaN where either column is constant.

    Computed from :func:`unit_columns`, so it is the same for data at any scale.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_columns) or (n_samples,)
    Y_pred : array-like of the same shape

    Returns
    -------
    r : ndarray of shape (n_columns,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import columnwise_pearson
    >>> y = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    >>> columnwise_pearson(y, 2 * y + 1).round(6)
    array([1., 1.])
    """
    xp, _ = array_namespace(Y_true, Y_pred)
    Y_true, Y_pred = _float_columns(Y_true, xp), _float_columns(Y_pred, xp)
    if Y_true.shape != Y_pred.shape:
        raise ValueError(f"Y_true and Y_pred must have the same shape; got {Y_true.shape} "
                         f"and {Y_pred.shape}.")
    Ut, *_, const_t = unit_columns(Y_true)
    Up, *_, const_p = unit_columns(Y_pred)
    r = np.einsum("ij,ij->j", Ut, Up) if is_numpy(xp) else xp.sum(Ut * Up, axis=0)
    r = xp.clip(r, min=-1.0, max=1.0)
    return xp.where(const_t | const_p, xp.full_like(r, xp.nan), r)


@validate_params(
    {"D": ["array-like"], "n_components": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def classical_mds(D, n_components=2):
    """Classical (Torgerson) multidimensional scaling of a dissimilarity matrix.

    ``B = −½ J D² J`` with ``J = I − 11ᵀ/n``; the embedding is the top eigenvectors of
    ``B`` scaled by the square roots of their (non-negative) eigenvalues. Deterministic,
    unlike the iterative SMACOF of :class:`sklearn.manifold.MDS`.

    Parameters
    ----------
    D : array-like of shape (n_points, n_points)
        Dissimilarities: finite, non-negative, symmetric, with a zero diagonal
        (within ``1e-10 × max D``; the mean of ``D`` and ``Dᵀ`` is used).
    n_components : int, default=2

    Returns
    -------
    embedding : ndarray of shape (n_points, n_components)

    Raises
    ------
    ValueError
        When ``D`` is not a square, finite, symmetric, non-negative matrix with a zero
        diagonal (a similarity matrix, with ones on its diagonal, is refused: pass
        ``1 − S``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import classical_mds
    >>> D = np.array([[0.0, 3.0, 4.0], [3.0, 0.0, 5.0], [4.0, 5.0, 0.0]])
    >>> xy = classical_mds(D)
    >>> bool(np.allclose(np.linalg.norm(xy[0] - xy[2]), 4.0))
    True
    """
    D = check_dissimilarity(D, "D")
    # classical MDS is scale-equivariant: embed D / 2**e, then scale back (exact)
    D, e = rescaled(D)
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D**2) @ J
    values, vectors = np.linalg.eigh(B)
    order = np.argsort(values)[::-1][:n_components]
    return np.ldexp(vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0)), e)


def check_dissimilarity(D, name):
    """``D`` as a float64 dissimilarity matrix, or a ValueError that names ``name``.

    Square, finite, non-negative, symmetric and with a zero diagonal, each within
    ``1e-10 × max |D|`` (rounding); returned symmetrised, ``(D + Dᵀ) / 2``.
    """
    D = check_array(D, dtype=np.float64, input_name=name, ensure_min_samples=1)
    if D.shape[0] != D.shape[1]:
        raise ValueError(f"{name} must be a square dissimilarity matrix "
                         f"(n_points, n_points); got shape {D.shape}.")
    tol = 1e-10 * np.abs(D).max()
    if np.abs(D - D.T).max() > tol:
        raise ValueError(f"{name} must be symmetric; the largest difference between "
                         f"{name}[i, j] and {name}[j, i] is {np.abs(D - D.T).max():.3g}. "
                         f"Symmetrise it, e.g. ({name} + {name}.T) / 2.")
    if np.abs(np.diag(D)).max() > tol:
        raise ValueError(f"{name} must have a zero diagonal (a dissimilarity matrix); its "
                         f"diagonal reaches {np.abs(np.diag(D)).max():.3g}. For a "
                         "similarity matrix S pass 1 - S.")
    if D.min() < -tol:
        raise ValueError(f"{name} must be non-negative (dissimilarities); its smallest "
                         f"entry is {D.min():.3g}.")
    D = (D + D.T) / 2
    np.fill_diagonal(D, 0.0)
    return np.maximum(D, 0.0)

def total_sum_of_squares(Y, folds):
    """The held-out errors' reference: each target's sum of squares about its mean,
    counting each stimulus as often as it was tested (as :class:`~sklearn_brainmap.Ridge`
    does), for the R² of held-out errors pooled over folds (``folds=None``: leave-one-out)."""
    xp, device = namespace_and_device(Y)
    Yd = Y - xp.mean(Y, axis=0)
    if folds is None:
        return xp.sum(Yd * Yd, axis=0)
    tested = np.bincount(np.concatenate([test for _, test in folds]), minlength=Y.shape[0])
    return xp.asarray(tested, dtype=Y.dtype, device=device) @ (Yd * Yd)
