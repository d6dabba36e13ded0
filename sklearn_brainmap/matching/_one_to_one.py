"""OneToOne: each target predicted from its single best-correlated source unit."""

import numpy as np

from .._base import BaseMapping
from ..utils import unit_columns, warn_constant
from ..utils._array_api import array_namespace, to_numpy
from ._kernels import best_correlated_source


class OneToOne(BaseMapping):
    """Map each target from its best-correlated source unit, with a slope and intercept.

    For target ``j`` the source unit ``i*(j) = argmax_i corr(x_i, y_j)`` (Pearson
    correlation on the training stimuli, ties to the lowest index) is chosen, and
    ``ŷ_j = a_j x_{i*(j)} + b_j`` with the least-squares slope ``a_j = r σ_y / σ_x`` and
    intercept ``b_j = ȳ_j − a_j x̄_{i*(j)}``. A source unit may serve many targets. With
    only two free numbers per target it is the strictest transform class: it scores
    well only when single units correspond across systems.

    Constant source units are never chosen; a constant target is predicted by its
    mean (slope 0). Both cases raise a
    :class:`~sklearn_brainmap.utils.ConstantUnitWarning` that counts them.

    Attributes
    ----------
    source_index_ : ndarray of int, shape (n_targets,) or int
        The source unit chosen for each target.
    correlation_ : ndarray of shape (n_targets,) or float
        The training correlation of each target with its source unit.
    coef_ : ndarray of shape (n_targets,) or float
        Slope of each target on its source unit.
    intercept_ : ndarray of shape (n_targets,) or float
        Intercept of each target.
    n_features_in_ : int
        Number of source units seen in ``fit``.


    Notes
    -----
    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``, see
    :doc:`/user_guide/gpu`), fitting on PyTorch, CuPy or array-api-strict arrays runs
    on their device, and the fitted arrays and predictions are arrays of that namespace.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods* (one-to-one mapping as the strictest class).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import OneToOne
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 4))
    >>> Y = 2.0 * X[:, [2, 0]] + 1.0
    >>> model = OneToOne().fit(X, Y)
    >>> model.source_index_
    array([2, 0])
    >>> np.allclose(model.predict(X), Y)
    True
    """

    #: The fitted attribute whose namespace and device ``predict`` checks ``X`` against.
    _namespace_attribute = "coef_"

    _parameter_constraints = {}

    def __init__(self):
        pass

    def _fit(self, X, Y):
        if X.shape[0] < 2:
            raise ValueError(
                "OneToOne needs at least 2 stimuli to compute correlations, got "
                f"n_samples = {X.shape[0]}.")
        xp, _ = array_namespace(X)
        Ux, x_mean, x_norm, x_const = unit_columns(X)
        Uy, y_mean, y_norm, y_const = unit_columns(Y)
        x_const_host = to_numpy(x_const)
        warn_constant(x_const_host, "source", "they are never chosen as a target's source.",
                      stacklevel=4)
        warn_constant(to_numpy(y_const), "target", "they are predicted by their mean "
                      "(slope 0).", stacklevel=4)
        candidates = None if x_const_host.all() else ~x_const
        index, corr = best_correlated_source(Ux, Uy, candidates=candidates)
        chosen_norm = xp.take(x_norm, index)
        positive = chosen_norm > 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            slope = xp.where(positive,
                             corr * y_norm / xp.where(positive, chosen_norm,
                                                      xp.ones_like(chosen_norm)),
                             xp.zeros_like(corr))
        slope = xp.astype(slope, X.dtype, copy=False)
        tiny = float(xp.finfo(X.dtype).smallest_normal)
        defined = positive & (y_norm > 0) & (corr != 0)
        stored = (xp.abs(slope) >= tiny) & xp.isfinite(slope)
        if bool(xp.any(defined & ~stored)):  # the message is built on the host
            _check_slope_range(*(to_numpy(a) for a in (slope, corr, chosen_norm, y_norm)),
                               np.float32 if tiny > 1e-300 else np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            intercept = y_mean - slope * xp.take(x_mean, index)
        if not bool(xp.all(xp.isfinite(intercept))):
            raise ValueError(
                "OneToOne cannot represent the intercept of "
                f"{int(xp.sum(xp.astype(~xp.isfinite(intercept), xp.int64)))} target(s): "
                "the means of X or y are too far from zero relative to their spread, "
                "near the float range. Centre or rescale X and y.")
        self.source_index_ = self._squeeze_targets(index)
        self.correlation_ = self._squeeze_targets(corr)
        self.coef_ = self._squeeze_targets(slope)
        self.intercept_ = self._squeeze_targets(intercept)
        return self

    def _predict(self, X):
        xp, _ = array_namespace(X)
        index = xp.reshape(xp.asarray(self.source_index_), (-1,))
        return (xp.take(X, index, axis=1) * xp.reshape(xp.asarray(self.coef_), (-1,))
                + xp.reshape(xp.asarray(self.intercept_), (-1,)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        tags.array_api_support = True
        return tags


def _check_slope_range(slope, corr, x_norm, y_norm, dtype):
    """A clear error when a slope that should be non-zero cannot be stored.

    ``a_j = r σ_y / σ_x`` overflows, or underflows to 0 or to a subnormal number (lost
    precision), when the source and target scales differ by a factor near the float
    range (about 1e300 in float64, 1e38 in float32): predicting with it would give a
    constant or NaN, not the fitted line.
    """
    info = np.finfo(dtype)
    defined = (x_norm > 0) & (y_norm > 0) & (corr != 0)
    bad = defined & ~((np.abs(slope) >= info.tiny) & np.isfinite(slope))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            factor = np.log10(y_norm[j]) - np.log10(x_norm[j])
        why = (f"its scale is about 1e{factor:.0f} times that of its source unit"
               if np.isfinite(factor) else
               "the spread of it or of its source unit exceeds the float range")
        raise ValueError(
            f"OneToOne cannot represent the slope of {np.count_nonzero(bad)} target(s) "
            f"in {np.dtype(dtype).name} (target {j}: {why}). Rescale X or y (e.g. divide "
            "each by its standard deviation); the matching does not depend on their "
            "scales.")
