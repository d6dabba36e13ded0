"""Held-out predictions of a real multi-animal population: every unit predicted from
the N−1 pooled other subjects by transform class, from each source area, and from
each layer of a model.

Each ``*_predictions`` function fits its mappings once, per cross-validation fold, and
returns a :class:`HeldOutPredictions` that keeps the held-out prediction of every unit
for every stimulus, so that scores per subject, area and stimulus subset (and their
resamples) are computed from it without refitting.
"""

import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, validate_params
from sklearn.utils.validation import check_array

from ..utils import ConstantUnitWarning, check_folds, check_same_stimuli
from ._held_out import HeldOutPredictions
from ._pairwise import targets_separable
from ._profiles import check_profile_labels

_N_JOBS = [Interval(Integral, None, -1, closed="right"),
           Interval(Integral, 1, None, closed="left"), None]


def _check_population(X, subjects, areas, reliability):
    X = check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=3,
                    input_name="X")
    subjects, areas = check_profile_labels(subjects, areas, X.shape[1])
    if reliability is not None:
        reliability = np.asarray(reliability, dtype=np.float64)
        if reliability.shape != (X.shape[1],):
            raise ValueError(f"reliability must have one value per unit ({X.shape[1]}), "
                             f"got shape {reliability.shape}.")
    return X, subjects, areas, reliability


def _held_out_block(estimator, X, Y, folds):
    """Out-of-fold predictions of ``Y`` (n_stimuli, n_targets) from ``X``."""
    out = np.empty(Y.shape)
    for train, test in folds:
        with warnings.catch_warnings():
            # a unit constant on a training fold is predicted by its mean: its held-out
            # score is then undefined (NaN in unit_scores), counted where it is reported
            warnings.simplefilter("ignore", ConstantUnitWarning)
            model = clone(estimator).fit(X[train], Y[train])
        out[test] = np.reshape(model.predict(X[test]), (len(test), -1))
    return out


def _run(tasks, X, Y, folds, n_jobs, shape):
    """Run ``(key, estimator, source_columns, target_columns)`` tasks; gather the
    predictions into ``{key: (n_stimuli, n_units)}`` (NaN where not predicted)."""
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_held_out_block)(est, X[:, src], Y[:, tgt], folds)
        for _, est, src, tgt in tasks)
    predictions = {}
    for (key, _, _, tgt), block in zip(tasks, outputs):
        predictions.setdefault(key, np.full(shape, np.nan))[:, tgt] = block
    return predictions


def _fold_ids(folds, n):
    ids = np.full(n, -1)
    for k, (_, test) in enumerate(folds):
        ids[test] = k
    return ids


_POOLED = {"X": ["array-like"], "subjects": ["array-like"], "areas": ["array-like"],
           "cv": ["cv_object"], "reliability": ["array-like", None], "n_jobs": _N_JOBS}


