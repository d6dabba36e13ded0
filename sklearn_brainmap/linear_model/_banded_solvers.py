"""Banded ridge kernels in two stages, written once for every array namespace.

Banded ridge gives each feature band ``b`` its own penalty,

    ``W = argmin ‖Y_c − Σ_b X_b W_b‖²_F + Σ_b α/γ_b ‖W_b‖²_F``,

with band scalings ``γ`` (on the simplex) and a global penalty ``α``. Substituting
``Z_b = √γ_b X_b`` turns it into ordinary ridge on ``Z`` with penalty ``α``: for a
fixed ``γ``, every ``α`` and every target share one eigendecomposition of the smaller
Gram matrix of ``Z``,

* primal (``n ≥ p``): ``Zᵀ Z = D Xᵀ X D = V diag(s) Vᵀ``, ``D = diag(√γ_band(f))``;
* dual (``n < p``): ``Z Zᵀ = Σ_b γ_b X_b X_bᵀ = U diag(s) Uᵀ``,

and a penalty is a diagonal rescaling ``1 / (s + α)`` of the small factor (no weight
matrix is formed per penalty). Random search (Dupré la Tour et al. 2022) tries every
candidate ``γ`` with every ``α``, keeps per target the pair with the smallest
held-out squared error, and refits.

Two stages, so that in-memory, GPU and chunked (Dask) fits share the arithmetic:

* :func:`prepare_banded_design` — everything that depends on ``X`` only (centring,
  band normalisation, the per-band Gram or kernel blocks of every fold);
* :func:`fit_banded_targets` — selection and refit for a block of targets.

Each call of the second stage recomputes the decompositions (one per candidate and
fold): storing them would take ``n_candidates × n_folds`` Gram-sized matrices.

References
----------
Nunez-Elizalde, Huth & Gallant (2019), Voxelwise encoding models with non-spherical
multivariate normal priors, *NeuroImage* 197, 482–492. Dupré la Tour, Eickenberg,
Nunez-Elizalde & Gallant (2022), Feature-space selection with banded ridge
regression, *NeuroImage* 264, 119728.
"""

from typing import NamedTuple

import numpy as np

from ..utils._array_api import first_argmin, namespace_and_device, to_numpy

#: Bytes of the held-out residuals of all penalties for one block of targets.
_BLOCK_BYTES = 2**25


class BandedDesign(NamedTuple):
    """What a banded ridge fit needs from ``X`` (output of :func:`prepare_banded_design`).

    Attributes
    ----------
    Xc : array of shape (n_samples, n_features)
        The design centred by its column means (raw without intercept).
    x_mean : array of shape (n_features,)
    feature_band : ndarray of int of shape (n_features,)
        Band of each feature (NumPy).
    band_weights : ndarray of shape (n_bands,)
        Each band is multiplied by its weight inside the solver (``1/σ_b`` when bands
        are normalised, else 1); NumPy.
    gammas : ndarray of shape (n_candidates, n_bands)
        Candidate band scalings (NumPy).
    alphas : ndarray of shape (n_alphas,)
        Candidate global penalties, sorted (NumPy).
    folds : list of (train, test) NumPy index arrays, or None for leave-one-out
    fold_blocks : list of tuple
        Per fold, ``("dual", K_tr, K_te)`` with the fold-centred per-band kernels of
        shapes (n_bands, n_train, n_train) and (n_bands, n_test, n_train) (band
        weights applied), or ``("primal", G_tr, X_tr, X_te)`` with the Gram matrix of
        the fold-centred training design and the fold-centred designs (unweighted).
    kernels : array of shape (n_bands, n_samples, n_samples) or None
        Per-band kernels of the centred design (weights applied), when the full-data
        problem is dual; else None.
    gram : array of shape (n_features, n_features) or None
        ``X_cᵀ X_c`` (unweighted) when the full-data problem is primal; else None.
    fit_intercept : bool
    selection_dtype : str or None
        Precision of the held-out products (``"float32"`` or None: that of ``X``).
    refine_steps : int
        Steps of gradient refinement of each target's log band scalings after the
        random search (0: none; K-fold only; see :mod:`._banded_refine`).
    """

    Xc: object
    x_mean: object
    feature_band: np.ndarray
    band_weights: np.ndarray
    gammas: np.ndarray
    alphas: np.ndarray
    folds: object
    fold_blocks: list
    kernels: object
    gram: object
    fit_intercept: bool
    selection_dtype: object = None
    refine_steps: int = 0


