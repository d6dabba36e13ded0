"""Ridge regression kernels: plain functions on arrays, no estimator state.

Every function here works for all targets and all penalties from one
eigendecomposition of the smaller Gram matrix,

* primal (``n_samples >= n_features``): ``X_cᵀ X_c = V diag(s) Vᵀ``, and
* dual (``n_samples < n_features``): ``X_c X_cᵀ = U diag(s) Uᵀ``,

where ``X_c`` is ``X`` centred by its column means when an intercept is fitted. A
penalty is then a diagonal rescaling in the eigenbasis, so the ridge solution for
target ``j`` with penalty ``α_j`` is

* primal: ``w_j = V diag(1 / (s + α_j)) Vᵀ X_cᵀ y_j``,
* dual:   ``w_j = X_cᵀ U diag(1 / (s + α_j)) Uᵀ y_j``,

and no weight matrix is ever formed per penalty: held-out predictions for a penalty
are one product ``(A · diag(1 / (s + α))) @ Q`` whose small factor carries the
scaling.

References
----------
Hastie, Tibshirani & Friedman (2009), *The Elements of Statistical Learning*, §3.4.1
and §7.10 (ridge in the SVD basis; leave-one-out residuals ``(y_i − ŷ_i)/(1 − h_ii)``).
Rifkin & Lippert (2007), *Notes on regularized least squares*, MIT-CSAIL-TR-2007-025
(all penalties from one eigendecomposition, primal and dual forms).

Every function is written once for all array namespaces (NumPy, and with array-API
dispatch PyTorch, CuPy, array-api-strict), as scikit-learn writes its solvers: the
namespace ``xp`` comes from the inputs and the few NumPy-only speed-ups (cache-sized
blocks of targets) are small ``is_numpy(xp)`` blocks. The target-independent parts
(:func:`loo_factors`, :func:`kfold_factors`) are apart from the parts applied to a block
of targets (:func:`loo_sse`, :func:`kfold_sse`), so that :mod:`._ridge_stages` can
prepare the first once and map the second over chunks of targets.
"""

from typing import NamedTuple

import numpy as np

from ..utils._array_api import array_namespace, is_numpy, itemsize
from ..utils._blocks import column_blocks

#: When the small factors of all penalties fit in _FACTOR_BYTES, targets are taken
#: in blocks of about _CACHE_BYTES of residuals (at least 256 targets) and every
#: penalty is applied to a block while it is in cache (NumPy only: a CPU's caches).
_FACTOR_BYTES = 2**24
_CACHE_BYTES = 2**20
#: Off NumPy (a GPU), bytes of the largest temporary per penalty: large blocks keep a
#: device busy, and 256 MiB stays well within the memory of the inputs and outputs.
_DEVICE_BYTES = 2**28


class Eigenbasis(NamedTuple):
    """The eigendecomposition of the smaller Gram matrix of a centred design.

    Attributes
    ----------
    dual : bool
        True when the decomposition is of ``X_c X_cᵀ`` (more features than samples).
    s : array of shape (k,)
        Eigenvalues, ascending, with those below the numerical rank threshold set to
        exactly 0.
    vecs : array of shape (n_features, k) or (n_samples, k)
        ``V`` (primal) or ``U`` (dual); every direction is kept, so that in the dual
        form ``U`` is a complete basis of the sample space.
    """

    dual: bool
    s: np.ndarray
    vecs: np.ndarray


def _blocks(n_columns, n_rows, dtype, xp):
    """Column blocks of the target-sized temporaries (larger off NumPy)."""
    if is_numpy(xp):
        return column_blocks(n_columns, n_rows, itemsize(dtype, xp))
    return column_blocks(n_columns, n_rows, itemsize(dtype, xp), budget=_DEVICE_BYTES)


def work_dtype(dtype, selection_dtype, xp):
    """The dtype of the selection products: ``selection_dtype`` (a name) or ``dtype``."""
    return dtype if selection_dtype is None else getattr(xp, str(selection_dtype))


def center(X, fit_intercept):
    """Return ``X`` centred by its column means, and the means (zeros without intercept)."""
    xp, device = array_namespace(X)
    if not fit_intercept:
        return X, xp.zeros(X.shape[1], dtype=X.dtype, device=device)
    mean = xp.mean(X, axis=0)
    return X - mean, mean


