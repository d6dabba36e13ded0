"""Ridge on Dask arrays: the target chunks of ``Y`` fitted on the Dask workers.

Ridge's targets are independent of each other once the penalty grid is given: target
``j`` needs ``y_j`` and quantities of ``X`` alone. So the fit splits in two stages,

1. :func:`prepare_design` (once, on the client): everything that depends on ``X`` only
   — centring, the eigendecomposition of the smaller Gram matrix, the right factor of
   the refit, the leave-one-out leverages or the decomposition of every K-fold training
   fold (the kernels of :mod:`._ridge_solvers`);
2. :func:`fit_chunk` (one Dask task per chunk of targets, on the workers): the
   projection of the chunk's targets, the held-out errors of every penalty, the choice
   of each target's penalty, the refit.

The design is sent to every worker once (scattered, with a ``distributed`` client),
each task reads one chunk of ``Y``, and Dask's scheduler places, retries and recomputes
the tasks: the memory of a worker holds the design, one chunk of ``Y`` and that chunk's
coefficients, whatever the number of targets. Each chunk is fitted by the same
arithmetic as the in-memory :meth:`Ridge.fit <sklearn_brainmap.Ridge.fit>` (the same
kernels, in the same order), so both give the same coefficients and penalties up to
rounding.

References
----------
Dask Development Team (2016), *Dask: library for dynamic task scheduling*,
https://dask.org. Rocklin (2015), Dask: parallel computation with blocked algorithms
and task scheduling, *Proc. 14th Python in Science Conf.*, 130–136.
"""

import math
import uuid
from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import column_blocks, constant_columns, warn_constant
from ..utils._dask import default_client, import_dask, is_dask_array
from ._ridge_solvers import (Eigenbasis, _fold_factors, _inverse_shift, _penalty_sse,
                             center, eigenbasis, project_targets)
from ._scaling import (check_representable, extreme_exponent, ldexp,
                       penalty_in_scaled_units)

#: With ``dask_coef="auto"``, coefficients larger than this are left on the cluster as a
#: Dask array (1 GiB: 67 million float64 weights, e.g. 16,800 targets × 4,000 features).
DASK_COEF_BYTES = 2**30


class RidgeDesign(NamedTuple):
    """What every chunk of targets needs from ``X``, computed once.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Candidate penalties in the units of the rescaled ``X`` (sorted).
    fit_intercept : bool
    select : bool
        Whether there are several candidates to choose from.
    alpha_per_target : bool
    work : dtype
        Precision of the selection products (``selection_dtype``).
    ex : int
        Power-of-two exponent ``X`` was divided by (0 within the safe range).
    x_mean : ndarray of shape (n_features,)
    constant_x : ndarray of bool, shape (n_features,)
        Constant source columns (zero weight with an intercept).
    Xc : ndarray of shape (n_samples, n_features) or None
        The centred design, kept in the primal form only (projecting the targets needs
        it there).
    basis : Eigenbasis
    refit_right : ndarray of shape (k, n_features)
        ``Uᵀ X_c`` (dual) or ``Vᵀ`` (primal): ``W = (Q / (s + α))ᵀ @ refit_right``.
    loo : tuple or None
        ``(inv, weights, A)``: ``1/(s + α)`` per candidate, the leave-one-out weights
        ``(1 − h_ii(α))⁻²`` and ``X_c V`` (primal; None in the dual form).
    folds : list or None
        Per K-fold fold, ``(train, test, A, B, s)`` from the fold's decomposition:
        held-out predictions are ``(A / (s + α)) @ (Bᵀ Y_train)``.
    tested : ndarray of shape (n_samples,) or None
        How often each stimulus is tested, when the folds do not test each once.
    """

    alphas: np.ndarray
    fit_intercept: bool
    select: bool
    alpha_per_target: bool
    work: np.dtype
    ex: int
    x_mean: np.ndarray
    constant_x: np.ndarray
    Xc: np.ndarray | None
    basis: Eigenbasis
    refit_right: np.ndarray
    loo: tuple | None
    folds: list | None
    tested: np.ndarray | None


