"""Scores of target units and their aggregation: the one table of unit scores and the one
aggregator, shared by the metrics, the population analyses and ``PairwiseMapping``.

A unit's score is undefined (NaN) when the unit is constant on the scoring stimuli (or,
for Pearson r, when its prediction is); aggregates leave undefined units out, and an
aggregate with no defined unit is NaN.
"""

import warnings

import numpy as np

from ._stats import columnwise_pearson, columnwise_r2

#: Held-out score of each target unit, by name: ``f(Y_true, Y_pred) -> (n_units,)``.
UNIT_SCORES = {"r2": columnwise_r2, "pearson": columnwise_pearson}

#: Names of the aggregates of unit scores.
AGGREGATES = ("median", "mean")


def aggregate_unit_scores(scores, aggregate="median", *, sizes=None):
    """Median, mean or weighted mean of unit scores, undefined (NaN) units left out.

    Parameters
    ----------
    scores : array-like of shape (n_units,)
        One score per unit; NaN marks an undefined score.
    aggregate : {"median", "mean"} or array-like of shape (n_units,)
        The aggregate, or weights of a weighted mean (weights of undefined units are
        dropped).
    sizes : sequence of int, default=None
        Aggregate consecutive groups of ``sizes[k]`` units separately (the target
        profiles of one source, say). The groups are padded with NaN into one array so
        that a single vectorised call aggregates them all.

    Returns
    -------
    float, or ndarray of shape (len(sizes),) when ``sizes`` is given
        NaN where no unit of a group is defined.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import aggregate_unit_scores
    >>> aggregate_unit_scores([0.2, np.nan, 0.6, 0.7])
    0.6
    >>> aggregate_unit_scores([0.2, np.nan, 0.6, 0.7], "mean", sizes=[2, 2])
    array([0.2 , 0.65])
    """
    scores = np.asarray(scores, dtype=np.float64)
    weighted = not isinstance(aggregate, str)
    if not weighted and aggregate not in AGGREGATES:
        raise ValueError(f"aggregate must be one of {AGGREGATES} or weights, "
                         f"got {aggregate!r}.")
    if sizes is not None:
        if weighted:
            raise ValueError("weights cannot be combined with groups of units (sizes).")
        sizes = np.asarray(sizes, dtype=np.intp)
        if sizes.sum() != scores.size:
            raise ValueError(f"sizes add up to {sizes.sum()} units; scores has "
                             f"{scores.size}.")
        padded = np.full((len(sizes), max(int(sizes.max(initial=0)), 1)), np.nan)
        padded[np.arange(padded.shape[1]) < sizes[:, None]] = scores
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN groups give NaN
            return (np.nanmedian if aggregate == "median" else np.nanmean)(padded, axis=1)
    defined = ~np.isnan(scores)
    if not defined.any():
        return np.nan
    if weighted:
        weights = np.asarray(aggregate, dtype=np.float64)
        if weights.shape != scores.shape:
            raise ValueError(f"weights have shape {weights.shape}; expected "
                             f"{scores.shape} (one per unit).")
        return float(np.average(scores[defined], weights=weights[defined]))
    reduce = np.median if aggregate == "median" else np.mean
    return float(reduce(scores[defined]))