def _clean_eigh(G):
    """Eigendecomposition of a symmetric PSD matrix; numerically null eigenvalues -> 0."""
    xp, _ = array_namespace(G)
    s, vecs = xp.linalg.eigh(G)
    top = max(float(s[-1]), 0.0) if s.shape[0] else 0.0
    tol = top * G.shape[0] * float(xp.finfo(G.dtype).eps)
    return xp.where(s > tol, s, xp.zeros_like(s)), vecs


def eigenbasis(Xc, *, gram=None):
    """Eigendecomposition of the smaller Gram matrix of the centred design ``Xc``.

    Parameters
    ----------
    Xc : array of shape (n_samples, n_features)
        Centred design (or the raw design when no intercept is fitted).
    gram : array of shape (n_samples, n_samples), optional
        ``Xc @ Xc.T`` when the caller already has it (dual form only).

    Returns
    -------
    Eigenbasis
    """
    n, p = Xc.shape
    dual = n < p
    if dual:
        G = Xc @ Xc.T if gram is None else gram
    else:
        G = Xc.T @ Xc
    return Eigenbasis(dual, *_clean_eigh(G))


def inverse_shift(s, alpha):
    """``1 / (s + α)`` on the non-null directions, 0 on the null ones, in the dtype of ``s``.

    Null directions carry no signal of ``X``; giving them weight 0 makes ``α = 0`` the
    minimum-norm least-squares solution. ``s`` and ``alpha`` broadcast.
    """
    xp, _ = array_namespace(s)
    positive = s > 0
    denom = s + alpha
    denom = xp.where(positive, denom, xp.ones_like(denom))
    return xp.astype(xp.where(positive, 1.0 / denom, xp.zeros_like(denom)), s.dtype,
                     copy=False)


def project_targets(Xc, Yc, basis):
    """Targets in the eigenbasis: ``Uᵀ Y_c`` (dual) or ``Vᵀ X_cᵀ Y_c`` (primal).

    ``Xc`` is not used in the dual form (it may be None there).

    Returns
    -------
    Q : array of shape (k, n_targets)
    """
    if basis.dual:
        return basis.vecs.T @ Yc
    return basis.vecs.T @ (Xc.T @ Yc)


def refit_factor(Xc, basis):
    """The target-independent right factor of the weights: ``Uᵀ X_c`` (dual) or ``Vᵀ``."""
    # (k × n)(n × p) in the dual form: the one product of the size of the output
    return basis.vecs.T @ Xc if basis.dual else basis.vecs.T


def coef_from_projection(Q, alpha, basis, right):
    """Ridge coefficients for centred data, one penalty per target.

    ``W = argmin ‖Y_c − X_c W‖²_F + Σ_j α_j ‖w_j‖²`` is ``(diag(1/(s + α_j)) Q)ᵀ @ right``
    in the eigenbasis (see the module docstring), with ``Q`` from
    :func:`project_targets`, ``right`` from :func:`refit_factor` and ``alpha`` of shape
    ``(n_targets,)`` or a number (0: the minimum-norm least-squares fit). ``Q`` is
    scaled in place (it is as large as the weights: no second copy); the caller does
    not use it afterwards. Returns an array of shape ``(n_targets, n_features)``.
    """
    Q *= inverse_shift(basis.s[:, None], alpha[None, :] if hasattr(alpha, "shape")
                       else alpha)
    return Q.T @ right


