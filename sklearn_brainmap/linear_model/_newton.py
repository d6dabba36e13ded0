"""Truncated Newton for many penalised GLM fits at once: :func:`fit_glm`.

Every target ``j`` has its own, independent problem

    minimise_{w_j, b_j}  F_j = Σ_i s_i ℓ(y_ij, x_i·w_j + b_j) + α/2 ‖w_j‖²,

(``ℓ`` a loss object from :mod:`._losses`, ``s`` sample weights, the intercept
unpenalised). The objective is *block separable*: the solver never couples targets (an
L-BFGS run on the summed objective would, and is much slower), but it does the
arithmetic of all targets in the same matrix products. :class:`NewtonBlock` runs the
iterations of one block of targets in named steps; at each iteration, for all targets
still running,

* ``update_gradient_hessian``: the gradient is one product ``Aᵀ G`` (``G = s ∘ ∂ℓ/∂η``,
  ``A = [X, 1]`` so that the intercept's entry comes out of the same product), the
  curvature ``h = s ∘ ∂²ℓ/∂η²`` (or the Fisher weight) one elementwise pass;
* ``check_convergence``: targets whose gradient is small enough are frozen and leave
  the working set;
* ``inner_solve``: the Newton direction solves ``H_j d_j = −∇F_j`` to the forcing
  tolerance ``min(0.5, √‖∇F_j‖)`` (:mod:`._newton_directions`). The first iteration
  uses the loss's non-negative curvature ``h_psd`` (a modified Newton step): from a
  constant start the exact Hessian of a non-convex loss is often indefinite, and
  conjugate gradients would stop at once with a badly scaled direction;
* ``line_search``: backtracking (Armijo) per target, which needs only the elementwise
  loss at ``η + t Δη``, with ``Δη = A d`` computed once;
* ``update``: the accepted steps move the weights, intercepts and linear predictors.

:func:`fit_glm` centres the design and divides it by the power of two nearest its
root mean square (exact; the Hessians are then far better conditioned, nothing
overflows, and the convergence test does not depend on the units of ``X``), splits the
targets into blocks and schedules them: small problems run on one BLAS thread
(:data:`SMALL_PRODUCT`); large ones are solved side by side in threads, one BLAS thread
each (:data:`PARALLEL_SIZE`), so that the elementwise passes of the losses, which NumPy
runs on one core, use every core too. The elementwise passes write
into reused arrays (:class:`~._losses.Workspace`).

References
----------
Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., §7.1 (line-search
Newton–CG, forcing sequence ``min(0.5, √‖∇F‖)``) and §3.1 (Armijo backtracking).
McCullagh & Nelder (1989), *Generalized Linear Models*, 2nd ed., §2.5 (Fisher scoring,
IRLS). Lin, Weng & Keerthi (2008), Trust region Newton method for large-scale logistic
regression, *JMLR* 9, 627–650 (Hessian-vector products ``Xᵀ (D (X v))``).
"""

import threading
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..utils import blas_thread_count, column_blocks, constant_columns
from ..utils._threads import run_blocks
from ..utils._stats import power_of_two_exponents
from ._losses import Workspace
from ._newton_directions import newton_directions
from ._scaling import (check_representable, extreme_exponent, ldexp, mean_and_std,
                       nearest_power_of_two_exponent, penalty_in_scaled_units)

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