class BandedFit(NamedTuple):
    """The result of :func:`fit_banded_targets` for a block of targets.

    Attributes
    ----------
    coef : array of shape (n_targets, n_features)
        Weights in the units of the ``X`` given to :func:`prepare_banded_design`.
    intercept : array of shape (n_targets,)
    best_gamma, best_alpha : arrays of int of shape (n_targets,)
        Indices of the chosen candidate band scaling and global penalty.
    cv_sse : array of shape (n_candidates, n_targets)
        Held-out sum of squared errors of each candidate scaling, at its best penalty.
    best_sse : array of shape (n_targets,)
        Held-out sum of squared errors of the final hyperparameters.
    delta : array of shape (n_bands, n_targets) or None
        With gradient refinement, each target's log band scalings ``log(γ_b / α)``
        (in the units of the normalised bands), else None.
    """

    coef: object
    intercept: object
    best_gamma: object
    best_alpha: object
    cv_sse: object
    best_sse: object = None
    delta: object = None


def _center(X, fit_intercept, xp, device):
    if not fit_intercept:
        return X, xp.zeros(X.shape[1], dtype=X.dtype, device=device)
    mean = xp.mean(X, axis=0)
    return X - mean, mean


def _clean_eigh(G, xp):
    """Eigendecomposition of a symmetric PSD matrix; numerically null eigenvalues -> 0."""
    s, vecs = xp.linalg.eigh(G)
    top = max(float(s[-1]), 0.0) if s.shape[0] else 0.0
    tol = top * G.shape[0] * float(xp.finfo(G.dtype).eps)
    return xp.where(s > tol, s, xp.zeros_like(s)), vecs


def _inverse_shift(s, alpha, xp):
    """``1 / (s + α)`` on the non-null directions, 0 on the null ones (``α = 0`` is
    then the minimum-norm least-squares fit; null directions carry no signal)."""
    positive = s > 0
    denom = xp.where(positive, s + alpha, xp.ones_like(s))
    return xp.where(positive, 1.0 / denom, xp.zeros_like(s))


