"""Noise ceilings: split-half reliability of repeated responses, ceiling-normalised scores."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ..utils import AboveCeilingWarning, column_blocks


@validate_params(
    {"r": ["array-like", Real], "n": [Interval(Real, 0, None, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def spearman_brown(r, n=2):
    """Spearman–Brown prophecy: reliability of an ``n`` times longer measurement.

    ``ρ_n = n r / (1 + (n − 1) r)``. With ``n=2`` it turns the correlation between two
    halves of the repeats into the reliability of their mean, ``2r / (1 + r)``.

    Parameters
    ----------
    r : float or array-like
        Reliability (correlation) of the shorter measurement, in ``[−1, 1]``.
    n : float, default=2
        Length factor (> 0); ``n < 1`` predicts a shorter measurement.

    Returns
    -------
    rho : float or ndarray
        Same shape as ``r``. Negative values (``r < 0``) are returned as computed;
        :func:`split_half_reliability` reports those as NaN.

    References
    ----------
    Spearman (1910), Correlation calculated from faulty data; Brown (1910), Some
    experimental results in the correlation of mental abilities, *Br. J. Psychol.* 3.

    Examples
    --------
    >>> from sklearn_brainmap.metrics import spearman_brown
    >>> spearman_brown(0.5)
    0.6666666666666666
    >>> spearman_brown([0.0, 0.5, 1.0], n=3)
    array([0.  , 0.75, 1.  ])
    """
    r_arr = np.asarray(r, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = n * r_arr / (1.0 + (n - 1.0) * r_arr)
    return float(rho) if rho.ndim == 0 else rho


def _check_repeats(responses):
    R = np.asarray(responses)
    if R.dtype.kind not in "fiub":
        raise ValueError(f"responses must be numeric; got dtype {R.dtype}.")
    R = R.astype(np.float64, copy=False)
    if R.ndim != 3:
        raise ValueError("responses must have shape (n_units, n_stimuli, n_repeats); got "
                         f"{R.ndim} dimension(s), shape {R.shape}.")
    if np.isinf(R).any():
        raise ValueError("responses contain infinite values; use NaN for missing repeats.")
    if R.shape[1] < 3 or R.shape[2] < 2:
        raise ValueError("split-half reliability needs at least 3 stimuli and 2 repeats; "
                         f"got shape {R.shape} (n_units, n_stimuli, n_repeats).")
    if R.shape[2] > R.shape[1]:
        warnings.warn(
            f"responses has more repeats than stimuli (shape {R.shape} read as (n_units, "
            f"n_stimuli={R.shape[1]}, n_repeats={R.shape[2]})): are the axes swapped? "
            "The reliability is computed across the second axis; pass "
            "responses.transpose(0, 2, 1) if it holds the repeats.",
            UserWarning, stacklevel=4)  # split_half_reliability, its wrapper, the caller
    return R


def _half_means(R, valid, keys):
    """Means of two random halves of each (unit, stimulus)'s available repeats.

    Available repeats are ordered by ``keys`` (one random number per stimulus and
    repeat); the first ``m // 2`` form half A, the other ``m − m // 2`` half B (``m``
    the number available). NaN where ``m < 2``.
    """
    order = np.argsort(np.where(valid, keys, np.inf), axis=-1, kind="stable")
    Rs = np.take_along_axis(np.where(valid, R, 0.0), order, axis=-1)
    m = valid.sum(axis=-1)
    half = m // 2
    position = np.arange(R.shape[-1])
    in_a = position < half[..., None]
    in_b = ~in_a & (position < m[..., None])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_a = np.where(in_a, Rs, 0.0).sum(axis=-1) / half
        mean_b = np.where(in_b, Rs, 0.0).sum(axis=-1) / (m - half)
    undefined = half < 1
    mean_a[undefined] = np.nan
    mean_b[undefined] = np.nan
    return mean_a, mean_b


def _nan_pearson_rows(a, b):
    """Pearson r of each row of ``a`` with the same row of ``b`` over finite entries.

    NaN where fewer than 3 entries are finite or a row is constant.
    """
    ok = np.isfinite(a) & np.isfinite(b)
    count = ok.sum(axis=1)
    a = np.where(ok, a, 0.0)
    b = np.where(ok, b, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        da = np.where(ok, a - a.sum(axis=1, keepdims=True) / count[:, None], 0.0)
        db = np.where(ok, b - b.sum(axis=1, keepdims=True) / count[:, None], 0.0)
        r = np.einsum("ij,ij->i", da, db) / np.sqrt(
            np.einsum("ij,ij->i", da, da) * np.einsum("ij,ij->i", db, db))

    def flat(v):
        top = np.where(ok, v, -np.inf).max(axis=1)
        bottom = np.where(ok, v, np.inf).min(axis=1)
        return top - bottom <= 16 * np.finfo(np.float64).eps * np.abs(v).max(axis=1)

    r[(count < 3) | flat(a) | flat(b)] = np.nan
    return np.clip(r, -1.0, 1.0)


def _group_half_means(R, valid, in_a):
    """Means of the repeats in half A (``in_a``, a mask over repeats) and in the
    others; NaN where a half has no available repeat."""
    halves = []
    for mask in (in_a, ~in_a):
        keep = valid & mask
        count = keep.sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(keep, R, 0.0).sum(axis=-1) / count
        mean[count == 0] = np.nan
        halves.append(mean)
    return halves


def _check_groups(groups, n_repeats):
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != n_repeats:
        raise ValueError(f"groups must hold one label per repeat (the session or run of "
                         f"each repeat), shape ({n_repeats},); got shape {groups.shape}.")
    labels, index = np.unique(groups, return_inverse=True)
    if labels.size < 2:
        raise ValueError(f"groups holds {labels.size} distinct label(s): splitting by "
                         "group needs at least 2 (e.g. two sessions).")
    return index, labels.size


@validate_params(
    {"responses": ["array-like"], "n_splits": [Interval(Integral, 1, None, closed="left")],
     "groups": ["array-like", None], "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def split_half_reliability(responses, *, n_splits=10, groups=None, random_state=None):
    """Split-half reliability of each unit from repeated presentations, Spearman–Brown corrected.

    For each split, the available repeats of every (unit, stimulus) are divided at
    random into two halves; the half means give two response profiles across
    stimuli, whose Pearson correlation ``r`` is corrected to the full number of
    repeats by Spearman–Brown, ``2r / (1 + r)``. The reliability is the mean over
    splits. It estimates the correlation that two independent repetitions of the
    whole experiment would have: the noise ceiling of a unit.

    Parameters
    ----------
    responses : array-like of shape (n_units, n_stimuli, n_repeats)
        Single-trial responses; NaN where a repeat was not recorded (the number of
        repeats may differ between units and stimuli).
    n_splits : int, default=10
        Number of random splits averaged.
    groups : array-like of shape (n_repeats,), default=None
        The session or run of each repeat (fMRI: repeats of one run share its drift
        and its head position). Given, each split divides the *groups* at random into
        two halves (``n_groups // 2`` groups and the others), for every stimulus
        alike, so no group feeds both halves; None: the repeats of each stimulus are
        divided on their own. With two groups every split is the same.
    random_state : int, RandomState instance or None, default=None
        Seeds the splits (see Notes for how they are drawn).

    Returns
    -------
    reliability : ndarray of shape (n_units,)
        Spearman–Brown corrected split-half reliability. NaN where it is negative
        (no reliable signal: it is not extrapolated) or undefined (fewer than 3
        stimuli with at least 2 repeats, or a unit whose half means are constant
        in every split).

    Raises
    ------
    ValueError
        When ``responses`` is not numeric and three-dimensional, holds infinite
        values, or has fewer than 3 stimuli or 2 repeats.

    Warns
    -----
    UserWarning
        When ``responses`` has more repeats than stimuli, a sign that the axes are
        swapped (``(n_units, n_repeats, n_stimuli)``); the reliability is then
        computed as asked, across the second axis. Swapped units and stimuli
        (``(n_stimuli, n_units, n_repeats)``) cannot be told from the shape: check
        that ``responses.shape[0]`` is the number of units.

    Notes
    -----
    The splits are reproducible: ``keys = check_random_state(random_state)
    .random_sample((n_splits, n_stimuli, n_repeats))``; in split ``s`` the available
    repeats of a (unit, stimulus) are ordered by ``keys[s, stimulus]`` and the first
    ``m // 2`` of the ``m`` available ones form one half, the others the second half
    (one more when ``m`` is odd). Simultaneously recorded units with the same
    missing repeats are thus split the same way. Stimuli with fewer than 2 repeats
    are left out for that unit. Splits where ``r`` is undefined are left out of the
    mean. Vectorised over units (in blocks that keep temporaries near 128 MB). Each
    unit's responses are divided by a power of two near their largest magnitude
    (exact; the reliability is invariant to the scale of a unit), so that responses at
    1e-200 or 1e200 give the same reliability as at 1.

    References
    ----------
    Spearman (1910); Brown (1910) (the prophecy formula). Schrimpf et al. (2018),
    Brain-Score, *bioRxiv* 407007 (split-half noise ceilings of neural sites).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import split_half_reliability
    >>> rng = np.random.default_rng(0)
    >>> signal = rng.standard_normal((3, 100, 1))            # 3 units, 100 stimuli
    >>> trials = signal + rng.standard_normal((3, 100, 20))  # 20 noisy repeats
    >>> trials[0, :10, -5:] = np.nan                         # missing repeats
    >>> reliability = split_half_reliability(trials, random_state=0)
    >>> reliability.shape, bool(np.all(reliability > 0.9))
    ((3,), True)
    """
    R = _check_repeats(responses)
    n_units, n_stimuli, n_repeats = R.shape
    rng = check_random_state(random_state)
    if groups is None:
        keys = rng.random_sample((n_splits, n_stimuli, n_repeats))
    else:
        index, n_groups = _check_groups(groups, n_repeats)
        in_a = [np.isin(index, rng.permutation(n_groups)[:n_groups // 2])
                for _ in range(n_splits)]
    reliability = np.empty(n_units)
    for units in column_blocks(n_units, 6 * n_stimuli * n_repeats, 8):
        block = R[units]
        valid = ~np.isnan(block)
        # one power of two per unit (exact): sums and squares stay in range
        e = np.frexp(np.where(valid, np.abs(block), 0.0).max(axis=(1, 2)))[1]
        block = np.ldexp(block, -e[:, None, None])
        corrected = np.empty((n_splits, block.shape[0]))
        for s in range(n_splits):
            halves = (_half_means(block, valid, keys[s]) if groups is None
                      else _group_half_means(block, valid, in_a[s]))
            r = _nan_pearson_rows(*halves)
            corrected[s] = spearman_brown(r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN units stay NaN
            reliability[units] = np.nanmean(corrected, axis=0)
    reliability[~(reliability >= 0)] = np.nan
    return reliability


@validate_params(
    {"r": ["array-like", Real], "ceiling": ["array-like", Real]},
    prefer_skip_nested_validation=True,
)
def ceiling_normalized_score(r, ceiling):
    """Explained variance relative to the noise ceiling, ``r² / ceiling``, per unit.

    Brain-Score's current convention: a model's held-out Pearson correlation ``r``
    with a unit, squared (explained variance), divided by the unit's reliability
    (e.g. :func:`split_half_reliability`). A model that predicts the repeatable part
    of the response perfectly has ``r² ≈ reliability`` in expectation, hence a
    score ≈ 1.

    Parameters
    ----------
    r : float or array-like of shape (n_units,)
        Held-out Pearson correlation per unit (e.g.
        ``pearson_r_score(..., multioutput="raw_values")``).
    ceiling : float or array-like of shape (n_units,)
        Reliability per unit: the same shape as ``r``, or one number for every unit.

    Returns
    -------
    score : float or ndarray of shape (n_units,)
        NaN where ``ceiling`` is NaN or not positive, or ``r`` is NaN. **Not clipped**:
        values above 1 (the ceiling is itself a noisy estimate) are kept and a
        :class:`~sklearn_brainmap.utils.AboveCeilingWarning` (a ``UserWarning``)
        counts them. ``r²`` discards the sign of ``r``: check ``r`` itself for
        anti-correlated predictions.

    Raises
    ------
    ValueError
        When ``ceiling`` is an array whose shape differs from that of ``r`` (shapes
        ``(4,)`` and ``(4, 1)`` would otherwise broadcast to ``(4, 4)``).

    References
    ----------
    Schrimpf et al. (2018), Brain-Score: which artificial neural network for object
    recognition is most brain-like? *bioRxiv* 407007.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import ceiling_normalized_score
    >>> ceiling_normalized_score(np.array([0.6, 0.3, 0.5]), np.array([0.72, 0.9, np.nan]))
    array([0.5, 0.1, nan])
    """
    r_arr = np.asarray(r, dtype=np.float64)
    ceiling = np.asarray(ceiling, dtype=np.float64)
    if ceiling.ndim and ceiling.shape != r_arr.shape:
        raise ValueError(f"ceiling must have the shape of r, one ceiling per unit, or be "
                         f"one number; got r of shape {r_arr.shape} and ceiling of shape "
                         f"{ceiling.shape}. Flatten both (np.ravel) if they hold the same "
                         "units.")
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(ceiling > 0, r_arr**2 / ceiling, np.nan)
    above = np.count_nonzero(score > 1)
    if above:
        warnings.warn(f"{above} of {score.size} ceiling-normalised score(s) exceed 1 "
                      "(r² above the estimated ceiling); they are not clipped.",
                      AboveCeilingWarning, stacklevel=3)  # above the validate_params wrapper
    return float(score) if score.ndim == 0 else score
