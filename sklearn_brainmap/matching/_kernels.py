"""Kernels of the matching transform classes: plain functions on arrays."""

import numpy as np

from ..utils import column_blocks


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
