"""Resampling weights, and scores of held-out predictions recomputed from them.

A resample is a row of counts: how many times each unit (stimulus or subject) was
drawn. A statistic that is a function of weighted sums over units is then recomputed
for all resamples at once by a matrix product of the counts with per-unit
contributions computed once — nothing is refitted.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

#: Per-stimulus sufficient statistics of :func:`column_score_statistics`, in order.
STATISTICS = ("1", "y", "y_pred", "y^2", "y_pred^2", "y*y_pred", "(y-y_pred)^2")


@validate_params(
    {"n_units": [Interval(Integral, 1, None, closed="left")],
     "n_resamples": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def bootstrap_counts(n_units, n_resamples, *, random_state=None):
    """Bootstrap resamples as counts: ``(n_resamples, n_units)``, each row multinomial
    with ``n_units`` draws of equal probability (a draw of ``n_units`` units with
    replacement, as :func:`numpy.random.Generator.integers` indices would give).

    Parameters
    ----------
    n_units : int
    n_resamples : int
    random_state : int, RandomState instance or None

    Returns
    -------
    counts : ndarray of shape (n_resamples, n_units), float64
        Each row sums to ``n_units``.

    Examples
    --------
    >>> from sklearn_brainmap.inference import bootstrap_counts
    >>> bootstrap_counts(5, 3, random_state=0).sum(axis=1)
    array([5., 5., 5.])
    """
    rng = check_random_state(random_state)
    draws = rng.randint(0, n_units, size=(n_resamples, n_units))
    counts = np.zeros((n_resamples, n_units))
    np.add.at(counts, (np.arange(n_resamples)[:, None], draws), 1.0)
    return counts


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def column_score_statistics(y_true, y_pred):
    """Per-stimulus sufficient statistics of held-out predictions, for R² and
    Pearson r of any reweighting of the stimuli.

    For each stimulus ``i`` and target ``t``: ``1, y, ŷ, y², ŷ², y ŷ, (y − ŷ)²``
    (``STATISTICS``). A resample with stimulus weights ``w`` has, per target,
    ``S = w @ statistics`` and

    - ``R² = 1 − S[(y−ŷ)²] / (S[y²] − S[y]² / S[1])``,
    - ``r = (S[yŷ] − S[y] S[ŷ] / S[1]) / sqrt((S[y²] − S[y]²/S[1]) (S[ŷ²] − S[ŷ]²/S[1]))``,

    the scores of the resampled held-out predictions (:func:`resampled_column_scores`).
    ``y`` and ``ŷ`` are each centred by their mean first (R² reads only ``(y − ŷ)²``,
    computed before, and the sums of ``y``; r is invariant to either shift), so that
    the differences of sums lose little to cancellation.

    Parameters
    ----------
    y_true : array-like of shape (n_stimuli, n_targets)
    y_pred : array-like of shape (n_stimuli, n_targets)
        Held-out (cross-validated) predictions of ``y_true``.

    Returns
    -------
    statistics : ndarray of shape (n_stimuli, 7, n_targets)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inference import (column_score_statistics,
    ...                                         resampled_column_scores)
    >>> from sklearn.metrics import r2_score
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal((20, 3)); y_pred = y + rng.standard_normal((20, 3))
    >>> stats = column_score_statistics(y, y_pred)
    >>> full = resampled_column_scores(stats, np.ones((1, 20)))
    >>> bool(np.allclose(full[0], r2_score(y, y_pred, multioutput="raw_values")))
    True
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    if y.shape != p.shape or y.ndim != 2:
        raise ValueError(f"y_true and y_pred must have the same 2-D shape; got {y.shape} "
                         f"and {p.shape}.")
    if not (np.isfinite(y).all() and np.isfinite(p).all()):
        raise ValueError("y_true and y_pred must not contain NaN or infinite values.")
    residual = (y - p) ** 2
    # R² and r do not change when y is shifted (R²: with ŷ) and r when ŷ is shifted
    # alone: each is centred by its own mean, so sums of squares lose little to
    # cancellation when a column's spread is small beside its mean
    y = y - y.mean(axis=0)
    p = p - p.mean(axis=0)
    return np.stack([np.ones_like(y), y, p, y * y, p * p, y * p, residual], axis=1)


@validate_params(
    {"statistics": [np.ndarray], "weights": ["array-like"],
     "score": [StrOptions({"r2", "pearson"})]},
    prefer_skip_nested_validation=True,
)
def resampled_column_scores(statistics, weights, *, score="r2"):
    """R² or Pearson r of every target under every stimulus reweighting.

    Parameters
    ----------
    statistics : ndarray of shape (n_stimuli, 7, n_targets)
        From :func:`column_score_statistics`.
    weights : array-like of shape (n_resamples, n_stimuli)
        Counts of a stimulus bootstrap (:func:`bootstrap_counts`), or any
        non-negative weights.
    score : {"r2", "pearson"}, default="r2"

    Returns
    -------
    scores : ndarray of shape (n_resamples, n_targets)
        NaN where a target is constant over the resampled stimuli (undefined score).
    """
    weights = np.asarray(weights, dtype=np.float64)
    n, _, t = statistics.shape
    # only the statistics the score reads enter the product (R²: 3 of the 7), which
    # is most of the cost of a resample: (n_resamples × n_stimuli) @ (n_stimuli × 3t)
    used = [1, 3, 6] if score == "r2" else [1, 2, 3, 4, 5]
    sums = (weights @ statistics[:, used].reshape(n, len(used) * t)).reshape(
        len(weights), len(used), t)
    S = dict(zip(used, np.moveaxis(sums, 1, 0)))
    total = weights @ statistics[:, 0, :1]  # (n_resamples, 1): the weight of each
    with np.errstate(invalid="ignore", divide="ignore"):
        ss_y = S[3] - S[1] ** 2 / total
        # a constant target: its sum of squares is rounding error
        ss_y[~(ss_y > 1e-12 * S[3])] = np.nan
        if score == "r2":
            return 1.0 - S[6] / ss_y
        ss_p = S[4] - S[2] ** 2 / total
        ss_p[~(ss_p > 1e-12 * S[4])] = np.nan
        return (S[5] - S[1] * S[2] / total) / np.sqrt(ss_y * ss_p)
