"""BandedRidge on a Dask array of targets: stage 1 once, stage 2 per chunk of targets.

Dask is imported only when called (see :mod:`..utils._dask`). When the architecture's
generic Dask helper for the ridge stages exists, this module is the place to call it.
"""

import numpy as np
from sklearn.utils.validation import validate_data

from ..utils._dask import default_client, import_dask
from ._banded_solvers import BandedFit, fit_banded_targets


def _fit_chunk(design, Y):
    from ._banded_ridge import total_sum_of_squares

    Y = np.asarray(Y, dtype=design.Xc.dtype)
    return fit_banded_targets(design, Y), total_sum_of_squares(Y, design.folds)


def fit_dask(model, X, y):
    """Fit ``model`` (a BandedRidge) on ``X`` (gathered) and a Dask ``y``.

    Stage 1 (:func:`._banded_solvers.prepare_banded_design`) runs here; each chunk of
    targets runs stage 2 (:func:`._banded_solvers.fit_banded_targets`) as one task,
    with the design scattered once to every worker when a ``distributed.Client`` is
    the default, else embedded in the graph of Dask's local scheduler.
    """
    import_dask("BandedRidge.fit on a Dask array")  # a clear ImportError without it
    import dask

    if hasattr(X, "compute") and not hasattr(X, "columns"):
        X = X.compute()
    X = validate_data(model, X, reset=True, dtype=[np.float64, np.float32])
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be of shape (n_stimuli,) or (n_stimuli, n_targets) with "
                         f"n_stimuli = {X.shape[0]} (the rows of X); got {y.shape}.")
    model._y_1d = y.ndim == 1
    Y = y[:, None] if model._y_1d else y
    Y = Y.rechunk({0: -1})  # a chunk holds every stimulus of its targets
    if not np.all(np.isfinite(X)):
        raise ValueError("Input X contains NaN or infinity.")
    design = model._design(X)
    client = default_client()
    # a list of one: scatter would otherwise send the named tuple's fields apart
    shared = (client.scatter([design], broadcast=True)[0] if client is not None
              else design)
    parts = [dask.delayed(_fit_chunk, pure=True)(shared, block)
             for block in Y.to_delayed().ravel()]
    results = dask.compute(*parts)
    fits = [r[0] for r in results]
    if not all(np.all(np.isfinite(f.cv_sse)) for f in fits):
        raise ValueError("Input y contains NaN or infinity (found in the held-out errors).")
    result = BandedFit(*(
        None if getattr(fits[0], name) is None else
        np.concatenate([getattr(f, name) for f in fits],
                       axis=1 if name in ("cv_sse", "delta") else 0)
        for name in BandedFit._fields))
    total = np.concatenate([r[1] for r in results])
    return model._store(design, result, total, np, None)
