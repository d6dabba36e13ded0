"""Kernels of the matching transform classes: plain functions on arrays."""

import math

from ..utils import column_blocks
from ..utils._array_api import array_namespace, first_argmin, is_numpy, itemsize


def best_correlated_source(Ux, Uy, *, candidates=None):
    """For every target, the source column with the highest Pearson correlation.

    Parameters
    ----------
    Ux : array of shape (n_stimuli, n_sources)
        Sources, centred and scaled to unit norm (see ``utils.unit_columns``), of any
        array-API namespace.
    Uy : array of shape (n_stimuli, n_targets)
        Targets, centred and scaled to unit norm.
    candidates : array of bool, shape (n_sources,), optional
        Sources allowed to be chosen (default: all).

    Returns
    -------
    index : array of int, shape (n_targets,)
        The chosen source of each target. Ties (correlations equal within
        ``4 √n ε``, the rounding of a correlation) go to the lowest index.
    corr : array of shape (n_targets,)
        The correlation of each target with its chosen source.

    Notes
    -----
    The correlation matrix is computed in blocks of sources and targets, so memory
    stays bounded for 800,000 source units × 100,000 targets; a running maximum keeps
    the first source that reaches the best value (found by
    :func:`~sklearn_brainmap.utils._array_api.first_argmin`: ``argmax`` is not
    tie-stable in every library).
    """
    xp, device = array_namespace(Ux)
    n, n_sources = Ux.shape
    n_targets = Uy.shape[1]
    size = itemsize(Ux.dtype, xp)
    tol = 4 * math.sqrt(max(n, 1)) * float(xp.finfo(Ux.dtype).eps)
    best = xp.full(n_targets, -xp.inf, dtype=Ux.dtype, device=device)
    index = xp.zeros(n_targets, dtype=xp.int64, device=device)
    # NumPy: blocks that stay in cache; a device: one large block
    target_blocks = (column_blocks(n_targets, 2048, size) if is_numpy(xp)
                     else [slice(0, n_targets)])
    budget = {} if is_numpy(xp) else {"budget": 2**28}
    if candidates is not None:
        excluded = xp.where(xp.asarray(candidates, device=device),
                            xp.zeros(n_sources, dtype=Ux.dtype, device=device),
                            xp.full(n_sources, -xp.inf, dtype=Ux.dtype, device=device))
    for sources in column_blocks(n_sources, target_blocks[0].stop, size, **budget):
        C_all = Ux[:, sources].T @ Uy
        if candidates is not None:
            C_all += xp.astype(excluded[sources], C_all.dtype)[:, None]
        block_best = xp.max(C_all, axis=0)
        # the first source of the block within rounding of the block's best value
        near = xp.astype(C_all < block_best - tol, xp.int8)  # 0 where near the best
        block_index = first_argmin(near, xp) + sources.start
        better = block_best > best + tol
        best = xp.where(better, block_best, best)
        index = xp.where(better, xp.astype(block_index, xp.int64), index)
    return index, best
