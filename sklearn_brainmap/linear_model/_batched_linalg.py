"""Batched linear algebra of many small systems: one matrix or solve call for all targets.

The exact-Newton direction of :mod:`._newton_directions` and the primal and dual solves
of :mod:`._subset_ridge` need, for every target ``j``, a weighted Gram matrix
``Aᵀ diag(h_j) A`` and the solution of a small symmetric positive (semi-)definite
system. Looping over targets in Python would cost far more than the arithmetic; here
every step is one product or one stacked LAPACK call:

* :func:`weighted_grams`: the packed upper triangles of all Gram matrices are one
  product ``H P`` with the ``n × q(q+1)/2`` matrix ``P`` of column products
  ``A[:, i] ∘ A[:, l]`` (``i ≤ l``), built once (:func:`packed_products`);
* :func:`solve_batched`: all systems ``M_j x_j = r_j`` by one stacked LU solve, and
  the minimum-norm solution ``x_j = M_j⁺ r_j`` for those that are numerically
  singular, found by a condition estimate that rides along with the LU solve.
"""

import numpy as np

#: Memory budget, in bytes, of the matrix of column products of :func:`packed_products`.
PRODUCTS_BYTES = 2**26

#: A symmetric system is numerically singular when its smallest eigenvalue is at most
#: this times its largest, in magnitude (condition number above ~4.5e12: the LU
#: solution would have relative errors above 1e-4 along the weakest direction, and the
#: rounding-level null eigenvalues of Gram matrices formed from thousands of rows,
#: up to ~1e-15 relative, stay well below it).
SINGULAR_RTOL = 1e3 * np.finfo(np.float64).eps

#: Systems whose condition estimate exceeds this are checked by an eigendecomposition.
SUSPECT_CONDITION = 1e-3 / SINGULAR_RTOL


def packed_products(A, budget=PRODUCTS_BYTES):
    """Products of all pairs of columns ``i ≤ l`` of ``A`` (or None beyond ``budget``)."""
    n, q = A.shape
    iu, ju = np.triu_indices(q)
    if n * iu.size * A.itemsize > budget:
        return None
    return A[:, iu] * A[:, ju]