def prepare_banded_design(X, feature_band, *, gammas, alphas, folds=None,
                          fit_intercept=True, normalize_bands=False, selection_dtype=None,
                          refine_steps=0):
    """Stage 1 of banded ridge: everything that depends on ``X`` alone.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Design, of any array-API namespace (the result lives in the same).
    feature_band : array-like of int of shape (n_features,)
        Band of each feature, in ``0..n_bands-1``.
    gammas : array-like of shape (n_candidates, n_bands)
        Candidate band scalings (non-negative; rows need not sum to one).
    alphas : array-like of shape (n_alphas,)
        Candidate global penalties (non-negative).
    folds : list of (train, test) index arrays, or None
        K-fold (or any) splits; None selects by exact leave-one-out.
    fit_intercept : bool, default=True
        Centre the design (and each training fold) by its column means.
    normalize_bands : bool, default=False
        Divide each band by ``σ_b``, the root mean variance of its columns, so that
        the candidates do not depend on the bands' scales.
    selection_dtype : {None, "float32", "float64"}, default=None
        Precision of the held-out products with the targets (they dominate the cost
        with many targets); decompositions and the refit stay in the precision of
        ``X``.
    refine_steps : int, default=0
        Steps of per-target gradient refinement of the log band scalings after the
        random search (K-fold only, positive ``alphas``).

    Returns
    -------
    BandedDesign
    """
    xp, device = namespace_and_device(X)
    feature_band = np.asarray(feature_band, dtype=np.intp)
    gammas = np.atleast_2d(np.asarray(gammas, dtype=np.float64))
    n_bands = gammas.shape[1]
    n, p = X.shape
    Xc, x_mean = _center(X, fit_intercept, xp, device)
    band_index = [xp.asarray(np.flatnonzero(feature_band == b), device=device)
                  for b in range(n_bands)]
    band_weights = np.ones(n_bands)
    if normalize_bands:
        for b, idx in enumerate(band_index):
            Xb = xp.take(Xc, idx, axis=1)
            if not fit_intercept:  # the variance of the columns, whatever the centring
                Xb = Xb - xp.mean(Xb, axis=0)
            var = float(xp.sum(Xb * Xb)) / (n * Xb.shape[1])
            band_weights[b] = 1.0 / np.sqrt(var) if var > 0 else 1.0
    dual = n < p
    Kall = None
    if dual or (folds is not None and any(len(tr) < p for tr, _ in folds)):
        # the per-band kernels of the (globally centred) weighted design serve every
        # dual fold and the full-data fit: a constant shift changes nothing once a fold
        # is centred, and removing the global mean first keeps them well conditioned
        w = xp.asarray(band_weights[feature_band], dtype=X.dtype, device=device)
        Xw = Xc * w
        Kall = xp.stack([xp.take(Xw, idx, axis=1) @ xp.take(Xw, idx, axis=1).T
                         for idx in band_index])
        del Xw
    fold_blocks = []
    if folds is not None:
        for train_np, test_np in folds:
            train = xp.asarray(train_np, device=device)
            test = xp.asarray(test_np, device=device)
            if len(train_np) < p:
                K_tr = xp.take(xp.take(Kall, train, axis=1), train, axis=2)
                K_te = xp.take(xp.take(Kall, test, axis=1), train, axis=2)
                if fit_intercept:  # C K_tr C and (K_te − 1 k̄ᵀ) C, C = I − 11ᵀ/n_tr
                    col = xp.mean(K_tr, axis=1, keepdims=True)  # (B, 1, n_tr)
                    K_tr = K_tr - col - xp.permute_dims(col, (0, 2, 1)) + xp.mean(
                        col, axis=2, keepdims=True)
                    K_te = K_te - col
                    K_te = K_te - xp.mean(K_te, axis=2, keepdims=True)
                fold_blocks.append(("dual", K_tr, K_te))
            else:
                # unweighted: the per-feature scale of each candidate carries the weights
                X_tr, X_te = xp.take(Xc, train, axis=0), xp.take(Xc, test, axis=0)
                X_tr, mean = _center(X_tr, fit_intercept, xp, device)
                fold_blocks.append(("primal", X_tr.T @ X_tr, X_tr, X_te - mean))
    kernels = Kall if dual else None
    gram = None if dual else Xc.T @ Xc
    return BandedDesign(Xc, x_mean, feature_band, band_weights, gammas,
                        np.sort(np.asarray(alphas, dtype=np.float64).ravel()),
                        folds, fold_blocks, kernels, gram, fit_intercept,
                        selection_dtype, int(refine_steps))


def _feature_scale(design, gamma, xp, device, dtype):
    """``√γ_band(f) · w_band(f)`` per feature: the columns of ``Z`` from those of ``X_c``."""
    d = np.sqrt(gamma)[design.feature_band] * design.band_weights[design.feature_band]
    return xp.asarray(d, dtype=dtype, device=device)


def _weighted_sum(blocks, gamma, xp):
    """``Σ_b γ_b blocks[b]`` (a kernel of the scaled design)."""
    return xp.tensordot(xp.asarray(gamma, dtype=blocks.dtype, device=blocks.device),
                        blocks, axes=1)


def _fold_sse(block, gamma, d, alphas, Y_tr, Y_te, XtY, xp, work):
    """Held-out squared errors ``(n_alphas, n_targets)`` of one fold for one candidate.

    Held-out predictions for penalty ``α`` are ``(A diag(1/(s+α))) @ Q``. ``Q`` (the
    projected training targets) is formed once; when the fold is dual and there are
    more targets than test predictions of all penalties, ``Uᵀ`` is folded into the
    small left factor instead (cheaper, as in :func:`._ridge_solvers.ridge_kfold_errors`).
    The per-penalty products are in the dtype ``work`` (``Y_te``'s).
    """
    if block[0] == "dual":
        _, K_tr, K_te = block
        s, U = _clean_eigh(_weighted_sum(K_tr, gamma, xp), xp)
        A = _weighted_sum(K_te, gamma, xp) @ U
        fold_in = len(alphas) * A.shape[0] < Y_te.shape[1]
        right = xp.astype(Y_tr, work) if fold_in else xp.astype(U.T @ Y_tr, work)
    else:
        _, G, X_tr, X_te = block
        s, V = _clean_eigh(G * d[:, None] * d[None, :], xp)
        A = (X_te * d) @ V
        fold_in = False
        right = xp.astype(V.T @ (d[:, None] * XtY), work)
        U = None
    # every penalty at once: the scaled factors stacked into one (m·n_te, k) matrix,
    # one product per block of targets (blocks keep the residuals near _BLOCK_BYTES)
    m, n_te = len(alphas), A.shape[0]
    inv = xp.stack([_inverse_shift(s, float(alpha), xp) for alpha in alphas])  # (m, k)
    F = xp.reshape(A[None, ...] * inv[:, None, :], (m * n_te, A.shape[1]))
    if fold_in:
        F = F @ U.T
    F = xp.astype(F, work)
    t = Y_te.shape[1]
    step = max(1, _BLOCK_BYTES // (8 * m * n_te))
    parts = []
    for start in range(0, t, step):
        stop = min(start + step, t)
        E = xp.reshape(F @ right[:, start:stop], (m, n_te, stop - start))
        E = E - Y_te[None, :, start:stop]
        parts.append(xp.sum(E * E, axis=1))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=1)


