"""BandedRidge on a Dask array of targets: stage 1 once, stage 2 per chunk of targets.

The same two stages as the in-memory fit (:mod:`._banded_solvers`): the design of ``X``
is prepared once on the client by :func:`~._banded_solvers.prepare_banded_design`, and
:func:`~._banded_solvers.fit_banded_targets` runs as one Dask task per chunk of targets
through the generic :func:`~sklearn_brainmap.utils._dask.map_target_chunks` (the one
Ridge uses). This module only validates the Dask ``y``, checks each chunk for NaN (the
in-memory validation cannot see lazy values) and gathers. Dask is imported only when
called.
"""

import numpy as np
from sklearn.utils.validation import validate_data

from ..utils._dask import import_dask, map_target_chunks
from ..utils._stats import total_sum_of_squares
from ._banded_solvers import BandedFit, fit_banded_targets


def _fit_chunk(design, Y, *, first):
    Y = np.asarray(Y, dtype=design.Xc.dtype)
    if not np.all(np.isfinite(Y)):
        bad = np.flatnonzero(~np.all(np.isfinite(Y), axis=0))
        raise ValueError(
            f"Input y contains NaN or infinity (target column {first + bad[0]} and "
            f"{bad.size - 1} other(s) in its chunk): remove or impute them before fitting.")
    return fit_banded_targets(design, Y), total_sum_of_squares(Y, design.folds)


def fit_dask(model, X, y):
    """Fit ``model`` (a BandedRidge) on ``X`` (gathered) and a Dask ``y``.

    Stage 1 runs here; each chunk of targets runs stage 2 as one task, with the design
    sent to every worker once (scattered when a ``distributed.Client`` is the default,
    else one node of the graph of Dask's local scheduler).
    """
    import_dask("BandedRidge.fit on a Dask array")  # a clear ImportError without it
    if hasattr(X, "compute") and not hasattr(X, "columns"):
        X = X.compute()
    X = validate_data(model, X, reset=True, dtype=[np.float64, np.float32])
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be of shape (n_stimuli,) or (n_stimuli, n_targets) with "
                         f"n_stimuli = {X.shape[0]} (the rows of X); got {y.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("Input X contains NaN or infinity.")
    model._y_1d = y.ndim == 1
    Y = y[:, None] if model._y_1d else y
    design = model._design(X)
    parts, _ = map_target_chunks(_fit_chunk, design, Y)
    parts = sorted(parts, key=lambda part: part[0].start)  # as completed -> in order
    fits = [fit for _, (fit, _) in parts]
    result = BandedFit(*(
        None if getattr(fits[0], name) is None else
        np.concatenate([getattr(f, name) for f in fits],
                       axis=1 if name in ("cv_sse", "delta") else 0)
        for name in BandedFit._fields))
    total = np.concatenate([total for _, (_, total) in parts])
    return model._store(design, result, total, np, None)
