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
"""

from typing import NamedTuple

import numpy as np

from ..utils import column_blocks

#: When the small factors of all penalties fit in _FACTOR_BYTES, targets are taken
#: in blocks of about _CACHE_BYTES of residuals (at least 256 targets) and every
#: penalty is applied to a block while it is in cache.
_FACTOR_BYTES = 2**24
_CACHE_BYTES = 2**20


class Eigenbasis(NamedTuple):
    """The eigendecomposition of the smaller Gram matrix of a centred design.

    Attributes
    ----------
    dual : bool
        True when the decomposition is of ``X_c X_cᵀ`` (more features than samples).
    s : ndarray of shape (k,)
        Eigenvalues, with those below the numerical rank threshold set to exactly 0.
    vecs : ndarray of shape (n_features, k) or (n_samples, k)
        ``V`` (primal) or ``U`` (dual); every direction is kept, so that in the dual
        form ``U`` is a complete basis of the sample space.
    """

    dual: bool
    s: np.ndarray
    vecs: np.ndarray


def center(X, fit_intercept):
    """Return ``X`` centred by its column means, and the means (zeros without intercept)."""
    if not fit_intercept:
        return X, np.zeros(X.shape[1], dtype=X.dtype)
    mean = X.mean(axis=0)
    return X - mean, mean


def _clean_eigh(G):
    """Eigendecomposition of a symmetric PSD matrix; numerically null eigenvalues -> 0."""
    s, vecs = np.linalg.eigh(G)
    tol = max(s[-1], 0.0) * G.shape[0] * np.finfo(G.dtype).eps if s.size else 0.0
    return np.where(s > tol, s, 0.0).astype(G.dtype, copy=False), vecs


def eigenbasis(Xc, *, gram=None):
    """Eigendecomposition of the smaller Gram matrix of the centred design ``Xc``.

    Parameters
    ----------
    Xc : ndarray of shape (n_samples, n_features)
        Centred design (or the raw design when no intercept is fitted).
    gram : ndarray of shape (n_samples, n_samples), optional
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


def _inverse_shift(s, alpha):
    """``1 / (s + α)`` on the non-null directions, 0 on the null ones.

    Null directions carry no signal of ``X``; giving them weight 0 makes ``α = 0`` the
    minimum-norm least-squares solution.
    """
    denom = s + alpha
    with np.errstate(divide="ignore"):
        return np.where(s > 0, 1.0 / denom, 0.0).astype(s.dtype, copy=False)


def project_targets(Xc, Yc, basis):
    """Targets in the eigenbasis: ``Uᵀ Y_c`` (dual) or ``Vᵀ X_cᵀ Y_c`` (primal).

    Returns
    -------
    Q : ndarray of shape (k, n_targets)
    """
    if basis.dual:
        return basis.vecs.T @ Yc
    return basis.vecs.T @ (Xc.T @ Yc)


def ridge_coef(Xc, Q, alpha, basis):
    """Ridge coefficients for centred data, one penalty per target.

    ``W = argmin ‖Y_c − X_c W‖²_F + Σ_j α_j ‖w_j‖²``, computed in the eigenbasis of the
    smaller Gram matrix (see the module docstring).

    Parameters
    ----------
    Xc : ndarray of shape (n_samples, n_features)
    Q : ndarray of shape (k, n_targets)
        The projected targets, from :func:`project_targets`.
    alpha : float or ndarray of shape (n_targets,)
        Penalty, shared or per target. Zero gives the minimum-norm least-squares fit.
    basis : Eigenbasis
        The decomposition of ``Xc``.

    Returns
    -------
    coef : ndarray of shape (n_targets, n_features)
        C-contiguous, as scikit-learn's ``coef_``.
    """
    alpha = np.broadcast_to(np.asarray(alpha, dtype=Xc.dtype), (Q.shape[1],))
    scaled = Q * _inverse_shift(basis.s[:, None], alpha[None, :])
    if basis.dual:
        # (t × n)(n × p): the one product of the size of the output
        return scaled.T @ (basis.vecs.T @ Xc)
    return scaled.T @ basis.vecs.T