def _full_basis(design, gamma, xp, device, dtype):
    """Eigendecomposition of the full-data problem for one candidate: ``(dual, s, vecs,
    d)``, ``d`` the per-feature scale of ``Z``."""
    d = _feature_scale(design, gamma, xp, device, dtype)
    if design.kernels is not None:
        s, U = _clean_eigh(_weighted_sum(design.kernels, gamma, xp), xp)
        return True, s, U, d
    s, V = _clean_eigh(design.gram * d[:, None] * d[None, :], xp)
    return False, s, V, d


def _loo_sse(design, gamma, Yc, XtY, xp, device):
    """Leave-one-out squared errors ``(n_alphas, n_targets)`` for one candidate.

    ``e_i(α) = r_i(α) / (1 − h_ii(α))`` with the intercept's leverage ``1/n`` in
    ``h_ii`` (see :func:`._ridge_solvers.ridge_loo_errors`).
    """
    n = Yc.shape[0]
    dual, s, vecs, d = _full_basis(design, gamma, xp, device, Yc.dtype)
    if dual:
        L, Q = vecs**2 * s, vecs.T @ Yc
    else:
        A = (design.Xc * d) @ vecs
        L, Q = A**2, vecs.T @ (d[:, None] * XtY)
    base = 1.0 / n if design.fit_intercept else 0.0
    eps = float(xp.finfo(Yc.dtype).eps)
    rows = []
    for alpha in design.alphas:
        inv = _inverse_shift(s, float(alpha), xp)
        one_minus_h = xp.clip((1.0 - base) - L @ inv, min=eps)
        if dual:  # residual-maker U diag(α/(s+α)) Uᵀ
            E = (vecs * (1.0 - s * inv)) @ Q
        else:
            E = (A * inv) @ Q - Yc
        rows.append((one_minus_h ** -2) @ (E * E))
    return xp.stack(rows)


