"""Ridge regressions of each target on its own subset of samples (LogisticRidge's ridge half).

For target ``j`` with rows ``S_j`` (the stimuli where the target is above threshold),

    (w_j, b_j) = argmin_{w, b} Σ_{i∈S_j} (y_ij − x_i·w − b)² + α ‖w‖²,

scikit-learn's ``Ridge(alpha=α)`` on those rows. Every subset has its own Gram matrix,
so the shared eigendecomposition of :mod:`._ridge_solvers` does not apply; all targets
are still solved exactly and together, by the cheaper of two batched routes:

* primal: all Gram matrices ``Aᵀ diag(m_j) A`` (``A = [X, 1]``, ``m_j`` the mask of
  ``S_j``) in one product and a batched solve of the ``(p+1) × (p+1)`` systems, about
  ``n p²/2`` operations per target;
* dual: ``w_j = X_{S_j,c}ᵀ (K_j + α I)⁻¹ (y_{S_j} − ȳ_j)`` with ``K_j`` the sub-block
  ``K[S_j, S_j]`` of one kernel matrix ``K = X_c X_cᵀ``, centred within the subset,
  about ``|S_j|³/3`` operations per target.

Targets that use every row share one factorisation (plain ridge). ``α = 0`` gives the
minimum-norm least-squares solution.

References
----------
Hastie, Tibshirani & Friedman (2009), *The Elements of Statistical Learning*, §3.4.1
(ridge regression). Saunders, Gammerman & Vovk (1998), Ridge regression learning
algorithm in dual variables, *ICML* (the dual form).
"""

import numpy as np

from ..utils import index_blocks
from ._batched_linalg import solve_batched, weighted_grams
from ._ridge_solvers import center


def subset_ridge(X, Y, mask, alpha, *, budget=2**27):
    """Ridge regression of each target on its own subset of samples.

    For target ``j`` with rows ``S_j = {i : mask[i, j]}``,
    ``(w_j, b_j) = argmin Σ_{i∈S_j} (y_ij − x_i·w − b)² + α‖w‖²`` (scikit-learn's
    ``Ridge`` on those rows). Solved exactly for all targets:

    * targets using every row share one factorisation (plain ridge);
    * otherwise primal: all weighted Gram matrices ``Aᵀ diag(m_j) A`` (``A = [X, 1]``) in
      one product and a batched solve, cost ``~n p²/2`` per target;
    * or dual: sub-blocks ``K[S_j, S_j]`` of one kernel matrix ``K = X_c X_cᵀ``,
      centred within each subset, batched solves of the ``|S_j| × |S_j|`` systems
      (padded to the largest subset of a block of targets of similar size), then all
      weights in one product ``W = X_cᵀ A``; cost ``~|S_j|³/3`` per target.

    The cheaper of primal and dual is chosen per target.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_targets)
    mask : ndarray of bool, shape (n_samples, n_targets)
        Every target must have at least one row.
    alpha : float
        Ridge penalty ``≥ 0`` (0: minimum-norm least squares).
    budget : int
        Memory budget in bytes for the batched systems of one block of targets.

    Returns
    -------
    coef : ndarray of shape (n_features, n_targets)
    intercept : ndarray of shape (n_targets,)
    """
    n, p = X.shape
    t = Y.shape[1]
    counts = mask.sum(axis=0)
    if np.any(counts == 0):
        raise ValueError("subset_ridge: every target needs at least one sample.")
    Xc, x_mean = center(X, True)
    W = np.zeros((p, t), dtype=X.dtype)
    b = np.zeros(t, dtype=X.dtype)
    full = counts == n
    if full.any():
        Yc, y_mean = center(Y[:, full], True)
        W[:, full] = _plain_ridge(Xc, Yc, alpha)
        b[full] = y_mean
    q = p + 1
    primal = ~full & (n * q * q / 2 + q**3 / 3 <= counts**3 / 3.0 + counts**2)
    dual = ~full & ~primal
    if primal.any():
        A = np.hstack([Xc, np.ones((n, 1), dtype=X.dtype)])
        penalty = np.append(np.full(p, float(alpha)), 0.0)
        for block in index_blocks(np.flatnonzero(primal), q * q * X.itemsize, budget):
            M = mask[:, block].astype(X.dtype)
            G = weighted_grams(A, M.T)
            G[:, np.arange(q), np.arange(q)] += penalty
            sol = solve_batched(G, (A.T @ (M * Y[:, block])).T)
            W[:, block] = sol[:, :p].T
            b[block] = sol[:, p]
    if dual.any():
        order = np.flatnonzero(dual)
        order = order[np.argsort(counts[order], kind="stable")]
        K = Xc @ Xc.T
        start = 0
        while start < order.size:
            m = counts[order[start]]
            size = max(1, budget // (m * m * X.itemsize))
            block = order[start:start + size]
            m = counts[block].max()
            block = order[start:start + max(1, budget // (m * m * X.itemsize))]
            W[:, block], b[block] = _dual_subset_ridge(K, Xc, Y[:, block], mask[:, block],
                                                       counts[block], alpha)
            start += block.size
    return W, b - x_mean @ W


def _plain_ridge(Xc, Yc, alpha):
    """Ridge on all rows for several targets sharing ``alpha``: one factorisation."""
    n, p = Xc.shape
    if alpha == 0:
        return np.linalg.lstsq(Xc, Yc, rcond=None)[0]  # minimum-norm least squares
    if p <= n:
        return np.linalg.solve(Xc.T @ Xc + alpha * np.eye(p), Xc.T @ Yc)
    return Xc.T @ np.linalg.solve(Xc @ Xc.T + alpha * np.eye(n), Yc)


def _dual_subset_ridge(K, Xc, Y, mask, counts, alpha):
    """Dual ridge on row subsets for one block of targets (see :func:`subset_ridge`).

    The systems of a block are padded to the largest subset: padding rows and columns
    are zero with a unit diagonal, so their dual coefficients are zero.
    """
    n = K.shape[0]
    k = Y.shape[1]
    m = int(counts.max())
    systems = np.zeros((k, m, m), dtype=K.dtype)
    diag = np.arange(m)
    systems[:, diag, diag] = 1.0
    rhs = np.zeros((k, m), dtype=K.dtype)
    y_mean = np.empty(k, dtype=K.dtype)
    rows = [np.flatnonzero(mask[:, j]) for j in range(k)]
    for j, r in enumerate(rows):
        # K[S, S] centred within the subset: C K C with C = I − 11ᵀ/|S|
        sub = K[np.ix_(r, r)]
        row_mean = sub.mean(axis=1)
        sub -= row_mean[:, None]
        sub -= row_mean[None, :]
        sub += row_mean.mean()
        sub[diag[:r.size], diag[:r.size]] += alpha
        systems[j, :r.size, :r.size] = sub
        y_mean[j] = Y[r, j].mean()
        rhs[j, :r.size] = Y[r, j] - y_mean[j]
    dual = solve_batched(systems, rhs)
    coef = np.zeros((n, k), dtype=K.dtype)
    for j, r in enumerate(rows):
        coef[r, j] = dual[j, :r.size]
    # the dual coefficients of each subset sum to zero, so W = X_cᵀ coef is unaffected
    # by the subset's own centring
    W = Xc.T @ coef
    subset_mean = (mask.T.astype(Xc.dtype) @ Xc) / counts[:, None]
    b = y_mean - np.einsum("jp,pj->j", subset_mean, W)
    return W, b
