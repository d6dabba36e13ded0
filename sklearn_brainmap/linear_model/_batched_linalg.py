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
  singular.
"""

import numpy as np

#: Memory budget, in bytes, of the matrix of column products of :func:`packed_products`.
PRODUCTS_BYTES = 2**26


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

    Systems that LU cannot solve accurately (singular ones, e.g. without a penalty and
    with collinear columns) get the minimum-norm solution from the pseudo-inverse.

    Parameters
    ----------
    M : ndarray of shape (k, q, q)
    R : ndarray of shape (k, q)

    Returns
    -------
    X : ndarray of shape (k, q)
    """
    try:
        with np.errstate(all="ignore"):
            out = np.linalg.solve(M, R[..., None])[..., 0]
            resid = np.linalg.norm((M @ out[..., None])[..., 0] - R, axis=1)
            # for a positive semi-definite M, its trace bounds its norm
            scale = np.abs(np.trace(M, axis1=1, axis2=2)) * np.linalg.norm(out, axis=1)
            bad = ~(resid <= 1e3 * np.finfo(M.dtype).eps * (scale + np.linalg.norm(R, axis=1)))
    except np.linalg.LinAlgError:
        out = np.empty_like(R)
        bad = np.ones(R.shape[0], dtype=bool)
    if bad.any():
        out[bad] = (np.linalg.pinv(M[bad], hermitian=True) @ R[bad][..., None])[..., 0]
    return out
