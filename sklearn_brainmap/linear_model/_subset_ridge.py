"""Ridge regressions of each target on its own subset of samples (LogisticRidge's ridge half).

For target ``j`` with rows ``S_j`` (the stimuli where the target is above threshold)
and sample weights ``s``,

    (w_j, b_j) = argmin_{w, b} Σ_{i∈S_j} s_i (y_ij − x_i·w − b)² + α ‖w‖²,

scikit-learn's ``Ridge(alpha=α)`` on those rows. Every subset has its own Gram matrix,
so the shared eigendecomposition of :mod:`._ridge_solvers` does not apply; all targets
are still solved exactly and together, by the cheaper of two batched routes:

* primal: all Gram matrices ``Aᵀ diag(m_j) A`` (``A = [X, 1]``, ``m_j`` the mask of
  ``S_j``) in one product and a batched solve of the ``(p+1) × (p+1)`` systems, about
  ``n p²/2`` operations per target;
* dual: ``w_j = X_{S_j,c}ᵀ (K_j + α I)⁻¹ (y_{S_j} − ȳ_j)`` with ``K_j`` the sub-block
  ``K[S_j, S_j]`` of one kernel matrix ``K = X_c X_cᵀ``, centred within the subset
  (with weights: ``D C K_j Cᵀ D`` as in :func:`_dual_subset_ridge`), about
  ``|S_j|³/3`` operations per target.

Targets that use every row share one factorisation (plain ridge). ``α = 0`` gives the
minimum-norm least-squares solution.

References
----------
Hastie, Tibshirani & Friedman (2009), *The Elements of Statistical Learning*, §3.4.1
(ridge regression). Saunders, Gammerman & Vovk (1998), Ridge regression learning
algorithm in dual variables, *ICML* (the dual form).
"""

import numpy as np

from ..utils import constant_columns, index_blocks
from ..utils._stats import power_of_two_exponents
from ._batched_linalg import solve_batched, weighted_grams
from ._ridge_solvers import center
from ._scaling import check_representable, extreme_exponent, ldexp, penalty_in_scaled_units


def subset_ridge(X, Y, mask, alpha, *, sample_weight=None, budget=2**27):
    """Ridge regression of each target on its own subset of samples.

    For target ``j`` with rows ``S_j = {i : mask[i, j]}``,
    ``(w_j, b_j) = argmin Σ_{i∈S_j} s_i (y_ij − x_i·w − b)² + α‖w‖²`` (scikit-learn's
    ``Ridge`` on those rows, with their sample weights). Solved exactly for all
    targets:

    * targets using every row share one factorisation (plain ridge);
    * otherwise primal: all weighted Gram matrices ``Aᵀ diag(s ∘ m_j) A``
      (``A = [X, 1]``) in one product and a batched solve, cost ``~n p²/2`` per target;
    * or dual: sub-blocks ``K[S_j, S_j]`` of one kernel matrix ``K = X_c X_cᵀ``,
      centred within each subset (by its weighted mean) and scaled by ``√s`` on both
      sides, batched solves of the ``|S_j| × |S_j|`` systems (padded to the largest
      subset of a block of targets of similar size), then all weights in one product
      ``W = X_cᵀ (√s ∘ A)``; cost ``~|S_j|³/3`` per target.

    The cheaper of primal and dual is chosen per target.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_targets)
    mask : ndarray of bool, shape (n_samples, n_targets)
        Every target must have at least one row (of non-zero weight).
    alpha : float
        Ridge penalty ``≥ 0`` (0: minimum-norm least squares).
    sample_weight : ndarray of shape (n_samples,), optional
        Non-negative weights ``s`` shared by the targets; rows of zero weight are left
        out of every subset.
    budget : int
        Memory budget in bytes for the batched systems of one block of targets.

    Returns
    -------
    coef : ndarray of shape (n_features, n_targets)
    intercept : ndarray of shape (n_targets,)

    Raises
    ------
    ValueError
        When the weights cannot be represented in the units of ``X`` and ``Y``.

    Notes
    -----
    The centred design is divided by a power of two near its largest magnitude, the
    weights by one near theirs, and ``Y`` by one where it is beyond ``2**±256`` (all
    exact), the penalty with them: the solution does not depend on the units of the
    data, and nothing overflows. Columns constant over the samples of non-zero weight
    get zero weight.
    """
    n, p = X.shape
    t = Y.shape[1]
    s = sample_weight
    if s is not None:
        e_s = int(power_of_two_exponents(s))
        s = ldexp(np.asarray(s, dtype=float), -e_s)
        mask = mask & (s > 0)[:, None]
    counts = mask.sum(axis=0)
    if np.any(counts == 0):
        raise ValueError("subset_ridge: every target needs at least one sample.")
    e_raw, e_y = extreme_exponent(X), extreme_exponent(Y)
    X, Y = ldexp(X, -e_raw), ldexp(Y, -e_y)
    # centring is only a reparametrisation of the intercept: by the weighted mean, so
    # that the plain ridge of full targets needs no other
    if s is None:
        Xc, x_mean = center(X, True)
    else:
        x_mean = (s @ X) / s.sum()
        Xc = X - x_mean
    Xc[:, constant_columns(X if s is None else X[s > 0])] = 0.0
    e_c = int(power_of_two_exponents(Xc))
    Xc = ldexp(Xc, -e_c)
    alpha = float(penalty_in_scaled_units(alpha, e_raw + e_c,
                                          weight_exponent=0 if s is None else e_s))
    W = np.zeros((p, t), dtype=X.dtype)
    b = np.zeros(t, dtype=X.dtype)
    full = counts == n
    if full.any():
        if s is None:
            Yc, y_mean = center(Y[:, full], True)
            W[:, full] = _plain_ridge(Xc, Yc, alpha)
        else:
            y_mean = (s @ Y[:, full]) / s.sum()
            root = np.sqrt(s)[:, None]
            W[:, full] = _plain_ridge(root * Xc, root * (Y[:, full] - y_mean), alpha)
        b[full] = y_mean
    q = p + 1
    primal = ~full & (n * q * q / 2 + q**3 / 3 <= counts**3 / 3.0 + counts**2)
    dual = ~full & ~primal
    if primal.any():
        A = np.hstack([Xc, np.ones((n, 1), dtype=X.dtype)])
        penalty = np.append(np.full(p, float(alpha)), 0.0)
        for block in index_blocks(np.flatnonzero(primal), q * q * X.itemsize, budget):
            M = mask[:, block].astype(X.dtype)
            if s is not None:
                M *= s[:, None]
            G = weighted_grams(A, M.T)
            G[:, np.arange(q), np.arange(q)] += penalty
            sol = solve_batched(G, (A.T @ (M * Y[:, block])).T)
            W[:, block] = sol[:, :p].T
            b[block] = sol[:, p]
    if dual.any():
        K = Xc @ Xc.T
        for block in _dual_blocks(np.flatnonzero(dual), counts, X.itemsize, budget):
            weights = None if s is None else mask[:, block] * s[:, None]
            W[:, block], b[block] = _dual_subset_ridge(K, Xc, Y[:, block], mask[:, block],
                                                       counts[block], alpha, weights)
    coef = ldexp(W, e_y - e_raw - e_c)
    check_representable(coef, W, "ridge weights")
    return coef, ldexp(b - ldexp(x_mean, -e_c) @ W, e_y)


