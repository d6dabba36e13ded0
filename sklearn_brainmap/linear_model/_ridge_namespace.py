"""Ridge kernels in any array-API namespace (PyTorch, CuPy, array-api-strict).

The same algorithm as :mod:`._ridge_solvers` (see there for the formulas): one
eigendecomposition of the smaller Gram matrix per fold, every penalty a diagonal
rescaling in the eigenbasis, and held-out errors from one product per penalty
``(A · diag(1 / (s + α))) @ Q`` with the scaling on the small factor, so that no weight
matrix is formed per penalty. Written with the array-API standard only (plus its
``linalg`` extension), so that it runs on the device of its inputs; the NumPy kernels
stay separate because they rely on NumPy-only tools that make them faster on a CPU
(in-place updates, cache-sized blocks, BLAS thread control).

Folds are given as NumPy index arrays and moved to the device once per fold.
"""

from ..utils import column_blocks
from ..utils._array_api import max_abs, scalar_exponent
from ._ridge_solvers import Eigenbasis
from ._scaling import EXTREME_EXPONENT, EXTREME_EXPONENT_FLOAT32

#: Bytes of the largest temporary per penalty (held-out residuals of a block of
#: targets): large blocks keep a GPU busy, and 256 MiB stays well within the memory of
#: the inputs and outputs at the sizes where a GPU pays.
_BLOCK_BYTES = 2**28


def center(X, fit_intercept, xp, device):
    """``X`` centred by its column means, and the means (zeros without intercept)."""
    if not fit_intercept:
        return X, xp.zeros(X.shape[1], dtype=X.dtype, device=device)
    mean = xp.mean(X, axis=0)
    return X - mean, mean


def clean_eigh(G, xp):
    """Eigendecomposition of a symmetric PSD matrix; numerically null eigenvalues -> 0."""
    s, vecs = xp.linalg.eigh(G)
    top = max(float(s[-1]), 0.0) if s.shape[0] else 0.0
    tol = top * G.shape[0] * float(xp.finfo(G.dtype).eps)
    return xp.where(s > tol, s, xp.zeros_like(s)), vecs


def eigenbasis(Xc, xp, *, gram=None):
    """:func:`._ridge_solvers.eigenbasis` in namespace ``xp``."""
    dual = Xc.shape[0] < Xc.shape[1]
    if dual:
        G = Xc @ Xc.T if gram is None else gram
    else:
        G = Xc.T @ Xc
    return Eigenbasis(dual, *clean_eigh(G, xp))


def inverse_shift(s, alpha, xp):
    """``1 / (s + α)`` on the non-null directions, 0 on the null ones (``α = 0`` then
    gives the minimum-norm least-squares solution)."""
    positive = s > 0
    denom = xp.where(positive, s + alpha, xp.ones_like(s + alpha))
    return xp.where(positive, 1.0 / denom, xp.zeros_like(denom))


def project_targets(Xc, Yc, basis):
    """``Uᵀ Y_c`` (dual) or ``Vᵀ X_cᵀ Y_c`` (primal)."""
    if basis.dual:
        return basis.vecs.T @ Yc
    return basis.vecs.T @ (Xc.T @ Yc)


def ridge_coef(Xc, Q, alpha, basis, xp):
    """Ridge coefficients ``(n_targets, n_features)`` for one penalty per target
    (``alpha`` an array of shape ``(n_targets,)``).

    ``Q`` is scaled in place (it is as large as the weights: no second copy on the
    device); the caller does not use it afterwards.
    """
    scaled = Q
    scaled *= inverse_shift(basis.s[:, None], alpha[None, :], xp)
    if basis.dual:
        return scaled.T @ (basis.vecs.T @ Xc)
    return scaled.T @ basis.vecs.T


def _blocks(n_targets, n_rows, itemsize):
    return column_blocks(n_targets, n_rows, itemsize, budget=_BLOCK_BYTES)


