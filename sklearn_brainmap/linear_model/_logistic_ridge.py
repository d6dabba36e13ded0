"""LogisticRidge: a two-part (hurdle) model for sparse, post-ReLU-like targets."""

from numbers import Real

import numpy as np
from scipy.special import expit
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils import constant_columns, validate_predict_data, warn_constant
from ._glm_base import _GLMMapping
from ._losses import BernoulliLogit
from ._subset_ridge import subset_ridge


class LogisticRidge(_GLMMapping):
    """Logistic regression for "above threshold" times a ridge fitted above threshold.

    Post-ReLU responses are sparse: many are exactly zero. For each target ``j``,
    with ``a_ij = 1[y_ij > θ]`` (``θ`` the ``threshold``, default 0):

    * the **logistic half** is an L2-penalised logistic regression of ``a_j`` on ``X``,
      ``p_j(x) = σ(x·v_j + c_j)``,
      ``(v_j, c_j) = argmin Σ_i [log(1 + e^{η_ij}) − a_ij η_ij] + α/2 ‖v_j‖²``: this is
      scikit-learn's ``LogisticRegression(C=1/alpha)`` (L2, intercept unpenalised);
    * the **ridge half** is a ridge regression fitted only on the stimuli above
      threshold, ``r_j(x) = x·w_j + b_j``,
      ``(w_j, b_j) = argmin Σ_{i: a_ij = 1} (y_ij − x_i·w_j − b_j)² + λ ‖w_j‖²``
      with ``λ`` the ``ridge_alpha``, on the scale of :class:`Ridge` and
      scikit-learn's ``Ridge(alpha=λ)`` on those rows.

    Prediction: ``"expected"`` (default) ``ŷ = p(x) r(x) + (1 − p(x)) θ`` (with
    ``θ = 0``, the probability times the ridge prediction), or ``"hard"``
    ``ŷ = r(x)`` where ``p(x) > 0.5`` and ``θ`` elsewhere (closer to the paper).

    Degenerate targets need no special care from the user: a target never above
    threshold is predicted as ``θ`` (``logistic_intercept_ = -inf``, zero weights); a
    target always above threshold is plain ridge (``logistic_intercept_ = +inf``), so
    with no values at or below threshold LogisticRidge equals ``Ridge(alpha=λ)``.

    All logistic halves are fitted together by a batched truncated Newton–CG solver
    (Hessian–vector products for all targets as two matrix products, converged
    targets frozen). All ridge halves, each on its own subset of rows, are solved
    exactly and together: from all subsets' Gram matrices in one product (few
    features) or from sub-blocks of one kernel matrix ``XXᵀ`` (many features), with
    batched solves.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 penalty ``≥ 0`` of the logistic half (``C = 1/alpha`` in scikit-learn).
    ridge_alpha : float, default=1.0
        L2 penalty ``λ ≥ 0`` of the ridge half (0: minimum-norm least squares).
    threshold : float, default=0.0
        A response counts as "above" when strictly greater than ``threshold``; a finite
        number (NaN or an infinite threshold would predict NaN everywhere, and are
        refused).
    prediction : {"expected", "hard"}, default="expected"
        How the two halves combine (see above).
    tol : float, default=1e-6
        Convergence of the logistic half: the largest entry of the gradient of the
        *mean* objective is at most ``tol`` (scikit-learn's test, at ``tol=1e-4``),
        with the weights those of the centred source divided by the power of two
        nearest its root mean square (so that the test does not depend on the units
        of ``X``).
    max_iter : int, default=100
        Newton iterations of the logistic half.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
        Ridge-half weights ``w`` (1-D when ``y`` was 1-D).
    intercept_ : ndarray of shape (n_targets,) or float
        Ridge-half intercepts ``b``.
    logistic_coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
        Logistic-half weights ``v``.
    logistic_intercept_ : ndarray of shape (n_targets,) or float
        Logistic-half intercepts ``c`` (``±inf`` for degenerate targets).
    n_above_ : ndarray of int, shape (n_targets,) or int
        Number of training stimuli above threshold (of non-zero sample weight).
    n_iter_ : ndarray of int, shape (n_targets,) or int
        Newton iterations of each logistic half (0 for degenerate targets).
    n_features_in_ : int
        Number of source units seen in ``fit``.

    See Also
    --------
    Ridge : the same ridge on all stimuli.

    Notes
    -----
    Constant targets are degenerate targets (always or never above threshold) and
    raise a :class:`~sklearn_brainmap.utils.ConstantUnitWarning`. Constant source
    units (relative to their magnitude) receive zero weight in both halves, with a
    ConstantUnitWarning that counts them. Float32 input gives float32 coefficients
    and predictions; both halves are solved in float64.

    Units. Both halves are fitted on the centred source divided by a power of two
    (and ``y``, beyond ``2**±256``; exact, the penalties with them): ``X`` multiplied
    by ``c`` with ``alpha`` and ``ridge_alpha`` multiplied by ``c²`` gives the same
    predictions, and ``y`` multiplied by ``c`` with ``threshold`` multiplied by ``c``
    gives predictions multiplied by ``c``.

    ``sample_weight`` multiplies each stimulus's loss in both halves (the logistic
    loss, and the squared error of the ridge half on the stimuli above threshold);
    stimuli of zero weight count for nothing, also in ``n_above_`` and in deciding
    which targets are never or always above threshold. The penalties are not
    weighted: weights of ``c`` everywhere are ``alpha / c`` and ``ridge_alpha / c``.

    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``, see
    :doc:`/user_guide/gpu`), arrays of another namespace than NumPy raise a
    ``TypeError`` that names the classes that run on them: this solver exists for
    NumPy only.

    References
    ----------
    Sagastuy-Brena, Thobani et al., *Modelling inter-animal variability* (LogisticRidge
    for post-activation responses). Cragg (1971), Some statistical models for limited
    dependent variables with application to the demand for durable goods,
    *Econometrica* 39, 829–844 (two-part models).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import LogisticRidge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 8))
    >>> Y = np.maximum(X @ rng.standard_normal((8, 3)), 0)   # post-ReLU targets
    >>> model = LogisticRidge(alpha=1.0, ridge_alpha=1.0).fit(X, Y)
    >>> model.n_above_.shape, model.logistic_coef_.shape
    ((3,), (3, 8))
    >>> bool(model.score(X, Y) > 0.9)
    True
    """

    _parameter_constraints = {
        **_GLMMapping._parameter_constraints,
        "ridge_alpha": [Interval(Real, 0, None, closed="left")],
        # Interval excludes NaN, and ±inf when open: a threshold must be finite
        "threshold": [Interval(Real, None, None, closed="neither")],
        "prediction": [StrOptions({"expected", "hard"})],
    }

    def __init__(self, alpha=1.0, *, ridge_alpha=1.0, threshold=0.0, prediction="expected",
                 tol=1e-6, max_iter=100):
        self.alpha = alpha
        self.ridge_alpha = ridge_alpha
        self.threshold = threshold
        self.prediction = prediction
        self.tol = tol
        self.max_iter = max_iter

    _constant_source_consequence = "they get zero weight in both halves."

    def _fit(self, X, Y, sample_weight):
        self._warn_constant_source(X, sample_weight)
        rows = slice(None) if sample_weight is None else sample_weight > 0
        warn_constant(constant_columns(Y[rows]), "target",
                      "they are never or always above threshold: predicted as the "
                      "threshold or by plain ridge.", stacklevel=4)
        above = Y > self.threshold
        n_above = above[rows].sum(axis=0)
        # the logistic half: targets never or always above threshold are constant
        # labels, with intercept ∓inf and zero weights
        logistic_coef, logistic_intercept, n_iter = self._fit_glm(
            X, above.astype(np.float64), BernoulliLogit(), sample_weight)
        t, p = Y.shape[1], X.shape[1]
        coef = np.zeros((t, p))
        intercept = np.full(t, float(self.threshold))
        seen = n_above > 0
        if seen.any():
            W, b = subset_ridge(X.astype(np.float64, copy=False), Y[:, seen].astype(np.float64),
                                above[:, seen], float(self.ridge_alpha),
                                sample_weight=sample_weight)
            coef[seen], intercept[seen] = W.T, b
        self._store(coef, intercept, n_iter, X.dtype)
        self.logistic_coef_ = self._squeeze_targets(logistic_coef.astype(X.dtype))
        self.logistic_intercept_ = self._squeeze_targets(logistic_intercept.astype(X.dtype))
        self.n_above_ = self._squeeze_targets(n_above)

    def _probability(self, X):
        return expit(self._linear_predictor(X, self.logistic_coef_, self.logistic_intercept_))

    def predict_proba_above(self, X):
        """Probability that each target is above threshold (the logistic half).

        Parameters
        ----------
        X : array-like of shape (n_stimuli, n_source_units)

        Returns
        -------
        proba : ndarray of shape (n_stimuli,) or (n_stimuli, n_target_units)
        """
        check_is_fitted(self)
        proba = self._probability(validate_predict_data(self, X))
        return proba[:, 0] if self._y_1d else proba

    def _predict(self, X):
        proba = self._probability(X)
        ridge = self._linear_predictor(X)
        threshold = X.dtype.type(self.threshold)
        if self.prediction == "hard":
            return np.where(proba > 0.5, ridge, threshold)
        return proba * ridge + (1 - proba) * threshold

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # values at or below threshold are predicted *as* the threshold: on signed,
        # linear data (the estimator checks' data set) that halves R²
        tags.regressor_tags.poor_score = True
        return tags
