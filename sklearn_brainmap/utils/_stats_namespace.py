"""The column statistics of :mod:`._stats` in any array-API namespace.

Used when array-API dispatch is on and the inputs are not NumPy arrays (PyTorch,
CuPy, array-api-strict): the same formulas, written with the standard only, so that
they run on the device of their inputs. Each column is divided by a power of two near
its largest magnitude before its squares are formed (exact in binary floating point,
so the result is that of the unscaled formula), which keeps data at 1e-150 or 1e150
(1e-15 or 1e15 in float32) from under- or overflowing.
"""

import numpy as np

from ._array_api import max_abs, power_of_two, to_numpy


def constant_columns(A, xp):
    """Host (NumPy) boolean mask of the constant columns of an array of ``xp``, by the
    test of :func:`~sklearn_brainmap.utils.constant_columns` (for warnings and counts)."""
    if A.shape[0] == 0:
        return np.zeros(A.shape[1], dtype=bool)
    hi, lo = xp.max(A, axis=0), xp.min(A, axis=0)
    return to_numpy(hi - lo <= 16 * float(xp.finfo(A.dtype).eps) * xp.maximum(hi, -lo))


def unit_columns(A, xp):
    """Columns centred and scaled to unit norm, as :func:`._stats.unit_columns`.

    Returns ``U``, the column means, the norms of the centred columns (0 for constant
    ones) and the mask of constant columns, all arrays of ``xp`` on the device of ``A``.
    """
    hi, lo = xp.max(A, axis=0), xp.min(A, axis=0)
    top = xp.maximum(hi, -lo)
    # the test of constant_columns: a range within a few ulps of the magnitude
    constant = hi - lo <= 16 * float(xp.finfo(A.dtype).eps) * top
    scale = power_of_two(top, xp)
    U = A / scale
    mean = xp.mean(U, axis=0)
    U = U - mean
    norm = xp.sqrt(xp.sum(U * U, axis=0))
    norm = xp.where(constant, xp.zeros_like(norm), norm)
    U = U / xp.where(constant, xp.ones_like(norm), norm)
    U = xp.where(constant, xp.zeros_like(U), U)
    return U, mean * scale, norm * scale, constant


def columnwise_r2(Y_true, Y_pred, xp, sample_weight=None):
    """R² of each column, NaN where ``Y_true`` is constant over the samples of positive
    weight (:func:`._stats.columnwise_r2`); ``sample_weight`` an array of ``xp``."""
    scale = power_of_two(max_abs(Y_true, xp, axis=0), xp)
    Y_true, Y_pred = Y_true / scale, Y_pred / scale
    resid = Y_true - Y_pred
    if sample_weight is None:
        centred = Y_true - xp.mean(Y_true, axis=0)
        ss_res = xp.sum(resid * resid, axis=0)
        ss_tot = xp.sum(centred * centred, axis=0)
        hi, lo = xp.max(Y_true, axis=0), xp.min(Y_true, axis=0)
    else:
        w = sample_weight / power_of_two(xp.max(sample_weight), xp)
        centred = Y_true - (w @ Y_true) / xp.sum(w)
        ss_res = w @ (resid * resid)
        ss_tot = w @ (centred * centred)
        # constant over the samples of positive weight: their range only
        kept = (w > 0)[:, None]
        inf = xp.full_like(Y_true, xp.inf)
        hi = xp.max(xp.where(kept, Y_true, -inf), axis=0)
        lo = xp.min(xp.where(kept, Y_true, inf), axis=0)
    constant = hi - lo <= 16 * float(xp.finfo(Y_true.dtype).eps) * xp.maximum(hi, -lo)
    r2 = 1.0 - ss_res / xp.where(constant, xp.ones_like(ss_tot), ss_tot)
    return xp.where(constant, xp.full_like(r2, xp.nan), r2)


def columnwise_pearson(Y_true, Y_pred, xp):
    """Pearson r of each column pair, NaN where either is constant
    (:func:`._stats.columnwise_pearson`)."""
    Ut, _, _, const_t = unit_columns(Y_true, xp)
    Up, _, _, const_p = unit_columns(Y_pred, xp)
    r = xp.clip(xp.sum(Ut * Up, axis=0), min=-1.0, max=1.0)
    return xp.where(const_t | const_p, xp.full_like(r, xp.nan), r)