def _penalty_sse(out, factor, right, Y=None, weights=None):
    """Add the (weighted) squared errors of every penalty to ``out``, for every target.

    For penalty ``a``: ``E = factor(a) @ right − Y`` (``Y`` None: ``factor(a) @ right``
    is already the residual) and ``out[a] += Σ_i w_ai E_ij²`` (``w = 1`` when
    ``weights`` is None), the weighted sum being one matrix-vector product.

    When the small factors are small (many targets, few samples, the population
    case), the targets are taken in cache-sized blocks and every penalty is applied
    to a block before the next is read: the products there are bound by memory
    traffic, not arithmetic. Otherwise penalties are taken one at a time over wide
    blocks, which keeps the (then compute-bound) products large.
    """
    n_alphas, n_targets = out.shape
    first = factor(0)
    n, rank = first.shape

    def add(F, a, block):
        E = F @ right[:, block]
        if Y is not None:
            E -= Y[:, block]
        np.square(E, out=E)
        out[a, block] += E.sum(axis=0) if weights is None else weights[a] @ E

    if n_alphas * n * rank * right.itemsize <= _FACTOR_BYTES:
        factors = [first] + [factor(a) for a in range(1, n_alphas)]
        for block in column_blocks(n_targets, n, right.itemsize, budget=_CACHE_BYTES,
                                   minimum=256):
            for a, F in enumerate(factors):
                add(F, a, block)
    else:
        for a in range(n_alphas):
            F = first if a == 0 else factor(a)
            for block in column_blocks(n_targets, n, right.itemsize):
                add(F, a, block)


def ridge_loo_errors(Xc, Yc, alphas, basis, Q, *, fit_intercept=True, dtype=None):
    """Leave-one-out squared errors of ridge for every penalty and target.

    The leave-one-out residual of sample ``i`` is ``(y_i − ŷ_i(α)) / (1 − h_ii(α))``,
    with ``h_ii`` the diagonal of the hat matrix. With an intercept the design is
    centred and the hat matrix is ``1/n + X_c (X_cᵀ X_c + αI)⁻¹ X_cᵀ``: the intercept's
    ``1/n`` must be included, or when ``n ≤ p`` the leave-one-out error vanishes as
    ``α → 0`` and the smallest penalty always wins.

    The sum of squares is ``Σ_i r_i(α)² / (1 − h_ii(α))²``: the leverage enters as the
    weights of one matrix-vector product. In the dual form ``U`` is complete, so the
    residuals themselves are one product, ``Y_c − Ŷ = U diag(α / (s + α)) Uᵀ Y_c``.

    Parameters
    ----------
    Xc : ndarray of shape (n_samples, n_features)
        Centred design (raw design when ``fit_intercept=False``).
    Yc : ndarray of shape (n_samples, n_targets)
        Centred targets (raw targets when ``fit_intercept=False``).
    alphas : ndarray of shape (n_alphas,)
    basis : Eigenbasis
        The decomposition of ``Xc``.
    Q : ndarray of shape (k, n_targets)
        :func:`project_targets` of ``Yc``.
    fit_intercept : bool
        Whether the intercept's leverage ``1/n`` is part of the hat diagonal.
    dtype : dtype, default=None
        Precision of the per-penalty products (default: that of ``Xc``). The
        decomposition and leverages stay in the input precision; float32 halves the
        cost of the products.

    Returns
    -------
    sse : ndarray of shape (n_alphas, n_targets)
        Sum over samples of squared leave-one-out residuals, in the dtype of ``Xc``.
    """
    n = Xc.shape[0]
    work = np.dtype(Xc.dtype if dtype is None else dtype)
    s, vecs = basis.s, basis.vecs
    # hat diagonal: h_i(α) = 1/n + Σ_k L_ik / (s_k + α)
    A = None if basis.dual else Xc @ vecs
    L = vecs**2 * s if basis.dual else A**2
    base_leverage = 1.0 / n if fit_intercept else 0.0
    tiny = np.finfo(Xc.dtype).eps
    inv = np.stack([_inverse_shift(s, alpha) for alpha in alphas])  # (n_alphas, k)
    one_minus_h = np.maximum((1.0 - base_leverage) - inv @ L.T, tiny)
    weights = (one_minus_h**-2).astype(work)

    def factor(a):
        if basis.dual:
            F = vecs * (1.0 - s * inv[a])  # residual-maker U diag(α/(s+α)) Uᵀ
        else:
            F = A * inv[a]  # predictions: A diag(1/(s+α)) Aᵀ Y_c
        return F.astype(work, copy=False)

    sse = np.zeros((len(alphas), Yc.shape[1]), dtype=work)
    _penalty_sse(sse, factor, Q.astype(work, copy=False),
                 None if basis.dual else Yc.astype(work, copy=False), weights)
    return sse.astype(Xc.dtype, copy=False)


