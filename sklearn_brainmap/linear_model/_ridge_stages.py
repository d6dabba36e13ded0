"""Ridge as two stages, written once for every path: in memory, on a device, on Dask.

Ridge's targets are independent of each other once the penalty grid is given: target
``j`` needs ``y_j`` and quantities of ``X`` alone. So every fit is

1. :func:`prepare_design` (once): everything that depends on ``X`` only — the
   power-of-two rescaling, centring, the eigendecomposition of the smaller Gram
   matrix, the right factor of the refit, and the leave-one-out leverages or the
   decomposition of every K-fold training fold (the kernels of :mod:`._ridge_solvers`);
2. :func:`fit_targets` (per block of targets): the projection of the block's targets,
   the held-out errors of every penalty, the choice of each target's penalty, the refit.

:class:`~sklearn_brainmap.Ridge` in memory is ``fit_targets(prepare_design(X, ...), Y)``;
arrays of another array-API namespace go through the same two functions on their
device; on Dask the design is sent to every worker once and :func:`fit_targets` is
mapped over the chunks of targets (:func:`~sklearn_brainmap.utils._dask.
map_target_chunks`). The design is a named tuple of arrays: it pickles, so a worker
receives it as it is.
"""

from typing import NamedTuple

import numpy as np

from ..utils import constant_columns
from ..utils._array_api import array_namespace, first_argmin, ldexp
from ..utils._stats import column_sum_squares
from ._ridge_solvers import (Eigenbasis, center, coef_from_projection, eigenbasis,
                             kfold_factors, kfold_sse, loo_factors, loo_sse,
                             project_targets, refit_factor)
from ._scaling import check_representable, extreme_exponent, penalty_in_scaled_units


class RidgeDesign(NamedTuple):
    """What every block of targets needs from ``X``, computed once by :func:`prepare_design`.

    Attributes
    ----------
    alphas : array of shape (n_alphas,)
        Candidate penalties in the units of the rescaled ``X`` (sorted), in the
        namespace and dtype of ``X``.
    fit_intercept, alpha_per_target : bool
    select : bool
        Whether there are several candidates to choose from.
    ex : int
        Power-of-two exponent ``X`` was divided by (0 within the safe range).
    x_mean : array of shape (n_features,)
    constant_x : ndarray of bool, shape (n_features,)
        Constant source columns (NumPy; zero weight with an intercept).
    Xc : array of shape (n_samples, n_features) or None
        The centred design, kept in the primal form only (projecting targets needs it).
    basis : Eigenbasis
    refit_right : array of shape (k, n_features)
        ``Uᵀ X_c`` (dual) or ``Vᵀ`` (primal): ``W = (Q / (s + α))ᵀ @ refit_right``.
    loo : tuple or None
        :func:`~._ridge_solvers.loo_factors` (leave-one-out selection).
    folds : list or None
        :func:`~._ridge_solvers.kfold_factors` (K-fold selection).
    tested : array of shape (n_samples,) or None
        How often each stimulus is tested, when the folds do not test each once.
    """

    alphas: np.ndarray
    fit_intercept: bool
    alpha_per_target: bool
    select: bool
    ex: int
    x_mean: np.ndarray
    constant_x: np.ndarray
    Xc: np.ndarray | None
    basis: Eigenbasis
    refit_right: np.ndarray
    loo: tuple | None
    folds: list | None
    tested: np.ndarray | None


class TargetFit(NamedTuple):
    """The fit of a block of targets, by :func:`fit_targets`, in the user's units.

    Attributes
    ----------
    coef : array of shape (n_targets, n_features)
    intercept : array of shape (n_targets,)
    best : array of int, shape (n_targets,)
        Index of each target's penalty among the candidates.
    scores : array of shape (n_alphas, n_targets) or None
        Cross-validated R² of every candidate (NaN for constant targets); None without
        selection in this block.
    constant : ndarray of bool, shape (n_targets,)
        Constant targets (NumPy): zero weights, their mean as intercept.
    """

    coef: np.ndarray
    intercept: np.ndarray
    best: np.ndarray
    scores: np.ndarray | None
    constant: np.ndarray


def tests_each_once(folds, n_samples):
    """Whether the test folds partition the stimuli (each tested exactly once)."""
    tested = np.concatenate([test for _, test in folds])
    return tested.size == n_samples and np.bincount(tested, minlength=n_samples).max() == 1


