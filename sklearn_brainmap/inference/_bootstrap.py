"""The bootstrap engine: a vectorised statistic of resampling weights over subjects
and/or stimuli, its standard errors, intervals and paired differences."""

import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._intervals import (
    bca_interval,
    bootstrap_p_value,
    holm,
    percentile_interval,
    two_factor_variance,
)
from ._resampling import bootstrap_counts

FACTORS = ("subjects", "stimuli")


class UndefinedResampleWarning(UserWarning):
    """Some resamples gave an undefined (NaN) statistic; they are counted in
    ``n_undefined`` and left out of the standard errors and intervals."""


@dataclass
class BootstrapResult:
    """Scores with their bootstrap standard errors, intervals and paired differences.

    Attributes
    ----------
    scores : ndarray of shape (n_methods,)
        The statistic on the original sample.
    standard_error : ndarray of shape (n_methods,)
        ``sqrt(V)``: one factor, ``V = n/(n−1) Var(θ*)`` (the bootstrap's ``(n−1)/n``
        shrinkage of a mean's variance undone, as rsatoolbox); two factors with
        ``correction=True``, Schütt et al.'s corrected variance
        (:func:`two_factor_variance`), else the naive ``Var(θ*)``.
    confidence_interval : ndarray of shape (2, n_methods)
        Percentile interval of the resampled scores moved so that their mean is the
        score (the interval does not inherit the bootstrap's own bias) and widened
        about the score by ``sqrt(V / Var(θ*))`` so that its spread is that of
        ``standard_error``; or the BCa interval (which corrects the bias itself).
    differences : ndarray of shape (n_methods, n_methods)
        ``scores[i] − scores[j]``.
    difference_standard_error, difference_confidence_interval, difference_p_values
        The same for the paired differences, on the same resamples; p-values are
        two-sided (:func:`bootstrap_p_value`), NaN on the diagonal.
    difference_p_values_holm : ndarray of shape (n_methods, n_methods)
        Holm-adjusted over the ``n(n−1)/2`` pairs (:func:`holm`).
    resampled : ndarray of shape (n_resamples, n_methods)
        The resampled scores the intervals come from (two factors: the two-factor
        bootstrap).
    n_undefined : ndarray of shape (n_methods,)
        Resamples in which a score was undefined (NaN), left out of the above.
    over : tuple of str
    confidence_level : float
    interval : str
    correction : bool
    names : list
        One label per method.
    variances : dict
        The raw bootstrap variances: ``"both"``, ``"subjects"``, ``"stimuli"`` (those
        that were drawn).
    scale : ndarray of shape (n_methods,)
        ``standard_error / sqrt(Var(θ*))``, the widening of the intervals (pass it to
        :func:`bootstrap_p_value` for tests of other nulls).
    noise_ceiling : tuple or None
        ``(lower, upper)`` where the client computes one (:func:`bootstrap_rdm_scores`).
    """

    scores: np.ndarray
    standard_error: np.ndarray
    confidence_interval: np.ndarray
    differences: np.ndarray
    difference_standard_error: np.ndarray
    difference_confidence_interval: np.ndarray
    difference_p_values: np.ndarray
    difference_p_values_holm: np.ndarray
    resampled: np.ndarray
    n_undefined: np.ndarray
    over: tuple
    confidence_level: float
    interval: str
    correction: bool
    names: list
    variances: dict = field(default_factory=dict)
    scale: np.ndarray = None
    noise_ceiling: tuple = None

    @property
    def n_resamples(self):
        return len(self.resampled)


def _factors(over):
    over = (over,) if isinstance(over, str) else tuple(over)
    if not over or any(f not in FACTORS for f in over) or len(set(over)) != len(over):
        raise ValueError("over must be 'stimuli', 'subjects' or ('stimuli', 'subjects'); "
                         f"got {over!r}.")
    return tuple(f for f in FACTORS if f in over)


def _draw(statistic, factors, sizes, n_resamples, rng, batch_size):
    """Resampled statistics ``(n_resamples, n_methods)`` in batches of resamples."""
    out = []
    for start in range(0, n_resamples, batch_size):
        b = min(batch_size, n_resamples - start)
        weights = {f: bootstrap_counts(sizes[f], b, random_state=rng) if f in factors
                   else None for f in FACTORS}
        out.append(np.asarray(statistic(weights["subjects"], weights["stimuli"]),
                              dtype=float).reshape(b, -1))
    return np.concatenate(out)


def _pairwise(R):
    """Paired differences ``R[..., i] − R[..., j]``."""
    return R[..., :, None] - R[..., None, :]