def _fold_factors(K, Xg, train, test, fit_intercept):
    """Factors ``(A, B, s)`` of one fold: held-out predictions are ``(A/(s+α)) @ (Bᵀ Y_tr)``.

    ``K`` is the Gram matrix ``Xg Xgᵀ`` of all samples when the fold is solved in the
    dual form (else None). Centring by the training fold's means is applied to ``K``
    algebraically: ``C K_tr C`` for the training block and ``(K_te − 1 k̄ᵀ) C`` for the
    cross block, with ``C = I − 11ᵀ/n_tr`` and ``k̄`` the column means of ``K_tr``.
    """
    if K is not None:
        K_tr = K[np.ix_(train, train)]
        K_te = K[np.ix_(test, train)]
        if fit_intercept:
            col_mean = K_tr.mean(axis=0)
            K_tr = K_tr - col_mean[None, :] - col_mean[:, None] + col_mean.mean()
            K_te = K_te - col_mean[None, :]
            K_te -= K_te.mean(axis=1, keepdims=True)
        s, U = _clean_eigh(K_tr)
        keep = s > 0
        U = U[:, keep]
        return K_te @ U, U, s[keep]
    X_tr, X_te = Xg[train], Xg[test]
    X_tr, mean = center(X_tr, fit_intercept)
    basis = eigenbasis(X_tr)
    return (X_te - mean) @ basis.vecs, X_tr @ basis.vecs, basis.s


def ridge_kfold_errors(X, Y, alphas, folds, *, fit_intercept=True, gram=None,
                       dtype=None):
    """K-fold squared errors of ridge for every penalty and target.

    Each training fold is decomposed once (dual form when it has fewer samples than
    features, using one Gram matrix of all samples; primal otherwise) and that
    decomposition serves every penalty and every target.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_targets)
    alphas : ndarray of shape (n_alphas,)
    folds : list of (train_index, test_index)
    fit_intercept : bool
        Whether each training fold is centred (intercept fitted on the training fold).
    gram : ndarray of shape (n_samples, n_samples), optional
        ``X_g X_gᵀ`` with ``X_g`` the globally centred ``X`` (raw ``X`` without
        intercept), when the caller already has it.
    dtype : dtype, default=None
        Precision of the products with the targets (default: that of ``X``); each
        fold's decomposition stays in the input precision.

    Returns
    -------
    sse : ndarray of shape (n_alphas, n_targets)
        Held-out squared errors summed over all test samples of all folds, in the
        dtype of ``X``.
    """
    n, p = X.shape
    work = np.dtype(X.dtype if dtype is None else dtype)
    # A constant shift of X changes nothing once each fold is centred; removing the
    # global mean first keeps the Gram matrix well conditioned for the centring algebra.
    Xg = X - X.mean(axis=0) if fit_intercept else X
    needs_dual = any(len(train) < p for train, _ in folds)
    K = (Xg @ Xg.T if gram is None else gram) if needs_dual else None
    Yw = Y.astype(work, copy=False)
    sse = np.zeros((len(alphas), Y.shape[1]), dtype=work)
    m = len(alphas)
    for train, test in folds:
        A, B, s = _fold_factors(K if len(train) < p else None, Xg, train, test,
                                fit_intercept)
        A, B = A.astype(work, copy=False), B.astype(work, copy=False)
        (n_tr, k), n_te = B.shape, len(test)
        # Held-out predictions are (A D_α)(Bᵀ Y_tr). Projecting the targets first costs
        # n_tr·k + m·n_te·k per target; folding Bᵀ into the small left factor costs
        # m·n_te·n_tr per target plus m·n_te·k·n_tr once: cheaper with many targets
        # when the fold is near full rank (the dual form).
        t = Y.shape[1]
        fold_in = m * n_te * n_tr * (t + k) < (n_tr * k + m * n_te * k) * t
        Y_tr, Y_te = np.take(Yw, train, axis=0), Yw[test]  # Y_tr: a copy, centred in place
        y_mean = Y_tr.mean(axis=0) if fit_intercept else np.zeros(Y.shape[1], work)
        Y_tr -= y_mean

        def factor(a):
            F = A * _inverse_shift(s, alphas[a])
            return (F @ B.T if fold_in else F).astype(work, copy=False)

        # memory: the right factor holds (n_tr or k) × block numbers
        for block in column_blocks(Y.shape[1], max(n_tr, n_te), work.itemsize):
            right = Y_tr[:, block] if fold_in else B.T @ Y_tr[:, block]
            _penalty_sse(sse[:, block], factor, right, Y_te[:, block] - y_mean[block])
    return sse.astype(X.dtype, copy=False)