def fit_glm(X, Y, loss, alpha, *, sample_weight=None, intercept_init=None, tol=1e-8,
            max_iter=100, direction="auto", block_bytes=BLOCK_BYTES):
    """Fit one penalised GLM per target, all targets at once, by truncated Newton.

    Minimises ``Σ_i s_i ℓ(y_ij, x_i·w_j + b_j) + α/2 ‖w_j‖²`` for every target ``j``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    Y : ndarray of shape (n_samples, n_targets), float64
    loss : loss object
        See :mod:`._losses` (``value``, ``derivatives``).
    alpha : float
        L2 penalty on the weights (not on the intercept), ``≥ 0``.
    sample_weight : ndarray of shape (n_samples,), optional
        Non-negative weights ``s``, shared by the targets.
    intercept_init : ndarray of shape (n_targets,), optional
        Starting intercepts (default zero); the weights start at zero.
    tol : float
        A target has converged when ``max |∇F_j| ≤ tol · m_j · Σ_i s_i``: the largest
        gradient entry of the *mean* objective ``F_j / Σ_i s_i`` is at most ``tol``
        (scikit-learn's ``LogisticRegression`` uses the same test) in units where it
        does not depend on the scale of the data: the weights' entries are those of
        the centred design divided by the power of two nearest its root mean square,
        and ``m_j`` is the power of two nearest the typical size of ``∂ℓ/∂η`` for the
        target (the loss's ``derivative_scale`` of its mean and standard deviation:
        1 for the logistic loss, the standard deviation for Poisson and squared-error
        losses).
    max_iter : int
        Newton iterations per target.
    direction : {"auto", "cg", "exact"}
        How Newton directions are computed: preconditioned conjugate gradients on
        Hessian-vector products, or exact solves of all Hessians (``"auto"``: see
        :func:`~._newton_directions.newton_directions`).
    block_bytes : int
        Targets are processed in blocks whose ``(n_samples, block)`` arrays stay under
        this size.

    Returns
    -------
    GLMSolution
        Targets that did not converge are reported in ``converged`` and by one
        :class:`~sklearn.exceptions.ConvergenceWarning`.

    Raises
    ------
    ValueError
        When the weights, fitted in rescaled units, cannot be represented in the units
        of ``X`` (data whose scale is near the float range).

    Notes
    -----
    The fit is invariant to the units of ``X`` (with ``α`` in the units of ``X²``), of
    ``sample_weight`` (with ``α`` in its units) and, through ``m_j``, of targets whose
    loss scales with them: the centred design is divided by the power of two nearest
    its root mean square and the weights by one near their largest (after a first
    division of ``X`` by one near its largest when that is beyond ``2**±256``), which
    is exact, and the penalty is rescaled with them. Columns of ``X`` that are
    constant (relative to their magnitude, over the samples of non-zero weight) get
    zero weight.
    """
    n, p = X.shape
    t = Y.shape[1]
    S = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    # Weights of any magnitude: divided by a power of two, with the penalty (exact).
    e_s = 0 if S is None else int(power_of_two_exponents(S))
    S = None if S is None else ldexp(S, -e_s)
    rows = slice(None) if S is None else S > 0
    # Centring the design changes only the intercept's parametrisation (it is
    # unpenalised), and makes the Hessians far better conditioned; a design beyond the
    # float range's middle is first rescaled so that its mean cannot overflow.
    e_raw = extreme_exponent(X)
    X = ldexp(X, -e_raw)
    x_mean = X.mean(axis=0) if S is None else (S @ X) / S.sum()
    Xc = X - x_mean
    Xc[:, constant_columns(X[rows])] = 0.0  # exactly: rounding noise of their mean
    # the power of two nearest the root mean square of the centred design
    mean_square = (np.einsum("ij,ij->", Xc, Xc) / Xc.size if S is None else
                   np.einsum("i,ij,ij->", S, Xc, Xc) / (S.sum() * p)) if Xc.size else 0.0
    e_c = nearest_power_of_two_exponent(np.sqrt(mean_square))
    Xc = ldexp(Xc, -e_c)
    e = e_raw + e_c
    alpha = float(penalty_in_scaled_units(alpha, e, weight_exponent=e_s))
    W = np.zeros((t, p))
    b = np.zeros(t) if intercept_init is None else np.array(intercept_init, dtype=float)
    directions = newton_directions(Xc, alpha, loss, direction, S)
    # the convergence test is relative to the typical derivative of each target's loss
    scale = np.ldexp(1.0, nearest_power_of_two_exponent(
        loss.derivative_scale(*mean_and_std(Y[rows], None if S is None else S[rows]))))

    def solve(block):
        # work arrays are target-major, (n_targets, n_samples): the working set of
        # targets is then a set of contiguous rows
        newton = NewtonBlock(directions, loss, np.ascontiguousarray(Y[:, block].T), S,
                             alpha, W[block], b[block], tol, scale[block])
        return newton.solve(max_iter)

    blocks, workers = _schedule(n, p, t, block_bytes)
    # one worker: each block on one BLAS thread when its products are small
    solutions = run_blocks(solve, blocks, workers, 2 * n * p, threshold=2 * SMALL_PRODUCT)
    n_iter = np.zeros(t, dtype=int)
    converged = np.zeros(t, dtype=bool)
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
    coef = ldexp(W.T, -e)
    check_representable(coef, W.T, "GLM weights")
    return GLMSolution(coef, b - W @ ldexp(x_mean, -e_c), n_iter, converged)


# ---- scheduling of blocks of targets --------------------------------------------------

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