def prepare_design(X, alphas, folds, *, fit_intercept, alpha_per_target, selection_dtype):
    """The X-only stage of the fit (see the module docstring), as in ``Ridge._fit_arrays``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The validated design.
    alphas : ndarray of shape (n_alphas,)
        Sorted candidate penalties, in the user's units.
    folds : list of (train, test) or None
        Checked folds; None for leave-one-out (or a single penalty).
    fit_intercept, alpha_per_target : bool
    selection_dtype : {None, "float32", "float64"}

    Returns
    -------
    RidgeDesign
    """
    from ._ridge import _tests_each_once

    n, p = X.shape
    select = alphas.size > 1
    work = np.dtype(X.dtype if selection_dtype is None else selection_dtype)
    constant_x = constant_columns(X)
    ex = extreme_exponent(X)
    X = ldexp(X, -ex)
    scaled_alphas = penalty_in_scaled_units(alphas, ex, X.dtype)
    Xc, x_mean = center(X, fit_intercept)
    if fit_intercept and constant_x.any():
        Xc[:, constant_x] = 0.0  # exactly: their centred values are rounding noise
    gram = Xc @ Xc.T if n < p else None
    basis = eigenbasis(Xc, gram=gram)
    # the first product of ridge_coef, which does not depend on the targets
    refit_right = basis.vecs.T @ Xc if basis.dual else basis.vecs.T
    loo = fold_factors = tested = None
    if select and folds is None:
        loo = _loo_factors(Xc, scaled_alphas, basis, fit_intercept, work)
    elif select:
        fold_factors = _kfold_factors(X, folds, fit_intercept, gram, work)
        if not _tests_each_once(folds, n):
            tested = np.bincount(np.concatenate([test for _, test in folds]),
                                 minlength=n).astype(X.dtype)
    return RidgeDesign(scaled_alphas, fit_intercept, select, alpha_per_target, work, ex,
                       x_mean, constant_x, None if basis.dual else Xc, basis, refit_right,
                       loo, fold_factors, tested)


def _loo_factors(Xc, alphas, basis, fit_intercept, work):
    """The target-independent part of ``ridge_loo_errors``: ``1/(s + α)``, the weights
    ``(1 − h_ii(α))⁻²`` (the intercept's ``1/n`` in the leverage) and ``A = X_c V``."""
    n = Xc.shape[0]
    s, vecs = basis.s, basis.vecs
    A = None if basis.dual else Xc @ vecs
    L = vecs**2 * s if basis.dual else A**2
    base_leverage = 1.0 / n if fit_intercept else 0.0
    tiny = np.finfo(Xc.dtype).eps
    inv = np.stack([_inverse_shift(s, alpha) for alpha in alphas])
    one_minus_h = np.maximum((1.0 - base_leverage) - inv @ L.T, tiny)
    return inv, (one_minus_h**-2).astype(work), A


def _kfold_factors(X, folds, fit_intercept, gram, work):
    """The target-independent part of ``ridge_kfold_errors``: each fold decomposed once."""
    p = X.shape[1]
    Xg = X - X.mean(axis=0) if fit_intercept else X
    needs_dual = any(len(train) < p for train, _ in folds)
    K = (Xg @ Xg.T if gram is None else gram) if needs_dual else None
    factors = []
    for train, test in folds:
        A, B, s = _fold_factors(K if len(train) < p else None, Xg, train, test,
                                fit_intercept)
        factors.append((train, test, A.astype(work, copy=False),
                        B.astype(work, copy=False), s))
    return factors


def _loo_sse(design, Yc, Q):
    """Leave-one-out squared errors of a chunk (the target stage of ``ridge_loo_errors``)."""
    inv, weights, A = design.loo
    s, vecs, work = design.basis.s, design.basis.vecs, design.work
    dual = design.basis.dual

    def factor(a):
        F = vecs * (1.0 - s * inv[a]) if dual else A * inv[a]
        return F.astype(work, copy=False)

    sse = np.zeros((len(design.alphas), Yc.shape[1]), dtype=work)
    _penalty_sse(sse, factor, Q.astype(work, copy=False),
                 None if dual else Yc.astype(work, copy=False), weights)
    return sse.astype(Yc.dtype, copy=False)


def _kfold_sse(design, Y):
    """K-fold squared errors of a chunk (the target stage of ``ridge_kfold_errors``)."""
    work, alphas = design.work, design.alphas
    m, t = len(alphas), Y.shape[1]
    Yw = Y.astype(work, copy=False)
    sse = np.zeros((m, t), dtype=work)
    for train, test, A, B, s in design.folds:
        (n_tr, k), n_te = B.shape, len(test)
        # the in-memory rule, for this chunk's number of targets (see ridge_kfold_errors)
        fold_in = m * n_te * n_tr * (t + k) < (n_tr * k + m * n_te * k) * t
        Y_tr, Y_te = np.take(Yw, train, axis=0), Yw[test]
        y_mean = Y_tr.mean(axis=0) if design.fit_intercept else np.zeros(t, work)
        Y_tr -= y_mean

        def factor(a, A=A, B=B, s=s, fold_in=fold_in):
            F = A * _inverse_shift(s, alphas[a])
            return (F @ B.T if fold_in else F).astype(work, copy=False)

        for block in column_blocks(t, max(n_tr, n_te), work.itemsize):
            right = Y_tr[:, block] if fold_in else B.T @ Y_tr[:, block]
            _penalty_sse(sse[:, block], factor, right, Y_te[:, block] - y_mean[block])
    return sse.astype(Y.dtype, copy=False)


