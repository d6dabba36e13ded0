"""Optimal transport between two sets of units with uniform marginals: plain functions.

The problem solved everywhere here is

    P* = argmin_{P ≥ 0, P 1 = 1/N_x, Pᵀ 1 = 1/N_y}  Σ_ij P_ij C_ij

for a cost matrix ``C`` of shape ``(N_x, N_y)``. POT is imported inside the functions
that need it, so that importing the package stays light.
"""

import inspect
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._stats import unit_columns
from ._validation import warn_constant

#: Below this relative regularisation the Gibbs kernel ``exp(−C/ε)`` can underflow
#: (``exp(−1/reg)`` < 1e-217) and the log-domain Sinkhorn solver is used instead.
LOG_DOMAIN_BELOW = 1 / 500


def reduce_cost(C):
    """Subtract each row's minimum, then each column's minimum.

    With fixed marginals this changes every feasible plan's cost by the same constant,
    so the optimal plans are unchanged; the assignment solver on the reduced matrix
    (many exact zeros) runs about twice as fast.
    """
    C = C - C.min(axis=1, keepdims=True)
    C -= C.min(axis=0)
    return C


def exact_plan(C):
    """The exact optimal plan with uniform marginals.

    Parameters
    ----------
    C : ndarray of shape (N_x, N_y)
        Cost matrix (float64).

    Returns
    -------
    P : ndarray or scipy.sparse.csr_array of shape (N_x, N_y)
        An optimal plan: rows sum to ``1/N_x``, columns to ``1/N_y``. Sparse when it
        comes from the assignment solver (one entry per row of the larger side).

    Notes
    -----
    - ``N_x == 1`` or ``N_y == 1``: the only feasible plan, ``P = 1/(N_x N_y)``.
    - ``N_x == N_y``: the optimum is a permutation matrix scaled by ``1/N`` (Birkhoff–von
      Neumann), found by :func:`scipy.optimize.linear_sum_assignment` (same optimal
      objective as the network simplex of ``ot.emd``, about 3× faster; 6× after the
      row/column reduction of :func:`reduce_cost`).
    - ``max(N_x, N_y) == 2 min(N_x, N_y)``: the transportation problem with integer
      supplies 1 and demands 2 has an integral optimum, i.e. an assignment with every
      unit of the smaller side duplicated; solved the same way. (Larger ratios make the
      duplicated assignment slower than the network simplex, measured.)
    - otherwise: POT's network simplex ``ot.emd``, with an iteration cap large enough to
      reach optimality (its default of 100,000 stops early from about 4000 × 4000) and
      the row/column-reduction potentials as a warm start (a few per cent faster).
    """
    n_x, n_y = C.shape
    if n_x == 1 or n_y == 1:
        return np.full((n_x, n_y), 1.0 / (n_x * n_y))
    small, large = sorted((n_x, n_y))
    if large in (small, 2 * small):
        k = large // small
        Cs = C if n_x >= n_y else C.T        # rows: the larger side
        rows, cols = linear_sum_assignment(reduce_cost(Cs if k == 1
                                                       else np.repeat(Cs, k, axis=1)))
        cols //= k
        if n_x < n_y:
            rows, cols = cols, rows
        return sparse.csr_array((np.full(large, 1.0 / large), (rows, cols)),
                                shape=(n_x, n_y))
    import ot

    a = np.full(n_x, 1.0 / n_x)
    b = np.full(n_y, 1.0 / n_y)
    warm = {}
    if "potentials_init" in inspect.signature(ot.emd).parameters:  # recent POT only
        # dual-feasible starting potentials (u_i + v_j ≤ C_ij): the row/column reduction
        u = C.min(axis=1)
        warm["potentials_init"] = (u, (C - u[:, None]).min(axis=0))
    P, log = ot.emd(a, b, np.ascontiguousarray(C, dtype=np.float64),
                    numItermax=max(100_000, 20 * (n_x + n_y) ** 2), log=True, **warm)
    if log.get("warning"):
        # this function, transport_plan, its validate_params wrapper, its caller
        warnings.warn(f"ot.emd: {log['warning']}", ConvergenceWarning, stacklevel=4)
    return P


