"""Scorers of a PairwiseMapping, usable as ``scoring=`` in scikit-learn's tools."""


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
