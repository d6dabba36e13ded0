"""Gradient refinement of banded ridge's log band scalings, per target (opt-in).

From the best random-search candidate, each target's log band scalings
``δ_b = log(γ_b w_b² / α)`` (the model is kernel ridge with ``K(δ) = Σ_b e^{δ_b} K_b``
and unit penalty, ``K_b`` the band kernels with the band weights ``w_b``) descend the
K-fold held-out loss

    ``L(δ) = Σ_f ‖K_te(δ) (K_tr(δ) + I)⁻¹ y_tr − y_te‖²``,

whose gradient comes from implicit differentiation of the fold's solution
``c = (K_tr + I)⁻¹ y_tr`` (as himalaya's hyper-gradient solver):

    ``∂L/∂δ_b = 2 e^{δ_b} Σ_f (rᵀ K_te,b c − uᵀ K_tr,b c)``,
    ``r = K_te c − y_te``, ``u = (K_tr + I)⁻¹ K_teᵀ r``.

Steps are taken per target along ``−g / max|g|`` with a step length that grows after
an accepted step and halves after a refused one; a step is accepted only when it
lowers the target's held-out loss, so the result is never worse than the candidate's
on that loss. Bands left out by the candidate (``γ_b = 0``) stay out. No band's
penalty goes below the smallest candidate penalty (``δ_b ≤ −log α_min``): where the
held-out loss keeps falling as a penalty vanishes (least squares is best) the system
``K(δ) + I`` would otherwise become ill-conditioned.

The targets' kernels differ, so nothing is shared across targets: each step costs
two ``n_train³`` solves per target and fold (batched over targets).

References
----------
Bengio (2000), Gradient-based optimization of hyperparameters, *Neural Computation*
12. Dupré la Tour, Eickenberg, Nunez-Elizalde & Gallant (2022), *NeuroImage* 264.
"""

import numpy as np

from ..utils._array_api import namespace_and_device

#: Bytes of the per-target kernels of one batch of targets.
_BATCH_BYTES = 2**27


def band_kernels(design, rows_tr, rows_te, xp):
    """Per-band kernels ``(K_tr, K_te)`` of fold-centred rows (band weights applied).

    ``rows_tr`` and ``rows_te`` are the centred designs of a primal fold or of the
    full data (``rows_te`` None: the training kernel only).
    """
    w = xp.asarray(design.band_weights[design.feature_band], dtype=rows_tr.dtype,
                   device=rows_tr.device)
    A = rows_tr * w
    B = None if rows_te is None else rows_te * w
    K_tr, K_te = [], []
    for b in range(len(design.band_weights)):
        idx = xp.asarray(np.flatnonzero(design.feature_band == b), device=A.device)
        Ab = xp.take(A, idx, axis=1)
        K_tr.append(Ab @ Ab.T)
        if B is not None:
            K_te.append(xp.take(B, idx, axis=1) @ Ab.T)
    return xp.stack(K_tr), (None if B is None else xp.stack(K_te))


def _fold_kernels(design, xp):
    out = []
    for block in design.fold_blocks:
        if block[0] == "dual":
            out.append((block[1], block[2]))
        else:
            out.append(band_kernels(design, block[2], block[3], xp))
    return out


def _per_target(blocks, scale, xp):
    """``Σ_b scale[b, j] blocks[b]`` for every target ``j``: (t, rows, cols)."""
    out = None
    for b in range(blocks.shape[0]):
        term = scale[b, :][:, None, None] * blocks[b, ...][None, ...]
        out = term if out is None else out + term
    return out


def loss_and_gradient(delta, active, folds, Y_tr, Y_te, xp):
    """Held-out loss ``(t,)`` and its gradient ``(n_bands, t)`` in ``δ`` (see module).

    Parameters
    ----------
    delta : array of shape (n_bands, t)
    active : array of bool of shape (n_bands, t)
        Bands in the model (``e^δ`` is 0 elsewhere, and so is the gradient).
    folds : list of (K_tr, K_te)
        Per-band kernels, (n_bands, n_tr, n_tr) and (n_bands, n_te, n_tr).
    Y_tr, Y_te : lists of (n_tr, t), (n_te, t) fold-centred targets
    """
    scale = xp.where(active, xp.exp(xp.where(active, delta, xp.zeros_like(delta))),
                     xp.zeros_like(delta))
    t = delta.shape[1]
    loss = xp.zeros(t, dtype=delta.dtype, device=delta.device)
    grad = xp.zeros_like(delta)
    for (K_tr, K_te), y_tr, y_te in zip(folds, Y_tr, Y_te):
        n_tr = K_tr.shape[1]
        eye = xp.eye(n_tr, dtype=K_tr.dtype, device=K_tr.device)
        A = _per_target(K_tr, scale, xp) + eye                 # (t, n_tr, n_tr)
        Kte = _per_target(K_te, scale, xp)                     # (t, n_te, n_tr)
        c = xp.linalg.solve(A, xp.permute_dims(y_tr, (1, 0))[:, :, None])  # (t, n_tr, 1)
        r = (Kte @ c)[:, :, 0] - xp.permute_dims(y_te, (1, 0))  # (t, n_te)
        loss = loss + xp.sum(r * r, axis=1)
        v = xp.permute_dims(Kte, (0, 2, 1)) @ r[:, :, None]    # K_teᵀ r: (t, n_tr, 1)
        u = xp.linalg.solve(A, v)[:, :, 0]                     # (t, n_tr)
        c = c[:, :, 0]
        # rᵀ K_te,b c and uᵀ K_tr,b c for every band and target: K_b cᵀ is one product
        te = xp.sum((K_te @ c.T) * r.T[None, ...], axis=1)     # (n_bands, t)
        tr = xp.sum((K_tr @ c.T) * u.T[None, ...], axis=1)
        grad = grad + 2.0 * scale * (te - tr)
    return loss, grad


