"""Batched solvers for many generalised linear fits at once: plain functions on arrays.

Every target ``j`` has its own, independent problem

    minimise_{w_j, b_j}  F_j = Σ_i s_ij ℓ(y_ij, x_i·w_j + b_j) + α/2 ‖w_j‖²,

(``ℓ`` a loss object from :mod:`._losses`, ``s`` sample weights, the intercept
unpenalised). The objective is *block separable*: the solvers below never couple targets
(an L-BFGS run on the summed objective would, and is much slower), but they do all the
arithmetic of all targets in the same matrix products.

:func:`fit_glm` is a truncated Newton method. At each iteration, for all targets still
running,

* the gradient is one product ``Aᵀ G`` (``G = s ∘ ∂ℓ/∂η``, shape ``(n, k)``,
  ``A = [X, 1]`` so that the intercept's entry comes out of the same product);
* the Newton direction solves ``H_j d_j = −∇F_j`` with ``H_j = Aᵀ diag(h_j) A + αI``
  (``A = [X, 1]``, the penalty not on the intercept), either by preconditioned
  conjugate gradients, where each Hessian-vector product for all targets is two matrix
  products ``Xᵀ (h ∘ (X V))``, or, for few features, exactly from all Hessians built in
  one product (batched IRLS). The default preconditioner is Jacobi *in the
  eigenbasis of the centred design* (``diag(Uᵀ diag(h_j) U) s + α`` with
  ``X = U S Vᵀ``): on correlated features and ``n ≈ p`` it needed 1.2–4× fewer
  Hessian-vector products than plain Jacobi (``preconditioner="jacobi"``); CG stops
  at the forcing tolerance or at negative curvature (non-convex losses). The first
  iteration uses the loss's non-negative curvature ``h_psd`` (a modified Newton step):
  from a constant start the exact Hessian of a non-convex loss is often indefinite,
  and CG would stop at once with a badly scaled direction. While every target's
  forcing term is loose (far from the optimum, :data:`LOW_PRECISION_FORCING`) the
  Hessian-vector products are computed in float32: half the cost, with a relative
  error far below what those directions need; gradients, line searches and the last
  iterations stay in float64;
* a backtracking (Armijo) line search per target needs only the elementwise loss at
  ``η + t Δη``, with ``Δη = X d`` computed once;
* targets whose gradient is small enough are frozen and leave the working set;
* small problems run on one BLAS thread (see :data:`SMALL_PRODUCT`); large ones are
  split into blocks of targets solved side by side in threads, one BLAS thread each
  (see :data:`PARALLEL_SIZE`), so that the elementwise passes of the losses, which
  NumPy runs on one core, use every core too;
* the elementwise passes write into reused arrays (:class:`Workspace`).

:func:`subset_ridge` fits a ridge regression of each target on its own subset of rows
(the stimuli where a LogisticRidge target is above threshold): exactly, from batched
solves of the subsets' Gram matrices (primal) or of sub-blocks of one kernel matrix
``X Xᵀ`` (dual), whichever is cheaper.

References
----------
Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., §7.1 (line-search
Newton–CG, forcing sequence ``min(0.5, √‖∇F‖)``) and §3.1 (Armijo backtracking).
McCullagh & Nelder (1989), *Generalized Linear Models*, 2nd ed., §2.5 (Fisher scoring,
IRLS). Lin, Weng & Keerthi (2008), Trust region Newton method for large-scale logistic
regression, *JMLR* 9, 627–650 (Hessian-vector products ``Xᵀ (D (X v))``).
"""

import contextvars
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..utils import blas_thread_count, blas_threads_for, column_blocks, one_blas_thread
from ._ridge_solvers import center, eigenbasis

#: With at most this many features the Newton direction is solved exactly from all
#: targets' Hessians (built in one product, memory ``n (p+1)(p+2)/2``); the second
#: value is for losses whose curvature can be negative, where every Hessian is also
#: checked for definiteness. Measured at 1000 samples × 500 targets: exact Newton was
#: faster up to about 28 features for the Poisson loss, 8–16 for the softplus one.
EXACT_MAX_FEATURES = 24
EXACT_MAX_FEATURES_INDEFINITE = 8

#: Memory budget, in bytes, of one ``(n_samples, block)`` working array.
BLOCK_BYTES = 2**26

#: Below this many multiply-adds per product (``n × p × targets``) the Newton
#: iterations run on one BLAS thread: starting threads costs more than they save, and
#: on a busy machine OpenBLAS threads that wait for a core were 20–50× slower.
SMALL_PRODUCT = 2**22

