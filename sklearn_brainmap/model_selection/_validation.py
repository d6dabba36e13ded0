"""Cross-validated scores per target unit, the building block of the population helpers."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from ..utils import UNIT_SCORES, ConstantUnitWarning, check_folds, check_same_stimuli
from ..utils._array_api import check_namespace_support


@validate_params(
    {"estimator": [HasMethods(["fit", "predict"])], "X": ["array-like"],
     "Y": ["array-like"], "cv": ["cv_object"], "scoring": [StrOptions(set(UNIT_SCORES))],
     "train_size": [Interval(Integral, 2, None, closed="left"), None],
     "random_state": [Interval(Integral, 0, None, closed="left"), np.random.Generator,
                      None],
     "return_folds": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def cross_val_unit_scores(estimator, X, Y, *, cv=5, scoring="r2", train_size=None,
                          random_state=None, return_folds=False):
    """Held-out score of every target unit, averaged over the folds of ``cv``.

    Parameters
    ----------
    estimator : regressor
        Fitted on each training fold (a clone), multi-output.
    X : array-like of shape (n_stimuli, n_source_units)
    Y : array-like of shape (n_stimuli, n_target_units)
    cv : int, splitter or iterable, default=5
        Folds over stimuli; an int is an unshuffled :class:`~sklearn.model_selection.KFold`.
    scoring : {"r2", "pearson"}, default="r2"
    train_size : int, optional
        Fit on a random subset of this many training stimuli of each fold (the test
        fold is unchanged), for learning curves over stimuli.
    random_state : int or None
        Draws the training subsets.
    return_folds : bool, default=False
        Also return every fold's scores (e.g. to test across folds, or to see which
        fold a unit fails in).

    Returns
    -------
    scores : ndarray of shape (n_target_units,)
        Mean over folds of each unit's held-out score; NaN where a unit's score is
        undefined in every fold (a constant unit).
    fold_scores : ndarray of shape (n_folds, n_target_units)
        Only with ``return_folds=True``: the score of each unit in each fold (NaN
        where undefined in that fold); ``scores`` is their mean over the defined ones.

    Raises
    ------
    ValueError
        When ``cv`` gives no folds, folds with indices outside the stimuli, or test
        folds of fewer than 2 stimuli (leave-one-out cannot score a unit).

    Warns
    -----
    ConstantUnitWarning
        When some units have no defined score in any fold.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import cross_val_unit_scores
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5))
    >>> Y = np.column_stack([X[:, 0], rng.standard_normal(100)])  # predictable, noise
    >>> scores = cross_val_unit_scores(Ridge(cv=None), X, Y, scoring="pearson")
    >>> bool(scores[0] > 0.99 and scores[1] < 0.3)
    True
    """
    check_namespace_support("cross_val_unit_scores", X, Y)
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    Y = check_array(Y, dtype=[np.float64, np.float32], input_name="Y", ensure_2d=False)
    Y = Y.reshape(len(Y), -1)
    check_same_stimuli(X, Y)
    unit_score = UNIT_SCORES[scoring]
    rng = np.random.default_rng(random_state)
    per_fold = []
    for train, test in check_folds(cv, X, Y):
        if train_size is not None:
            if train_size > len(train):
                raise ValueError(f"train_size={train_size} is larger than the training "
                                 f"folds ({len(train)} stimuli).")
            train = rng.choice(train, train_size, replace=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConstantUnitWarning)
            model = clone(estimator).fit(X[train], Y[train])
        pred = np.reshape(model.predict(X[test]), (len(test), -1))
        per_fold.append(unit_score(Y[test], pred))
    per_fold = np.array(per_fold)
    undefined = np.isnan(per_fold).all(axis=0)
    if undefined.any():
        warnings.warn(
            f"{int(undefined.sum())} of {undefined.size} target unit(s) have no defined "
            "score in any fold (constant on every test fold, or constant predictions "
            "for Pearson r): their scores are NaN.", ConstantUnitWarning, stacklevel=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        scores = np.nanmean(per_fold, axis=0)
    return (scores, per_fold) if return_folds else scores
