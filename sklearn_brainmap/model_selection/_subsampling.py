"""Subsampling curves and the neuron-to-unit ratio (Sagastuy-Brena et al.)."""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.optimize import curve_fit, minimize_scalar
from sklearn.utils import Bunch
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from ..utils import AGGREGATES, UNIT_SCORES, aggregate_unit_scores, check_same_stimuli
from ._validation import cross_val_unit_scores


@validate_params(
    {"estimator": [HasMethods(["fit", "predict"])], "X": ["array-like"],
     "Y": ["array-like"], "n_units": ["array-like", None], "n_stimuli": ["array-like", None],
     "n_draws": [Interval(Integral, 1, None, closed="left")], "cv": ["cv_object"],
     "scoring": [StrOptions(set(UNIT_SCORES))],
     "aggregate": [StrOptions(set(AGGREGATES))],
     "random_state": [Interval(Integral, 0, None, closed="left"), np.random.Generator,
                      None]},
    prefer_skip_nested_validation=True,
)
def subsampling_curve(estimator, X, Y, *, n_units=None, n_stimuli=None, n_draws=5, cv=5,
                      scoring="r2", aggregate="median", random_state=None):
    """Held-out score as a function of the number of source units or training stimuli.

    For each size, ``n_draws`` random subsets are drawn: of the source's units
    (``n_units``; the same subset for every fold) or of each training fold's stimuli
    (``n_stimuli``; test folds unchanged). Each draw is scored by the cross-validated
    unit scores of ``Y``, aggregated over units. Pool the units of several subjects
    into ``X`` to draw across subjects.

    Parameters
    ----------
    estimator : regressor
    X : array-like of shape (n_stimuli, n_source_units)
    Y : array-like of shape (n_stimuli, n_target_units)
    n_units, n_stimuli : sequence of int
        The sizes; give exactly one of the two.
    n_draws : int, default=5
    cv : int, splitter or iterable, default=5
    scoring : {"r2", "pearson"}, default="r2"
    aggregate : {"median", "mean"}, default="median"
    random_state : int or None

    Returns
    -------
    curve : :class:`~sklearn.utils.Bunch`
        ``sizes`` (n_sizes,), ``scores`` (n_sizes, n_draws), ``mean`` and ``std`` over
        draws, and ``kind`` ("units" or "stimuli").

    References
    ----------
    Sagastuy-Brena, Thobani et al., *Modelling inter-animal variability*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import subsampling_curve
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((150, 40))
    >>> Y = X @ rng.standard_normal((40, 5)) + rng.standard_normal((150, 5))
    >>> curve = subsampling_curve(Ridge(cv=None), X, Y, n_units=[5, 20, 40], n_draws=3,
    ...                           random_state=0)
    >>> bool(np.all(np.diff(curve.mean) > 0))
    True
    """
    if (n_units is None) == (n_stimuli is None):
        raise ValueError("Give exactly one of n_units and n_stimuli.")
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    Y = check_array(Y, dtype=[np.float64, np.float32], input_name="Y")
    check_same_stimuli(X, Y)
    kind = "units" if n_units is not None else "stimuli"
    sizes = np.asarray(n_units if n_units is not None else n_stimuli, dtype=int)
    if sizes.ndim != 1 or sizes.size == 0 or sizes.min() < 1:
        raise ValueError(f"sizes must be a non-empty sequence of positive ints, got {sizes}.")
    if kind == "units" and sizes.max() > X.shape[1]:
        raise ValueError(f"n_units up to {sizes.max()} but X has {X.shape[1]} units.")
    rng = np.random.default_rng(random_state)
    scores = np.empty((sizes.size, n_draws))
    for i, size in enumerate(sizes):
        for d in range(n_draws):
            if kind == "units":
                cols = np.sort(rng.choice(X.shape[1], size, replace=False))
                unit = cross_val_unit_scores(estimator, X[:, cols], Y, cv=cv,
                                             scoring=scoring)
            else:
                unit = cross_val_unit_scores(estimator, X, Y, cv=cv, scoring=scoring,
                                             train_size=int(size),
                                             random_state=rng.integers(2**32))
            scores[i, d] = aggregate_unit_scores(unit, aggregate)
    return Bunch(sizes=sizes, scores=scores, mean=scores.mean(axis=1),
                 std=scores.std(axis=1), kind=kind)


def _arctan(m, L, k, b):
    return L * np.arctan(k * m) + b


def _log(n, a, k, b):
    return a * np.log1p(k * n) + b


_CURVES = {"arctan": _arctan, "log": _log}


@dataclass
class CurveFit:
    """A fitted subsampling curve; call it on sizes to evaluate it.

    ``kind="arctan"``: ``f(m) = L·arctan(k·m) + b`` (saturating, for model units);
    ``kind="log"``: ``g(n) = a·log(1 + k·n) + b`` (for animal neurons).

    Examples
    --------
    >>> from sklearn_brainmap.model_selection import CurveFit
    >>> curve = CurveFit("log", (0.1, 1.0, 0.0))
    >>> float(round(curve(0.0), 6)), float(round(curve(1.0), 4))
    (0.0, 0.0693)
    """

    kind: str
    params: tuple

    def __call__(self, sizes):
        return _CURVES[self.kind](np.asarray(sizes, dtype=float), *self.params)


