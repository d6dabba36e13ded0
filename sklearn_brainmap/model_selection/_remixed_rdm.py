"""Remixing: the RDM of a linear classifier's cross-validated decision values."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import HasMethods, StrOptions, validate_params
from sklearn.utils.multiclass import type_of_target

from ..metrics._rsa import RDM_METRICS, rdm
from ..utils import check_response_matrix, check_same_stimuli
from ._rsa_analyses import _CV


@validate_params(
    {"X": ["array-like"], "y": ["array-like"],
     "classifier": [HasMethods(["fit", "decision_function"]), None],
     "cv": _CV, "metric": [StrOptions(RDM_METRICS)]},
    prefer_skip_nested_validation=True,
)
def remixed_rdm(X, y, *, classifier=None, cv=5, metric="euclidean"):
    """The RDM of a linear classifier's cross-validated decision values (remixing).

    A classifier is trained on a layer's responses ``X`` to predict the task category
    ``y`` of each stimulus; every stimulus's decision values (one per category; one
    for two categories) come from the fold where it was held out
    (:func:`~sklearn.model_selection.cross_val_predict`); the RDM of those values
    (:func:`~sklearn_brainmap.metrics.rdm`) is the layer "remixed" into category-discriminant dimensions, to be
    compared with a brain RDM (``rsa_score(..., rdm_metric="precomputed")``).

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units)
    y : array-like of shape (n_stimuli,)
        Category labels (at least 2 categories).
    classifier : classifier with ``decision_function``, default=None
        ``make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))`` by
        default (a linear classifier, as in Khaligh-Razavi & Kriegeskorte, who used
        linear SVMs).
    cv : int, cross-validation generator or iterable, default=5
        ``StratifiedKFold(5)`` for an int.
    metric : {"euclidean", "correlation", "cosine"}, default="euclidean"
        Euclidean by default: with few categories the decision values have few
        dimensions (one for two categories), where the correlation distance is
        undefined or coarse.

    Returns
    -------
    D : ndarray of shape (n_stimuli, n_stimuli)

    References
    ----------
    Khaligh-Razavi & Kriegeskorte (2014), Deep supervised, but not unsupervised,
    models may explain IT cortical representation, *PLoS Comput. Biol.* 10
    ("remixing" of features by category-discriminant linear readouts).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import remixed_rdm
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 20)
    >>> X = rng.standard_normal((60, 10)) + 3 * np.eye(10)[y]
    >>> D = remixed_rdm(X, y)
    >>> same, other = D[:20, :20].mean(), D[:20, 20:].mean()
    >>> bool(same < other)
    True
    """
    X = check_response_matrix(X, "X", min_samples=4)
    y = np.asarray(y)
    check_same_stimuli(X, y, names=("X", "y"))
    kind = type_of_target(y, input_name="y")
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"y must hold category labels (one per stimulus), got {kind} "
                         "values: remixing trains a classifier. Give the categories "
                         "(e.g. integers or strings), or bin a continuous variable first.")
    if np.unique(y).size < 2:
        raise ValueError("y has a single category: a classifier needs at least 2.")
    if classifier is None:
        classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = list(check_cv(cv, y, classifier=True).split(X, y))
    decision = cross_val_predict(classifier, X, y, cv=folds, method="decision_function")
    return rdm(decision.reshape(X.shape[0], -1), metric=metric)