def ridge_loo_errors(Xc, Yc, alphas, basis, Q, xp, *, fit_intercept=True, work=None):
    """Leave-one-out squared errors ``(n_alphas, n_targets)`` of every penalty (a list
    of floats) and target: :func:`._ridge_solvers.ridge_loo_errors` in ``xp``.

    ``work`` is the dtype of the per-penalty products (default: that of ``Xc``).
    """
    n = Xc.shape[0]
    work = Xc.dtype if work is None else work
    s, vecs = basis.s, basis.vecs
    A = None if basis.dual else Xc @ vecs
    L = vecs**2 * s if basis.dual else A**2
    base_leverage = 1.0 / n if fit_intercept else 0.0
    inv = xp.stack([inverse_shift(s, alpha, xp) for alpha in alphas])  # (n_alphas, k)
    # hat diagonal h_i(α) = 1/n + Σ_k L_ik / (s_k + α); floored at ε as on NumPy
    one_minus_h = xp.clip((1.0 - base_leverage) - inv @ L.T,
                          min=float(xp.finfo(Xc.dtype).eps))
    weights = xp.astype(one_minus_h**-2, work, copy=False)
    Qw = xp.astype(Q, work, copy=False)
    Yw = None if basis.dual else xp.astype(Yc, work, copy=False)
    itemsize = 4 if work == xp.float32 else 8
    out = []
    for block in _blocks(Yc.shape[1], n, itemsize):
        rows = []
        for a in range(len(alphas)):
            if basis.dual:  # residual-maker U diag(α/(s+α)) Uᵀ
                F = vecs * (1.0 - s * inv[a, :])
            else:  # predictions A diag(1/(s+α)) Aᵀ Y_c
                F = A * inv[a, :]
            E = xp.astype(F, work, copy=False) @ Qw[:, block]
            if Yw is not None:
                E = E - Yw[:, block]
            rows.append(weights[a, :] @ (E * E))
        out.append(xp.stack(rows))
    sse = out[0] if len(out) == 1 else xp.concat(out, axis=1)
    return xp.astype(sse, Xc.dtype, copy=False)


def _fold_factors(K, Xg, train, test, fit_intercept, xp, device):
    """``(A, B, s)`` of one fold, as :func:`._ridge_solvers._fold_factors`.

    Null directions are kept (their ``1/(s+α)`` is 0), which avoids boolean indexing,
    whose result has a data-dependent shape that not every namespace supports.
    """
    if K is not None:
        K_tr = xp.take(xp.take(K, train, axis=0), train, axis=1)
        K_te = xp.take(xp.take(K, test, axis=0), train, axis=1)
        if fit_intercept:
            col_mean = xp.mean(K_tr, axis=0)
            K_tr = K_tr - col_mean[None, :] - col_mean[:, None] + xp.mean(col_mean)
            K_te = K_te - col_mean[None, :]
            K_te = K_te - xp.mean(K_te, axis=1, keepdims=True)
        s, U = clean_eigh(K_tr, xp)
        return K_te @ U, U, s
    X_tr, X_te = xp.take(Xg, train, axis=0), xp.take(Xg, test, axis=0)
    X_tr, mean = center(X_tr, fit_intercept, xp, device)
    basis = eigenbasis(X_tr, xp)
    return (X_te - mean) @ basis.vecs, X_tr @ basis.vecs, basis.s


