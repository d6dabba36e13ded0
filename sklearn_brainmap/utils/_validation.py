"""Validation helpers shared by the estimators and the metric functions."""

import warnings
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import _num_samples, check_array, validate_data


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
    constant) is caught as well as an exactly constant one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils import constant_columns
    >>> constant_columns(np.array([[1.0, 0.0], [1.0, 2.0]])).tolist()
    [True, False]
    """
    A = np.asarray(A)
    if A.shape[0] == 0:
        return np.zeros(A.shape[1], dtype=bool)
    eps = np.finfo(A.dtype).eps if A.dtype.kind == "f" else np.finfo(float).eps
    scale = np.max(np.abs(A), axis=0)
    with np.errstate(over="ignore"):  # a range beyond the float range: inf, not constant
        return np.ptp(A, axis=0) <= 16 * eps * scale


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
    """
    if sparse.issparse(y):
        raise TypeError("y is a sparse matrix; the transform classes need dense target "
                        "responses: pass y.toarray() (responses are rarely sparse enough "
                        "to gain from it).")
    shape = getattr(y, "shape", ())
    if shape is not None and len(shape) == 2 and shape[1] == 0:
        raise ValueError("y has 0 target columns; at least one target is required.")
    with np.errstate(over="ignore", invalid="ignore"):  # see check_response_matrix
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
    y_1d = y.ndim == 1
    Y = np.asarray(y, dtype=X.dtype)
    if y_1d:
        Y = Y[:, None]
    return X, Y, y_1d


def validate_predict_data(estimator, X):
    """Validate ``X`` at predict time against what the estimator was fitted on."""
    with np.errstate(over="ignore", invalid="ignore"):  # see check_response_matrix
        return validate_data(estimator, X, reset=False, dtype=[np.float64, np.float32])


@validate_params(
    # A is checked by check_array, whose messages name it by ``name``
    {"A": "no_validation", "name": [str],
     "min_samples": [Interval(Integral, 1, None, closed="left")],
     "dtype": [tuple, list]},
    prefer_skip_nested_validation=True,
)
def check_response_matrix(A, name, *, min_samples=2, dtype=(np.float64, np.float32)):
    """Validate a ``(n_stimuli, n_units)`` response matrix for a metric function."""
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
