"""Generalised linear transform classes: LinearNonlinear and LinearSoftplus.

Both are a linear map followed by a fixed output nonlinearity, fitted with an L2 penalty
by the batched Newton solver of :mod:`._newton` through the shared base class of
:mod:`._glm_base`; they differ in their loss object (:mod:`._losses`) and in how the
source is prepared.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..utils import constant_columns
from ..utils._stats import power_of_two_exponents
from ._glm_base import _GLMMapping
from ._losses import FamilyLog, PoissonLog, SoftplusSquared, softplus
from ._scaling import ldexp, mean_and_std
from ._yeo_johnson import yeo_johnson, yeo_johnson_lambdas


_FAMILIES = ("poisson", "gamma")


def _statsmodels_family(family):
    """The statsmodels family instance for ``family`` (a name or an instance), log link."""
    from statsmodels.genmod import families

    if isinstance(family, str):
        if family == "poisson":
            return families.Poisson()
        return families.Gamma(link=families.links.Log())
    if not isinstance(family.link, families.links.Log):
        raise ValueError(
            f"LinearNonlinear predicts exp(X'W + b): the family's link must be "
            f"statsmodels' Log link, got {type(family.link).__name__}.")
    return family


def _family_loss(family):
    """The loss object of a log-link family (closed forms for exactly Poisson)."""
    from statsmodels.genmod import families

    return PoissonLog() if type(family) is families.Poisson else FamilyLog(family)


def _check_family_targets(family, Y):
    """Raise a clear error when targets fall outside the family's support."""
    from statsmodels.genmod import families

    if isinstance(family, families.Gaussian):
        return
    name = type(family).__name__
    power = getattr(family.variance, "power", None)
    strict = isinstance(family, (families.Gamma, families.InverseGaussian)) or (
        power is not None and power >= 2)
    bad = np.any(Y <= 0, axis=0) if strict else np.any(Y < 0, axis=0)
    if bad.any():
        cols = np.flatnonzero(bad)
        shown = ", ".join(map(str, cols[:10])) + (", ..." if cols.size > 10 else "")
        need = "positive" if strict else "non-negative"
        raise ValueError(
            f"LinearNonlinear with the {name} family needs {need} targets, but "
            f"{cols.size} target(s) (columns {shown}) have values that are not. For "
            f"signed responses use Ridge, or LinearSoftplus; do not shift the targets "
            f"silently.")