@validate_params({"estimators": [dict], **_POOLED}, prefer_skip_nested_validation=True)
def pooled_predictions(estimators, X, subjects, areas, *, cv=5, reliability=None,
                       n_jobs=None):
    """Held-out predictions of every unit from the pooled other subjects (N−1 pooling).

    For each transform class and each profile (subject ``k``, area ``a``), the source
    is the concatenated units of area ``a`` in every other subject; each fold of
    ``cv`` (over stimuli) fits the class on the training stimuli and predicts subject
    ``k``'s units on the test stimuli. The same-area predictivity of a class is then
    ``result.score(name)``: the mean over profiles of the median unit Pearson r
    (Thobani et al.'s real-data check), ``normalized=True`` for ``r² / reliability``.

    Parameters
    ----------
    estimators : dict of {str: regressor}
        The transform classes, each cloned for every fit.
    X : array-like of shape (n_stimuli, n_units)
        The responses (e.g. square-root trial-averaged rates).
    subjects, areas : array-like of shape (n_units,)
    cv : int, splitter or iterable, default=5
        Folds over stimuli (an int is an unshuffled K-fold); the same for every class.
    reliability : array-like of shape (n_units,), default=None
        Each unit's noise ceiling (e.g.
        :func:`~sklearn_brainmap.metrics.split_half_reliability`), kept for the
        ceiling-normalised scores.
    n_jobs : int, default=None
        Parallel fits (one task per class and target profile), joblib.

    Returns
    -------
    result : HeldOutPredictions
        Keys are the names of ``estimators``; units of an area recorded in one
        subject only have no source and stay NaN.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods* (pooling N−1 subjects as the source).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import OneToOne, Ridge
    >>> from sklearn_brainmap.model_selection import pooled_predictions
    >>> rng = np.random.default_rng(0)
    >>> latent = rng.standard_normal((60, 3))
    >>> X = np.hstack([latent @ rng.standard_normal((3, 4)) for _ in range(3)])
    >>> X += 0.1 * rng.standard_normal(X.shape)
    >>> result = pooled_predictions({"Ridge": Ridge(), "OneToOne": OneToOne()}, X,
    ...                             np.repeat([0, 1, 2], 4), np.repeat(["V1"], 12))
    >>> bool(result.score("Ridge") > result.score("OneToOne") > 0.5)
    True
    """
    if not estimators:
        raise ValueError("estimators is empty: give at least one transform class, e.g. "
                         "{'Ridge': Ridge()}.")
    X, subjects, areas, reliability = _check_population(X, subjects, areas, reliability)
    folds = check_folds(cv, X)
    tasks = []
    for name, estimator in estimators.items():
        for area in dict.fromkeys(areas.tolist()):
            for subject in dict.fromkeys(subjects[areas == area].tolist()):
                source = np.flatnonzero((areas == area) & (subjects != subject))
                if source.size:
                    target = np.flatnonzero((areas == area) & (subjects == subject))
                    tasks.append((name, estimator, source, target))
    if not tasks:
        raise ValueError("No area is recorded in more than one subject: nothing to pool.")
    predictions = _run(tasks, X, X, folds, n_jobs, X.shape)
    return HeldOutPredictions(X, predictions, _fold_ids(folds, len(X)), subjects, areas,
                              reliability)


def _separable(estimator, what):
    if not targets_separable(estimator):
        raise ValueError(f"{what} fits every target unit at once and needs a transform "
                         "class that fits targets independently (Ridge, OneToOne, the "
                         f"GLMs), got {type(estimator).__name__}.")


@validate_params({"estimator": [HasMethods(["fit", "predict"])], **_POOLED},
                 prefer_skip_nested_validation=True)
def pooled_area_predictions(estimator, X, subjects, areas, *, cv=5, reliability=None,
                            n_jobs=None):
    """Held-out predictions of every unit from each area of the other subjects.

    For each source area ``b`` and subject ``k``, the source is the pooled units of
    area ``b`` in every subject but ``k``, and the targets are all of ``k``'s units:
    ``result.key_area_matrix()`` is then the area × area matrix ``S[b, a]`` of pooled
    predictivity (source area ``b`` → target area ``a``); its diagonal is the
    same-area predictivity of :func:`pooled_predictions`.

    Parameters
    ----------
    estimator : regressor
        A class that fits targets independently (see :func:`targets_separable`).
    X, subjects, areas, cv, reliability, n_jobs :
        As in :func:`pooled_predictions`.

    Returns
    -------
    result : HeldOutPredictions
        Keys are the source areas.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import pooled_area_predictions
    >>> rng = np.random.default_rng(0)
    >>> latent = {a: rng.standard_normal((60, 3)) for a in ("V1", "V4")}
    >>> X = np.hstack([latent[a] @ rng.standard_normal((3, 4)) for s in range(3)
    ...                for a in ("V1", "V4")]) + 0.1 * rng.standard_normal((60, 24))
    >>> result = pooled_area_predictions(Ridge(), X, np.repeat([0, 1, 2], 8),
    ...                                  np.tile(np.repeat(["V1", "V4"], 4), 3))
    >>> keys, targets, S = result.key_area_matrix()
    >>> bool(S[0, 0] > S[0, 1] and S[1, 1] > S[1, 0])
    True
    """
    _separable(estimator, "pooled_area_predictions")
    X, subjects, areas, reliability = _check_population(X, subjects, areas, reliability)
    folds = check_folds(cv, X)
    tasks = []
    for source_area in dict.fromkeys(areas.tolist()):
        for subject in dict.fromkeys(subjects.tolist()):
            source = np.flatnonzero((areas == source_area) & (subjects != subject))
            if source.size:
                tasks.append((source_area, estimator, source,
                              np.flatnonzero(subjects == subject)))
    predictions = _run(tasks, X, X, folds, n_jobs, X.shape)
    return HeldOutPredictions(X, predictions, _fold_ids(folds, len(X)), subjects, areas,
                              reliability)


