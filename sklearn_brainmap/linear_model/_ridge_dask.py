"""Ridge on Dask arrays: the target chunks of ``Y`` fitted on the Dask workers.

The fit is the in-memory one's two stages (:mod:`._ridge_stages`): the design of ``X``
is prepared once on the client by :func:`~._ridge_stages.prepare_design`, sent to every
worker once, and :func:`~._ridge_stages.fit_targets` runs as one Dask task per chunk of
targets (:func:`~sklearn_brainmap.utils._dask.map_target_chunks`). Dask's scheduler
places, retries and recomputes the tasks: the memory of a worker holds the design, one
chunk of ``Y`` and that chunk's coefficients, whatever the number of targets. Each
chunk is fitted by the same functions as the in-memory :meth:`Ridge.fit
<sklearn_brainmap.Ridge.fit>`, so both give the same coefficients and penalties up to
rounding. This module only validates the Dask ``y``, checks each chunk for NaN (the
in-memory validation cannot see lazy values), and gathers.

References
----------
Dask Development Team (2016), *Dask: library for dynamic task scheduling*,
https://dask.org. Rocklin (2015), Dask: parallel computation with blocked algorithms
and task scheduling, *Proc. 14th Python in Science Conf.*, 130–136.
"""

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._dask import import_dask, is_dask_array, map_target_chunks
from ._ridge_stages import TargetFit, fit_targets, target_errors

#: With ``dask_coef="auto"``, coefficients larger than this are left on the cluster as a
#: Dask array (1 GiB: 67 million float64 weights, e.g. 16,800 targets × 4,000 features).
DASK_COEF_BYTES = 2**30


def _checked(Y, first):
    """A chunk of targets, refused with the column of its first NaN or infinity."""
    if not np.all(np.isfinite(Y)):
        bad = np.flatnonzero(~np.all(np.isfinite(Y), axis=0))
        raise ValueError(
            f"Input y contains NaN or infinity (target column {first + bad[0]} and "
            f"{bad.size - 1} other(s) in its chunk): remove or impute them before fitting.")
    return Y


def _chunk_errors(design, Y, *, first):
    return target_errors(design, _checked(Y, first))


def _fit_chunk(design, Y, best, *, first):
    return fit_targets(design, _checked(Y, first), best=best)


def validate(estimator, X, y):
    """Validated NumPy ``X``, a 2-D Dask ``Y`` in its dtype, and whether ``y`` was 1-D."""
    if is_dask_array(X):
        X = X.compute()  # the decomposition needs all of X; it is the small side
    with np.errstate(over="ignore", invalid="ignore"):
        X = validate_data(estimator, X, reset=True, dtype=[np.float64, np.float32],
                          ensure_min_samples=1)
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D (stimuli × targets), got a {y.ndim}-D "
                         "Dask array.")
    if any(np.isnan(size) for size in y.shape):
        raise ValueError(
            f"y is a Dask array of unknown chunk sizes (shape {y.shape}, e.g. after "
            "boolean indexing): its rows cannot be matched with X's. Compute them "
            "first: y = y.compute_chunk_sizes().")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} stimuli (rows) but y has {y.shape[0]}: pass "
                         "the responses of the same stimuli.")
    if y.ndim == 2 and y.shape[1] == 0:
        raise ValueError("y has 0 target columns; at least one target is required.")
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise ValueError(f"y must hold numbers, got a Dask array of dtype {y.dtype}.")
    y_1d = y.ndim == 1
    return X, (y[:, None] if y_1d else y).astype(X.dtype), y_1d


def fit_chunks(design, Y, *, dask_coef="auto"):
    """:func:`~._ridge_stages.fit_targets` of every chunk of targets of the Dask ``Y``.

    With ``alpha_per_target=False`` a first pass sums every chunk's held-out errors
    and chooses the one penalty. ``coef`` comes back as a NumPy array, or as a Dask
    array left on the cluster when ``dask_coef`` asks for it (``"dask"``, or
    ``"auto"`` past :data:`DASK_COEF_BYTES`).

    Returns
    -------
    TargetFit
        Of all targets.
    """
    import_dask("Ridge.fit on a Dask array")
    n_targets, p = Y.shape[1], design.refit_right.shape[1]
    dtype = design.alphas.dtype
    m = design.alphas.shape[0]
    scores = np.full((m, n_targets), np.nan, dtype) if design.select else None
    best = None
    if design.select and not design.alpha_per_target:
        total = np.zeros(m, dtype)
        parts, _ = map_target_chunks(_chunk_errors, design, Y)
        for cols, (sse, chunk_scores) in parts:
            total += sse
            scores[:, cols] = chunk_scores
        best = int(np.argmin(total))
    lazy = dask_coef == "dask" or (dask_coef == "auto"
                                   and n_targets * p * dtype.itemsize > DASK_COEF_BYTES)
    parts, coef = map_target_chunks(_fit_chunk, design, Y, best,
                                    keep=("coef", (p,), dtype) if lazy else None)
    if not lazy:
        coef = np.empty((n_targets, p), dtype)
    intercept = np.empty(n_targets, dtype)
    chosen = np.empty(n_targets, dtype=np.int64)
    constant = np.zeros(n_targets, dtype=bool)
    for cols, part in parts:  # filled as the chunks arrive: one copy of the coefficients
        if not lazy:
            coef[cols] = part.coef
        intercept[cols], chosen[cols], constant[cols] = (part.intercept, part.best,
                                                         part.constant)
        if part.scores is not None:
            scores[:, cols] = part.scores
    return TargetFit(coef, intercept, chosen, scores, constant)


def predict(estimator, X):
    """``Ridge.predict`` when ``X`` or ``coef_`` is a Dask array: a lazy Dask array.

    ``X @ coef_ᵀ + intercept_``, chunked as ``X`` along stimuli and as ``coef_`` along
    targets; nothing is computed until the result is.
    """
    da = import_dask("Ridge.predict on a Dask array")
    check_is_fitted(estimator)
    if not is_dask_array(X):
        X = validate_data(estimator, X, reset=False, dtype=[np.float64, np.float32])
        X = da.from_array(X, chunks=(-1, -1))
    if X.ndim != 2 or X.shape[1] != estimator.n_features_in_:
        raise ValueError(f"X has shape {X.shape}, but Ridge was fitted on "
                         f"{estimator.n_features_in_} features (columns).")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    coef = estimator.coef_
    if not is_dask_array(coef):
        coef = da.from_array(np.atleast_2d(coef), chunks=(_target_chunk(coef), -1))
    elif coef.ndim == 1:
        coef = coef[None, :]
    Y = X @ coef.astype(X.dtype).T + np.atleast_1d(estimator.intercept_).astype(X.dtype)
    return Y[:, 0] if estimator._y_1d else Y


def _target_chunk(coef, nbytes=2**27):
    """Targets per chunk of a NumPy ``coef_`` shipped to Dask: about 128 MiB each."""
    coef = np.atleast_2d(coef)
    return max(1, min(coef.shape[0], math.floor(nbytes / max(coef[0].nbytes, 1))))

