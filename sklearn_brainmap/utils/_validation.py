"""Validation helpers shared by the estimators and the metric functions."""

import warnings
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.model_selection import check_cv
from sklearn.utils import get_tags
try:  # scikit-learn >= 1.8: predict refuses arrays of another namespace than fit's
    from sklearn.utils._array_api import check_same_namespace
except ImportError:  # pragma: no cover
    def check_same_namespace(X, estimator, *, attribute, method):
        return None
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import _num_samples, check_array, validate_data

from ._array_api import (array_namespace, check_namespace_support, float_dtypes, is_numpy,
                         namespace_and_device, to_namespace, to_numpy)


class ConstantUnitWarning(UserWarning):
    """Warning raised when a unit (a column) has the same value for every stimulus.

    A constant unit carries no information about the stimuli: its correlation with
    anything is undefined and its R² is undefined. Estimators and metrics say how many
    such units they met and what they did with them.
    """


class AboveCeilingWarning(UserWarning):
    """Warning raised when ceiling-normalised scores exceed 1.

    A unit whose held-out r² is above its estimated noise ceiling is not an error (the
    ceiling is itself a noisy estimate), and such scores are kept, not clipped; the
    warning counts them so that a summary can be read with that in mind.
    """


def constant_columns(A):
    """Boolean mask of the columns of ``A`` whose values are all equal.

    A column counts as constant when its range is within a few ulps of its largest
    absolute value, so that a column made constant by arithmetic (``x - x.mean()`` of a
    constant) is caught as well as an exactly constant one. ``A`` may be an array of any
    array-API namespace (two reductions on its device); the mask is a NumPy array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import constant_columns
    >>> constant_columns(np.array([[1.0, 0.0], [1.0, 2.0]])).tolist()
    [True, False]
    """
    xp, _ = array_namespace(A)
    if is_numpy(xp):
        A = np.asarray(A)
    if A.shape[0] == 0:
        return np.zeros(A.shape[1], dtype=bool)
    floating = xp.isdtype(A.dtype, "real floating")
    eps = float(xp.finfo(A.dtype if floating else xp.float64).eps)
    # two reductions: no temporary of the size of A
    hi, lo = xp.max(A, axis=0), xp.min(A, axis=0)
    if not floating:
        hi, lo = xp.astype(hi, xp.float64), xp.astype(lo, xp.float64)
    with np.errstate(over="ignore"):  # a range beyond the float range: inf, not constant
        return to_numpy(hi - lo <= 16 * eps * xp.maximum(hi, -lo))


def warn_constant(mask, what, consequence, stacklevel=3):
    """Warn once, with counts, when ``mask`` flags constant units."""
    n = int(np.count_nonzero(mask))
    if n:
        index = np.flatnonzero(mask)
        shown = ", ".join(map(str, index[:10])) + (", ..." if n > 10 else "")
        warnings.warn(
            f"{n} of {mask.size} {what} unit(s) are constant (columns {shown}): "
            f"{consequence}",
            ConstantUnitWarning,
            stacklevel=stacklevel,
        )


def validate_regression_data(estimator, X, y, *, reset=True):
    """Validate ``(X, y)`` for a multi-output mapping and return 2-D float arrays.

    Returns ``X`` as float64 or float32 (float32 is kept), ``Y`` two-dimensional in the
    dtype of ``X``, and whether ``y`` was one-dimensional (so that predictions can be
    returned in the shape the user gave).

    With array-API dispatch on, arrays of another namespace than NumPy stay in it
    (``y`` is moved to the namespace and device of ``X``) when the estimator's tags
    declare ``array_api_support``; otherwise a :class:`TypeError` names the classes
    that support them.
    """
    if sparse.issparse(y):
        raise TypeError("y is a sparse matrix; the transform classes need dense target "
                        "responses: pass y.toarray() (responses are rarely sparse enough "
                        "to gain from it).")
    xp, device = _estimator_namespace(estimator, X)
    y = to_namespace(y, xp, device)  # y follows X, as in scikit-learn
    shape = getattr(y, "shape", ())
    if shape is not None and len(shape) == 2 and shape[1] == 0:
        raise ValueError("y has 0 target columns; at least one target is required.")
    with np.errstate(over="ignore", invalid="ignore"):  # see check_response_matrix
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            dtype=float_dtypes(xp),
            multi_output=True,
            y_numeric=True,
        )
    y_1d = y.ndim == 1
    if xp is not np:
        Y = xp.astype(y, X.dtype)
        return X, (xp.reshape(Y, (-1, 1)) if y_1d else Y), y_1d
    Y = np.asarray(y, dtype=X.dtype)
    if y_1d:
        Y = Y[:, None]
    return X, Y, y_1d


def _estimator_namespace(estimator, *arrays):
    """The namespace and device of ``arrays`` for ``estimator``: NumPy, or (when its
    tags declare ``array_api_support``) another namespace; else a clear TypeError."""
    xp, device = namespace_and_device(*arrays)
    if xp is not np and not get_tags(estimator).array_api_support:
        check_namespace_support(type(estimator).__name__, *arrays)
    return xp, device


def validate_predict_data(estimator, X):
    """Validate ``X`` at predict time against what the estimator was fitted on.

    With array-API dispatch on, ``X`` must be of the namespace and device the
    estimator was fitted in (a ``ValueError`` says so otherwise), and of NumPy for the
    classes without array-API support (a ``TypeError`` names those with it).
    """
    xp, _ = _estimator_namespace(estimator, X)
    attribute = getattr(estimator, "_namespace_attribute", None)
    if attribute is not None:
        check_same_namespace(X, estimator, attribute=attribute, method="predict")
    with np.errstate(over="ignore", invalid="ignore"):  # see check_response_matrix
        return validate_data(estimator, X, reset=False, dtype=float_dtypes(xp))


