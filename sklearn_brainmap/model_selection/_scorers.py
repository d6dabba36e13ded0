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
    """
    return float(estimator.predictivity(X, y))
