"""The similarity measures in any array-API namespace (PyTorch, CuPy, array-api-strict).

The formulas and the choice of the smallest products are those of :mod:`._similarity`
and :mod:`._rsa` (see there); this module writes them with the array-API standard and
its ``linalg`` extension so that they run on the device of their inputs. The inputs
are divided by powers of two near their largest magnitudes before any square is
formed (exact in binary floating point), as on NumPy.

Differences from the NumPy kernels, all exact rewrites: null directions of a Gram
matrix are zeroed rather than dropped (no data-dependent shapes), and Spearman ranks
are ``(#{v < v_i} + #{v ≤ v_i} + 1) / 2``, the average rank of ties, from two
``searchsorted`` calls on the sorted triangle.
"""

import math

import numpy as np

from ..utils._array_api import max_abs, power_of_two, scalar_exponent, to_numpy

#: Bytes of one block of dot products when a condensed RDM is built.
_BLOCK_BYTES = 2**28


def _ldexp(A, e):
    """``A · 2**e`` (exact), in two factors that stay in the float range."""
    if e == 0:
        return A
    half = int(e) // 2
    return (A * 2.0**half) * 2.0**(int(e) - half)


def _rescaled(A, xp):
    """``A`` divided by a power of two near its largest magnitude, and the exponent."""
    e = scalar_exponent(float(max_abs(A, xp)))
    return _ldexp(A, -e), e


def centered_nonconstant(A, name, measure, xp):
    """:func:`._validation.centered_nonconstant` in ``xp``."""
    A, _ = _rescaled(A, xp)
    hi, lo = xp.max(A, axis=0), xp.min(A, axis=0)
    constant = hi - lo <= 16 * float(xp.finfo(A.dtype).eps) * xp.maximum(hi, -lo)
    if bool(xp.all(constant)):
        raise ValueError(
            f"{measure} is undefined when every unit of {name} is constant "
            f"({name} has {A.shape[1]} unit(s) and no variance across stimuli).")
    Ac = A - xp.mean(A, axis=0)
    Ac = xp.where(constant, xp.zeros_like(Ac), Ac)
    return _rescaled(Ac, xp)[0]


def _sq(A, xp):
    return float(xp.sum(A * A))


def linear_kernel_terms(Xc, Yc, xp):
    """:func:`._similarity._linear_kernel_terms` in ``xp``."""
    n = Xc.shape[0]
    Kx = Xc @ Xc.T if Xc.shape[1] > n else None
    Ky = Yc @ Yc.T if Yc.shape[1] > n else None
    if Kx is None and Ky is None:
        cross = _sq(Xc.T @ Yc, xp)
    elif Kx is None:
        cross = float(xp.sum((Ky @ Xc) * Xc))
    elif Ky is None:
        cross = float(xp.sum((Kx @ Yc) * Yc))
    else:
        cross = float(xp.sum(Kx * Ky))
    xx = _sq(Kx if Kx is not None else Xc.T @ Xc, xp)
    yy = _sq(Ky if Ky is not None else Yc.T @ Yc, xp)
    dx = xp.sum(Xc * Xc, axis=1)
    dy = xp.sum(Yc * Yc, axis=1)
    return cross, xx, yy, dx, dy


def unbiased_hsic(cross, dx, dy, n, xp):
    """:func:`._similarity._unbiased_hsic` in ``xp`` (a Python float)."""
    dd = float(xp.sum(dx * dy))
    return (cross - dd + float(xp.sum(dx)) * float(xp.sum(dy)) / ((n - 1) * (n - 2))
            - 2 * dd / (n - 2))


def procrustes_factor(Ac, xp):
    """:func:`._similarity._procrustes_factor` in ``xp``: ``A_c`` itself, or ``U Λ^½``
    from the Gram matrix with the numerically null directions set to zero."""
    n, p = Ac.shape
    if p <= n:
        return Ac
    lam, U = xp.linalg.eigh(Ac @ Ac.T)
    tol = n * float(xp.finfo(lam.dtype).eps) * float(lam[-1])
    return U * xp.sqrt(xp.where(lam > tol, lam, xp.zeros_like(lam)))


def nuclear_score(Bx, By, xp):
    """``‖B_xᵀ B_y‖_* / (‖B_x‖_F ‖B_y‖_F)`` as a Python float."""
    nuclear = float(xp.sum(xp.linalg.svdvals(Bx.T @ By)))
    return nuclear / math.sqrt(_sq(Bx, xp) * _sq(By, xp))