def ridge_kfold_errors(X, Y, alphas, folds, xp, device, *, fit_intercept=True,
                       gram=None, work=None):
    """K-fold squared errors ``(n_alphas, n_targets)``: :func:`._ridge_solvers.
    ridge_kfold_errors` in ``xp``, with ``folds`` a list of NumPy index pairs.

    Targets are taken in blocks whose training and test rows stay within
    ``_BLOCK_BYTES`` each, so that a fold adds only a few such blocks to the memory of
    the inputs (GPU memory is the scarce resource at scale).
    """
    p = X.shape[1]
    work = X.dtype if work is None else work
    itemsize = 4 if work == xp.float32 else 8
    Xg = X - xp.mean(X, axis=0) if fit_intercept else X
    needs_dual = any(len(train) < p for train, _ in folds)
    K = (Xg @ Xg.T if gram is None else gram) if needs_dual else None
    m, t = len(alphas), Y.shape[1]
    parts_by_block = None
    for train_np, test_np in folds:
        train = xp.asarray(train_np, device=device)
        test = xp.asarray(test_np, device=device)
        A, B, s = _fold_factors(K if len(train_np) < p else None, Xg, train, test,
                                fit_intercept, xp, device)
        A, B = xp.astype(A, work, copy=False), xp.astype(B, work, copy=False)
        s = xp.astype(s, work, copy=False)
        (n_tr, k), n_te = B.shape, len(test_np)
        # the same choice as on NumPy: fold Bᵀ into the small left factor when that is
        # cheaper than projecting the targets (many targets, near full rank)
        fold_in = m * n_te * n_tr * (t + k) < (n_tr * k + m * n_te * k) * t
        blocks = _blocks(t, max(n_tr, n_te), itemsize)
        factors = None
        if len(blocks) > 1:  # formed once per fold, used by every block
            factors = [_kfold_factor(A, B, s, alpha, fold_in, xp) for alpha in alphas]
        fold_parts = []
        for block in blocks:
            Y_block = xp.astype(Y[:, block], work, copy=False)
            Y_tr = xp.take(Y_block, train, axis=0)
            Y_te = xp.take(Y_block, test, axis=0)
            if fit_intercept:
                y_mean = xp.mean(Y_tr, axis=0)
                Y_tr, Y_te = Y_tr - y_mean, Y_te - y_mean
            right = Y_tr if fold_in else B.T @ Y_tr
            rows = []
            for a in range(m):
                F = (factors[a] if factors is not None
                     else _kfold_factor(A, B, s, alphas[a], fold_in, xp))
                E = F @ right - Y_te
                rows.append(xp.sum(E * E, axis=0))
            fold_parts.append(xp.stack(rows))
        if parts_by_block is None:
            parts_by_block = fold_parts
        else:
            parts_by_block = [a + b for a, b in zip(parts_by_block, fold_parts)]
    sse = (parts_by_block[0] if len(parts_by_block) == 1
           else xp.concat(parts_by_block, axis=1))
    return xp.astype(sse, X.dtype, copy=False)


def _kfold_factor(A, B, s, alpha, fold_in, xp):
    """The left factor of one fold's held-out predictions for penalty ``alpha``."""
    F = A * inverse_shift(s, alpha, xp)
    return F @ B.T if fold_in else F


def ldexp(A, e):
    """``A · 2**e`` for an int ``e`` (exact in binary floating point), ``A`` itself for 0.

    In two factors, so that neither power of two leaves the float range even where
    ``A · 2**e`` is representable but ``2**e`` alone is not.
    """
    if e == 0:
        return A
    half = int(e) // 2
    return (A * 2.0**half) * 2.0**(int(e) - half)


def extreme_exponent(A, xp):
    """:func:`._scaling.extreme_exponent` in ``xp`` (one reduction, one sync)."""
    e = scalar_exponent(float(max_abs(A, xp)))
    limit = EXTREME_EXPONENT_FLOAT32 if A.dtype == xp.float32 else EXTREME_EXPONENT
    return e if abs(e) > limit else 0


def representable(coef, scaled_coef, xp):
    """Whether weights brought back to the user's units (``coef``) are finite and kept
    their digits (as :func:`._scaling.check_representable`, one sync)."""
    tiny = float(xp.finfo(coef.dtype).smallest_normal)
    lost = (xp.abs(scaled_coef) >= tiny) & (xp.abs(coef) < tiny)
    return bool(xp.all(xp.isfinite(coef))) and not bool(xp.any(lost))