class LinearNonlinear(_GLMMapping):
    """Yeo-Johnson transform of the source, then a GLM with a log link (ILNP).

    The source ``X`` is first made approximately Gaussian, unit by unit, by a
    Yeo-Johnson power transform fitted on the training stimuli and standardised
    (the same ``λ`` and output as scikit-learn's
    :class:`~sklearn.preprocessing.PowerTransformer`, all units fitted at once); then
    every target is a generalised linear model of the transformed source ``X′`` with a
    log link:

    ``Ŷ = exp(X′W + b)``, and for each target ``j``

    ``(w_j, b_j) = argmin Σ_i d(y_ij, μ_ij)/2 + α/2 ‖w_j‖²``, with
    ``μ_ij = exp(x′_i·w_j + b_j)`` and ``d`` the family's unit deviance (Poisson by default:
    ``d/2 = y log(y/μ) − y + μ``, the negative log-likelihood up to terms free of
    ``μ``). The penalty is on the *sum* over samples, as in scikit-learn's
    ``LogisticRegression`` (``α = 1/C``) and this package's :class:`Ridge`; the
    intercept is not penalised. ``alpha=0`` is the unpenalised maximum-likelihood fit
    (statsmodels' ``GLM(...).fit()``); statsmodels'
    ``GLM.fit_regularized(alpha=α/n, L1_wt=0)`` (with a zero entry for the constant)
    and scikit-learn's ``PoissonRegressor(alpha=α/n)`` state the same objective per
    sample.

    All targets are fitted together by a batched truncated Newton–CG solver (exact
    batched Newton/IRLS for at most 24 features); for the Poisson family this is
    Newton's method, for other families Fisher scoring.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 penalty ``≥ 0`` on the weights, on the scale of the summed deviance.
    family : {"poisson", "gamma"} or statsmodels family, default="poisson"
        The exponential family (variance function and deviance). ``"gamma"`` is
        ``statsmodels.genmod.families.Gamma(link=Log())``. Any statsmodels family
        instance with the ``Log`` link can be given, e.g. ``Tweedie(var_power=1.5,
        link=Log())``. statsmodels is imported only when fitting.
    power_transform : bool, default=True
        Whether to apply the Yeo-Johnson transform to the source first (False: a plain
        log-link GLM of ``X``).
    tol : float, default=1e-6
        Convergence when the largest entry of the gradient of the *mean* objective
        (the objective over ``n_samples``, or over the sum of the sample weights) is
        at most ``tol`` for a target, in units free of the data's: the weights of
        the centred source divided by the power of two nearest its root mean square,
        the gradient relative to the power of two nearest the target's typical
        derivative ``|∂ℓ/∂η|`` (see Notes).
    max_iter : int, default=100
        Newton iterations per target.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
        Weights ``W`` on the transformed source (1-D when ``y`` was 1-D).
    intercept_ : ndarray of shape (n_targets,) or float
        Intercepts ``b`` (``-inf`` for a target that is zero for every stimulus).
    power_lambdas_ : ndarray of shape (n_features,) or None
        Yeo-Johnson ``λ`` of each source unit (maximum likelihood on the training
        stimuli; 1 for a constant unit); None without ``power_transform``.
    power_mean_, power_scale_ : ndarray of shape (n_features,) or None
        Mean and standard deviation of the transformed training source, used to
        standardise it (scale 1 for a constant unit).
    n_iter_ : ndarray of int, shape (n_targets,) or int
        Newton iterations of each target.
    n_features_in_ : int
        Number of source units seen in ``fit``.

    See Also
    --------
    LinearSoftplus : softplus output with least squares; accepts signed targets.
    sklearn.linear_model.PoissonRegressor : one target at a time, mean-deviance penalty.

    Notes
    -----
    Targets must be in the family's support (non-negative for Poisson, positive for
    Gamma): anything else is a ``ValueError``. A constant target gets zero weights and
    ``log`` of its value as intercept (``-inf`` for an all-zero target: its prediction
    is exactly 0), with a :class:`~sklearn_brainmap.utils.ConstantUnitWarning`.
    Constant source units (relative to their magnitude, over the stimuli of non-zero
    weight) receive zero weight, with a ConstantUnitWarning that counts them. Float32
    input gives float32 coefficients and predictions; the solver itself runs in
    float64.

    ``sample_weight`` multiplies each stimulus's deviance, in the Yeo-Johnson fit as
    well (its likelihood, mean and scale); the penalty is not weighted, so weights of
    ``c`` everywhere are ``alpha / c``.

    Units. The GLM is fitted on the centred source divided by a power of two (exact;
    the penalty with it) and its convergence test is relative to the targets' spread
    (their standard deviation for Poisson): with ``power_transform=False``, ``X``
    multiplied by ``c`` with ``alpha`` multiplied by ``c²`` gives the same
    predictions, and for the Poisson family ``y`` multiplied by ``c`` with ``alpha``
    multiplied by ``c`` gives predictions multiplied by ``c`` (Gamma: the same
    ``alpha``). The Yeo-Johnson transform depends on the units of ``X`` (it
    transforms ``x + 1``), so with ``power_transform=True`` the fit does too. Source
    units of tiny magnitude (``log(1 + |x|)`` below ``2**-20``), for which the
    transform is exponential in ``x`` with ``λ`` of order ``1/|x|``, have ``λ`` searched
    in units of ``1/max log(1 + |x|)``: their ``λ`` is the maximum-likelihood one (that
    of :func:`scipy.stats.yeojohnson_normmax`) down to ``1e-300``, and their fits do
    not depend on their scale. A source unit with values of both signs beyond about
    ``1e145`` leaves no ``λ`` for which the transformed values are representable
    (scipy refuses it too): a ``ValueError`` says to rescale ``X`` or to use
    ``power_transform=False``.

    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``, see
    :doc:`/user_guide/gpu`), arrays of another namespace than NumPy raise a
    ``TypeError`` that names the classes that run on them: this solver exists for
    NumPy only.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods* (the ILNP transform class). Yeo & Johnson (2000), A
    new family of power transformations to improve normality or symmetry,
    *Biometrika* 87, 954–959. McCullagh & Nelder (1989), *Generalized Linear Models*,
    2nd ed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import LinearNonlinear
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> rates = np.exp(0.5 * X[:, :3] + 1.0)
    >>> Y = rng.poisson(rates)
    >>> model = LinearNonlinear(alpha=1.0).fit(X, Y)
    >>> model.coef_.shape
    (3, 5)
    >>> bool((model.predict(X) > 0).all())
    True
    """

    _parameter_constraints = {
        **_GLMMapping._parameter_constraints,
        "family": [StrOptions(set(_FAMILIES)), HasMethods(["resid_dev", "starting_mu"])],
        "power_transform": ["boolean"],
    }
    _constant_consequence = "they get zero weights and the log of their value as intercept."

    def __init__(self, alpha=1.0, *, family="poisson", power_transform=True, tol=1e-6,
                 max_iter=100):
        self.alpha = alpha
        self.family = family
        self.power_transform = power_transform
        self.tol = tol
        self.max_iter = max_iter

    def _get_loss(self):
        return _family_loss(_statsmodels_family(self.family))

    def _check_targets(self, Y):
        _check_family_targets(_statsmodels_family(self.family), Y)

    def _transform_source(self, X):
        if self.power_lambdas_ is None:
            return X
        Xt = (yeo_johnson(X, self.power_lambdas_) - self.power_mean_) / self.power_scale_
        return Xt.astype(X.dtype, copy=False)

    def _fit_transform_source(self, X, sample_weight):
        self.power_lambdas_ = self.power_mean_ = self.power_scale_ = None
        if not self.power_transform:
            return X
        self.power_lambdas_ = yeo_johnson_lambdas(X, sample_weight=sample_weight)
        Xt = yeo_johnson(X, self.power_lambdas_)
        rows = slice(None) if sample_weight is None else sample_weight > 0
        w = None if sample_weight is None else ldexp(sample_weight,
                                                     -int(power_of_two_exponents(sample_weight)))
        self.power_mean_, scale = mean_and_std(Xt, w)
        # constant relative to their magnitude (a unit of 1e-15 that varies is a unit):
        # exactly zero after standardisation, so they get zero weight
        constant = constant_columns(X[rows]) | constant_columns(Xt[rows]) | ~(scale > 0)
        self.power_scale_ = np.where(constant, 1.0, scale)
        Xt -= self.power_mean_
        Xt /= self.power_scale_
        Xt[:, constant] = 0.0
        return Xt.astype(X.dtype, copy=False)

    def _predict(self, X):
        return np.exp(self._linear_predictor(self._transform_source(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = True
        return tags


class LinearSoftplus(_GLMMapping):
    """A linear map followed by a softplus, fitted by penalised least squares.

    ``Ŷ = softplus_β(XW + b)``, ``softplus_β(z) = log(1 + e^{βz}) / β``, and for each
    target ``j``

    ``(w_j, b_j) = argmin ½ Σ_i (y_ij − softplus_β(x_i·w_j + b_j))² + α/2 ‖w_j‖²``,

    which has the same minimiser as ``‖y_j − ŷ_j‖² + α‖w_j‖²``: ``alpha`` is on the
    scale of :class:`Ridge`'s penalty (not rescaled by the number of samples) and
    ``alpha=0`` is unpenalised least squares. The intercept is not penalised.

    **Pre Linear Softplus** is this estimator fed the source's *pre*-activation
    responses (e.g. a model layer before its nonlinearity) to predict
    *post*-activation targets (a layer or neurons after a softplus-like
    nonlinearity): the softplus then plays the role of the target's own activation
    function. Nothing changes in the estimator; only the source you pass differs.

    The objective is block separable over targets; all targets are solved together by
    the batched truncated Newton–CG solver (Hessian–vector products for all targets as
    two matrix products, a per-target Armijo line search, converged targets frozen),
    with exact analytic gradients and Hessians. The first step, from the constant fit,
    is a modified Newton step with the non-negative curvature
    ``σ² + βσ(1 − σ) max(μ − y, 0)``; after that, where a Hessian is not positive
    definite, conjugate gradients stop at the first direction of negative curvature
    (exact Newton, for few features, falls back to that curvature), so every step
    descends. This converges quadratically near a minimum, also for targets a
    softplus cannot reach (negative values), where Gauss–Newton would crawl. The
    problem is not convex: the solution is the local minimum reached from zero weights
    and the intercept of the best constant fit.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 penalty ``≥ 0`` on the weights.
    beta : float, default=1.0
        Sharpness ``β > 0`` of the softplus; large values approach a ReLU.
    tol : float, default=1e-6
        Convergence when the largest entry of the gradient of the *mean* objective
        (the objective over ``n_samples``, or over the sum of the sample weights) is
        at most ``tol`` for a target, in units free of the data's: the weights of
        the centred source divided by the power of two nearest its root mean square,
        the gradient relative to the power of two nearest the target's typical
        derivative ``|∂ℓ/∂η|`` (see Notes).
    max_iter : int, default=200
        Newton iterations per target.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
        Weights ``W`` (1-D when ``y`` was 1-D).
    intercept_ : ndarray of shape (n_targets,) or float
        Intercepts ``b`` (``-inf`` for a constant target ``≤ 0``).
    n_iter_ : ndarray of int, shape (n_targets,) or int
        Iterations of each target.
    n_features_in_ : int
        Number of source units seen in ``fit``.

    See Also
    --------
    LinearNonlinear : log-link GLM of a Yeo-Johnson-transformed source.

    Notes
    -----
    Predictions are never negative. Signed targets are accepted (the fit is least
    squares), but a softplus cannot follow negative values. A constant target ``c``
    gets zero weights and the intercept ``softplus_β⁻¹(c)`` (``-inf``, i.e. prediction
    0, when ``c ≤ 0``), with a :class:`~sklearn_brainmap.utils.ConstantUnitWarning`.
    Constant source units (relative to their magnitude, over the stimuli of non-zero
    weight) receive zero weight, with a ConstantUnitWarning that counts them. Float32
    input gives float32 coefficients and predictions; the solver itself runs in
    float64.

    ``sample_weight`` multiplies each stimulus's squared error; the penalty is not
    weighted, so weights of ``c`` everywhere are ``alpha / c``.

    Units. The fit is on the centred source divided by a power of two (exact; the
    penalty with it) and its convergence test is relative to the targets' standard
    deviation: ``X`` multiplied by ``c`` with ``alpha`` multiplied by ``c²`` gives the
    same predictions, and ``y`` multiplied by ``c`` with ``beta`` divided by ``c``
    gives predictions multiplied by ``c`` (``c·softplus_β(z) = softplus_{β/c}(c z)``).

    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``, see
    :doc:`/user_guide/gpu`), arrays of another namespace than NumPy raise a
    ``TypeError`` that names the classes that run on them: this solver exists for
    NumPy only.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods* (Linear Softplus and Pre Linear Softplus transform
    classes). Dugas, Bengio, Bélisle, Nadeau & Garcia (2001), Incorporating
    second-order functional knowledge for better option pricing, *NeurIPS* 13
    (softplus). Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., §3.4
    (Newton with a modified Hessian) and §10.3 (Gauss–Newton).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import LinearSoftplus
    >>> rng = np.random.default_rng(0)
    >>> pre = rng.standard_normal((300, 10))        # source before its nonlinearity
    >>> W = rng.standard_normal((10, 4))
    >>> post = np.logaddexp(0, pre @ W - 1.0)       # softplus targets
    >>> model = LinearSoftplus(alpha=1e-6).fit(pre, post)
    >>> bool(model.score(pre, post) > 0.999)
    True
    >>> float(np.abs(model.coef_ - W.T).max()) < 1e-3
    True
    """

    _parameter_constraints = {
        **_GLMMapping._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="neither")],
    }
    _constant_consequence = ("they get zero weights and the intercept that reproduces "
                             "their value (prediction 0 when the value is not positive).")

    def __init__(self, alpha=1.0, *, beta=1.0, tol=1e-6, max_iter=200):
        self.alpha = alpha
        self.beta = beta
        self.tol = tol
        self.max_iter = max_iter

    def _get_loss(self):
        return SoftplusSquared(float(self.beta))

    def _initial_eta(self, loss, Y, mean, sample_weight):
        # the best constant fit; for a target whose mean is not positive, a small
        # positive output on the target's own scale
        rows = slice(None) if sample_weight is None else sample_weight > 0
        spread = np.abs(Y[rows]).max(axis=0)
        return loss.initial_eta(np.maximum(mean, 1e-3 * spread))

    def _predict(self, X):
        return softplus(self._linear_predictor(X), self.beta).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # predictions are never negative: on signed data (the estimator checks' data
        # set) R² stays low
        tags.regressor_tags.poor_score = True
        return tags
