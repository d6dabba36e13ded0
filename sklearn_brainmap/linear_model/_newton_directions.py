"""Newton directions for all targets at once: the inner solve of :mod:`._newton`.

At each Newton iteration the direction ``d_j`` of every running target solves

    H_j d_j = −∇F_j,   H_j = Aᵀ diag(h_j) A + diag(α, …, α, 0),   A = [X, 1],

(the penalty not on the intercept; ``h_j`` the loss's curvature, already multiplied by
the sample weights). Two strategies share the interface
``direction(h, h_psd, grad_w, grad_b, forcing, work) -> (d_w, d_b)``:

* :class:`NewtonCG`, truncated preconditioned conjugate gradients: every
  Hessian-vector product for all targets is two matrix products
  ``Xᵀ (h ∘ (X V))`` (Lin, Weng & Keerthi 2008); a target stops at its forcing term
  or at negative curvature (non-convex losses). The preconditioner is the diagonal of
  each Hessian *in the eigenbasis of the centred design* (``X = U S Vᵀ``):
  ``V diag(s² ∘ (U²)ᵀ h_j + α) Vᵀ``; on correlated features and ``n ≈ p`` it needed
  1.2–4× fewer Hessian-vector products than the plain diagonal (Jacobi). While every
  target's forcing term is loose (:data:`LOW_PRECISION_FORCING`) the products are
  computed in float32: half the cost, with a relative error far below what those
  directions need.
* :class:`ExactNewton`, for few features: all Hessians in one product
  (:func:`~._batched_linalg.weighted_grams`) and one batched solve (batched IRLS,
  McCullagh & Nelder 1989, §2.5); where a non-convex loss's Hessian is not positive
  definite, the non-negative curvature ``h_psd`` is used instead.

:func:`newton_directions` picks one (:data:`EXACT_MAX_FEATURES`).

References
----------
Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., §5.1 (preconditioned
conjugate gradients) and §7.1 (truncated Newton–CG). Lin, Weng & Keerthi (2008), Trust
region Newton method for large-scale logistic regression, *JMLR* 9, 627–650.
McCullagh & Nelder (1989), *Generalized Linear Models*, 2nd ed.
"""

import numpy as np

from ._batched_linalg import packed_products, solve_batched, weighted_grams
from ._ridge_solvers import eigenbasis

#: With at most this many features the Newton direction is solved exactly from all
#: targets' Hessians (built in one product, memory ``n (p+1)(p+2)/2``); the second
#: value is for losses whose curvature can be negative, where every Hessian is also
#: checked for definiteness. Measured at 1000 samples × 500 targets: exact Newton was
#: faster up to about 28 features for the Poisson loss, 8–16 for the softplus one.
EXACT_MAX_FEATURES = 24
EXACT_MAX_FEATURES_INDEFINITE = 8

#: Conjugate gradients whose forcing terms are all at least this loose compute their
#: Hessian-vector products in float32.
LOW_PRECISION_FORCING = 1e-2


def newton_directions(Xc, alpha, loss, direction="auto", sample_weight=None):
    """The direction strategy for the centred design ``Xc`` (and the sample weights).

    ``direction="auto"`` is exact Newton with at most :data:`EXACT_MAX_FEATURES`
    features (:data:`EXACT_MAX_FEATURES_INDEFINITE` for a loss whose
    ``nonnegative_curvature`` is False), conjugate gradients above.
    """
    if direction == "auto":
        limit = (EXACT_MAX_FEATURES if loss.nonnegative_curvature
                 else EXACT_MAX_FEATURES_INDEFINITE)
        direction = "exact" if Xc.shape[1] <= limit else "cg"
    if direction == "exact":
        return ExactNewton(Xc, alpha)
    return NewtonCG(Xc, alpha, sample_weight)


