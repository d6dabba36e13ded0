"""Scorers of a PairwiseMapping, usable as ``scoring=`` in scikit-learn's tools."""

import numpy as np
from sklearn.utils._param_validation import HasMethods, validate_params
from sklearn.utils.validation import check_is_fitted

from ._profiles import area_silhouette, same_area_predictivity


@validate_params(
    {"estimator": [HasMethods(["score_matrix"])], "X": ["array-like"],
     "y": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def silhouette_scorer(estimator, X, y=None):
    """Specificity of a fitted :class:`PairwiseMapping` on held-out stimuli ``X``.

    The mean silhouette of the profiles' dissimilarity matrix with areas as clusters
    (:meth:`PairwiseMapping.score`). Higher is better, so it can drive
    ``GridSearchCV(..., scoring=silhouette_scorer)`` or be one entry of a multi-metric
    ``scoring`` dict with ``refit="silhouette"``.

    Parameters
    ----------
    estimator : PairwiseMapping
        Fitted on the training stimuli.
    X : array-like of shape (n_stimuli, n_units_total)
        The population's responses to held-out stimuli.
    y : array-like of shape (n_stimuli, n_units_total), default=None
        Target responses when the mapping was fitted with some.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import (PairwiseMapping, silhouette_scorer)
    >>> rng = np.random.default_rng(0)
    >>> latent = {a: rng.standard_normal((80, 3)) for a in "AB"}
    >>> X = np.hstack([latent[a] @ rng.standard_normal((3, 6)) for s in range(3)
    ...                for a in "AB"])
    >>> subjects, areas = np.repeat([0, 1, 2], 12), np.tile(np.repeat(list("AB"), 6), 3)
    >>> mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas)
    >>> bool(silhouette_scorer(mapping.fit(X[:60]), X[60:]) > 0.9)
    True
    """
    return float(estimator.score(X, y))


@validate_params(
    {"estimator": [HasMethods(["score_matrix"])], "X": ["array-like"],
     "y": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def predictivity_scorer(estimator, X, y=None):
    """Same-area predictivity of a fitted :class:`PairwiseMapping` on held-out stimuli.

    The mean held-out score of mappings between profiles of the same area and different
    subjects (:meth:`PairwiseMapping.predictivity`). Higher is better.

    Parameters
    ----------
    estimator : PairwiseMapping
    X : array-like of shape (n_stimuli, n_units_total)
    y : array-like of shape (n_stimuli, n_units_total), default=None
        Target responses when the mapping was fitted with some.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import (PairwiseMapping, predictivity_scorer)
    >>> rng = np.random.default_rng(0)
    >>> latent = {a: rng.standard_normal((80, 3)) for a in "AB"}
    >>> X = np.hstack([latent[a] @ rng.standard_normal((3, 6)) for s in range(3)
    ...                for a in "AB"])
    >>> subjects, areas = np.repeat([0, 1, 2], 12), np.tile(np.repeat(list("AB"), 6), 3)
    >>> mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas)
    >>> bool(predictivity_scorer(mapping.fit(X[:60]), X[60:]) > 0.9)
    True
    """
    return float(estimator.predictivity(X, y))


@validate_params(
    {"estimator": [HasMethods(["score_matrix"])], "X": ["array-like"],
     "y": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def population_scorer(estimator, X, y=None):
    """Specificity and same-area predictivity of a fitted :class:`PairwiseMapping`, from
    one held-out score matrix.

    A multi-metric scorer for scikit-learn's tools: it returns
    ``{"silhouette": ..., "predictivity": ...}``, so ``GridSearchCV(mapping, grid,
    scoring=population_scorer, refit="silhouette")`` reports both while computing the
    score matrix once per fold (a dict of :func:`silhouette_scorer` and
    :func:`predictivity_scorer` computes it once per scorer). For a similarity function
    without predictions (RSA, CKA), predictivity is NaN.

    Parameters
    ----------
    estimator : PairwiseMapping
        Fitted on the training stimuli.
    X : array-like of shape (n_stimuli, n_units_total)
        The population's responses to held-out stimuli.
    y : array-like of shape (n_stimuli, n_units_total), default=None
        Target responses when the mapping was fitted with some.

    Returns
    -------
    dict
        ``{"silhouette": float, "predictivity": float}``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV, KFold
    >>> from sklearn_brainmap import OneToOne, Ridge
    >>> from sklearn_brainmap.model_selection import PairwiseMapping, population_scorer
    >>> rng = np.random.default_rng(0)
    >>> latent = {a: rng.standard_normal((90, 3)) for a in "AB"}
    >>> X = np.hstack([latent[a] @ rng.standard_normal((3, 6)) for s in range(3)
    ...                for a in "AB"])
    >>> subjects, areas = np.repeat([0, 1, 2], 12), np.tile(np.repeat(list("AB"), 6), 3)
    >>> search = GridSearchCV(
    ...     PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas),
    ...     {"estimator": [Ridge(cv=None), OneToOne()]}, scoring=population_scorer,
    ...     refit="silhouette", cv=KFold(3, shuffle=True, random_state=0)).fit(X)
    >>> type(search.best_params_["estimator"]).__name__
    'Ridge'
    >>> sorted(k for k in search.cv_results_ if k.startswith("mean_test"))
    ['mean_test_predictivity', 'mean_test_silhouette']
    """
    check_is_fitted(estimator)
    S = estimator._score_matrix(X, y)
    predictivity = (np.nan if not hasattr(estimator.estimator, "fit") else
                    same_area_predictivity(S, estimator.profile_subjects_,
                                           estimator.profile_areas_))
    return {"silhouette": area_silhouette(S, estimator.profile_areas_),
            "predictivity": predictivity}