def prepared_rows(X, metric, xp):
    """:func:`._rsa._prepared_rows` in ``xp``: rows whose dot products give the
    distances, their squared norms (Euclidean) and the exponent of the scaling."""
    if metric == "euclidean":
        U, e = _rescaled(X, xp)
        U = U - xp.mean(U, axis=0)
        return U, xp.sum(U * U, axis=1), e
    hi, lo = xp.max(X, axis=1), xp.min(X, axis=1)
    top = xp.maximum(hi, -lo)
    U = X / power_of_two(top, xp)[:, None]
    if metric == "correlation":
        flat = hi - lo <= 16 * float(xp.finfo(X.dtype).eps) * top
        U = U - xp.mean(U, axis=1, keepdims=True)
        what = "constant across units (correlation distance undefined)"
    else:
        flat = top == 0
        what = "all zero (cosine distance undefined)"
    if bool(xp.any(flat)):
        flat = to_numpy(flat)
        shown = ", ".join(map(str, np.flatnonzero(flat)[:10]))
        raise ValueError(
            f"{np.count_nonzero(flat)} of {X.shape[0]} stimulus pattern(s) (rows {shown}"
            f"{', ...' if flat.sum() > 10 else ''}) are {what}; use "
            "rdm_metric='euclidean' or remove them.")
    U = U / xp.sqrt(xp.sum(U * U, axis=1, keepdims=True))
    return U, None, 0


def to_distance(G, metric, xp, sq_rows=None, sq_cols=None):
    """Distances from dot products of prepared rows (:func:`._rsa._to_distance`)."""
    if metric == "euclidean":
        # in the order of the NumPy kernel, so that both round alike
        D = (-2.0 * G + sq_rows[:, None]) + sq_cols[None, :]
        return xp.sqrt(xp.clip(D, min=0.0))
    return xp.clip(1.0 - G, min=0.0, max=2.0)


def scaled_back(D, e, xp):
    """Distances of the rescaled rows times ``2**e``; an error if they overflow."""
    if e:
        D = _ldexp(D, e)
        if bool(xp.any(xp.isinf(D))):
            raise ValueError("Euclidean distances between rows of X exceed the float "
                             "range; divide X by a constant (the RSA score does not "
                             "change).")
    return D


def square_rdm(X, metric, xp, device):
    """The square RDM, symmetric with an exactly zero diagonal."""
    U, sq, e = prepared_rows(X, metric, xp)
    D = to_distance(U @ U.T, metric, xp, sq, sq)
    D = 0.5 * (D + D.T)
    diagonal = xp.eye(D.shape[0], dtype=D.dtype, device=device) == 1
    return scaled_back(xp.where(diagonal, xp.zeros_like(D), D), e, xp)


def upper_triangle(D_rows, start, n, xp, device):
    """The entries ``j > i`` of rows ``start, start+1, ...`` of an RDM whose block
    ``D_rows`` holds columns ``start..n-1``, row by row (boolean-mask order)."""
    rows = xp.arange(start, start + D_rows.shape[0], device=device)
    cols = xp.arange(start, n, device=device)
    return D_rows[rows[:, None] < cols[None, :]]


def condensed_rdm(X, metric, xp, device, *, scale_back=True):
    """The upper triangle (k=1) of the RDM, built in blocks of rows."""
    n = X.shape[0]
    U, sq, e = prepared_rows(X, metric, xp)
    itemsize = 4 if X.dtype == xp.float32 else 8
    block = max(1, _BLOCK_BYTES // (itemsize * n))
    parts = []
    for start in range(0, n - 1, block):
        stop = min(start + block, n - 1)
        G = U[start:stop, :] @ U[start:, :].T
        D = to_distance(G, metric, xp, None if sq is None else sq[start:stop],
                        None if sq is None else sq[start:])
        parts.append(upper_triangle(D, start, n, xp, device))
    out = parts[0] if len(parts) == 1 else xp.concat(parts)
    return scaled_back(out, e, xp) if scale_back else out


def comparable(v, name, compare, xp):
    """:func:`._rsa._comparable` in ``xp``: a clear error for a constant triangle; its
    centred average ranks (Spearman) or the centred triangle divided by a power of two
    (Pearson)."""
    hi, lo = float(xp.max(v)), float(xp.min(v))
    if hi - lo <= 16 * float(xp.finfo(v.dtype).eps) * max(hi, -lo):
        raise ValueError(f"The RDM of {name} is constant (all stimulus pairs equally "
                         "dissimilar): its correlation with another RDM is undefined.")
    if compare == "spearman":
        ordered = xp.sort(v)
        # twice the average rank of each value, minus twice the mean rank n + 1: exact
        # integers, so that float32 keeps the ranks of long triangles
        twice = (xp.searchsorted(ordered, v, side="left")
                 + xp.searchsorted(ordered, v, side="right") + 1)
        return xp.astype(twice - (v.shape[0] + 1), v.dtype)
    v = _rescaled(v, xp)[0]
    return v - xp.mean(v)


def pearson(a, b, xp):
    """Pearson correlation of two centred vectors, as a Python float."""
    return float(xp.sum(a * b)) / math.sqrt(float(xp.sum(a * a)) * float(xp.sum(b * b)))