def refine(design, Y, delta, active, n_steps):
    """Refined ``δ`` ``(n_bands, t)`` and its held-out loss ``(t,)``, from ``delta``.

    ``δ`` stays at most ``−log min(design.alphas)`` (``delta`` must respect it).

    ``Y`` holds the targets of ``design``'s folds (uncentred). Targets are taken in
    batches whose per-target kernels stay within ``_BATCH_BYTES``.
    """
    xp, device = namespace_and_device(Y)
    kernels = _fold_kernels(design, xp)
    top_delta = -float(np.log(np.min(design.alphas)))
    largest = max(K_tr.shape[1] * (K_tr.shape[1] + K_te.shape[1]) for K_tr, K_te in kernels)
    batch = max(1, _BATCH_BYTES // (8 * largest * 2))
    t = Y.shape[1]
    deltas, losses = [], []
    for start in range(0, t, batch):
        cols = xp.arange(start, min(start + batch, t), device=device)
        Yb = xp.take(Y, cols, axis=1)
        Y_tr, Y_te = [], []
        for train_np, test_np in design.folds:
            train = xp.asarray(train_np, device=device)
            test = xp.asarray(test_np, device=device)
            y_tr = xp.take(Yb, train, axis=0)
            mean = (xp.mean(y_tr, axis=0) if design.fit_intercept
                    else xp.zeros(Yb.shape[1], dtype=Yb.dtype, device=device))
            Y_tr.append(y_tr - mean)
            Y_te.append(xp.take(Yb, test, axis=0) - mean)
        d = xp.take(delta, cols, axis=1)
        act = xp.take(active, cols, axis=1)
        loss, grad = loss_and_gradient(d, act, kernels, Y_tr, Y_te, xp)
        step = xp.ones(d.shape[1], dtype=d.dtype, device=device)
        for _ in range(n_steps):
            top = xp.max(xp.abs(grad), axis=0)
            direction = grad / xp.where(top > 0, top, xp.ones_like(top))
            trial = xp.where(act, xp.clip(d - step * direction, max=top_delta), d)
            trial_loss, trial_grad = loss_and_gradient(trial, act, kernels, Y_tr, Y_te, xp)
            better = trial_loss < loss
            d = xp.where(better[None, :], trial, d)
            loss = xp.where(better, trial_loss, loss)
            grad = xp.where(better[None, :], trial_grad, grad)
            step = xp.where(better, step * 1.5, step * 0.5)
        deltas.append(d)
        losses.append(loss)
    return xp.concat(deltas, axis=1), xp.concat(losses)


def refit_kernel(design, Yc, delta, active, xp):
    """Weights ``(t, n_features)`` of kernel ridge at each target's ``δ`` (full data)."""
    device = Yc.device
    K = design.kernels
    if K is None:
        K, _ = band_kernels(design, design.Xc, None, xp)
    n = K.shape[1]
    scale = xp.where(active, xp.exp(xp.where(active, delta, xp.zeros_like(delta))),
                     xp.zeros_like(delta))
    batch = max(1, _BATCH_BYTES // (8 * n * n))
    eye = xp.eye(n, dtype=K.dtype, device=device)
    w2 = xp.asarray(design.band_weights[design.feature_band] ** 2, dtype=Yc.dtype,
                    device=device)
    band = xp.asarray(design.feature_band, device=device)
    parts = []
    for start in range(0, Yc.shape[1], batch):
        cols = xp.arange(start, min(start + batch, Yc.shape[1]), device=device)
        s = xp.take(scale, cols, axis=1)
        A = _per_target(K, s, xp) + eye
        y = xp.permute_dims(xp.take(Yc, cols, axis=1), (1, 0))[:, :, None]
        c = xp.linalg.solve(A, y)[:, :, 0]                       # (batch, n)
        # coef_f = e^{δ_band(f)} w_f² (X_cᵀ c)_f
        parts.append((c @ design.Xc) * w2 * xp.permute_dims(xp.take(s, band, axis=0),
                                                            (1, 0)))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)
