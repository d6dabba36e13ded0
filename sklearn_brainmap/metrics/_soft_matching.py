"""Soft matching: the optimal-transport correspondence of units (Khosla & Williams
2023), as a score and as a distance."""

import numpy as np
from scipy import sparse
from sklearn.utils._param_validation import validate_params

from ..utils import unit_columns, unit_matching
from ..utils._array_api import check_namespace_support
from ..utils._transport import _TRANSPORT_PARAMS
from ._validation import check_response_pair

_SOFT_MATCHING_PARAMS = {"X": ["array-like"], "Y": ["array-like"], **_TRANSPORT_PARAMS}


@validate_params(_SOFT_MATCHING_PARAMS, prefer_skip_nested_validation=True)
def soft_matching_score(X, Y, *, method="exact", reg=0.02, max_iter=1000, tol=1e-6):
    """Soft matching similarity: the transport-weighted mean correlation of units.

    ``score = Σ_ij P*_ij corr(x_i, y_j)`` with
    ``P* = argmin_{P ≥ 0, P 1 = 1/N_x, Pᵀ 1 = 1/N_y} Σ_ij P_ij (1 − corr(x_i, y_j))``,
    correlations on the stimuli given (Khosla & Williams 2023). With ``N_x = N_y``
    the plan is a permutation: the mean correlation of the best one-to-one pairing.
    Invariant to permutations of units and to an increasing affine change of each
    unit; not to rotations (it sees single units).

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x)
    Y : array-like of shape (n_stimuli, n_units_y)
    method : {"exact", "sinkhorn"}, default="exact"
        Exact transport (:func:`scipy.optimize.linear_sum_assignment` when
        ``N_x == N_y``, POT's ``ot.emd`` otherwise) or entropic (Sinkhorn).
    reg, max_iter, tol
        Sinkhorn only, as in :class:`~sklearn_brainmap.SoftMatching`: ``reg`` is
        relative to the range of the costs. The entropic score is biased low (its
        plan is blurred).

    Returns
    -------
    score : float
        In ``[−1, 1]``; 1 when ``Y`` is ``X`` with permuted, affinely rescaled units.

    Raises
    ------
    ValueError
        For mismatched rows, NaN or infinite values, fewer than 2 stimuli, or an
        input whose units are all constant.

    Notes
    -----
    Constant units have no correlation: they are left out of the transport (the
    marginals are uniform over the other units) with a
    :class:`~sklearn_brainmap.utils.ConstantUnitWarning` that counts them.

    See Also
    --------
    soft_matching_distance : ``sqrt(2 (1 − score))``.
    sklearn_brainmap.SoftMatching : the matching as a transform class.

    References
    ----------
    Khosla & Williams (2023), Soft matching distance: a metric on neural
    representations that captures single-neuron tuning, *UniReps workshop, NeurIPS*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import soft_matching_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 8))
    >>> round(soft_matching_score(X, 2 * X[:, rng.permutation(8)] + 1), 12)
    1.0
    """
    return _soft_matching_score(X, Y, method, reg, max_iter, tol)


def _soft_matching_score(X, Y, method, reg, max_iter, tol, distance=False):
    """The soft matching score, for both public functions (same warning frames);
    ``distance=True``: the distance instead (see :func:`soft_matching_distance`)."""
    check_namespace_support("soft_matching_score", X, Y)
    X, Y = check_response_pair(X, Y)
    # warn_constant, unit_matching, this function, the public one, its validate_params
    # wrapper: the sixth frame is the user's call
    matching = unit_matching(X, Y, method=method, reg=reg, max_iter=max_iter, tol=tol,
                             names=("X", "Y"), stacklevel=6)
    score = matching.score
    if np.isnan(score):
        raise ValueError("The soft matching score is undefined when every unit of X or "
                         "of Y is constant.")
    if not distance:
        return float(score)
    if method != "exact":
        return float(np.sqrt(2.0 * max(0.0, 1.0 - score)))
    return _transport_distance(matching, Y)


def _transport_distance(matching, Y):
    """``sqrt(Σ P_ij ‖u_i − v_j‖² / Σ P)`` over the plan's nonzero entries.

    Equal to ``sqrt(2 (1 − score))`` for unit columns, but without its cancellation:
    identical populations give exactly 0, not ~1e-8. An exact plan has at most
    ``N_x + N_y − 1`` nonzero entries, so this is one pass over as many columns.
    """
    plan = matching.plan
    if sparse.issparse(plan):
        plan = plan.tocoo()
        rows, cols, weights = plan.row, plan.col, plan.data
    else:
        rows, cols = np.nonzero(plan)
        weights = plan[rows, cols]
    Uy = unit_columns(Y)[0]
    squared = np.square(matching.Ux[:, rows] - Uy[:, cols]).sum(axis=0)
    return float(np.sqrt(max(0.0, float(weights @ squared) / float(weights.sum()))))


@validate_params(_SOFT_MATCHING_PARAMS, prefer_skip_nested_validation=True)
def soft_matching_distance(X, Y, *, method="exact", reg=0.02, max_iter=1000, tol=1e-6):
    """Soft matching distance ``sqrt(2 (1 − soft_matching_score(X, Y)))``.

    With z-scored tuning curves scaled to unit norm, ``‖u − v‖² = 2 (1 − corr)``, so
    this is the 2-Wasserstein distance between the two populations of normalised
    tuning curves under uniform weights (Khosla & Williams 2023). In ``[0, 2]``.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x)
    Y : array-like of shape (n_stimuli, n_units_y)
    method, reg, max_iter, tol
        As in :func:`soft_matching_score`.

    Returns
    -------
    distance : float

    References
    ----------
    Khosla & Williams (2023), Soft matching distance: a metric on neural
    representations that captures single-neuron tuning, *UniReps workshop, NeurIPS*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import soft_matching_distance
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 5.0]])
    >>> round(soft_matching_distance(X, X[:, ::-1]), 12)
    0.0
    """
    return _soft_matching_score(X, Y, method, reg, max_iter, tol, distance=True)
