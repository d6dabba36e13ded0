"""A check of a user's own mapping estimator: the properties every transform class of
this package has (equivariance to permutations of units, clone/refit determinism,
score bounds), so a new class can be tested as the package tests its own."""

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.utils._param_validation import validate_params

from ._invariance import _TOLERANCE, _RANDOM_STATE, default_tolerances


def _fail(estimator, what, detail):
    raise AssertionError(f"{type(estimator).__name__}: {what}. {detail}")


def _assert_predictions_close(estimator, what, expected, actual, rtol, atol):
    if expected.shape != actual.shape:
        _fail(estimator, what, f"Shapes {expected.shape} and {actual.shape} differ.")
    close = np.isclose(expected, actual, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        worst = np.unravel_index(np.argmax(np.abs(expected - actual) * ~close),
                                 close.shape)
        _fail(estimator, what, f"{(~close).sum()} of {close.size} predictions differ; "
                               f"e.g. at {tuple(map(int, worst))}: {expected[worst]!r} "
                               f"vs {actual[worst]!r}.")


def _predict(estimator, X, Y, X_test):
    return np.asarray(clone(estimator).fit(X, Y).predict(X_test), dtype=np.float64)


@validate_params(
    {"estimator": [object], "X": ["array-like"], "Y": ["array-like"],
     "X_test": ["array-like", None], "random_state": _RANDOM_STATE,
     "rtol": _TOLERANCE, "atol": _TOLERANCE},
    prefer_skip_nested_validation=False,
)
def check_mapping_estimator(estimator, X, Y, *, X_test=None, random_state=None,
                            rtol=None, atol=None):
    """Check a mapping estimator (a multi-output regressor ``X → Y``) for the
    properties every transform class of this package has.

    1. **It is a regressor that leaves its inputs alone**: ``fit`` returns the
       estimator, does not modify ``X`` or ``Y``, and ``predict`` returns
       ``(n_test, n_targets)`` finite values.
    2. **Clone/refit determinism**: two clones fitted on the same data predict the
       same, and refitting a fitted clone gives the same predictions again.
    3. **Equivariance to permuting target units**: fitting on ``Y[:, π]`` predicts
       ``predict(X)[:, π]`` (each target is mapped on its own terms).
    4. **Invariance to permuting source units**: fitting on ``X[:, σ]`` and predicting
       from ``X_test[:, σ]`` gives the same predictions (the mapping does not depend
       on the order of the units).
    5. **Score bounds**: ``score(X, Y)`` is one finite number no greater than 1 (R²
       and correlation-based scores are).

    A mapping that is meant to depend on the order of units (e.g. a topographic prior)
    should not use this check. Randomised estimators need a fixed ``random_state``.

    Parameters
    ----------
    estimator : estimator
        Unfitted; it is cloned, never fitted itself.
    X : array-like of shape (n_stimuli, n_source_units)
    Y : array-like of shape (n_stimuli, n_target_units)
        At least two targets (permuting one target tests nothing).
    X_test : array-like of shape (n_test, n_source_units), default=None
        Stimuli to predict (default: ``X``).
    random_state : int, Generator or None, default=None
        Draws the permutations.
    rtol, atol : float, default=None
        Tolerances on predictions; default by the precision of ``X`` and ``Y``
        (:func:`default_tolerances`).

    Raises
    ------
    AssertionError
        Naming the estimator and the property that does not hold.

    See Also
    --------
    sklearn.utils.estimator_checks.check_estimator : scikit-learn's API checks; the
        transform classes here pass them too.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.testing import check_mapping_estimator
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 6))
    >>> Y = X @ rng.standard_normal((6, 3)) + 0.1 * rng.standard_normal((40, 3))
    >>> check_mapping_estimator(Ridge(), X, Y, random_state=0)
    """
    X, Y = np.asarray(X), np.asarray(Y)
    X_test = X if X_test is None else np.asarray(X_test)
    if Y.ndim != 2 or Y.shape[1] < 2:
        raise ValueError(f"Y must be 2-D with at least two target units, got shape "
                         f"{Y.shape}: permuting one target tests nothing.")
    default_rtol, default_atol = default_tolerances(X, Y)
    # predictions pass through a solver: a few hundred roundings more than a measure
    rtol = 100 * default_rtol if rtol is None else rtol
    atol = 100 * default_atol if atol is None else atol
    rng = np.random.default_rng(random_state)
    if not is_regressor(estimator):
        _fail(estimator, "is not a regressor",
              "Mappings are regressors (RegressorMixin or the 'regressor' estimator "
              "type tag).")

    X_copy, Y_copy = X.copy(), Y.copy()
    model = clone(estimator)
    if model.fit(X, Y) is not model:
        _fail(model, "fit does not return the estimator", "Return self from fit.")
    if not (np.array_equal(X, X_copy, equal_nan=True)
            and np.array_equal(Y, Y_copy, equal_nan=True)):
        _fail(model, "fit modified its input", "Copy before changing X or Y.")
    reference = np.asarray(model.predict(X_test), dtype=np.float64)
    if reference.shape != (X_test.shape[0], Y.shape[1]):
        _fail(model, "predict returned the wrong shape",
              f"Expected {(X_test.shape[0], Y.shape[1])}, got {reference.shape}.")
    if not np.isfinite(reference).all():
        _fail(model, "predict returned non-finite values",
              f"{(~np.isfinite(reference)).sum()} of {reference.size}.")

    _assert_predictions_close(estimator, "two clones fitted on the same data differ",
                              reference, _predict(estimator, X, Y, X_test), rtol, atol)
    refitted = np.asarray(model.fit(X, Y).predict(X_test), dtype=np.float64)
    _assert_predictions_close(estimator, "refitting a fitted estimator changes it",
                              reference, refitted, rtol, atol)

    targets = rng.permutation(Y.shape[1])
    _assert_predictions_close(
        estimator, "predictions are not equivariant to a permutation of the targets",
        reference[:, targets], _predict(estimator, X, Y[:, targets], X_test), rtol,
        atol)

    sources = rng.permutation(X.shape[1])
    _assert_predictions_close(
        estimator, "predictions depend on the order of the source units",
        reference, _predict(estimator, X[:, sources], Y, X_test[:, sources]), rtol,
        atol)

    score = model.score(X, Y)
    if np.ndim(score) != 0 or not np.isfinite(score) or score > 1 + rtol:
        _fail(model, "score is not one finite number at most 1", f"Got {score!r}.")