def sinkhorn_plan(C, reg, *, max_iter=1000, tol=1e-6):
    """The entropic (Sinkhorn) plan with uniform marginals.

    Solves ``min Σ P_ij C_ij − ε H(P)`` with ``ε = reg × (max C − min C)``: the
    regularisation is relative to the range of the costs, so that one value of ``reg``
    means the same blur whatever the spread of the correlations.

    Parameters
    ----------
    C : ndarray of shape (N_x, N_y)
    reg : float
        Relative regularisation (> 0).
    max_iter : int
        Maximum number of Sinkhorn iterations.
    tol : float
        Stop when the column marginals are within ``tol`` in total mass,
        ``‖Pᵀ1 − 1/N_y‖₁ ≤ tol`` (the plan's mass is 1; rows are exact after every
        iteration). POT checks the Euclidean norm every 10 iterations; it is given
        ``tol / √N_y``, which implies the bound.

    Returns
    -------
    P : ndarray of shape (N_x, N_y)
        Rows sum to ``1/N_x`` exactly; columns to ``1/N_y`` within ``tol``.
    n_iter : int
        Number of iterations run.

    Raises
    ------
    ValueError
        When the solver's plan is not finite (``reg`` so small, e.g. 1e-320, that
        ``C / ε`` overflows); a plan that has not converged within ``max_iter`` gives a
        :class:`~sklearn.exceptions.ConvergenceWarning` instead.
    """
    import ot

    n_x, n_y = C.shape
    span = float(C.max() - C.min())
    if span == 0:  # every plan is optimal; the entropic one is the independent plan
        return np.full((n_x, n_y), 1.0 / (n_x * n_y)), 1
    a = np.full(n_x, 1.0 / n_x)
    b = np.full(n_y, 1.0 / n_y)
    method = "sinkhorn_log" if reg < LOG_DOMAIN_BELOW else "sinkhorn"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        P, log = ot.sinkhorn(a, b, C - C.min(), reg * span, method=method,
                             numItermax=max_iter, stopThr=tol / np.sqrt(n_y), log=True,
                             warn=False)
    if not np.isfinite(P).all():
        # not a slow convergence but a failure (ε so small that C/ε overflows): a plan
        # of NaN would score as if every unit were constant
        raise ValueError(f"Sinkhorn failed: its plan is not finite (reg={reg:g}, "
                         f"ε = reg × cost range = {reg * span:.3g}, too small for the "
                         "solver); increase reg or use method='exact'.")
    err = np.abs(P.sum(axis=0) - b).sum()
    numerical = [str(w.message) for w in caught if "numerical" in str(w.message)]
    if numerical or not err <= tol:
        reason = numerical[0] if numerical else (
            f"marginal error {err:.2e} > tol={tol:g} after {max_iter} iterations")
        warnings.warn(f"Sinkhorn did not converge ({reason}); increase max_iter or reg.",
                      ConvergenceWarning, stacklevel=4)  # as in exact_plan
    return P, int(log.get("niter", max_iter - 1)) + 1


#: Parameters of the transport, as for :class:`~sklearn_brainmap.SoftMatching`.
#: ``reg = 0`` passes the declared constraints so that :func:`check_transport_params`
#: can say what to do instead (it is refused for Sinkhorn, ignored by the exact solver).
_TRANSPORT_PARAMS = {
    "method": [StrOptions({"exact", "sinkhorn"})],
    "reg": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
}


def check_transport_params(method, reg):
    """Refuse ``reg = 0`` for Sinkhorn, pointing at the exact solver; the declared
    constraints refuse negative values, a bad ``method`` and ``max_iter < 1``."""
    if method == "sinkhorn" and not reg > 0:
        raise ValueError(f"reg must be positive for method='sinkhorn' (got reg={reg!r}): "
                         "the entropic problem needs a regularisation; use "
                         "method='exact' for the unregularised problem.")


@validate_params({"C": ["array-like"], **_TRANSPORT_PARAMS},
                 prefer_skip_nested_validation=True)
