"""Kernels of the matching transform classes: plain functions on arrays."""

import math

import numpy as np

from ..utils import column_blocks
from ..utils._array_api import first_argmin


def best_correlated_source(Ux, Uy, *, candidates=None):
    """For every target, the source column with the highest Pearson correlation.

    Parameters
    ----------
    Ux : ndarray of shape (n_stimuli, n_sources)
        Sources, centred and scaled to unit norm (see ``utils.unit_columns``).
    Uy : ndarray of shape (n_stimuli, n_targets)
        Targets, centred and scaled to unit norm.
    candidates : ndarray of bool, shape (n_sources,), optional
        Sources allowed to be chosen (default: all).

    Returns
    -------
    index : ndarray of int, shape (n_targets,)
        The chosen source of each target. Ties (correlations equal within
        ``4 √n ε``, the rounding of a correlation) go to the lowest index.
    corr : ndarray of shape (n_targets,)
        The correlation of each target with its chosen source.

    Notes
    -----
    The correlation matrix is computed in blocks of sources and targets, so memory
    stays bounded for 800,000 source units × 100,000 targets; a running maximum keeps
    the first source that reaches the best value.
    """
    n, n_sources = Ux.shape
    n_targets = Uy.shape[1]
    tol = 4 * np.sqrt(max(n, 1)) * np.finfo(Ux.dtype).eps
    best = np.full(n_targets, -np.inf, dtype=Ux.dtype)
    index = np.zeros(n_targets, dtype=np.intp)
    target_blocks = column_blocks(n_targets, 2048, Ux.itemsize)
    for sources in column_blocks(n_sources, target_blocks[0].stop, Ux.itemsize):
        C_all = Ux[:, sources].T @ Uy
        if candidates is not None:
            C_all[~candidates[sources]] = -np.inf
        block_best = C_all.max(axis=0)
        # the first source of the block within rounding of the block's best value
        block_index = np.argmax(C_all >= block_best - tol, axis=0) + sources.start
        better = block_best > best + tol
        best[better] = block_best[better]
        index[better] = block_index[better]
    return index, best


def best_correlated_source_namespace(Ux, Uy, xp, *, candidates=None):
    """:func:`best_correlated_source` in an array-API namespace ``xp``.

    ``candidates`` is a boolean array of ``xp`` (or None); returns ``(index, corr)`` as
    arrays of ``xp`` on the device of ``Ux``. The first source within ``4 √n ε`` of a
    block's best value is found by :func:`~sklearn_brainmap.utils._array_api.first_argmin`
    (``argmax`` is not tie-stable in every library).
    """
    n, n_sources = Ux.shape
    n_targets = Uy.shape[1]
    itemsize = 4 if Ux.dtype == xp.float32 else 8
    tol = 4 * math.sqrt(max(n, 1)) * float(xp.finfo(Ux.dtype).eps)
    best = index = None
    for sources in column_blocks(n_sources, n_targets, itemsize, budget=2**28):
        C_all = Ux[:, sources].T @ Uy
        if candidates is not None:
            C_all = xp.where(candidates[sources][:, None], C_all,
                             xp.full_like(C_all, -xp.inf))
        block_best = xp.max(C_all, axis=0)
        near = xp.astype(C_all < block_best - tol, xp.int8)  # 0 where near the best
        block_index = first_argmin(near, xp) + sources.start
        if best is None:
            best, index = block_best, block_index
            continue
        better = block_best > best + tol
        best = xp.where(better, block_best, best)
        index = xp.where(better, block_index, index)
    return index, best