def _dual_blocks(targets, counts, itemsize, budget):
    """Blocks of ``targets`` by increasing subset size, each block's padded systems
    (``k × m × m``, ``m`` its largest subset) within ``budget`` bytes."""
    order = targets[np.argsort(counts[targets], kind="stable")]
    start = 0
    while start < order.size:
        m = counts[order[start]]
        block = order[start:start + max(1, budget // (m * m * itemsize))]
        m = counts[block].max()
        block = order[start:start + max(1, budget // (m * m * itemsize))]
        yield block
        start += block.size


def _plain_ridge(Xc, Yc, alpha):
    """Ridge on all rows for several targets sharing ``alpha``: one factorisation."""
    n, p = Xc.shape
    if alpha == 0:
        return np.linalg.lstsq(Xc, Yc, rcond=None)[0]  # minimum-norm least squares
    if p <= n:
        return np.linalg.solve(Xc.T @ Xc + alpha * np.eye(p), Xc.T @ Yc)
    return Xc.T @ np.linalg.solve(Xc @ Xc.T + alpha * np.eye(n), Yc)


def _dual_subset_ridge(K, Xc, Y, mask, counts, alpha, weights=None):
    """Dual ridge on row subsets for one block of targets (see :func:`subset_ridge`).

    With weights ``s`` (``weights``: ``mask ∘ s``, positive on the subsets), the
    system of a subset is ``D C K Cᵀ D + αI`` with ``C = I − 1 sᵀ/Σs`` (centring by
    the weighted mean) and ``D = diag(√s)``, its right-hand side ``√s ∘ (y − ȳ_s)``;
    the dual coefficients ``a`` give the sample coefficients ``√s ∘ a``. The systems of
    a block are padded to the largest subset: padding rows and columns are zero with a
    unit diagonal, so their dual coefficients are zero.
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
    roots = [None] * k
    for j, r in enumerate(rows):
        sub = K[np.ix_(r, r)]
        if weights is None:
            # K[S, S] centred within the subset: C K C with C = I − 11ᵀ/|S|
            row_mean = sub.mean(axis=1)
            sub -= row_mean[:, None]
            sub -= row_mean[None, :]
            sub += row_mean.mean()
            y_mean[j] = Y[r, j].mean()
            rhs[j, :r.size] = Y[r, j] - y_mean[j]
        else:
            w = weights[r, j] / weights[r, j].sum()
            row_mean = sub @ w
            sub -= row_mean[:, None]
            sub -= row_mean[None, :]
            sub += w @ row_mean
            roots[j] = root = np.sqrt(weights[r, j])
            sub *= root[:, None]
            sub *= root[None, :]
            y_mean[j] = w @ Y[r, j]
            rhs[j, :r.size] = root * (Y[r, j] - y_mean[j])
        sub[diag[:r.size], diag[:r.size]] += alpha
        systems[j, :r.size, :r.size] = sub
    dual = solve_batched(systems, rhs)
    coef = np.zeros((n, k), dtype=K.dtype)
    for j, r in enumerate(rows):
        coef[r, j] = dual[j, :r.size] if weights is None else roots[j] * dual[j, :r.size]
    # the sample coefficients of each subset sum to zero (√s spans the null space of
    # its system), so W = X_cᵀ coef is unaffected by the subset's own centring
    W = Xc.T @ coef
    if weights is None:
        subset_mean = (mask.T.astype(Xc.dtype) @ Xc) / counts[:, None]
    else:
        subset_mean = (weights.T @ Xc) / weights.sum(axis=0)[:, None]
    b = y_mean - np.einsum("jp,pj->j", subset_mean, W)
    return W, b