@validate_params(
    {"estimator": [HasMethods(["fit", "predict"])], "model": ["array-like"],
     "layers": ["array-like"], "brain": ["array-like"], "subjects": ["array-like"],
     "areas": ["array-like"], "cv": ["cv_object"], "reliability": ["array-like", None],
     "n_jobs": _N_JOBS},
    prefer_skip_nested_validation=True,
)
def layer_area_predictions(estimator, model, layers, brain, subjects, areas, *, cv=5,
                           reliability=None, n_jobs=None):
    """Held-out predictions of every recorded unit from each layer of a model.

    For each layer, the model's units of that layer (pooled over the model's
    instances, e.g. networks trained from several seeds, as the brain's units are
    pooled over animals) predict every recorded unit; ``result.key_area_matrix()`` is
    the layer × area matrix of the mean over (subject, area) profiles of median unit
    Pearson r: which layer predicts which area best.

    Parameters
    ----------
    estimator : regressor
        A class that fits targets independently (Ridge by default in the papers).
    model : array-like of shape (n_stimuli, n_model_units)
        The model's responses to the stimuli the animals saw.
    layers : array-like of shape (n_model_units,)
        The layer of each model unit.
    brain : array-like of shape (n_stimuli, n_units)
    subjects, areas : array-like of shape (n_units,)
        The subject and area of each recorded unit.
    cv, reliability, n_jobs :
        As in :func:`pooled_predictions`.

    Returns
    -------
    result : HeldOutPredictions
        Keys are the layers, in order of first appearance.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import layer_area_predictions
    >>> rng = np.random.default_rng(0)
    >>> early, late = rng.standard_normal((80, 5)), rng.standard_normal((80, 5))
    >>> brain = np.hstack([early @ rng.standard_normal((5, 6)),
    ...                    late @ rng.standard_normal((5, 6))])
    >>> result = layer_area_predictions(
    ...     Ridge(), np.hstack([early, late]), np.repeat(["conv1", "conv2"], 5), brain,
    ...     np.tile(np.repeat([0, 1], 3), 2), np.repeat(["V1", "V4"], 6))
    >>> keys, targets, M = result.key_area_matrix()
    >>> keys, targets, bool(M[0, 0] > M[1, 0] and M[1, 1] > M[0, 1])
    (['conv1', 'conv2'], ['V1', 'V4'], True)
    """
    _separable(estimator, "layer_area_predictions")
    model = check_array(model, dtype=[np.float64, np.float32], input_name="model")
    brain, subjects, areas, reliability = _check_population(brain, subjects, areas,
                                                            reliability)
    check_same_stimuli(model, brain, ("model", "brain"))
    layers = np.asarray(layers)
    if layers.shape != (model.shape[1],):
        raise ValueError(f"layers must have one label per model unit ({model.shape[1]}), "
                         f"got shape {layers.shape}.")
    folds = check_folds(cv, brain)
    everyone = np.arange(brain.shape[1])
    tasks = [(layer, estimator, np.flatnonzero(layers == layer), everyone)
             for layer in dict.fromkeys(layers.tolist())]
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_held_out_block)(est, model[:, src], brain, folds)
        for _, est, src, _ in tasks)
    predictions = {key: block for (key, *_), block in zip(tasks, outputs)}
    return HeldOutPredictions(brain, predictions, _fold_ids(folds, len(brain)), subjects,
                              areas, reliability)