def _errors(design, Y, Yc, Q, constant):
    """Held-out squared errors and cross-validated R² of every candidate for a chunk."""
    sse = _loo_sse(design, Yc, Q) if design.loo is not None else _kfold_sse(design, Y)
    Yd = Yc if design.fit_intercept else Y - Y.mean(axis=0)
    total = (np.einsum("ij,ij->j", Yd, Yd) if design.tested is None
             else design.tested @ (Yd * Yd))
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = 1.0 - sse / total
    scores[:, constant] = np.nan
    return sse, scores


def _checked_chunk(Y, first):
    if not np.all(np.isfinite(Y)):
        bad = np.flatnonzero(~np.all(np.isfinite(Y), axis=0))
        raise ValueError(
            f"Input y contains NaN or infinity (target column {first + bad[0]} and "
            f"{bad.size - 1} other(s) in its chunk): remove or impute them before fitting.")
    constant = constant_columns(Y)
    ey = extreme_exponent(Y)
    return ldexp(Y, -ey), ey, constant


def chunk_errors(design, Y, first=0):
    """Held-out squared errors of every candidate for the targets of one chunk.

    The first pass of ``alpha_per_target=False``, where one penalty is chosen from the
    errors summed over *all* targets.

    Returns
    -------
    sse : ndarray of shape (n_alphas,)
        Summed over the chunk's targets (constant targets contribute their zero error).
    scores : ndarray of shape (n_alphas, n_chunk_targets)
    """
    Y, _, constant = _checked_chunk(Y, first)
    Yc, _ = center(Y, design.fit_intercept)
    Q = project_targets(design.Xc, Yc, design.basis)
    sse, scores = _errors(design, Y, Yc, Q, constant)
    return sse.sum(axis=1), scores


def fit_chunk(design, Y, best=None, first=0):
    """Fit the targets of one chunk (a Dask task; the target stage of ``_fit_arrays``).

    Parameters
    ----------
    design : RidgeDesign
    Y : ndarray of shape (n_samples, n_chunk_targets)
        The chunk's targets, in the dtype of ``X``.
    best : int, default=None
        The index of the penalty of every target (``alpha_per_target=False``, chosen
        over all chunks); None: chosen here, per target.
    first : int, default=0
        Index of the chunk's first target (for messages).

    Returns
    -------
    dict
        ``coef`` (n_chunk_targets, n_features), ``intercept``, ``best`` (index of each
        target's penalty), ``scores`` (n_alphas, n_chunk_targets; None without
        selection here) and ``constant`` (mask of constant targets), in user units.
    """
    Y, ey, constant = _checked_chunk(Y, first)
    Yc, y_mean = center(Y, design.fit_intercept)
    Q = project_targets(design.Xc, Yc, design.basis)
    scores = None
    if best is not None:
        best = np.full(Y.shape[1], best)
    elif design.select:
        sse, scores = _errors(design, Y, Yc, Q, constant)
        best = np.argmin(sse, axis=0)
    else:
        best = np.zeros(Y.shape[1], dtype=int)
    # ridge_coef, with its target-independent first product precomputed
    alpha = np.broadcast_to(np.asarray(design.alphas[best], dtype=Y.dtype), (Q.shape[1],))
    scaled = Q * _inverse_shift(design.basis.s[:, None], alpha[None, :])
    scaled_coef = scaled.T @ design.refit_right
    scaled_coef[constant] = 0.0
    if design.fit_intercept:
        scaled_coef[:, design.constant_x] = 0.0
    coef = ldexp(scaled_coef, ey - design.ex)
    check_representable(coef, scaled_coef)
    intercept = ldexp(y_mean - scaled_coef @ design.x_mean, ey)
    return {"coef": coef, "intercept": intercept, "best": best, "scores": scores,
            "constant": constant}


# ---- orchestration: the client side -------------------------------------------------------

def _validate(estimator, X, y):
    """Validated NumPy ``X`` and a Dask ``Y`` (2-D, one chunk along stimuli)."""
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
    Y = (y[:, None] if y_1d else y).astype(X.dtype)
    if len(Y.chunks[0]) > 1:  # each task needs all stimuli of its targets
        Y = Y.rechunk({0: -1})
    return X, Y, y_1d


def _scatter(design, client):
    """The design on every worker (a reference in each task), or in the local graph."""
    import dask

    if client is not None:
        # in a list: a (named) tuple given alone would be scattered element by element
        [future] = client.scatter([design], broadcast=True, hash=False)
        return future
    # traverse=False: a named tuple of arrays is one object, not a collection to unpack
    return dask.delayed(design, name=f"ridge-design-{uuid.uuid4().hex}", traverse=False)


