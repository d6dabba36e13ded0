"""Small statistical kernels on response matrices (columns are units)."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ._validation import constant_columns


def unit_columns(A):
    """Centre each column and scale it to unit Euclidean norm.

    Pearson correlations between the columns of two matrices treated this way are one
    matrix product: ``corr(a_i, b_j) = (unit(A)ᵀ unit(B))_ij``. Constant columns become
    zero (their correlation with anything is then 0 rather than NaN); the mask of
    those columns is returned so callers can treat them as they document.

    Returns
    -------
    U : ndarray, same shape and dtype as ``A``
    mean : ndarray of shape (n_columns,)
    norm : ndarray of shape (n_columns,)
        Euclidean norm of each centred column (``sqrt(n) × std``); 0 for constant ones.
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
    A = np.asarray(A)
    constant = constant_columns(A)
    mean = A.mean(axis=0)
    U = A - mean
    norm = np.sqrt(np.einsum("ij,ij->j", U, U))
    norm[constant] = 0.0
    U[:, constant] = 0.0
    scale = np.where(constant, 1.0, norm).astype(U.dtype, copy=False)
    U /= scale
    return U, mean, norm, constant


def columnwise_r2(Y_true, Y_pred, sample_weight=None):
    """R² of each column, ``1 − Σ w (y − ŷ)² / Σ w (y − ȳ_w)²``; NaN where ``y`` is constant.

    ``ȳ_w`` is the (weighted) mean of the column; without ``sample_weight`` every
    ``w = 1``. Unlike :func:`sklearn.metrics.r2_score` (which reports 1 or 0 for a
    constant column), an undefined score is NaN here so that aggregates can exclude it.
    A column counts as constant when it is constant over the samples of positive weight.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import columnwise_r2
    >>> y = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]])
    >>> columnwise_r2(y, y + [[0.1, 0.0], [-0.1, 0.0], [0.0, 0.0]]).round(2)
    array([0.99,  nan])
    """
    resid = Y_true - Y_pred
    if sample_weight is None:
        centred = Y_true - Y_true.mean(axis=0)
        ss_res = np.einsum("ij,ij->j", resid, resid)
        ss_tot = np.einsum("ij,ij->j", centred, centred)
        constant = constant_columns(Y_true)
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        centred = Y_true - np.average(Y_true, axis=0, weights=w)
        ss_res = np.einsum("i,ij,ij->j", w, resid, resid)
        ss_tot = np.einsum("i,ij,ij->j", w, centred, centred)
        constant = constant_columns(Y_true[w > 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - ss_res / ss_tot
    r2[constant] = np.nan
    return r2


def columnwise_pearson(Y_true, Y_pred):
    """Pearson correlation of each column pair; NaN where either column is constant.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import columnwise_pearson
    >>> y = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    >>> columnwise_pearson(y, 2 * y + 1).round(6)
    array([1., 1.])
    """
    Ut, *_, const_t = unit_columns(Y_true)
    Up, *_, const_p = unit_columns(Y_pred)
    r = np.einsum("ij,ij->j", Ut, Up)
    r[const_t | const_p] = np.nan
    return np.clip(r, -1.0, 1.0)


@validate_params(
    {"D": ["array-like"], "n_components": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def classical_mds(D, n_components=2):
    """Classical (Torgerson) multidimensional scaling of a dissimilarity matrix.

    ``B = −½ J D² J`` with ``J = I − 11ᵀ/n``; the embedding is the top eigenvectors of
    ``B`` scaled by the square roots of their (non-negative) eigenvalues. Deterministic,
    unlike the iterative SMACOF of :class:`sklearn.manifold.MDS`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import classical_mds
    >>> D = np.array([[0.0, 3.0, 4.0], [3.0, 0.0, 5.0], [4.0, 5.0, 0.0]])
    >>> xy = classical_mds(D)
    >>> bool(np.allclose(np.linalg.norm(xy[0] - xy[2]), 4.0))
    True
    """
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D**2) @ J
    values, vectors = np.linalg.eigh(B)
    order = np.argsort(values)[::-1][:n_components]
    return vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0))
