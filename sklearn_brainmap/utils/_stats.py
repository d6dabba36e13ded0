"""Small statistical kernels on response matrices (columns are units)."""

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


def column_blocks(n_columns, n_rows, itemsize, budget=2**27):
    """Slices over columns so that an ``(n_rows, block)`` array stays under ``budget`` bytes."""
    block = max(1, budget // max(1, n_rows * itemsize))
    return [slice(i, min(i + block, n_columns)) for i in range(0, n_columns, block)]
