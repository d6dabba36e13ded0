"""Small statistical kernels on response matrices (columns are units)."""

import contextlib
import functools

import numpy as np

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


def column_blocks(n_columns, n_rows, itemsize, budget=2**27, minimum=1):
    """Slices over columns so that an ``(n_rows, block)`` array stays under ``budget`` bytes.

    Blocks hold at least ``minimum`` columns whatever the budget.
    """
    block = max(minimum, 1, budget // max(1, n_rows * itemsize))
    return [slice(i, min(i + block, n_columns)) for i in range(0, n_columns, block)]


def columnwise_r2(Y_true, Y_pred):
    """R² of each column, ``1 − Σ(y − ŷ)² / Σ(y − ȳ)²``; NaN where ``y`` is constant.

    Unlike :func:`sklearn.metrics.r2_score` (which reports 1 or 0 for a constant
    column), an undefined score is NaN here so that aggregates can exclude it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import columnwise_r2
    >>> y = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]])
    >>> columnwise_r2(y, y + [[0.1, 0.0], [-0.1, 0.0], [0.0, 0.0]]).round(2)
    array([0.99,  nan])
    """
    resid = Y_true - Y_pred
    centred = Y_true - Y_true.mean(axis=0)
    ss_res = np.einsum("ij,ij->j", resid, resid)
    ss_tot = np.einsum("ij,ij->j", centred, centred)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - ss_res / ss_tot
    r2[constant_columns(Y_true)] = np.nan
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


# Below this many floating-point operations per matrix product, BLAS threads cost more
# than they save (thread wake-up and synchronisation; far worse when another process
# holds a core), so loops of such products run on one thread.
_SMALL_PRODUCT_FLOPS = 5e7


@functools.cache
def _blas_controller():
    # finding the loaded libraries takes milliseconds; asking a found one for its
    # thread count takes microseconds
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController().select(user_api="blas")


def one_blas_thread():
    """Context manager: BLAS limited to one thread (every loaded BLAS library).

    Uses one cached :class:`threadpoolctl.ThreadpoolController`: building a new one
    (what ``threadpool_limits`` does) scans the loaded libraries, about 3 ms per call,
    which small fits in loops paid every time.
    """
    return _blas_controller().limit(limits=1)


def blas_threads_for(flops_per_product, threshold=_SMALL_PRODUCT_FLOPS):
    """Context manager: one BLAS thread for loops of small products, else unchanged.

    Products of fewer than ``threshold`` floating-point operations run on one thread.
    """
    if flops_per_product >= threshold:
        return contextlib.nullcontext()
    return one_blas_thread()


def blas_thread_count():
    """Threads the loaded BLAS would use now (the fewest over the loaded libraries).

    1 inside :func:`one_blas_thread`, so code that splits work over this many threads
    stays sequential when it is itself run in parallel.
    """
    counts = [info["num_threads"] for info in _blas_controller().info()]
    return max(1, min(counts)) if counts else 1


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
