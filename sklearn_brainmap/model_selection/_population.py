"""Population helpers: pooled N−1 sources, cross-animal ceilings, model↔brain scores."""

import itertools
from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_array

from ..utils import AGGREGATES, UNIT_SCORES, aggregate_unit_scores, check_same_stimuli
from ..utils._array_api import check_namespace_support
from ._population_bootstrap import (
    aggregate_under,
    area_bootstrap,
    held_out_statistics,
    stimulus_bootstrap,
)
from ._profiles import check_profile_labels
from ._validation import cross_val_unit_scores

#: Parameters of the bootstrap intervals of the population helpers.
_BOOTSTRAP_PARAMETERS = {
    "n_bootstraps": [Interval(Integral, 0, None, closed="left")],
    "confidence_level": [Interval(Real, 0, 1, closed="neither")],
    "random_state": ["random_state"],
}


#: Parameters of the pooled (N−1) analyses.
_POOLED_PARAMETERS = {
    "estimator": [HasMethods(["fit", "predict"])], "X": ["array-like"],
    "subjects": ["array-like"], "areas": ["array-like"], "cv": ["cv_object"],
    "scoring": [StrOptions(set(UNIT_SCORES))], "aggregate": [StrOptions(set(AGGREGATES))],
}


@validate_params({**_POOLED_PARAMETERS, **_BOOTSTRAP_PARAMETERS},
                 prefer_skip_nested_validation=True)
def pooled_source_scores(estimator, X, subjects, areas, *, cv=5, scoring="r2",
                         aggregate="median", n_bootstraps=0, confidence_level=0.95,
                         random_state=None):
    """Score each subject's area from the pooled units of all other subjects (N−1 pooling).

    With few neurons per subject (real recordings), the source for subject ``k`` in
    area ``a`` is the concatenation of the units of area ``a`` of every other subject;
    the mapping predicts subject ``k``'s units on held-out stimuli.

    Parameters
    ----------
    estimator : regressor
        The transform class (a clone is fitted per fold and per target profile).
    X : array-like of shape (n_stimuli, n_units_total)
    subjects, areas : array-like of shape (n_units_total,)
    cv : int, splitter or iterable, default=5
    scoring : {"r2", "pearson"}, default="r2"
    aggregate : {"median", "mean"}, default="median"
    n_bootstraps : int, default=0
        ``> 0``: bootstrap intervals from the held-out predictions (nothing refitted;
        :doc:`/user_guide/inference`): each profile's over stimuli, and each area's
        mean over subjects and stimuli (two factors, corrected; a resampled subject
        keeps the pooled source of the original study).
    confidence_level : float in (0, 1), default=0.95
    random_state : int, RandomState instance or None

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``profiles``: list of (subject, area) with at least one other subject.
        - ``scores``: ndarray (n_profiles,), the aggregated unit scores of each profile.
        - ``unit_scores``: ndarray (n_units_total,), the cross-validated score of each
          unit (NaN for units of areas recorded in a single subject, and for
          undefined scores).
        - with ``n_bootstraps``: ``confidence_interval`` (2, n_profiles),
          ``areas``, ``area_scores``, ``area_confidence_interval`` (2, n_areas), and
          ``bootstrap`` (the areas' :class:`~sklearn_brainmap.inference.BootstrapResult`,
          with their paired differences).

    References
    ----------
    Thobani et al., *Predictivity and specificity for model-brain alignment methods*
    (pooling N−1 subjects as the source).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import pooled_source_scores
    >>> rng = np.random.default_rng(0)
    >>> latent = rng.standard_normal((100, 3))
    >>> X = np.hstack([latent @ rng.standard_normal((3, 5)) for _ in range(3)])
    >>> result = pooled_source_scores(Ridge(cv=None), X, np.repeat([0, 1, 2], 5),
    ...                               np.repeat(["V1"] * 3, 5))
    >>> np.round(result.scores, 3)
    array([1., 1., 1.])
    """
    X = check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
    subjects, areas = check_profile_labels(subjects, areas, X.shape[1])
    unit_scores = np.full(X.shape[1], np.nan)
    profiles, scores, profile_folds = [], [], []
    for area in dict.fromkeys(areas.tolist()):
        in_area = areas == area
        for subject in dict.fromkeys(subjects[in_area].tolist()):
            target = in_area & (subjects == subject)
            source = in_area & (subjects != subject)
            if not source.any():
                continue
            if n_bootstraps:  # held-out predictions kept for the resamples
                profile_folds.append(held_out_statistics(estimator, X[:, source],
                                                         X[:, target], cv))
            unit_scores[target] = cross_val_unit_scores(
                estimator, X[:, source], X[:, target], cv=cv, scoring=scoring)
            profiles.append((subject, area))
            scores.append(aggregate_unit_scores(unit_scores[target], aggregate))
    if not profiles:
        raise ValueError("No area is recorded in more than one subject: nothing to pool.")
    result = Bunch(profiles=profiles, scores=np.array(scores), unit_scores=unit_scores)
    if n_bootstraps:
        per_profile, per_area = area_bootstrap(
            profile_folds, profiles, X.shape[0], scoring, aggregate,
            n_bootstraps=n_bootstraps, random_state=random_state,
            confidence_level=confidence_level)
        result.update(confidence_interval=per_profile.confidence_interval,
                      areas=per_area.names, area_scores=per_area.scores,
                      area_confidence_interval=per_area.confidence_interval,
                      bootstrap=per_area)
    return result


