"""Per-sample losses of the generalised linear transform classes, as objects.

Each loss is a function of the target ``y`` and the linear predictor ``η = x·w + b`` of
one sample, evaluated elementwise on ``(n_samples, n_targets)`` arrays so that every
target is handled at once. The batched solvers in :mod:`._glm_solvers` only need

* ``value(Y, eta)``: the loss of every sample and target (up to terms that do not depend
  on ``η``; a unit deviance or half squared error, so that it is small near a good fit);
* ``derivatives(Y, eta)``: its first derivative ``g = ∂ℓ/∂η``, a curvature ``h``
  (the second derivative for canonical links, the Fisher weight otherwise) and a
  non-negative version ``h_psd`` of it for preconditioning and as a fall-back (the
  same array when ``h ≥ 0`` always), so that ``Xᵀ diag(h_psd) X`` is positive
  semi-definite;
* ``inverse_link(eta)``: the prediction ``μ(η)``.

With a fitted intercept, the per-target objective minimised by the solvers is
``Σ_i s_i ℓ(y_i, η_i) + α/2 ‖w‖²``.
"""

import numpy as np
from scipy.special import expit


class BernoulliLogit:
    """Logistic loss (Bernoulli family, logit link): ``ℓ = log(1 + e^η) − y η``.

    For labels ``y ∈ {0, 1}`` this is the negative log-likelihood of
    ``P(y = 1) = σ(η)``; the sum over samples plus ``α/2 ‖w‖²`` is scikit-learn's
    ``LogisticRegression`` objective with ``C = 1/α``.
    """

    def value(self, Y, eta):
        out = softplus(eta)
        out -= Y * eta
        return out

    def derivatives(self, Y, eta):
        prob = expit(eta)
        curvature = prob * (1.0 - prob)
        return prob - Y, curvature, curvature

    def inverse_link(self, eta):
        return expit(eta)

    def initial_eta(self, mean):
        """The best constant predictor for targets with (weighted) mean ``mean``."""
        return np.log(mean) - np.log1p(-mean)


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

    def __init__(self, family):
        self.family = family

    def value(self, Y, eta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            mu = self.family.link.inverse(eta)
            return 0.5 * self.family.resid_dev(Y, mu) ** 2

    def derivatives(self, Y, eta):
        mu = self.family.link.inverse(eta)
        dmu = self.family.link.inverse_deriv(eta)
        variance = self.family.variance(mu)
        scaled = dmu / variance
        curvature = dmu * scaled
        return (mu - Y) * scaled, curvature, curvature

    def inverse_link(self, eta):
        return np.exp(eta)

    def initial_eta(self, mean):
        return np.log(mean)


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

    def value(self, Y, eta):
        with np.errstate(over="ignore"):
            out = np.exp(eta)
        out -= Y * eta
        return out

    def derivatives(self, Y, eta):
        mu = np.exp(eta)
        return mu - Y, mu, mu


def softplus(z, beta=1.0):
    """``log(1 + e^{βz}) / β``, computed without overflow."""
    return _softplus_and_slope(z, beta, slope=False)[0]


def _softplus_and_slope(z, beta, slope=True):
    """``softplus_β(z)`` and its derivative ``σ(βz)``, sharing one exponential.

    ``log(1 + e^t) = max(t, 0) + log(1 + e^{−|t|})`` and ``σ(t) = e^{min(t,0)} /
    (1 + e^{−|t|})``, with ``t = βz``: no overflow, and ``np.logaddexp`` plus
    ``expit`` would take twice as long.
    """
    t = beta * np.asarray(z)
    small = np.exp(-np.abs(t))
    value = np.log1p(small)
    value += np.maximum(t, 0.0)
    if beta != 1.0:
        value /= beta
    if not slope:
        return value, None
    sigma = np.where(t >= 0, 1.0, small)
    sigma /= 1.0 + small
    return value, sigma


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

    def __init__(self, beta=1.0):
        self.beta = beta

    def value(self, Y, eta):
        resid = softplus(eta, self.beta) - Y
        return 0.5 * resid * resid

    def derivatives(self, Y, eta):
        resid, slope = _softplus_and_slope(eta, self.beta)
        resid -= Y
        second = self.beta * slope * (1.0 - slope)
        gauss_newton = slope * slope
        return (resid * slope, gauss_newton + second * resid,
                gauss_newton + second * np.maximum(resid, 0.0))

    def inverse_link(self, eta):
        return softplus(eta, self.beta)