@validate_params(
    {"sizes": ["array-like"], "scores": ["array-like"],
     "kind": [StrOptions({"arctan", "log"})]},
    prefer_skip_nested_validation=True,
)
def fit_subsampling_curve(sizes, scores, *, kind="arctan"):
    """Fit ``f(m) = L·arctan(k·m) + b`` or ``g(n) = a·log(1 + k·n) + b`` to a curve.

    Parameters
    ----------
    sizes : array-like of shape (n_sizes,)
    scores : array-like of shape (n_sizes,) or (n_sizes, n_draws)
        Draws are averaged.
    kind : {"arctan", "log"}, default="arctan"

    Returns
    -------
    CurveFit

    Notes
    -----
    Sagastuy-Brena et al. write the animal curve as ``log(k·n) + b``, in which ``k``
    and ``b`` cannot be told apart (``log k + b`` is one constant) and which diverges
    at ``n = 0``; we fit ``a·log(1 + k·n) + b``, finite at 0 and identifiable, which
    has the same logarithmic growth for ``k·n ≫ 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import fit_subsampling_curve
    >>> m = np.array([5, 10, 20, 50, 100, 200, 500])
    >>> fit = fit_subsampling_curve(m, 0.4 * np.arctan(0.02 * m) + 0.1)
    >>> np.round(fit.params, 3)
    array([0.4 , 0.02, 0.1 ])
    """
    sizes = np.asarray(sizes, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 2:
        scores = scores.mean(axis=1)
    if sizes.ndim != 1 or sizes.shape != scores.shape or np.unique(sizes).size < 3:
        raise ValueError(f"Need at least 3 distinct sizes, with one score (or row of "
                         f"draws) each; got sizes of shape {sizes.shape} and scores of "
                         f"shape {np.shape(scores)}.")
    if not (np.isfinite(sizes).all() and sizes.min() > 0):
        raise ValueError("sizes must be finite and positive (numbers of units or "
                         "stimuli).")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite: a curve cannot be fitted through NaN "
                         "(undefined) or infinite scores; drop those sizes first.")
    span = max(np.ptp(scores), 1e-12)
    k0 = 1.0 / np.median(sizes)
    p0 = (span / (np.pi / 2), k0, scores.min()) if kind == "arctan" else \
        (span / np.log1p(k0 * sizes.max()), k0, scores.min())
    params, _ = curve_fit(_CURVES[kind], sizes, scores, p0=p0,
                          bounds=([-np.inf, 1e-12, -np.inf], np.inf), maxfev=20000)
    return CurveFit(kind, tuple(float(p) for p in params))


@validate_params(
    {"model_curve": [callable], "animal_curve": [callable],
     "n_max": [Interval(Real, 0, None, closed="neither")], "bounds": [tuple]},
    prefer_skip_nested_validation=True,
)
def neuron_to_unit_ratio(model_curve, animal_curve, n_max, *, bounds=(1e-3, 1e3)):
    """The neuron-to-unit ratio α*: how many model units one recorded neuron is worth.

    ``α* = argmin_α ∫_0^N (f(n/α) − g(n))² dn``, with ``f`` the model's curve (score
    against number of model units) and ``g`` the animals' (score against number of
    neurons), over the recorded range ``[0, N]``. The integral is evaluated on 2,001
    points (trapezoid rule) and minimised over ``log α``: a grid over ``bounds``, then a
    bounded scalar search around the best grid point.

    Parameters
    ----------
    model_curve, animal_curve : callable
        E.g. :class:`CurveFit` objects from :func:`fit_subsampling_curve`.
    n_max : float
        ``N``, the largest number of neurons the comparison covers.
    bounds : (float, float), default=(1e-3, 1e3)
        Search range of α.

    Returns
    -------
    alpha : float

    References
    ----------
    Sagastuy-Brena, Thobani et al., *Modelling inter-animal variability*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import CurveFit, neuron_to_unit_ratio
    >>> f = CurveFit("arctan", (0.4, 0.01, 0.05))
    >>> g = lambda n: f(np.asarray(n) / 0.25)   # one neuron is worth 4 units
    >>> round(neuron_to_unit_ratio(f, g, n_max=300), 4)
    0.25
    """
    n = np.linspace(0.0, float(n_max), 2001)
    target = np.asarray(animal_curve(n), dtype=float)

    def loss(log_alpha):
        diff = np.asarray(model_curve(n / np.exp(log_alpha)), dtype=float) - target
        return np.trapezoid(diff**2, n)

    grid = np.linspace(np.log(bounds[0]), np.log(bounds[1]), 241)
    values = [loss(g) for g in grid]
    best = int(np.argmin(values))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    found = minimize_scalar(loss, bounds=(lo, hi), method="bounded",
                            options={"xatol": 1e-10})
    return float(np.exp(found.x))