@validate_params(_POOLED_PARAMETERS, prefer_skip_nested_validation=True)
def cross_animal_ceiling(estimator, X, subjects, areas, *, cv=5, scoring="r2",
                         aggregate="median"):
    """The same-area inter-subject score of each area under a transform class.

    How well one animal's area is predicted from the pooled other animals (see
    :func:`pooled_source_scores`), averaged over subjects: the ceiling a model of
    that area can be expected to reach under the same transform class.

    Returns
    -------
    ceiling : dict
        ``{area: mean over subjects of the pooled score}``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import cross_animal_ceiling
    >>> rng = np.random.default_rng(0)
    >>> latent = rng.standard_normal((100, 3))
    >>> X = np.hstack([latent @ rng.standard_normal((3, 5)) for _ in range(2)])
    >>> ceiling = cross_animal_ceiling(Ridge(cv=None), X, np.repeat([0, 1], 5),
    ...                                np.repeat(["IT", "IT"], 5))
    >>> round(ceiling["IT"], 3)
    1.0
    """
    pooled = pooled_source_scores(estimator, X, subjects, areas, cv=cv, scoring=scoring,
                                  aggregate=aggregate)
    out = {}
    for (_, area), score in zip(pooled.profiles, pooled.scores):
        out.setdefault(area, []).append(score)
    return {area: float(np.nanmean(values)) for area, values in out.items()}