#: Problems of at least this many multiply-adds per product (``n × p × targets``) are
#: split into blocks of targets solved side by side, one thread each (when BLAS has
#: several), with at least PARALLEL_TARGETS targets per block.
PARALLEL_SIZE = 2**24
PARALLEL_TARGETS = 16

#: Conjugate gradients whose forcing terms are all at least this loose compute their
#: Hessian-vector products in float32.
LOW_PRECISION_FORCING = 1e-2

_ARMIJO = 1e-4
_MAX_HALVINGS = 40


class GLMSolution(NamedTuple):
    """What :func:`fit_glm` returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features, n_targets)
    intercept : ndarray of shape (n_targets,)
    n_iter : ndarray of int, shape (n_targets,)
        Newton iterations of each target.
    converged : ndarray of bool, shape (n_targets,)
        Whether the gradient criterion was met.
    """

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray


def fit_glm(X, Y, loss, alpha, *, sample_weight=None, coef_init=None, intercept_init=None,
            tol=1e-8, max_iter=100, direction="auto", preconditioner="spectral",
            block_bytes=BLOCK_BYTES):
    """Fit one penalised GLM per target, all targets at once, by truncated Newton.

    Minimises ``Σ_i s_ij ℓ(y_ij, x_i·w_j + b_j) + α/2 ‖w_j‖²`` for every target ``j``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    Y : ndarray of shape (n_samples, n_targets), float64
    loss : loss object
        See :mod:`._losses` (``value``, ``derivatives``).
    alpha : float
        L2 penalty on the weights (not on the intercept), ``≥ 0``.
    sample_weight : ndarray of shape (n_samples,) or (n_samples, n_targets), optional
        Non-negative weights ``s``; a 2-D array gives each target its own weights.
    coef_init : ndarray of shape (n_features, n_targets), optional
        Starting weights (default zero).
    intercept_init : ndarray of shape (n_targets,), optional
        Starting intercepts (default zero).
    tol : float
        A target has converged when ``max |∇F_j| ≤ tol · Σ_i s_ij``: the largest
        gradient entry of the *mean* objective ``F_j / Σ_i s_ij`` is at most ``tol``
        (scikit-learn's ``LogisticRegression`` uses the same test).
    max_iter : int
        Newton iterations per target.
    direction : {"auto", "cg", "exact"}
        How Newton directions are computed: preconditioned conjugate gradients on
        Hessian-vector products, or exact solves of all Hessians (``"auto"``: exact
        with at most :data:`EXACT_MAX_FEATURES` features, or
        :data:`EXACT_MAX_FEATURES_INDEFINITE` for a loss whose
        ``nonnegative_curvature`` is False).
    preconditioner : {"spectral", "jacobi"}
        Preconditioner of the conjugate gradients: the diagonal of each Hessian in the
        eigenbasis of the centred design (one eigendecomposition of the smaller Gram
        matrix), or in the original coordinates.
    block_bytes : int
        Targets are processed in blocks whose ``(n_samples, block)`` arrays stay under
        this size.

    Returns
    -------
    GLMSolution
        Targets that did not converge are reported in ``converged`` and by one
        :class:`~sklearn.exceptions.ConvergenceWarning`.
    """
    n, p = X.shape
    t = Y.shape[1]
    if direction == "auto":
        limit = (EXACT_MAX_FEATURES if loss.nonnegative_curvature
                 else EXACT_MAX_FEATURES_INDEFINITE)
        direction = "exact" if p <= limit else "cg"
    # Work arrays are target-major, (n_targets, n_samples): the working set of targets
    # is then a set of contiguous rows.
    S = None if sample_weight is None else np.asarray(sample_weight, float).T
    if S is not None and S.ndim == 1:
        S = S[None, :]
    # Centring the design changes only the intercept's parametrisation (it is
    # unpenalised), and makes the Hessians far better conditioned.
    if S is not None and S.shape[0] == 1:
        x_mean = (S[0] @ X) / S[0].sum()
    else:
        x_mean = X.mean(axis=0)
    Xc = X - x_mean
    W = np.zeros((t, p)) if coef_init is None else np.array(coef_init, dtype=float).T
    b = np.zeros(t) if intercept_init is None else np.array(intercept_init, dtype=float)
    b = b + W @ x_mean
    n_iter = np.zeros(t, dtype=int)
    converged = np.zeros(t, dtype=bool)
    if direction == "exact":
        newton = _ExactNewton(Xc, alpha)
    else:
        newton = _NewtonCG(Xc, alpha, preconditioner)
    # The targets' problems are independent: with several cores, blocks of targets
    # are solved side by side in threads, each on one BLAS thread, which runs the
    # elementwise passes (a third to a half of the time, single-threaded in NumPy)
    # in parallel too.
    workers = _block_workers(n * p * t, t)
    blocks = column_blocks(t, n, 8, budget=block_bytes // workers)
    if len(blocks) < workers:
        edges = np.linspace(0, t, workers + 1).astype(int)
        blocks = [slice(a, z) for a, z in zip(edges[:-1], edges[1:])]

    def solve(block):
        Sb = S if S is None or S.shape[0] == 1 else S[block]
        return _newton_block(newton, np.ascontiguousarray(Y[:, block].T), Sb, loss,
                             alpha, W[block], b[block], tol, max_iter)

    if workers == 1:
        solutions = []
        for block in blocks:
            with blas_threads_for(2 * n * p * (block.stop - block.start),
                                  threshold=2 * SMALL_PRODUCT):
                solutions.append(solve(block))
    else:
        with one_blas_thread(), ThreadPoolExecutor(workers) as pool:
            # each task in a copy of the caller's context (NumPy's error state)
            tasks = [pool.submit(contextvars.copy_context().run, solve, block)
                     for block in blocks]
            solutions = [task.result() for task in tasks]
    for block, (W_b, b_b, n_iter_b, converged_b) in zip(blocks, solutions):
        W[block], b[block], n_iter[block], converged[block] = W_b, b_b, n_iter_b, \
            converged_b
    n_bad = int(np.count_nonzero(~converged))
    if n_bad:
        warnings.warn(
            f"{n_bad} of {t} target(s) did not converge to tol={tol} in "
            f"max_iter={max_iter} Newton iterations (or their line search stalled at "
            f"rounding level); increase max_iter or alpha, or loosen tol.",
            ConvergenceWarning, stacklevel=3)
    return GLMSolution(W.T, b - W @ x_mean, n_iter, converged)


def _block_workers(size, n_targets):
    """Threads for :func:`fit_glm`: the BLAS thread count for large problems, else 1.

    ``size`` is ``n_samples × n_features × n_targets``; below
    :data:`PARALLEL_SIZE` (or with fewer than :data:`PARALLEL_TARGETS` targets per
    thread) threads would cost more than they save. Only from the main thread: the
    BLAS thread limit is process-wide, and fits running in several threads at once
    (a threading backend) would undo each other's limits.
    """
    if size < PARALLEL_SIZE or threading.current_thread() is not threading.main_thread():
        return 1
    return max(1, min(blas_thread_count(), n_targets // PARALLEL_TARGETS))


class Workspace:
    """Reusable arrays with ``n_columns`` columns and up to ``max_rows`` rows.

    ``work(name, rows, dtype=float64)`` returns the first ``rows`` rows of the array
    called ``name`` of that dtype (C-contiguous), allocated on first use. The solvers' elementwise passes over
    ``(targets, samples)`` arrays write into these instead of fresh temporaries: a
    fresh array of megabytes costs a page fault per 4 KiB page when first written,
    which on a virtual machine made the losses 2–10× slower than their arithmetic.
    """

    def __init__(self, max_rows, n_columns):
        self.shape = (max_rows, n_columns)
        self._arrays = {}

    def __call__(self, name, rows, dtype=np.float64):
        array = self._arrays.get((name, dtype))
        if array is None:
            array = self._arrays[(name, dtype)] = np.empty(self.shape, dtype=dtype)
        return array[:rows]


def _rows(S, index):
    """Rows ``index`` of the weights (all of them when shared by the targets, or None)."""
    return S if S is None or S.shape[0] == 1 else S[index]


def _objective(loss, Y, S, eta, W, alpha, work):
    """Per-target objective and its rounding scale (sum of absolute terms); rows are targets."""
    terms = loss.value(Y, eta, work)
    if S is not None:
        terms *= S
    penalty = 0.5 * alpha * np.einsum("ij,ij->i", W, W)
    total = terms.sum(axis=1) + penalty
    return total, np.abs(terms, out=terms).sum(axis=1) + penalty


def _newton_block(newton, Y, S, loss, alpha, W, b, tol, max_iter):
    """Newton iterations for one block of targets (target-major arrays); see :func:`fit_glm`."""
    X, A = newton.X, newton.A  # A = [X, 1]: weights and intercept in one product
    k = Y.shape[0]
    work = Workspace(k, X.shape[0])
    W, b = W.copy(), b.copy()
    eta = W @ X.T
    eta += b[:, None]
    f, _ = _objective(loss, Y, S, eta, W, alpha, work)
    s_sum = np.full(k, float(X.shape[0])) if S is None else np.maximum(
        np.broadcast_to(S.sum(axis=1), (k,)), np.finfo(float).tiny)
    gtol = tol * s_sum
    n_iter = np.zeros(k, dtype=int)
    converged = np.zeros(k, dtype=bool)
    active = np.arange(k)
    for it in range(max_iter + 1):
        if active.size == k:  # views while every target is running
            Ya, eta_a, Wa, Sa = Y, eta, W, S
        else:
            Ya, eta_a, Wa, Sa = Y[active], eta[active], W[active], _rows(S, active)
        g, h, h_psd = loss.derivatives(Ya, eta_a, work)
        if Sa is not None:
            g *= Sa
            h *= Sa
            if h_psd is not h:
                h_psd *= Sa
        grad = g @ A
        grad_w, grad_b = grad[:, :-1], grad[:, -1]
        grad_w += alpha * Wa
        gmax = np.maximum(np.abs(grad_w).max(axis=1, initial=0.0), np.abs(grad_b))
        done = gmax <= gtol[active]
        converged[active[done]] = True
        running = ~done
        if it == max_iter or not running.any():
            break
        if not running.all():
            active, Ya, eta_a, Wa = active[running], Ya[running], eta_a[running], \
                Wa[running]
            same = h_psd is h
            Sa, h = _rows(Sa, running), h[running]
            h_psd = h if same else h_psd[running]
            grad_w, grad_b = grad_w[running], grad_b[running]
        n_iter[active] += 1
        grad_norm = np.sqrt(np.einsum("ij,ij->i", grad_w, grad_w) + grad_b**2)
        # forcing sequence, on the scale of the mean objective
        forcing = np.minimum(0.5, np.sqrt(grad_norm / s_sum[active]))
        # The first step uses the non-negative curvature h_psd (a modified Newton
        # step): from a constant start, the exact Hessian of a non-convex loss is
        # often indefinite, CG then stops at once with a badly scaled direction, and
        # the line search halved LinearSoftplus's first steps 7–9 times.
        d_w, d_b = newton.direction(h_psd if it == 0 else h, h_psd, grad_w, grad_b,
                                    forcing, work)
        d_eta = np.matmul(np.hstack([d_w, d_b[:, None]]), A.T,
                          out=work("d_eta", active.size))
        slope = np.einsum("ij,ij->i", grad_w, d_w) + grad_b * d_b
        step, f_new, ok = _line_search(loss, Ya, Sa, eta_a, Wa, d_eta, d_w, f[active],
                                       slope, alpha, work)
        moved = active[ok]
        if moved.size == k:  # every target moved: update in place
            W += step[:, None] * d_w
            b += step * d_b
            eta += np.multiply(d_eta, step[:, None], out=work("trial", k))
            f = f_new
        else:
            st = step[ok, None]
            W[moved] = Wa[ok] + st * d_w[ok]
            b[moved] += step[ok] * d_b[ok]
            eta[moved] = eta_a[ok] + st * d_eta[ok]
            f[moved] = f_new[ok]
        active = moved  # a target whose line search failed has stalled: stop it
        if active.size == 0:
            break
    return W, b, n_iter, converged


def _line_search(loss, Y, S, eta, W, d_eta, d_w, f0, slope, alpha, work):
    """Backtracking from the Newton step ``t = 1`` until the Armijo condition holds.

    Each trial needs only elementwise losses at ``η + t Δη``. A decrease smaller than
    the objective's rounding error counts as sufficient (near the optimum the exact
    decrease is below it).

    Returns
    -------
    step, f_new : ndarray of shape (k,)
    ok : ndarray of bool, shape (k,)
        False where no step was accepted.
    """
    k = f0.shape[0]
    step = np.ones(k)
    f_new = f0.copy()
    ok = np.zeros(k, dtype=bool)
    todo = np.arange(k)
    eps = np.finfo(float).eps
    for _ in range(_MAX_HALVINGS):
        st = step[todo, None]
        if todo.size == k:  # views for the first trial of every target
            Yt, St, eta_t, d_eta_t, W_t, d_w_t = Y, S, eta, d_eta, W, d_w
        else:
            Yt, St = Y[todo], _rows(S, todo)
            eta_t, d_eta_t, W_t, d_w_t = eta[todo], d_eta[todo], W[todo], d_w[todo]
        trial = np.multiply(d_eta_t, st, out=work("trial", todo.size))
        trial += eta_t
        with np.errstate(over="ignore", invalid="ignore"):
            f_try, scale = _objective(loss, Yt, St, trial, W_t + st * d_w_t, alpha, work)
        good = np.isfinite(f_try) & (
            f_try <= f0[todo] + _ARMIJO * step[todo] * slope[todo] + 64 * eps * scale)
        ok[todo[good]] = True
        f_new[todo[good]] = f_try[good]
        todo = todo[~good]
        if todo.size == 0:
            break
        step[todo] *= 0.5
    return step, f_new, ok


class _NewtonCG:
    """Newton directions by preconditioned conjugate gradients, all targets at once.

    Every Hessian-vector product for all running targets is two matrix products:
    ``H_j v_j = Xᵀ (h_j ∘ (X v_j + v_b)) + α v_j`` (weights) and ``Σ_i h_ij (…)``
    (intercept). A target leaves the CG loop when its residual is below its forcing
    term times its gradient norm (truncated Newton), or on non-positive curvature.
    Arrays are target-major: ``h`` is ``(k, n)``, directions ``(k, p)``.

    Preconditioners: ``"jacobi"``, the diagonal of each ``H_j``; ``"spectral"``, the
    diagonal of each ``H_j`` in the eigenbasis of the design, ``X = U S Vᵀ`` (computed
    once): ``V diag(s² ∘ (U²)ᵀ h_j + α) Vᵀ`` (``α`` alone outside the row space),
    applied at the cost of two ``(k, p) × (p, r)`` products. It removes the spread of
    the design's own spectrum (correlated features, ``n ≈ p``) and leaves CG mostly
    the spread of the curvatures ``h``.
    """

    def __init__(self, X, alpha, preconditioner="spectral"):
        self.X = X
        self.A = np.hstack([X, np.ones((X.shape[0], 1))])
        self.A32 = self.A.astype(np.float32)
        self.alpha = alpha
        self.preconditioner = preconditioner
        if preconditioner == "jacobi":
            self.X_sq = X * X
        else:
            basis = eigenbasis(X)
            keep = basis.s > 0  # the design's row space
            self.s, vecs = basis.s[keep], basis.vecs[:, keep]
            root = np.sqrt(self.s)
            if basis.dual:
                U, self.V = vecs, X.T @ (vecs / root)
            else:
                U, self.V = X @ (vecs / root), vecs
            self.U_sq = U * U
            self.full_rank = self.V.shape[1] == X.shape[1]

    def _diagonal(self, h):
        """What the preconditioner needs for the current curvatures (k, n)."""
        if self.preconditioner == "jacobi":
            diag_w = h @ self.X_sq
            diag_w += self.alpha
        else:
            diag_w = (h @ self.U_sq) * self.s
            diag_w += self.alpha
        diag_w[diag_w <= 0] = np.inf
        return diag_w

    def _apply(self, diag_w, r_w):
        """Preconditioned weight residual."""
        if self.preconditioner == "jacobi":
            return r_w / diag_w
        R = r_w @ self.V
        z = (R / diag_w) @ self.V.T
        if not self.full_rank and self.alpha > 0:
            # directions outside the design's row space see only the penalty
            z += (r_w - R @ self.V.T) / self.alpha
        return z

    def direction(self, h, h_psd, grad_w, grad_b, forcing, work, max_iter=None):
        """Truncated CG on ``H(h)``; the preconditioner is built from ``h_psd ≥ 0``."""
        alpha = self.alpha
        k, p = grad_w.shape
        max_iter = p + 1 if max_iter is None else max_iter
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


class _ExactNewton:
    """Exact Newton directions from every target's Hessian (batched IRLS), for few features."""

    def __init__(self, X, alpha):
        self.X = X
        self.A = np.hstack([X, np.ones((X.shape[0], 1))])
        self.products = _packed_products(self.A)
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


def _packed_products(A, budget=BLOCK_BYTES):
    """Products of all pairs of columns ``i ≤ l`` of ``A`` (or None beyond ``budget``)."""
    n, q = A.shape
    iu, ju = np.triu_indices(q)
    if n * iu.size * A.itemsize > budget:
        return None
    return A[:, iu] * A[:, ju]


def weighted_grams(A, H, *, products=None, budget=BLOCK_BYTES):
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
        ``_packed_products(A)`` when the caller keeps it across calls.

    Returns
    -------
    G : ndarray of shape (k, q, q)
    """
    n, q = A.shape
    k = H.shape[0]
    G = np.empty((k, q, q), dtype=A.dtype)
    if products is None:
        products = _packed_products(A, budget)
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
        for block in _target_blocks(np.flatnonzero(primal), q * q * X.itemsize, budget):
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


def _target_blocks(targets, bytes_per_target, budget):
    size = max(1, budget // bytes_per_target)
    return [targets[i:i + size] for i in range(0, targets.size, size)]


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
