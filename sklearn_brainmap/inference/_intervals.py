"""Intervals, p-values and corrections on arrays of resampled statistics.

Plain functions: the resampled values come first, ``(n_resamples, ...)``; NaN marks a
resample in which the statistic is undefined (it is left out of the quantiles and
counted by the callers).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import special
from sklearn.utils._param_validation import Interval, validate_params

_LEVEL = Interval(Real, 0, 1, closed="neither")


def _quantiles(resampled, probabilities):
    """Quantiles along axis 0 ignoring NaN; ``probabilities`` broadcasts against the
    trailing shape (one probability per statistic for BCa)."""
    probabilities = np.asarray(probabilities, dtype=float)
    trailing = resampled.shape[1:]
    if probabilities.ndim == 1:  # the same two probabilities for every statistic
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN statistics
            return np.nanquantile(resampled, probabilities, axis=0)
    flat = resampled.reshape(len(resampled), -1)
    p = np.broadcast_to(probabilities, (2,) + trailing).reshape(2, -1)
    out = np.full(p.shape, np.nan)
    for j in range(flat.shape[1]):  # BCa's probabilities differ per statistic
        column = flat[:, j]
        if np.isfinite(column).any():
            out[:, j] = np.nanquantile(column, p[:, j])
    return out.reshape((2,) + trailing)


@validate_params(
    {"resampled": ["array-like", Real], "estimate": ["array-like", Real],
     "confidence_level": [_LEVEL], "scale": ["array-like", Real]},
    prefer_skip_nested_validation=True,
)
def percentile_interval(resampled, estimate, *, confidence_level=0.95, scale=1.0):
    """Percentile bootstrap interval, optionally widened about the estimate.

    ``[θ̂ + c (q_{α/2} − θ̂), θ̂ + c (q_{1−α/2} − θ̂)]`` with ``q`` the quantiles of the
    resampled statistics ``θ*`` (NaN left out), ``α = 1 − confidence_level`` and ``c``
    the ``scale`` (1: the plain percentile interval, Efron & Tibshirani 1993, §13.3).
    A scale ``c = sqrt(V / Var(θ*))`` gives the interval the spread of a corrected
    variance ``V`` while keeping the skew of the bootstrap distribution (used for the
    ``n/(n−1)`` correction and for Schütt et al.'s two-factor correction).

    Parameters
    ----------
    resampled : array-like of shape (n_resamples, ...)
    estimate : array-like of shape (...)
        The statistic on the original sample.
    confidence_level : float in (0, 1), default=0.95
    scale : float or array-like of shape (...), default=1.0

    Returns
    -------
    interval : ndarray of shape (2, ...)
        Lower and upper bounds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import percentile_interval
    >>> percentile_interval(np.arange(101.0), 50.0, confidence_level=0.9)
    array([ 5., 95.])
    """
    resampled = np.asarray(resampled, dtype=float)
    estimate = np.asarray(estimate, dtype=float)
    alpha = 1 - confidence_level
    q = _quantiles(resampled, [alpha / 2, 1 - alpha / 2])
    return estimate + np.asarray(scale) * (q - estimate)


@validate_params(
    {"resampled": ["array-like", Real], "estimate": ["array-like", Real],
     "jackknife": ["array-like", Real],
     "confidence_level": [_LEVEL], "scale": ["array-like", Real]},
    prefer_skip_nested_validation=True,
)
def bca_interval(resampled, estimate, jackknife, *, confidence_level=0.95, scale=1.0):
    """Bias-corrected and accelerated (BCa) bootstrap interval (Efron 1987).

    The quantiles ``Φ(z₀ + (z₀ + z_α) / (1 − a (z₀ + z_α)))`` of the resampled
    statistics, with the bias correction ``z₀ = Φ⁻¹(P(θ* < θ̂) + P(θ* = θ̂)/2)`` and the
    acceleration ``a = Σ (θ̄₍.₎ − θ₍ᵢ₎)³ / (6 (Σ (θ̄₍.₎ − θ₍ᵢ₎)²)^{3/2})`` from the
    leave-one-out (jackknife) statistics ``θ₍ᵢ₎``. ``scale`` widens the interval about
    the estimate as in :func:`percentile_interval`.

    Parameters
    ----------
    resampled : array-like of shape (n_resamples, ...)
    estimate : array-like of shape (...)
    jackknife : array-like of shape (n_units, ...)
        The statistic with each resampled unit (stimulus or subject) left out.
    confidence_level : float in (0, 1), default=0.95
    scale : float or array-like of shape (...), default=1.0

    Returns
    -------
    interval : ndarray of shape (2, ...)

    References
    ----------
    Efron (1987), Better bootstrap confidence intervals, *J. Am. Stat. Assoc.* 82, 171.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import bca_interval
    >>> rng = np.random.default_rng(0)
    >>> x = rng.exponential(size=40)
    >>> counts = rng.multinomial(40, np.full(40, 1 / 40), size=2000)
    >>> means = counts @ x / 40
    >>> jack = (x.sum() - x) / 39
    >>> low, high = bca_interval(means, x.mean(), jack)
    >>> bool(low < x.mean() < high)
    True
    """
    resampled = np.asarray(resampled, dtype=float)
    estimate = np.asarray(estimate, dtype=float)
    jackknife = np.asarray(jackknife, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        defined = np.sum(np.isfinite(resampled), axis=0)
        below = (np.sum(resampled < estimate, axis=0)
                 + 0.5 * np.sum(resampled == estimate, axis=0)) / defined
        z0 = special.ndtri(np.clip(below, 1e-12, 1 - 1e-12))
        deviation = np.nanmean(jackknife, axis=0) - jackknife
        a = (np.nansum(deviation**3, axis=0)
             / (6 * np.nansum(deviation**2, axis=0) ** 1.5))
    a = np.where(np.isfinite(a), a, 0.0)
    alpha = 1 - confidence_level
    z = special.ndtri(np.array([alpha / 2, 1 - alpha / 2])).reshape(
        (2,) + (1,) * estimate.ndim)
    probabilities = special.ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))
    q = _quantiles(resampled, probabilities)
    return estimate + np.asarray(scale) * (q - estimate)


@validate_params(
    {"resampled": ["array-like", Real], "estimate": ["array-like", Real], "null": [Real],
     "scale": ["array-like", Real]},
    prefer_skip_nested_validation=True,
)
def bootstrap_p_value(resampled, estimate, *, null=0.0, scale=1.0):
    """Two-sided bootstrap p-value of ``θ = null``, by shifting the bootstrap
    distribution to the null.

    ``p = (1 + #{|c (θ* − θ̂)| ≥ |θ̂ − null|}) / (1 + B)`` over the ``B`` defined
    resamples (Efron & Tibshirani 1993, §16.4; Davison & Hinkley 1997, §4.4): the
    spread of ``θ*`` about ``θ̂`` stands in for that of ``θ̂`` about the truth; ``c`` is
    the ``scale`` of :func:`percentile_interval`. Uniform under the null when the
    bootstrap distribution has the spread of the estimate (the calibration tests
    check it).

    Parameters
    ----------
    resampled : array-like of shape (n_resamples, ...)
    estimate : array-like of shape (...)
    null : float, default=0.0
    scale : float or array-like of shape (...), default=1.0

    Returns
    -------
    p_value : ndarray of shape (...)
        In ``(0, 1]``; NaN where no resample is defined.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import bootstrap_p_value
    >>> rng = np.random.default_rng(0)
    >>> float(bootstrap_p_value(rng.normal(3.0, 1.0, 999), 3.0)) < 0.01
    True
    """
    resampled = np.asarray(resampled, dtype=float)
    estimate = np.asarray(estimate, dtype=float)
    with np.errstate(invalid="ignore"):
        extreme = np.abs(np.asarray(scale) * (resampled - estimate)) >= np.abs(
            estimate - null)
        defined = np.sum(np.isfinite(resampled), axis=0)
        p = (1.0 + np.sum(extreme & np.isfinite(resampled), axis=0)) / (1.0 + defined)
    return np.where(defined > 0, p, np.nan)


@validate_params(
    {"observed": ["array-like", Real], "null": ["array-like", Real]},
    prefer_skip_nested_validation=True,
)
def permutation_p_value(observed, null):
    """One-sided permutation p-value ``(1 + #{null ≥ observed}) / (1 + n_permutations)``.

    The ``+1`` counts the observed labelling as one of the permutations, so the
    p-value is exact (never 0) under exchangeability (Phipson & Smyth 2010).

    Parameters
    ----------
    observed : array-like of shape (...)
    null : array-like of shape (n_permutations, ...)
        The statistic under permuted labels (stimuli, areas).

    Returns
    -------
    p_value : ndarray of shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import permutation_p_value
    >>> float(permutation_p_value(2.0, np.arange(99.0) / 100))
    0.01
    """
    observed = np.asarray(observed, dtype=float)
    null = np.asarray(null, dtype=float)
    return (1.0 + np.sum(null >= observed, axis=0)) / (1.0 + len(null))


@validate_params({"p_values": ["array-like", Real]}, prefer_skip_nested_validation=True)
def holm(p_values):
    """Holm's step-down adjustment of p-values for multiple comparisons.

    Sorted ascending, the ``k``-th of ``m`` p-values becomes
    ``max_{j ≤ k} min(1, (m − j + 1) p₍ⱼ₎)``; rejecting where the adjusted p-value is
    below ``α`` controls the family-wise error rate at ``α`` (Holm 1979). NaN entries
    are left out of ``m`` and stay NaN.

    Parameters
    ----------
    p_values : array-like
        Any shape; all finite entries form one family.

    Returns
    -------
    adjusted : ndarray of the same shape

    References
    ----------
    Holm (1979), A simple sequentially rejective multiple test procedure,
    *Scand. J. Stat.* 6, 65–70.

    Examples
    --------
    >>> from sklearn_brainmap.inference import holm
    >>> holm([0.01, 0.04, 0.03]).round(2)
    array([0.03, 0.06, 0.06])
    """
    p = np.asarray(p_values, dtype=float)
    flat = p.ravel()
    finite = np.flatnonzero(np.isfinite(flat))
    order = finite[np.argsort(flat[finite], kind="stable")]
    m = len(order)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * flat[order])
    out = np.full(flat.shape, np.nan)
    out[order] = np.minimum(adjusted, 1.0)
    return out.reshape(p.shape)


@validate_params(
    {"v_both": ["array-like", Real], "v_subjects": ["array-like", Real],
     "v_stimuli": ["array-like", Real],
     "n_subjects": [Interval(Integral, 2, None, closed="left")],
     "n_stimuli": [Interval(Integral, 2, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def two_factor_variance(v_both, v_subjects, v_stimuli, *, n_subjects, n_stimuli):
    """Schütt et al.'s (2023) corrected variance of a statistic over subjects and
    stimuli, from three bootstraps.

    With a score ``c_si = μ + a_s + b_i + e_si`` of subject ``s`` on stimulus ``i``, the
    variance of the mean over ``n_s`` subjects and ``n_i`` stimuli is
    ``σ_a²/n_s + σ_b²/n_i + σ_e²/(n_s n_i)``. Resampling subjects and stimuli at once
    counts the interaction ``σ_e²`` about three times (once in each factor's
    resampling and once more in the product): the naive two-factor variance ``v_both``
    is too large and its intervals over-cover. With ``v_subjects`` and ``v_stimuli``
    from bootstraps of one factor each, ``f_s = n_s/(n_s − 1)``, ``f_i = n_i/(n_i − 1)``:

    ``V = f_s v_subjects + f_i v_stimuli − f_s f_i (v_both − v_subjects − v_stimuli)``,

    kept within ``[max(f_s v_subjects, f_i v_stimuli), v_both]`` (each one-factor
    variance is a lower bound, the naive one an upper bound). This is the small-sample
    formula of rsatoolbox's dual bootstrap.

    Parameters
    ----------
    v_both, v_subjects, v_stimuli : array-like
        Variances of the statistic under the two-factor, subject and stimulus
        bootstraps (same shape).
    n_subjects, n_stimuli : int

    Returns
    -------
    variance : ndarray

    References
    ----------
    Schütt, Kipnis, Diedrichsen & Kriegeskorte (2023), Statistical inference on
    representational geometries, *eLife* 12, e82566.

    Examples
    --------
    >>> from sklearn_brainmap.inference import two_factor_variance
    >>> round(float(two_factor_variance(3.0, 1.0, 1.0, n_subjects=1000, n_stimuli=1000)), 2)
    1.0
    """
    v_both, v_subjects, v_stimuli = (np.asarray(v, dtype=float)
                                     for v in (v_both, v_subjects, v_stimuli))
    f_s = n_subjects / (n_subjects - 1)
    f_i = n_stimuli / (n_stimuli - 1)
    variance = (f_s * v_subjects + f_i * v_stimuli
                - f_s * f_i * (v_both - v_subjects - v_stimuli))
    variance = np.maximum(variance, np.maximum(f_s * v_subjects, f_i * v_stimuli))
    return np.minimum(variance, v_both)
