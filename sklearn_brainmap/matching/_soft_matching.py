"""SoftMatching: targets predicted from an optimal-transport matching of units."""

import numpy as np
from scipy import sparse

from .._base import BaseMapping
from ..utils import unit_matching, warn_constant
from ..utils._transport import _TRANSPORT_PARAMS


class SoftMatching(BaseMapping):
    """Map targets from a transport-weighted average of z-scored source units.

    On the training stimuli every unit is z-scored and the cost of matching source
    ``i`` with target ``j`` is ``C_ij = 1 − corr(x_i, y_j)``. The transport plan

    ``P* = argmin_{P ≥ 0, P 1 = 1/N_x, Pᵀ 1 = 1/N_y} Σ_ij P_ij C_ij``

    spreads every source unit's mass ``1/N_x`` over the targets and gives each target
    the mass ``1/N_y`` (soft matching, Khosla & Williams 2023). Each target is then
    predicted from the plan-weighted average of z-scored sources followed by a
    least-squares slope and intercept (our convention for the predictive form):

    ``ẑ_j = Σ_i N_y P*_ij z_i``,  ``ŷ_j = a_j ẑ_j + b_j``,

    so only two numbers per target are free: like :class:`OneToOne` it is a strict
    transform class, but a target may draw on several sources and the population
    sizes ``N_x`` and ``N_y`` may differ.

    Parameters
    ----------
    method : {"exact", "sinkhorn"}, default="exact"
        ``"exact"``: the optimal plan. With ``N_x == N_y`` it is a permutation matrix
        (scaled by ``1/N``), found by :func:`scipy.optimize.linear_sum_assignment`
        (the same optimal objective as POT's ``ot.emd``, 2–3× faster at 2000–4000
        units); likewise when one population is exactly twice the other (each unit of
        the smaller one matched to two); otherwise POT's network simplex ``ot.emd``. ``"sinkhorn"``: the entropic
        plan ``argmin Σ P_ij C_ij − ε H(P)`` (POT's ``ot.sinkhorn``).
    reg : float, default=0.02
        Sinkhorn only (ignored by the exact solver; must be positive for Sinkhorn, a
        ``ValueError`` points at ``method="exact"`` otherwise): the entropic
        regularisation relative to the cost range,
        ``ε = reg × (max C − min C)``. The entropic plan is *biased*: it blurs the
        exact plan, its transport cost exceeds the optimum and each target averages
        more sources. Measured with 1000 stimuli and 500 to 4000 units (see
        ``benchmarks/README.md``): +1.5 to +3 % at ``reg=0.02`` (70–460 iterations,
        2–4× the exact time), +9 to +16 % at 0.05, +0.4 to +0.6 % at 0.01 (1000
        iterations were not enough; 4–40× the exact time). Entropic transport is not
        a speed-up here; use it for its smooth plan. Below 0.002 the log-domain
        solver (slower) is used to avoid underflow.
    max_iter : int, default=1000
        Sinkhorn only: maximum number of iterations.
    tol : float, default=1e-6
        Sinkhorn only: stop when the column marginals are within ``tol`` in total
        mass, ``‖Pᵀ1 − 1/N_y‖₁ ≤ tol`` (the plan's mass is 1). A
        :class:`~sklearn.exceptions.ConvergenceWarning` says when it was not reached
        within ``max_iter`` iterations.

    Attributes
    ----------
    transport_plan_ : ndarray of shape (n_source_units, n_targets)
        The plan ``P*`` (float64). Rows of non-constant sources sum to ``1/N_x``,
        columns of non-constant targets to ``1/N_y`` (``N_x``, ``N_y`` counting
        non-constant units only).
    coef_ : ndarray of shape (n_targets,) or float
        Slope ``a_j`` of each target on its averaged z-scored sources.
    intercept_ : ndarray of shape (n_targets,) or float
        Intercept ``b_j`` (the target's training mean, since ``ẑ_j`` is centred).
    source_mean_ : ndarray of shape (n_source_units,)
        Training mean of each source unit.
    source_scale_ : ndarray of shape (n_source_units,)
        Training standard deviation of each source unit (1 for constant units).
    n_iter_ : int
        Sinkhorn iterations run (1 for the direct exact solvers).
    n_features_in_ : int
        Number of source units seen in ``fit``.

    See Also
    --------
    OneToOne : each target from its single best-correlated source.
    sklearn_brainmap.metrics.soft_matching_score : the matching as a similarity
        measure, without the regression.

    Notes
    -----
    Constant units have no defined correlation. Constant sources are left out of the
    transport (zero rows of the plan, marginals uniform over the other sources);
    constant targets are left out (zero columns) and predicted by their mean (slope
    0). Both raise a :class:`~sklearn_brainmap.utils.ConstantUnitWarning` that counts
    them. A target whose averaged source ``ẑ_j`` is constant gets slope 0.

    For a plan that is not exactly uniform over columns (Sinkhorn stopped at
    ``tol``), ``ẑ_j`` uses ``P_ij / Σ_i P_ij`` so that it stays a weighted average.
    With ``N_x = 1`` every target sees the one source; with ``N_y = 1`` the target
    sees the mean of all z-scored sources (the only feasible plans). float32 inputs
    keep float32 correlations and predictions; the plan is solved in float64.

    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``, see
    :doc:`/user_guide/gpu`), arrays of another namespace than NumPy raise a
    ``TypeError`` that names the classes that run on them: this solver exists for
    NumPy only.

    References
    ----------
    Khosla & Williams (2023), Soft matching distance: a metric on neural
    representations that captures single-neuron tuning, *UniReps workshop, NeurIPS*.
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods* (soft matching as a transform class).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import SoftMatching
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5))
    >>> Y = 3.0 * X[:, [4, 2, 0, 1, 3]] - 1.0
    >>> model = SoftMatching().fit(X, Y)
    >>> (model.transport_plan_ * 5).round(6).argmax(axis=0)
    array([4, 2, 0, 1, 3])
    >>> np.allclose(model.predict(X), Y)
    True
    """

    # the transport plan couples the targets: fitting them together is not the same
    # as fitting each target profile alone, so PairwiseMapping fits pair by pair
    _separable_targets = False

    # reg = 0 passes the declared constraints and is refused for Sinkhorn in fit, with a
    # message that points at method="exact" (see utils._transport)
    _parameter_constraints = dict(_TRANSPORT_PARAMS)

    def __init__(self, method="exact", *, reg=0.02, max_iter=1000, tol=1e-6):
        self.method = method
        self.reg = reg
        self.max_iter = max_iter
        self.tol = tol

    def _fit(self, X, Y):
        if X.shape[0] < 2:
            raise ValueError(
                "SoftMatching needs at least 2 stimuli to compute correlations, got "
                f"n_samples = {X.shape[0]}.")
        match = unit_matching(X, Y, method=self.method, reg=self.reg,
                              max_iter=self.max_iter, tol=self.tol, stacklevel=5)
        plan, x_const, y_const = match.plan, match.x_const, match.y_const
        if not np.isfinite(match.x_norm).all():
            raise ValueError(
                "SoftMatching cannot z-score X: the spread of some source units exceeds "
                f"the float range (X reaches {np.abs(X).max():.3g}). Divide X by a "
                "constant; the matching does not depend on its scale.")
        self._weights = _average_weights(plan, X.dtype)
        # ẑ on the training stimuli divided by √n (Ux holds z-scores / √n)
        Zhat = _average(match.Ux, self._weights)
        with np.errstate(over="ignore", invalid="ignore"):
            y_mean = Y.mean(axis=0)
            zz = np.einsum("ij,ij->j", Zhat, Zhat)
            zy = np.einsum("ij,ij->j", Zhat, Y - y_mean)
        flat = zz <= (64 * np.finfo(X.dtype).eps) ** 2  # ‖ẑ_j‖/√n is at most 1
        warn_constant(flat & ~y_const, "target",
                      "their averaged sources are constant: slope 0.", stacklevel=4)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(flat, 0.0, zy / zz) / np.sqrt(X.shape[0])
        if not (np.isfinite(slope).all() and np.isfinite(y_mean).all()):
            raise ValueError(
                "SoftMatching cannot fit the slope or intercept of some targets: their "
                f"sums exceed the float range (y reaches {np.abs(Y).max():.3g}). Divide "
                "y by a constant and multiply the predictions back.")
        self.transport_plan_ = plan.toarray() if sparse.issparse(plan) else plan
        self.n_iter_ = match.n_iter
        self.source_mean_ = match.x_mean
        self.source_scale_ = np.where(x_const, 1.0, match.x_norm / np.sqrt(X.shape[0]))
        self.coef_ = self._squeeze_targets(slope.astype(X.dtype, copy=False))
        self.intercept_ = self._squeeze_targets(y_mean)
        return self

    def _predict(self, X):
        Z = (X - self.source_mean_) / self.source_scale_
        Zhat = _average(Z.astype(X.dtype, copy=False), self._weights)
        return Zhat * np.atleast_1d(self.coef_) + np.atleast_1d(self.intercept_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


def _average_weights(plan, dtype):
    """``W_ij = P_ij / Σ_i P_ij`` (0 for empty columns), so that ``ẑ = Z W``.

    Exact plans have at most ``N_x + N_y − 1`` non-zeros: ``W`` is then a sparse array
    and the average costs one pass over those entries; entropic plans stay dense.
    """
    if not sparse.issparse(plan) and np.count_nonzero(plan) <= 0.1 * plan.size:
        plan = sparse.csr_array(plan)
    column_mass = np.asarray(plan.sum(axis=0)).ravel()
    scale = np.divide(1.0, column_mass, out=np.zeros_like(column_mass),
                      where=column_mass > 0)
    if sparse.issparse(plan):
        W = plan.tocsr(copy=True)
        W.data = W.data * scale[W.indices]
        return W.astype(dtype)
    return (plan * scale).astype(dtype, copy=False)


def _average(Z, W):
    """``Z @ W`` for a dense or sparse ``W``, in the dtype of ``Z``."""
    return np.asarray(Z @ W, dtype=Z.dtype)