def _penalty_sse(factor, right, n_alphas, Y=None, weights=None):
    """The (weighted) squared errors of every penalty, for every target.

    For penalty ``a``: ``E = factor(a) @ right − Y`` (``Y`` None: ``factor(a) @ right``
    is already the residual) and ``sse[a] = Σ_i w_ai E_ij²`` (``w = 1`` when
    ``weights`` is None), the weighted sum being one matrix-vector product.

    On NumPy, when the small factors are small (many targets, few samples, the
    population case), the targets are taken in cache-sized blocks and every penalty is
    applied to a block before the next is read: the products there are bound by memory
    traffic, not arithmetic. Otherwise penalties are taken one at a time over wide
    blocks, which keeps the (then compute-bound) products large.

    Returns
    -------
    sse : array of shape (n_alphas, n_targets), in the dtype of ``right``
    """
    xp, device = array_namespace(right)
    n_targets = right.shape[1]
    sse = xp.zeros((n_alphas, n_targets), dtype=right.dtype, device=device)
    first = factor(0)
    n, rank = first.shape

    def add(F, a, block):
        E = F @ right[:, block]
        if Y is not None:
            E -= Y[:, block]
        E *= E
        sse[a, block] = xp.sum(E, axis=0) if weights is None else weights[a, :] @ E

    size = itemsize(right.dtype, xp)
    if is_numpy(xp) and n_alphas * n * rank * size <= _FACTOR_BYTES:
        factors = [first] + [factor(a) for a in range(1, n_alphas)]
        for block in column_blocks(n_targets, n, size, budget=_CACHE_BYTES, minimum=256):
            for a, F in enumerate(factors):
                add(F, a, block)
    else:
        for a in range(n_alphas):
            F = first if a == 0 else factor(a)
            for block in _blocks(n_targets, n, right.dtype, xp):
                add(F, a, block)
    return sse


def loo_factors(Xc, alphas, basis, *, fit_intercept=True, dtype=None):
    """The target-independent part of the leave-one-out errors.

    The hat diagonal is ``h_i(α) = 1/n + Σ_k L_ik / (s_k + α)`` (the intercept's ``1/n``
    only with an intercept), with ``L = U² s`` (dual) or ``(X_c V)²`` (primal).

    Parameters are those of :func:`ridge_loo_errors` (``alphas`` an array in the
    namespace of ``Xc``). Returns ``(inv, weights, A)``: ``1 / (s + α)`` per candidate
    ``(n_alphas, k)``; ``(1 − h_ii(α))⁻²`` ``(n_alphas, n_samples)``, in the precision
    of the products; ``X_c V`` ``(n_samples, k)`` (primal; None in the dual form).
    """
    xp, _ = array_namespace(Xc)
    n = Xc.shape[0]
    work = work_dtype(Xc.dtype, dtype, xp)
    s, vecs = basis.s, basis.vecs
    A = None if basis.dual else Xc @ vecs
    L = vecs**2 * s if basis.dual else A**2
    base_leverage = 1.0 / n if fit_intercept else 0.0
    inv = inverse_shift(s[None, :], alphas[:, None])  # (n_alphas, k)
    one_minus_h = xp.clip((1.0 - base_leverage) - inv @ L.T,
                          min=float(xp.finfo(Xc.dtype).eps))
    return inv, xp.astype(one_minus_h**-2, work), A


def loo_sse(Yc, Q, basis, factors):
    """Leave-one-out squared errors of a block of targets, from :func:`loo_factors`.

    The sum of squares is ``Σ_i r_i(α)² / (1 − h_ii(α))²``: the leverage enters as the
    weights of one matrix-vector product. In the dual form ``U`` is complete, so the
    residuals themselves are one product, ``Y_c − Ŷ = U diag(α / (s + α)) Uᵀ Y_c``.

    Returns
    -------
    sse : array of shape (n_alphas, n_targets), in the dtype of ``Yc``
    """
    xp, _ = array_namespace(Yc)
    inv, weights, A = factors
    work, s, vecs = weights.dtype, basis.s, basis.vecs

    def factor(a):
        if basis.dual:
            F = vecs * (1.0 - s * inv[a, :])  # residual-maker U diag(α/(s+α)) Uᵀ
        else:
            F = A * inv[a, :]  # predictions: A diag(1/(s+α)) Aᵀ Y_c
        return xp.astype(F, work, copy=False)

    sse = _penalty_sse(factor, xp.astype(Q, work, copy=False), inv.shape[0],
                       None if basis.dual else xp.astype(Yc, work, copy=False), weights)
    return xp.astype(sse, Yc.dtype, copy=False)