def transport_plan(C, *, method="exact", reg=0.02, max_iter=1000, tol=1e-6):
    """Optimal plan with uniform marginals and the number of iterations run.

    ``method="exact"`` calls ``exact_plan`` (a direct solver: 1 iteration is
    reported; ``reg`` is ignored), ``"sinkhorn"`` calls ``sinkhorn_plan``.

    Parameters
    ----------
    C : array-like of shape (N_x, N_y)
        Finite costs.
    method : {"exact", "sinkhorn"}, default="exact"
    reg : float, default=0.02
        Sinkhorn's regularisation relative to the cost range; must be positive for
        ``method="sinkhorn"`` (a ``ValueError`` points at ``method="exact"``).
    max_iter : int, default=1000
        Sinkhorn only, at least 1.
    tol : float, default=1e-6
        Sinkhorn only.

    Returns
    -------
    P : ndarray or scipy.sparse.csr_array of shape (N_x, N_y)
    n_iter : int
    """
    check_transport_params(method, reg)
    C = check_array(C, dtype=np.float64, input_name="C")
    if method == "exact":
        return exact_plan(C), 1
    return sinkhorn_plan(C, reg, max_iter=max_iter, tol=tol)


class Matching(NamedTuple):
    """What :func:`unit_matching` found, with the column statistics it used."""

    plan: object          # ndarray, or scipy.sparse.csr_array for assignment solutions
    score: float
    n_iter: int
    Ux: np.ndarray
    x_mean: np.ndarray
    x_norm: np.ndarray
    x_const: np.ndarray
    y_const: np.ndarray


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"], **_TRANSPORT_PARAMS, "names": [tuple, list],
     "stacklevel": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def unit_matching(X, Y, *, method="exact", reg=0.02, max_iter=1000, tol=1e-6,
                  names=("source", "target"), stacklevel=4):
    """Soft matching between the columns of ``X`` and ``Y``; the shared kernel.

    Units are z-scored (centred, unit norm), the cost is ``1 − corr`` and the plan has
    uniform marginals over the *non-constant* units: a constant unit has no defined
    correlation, so it is left out of the transport (zero row or column of the plan),
    with a :class:`~sklearn_brainmap.utils.ConstantUnitWarning` that counts them.

    Returns
    -------
    matching : Matching
        ``plan`` of shape ``(N_x, N_y)`` (float64; a sparse array when it is an
        assignment), ``score = Σ P_ij corr_ij`` over the non-constant units (NaN when
        one side has none), ``n_iter``, and the unit columns of ``X`` with their
        statistics for callers that predict.

    Raises
    ------
    ValueError
        ``reg`` not positive with ``method="sinkhorn"`` (use ``method="exact"`` for the
        unregularised problem); the declared constraints refuse an unknown
        ``method``, a negative ``reg`` and ``max_iter < 1``.
    """
    check_transport_params(method, reg)
    Ux, x_mean, x_norm, x_const = unit_columns(X)
    Uy, _, _, y_const = unit_columns(Y)
    stacklevel += 1  # this function's validate_params wrapper
    warn_constant(x_const, names[0], "they are left out of the transport (zero plan row).",
                  stacklevel=stacklevel)
    warn_constant(y_const, names[1],
                  "they are left out of the transport (zero plan column).",
                  stacklevel=stacklevel)
    xs, ys = np.flatnonzero(~x_const), np.flatnonzero(~y_const)
    stats = (Ux, x_mean, x_norm, x_const, y_const)
    shape = (X.shape[1], Y.shape[1])
    if xs.size == 0 or ys.size == 0:
        return Matching(np.zeros(shape), np.nan, 1, *stats)
    everything = xs.size == shape[0] and ys.size == shape[1]
    # the whole matrices when nothing is constant: fancy indexing would copy them
    G = Ux.T @ Uy if everything else Ux[:, xs].T @ Uy[:, ys]
    C = np.subtract(1.0, G, out=G) if G.dtype == np.float64 else 1.0 - G.astype(np.float64)
    P, n_iter = transport_plan(C, method=method, reg=reg, max_iter=max_iter, tol=tol)
    if sparse.issparse(P):
        P = P.tocoo()
        score = 1.0 - float(P.data @ C[P.row, P.col]) / float(P.data.sum())
        plan = sparse.csr_array((P.data, (xs[P.row], ys[P.col])), shape=shape)
    else:
        score = 1.0 - float(np.vdot(P, C)) / float(P.sum())
        plan = P if everything else np.zeros(shape)
        if not everything:
            plan[np.ix_(xs, ys)] = P
    return Matching(plan, score, n_iter, *stats)
