"""The base class every transform class (mapping estimator) derives from."""

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .utils import validate_predict_data, validate_regression_data


class BaseMapping(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Shared plumbing of the transform classes.

    A mapping is a multi-output regressor from source responses ``X`` of shape
    ``(n_stimuli, n_source_units)`` to target responses ``Y`` of shape
    ``(n_stimuli, n_target_units)``. Subclasses implement ``_fit(X, Y)`` on validated
    2-D arrays (``Y`` in the dtype of ``X``) and ``_predict(X)`` returning 2-D
    predictions; this class validates inputs, remembers whether ``y`` was 1-D and gives
    predictions back in the same shape. ``score`` is scikit-learn's R² averaged
    uniformly over targets; the field's median R² is available as a scorer in
    :mod:`sklearn_brainmap.metrics`.

    ``_separable_targets`` says whether each target is fitted independently of the
    others (so one multi-output fit equals one fit per target group); a subclass whose
    targets are coupled (e.g. by a transport plan) sets it to False.
    """

    _separable_targets = True

    def fit(self, X, y):
        """Fit the mapping from source responses ``X`` to target responses ``y``.

        Parameters
        ----------
        X : array-like of shape (n_stimuli, n_source_units)
            Source responses (model units, or another animal's neurons).
        y : array-like of shape (n_stimuli,) or (n_stimuli, n_target_units)
            Target responses.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        X, Y, self._y_1d = validate_regression_data(self, X, y)
        self._fit(X, Y)
        return self

    def predict(self, X):
        """Predict target responses for new stimuli.

        Parameters
        ----------
        X : array-like of shape (n_stimuli, n_source_units)
            Source responses to the new stimuli.

        Returns
        -------
        y_pred : ndarray of shape (n_stimuli,) or (n_stimuli, n_target_units)
            Predicted target responses, in the shape ``y`` had at fit time.
        """
        check_is_fitted(self)
        X = validate_predict_data(self, X)
        Y = self._predict(X)
        return Y[:, 0] if self._y_1d else Y

    def _squeeze_targets(self, A):
        """Return a per-target learned array as a scalar/1-D when ``y`` was 1-D."""
        if not hasattr(A, "shape"):  # a list (an array of any namespace is kept)
            A = np.asarray(A)
        if not self._y_1d:
            return A
        # the standard indexes every axis explicitly (NumPy gives a scalar for 1-D)
        return A[0] if isinstance(A, np.ndarray) else A[0, ...]