def ridge_loo_errors(Xc, Yc, alphas, basis, Q, *, fit_intercept=True, dtype=None):
    """Leave-one-out squared errors of ridge for every penalty and target.

    The leave-one-out residual of sample ``i`` is ``(y_i − ŷ_i(α)) / (1 − h_ii(α))``,
    with ``h_ii`` the diagonal of the hat matrix. With an intercept the design is
    centred and the hat matrix is ``1/n + X_c (X_cᵀ X_c + αI)⁻¹ X_cᵀ``: the intercept's
    ``1/n`` must be included, or when ``n ≤ p`` the leave-one-out error vanishes as
    ``α → 0`` and the smallest penalty always wins. :func:`loo_factors` then
    :func:`loo_sse`.

    Parameters
    ----------
    Xc : array of shape (n_samples, n_features)
        Centred design (raw design when ``fit_intercept=False``).
    Yc : array of shape (n_samples, n_targets)
        Centred targets (raw targets when ``fit_intercept=False``).
    alphas : array-like of shape (n_alphas,)
    basis : Eigenbasis
        The decomposition of ``Xc``.
    Q : array of shape (k, n_targets)
        :func:`project_targets` of ``Yc``.
    fit_intercept : bool
        Whether the intercept's leverage ``1/n`` is part of the hat diagonal.
    dtype : str or dtype, default=None
        Precision of the per-penalty products (default: that of ``Xc``). The
        decomposition and leverages stay in the input precision; float32 halves the
        cost of the products.

    Returns
    -------
    sse : array of shape (n_alphas, n_targets)
        Sum over samples of squared leave-one-out residuals, in the dtype of ``Xc``.
    """
    xp, device = array_namespace(Xc)
    alphas = xp.asarray(alphas, dtype=Xc.dtype, device=device)
    factors = loo_factors(Xc, alphas, basis, fit_intercept=fit_intercept, dtype=dtype)
    return xp.astype(loo_sse(Yc, Q, basis, factors), Xc.dtype, copy=False)


def _fold_factors(K, Xg, train, test, fit_intercept):
    """Factors ``(A, B, s)`` of one fold: held-out predictions are ``(A/(s+α)) @ (Bᵀ Y_tr)``.

    ``K`` is the Gram matrix ``Xg Xgᵀ`` of all samples when the fold is solved in the
    dual form (else None). Centring by the training fold's means is applied to ``K``
    algebraically: ``C K_tr C`` for the training block and ``(K_te − 1 k̄ᵀ) C`` for the
    cross block, with ``C = I − 11ᵀ/n_tr`` and ``k̄`` the column means of ``K_tr``. The
    null directions of the dual form (ascending, so a leading run) are dropped.
    """
    xp, device = array_namespace(Xg)
    if K is not None:
        K_tr = xp.take(xp.take(K, train, axis=0), train, axis=1)
        K_te = xp.take(xp.take(K, test, axis=0), train, axis=1)
        if fit_intercept:
            col_mean = xp.mean(K_tr, axis=0)
            K_tr = K_tr - col_mean[None, :] - col_mean[:, None] + xp.mean(col_mean)
            K_te = K_te - col_mean[None, :]
            K_te -= xp.mean(K_te, axis=1, keepdims=True)
        s, U = _clean_eigh(K_tr)
        null = s.shape[0] - int(xp.sum(xp.astype(s > 0, xp.int64)))
        U = U[:, null:]
        return K_te @ U, U, s[null:]
    X_tr, mean = center(xp.take(Xg, train, axis=0), fit_intercept)
    basis = eigenbasis(X_tr)
    return (xp.take(Xg, test, axis=0) - mean) @ basis.vecs, X_tr @ basis.vecs, basis.s