@validate_params(
    {"estimator": [HasMethods(["fit", "predict"])], "model": ["array-like"],
     "brain": ["array-like"], "cv": ["cv_object"],
     "scoring": [StrOptions(set(UNIT_SCORES))],
     "aggregate": [StrOptions(set(AGGREGATES))], "return_unit_scores": ["boolean"],
     **_BOOTSTRAP_PARAMETERS},
    prefer_skip_nested_validation=True,
)
def model_brain_scores(estimator, model, brain, *, cv=5, scoring="r2",
                       aggregate="median", return_unit_scores=False, n_bootstraps=0,
                       confidence_level=0.95, random_state=None):
    """Cross-validated mapping scores in both directions between a model and a brain area.

    ``model → brain`` predicts the recorded units from the model's units; ``brain →
    model`` predicts the model's units from the recordings. Flexible transform classes
    detect response patterns that exist only in the model only in the second direction
    (Thobani et al.), so both are reported, with their mean.

    Parameters
    ----------
    estimator : regressor
    model : array-like of shape (n_stimuli, n_model_units)
    brain : array-like of shape (n_stimuli, n_neurons)
    cv, scoring, aggregate :
        As in :func:`pooled_source_scores`.
    return_unit_scores : bool, default=False
        Also return the cross-validated score of every unit (e.g. to normalise the
        brain's units by their noise ceilings).
    n_bootstraps : int, default=0
        ``> 0``: intervals over stimuli from the held-out predictions (nothing
        refitted; the three scores on the same resamples).
    confidence_level : float in (0, 1), default=0.95
    random_state : int, RandomState instance or None

    Returns
    -------
    scores : dict
        ``{"model_to_brain": float, "brain_to_model": float, "both": float}``; with
        ``return_unit_scores=True`` also ``"model_to_brain_units"`` (n_neurons,) and
        ``"brain_to_model_units"`` (n_model_units,); with ``n_bootstraps``,
        ``"model_to_brain_ci"``, ``"brain_to_model_ci"``, ``"both_ci"`` (low, high)
        and ``"bootstrap"`` (a :class:`~sklearn_brainmap.inference.BootstrapResult`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import model_brain_scores
    >>> rng = np.random.default_rng(0)
    >>> brain = rng.standard_normal((120, 4))
    >>> model = np.hstack([brain, rng.standard_normal((120, 4))])  # extra model units
    >>> s = model_brain_scores(Ridge(cv=None), model, brain)
    >>> bool(s["model_to_brain"] > 0.9 and s["brain_to_model"] < 0.5)
    True
    """
    check_namespace_support("model_brain_scores", model, brain)
    model = check_array(model, dtype=[np.float64, np.float32], input_name="model")
    brain = check_array(brain, dtype=[np.float64, np.float32], input_name="brain")
    check_same_stimuli(model, brain, ("model", "brain"))
    forward = cross_val_unit_scores(estimator, model, brain, cv=cv, scoring=scoring)
    backward = cross_val_unit_scores(estimator, brain, model, cv=cv, scoring=scoring)
    scores = {"model_to_brain": aggregate_unit_scores(forward, aggregate),
              "brain_to_model": aggregate_unit_scores(backward, aggregate)}
    scores["both"] = (scores["model_to_brain"] + scores["brain_to_model"]) / 2
    if return_unit_scores:
        scores.update(model_to_brain_units=forward, brain_to_model_units=backward)
    if n_bootstraps:
        folds = [held_out_statistics(estimator, model, brain, cv),
                 held_out_statistics(estimator, brain, model, cv)]

        def columns(W):
            m2b, b2m = (aggregate_under(f, W, scoring, aggregate) for f in folds)
            return np.column_stack([m2b, b2m, (m2b + b2m) / 2])

        names = ["model_to_brain", "brain_to_model", "both"]
        result = stimulus_bootstrap(
            [scores[n] for n in names], columns, len(model), n_bootstraps=n_bootstraps,
            random_state=random_state, confidence_level=confidence_level, names=names)
        for k, name in enumerate(names):
            scores[f"{name}_ci"] = tuple(result.confidence_interval[:, k].tolist())
        scores["bootstrap"] = result
    return scores


@validate_params(
    {"scores": ["array-like", dict]},
    prefer_skip_nested_validation=True,
)
def model_separability(scores):
    """How well a brain area's scores tell candidate models apart.

    The mean absolute difference between the scores of every pair of candidate models,
    ``(2 / (M(M − 1))) Σ_{m < m'} |s_m − s_m'|`` (Thobani et al.): zero when a
    comparison method scores all candidates alike.

    Parameters
    ----------
    scores : array-like of shape (n_models,) or dict
        One score per candidate model (e.g. a value of :func:`model_brain_scores`).

    Returns
    -------
    float

    Examples
    --------
    >>> from sklearn_brainmap.model_selection import model_separability
    >>> round(model_separability({"resnet": 0.6, "alexnet": 0.5, "vgg": 0.3}), 6)
    0.2
    """
    values = np.asarray(list(scores.values()) if isinstance(scores, dict) else scores,
                        dtype=float).ravel()
    if values.size < 2:
        raise ValueError(f"model_separability needs at least 2 models, got {values.size}.")
    pairs = [abs(a - b) for a, b in itertools.combinations(values, 2)]
    return float(np.mean(pairs))