def _schedule(n_samples, n_features, n_targets, block_bytes):
    """Blocks of targets (slices) and the number of threads that solve them.

    The targets' problems are independent: with several cores, blocks are solved side
    by side, each on one BLAS thread, which runs the elementwise passes (a third to a
    half of the time, single-threaded in NumPy) in parallel too. Every thread gets at
    least one block, and the blocks of all threads together stay under
    ``block_bytes``.
    """
    workers = _block_workers(n_samples * n_features * n_targets, n_targets)
    blocks = column_blocks(n_targets, n_samples, 8, budget=block_bytes // workers)
    if len(blocks) < workers:
        edges = np.linspace(0, n_targets, workers + 1).astype(int)
        blocks = [slice(a, z) for a, z in zip(edges[:-1], edges[1:])]
    return blocks, workers


# ---- the Newton iterations of one block -------------------------------------------------

def _objective(loss, Y, S, eta, W, alpha, work):
    """Per-target objective and its rounding scale (sum of absolute terms); rows are targets."""
    terms = loss.value(Y, eta, work)
    if S is not None:
        terms *= S
    penalty = 0.5 * alpha * np.einsum("ij,ij->i", W, W)
    total = terms.sum(axis=1) + penalty
    return total, np.abs(terms, out=terms).sum(axis=1) + penalty


class NewtonBlock:
    """Newton iterations for one block of targets; see :func:`fit_glm`.

    Arrays are target-major (``Y``, ``eta``: ``(k, n)``; ``W``: ``(k, p)``). The
    targets still running form the working set ``active``; while it holds every
    target the per-iteration arrays are views, afterwards copies of its rows.

    Parameters
    ----------
    directions : NewtonCG or ExactNewton
        The inner solver, built on the centred design.
    loss : loss object
    Y : ndarray of shape (k, n_samples)
    S : ndarray of shape (n_samples,) or None
        Sample weights.
    alpha : float
    W, b : ndarray of shape (k, n_features) and (k,)
        Starting point (copied).
    tol : float
    scale : ndarray of shape (k,) or float
        The targets' derivative scales ``m`` of the convergence test (see :func:`fit_glm`).
    """

    def __init__(self, directions, loss, Y, S, alpha, W, b, tol, scale=1.0):
        self.directions, self.loss, self.Y, self.S, self.alpha = directions, loss, Y, S, alpha
        self.scale = scale
        self.setup(W, b, tol)

    def setup(self, W, b, tol):
        """Starting predictors and objectives, the convergence thresholds, the work arrays."""
        X = self.directions.X
        k = self.Y.shape[0]
        self.work = Workspace(k, X.shape[0])
        self.W, self.b = W.copy(), b.copy()
        self.eta = self.W @ X.T
        self.eta += self.b[:, None]
        self.f, _ = _objective(self.loss, self.Y, self.S, self.eta, self.W, self.alpha,
                               self.work)
        total = float(X.shape[0]) if self.S is None else max(self.S.sum(), np.finfo(float).tiny)
        self.s_sum = np.full(k, total)
        self.gtol = tol * self.s_sum * self.scale
        self.n_iter = np.zeros(k, dtype=int)
        self.converged = np.zeros(k, dtype=bool)
        self.active = np.arange(k)

    def solve(self, max_iter):
        """Iterate until every target has converged, stalled or used ``max_iter``."""
        for it in range(max_iter + 1):
            self.update_gradient_hessian()
            running = self.check_convergence()
            if it == max_iter or not running.any():
                break
            self.keep(running)
            self.n_iter[self.active] += 1
            self.inner_solve(first=it == 0)
            self.line_search()
            self.update()
            if self.active.size == 0:
                break
        return self.finalize()

    def update_gradient_hessian(self):
        """Gradient and curvatures of the working set (with the weights applied)."""
        k = self.Y.shape[0]
        active = self.active
        if active.size == k:  # views while every target is running
            self.Ya, self.eta_a, self.Wa = self.Y, self.eta, self.W
        else:
            self.Ya, self.eta_a, self.Wa = self.Y[active], self.eta[active], self.W[active]
        g, h, h_psd = self.loss.derivatives(self.Ya, self.eta_a, self.work)
        S = self.S
        if S is not None:
            g *= S
            h *= S
            if h_psd is not h:
                h_psd *= S
        grad = g @ self.directions.A  # A = [X, 1]: the intercept's entry too
        self.grad_w, self.grad_b = grad[:, :-1], grad[:, -1]
        self.grad_w += self.alpha * self.Wa
        self.h, self.h_psd = h, h_psd

    def check_convergence(self):
        """Mark the targets whose largest gradient entry is below their threshold.

        Returns the mask, over the working set, of the targets still running.
        """
        gmax = np.maximum(np.abs(self.grad_w).max(axis=1, initial=0.0), np.abs(self.grad_b))
        done = gmax <= self.gtol[self.active]
        self.converged[self.active[done]] = True
        return ~done

    def keep(self, running):
        """Drop the converged targets from the working set."""
        if running.all():
            return
        self.active, self.Ya = self.active[running], self.Ya[running]
        self.eta_a, self.Wa = self.eta_a[running], self.Wa[running]
        same = self.h_psd is self.h
        self.h = self.h[running]
        self.h_psd = self.h if same else self.h_psd[running]
        self.grad_w, self.grad_b = self.grad_w[running], self.grad_b[running]

    def inner_solve(self, first):
        """Newton directions of the working set, to the forcing tolerance."""
        grad_w, grad_b = self.grad_w, self.grad_b
        grad_norm = np.sqrt(np.einsum("ij,ij->i", grad_w, grad_w) + grad_b**2)
        # forcing sequence, on the scale of the mean objective
        forcing = np.minimum(0.5, np.sqrt(grad_norm / self.s_sum[self.active]))
        # The first step uses the non-negative curvature h_psd (a modified Newton
        # step): from a constant start, the exact Hessian of a non-convex loss is
        # often indefinite, CG then stops at once with a badly scaled direction, and
        # the line search halved LinearSoftplus's first steps 7–9 times.
        self.d_w, self.d_b = self.directions.direction(
            self.h_psd if first else self.h, self.h_psd, grad_w, grad_b, forcing, self.work)

    def line_search(self):
        """Backtracking from the Newton step ``t = 1`` until the Armijo condition holds.

        Each trial needs only elementwise losses at ``η + t Δη``. A decrease smaller
        than the objective's rounding error counts as sufficient (near the optimum the
        exact decrease is below it). Sets ``step``, ``f_new`` and ``ok`` (False where no
        step was accepted) over the working set.
        """
        d_w, d_b, work = self.d_w, self.d_b, self.work
        k = self.active.size
        self.d_eta = d_eta = np.matmul(np.hstack([d_w, d_b[:, None]]), self.directions.A.T,
                                       out=work("d_eta", k))
        slope = np.einsum("ij,ij->i", self.grad_w, d_w) + self.grad_b * d_b
        f0 = self.f[self.active]
        step = np.ones(k)
        f_new = f0.copy()
        ok = np.zeros(k, dtype=bool)
        todo = np.arange(k)
        eps = np.finfo(float).eps
        for _ in range(_MAX_HALVINGS):
            st = step[todo, None]
            if todo.size == k:  # views for the first trial of every target
                Yt, eta_t, d_eta_t, W_t, d_w_t = self.Ya, self.eta_a, d_eta, self.Wa, d_w
            else:
                Yt, eta_t, d_eta_t = self.Ya[todo], self.eta_a[todo], d_eta[todo]
                W_t, d_w_t = self.Wa[todo], d_w[todo]
            trial = np.multiply(d_eta_t, st, out=work("trial", todo.size))
            trial += eta_t
            with np.errstate(over="ignore", invalid="ignore"):
                f_try, scale = _objective(self.loss, Yt, self.S, trial, W_t + st * d_w_t,
                                          self.alpha, work)
            good = np.isfinite(f_try) & (
                f_try <= f0[todo] + _ARMIJO * step[todo] * slope[todo] + 64 * eps * scale)
            ok[todo[good]] = True
            f_new[todo[good]] = f_try[good]
            todo = todo[~good]
            if todo.size == 0:
                break
            step[todo] *= 0.5
        self.step, self.f_new, self.ok = step, f_new, ok

    def update(self):
        """Move the targets whose line search succeeded; the others have stalled and stop."""
        step, ok, d_w, d_b, d_eta = self.step, self.ok, self.d_w, self.d_b, self.d_eta
        moved = self.active[ok]
        if moved.size == self.Y.shape[0]:  # every target moved: update in place
            self.W += step[:, None] * d_w
            self.b += step * d_b
            self.eta += np.multiply(d_eta, step[:, None], out=self.work("trial", moved.size))
            self.f = self.f_new
        else:
            st = step[ok, None]
            self.W[moved] = self.Wa[ok] + st * d_w[ok]
            self.b[moved] += step[ok] * d_b[ok]
            self.eta[moved] = self.eta_a[ok] + st * d_eta[ok]
            self.f[moved] = self.f_new[ok]
        self.active = moved

    def finalize(self):
        """``(W, b, n_iter, converged)`` of the block."""
        return self.W, self.b, self.n_iter, self.converged