class NewtonCG:
    """Newton directions by preconditioned conjugate gradients, all targets at once.

    Every Hessian-vector product for all running targets is two matrix products:
    ``H_j v_j = Xᵀ (h_j ∘ (X v_j + v_b)) + α v_j`` (weights) and ``Σ_i h_ij (…)``
    (intercept). A target leaves the CG loop when its residual is below its forcing
    term times its gradient norm (truncated Newton), or on non-positive curvature.
    Arrays are target-major: ``h`` is ``(k, n)``, directions ``(k, p)``.

    The preconditioner is the diagonal of each ``H_j`` in the eigenbasis of the design,
    ``X = U S Vᵀ`` (computed once): ``V diag(s² ∘ (U²)ᵀ h_j + α) Vᵀ`` (``α`` alone
    outside the row space), applied at the cost of two ``(k, p) × (p, r)`` products.
    It removes the spread of the design's own spectrum (correlated features,
    ``n ≈ p``) and leaves CG mostly the spread of the curvatures ``h``.
    """

    def __init__(self, X, alpha, sample_weight=None):
        self.X = X
        self.A = np.hstack([X, np.ones((X.shape[0], 1))])
        self.A32 = self.A.astype(np.float32)
        self.alpha = alpha
        # with sample weights, the eigenbasis of Xᵀ diag(s) X: for integer weights the
        # preconditioner (and so every iterate) is then that of the repeated rows
        Xs = X if sample_weight is None else X * np.sqrt(sample_weight)[:, None]
        basis = eigenbasis(Xs)
        keep = basis.s > 0  # the design's row space
        self.s, vecs = basis.s[keep], basis.vecs[:, keep]
        root = np.sqrt(self.s)
        if basis.dual:
            U, self.V = vecs, Xs.T @ (vecs / root)
        else:
            U, self.V = Xs @ (vecs / root), vecs
        if sample_weight is not None:
            U = X @ (self.V / root)  # the curvatures h carry the weights
        self.U_sq = U * U
        self.full_rank = self.V.shape[1] == X.shape[1]

    def _diagonal(self, h):
        """The preconditioner's diagonal in the eigenbasis for the curvatures ``h`` (k, n)."""
        diag_w = (h @ self.U_sq) * self.s
        diag_w += self.alpha
        diag_w[diag_w <= 0] = np.inf
        return diag_w

    def _apply(self, diag_w, r_w):
        """Preconditioned weight residual."""
        R = r_w @ self.V
        z = (R / diag_w) @ self.V.T
        if not self.full_rank and self.alpha > 0:
            # directions outside the design's row space see only the penalty
            z += (r_w - R @ self.V.T) / self.alpha
        return z

    def direction(self, h, h_psd, grad_w, grad_b, forcing, work):
        """Truncated CG on ``H(h)``; the preconditioner is built from ``h_psd ≥ 0``."""
        alpha = self.alpha
        k, p = grad_w.shape
        max_iter = p + 1  # p + 1 unknowns: exact in exact arithmetic
        # Loosely solved systems (far from the optimum) take their Hessian products in
        # single precision: their relative error (~1e-6) is far below the forcing term
        low = forcing.min() >= LOW_PRECISION_FORCING
        A = self.A32 if low else self.A
        h = h.astype(np.float32) if low else h
        diag_w = self._diagonal(h_psd)
        diag_b = h_psd.sum(axis=1)
        diag_b[diag_b <= 0] = np.inf
        out_w, out_b = np.zeros((k, p)), np.zeros(k)
        r_w, r_b = -grad_w, -grad_b
        stop = forcing * np.sqrt(np.einsum("ij,ij->i", r_w, r_w) + r_b**2)
        x_w, x_b = np.zeros((k, p)), np.zeros(k)
        z_w, z_b = self._apply(diag_w, r_w), r_b / diag_b
        d_w, d_b = z_w, z_b
        rz = np.einsum("ij,ij->i", r_w, z_w) + r_b * z_b
        rows = np.arange(k)
        frozen = np.zeros(k, dtype=bool)  # finished, still in the arrays
        for it in range(max_iter):
            # with A = [X, 1], one product each way carries the intercept too
            E = np.matmul(np.hstack([d_w, d_b[:, None]]).astype(A.dtype), A.T,
                          out=work("cg", len(d_w), A.dtype))
            E *= h
            q = (E @ A).astype(np.float64)
            q_w, q_b = q[:, :-1], q[:, -1]
            q_w += alpha * d_w
            curv = np.einsum("ij,ij->i", d_w, q_w) + d_b * q_b
            flat = ~(curv > 0)
            a = np.where(flat | frozen, 0.0, rz / np.where(flat, 1.0, curv))
            x_w += a[:, None] * d_w
            x_b += a * d_b
            if it == 0 and flat.any():
                # no curvature along the preconditioned gradient: take that direction
                x_w[flat], x_b[flat] = d_w[flat], d_b[flat]
            r_w -= a[:, None] * q_w
            r_b -= a * q_b
            r_norm = np.sqrt(np.einsum("ij,ij->i", r_w, r_w) + r_b**2)
            fin = (flat | (r_norm <= stop)) & ~frozen
            if fin.any():
                out_w[rows[fin]], out_b[rows[fin]] = x_w[fin], x_b[fin]
                frozen |= fin
                if frozen.all():
                    return out_w, out_b
                # drop finished targets from the arrays once they are a quarter of
                # them (copying h costs about as much as their share of a product)
                if 4 * frozen.sum() >= frozen.size:
                    live = ~frozen
                    rows, h, diag_w, diag_b = rows[live], h[live], diag_w[live], \
                        diag_b[live]
                    r_w, r_b, x_w, x_b = r_w[live], r_b[live], x_w[live], x_b[live]
                    d_w, d_b, rz, stop = d_w[live], d_b[live], rz[live], stop[live]
                    frozen = frozen[live]
            z_w, z_b = self._apply(diag_w, r_w), r_b / diag_b
            rz_new = np.einsum("ij,ij->i", r_w, z_w) + r_b * z_b
            beta = np.where(frozen, 0.0, rz_new / np.where(frozen, 1.0, rz))
            d_w = z_w + beta[:, None] * d_w
            d_b = z_b + beta * d_b
            rz = rz_new
        live = ~frozen
        out_w[rows[live]], out_b[rows[live]] = x_w[live], x_b[live]
        return out_w, out_b


class ExactNewton:
    """Exact Newton directions from every target's Hessian (batched IRLS), for few features."""

    def __init__(self, X, alpha):
        self.X = X
        self.A = np.hstack([X, np.ones((X.shape[0], 1))])
        self.products = packed_products(self.A)
        self.penalty = np.append(np.full(X.shape[1], float(alpha)), 0.0)

    def _hessians(self, h):
        H = weighted_grams(self.A, h, products=self.products)
        idx = np.arange(H.shape[1])
        H[:, idx, idx] += self.penalty
        return H

    def direction(self, h, h_psd, grad_w, grad_b, forcing, work):
        """Solve with the exact Hessians, or with ``h_psd``'s where they are not positive definite."""
        H = self._hessians(h)
        if h_psd is not h:
            lowest = np.linalg.eigvalsh(H)
            indefinite = ~(lowest[:, 0] > 1e3 * np.finfo(float).eps * np.abs(lowest[:, -1]))
            if indefinite.any():
                H[indefinite] = self._hessians(h_psd[indefinite])
        d = solve_batched(H, -np.hstack([grad_w, grad_b[:, None]]))
        return d[:, :-1], d[:, -1]