@validate_params(
    {"statistic": [callable],
     "n_subjects": [Interval(Integral, 1, None, closed="left"), None],
     "n_stimuli": [Interval(Integral, 1, None, closed="left"), None],
     "over": [StrOptions(set(FACTORS)), tuple, list],
     "n_resamples": [Interval(Integral, 1, None, closed="left")],
     "confidence_level": [Interval(Real, 0, 1, closed="neither")],
     "interval": [StrOptions({"percentile", "bca"})], "correction": ["boolean"],
     "names": [list, None], "random_state": ["random_state"],
     "batch_size": [Interval(Integral, 1, None, closed="left")],
     "pairwise": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def bootstrap_statistic(statistic, *, n_subjects=None, n_stimuli=None, over="stimuli",
                        n_resamples=1000, confidence_level=0.95, interval="percentile",
                        correction=True, names=None, random_state=None, batch_size=100,
                        pairwise=True):
    """Bootstrap any statistic that is computed from weights over subjects and stimuli.

    The generic layer under :func:`bootstrap_rdm_scores` and the population analyses:
    ``statistic(subject_weights, stimulus_weights)`` returns the scores of
    ``n_methods`` methods (models, transform classes, areas…) for a batch of
    resamples at once, where each weight array is ``(n_batch, n_units)`` counts of a
    bootstrap (:func:`bootstrap_counts`) or ``None`` for the original units (weight 1
    each). The statistic should be computed from contributions that were computed
    once (held-out predictions, per-pair comparisons, per-stimulus statistics), so
    that a resample costs a weighted sum, not a refit. All methods see the same
    resamples, so paired differences come for free.

    Parameters
    ----------
    statistic : callable
        ``statistic(subject_weights, stimulus_weights) -> (n_batch, n_methods)``;
        ``statistic(None, None)`` is the estimate (``n_batch = 1``). A jackknife for
        BCa calls it with a weight of 0 for the left-out unit.
    n_subjects, n_stimuli : int or None
        The number of units of each factor that ``over`` resamples.
    over : {"stimuli", "subjects"} or ("stimuli", "subjects"), default="stimuli"
        What to resample. Over both, three bootstraps are drawn (both, subjects only,
        stimuli only) for Schütt et al.'s variance correction.
    n_resamples : int, default=1000
    confidence_level : float in (0, 1), default=0.95
    interval : {"percentile", "bca"}, default="percentile"
        ``"bca"``: bias-corrected and accelerated (one factor only).
    correction : bool, default=True
        Over both factors, correct the naive two-factor variance
        (:func:`two_factor_variance`); ``False`` keeps it (conservative).
    names : list, optional
        Labels of the methods.
    random_state : int, RandomState instance or None
    batch_size : int, default=100
        Resamples per call of ``statistic`` (memory against overhead).
    pairwise : bool, default=True
        Compute the paired differences between all methods (``n_methods²`` per
        resample); ``False`` leaves the ``difference_*`` fields None (many methods:
        put the differences you need in the statistic's columns instead).

    Returns
    -------
    result : BootstrapResult

    Raises
    ------
    ValueError
        For fewer than 2 subjects (or 3 stimuli) in a factor that is resampled,
        ``interval="bca"`` over two factors, or a statistic of the wrong shape.

    Warns
    -----
    UndefinedResampleWarning
        When some resamples give NaN; they are counted in ``n_undefined``.

    References
    ----------
    Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, Chapman & Hall.
    Schütt, Kipnis, Diedrichsen & Kriegeskorte (2023), Statistical inference on
    representational geometries, *eLife* 12, e82566.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import bootstrap_statistic
    >>> rng = np.random.default_rng(0)
    >>> scores = rng.normal([0.5, 0.6], 0.2, size=(40, 2))     # stimuli x methods
    >>> def mean_score(subject_weights, stimulus_weights):
    ...     w = np.ones((1, 40)) if stimulus_weights is None else stimulus_weights
    ...     return w @ scores / w.sum(axis=1, keepdims=True)
    >>> result = bootstrap_statistic(mean_score, n_stimuli=40, random_state=0)
    >>> result.confidence_interval.shape, result.difference_p_values.shape
    ((2, 2), (2, 2))
    """
    factors = _factors(over)
    sizes = {"subjects": n_subjects, "stimuli": n_stimuli}
    for f, least in (("subjects", 2), ("stimuli", 3)):
        if f in factors and (sizes[f] is None or sizes[f] < least):
            raise ValueError(f"A bootstrap over {f} needs at least {least} {f}; got "
                             f"n_{f}={sizes[f]}.")
    if interval == "bca" and len(factors) == 2:
        raise ValueError("interval='bca' needs one factor (its acceleration comes from a "
                         "one-factor jackknife); use interval='percentile' over both.")
    rng = check_random_state(random_state)
    estimate = np.asarray(statistic(None, None), dtype=float).reshape(-1)
    n_methods = estimate.size
    R = _draw(statistic, factors, sizes, n_resamples, rng, batch_size)
    if R.shape[1] != n_methods:
        raise ValueError(f"statistic returned {R.shape[1]} scores per resample but "
                         f"{n_methods} for the original sample.")
    key = "both" if len(factors) == 2 else factors[0]
    draws = {key: R}
    if len(factors) == 2:
        for f in FACTORS:
            draws[f] = _draw(statistic, (f,), sizes, n_resamples, rng, batch_size)
    J = None
    if interval == "bca":
        n = sizes[factors[0]]
        jack_weights = 1.0 - np.eye(n)
        args = (jack_weights, None) if factors[0] == "subjects" else (None, jack_weights)
        J = np.asarray(statistic(*args), dtype=float).reshape(n, n_methods)
    return summarise(estimate, draws, sizes, confidence_level=confidence_level,
                     correction=correction, names=names, pairwise=pairwise, jackknife=J)


def summarise(estimate, draws, sizes, *, confidence_level=0.95, correction=True,
              names=None, pairwise=True, jackknife=None):
    """A :class:`BootstrapResult` from resampled statistics drawn elsewhere.

    ``draws`` maps ``"subjects"`` or ``"stimuli"`` (one factor), or ``"both"``,
    ``"subjects"`` and ``"stimuli"`` (two factors, for the correction), to arrays
    ``(n_resamples, n_methods)``; ``sizes`` gives ``n_subjects`` / ``n_stimuli`` under
    the keys ``"subjects"`` / ``"stimuli"``. For analyses that draw their own weights
    (e.g. to share them across cells computed in parallel).
    """
    estimate = np.asarray(estimate, dtype=float).reshape(-1)
    n_methods = estimate.size
    key = "both" if "both" in draws else next(iter(draws))
    factors = FACTORS if key == "both" else (key,)
    n_subjects, n_stimuli = sizes.get("subjects"), sizes.get("stimuli")
    R = draws[key]
    n_resamples = len(R)
    interval = "percentile" if jackknife is None else "bca"
    J = jackknife
    levels = [(R, estimate, J)]
    if pairwise:
        levels.append((_pairwise(R), _pairwise(estimate),
                       None if J is None else _pairwise(J)))
    out = []
    for level, (values, point, jack) in enumerate(levels):
        raw = {k: np.nanvar(v if level == 0 else _pairwise(v), axis=0, ddof=1)
               for k, v in draws.items()}
        if level == 0:
            variances = raw
        if len(factors) == 2 and correction:
            V = two_factor_variance(raw["both"], raw["subjects"], raw["stimuli"],
                                    n_subjects=n_subjects, n_stimuli=n_stimuli)
        elif len(factors) == 2:
            V = raw["both"]
        else:
            n = sizes[factors[0]]
            V = n / (n - 1) * raw[key]
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(raw[key] > 0, np.sqrt(V / raw[key]), 1.0)
        if jack is not None:  # BCa corrects the bootstrap's bias itself (z0)
            centred = values
            ci = bca_interval(values, point, jack, confidence_level=confidence_level,
                              scale=scale)
        else:
            # moved so that their mean is the estimate: the interval does not inherit
            # the bootstrap's own bias (a stimulus bootstrap of RDM comparisons, which
            # leaves out the pairs of a stimulus with its copies, is biased)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
                centred = values - (np.nanmean(values, axis=0) - point)
            ci = percentile_interval(centred, point, confidence_level=confidence_level,
                                     scale=scale)
        p = bootstrap_p_value(centred, point, scale=scale) if level else None
        out.append((np.sqrt(V), ci, p, point, scale))
    if pairwise:
        diff_se, diff_ci, p, differences, _ = out[1]
        np.fill_diagonal(p, np.nan)
        p_holm = np.full_like(p, np.nan)
        upper = np.triu_indices(n_methods, k=1)
        p_holm[upper] = holm(p[upper])
        p_holm.T[upper] = p_holm[upper]
    else:
        diff_se = diff_ci = p = differences = p_holm = None
    n_undefined = np.sum(np.isnan(R), axis=0)
    if n_undefined.any():
        warnings.warn(
            f"{int(n_undefined.max())} of {n_resamples} resamples gave an undefined "
            "score (e.g. fewer than 2 distinct subjects or 3 distinct stimuli drawn, or "
            "all-tied ranks); they are "
            "counted in n_undefined and left out of the standard errors and intervals.",
            UndefinedResampleWarning, stacklevel=2)
    return BootstrapResult(
        scores=estimate, standard_error=out[0][0], confidence_interval=out[0][1],
        differences=differences, difference_standard_error=diff_se,
        difference_confidence_interval=diff_ci, difference_p_values=p,
        difference_p_values_holm=p_holm, resampled=R, n_undefined=n_undefined,
        over=factors, confidence_level=confidence_level, interval=interval,
        correction=correction, names=list(range(n_methods)) if names is None else names,
        variances=variances, scale=out[0][4])