@validate_params(
    # A is checked by check_array, whose messages name it by ``name``
    {"A": "no_validation", "name": [str],
     "min_samples": [Interval(Integral, 1, None, closed="left")],
     "dtype": [tuple, list]},
    prefer_skip_nested_validation=True,
)
def check_response_matrix(A, name, *, min_samples=2, dtype=(np.float64, np.float32)):
    """Validate a ``(n_stimuli, n_units)`` response matrix for a metric function.

    With array-API dispatch on, an array of another namespace stays in it (float64 or
    float32 of that namespace).
    """
    xp, _ = namespace_and_device(A)
    if xp is not np:
        dtype = [getattr(xp, np.dtype(d).name) for d in dtype]
    # scikit-learn's finiteness check sums the array: data near the float range (finite,
    # accepted) make that sum overflow with a RuntimeWarning that means nothing here
    with np.errstate(over="ignore", invalid="ignore"):
        A = check_array(A, dtype=list(dtype), ensure_min_samples=min_samples,
                        input_name=name)
    return A


@validate_params({"X": ["array-like"], "Y": ["array-like"], "names": [tuple, list]},
                 prefer_skip_nested_validation=True)
def check_same_stimuli(X, Y, names=("X", "Y")):
    """Raise a clear error when two response matrices have different stimulus counts.

    Parameters
    ----------
    X, Y : array-like of shape (n_stimuli, ...)
        Arrays, lists, data frames: anything with a number of samples (rows).
    names : tuple of str, default=("X", "Y")
        The names of ``X`` and ``Y`` in the message.

    Raises
    ------
    ValueError
        When the numbers of rows differ.

    Examples
    --------
    >>> from sklearn_brainmap.utils import check_same_stimuli
    >>> check_same_stimuli([[1.0], [2.0]], [[1.0, 0.0], [2.0, 0.0]])
    >>> check_same_stimuli([[1.0], [2.0]], [[1.0]])
    Traceback (most recent call last):
    ...
    ValueError: X and Y must have the same stimuli (rows): X has 2 rows, Y has 1.
    """
    n_x, n_y = _num_samples(X), _num_samples(Y)
    if n_x != n_y:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same stimuli (rows): "
            f"{names[0]} has {n_x} rows, {names[1]} has {n_y}."
        )


def _fold_indices(index, n_samples, what):
    """Integer indices from an index array or a boolean mask over ``n_samples`` rows."""
    index = np.asarray(index)
    if index.dtype == bool:
        if index.shape != (n_samples,):
            raise ValueError(f"{what} is a boolean mask of shape {index.shape}; a mask must "
                             f"have one entry per stimulus ({n_samples}).")
        return np.flatnonzero(index)
    if index.ndim != 1 or (index.size and index.dtype.kind not in "iu"):
        raise ValueError(f"{what} must be a 1-D array of integer indices or a boolean "
                         f"mask, got dtype {index.dtype} and shape {index.shape}.")
    index = index.astype(np.intp)
    if index.size and (index.min() < -n_samples or index.max() >= n_samples):
        raise ValueError(f"{what} holds indices outside the {n_samples} stimuli "
                         f"(from {index.min()} to {index.max()}).")
    return np.where(index < 0, index + n_samples, index)


@validate_params(
    {"cv": ["cv_object"], "X": ["array-like"], "y": ["array-like", None],
     "min_test": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def check_folds(cv, X, y=None, *, min_test=2):
    """The folds of ``cv`` over the rows of ``X`` as checked integer index arrays.

    Each training fold needs at least 2 stimuli and each test fold ``min_test``: a
    held-out score of a unit (R², Pearson r) is undefined on a single stimulus, so
    leave-one-out folds cannot score units.

    Parameters
    ----------
    cv : int, cross-validation generator or iterable
        As in :func:`sklearn.model_selection.check_cv`; folds may be index arrays or
        boolean masks.
    X : array-like of shape (n_stimuli, ...)
    y : array-like, default=None
        Passed to the splitter (stratified splitters need it).
    min_test : int, default=2

    Returns
    -------
    folds : list of (ndarray, ndarray)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import check_folds
    >>> X = np.zeros((6, 2))
    >>> mask = np.array([True, True, True, True, False, False])
    >>> check_folds([(mask, ~mask)], X)
    [(array([0, 1, 2, 3]), array([4, 5]))]
    >>> check_folds([([0, 1, 2, 3, 4], [5])], X)
    Traceback (most recent call last):
    ...
    ValueError: Fold 0 tests on 1 stimulus(i): a held-out score of a unit needs at least 2 test stimuli, so leave-one-out folds cannot score units; use KFold (or ShuffleSplit) with larger test folds.
    """
    n = _num_samples(X)
    folds = list(check_cv(cv).split(X, y))
    if not folds:
        raise ValueError("cv gave no folds (an empty list, or a generator already "
                         "used up): pass a splitter such as KFold(5), or a list of "
                         "(train, test) pairs.")
    checked = []
    for k, (train, test) in enumerate(folds):
        train = _fold_indices(train, n, f"the training indices of fold {k}")
        test = _fold_indices(test, n, f"the test indices of fold {k}")
        if train.size < 2:
            raise ValueError(f"Fold {k} trains on {train.size} stimuli; at least 2 are "
                             "needed.")
        if test.size < min_test:
            raise ValueError(
                f"Fold {k} tests on {test.size} stimulus(i): a held-out score of a unit "
                f"needs at least {min_test} test stimuli, so leave-one-out folds cannot "
                "score units; use KFold (or ShuffleSplit) with larger test folds.")
        checked.append((train, test))
    return checked
