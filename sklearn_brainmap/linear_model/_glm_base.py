"""The base class of the generalised linear transform classes: the shared fit.

LinearNonlinear, LinearSoftplus and the logistic half of LogisticRidge are a linear
map followed by a fixed output nonlinearity, fitted per target with an L2 penalty,

    (w_j, b_j) = argmin Σ_i s_i ℓ(y_ij, x_i·w_j + b_j) + α/2 ‖w_j‖²,

for a loss object ``ℓ`` of :mod:`._losses` (``s`` the sample weights, the intercept
unpenalised). :class:`_GLMMapping` validates the data and the weights, sets aside
constant targets, starts every other target from its best constant fit and hands them
all to the batched Newton solver :func:`~._newton.fit_glm`; subclasses choose the loss
and the prediction.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight

from .._base import BaseMapping
from ..utils import constant_columns, validate_regression_data, warn_constant
from ._newton import fit_glm


class _GLMMapping(BaseMapping):
    """A linear map and an output nonlinearity, fitted by an L2-penalised loss.

    Every subclass minimises, per target ``j`` and independently of the others,
    ``Σ_i s_i ℓ(y_ij, x_i·w_j + b_j) + α/2 ‖w_j‖²`` for its loss ``ℓ`` (``s`` the
    sample weights); all targets are solved together by
    :func:`~._newton.fit_glm`. A subclass chooses its loss (``_get_loss``) and its
    prediction (``_predict``); it may check its targets (``_check_targets``),
    transform the source first (``_fit_transform_source``) or start elsewhere than
    from the best constant fit (``_initial_eta``).
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    #: The end of the ConstantUnitWarning for constant targets (None: no warning).
    _constant_consequence = None
    #: The end of the ConstantUnitWarning for constant source units.
    _constant_source_consequence = "they get zero weight."

    def fit(self, X, y, sample_weight=None):
        """Fit the mapping from source responses ``X`` to target responses ``y``.

        Parameters
        ----------
        X : array-like of shape (n_stimuli, n_source_units)
            Source responses (model units, or another animal's neurons).
        y : array-like of shape (n_stimuli,) or (n_stimuli, n_target_units)
            Target responses.
        sample_weight : array-like of shape (n_stimuli,), default=None
            Non-negative weight of each stimulus in the loss (not in the penalty):
            integer weights are equivalent to repeating stimuli, zero weights to
            leaving them out. None: every stimulus weighs 1.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        X, Y, self._y_1d = validate_regression_data(self, X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                                 ensure_non_negative=True)
        self._fit(X, Y, sample_weight)
        return self

    def _warn_constant_source(self, X, sample_weight):
        """Warn, with counts, about source units constant over the stimuli of non-zero
        weight (relative to their magnitude, as
        :func:`~sklearn_brainmap.utils.constant_columns`)."""
        rows = slice(None) if sample_weight is None else sample_weight > 0
        warn_constant(constant_columns(X[rows]), "source",
                      self._constant_source_consequence, stacklevel=5)

    def _fit(self, X, Y, sample_weight):
        self._warn_constant_source(X, sample_weight)
        self._check_targets(Y)
        Xt = self._fit_transform_source(X, sample_weight)
        coef, intercept, n_iter = self._fit_glm(Xt, Y, self._get_loss(), sample_weight,
                                                self._constant_consequence)
        self._store(coef, intercept, n_iter, X.dtype)

    def _get_loss(self):
        raise NotImplementedError

    def _check_targets(self, Y):
        """Raise when targets are outside the loss's domain (default: all accepted)."""

    def _fit_transform_source(self, X, sample_weight):
        """Fit the source transform and return the transformed source (default: none)."""
        return X

    def _initial_eta(self, loss, Y, mean, sample_weight):
        """Starting intercepts of the fitted targets: the best constant fit."""
        return loss.initial_eta(mean)

    def _fit_glm(self, X, Y, loss, sample_weight, consequence=None):
        """One GLM of ``loss`` per column of ``Y``: ``(coef (t, p), intercept, n_iter)``.

        Targets constant over the stimuli of non-zero weight get zero weights and the
        intercept of their constant (``loss.initial_eta`` of it), with a
        :class:`~sklearn_brainmap.utils.ConstantUnitWarning` ending in ``consequence``
        (none when None). The solver works in float64 (its line search and
        convergence test need the precision); the caller casts the results back to the
        input's dtype.
        """
        rows = slice(None) if sample_weight is None else sample_weight > 0
        constant = constant_columns(Y[rows])
        if consequence is not None:
            warn_constant(constant, "target", consequence, stacklevel=5)
        t, p = Y.shape[1], X.shape[1]
        coef = np.zeros((t, p))
        with np.errstate(divide="ignore", invalid="ignore"):
            intercept = loss.initial_eta(Y[rows].mean(axis=0, dtype=np.float64))
        n_iter = np.zeros(t, dtype=int)
        fit = ~constant
        if fit.any():
            mean = (Y.mean(axis=0, dtype=np.float64) if sample_weight is None
                    else (sample_weight @ Y) / sample_weight.sum())[fit]
            Yf = Y[:, fit].astype(np.float64, copy=False)
            sol = fit_glm(X.astype(np.float64, copy=False), Yf, loss, float(self.alpha),
                          sample_weight=sample_weight,
                          intercept_init=self._initial_eta(loss, Yf, mean, sample_weight),
                          tol=self.tol, max_iter=self.max_iter)
            coef[fit], intercept[fit], n_iter[fit] = sol.coef.T, sol.intercept, sol.n_iter
        return coef, intercept, n_iter

    def _store(self, coef, intercept, n_iter, dtype):
        self.coef_ = self._squeeze_targets(coef.astype(dtype, copy=False))
        self.intercept_ = self._squeeze_targets(intercept.astype(dtype, copy=False))
        self.n_iter_ = self._squeeze_targets(n_iter)

    def _linear_predictor(self, X, coef=None, intercept=None):
        coef = np.atleast_2d(self.coef_ if coef is None else coef)
        intercept = np.atleast_1d(self.intercept_ if intercept is None else intercept)
        return X @ coef.T.astype(X.dtype, copy=False) + intercept.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
