"""Per-sample losses of the generalised linear transform classes, as objects.

Each loss is a function of the target ``y`` and the linear predictor ``η = x·w + b`` of
one sample, evaluated elementwise on ``(n_samples, n_targets)`` arrays so that every
target is handled at once. The batched Newton solver in :mod:`._newton` and the
estimators only need

* ``value(Y, eta)``: the loss of every sample and target (up to terms that do not depend
  on ``η``; a unit deviance or half squared error, so that it is small near a good fit);
* ``derivatives(Y, eta)``: its first derivative ``g = ∂ℓ/∂η``, a curvature ``h``
  (the second derivative for canonical links, the Fisher weight otherwise) and a
  non-negative version ``h_psd`` of it for preconditioning and as a fall-back (the
  same array when ``h ≥ 0`` always), so that ``Xᵀ diag(h_psd) X`` is positive
  semi-definite;
* ``nonnegative_curvature``: whether ``h ≥ 0`` always (then ``h_psd is h``);
* ``initial_eta(mean)``: the linear predictor of the best constant fit to targets of
  mean ``mean`` (where the estimators start, and the intercept of constant targets);
* ``derivative_scale(mean, std)``: the typical size of ``∂ℓ/∂η`` for targets of that
  (weighted) mean and standard deviation, in the targets' units (``std`` for Poisson
  and squared error, ``std/mean`` for Gamma, 1 for the logistic loss): the solvers'
  convergence test is relative to it, so that it does not depend on those units.

With a fitted intercept, the per-target objective minimised by the solvers is
``Σ_i s_i ℓ(y_i, η_i) + α/2 ‖w‖²``.

``value`` and ``derivatives`` take an optional ``work``, a callable ``work(name, rows)``
returning a reusable float64 array of ``rows`` rows (a :class:`Workspace`). The solvers
evaluate them on ``(targets, samples)`` arrays of megabytes, a dozen times per fit: a
fresh array each time costs a page fault per 4 KiB page when it is first written (the
allocator hands large blocks back to the system), which on a virtual machine took
longer than the arithmetic. The returned arrays live in ``work`` and are overwritten by
the next call with the same names.
"""

import numpy as np
from scipy.special import expit


class Workspace:
    """Reusable arrays with ``n_columns`` columns and up to ``max_rows`` rows.

    ``work(name, rows, dtype=float64)`` returns the first ``rows`` rows of the array
    called ``name`` of that dtype (C-contiguous), allocated on first use. The
    elementwise passes of the losses and of the Newton solver over ``(targets,
    samples)`` arrays write into these instead of fresh temporaries: a fresh array of
    megabytes costs a page fault per 4 KiB page when first written, which on a virtual
    machine made the losses 2–10× slower than their arithmetic.
    """

    def __init__(self, max_rows, n_columns):
        self.shape = (max_rows, n_columns)
        self._arrays = {}

    def __call__(self, name, rows, dtype=np.float64):
        array = self._arrays.get((name, dtype))
        if array is None:
            array = self._arrays[(name, dtype)] = np.empty(self.shape, dtype=dtype)
        return array[:rows]


def _array(work, name, like):
    """A float64 array shaped like ``like``: from ``work`` when given, else new."""
    return np.empty(like.shape) if work is None else work(name, like.shape[0])


class BernoulliLogit:
    """Logistic loss (Bernoulli family, logit link): ``ℓ = log(1 + e^η) − y η``.

    For labels ``y ∈ {0, 1}`` this is the negative log-likelihood of
    ``P(y = 1) = σ(η)``; the sum over samples plus ``α/2 ‖w‖²`` is scikit-learn's
    ``LogisticRegression`` objective with ``C = 1/α``.
    """

    nonnegative_curvature = True

    def value(self, Y, eta, work=None):
        out, scratch = _softplus_into(eta, 1.0, _array(work, "value", eta),
                                      _array(work, "scratch", eta))
        np.multiply(Y, eta, out=scratch)
        out -= scratch
        return out

    def derivatives(self, Y, eta, work=None):
        prob = expit(eta, out=_array(work, "g", eta))
        curvature = np.subtract(1.0, prob, out=_array(work, "h", eta))
        curvature *= prob
        prob -= Y  # the gradient, in place
        return prob, curvature, curvature

    def initial_eta(self, mean):
        """The best constant predictor for targets with (weighted) mean ``mean``."""
        return np.log(mean) - np.log1p(-mean)

    def derivative_scale(self, mean, std):
        """1: the derivative ``σ(η) − y`` of labels is in ``(−1, 1)`` whatever the data."""
        return np.ones_like(mean)


