"""Scores of a fitted mapping: held-out prediction quality per target unit.

With array-API dispatch on, PyTorch, CuPy or array-api-strict inputs are scored on
their device; per-target values are arrays of that namespace, aggregates Python floats.

Each function returns one value per target (``multioutput="raw_values"``) or an
aggregate over targets: the mean (``"uniform_average"``), the **median** (the
field's default, ``"median"``) or a weighted mean. A target whose score is undefined
(a constant target, or for Pearson r a constant prediction) is NaN, left out of the
aggregate, and a :class:`~sklearn_brainmap.utils.ConstantUnitWarning` says how many.
"""

import numpy as np
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.validation import _check_sample_weight
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils import (aggregate_unit_scores, columnwise_pearson, columnwise_r2,
                     constant_columns, warn_constant)
from ..utils._array_api import array_namespace, namespace_and_device, to_namespace, to_numpy

MULTIOUTPUT = [StrOptions({"raw_values", "uniform_average", "median"}), "array-like"]

#: ``stacklevel`` of warn_constant that reaches the user's call of a public function:
#: warn_constant, the function, its validate_params wrapper, the caller.
_USER = 4


def _check_targets(y_true, y_pred):
    """Two 2-D float arrays of the same shape with at least 2 samples, in the namespace
    and on the device of ``y_true`` (float64 on NumPy; float32 kept elsewhere)."""
    xp, device = namespace_and_device(y_true)
    check_consistent_length(y_true, y_pred)
    y_pred = to_namespace(y_pred, xp, device)
    dtype = np.float64 if xp is np else [xp.float64, xp.float32]
    # (scikit-learn's finiteness check warns about overflow for finite data near the
    # float range, which is accepted)
    with np.errstate(over="ignore", invalid="ignore"):
        y_true = check_array(y_true, ensure_2d=False, dtype=dtype, ensure_min_samples=2,
                             input_name="y_true")
        y_pred = check_array(y_pred, ensure_2d=False, dtype=dtype, ensure_min_samples=2,
                             input_name="y_pred")
    xp, _ = array_namespace(y_true)
    y_true = xp.reshape(y_true, (y_true.shape[0], -1))
    y_pred = xp.reshape(y_pred, (y_pred.shape[0], -1))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred have different numbers of targets: "
                         f"{y_true.shape[1]} and {y_pred.shape[1]}.")
    return y_true, y_pred


def _aggregate(values, multioutput):
    """Per-target values (NaN = undefined) -> what ``multioutput`` asks for.

    Per-target values stay in their namespace; an aggregate is a Python float, computed
    on the host from the per-target values (one number per target: the transfer is
    negligible next to the scores themselves).
    """
    if isinstance(multioutput, str) and multioutput == "raw_values":
        return values
    values = to_numpy(values)
    if not isinstance(multioutput, str):
        multioutput = to_numpy(multioutput)
    if isinstance(multioutput, str) and multioutput == "uniform_average":
        multioutput = "mean"
    return aggregate_unit_scores(values, multioutput)


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"], "multioutput": MULTIOUTPUT},
    prefer_skip_nested_validation=True,
)
def pearson_r_score(y_true, y_pred, *, multioutput="uniform_average"):
    """Pearson correlation between true and predicted responses, per target.

    ``r_j = Σ_i (y_ij − ȳ_j)(ŷ_ij − ŷ̄_j) / √(Σ_i (y_ij − ȳ_j)² Σ_i (ŷ_ij − ŷ̄_j)²)``.

    Parameters
    ----------
    y_true : array-like of shape (n_stimuli,) or (n_stimuli, n_targets)
        Held-out responses.
    y_pred : array-like of the same shape
        Predictions.
    multioutput : {"raw_values", "uniform_average", "median"} or array-like of \
shape (n_targets,), default="uniform_average"
        Per-target values, their mean, their median, or a weighted mean (weights of
        undefined targets are dropped).

    Returns
    -------
    score : float or ndarray of shape (n_targets,)
        NaN for targets where ``r`` is undefined (constant ``y_true`` or constant
        ``y_pred``); those are left out of the aggregate, with a
        :class:`~sklearn_brainmap.utils.ConstantUnitWarning` that counts them. NaN if
        no target is defined.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import pearson_r_score
    >>> y = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> pearson_r_score(y, 2 * y + 1, multioutput="raw_values")
    array([1., 1.])
    >>> pearson_r_score(y, y[:, ::-1], multioutput="median")
    0.6
    """
    y_true, y_pred = _check_targets(y_true, y_pred)
    flat_true, flat_pred = constant_columns(y_true), constant_columns(y_pred)
    consequence = "their Pearson r is undefined (NaN, left out of the aggregate)."
    warn_constant(flat_true, "target", consequence, stacklevel=_USER)
    warn_constant(flat_pred & ~flat_true, "predicted", consequence, stacklevel=_USER)
    r = columnwise_pearson(y_true, y_pred)
    return _aggregate(r, multioutput)


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"],
     "sample_weight": ["array-like", None], "multioutput": MULTIOUTPUT},
    prefer_skip_nested_validation=True,
)
def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Coefficient of determination R² per target, with a median aggregate.

    ``R²_j = 1 − Σ_i w_i (y_ij − ŷ_ij)² / Σ_i w_i (y_ij − ȳ_j)²`` as in
    :func:`sklearn.metrics.r2_score`, except for constant targets: their R² is
    undefined and reported as NaN (scikit-learn reports 1 or 0 there), left out of the
    aggregate with a :class:`~sklearn_brainmap.utils.ConstantUnitWarning`.

    Parameters
    ----------
    y_true : array-like of shape (n_stimuli,) or (n_stimuli, n_targets)
        Held-out responses.
    y_pred : array-like of the same shape
        Predictions.
    sample_weight : array-like of shape (n_stimuli,), default=None
    multioutput : {"raw_values", "uniform_average", "median"} or array-like of \
shape (n_targets,), default="uniform_average"
        Per-target values, their mean, their median (the usual summary in the
        model-brain literature), or a weighted mean over defined targets.

    Returns
    -------
    score : float or ndarray of shape (n_targets,)
        Unbounded below; NaN if no target is defined.

    References
    ----------
    Schrimpf et al. (2018), Brain-Score: which artificial neural network for object
    recognition is most brain-like? *bioRxiv* 407007 (median over neurons).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import r2_score
    >>> y = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0]])
    >>> r2_score(y, y + [0.5, 0.0], multioutput="raw_values")
    array([0.8, 1. ])
    >>> r2_score(y, y + [0.5, 0.0], multioutput="median")
    0.9
    """
    y_true, y_pred = _check_targets(y_true, y_pred)
    warn_constant(constant_columns(y_true), "target",
                  "their R² is undefined (NaN, left out of the aggregate).",
                  stacklevel=_USER)
    if sample_weight is not None:
        xp, device = namespace_and_device(y_true)
        sample_weight = _check_sample_weight(to_namespace(sample_weight, xp, device),
                                             y_true, dtype=y_true.dtype)
    r2 = columnwise_r2(y_true, y_pred, sample_weight)
    return _aggregate(r2, multioutput)