def kfold_factors(X, folds, *, fit_intercept=True, gram=None, dtype=None):
    """The target-independent part of the K-fold errors: each training fold decomposed once.

    Each training fold is decomposed in the dual form when it has fewer samples than
    features (from one Gram matrix of all samples), in the primal form otherwise.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    folds : list of (train_index, test_index)
        NumPy index arrays (moved to the device of ``X`` once here).
    fit_intercept : bool
        Whether each training fold is centred (intercept fitted on the training fold).
    gram : array of shape (n_samples, n_samples), optional
        ``X_g X_gᵀ`` with ``X_g`` the globally centred ``X`` (raw ``X`` without
        intercept), when the caller already has it.
    dtype : str or dtype, default=None
        Precision of the products with the targets (default: that of ``X``).

    Returns
    -------
    list of (train, test, A, B, s)
        Per fold, its indices (in the namespace of ``X``) and factors: held-out
        predictions are ``(A / (s + α)) @ (Bᵀ Y_train)``.
    """
    xp, device = array_namespace(X)
    p = X.shape[1]
    work = work_dtype(X.dtype, dtype, xp)
    # A constant shift of X changes nothing once each fold is centred; removing the
    # global mean first keeps the Gram matrix well conditioned for the centring algebra.
    Xg = X - xp.mean(X, axis=0) if fit_intercept else X
    needs_dual = any(len(train) < p for train, _ in folds)
    K = (Xg @ Xg.T if gram is None else gram) if needs_dual else None
    factors = []
    for train, test in folds:
        dual = len(train) < p
        if not is_numpy(xp):
            train, test = xp.asarray(train, device=device), xp.asarray(test, device=device)
        A, B, s = _fold_factors(K if dual else None, Xg, train, test, fit_intercept)
        factors.append((train, test, xp.astype(A, work, copy=False),
                        xp.astype(B, work, copy=False), s))
    return factors


def kfold_sse(Y, alphas, factors, *, fit_intercept=True):
    """K-fold squared errors of a block of targets, from :func:`kfold_factors`.

    Returns
    -------
    sse : array of shape (n_alphas, n_targets)
        Held-out squared errors summed over all test samples of all folds, in the
        precision of the factors.
    """
    xp, device = array_namespace(Y)
    work = factors[0][2].dtype
    m, t = alphas.shape[0], Y.shape[1]
    Yw = xp.astype(Y, work, copy=False)
    sse = xp.zeros((m, t), dtype=work, device=device)
    for train, test, A, B, s in factors:
        (n_tr, k), n_te = B.shape, test.shape[0]
        # Held-out predictions are (A D_α)(Bᵀ Y_tr). Projecting the targets first costs
        # n_tr·k + m·n_te·k per target; folding Bᵀ into the small left factor costs
        # m·n_te·n_tr per target plus m·n_te·k·n_tr once: cheaper with many targets
        # when the fold is near full rank (the dual form).
        fold_in = m * n_te * n_tr * (t + k) < (n_tr * k + m * n_te * k) * t
        Y_tr, Y_te = xp.take(Yw, train, axis=0), xp.take(Yw, test, axis=0)
        y_mean = (xp.mean(Y_tr, axis=0) if fit_intercept
                  else xp.zeros(t, dtype=work, device=device))
        Y_tr -= y_mean  # a copy: centred in place

        def factor(a, A=A, B=B, s=s, fold_in=fold_in):
            F = A * inverse_shift(s, alphas[a])
            return xp.astype(F @ B.T if fold_in else F, work, copy=False)

        # memory: the right factor holds (n_tr or k) × block numbers
        for block in _blocks(t, max(n_tr, n_te), work, xp):
            right = Y_tr[:, block] if fold_in else B.T @ Y_tr[:, block]
            sse[:, block] += _penalty_sse(factor, right, m, Y_te[:, block] - y_mean[block])
    return sse


def ridge_kfold_errors(X, Y, alphas, folds, *, fit_intercept=True, gram=None,
                       dtype=None):
    """K-fold squared errors of ridge for every penalty and target.

    Each training fold is decomposed once (:func:`kfold_factors`) and that
    decomposition serves every penalty and every target (:func:`kfold_sse`).

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    Y : array of shape (n_samples, n_targets)
    alphas : array-like of shape (n_alphas,)
    folds, fit_intercept, gram, dtype
        As in :func:`kfold_factors`; each fold's decomposition stays in the input
        precision, ``dtype`` is that of the products with the targets.

    Returns
    -------
    sse : array of shape (n_alphas, n_targets)
        Held-out squared errors summed over all test samples of all folds, in the
        dtype of ``X``.
    """
    xp, device = array_namespace(X)
    alphas = xp.asarray(alphas, dtype=X.dtype, device=device)
    factors = kfold_factors(X, folds, fit_intercept=fit_intercept, gram=gram, dtype=dtype)
    sse = kfold_sse(Y, alphas, factors, fit_intercept=fit_intercept)
    return xp.astype(sse, X.dtype, copy=False)