class FamilyLog:
    """A statsmodels exponential family with the log link: ``μ = exp(η)``.

    The loss is half the family's unit deviance, ``ℓ = d(y, μ)/2`` (for Poisson
    ``y log(y/μ) − y + μ``, the negative log-likelihood up to terms free of ``μ``). The
    derivative is ``g = (μ − y) μ′ / V(μ)`` and the curvature the Fisher weight
    ``h = μ′² / V(μ)``, with ``V`` the family's variance function and ``μ′ = dμ/dη``;
    for the canonical Poisson case ``g = μ − y`` and ``h = μ`` (Newton's method is
    then exact), for other families it is Fisher scoring.

    Parameters
    ----------
    family : statsmodels.genmod.families.Family
        A family instance whose link is ``statsmodels.genmod.families.links.Log``.
    """

    nonnegative_curvature = True

    def __init__(self, family):
        from statsmodels.genmod.families import varfuncs

        self.family = family
        # a power variance V(μ) = μ^p (Poisson, Gamma, inverse Gaussian, Tweedie): with
        # the log link μ′/V(μ) = μ^(1−p) and μ′²/V(μ) = μ^(2−p), formed without μ^p,
        # which overflows for large targets (μ ≈ 1e155 for Gamma)
        variance = family.variance
        self.power = float(variance.power) if type(variance) is varfuncs.Power else None

    def value(self, Y, eta, work=None):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            mu = self.family.link.inverse(eta)
            return 0.5 * self.family.resid_dev(Y, mu) ** 2

    def derivatives(self, Y, eta, work=None):
        mu = self.family.link.inverse(eta)
        if self.power is not None:
            with np.errstate(over="ignore", divide="ignore"):
                scaled = np.power(mu, 1.0 - self.power)
                curvature = np.power(mu, 2.0 - self.power)
            return (mu - Y) * scaled, curvature, curvature
        dmu = self.family.link.inverse_deriv(eta)
        variance = self.family.variance(mu)
        scaled = dmu / variance
        curvature = dmu * scaled
        return (mu - Y) * scaled, curvature, curvature

    def initial_eta(self, mean):
        """The best constant predictor for targets with mean ``mean``."""
        return np.log(mean)

    def derivative_scale(self, mean, std):
        """``std · μ′/V(μ)`` at ``μ`` = ``mean`` (log link: ``μ′ = μ``): the size of
        ``g = (μ − y) μ′/V(μ)`` (Poisson: ``std``; Gamma: ``std/mean``)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.power is not None:
                return std * np.power(mean, 1.0 - self.power)
            return std * (mean / self.family.variance(mean))


class PoissonLog(FamilyLog):
    """The Poisson family with the log link, in closed form (the hot path of LinearNonlinear).

    ``ℓ = μ − y η`` (half the unit deviance ``y log(y/μ) − y + μ`` without its terms
    free of ``η``), ``g = μ − y``, ``h = μ``: the same derivatives as
    ``FamilyLog(statsmodels Poisson())`` with one exponential per evaluation instead of
    the generic link, variance and deviance calls.
    """

    def __init__(self):
        from statsmodels.genmod.families import Poisson

        super().__init__(Poisson())

    def value(self, Y, eta, work=None):
        out = _array(work, "value", eta)
        with np.errstate(over="ignore"):
            np.exp(eta, out=out)
        scratch = np.multiply(Y, eta, out=_array(work, "scratch", eta))
        out -= scratch
        return out

    def derivatives(self, Y, eta, work=None):
        mu = np.exp(eta, out=_array(work, "h", eta))
        return np.subtract(mu, Y, out=_array(work, "g", eta)), mu, mu

    def derivative_scale(self, mean, std):
        """``std``: the size of ``g = μ − y``."""
        return np.asarray(std, dtype=float)


def softplus(z, beta=1.0):
    """``log(1 + e^{βz}) / β``, computed without overflow."""
    z = np.asarray(z, dtype=np.result_type(z, 1.0))
    return _softplus_into(z, beta, np.empty_like(z), np.empty_like(z))[0]


def _softplus_into(z, beta, value, scratch, slope=False):
    """``softplus_β(z)`` into ``value`` and, if ``slope``, ``σ(βz)`` into ``scratch``.

    ``log(1 + e^t) = max(t, 0) + log1p(e^{−|t|})`` with ``t = βz`` (no overflow), and
    the slope from the value, ``σ(t) = 1 − e^{−softplus(t)} = −expm1(−softplus(t))``,
    accurate to a few ulps also where ``σ`` is tiny. Returns ``(value, scratch)``;
    ``scratch`` holds the slope when asked for, else nothing of use.
    """
    t = z if beta == 1.0 else beta * z
    np.abs(t, out=scratch)
    np.negative(scratch, out=scratch)
    np.exp(scratch, out=scratch)
    np.log1p(scratch, out=value)
    np.maximum(t, 0.0, out=scratch)
    value += scratch
    if slope:
        np.negative(value, out=scratch)
        np.expm1(scratch, out=scratch)
        np.negative(scratch, out=scratch)
    if beta != 1.0:
        value /= beta
    return value, scratch


def inverse_softplus(y, beta=1.0):
    """The inverse of :func:`softplus` for ``y > 0``: ``log(e^{βy} − 1) / β``."""
    by = beta * y
    # log(expm1(t)) = t + log(1 - e^{-t}), stable for large t
    return (by + np.log(-np.expm1(-by))) / beta


class SoftplusSquared:
    """Half squared error through a softplus: ``ℓ = (y − softplus_β(η))² / 2``.

    With ``μ = softplus_β(η)`` and ``σ = σ(βη)`` (its slope): ``g = (μ − y) σ`` and the
    second derivative is ``h = σ² + β σ (1 − σ) (μ − y)``, negative where the fit is
    well below the target. The solvers use this exact curvature (Newton–CG stops at
    negative curvature; exact Newton falls back where a Hessian is not positive
    definite) with the non-negative ``h_psd = σ² + β σ (1 − σ) max(μ − y, 0)`` for
    preconditioning and fall-backs. Gauss–Newton (``σ²`` alone) would crawl on targets
    a softplus cannot reach (negative values), where ``σ² → 0``. The sum over samples
    plus ``α/2 ‖w‖²`` has the same minimiser as ``‖y − μ‖² + α ‖w‖²``, so ``α`` is on
    :class:`Ridge`'s scale.

    Parameters
    ----------
    beta : float
        Sharpness ``β > 0`` of the softplus (large ``β`` approaches a ReLU).
    """

    nonnegative_curvature = False

    def __init__(self, beta=1.0):
        self.beta = beta

    def initial_eta(self, mean):
        """The best constant predictor for targets with mean ``mean`` (``-inf`` where
        ``mean ≤ 0``: a softplus output cannot reach it)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(mean > 0, inverse_softplus(mean, self.beta), -np.inf)

    def derivative_scale(self, mean, std):
        """``std``: the size of ``g = (μ − y) σ(βη)`` (``σ ≤ 1``)."""
        return np.asarray(std, dtype=float)

    def value(self, Y, eta, work=None):
        resid, _ = _softplus_into(eta, self.beta, _array(work, "value", eta),
                                  _array(work, "scratch", eta))
        resid -= Y
        np.square(resid, out=resid)
        resid *= 0.5
        return resid

    def derivatives(self, Y, eta, work=None):
        resid, slope = _softplus_into(eta, self.beta, _array(work, "g", eta),
                                      _array(work, "slope", eta), slope=True)
        resid -= Y
        # second = β σ (1 − σ); h = σ² + second·r; h_psd = σ² + second·max(r, 0)
        second = np.subtract(1.0, slope, out=_array(work, "second", eta))
        second *= slope
        if self.beta != 1.0:
            second *= self.beta
        h_psd = np.maximum(resid, 0.0, out=_array(work, "h_psd", eta))
        h_psd *= second
        h = np.multiply(resid, second, out=_array(work, "h", eta))
        gauss_newton = np.square(slope, out=second)
        h += gauss_newton
        h_psd += gauss_newton
        resid *= slope  # the gradient, in place
        return resid, h, h_psd