def prepare_design(X, alphas, folds=None, *, fit_intercept=True, alpha_per_target=True,
                   selection_dtype=None):
    """The ``X``-only stage of ridge: what every block of targets shares.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        The validated design (float32 or float64), of any array-API namespace.
    alphas : ndarray of shape (n_alphas,)
        Sorted candidate penalties, in the user's units (NumPy).
    folds : list of (train, test) or None, default=None
        Checked NumPy index folds for K-fold selection; None for leave-one-out (or a
        single penalty).
    fit_intercept, alpha_per_target : bool, default=True
    selection_dtype : {None, "float32", "float64"}, default=None
        Precision of the held-out products (``Ridge.selection_dtype``).

    Returns
    -------
    RidgeDesign
    """
    xp, device = array_namespace(X)
    n, p = X.shape
    alphas = np.asarray(alphas)
    select = alphas.size > 1
    constant_x = constant_columns(X)
    # Data beyond 2**±256 are divided by a power of two (exact), so that Gram matrices
    # and squared errors stay in the float range; the penalties follow X.
    ex = extreme_exponent(X)
    X = ldexp(X, -ex)
    host = np.float32 if xp.finfo(X.dtype).bits == 32 else np.float64
    scaled = xp.asarray(penalty_in_scaled_units(alphas, ex, host), dtype=X.dtype,
                        device=device)
    Xc, x_mean = center(X, fit_intercept)
    if fit_intercept and constant_x.any():
        # exactly 0: their centred values are rounding noise (Xc is a new array)
        Xc *= xp.asarray(~constant_x, dtype=X.dtype, device=device)
    # the dual Gram matrix of the centred design serves the refit and every fold
    gram = Xc @ Xc.T if n < p else None
    basis = eigenbasis(Xc, gram=gram)
    loo = fold_factors = tested = None
    if select and folds is None:
        loo = loo_factors(Xc, scaled, basis, fit_intercept=fit_intercept,
                          dtype=selection_dtype)
    elif select:
        fold_factors = kfold_factors(X, folds, fit_intercept=fit_intercept, gram=gram,
                                     dtype=selection_dtype)
        if not tests_each_once(folds, n):
            tested = np.bincount(np.concatenate([test for _, test in folds]), minlength=n)
            tested = xp.asarray(tested.astype(host), device=device)
    return RidgeDesign(scaled, fit_intercept, alpha_per_target, select, ex, x_mean,
                       constant_x, None if basis.dual else Xc, basis,
                       refit_factor(Xc, basis), loo, fold_factors, tested)


def _in_basis(design, Y):
    """The block's targets rescaled, centred and projected on the design's eigenbasis."""
    ey = extreme_exponent(Y)
    Y = ldexp(Y, -ey)
    Yc, y_mean = center(Y, design.fit_intercept)
    return Y, Yc, y_mean, project_targets(design.Xc, Yc, design.basis), ey


def _errors(design, Y, Yc, Q, constant):
    """Held-out squared errors and cross-validated R² of every candidate for a block."""
    xp, device = array_namespace(Y)
    if design.loo is not None:
        sse = loo_sse(Yc, Q, design.basis, design.loo)
    else:
        sse = kfold_sse(Y, design.alphas, design.folds, fit_intercept=design.fit_intercept)
    sse = xp.astype(sse, Y.dtype, copy=False)
    Yd = Yc if design.fit_intercept else Y - xp.mean(Y, axis=0)
    # the sum of squares of the stimuli as often as they were tested
    total = column_sum_squares(Yd) if design.tested is None else design.tested @ (Yd * Yd)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = 1.0 - sse / total
    if constant.any():
        flat = xp.asarray(constant, device=device)[None, :]
        scores = xp.where(flat, xp.full_like(scores, xp.nan), scores)
    return sse, scores


def target_errors(design, Y):
    """Held-out squared errors of every candidate for a block of targets.

    The first pass of ``alpha_per_target=False`` over chunks, where one penalty is
    chosen from the errors summed over *all* targets.

    Returns
    -------
    sse : array of shape (n_alphas,)
        Summed over the block's targets (constant targets contribute their zero error).
    scores : array of shape (n_alphas, n_targets)
    """
    xp, _ = array_namespace(Y)
    Y, Yc, _, Q, _ = _in_basis(design, Y)
    sse, scores = _errors(design, Y, Yc, Q, constant_columns(Y))
    return xp.sum(sse, axis=1), scores


def fit_targets(design, Y, *, best=None):
    """The target stage of ridge: choose each target's penalty and refit, for a block.

    Parameters
    ----------
    design : RidgeDesign
        From :func:`prepare_design`.
    Y : array of shape (n_samples, n_targets)
        The block's targets, in the namespace, device and dtype of the design.
    best : int, default=None
        The index of the penalty of every target (``alpha_per_target=False`` chosen
        over several blocks); None: chosen here, per target or for the whole block
        as ``design.alpha_per_target`` says.

    Returns
    -------
    TargetFit
    """
    xp, device = array_namespace(Y)
    t = Y.shape[1]
    constant = constant_columns(Y)
    Y, Yc, y_mean, Q, ey = _in_basis(design, Y)
    scores = None
    if best is not None:
        best = xp.full(t, int(best), dtype=xp.int64, device=device)
    elif design.select:
        sse, scores = _errors(design, Y, Yc, Q, constant)
        if design.alpha_per_target:
            best = first_argmin(sse, xp)
        else:
            best = xp.full(t, first_argmin(xp.sum(sse, axis=1), xp, axis=None),
                           dtype=xp.int64, device=device)
    else:
        best = xp.zeros(t, dtype=xp.int64, device=device)
    del Yc  # as large as Y
    scaled_coef = coef_from_projection(Q, xp.take(design.alphas, best), design.basis,
                                       design.refit_right)
    # zeros by in-place products (no second array of the size of the weights)
    if constant.any():
        scaled_coef *= xp.asarray(~constant, dtype=Y.dtype, device=device)[:, None]
    if design.fit_intercept and design.constant_x.any():
        # not rounding noise of the eigenvectors: exactly 0
        scaled_coef *= xp.asarray(~design.constant_x, dtype=Y.dtype, device=device)[None, :]
    coef = ldexp(scaled_coef, ey - design.ex)
    check_representable(coef, scaled_coef)
    intercept = ldexp(y_mean - scaled_coef @ design.x_mean, ey)
    return TargetFit(coef, intercept, best, scores, constant)