def weighted_grams(A, H, *, products=None, budget=PRODUCTS_BYTES):
    """All weighted Gram matrices ``Aᵀ diag(H[j]) A`` at once.

    When the ``n × q(q+1)/2`` matrix of column products fits in ``budget`` bytes, the
    packed upper triangles of all Gram matrices are one matrix product with ``H``;
    otherwise the targets are handled in blocks by batched products.

    Parameters
    ----------
    A : ndarray of shape (n, q)
    H : ndarray of shape (k, n)
        One row of weights per target.
    products : ndarray, optional
        ``packed_products(A)`` when the caller keeps it across calls.
    budget : int
        Memory budget in bytes of the column products (or of one block of targets'
        weighted copies of ``A``).

    Returns
    -------
    G : ndarray of shape (k, q, q)
    """
    n, q = A.shape
    k = H.shape[0]
    G = np.empty((k, q, q), dtype=A.dtype)
    if products is None:
        products = packed_products(A, budget)
    if products is not None:
        iu, ju = np.triu_indices(q)
        packed = H @ products
        G[:, iu, ju] = packed
        G[:, ju, iu] = packed
        return G
    step = max(1, budget // (n * q * A.itemsize))
    for start in range(0, k, step):
        Hb = H[start:start + step]
        G[start:start + step] = (A.T[None, :, :] * Hb[:, None, :]) @ A
    return G


def solve_batched(M, R):
    """Solve ``M[j] x_j = R[j]`` for a stack of symmetric positive (semi-)definite systems.

    Regular systems get the LU solution; numerically singular ones (e.g. without a
    penalty and with collinear columns), whose smallest eigenvalue is at most
    :data:`SINGULAR_RTOL` times their largest in magnitude, get the minimum-norm
    solution ``M_j⁺ r_j``.

    A consistent singular system is solved by LU without any sign of trouble (its
    residual is as small as the minimum-norm solution's, and LAPACK may not flag it),
    so singular systems are found by a condition estimate from the same LU solve, in
    the spirit of LAPACK's ``xPOCON`` (Hager 1984; Higham 2002, §15.3): a fixed probe
    vector ``z`` rides along as a second right-hand side, and
    ``κ̂ = tr(M) ‖M⁻¹z‖/‖z‖`` estimates the condition number (the trace bounds the
    norm of a positive semi-definite ``M``, within a factor ``q``). For a singular
    ``M`` a generic ``z`` has a component along the null space and ``M⁻¹z`` blows
    up: ``κ̂ ε`` was at least 3e-3 on 45,000 exactly singular Gram matrices of sizes
    2–25, where it was finite at all. Systems with ``κ̂`` above
    :data:`SUSPECT_CONDITION` (``κ̂ ε > 10⁻⁶``) are settled by an eigendecomposition:
    the singular ones take ``M⁺ r`` from it, the others keep their LU solution. The
    extra right-hand side costs 15–60 % of the LU solve on stacks of 2000 systems of
    size 5–25 (one thread).

    Parameters
    ----------
    M : ndarray of shape (k, q, q)
    R : ndarray of shape (k, q)

    Returns
    -------
    X : ndarray of shape (k, q)

    References
    ----------
    Hager (1984), Condition estimates, *SIAM J. Sci. Stat. Comput.* 5, 311–316.
    Higham (2002), *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §15.3.
    """
    k, q = R.shape
    probe = np.random.default_rng(0).standard_normal(q).astype(M.dtype, copy=False)
    rhs = np.stack([R, np.broadcast_to(probe, (k, q))], axis=2)
    sol, solved = _lu_solve(M, rhs)
    out = sol[..., 0].copy()
    with np.errstate(all="ignore"):
        growth = np.sqrt(np.einsum("kq,kq->k", sol[..., 1], sol[..., 1])) / np.linalg.norm(probe)
        condition = np.abs(np.trace(M, axis1=1, axis2=2)) * growth
        suspect = ~(solved & (condition < SUSPECT_CONDITION) & np.isfinite(out).all(axis=1))
    if suspect.any():
        rows = np.flatnonzero(suspect)
        values, vectors = np.linalg.eigh(M[rows])
        size = np.abs(values)
        keep = size > SINGULAR_RTOL * size.max(axis=1, keepdims=True)
        singular = ~keep.all(axis=1) | ~solved[rows] | ~np.isfinite(out[rows]).all(axis=1)
        rows, values, vectors, keep = rows[singular], values[singular], vectors[singular], \
            keep[singular]
        # M⁺ r = V diag(1/λ on the kept eigenvalues, 0 elsewhere) Vᵀ r
        inverse = np.where(keep, 1.0 / np.where(keep, values, 1.0), 0.0)
        coords = np.einsum("kqr,kq->kr", vectors, R[rows])
        out[rows] = np.einsum("kqr,kr->kq", vectors, inverse * coords)
    return out


def _lu_solve(M, B):
    """Stacked LU solves ``M[j]⁻¹ B[j]``, and which of them LAPACK completed.

    NumPy raises for the whole stack when one matrix has an exactly zero pivot; those
    matrices (a zero determinant from the same factorisation) are then left out and
    the others solved again.
    """
    solved = np.ones(M.shape[0], dtype=bool)
    with np.errstate(all="ignore"):
        try:
            return np.linalg.solve(M, B), solved
        except np.linalg.LinAlgError:
            pass
        solved = np.linalg.slogdet(M)[0] != 0
        sol = np.full(B.shape, np.nan, dtype=np.result_type(M, B))
        try:
            sol[solved] = np.linalg.solve(M[solved], B[solved])
        except np.linalg.LinAlgError:
            solved[:] = False
    return sol, solved