def _results(tasks, client):
    """Yield ``(index, result)`` of each task as it completes (any order)."""
    import dask

    if client is None:
        yield from enumerate(dask.compute(*tasks))
        return
    from distributed import as_completed

    futures = client.compute(tasks)
    index = {f.key: i for i, f in enumerate(futures)}
    for future, result in as_completed(futures, with_results=True):
        yield index[future.key], result
        future.release()


def fit(estimator, X, y):
    """``Ridge.fit`` with ``y`` a Dask array chunked along targets; returns the estimator.

    The design is prepared here; one :func:`fit_chunk` task per chunk of targets runs
    on the cluster (the default ``distributed`` client, else Dask's local scheduler).
    ``coef_`` is a NumPy array, or a Dask array left on the cluster when
    ``estimator.dask_coef`` asks for it (``"dask"``, or ``"auto"`` past
    :data:`DASK_COEF_BYTES`).
    """
    import_dask("Ridge.fit on a Dask array")
    import dask
    import dask.array as da

    X, Y, estimator._y_1d = _validate(estimator, X, y)
    alphas = estimator._candidate_alphas(X.dtype)
    select = alphas.size > 1
    if select and X.shape[0] < 2:
        raise ValueError("Ridge needs at least 2 samples to choose a penalty, got "
                         f"n_samples = {X.shape[0]}; pass a single alpha to fit one sample.")
    folds = estimator._folds(X, None) if select and estimator.cv is not None else None
    design = prepare_design(X, alphas, folds, fit_intercept=estimator.fit_intercept,
                            alpha_per_target=estimator.alpha_per_target,
                            selection_dtype=estimator.selection_dtype)
    warn_constant(design.constant_x, "source",
                  "they get zero weight (they are centred away)." if estimator.fit_intercept
                  else "with fit_intercept=False they act as a penalised intercept "
                  "(zero weight where they are all zero).", stacklevel=4)
    n_targets, p = Y.shape[1], X.shape[1]
    starts = np.cumsum((0,) + Y.chunks[1])
    blocks = Y.to_delayed().ravel()
    client = default_client()
    shared = _scatter(design, client)

    best = None
    scores = np.full((alphas.size, n_targets), np.nan, X.dtype) if select else None
    if select and not estimator.alpha_per_target:
        # one penalty for all targets: the errors summed over every chunk, then the refit
        tasks = [dask.delayed(chunk_errors, pure=True)(shared, b, int(s))
                 for b, s in zip(blocks, starts)]
        total = np.zeros(alphas.size, X.dtype)
        for i, (sse, chunk_scores) in _results(tasks, client):
            total += sse
            scores[:, starts[i]:starts[i + 1]] = chunk_scores
        best = int(np.argmin(total))
    tasks = [dask.delayed(fit_chunk, pure=True)(shared, b, best, int(s))
             for b, s in zip(blocks, starts)]

    coef_bytes = n_targets * p * X.dtype.itemsize
    lazy = estimator.dask_coef == "dask" or (estimator.dask_coef == "auto"
                                             and coef_bytes > DASK_COEF_BYTES)
    if lazy:
        # the chunks' coefficients stay on the workers (persisted), the rest comes back
        tasks = dask.persist(*tasks)
        parts = [da.from_delayed(t["coef"], shape=(c, p), dtype=X.dtype)
                 for t, c in zip(tasks, Y.chunks[1])]
        coef = da.concatenate(parts, axis=0).persist()
        small = dask.compute(*[{k: t[k] for k in ("intercept", "best", "scores", "constant")}
                               for t in tasks])
        results = enumerate(small)
    else:
        coef = np.empty((n_targets, p), X.dtype)
        results = _results(tasks, client)
    intercept = np.empty(n_targets, X.dtype)
    chosen = np.empty(n_targets, dtype=int)
    constant = np.zeros(n_targets, dtype=bool)
    for i, part in results:  # filled as the chunks arrive: one copy of the coefficients
        cols = slice(starts[i], starts[i + 1])
        if not lazy:
            coef[cols] = part["coef"]
        intercept[cols], chosen[cols] = part["intercept"], part["best"]
        constant[cols] = part["constant"]
        if part["scores"] is not None:
            scores[:, cols] = part["scores"]
    warn_constant(constant, "target",
                  "they get zero weights, their mean as intercept and NaN scores.",
                  stacklevel=4)
    if select:
        estimator.cv_scores_ = scores
    estimator.alphas_ = alphas
    estimator.alpha_ = estimator._squeeze_targets(alphas[chosen])
    estimator.coef_ = coef[0] if estimator._y_1d else coef
    estimator.intercept_ = estimator._squeeze_targets(intercept)
    return estimator


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