def fit_banded_targets(design, Y):
    """Stage 2 of banded ridge: random-search selection and refit for a block of targets.

    For every candidate scaling ``γ`` and fold, one eigendecomposition serves every
    penalty and every target; the held-out squared errors are summed over folds, and
    each target keeps the ``(γ, α)`` with the smallest (ties: the earlier candidate,
    the smaller penalty). The refit decomposes the full data once per chosen ``γ``.

    Parameters
    ----------
    design : BandedDesign
        From :func:`prepare_banded_design`.
    Y : array of shape (n_samples, n_targets)
        Targets, in the namespace, device and dtype of the design.

    Returns
    -------
    BandedFit
    """
    xp, device = namespace_and_device(design.Xc, Y)
    dtype = design.Xc.dtype
    work = dtype if design.selection_dtype is None else getattr(xp, design.selection_dtype)
    Yc, y_mean = _center(Y, design.fit_intercept, xp, device)
    t = Y.shape[1]
    primal_full = design.gram is not None
    XtY = design.Xc.T @ Yc if primal_full else None
    if design.folds is not None:
        # per fold: the test targets (all folds together: one copy of Y) and, for a
        # primal fold, X_trᵀ Y_tr (serves every candidate); the training targets of a
        # dual fold are taken per candidate, so that memory stays at about twice Y
        per_fold = []
        for (train_np, test_np), block in zip(design.folds, design.fold_blocks):
            train = xp.asarray(train_np, device=device)
            test = xp.asarray(test_np, device=device)
            mean = (xp.mean(xp.take(Y, train, axis=0), axis=0) if design.fit_intercept
                    else xp.zeros(t, dtype=dtype, device=device))
            fold_XtY = (block[2].T @ (xp.take(Y, train, axis=0) - mean)
                        if block[0] == "primal" else None)
            per_fold.append((block, train, mean,
                             xp.astype(xp.take(Y, test, axis=0) - mean, work), fold_XtY))
    cv_sse, best_gamma, best_alpha, best_sse = [], None, None, None
    for g, gamma in enumerate(design.gammas):
        if design.folds is None:
            sse = _loo_sse(design, gamma, Yc, XtY, xp, device)
        else:
            d = _feature_scale(design, gamma, xp, device, dtype)
            sse = None
            for block, train, mean, Y_te, fold_XtY in per_fold:
                Y_tr = (xp.take(Y, train, axis=0) - mean) if block[0] == "dual" else None
                part = _fold_sse(block, gamma, d, design.alphas, Y_tr, Y_te, fold_XtY, xp,
                                 work)
                sse = part if sse is None else sse + part
            sse = xp.astype(sse, dtype)
        a = first_argmin(sse, xp)
        low = xp.min(sse, axis=0)
        cv_sse.append(low)
        if best_sse is None:
            best_sse, best_alpha = low, a
            best_gamma = xp.zeros(t, dtype=a.dtype, device=device)
        else:
            better = low < best_sse
            best_sse = xp.where(better, low, best_sse)
            best_alpha = xp.where(better, a, best_alpha)
            best_gamma = xp.where(better, xp.full_like(best_gamma, g), best_gamma)
    delta = None
    if design.refine_steps > 0 and design.folds is not None:
        from ._banded_refine import refine, refit_kernel

        gammas = xp.asarray(design.gammas, dtype=dtype, device=device)
        gamma = xp.take(gammas, best_gamma, axis=0).T                   # (n_bands, t)
        alpha = xp.take(xp.asarray(design.alphas, dtype=dtype, device=device), best_alpha)
        active = gamma > 0
        start = xp.log(xp.where(active, gamma, xp.ones_like(gamma)) / alpha[None, :])
        delta, best_sse = refine(design, Y, start, active, design.refine_steps)
        coef = refit_kernel(design, Yc, delta, active, xp)
        delta = xp.where(active, delta, xp.full_like(delta, -xp.inf))
    else:
        coef = _refit(design, Yc, XtY, best_gamma, best_alpha, xp, device)
    intercept = y_mean - coef @ design.x_mean
    return BandedFit(coef, intercept, best_gamma, best_alpha, xp.stack(cv_sse),
                     best_sse, delta)


def _refit(design, Yc, XtY, best_gamma, best_alpha, xp, device):
    """Weights ``(n_targets, n_features)``: one decomposition per chosen candidate.

    Targets are grouped by their candidate; the groups' weights are concatenated and
    put back in target order by one ``take`` (no item assignment, which the array API
    does not have for index arrays). On NumPy each group is written in place into
    the result instead: one array of the size of the weights, not three.
    """
    chosen = to_numpy(best_gamma).astype(np.intp)
    alpha_idx = to_numpy(best_alpha).astype(np.intp)
    order = np.argsort(chosen, kind="stable")
    dtype = Yc.dtype
    in_place = isinstance(Yc, np.ndarray)
    out = np.empty((Yc.shape[1], design.Xc.shape[1]), dtype=dtype) if in_place else None
    parts = []
    for g in np.unique(chosen):
        targets = order[chosen[order] == g]
        idx = xp.asarray(targets, device=device)
        alpha = xp.asarray(design.alphas[alpha_idx[targets]], dtype=dtype, device=device)
        dual, s, vecs, d = _full_basis(design, design.gammas[g], xp, device, dtype)
        inv = _inverse_shift(s[:, None], alpha[None, :], xp)
        if dual:
            C = vecs @ ((vecs.T @ xp.take(Yc, idx, axis=1)) * inv)  # dual coefficients
            part = (C.T @ design.Xc) * (d * d)
        else:
            Q = vecs.T @ (d[:, None] * xp.take(XtY, idx, axis=1))
            part = (Q * inv).T @ vecs.T * d
        if in_place:
            out[targets] = part
        else:
            parts.append(part)
    if in_place:
        return out
    coef = xp.concat(parts, axis=0)
    del parts
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return xp.take(coef, xp.asarray(inverse, device=device), axis=0)
