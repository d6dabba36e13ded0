"""Sparseness of responses across stimuli (lifetime) and across units (population)."""

import warnings

import numpy as np
from sklearn.utils._param_validation import validate_params

from ..utils import ConstantUnitWarning, check_response_matrix
from ..utils._array_api import check_namespace_support


def _warn_silent(silent, what, category):
    """Count the all-zero units or stimuli, naming the first ones."""
    if silent.any():
        shown = ", ".join(map(str, np.flatnonzero(silent)[:10]))
        # _warn_silent, the public function, its validate_params wrapper: the user's
        # call is the fourth frame
        warnings.warn(f"{int(silent.sum())} of {silent.size} {what} "
                      f"{shown}{', ...' if silent.sum() > 10 else ''}) are all zero: "
                      "their sparseness is undefined (NaN).", category, stacklevel=4)


def _sparseness(R, axis, what):
    """Vinje & Gallant's normalised Rolls–Tovee sparseness along ``axis`` of ``R``."""
    if (R < 0).any():
        raise ValueError(
            "responses must be non-negative (firing rates, or rectified activations): "
            f"{int(np.count_nonzero(R < 0))} value(s) are negative. Rectify model units "
            "(np.maximum(responses, 0)) or use post-activation responses; sparseness "
            "of signed responses is undefined.")
    n = R.shape[axis]
    if n < 2:
        raise ValueError(f"Sparseness needs at least 2 values along each {what} (the "
                         f"normalisation divides by 1 − 1/n); got {n}.")
    # divide by the largest response first: the measure is scale invariant and the
    # squares then neither overflow nor underflow
    scale = R.max(axis=axis, keepdims=True)
    silent = (scale == 0).ravel()
    scaled = R / np.where(scale == 0, 1.0, scale)
    mean = scaled.mean(axis=axis)
    mean_sq = np.square(scaled).mean(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        activity = mean**2 / mean_sq             # Rolls & Tovee's a, in [1/n, 1]
    S = (1.0 - activity) / (1.0 - 1.0 / n)
    S[silent] = np.nan
    return np.clip(S, 0.0, 1.0), silent


@validate_params({"responses": ["array-like"]}, prefer_skip_nested_validation=True)
def lifetime_sparseness(responses):
    """Lifetime sparseness of each unit over the stimuli (Vinje & Gallant 2000).

    ``S = (1 − (Σ_i r_i / n)² / (Σ_i r_i² / n)) / (1 − 1/n)`` over the ``n`` stimuli
    ``i``: Rolls & Tovee's (1995) activity ratio ``a = (Σr/n)² / (Σr²/n)``, rescaled to
    ``[0, 1]``. 0 when a unit responds equally to every stimulus, 1 when it responds to
    a single one. Invariant to the scale of each unit and to the order of stimuli.

    Parameters
    ----------
    responses : array-like of shape (n_stimuli, n_units)
        Non-negative responses (firing rates, or post-ReLU activations).

    Returns
    -------
    S : ndarray of shape (n_units,)
        NaN for a unit that never responds (all zeros), with a
        :class:`~sklearn_brainmap.utils.ConstantUnitWarning`.

    Raises
    ------
    ValueError
        For negative, NaN or infinite values, or fewer than 2 stimuli.

    See Also
    --------
    population_sparseness : the same across units, for each stimulus.

    References
    ----------
    Rolls & Tovee (1995), Sparseness of the neuronal representation of stimuli in the
    primate temporal visual cortex, *J. Neurophysiol.* 73. Vinje & Gallant (2000),
    Sparse coding and decorrelation in primary visual cortex during natural vision,
    *Science* 287.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import lifetime_sparseness
    >>> R = np.array([[1.0, 2.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 3.0]])
    >>> lifetime_sparseness(R)
    array([0., 1., 1.])
    """
    check_namespace_support("lifetime_sparseness", responses)
    R = check_response_matrix(responses, "responses", min_samples=1).astype(np.float64)
    S, silent = _sparseness(R, 0, "unit (column)")
    _warn_silent(silent, "units (columns", ConstantUnitWarning)
    return S


@validate_params({"responses": ["array-like"]}, prefer_skip_nested_validation=True)
def population_sparseness(responses):
    """Population sparseness of the response to each stimulus across units.

    ``S = (1 − (Σ_j r_j / m)² / (Σ_j r_j² / m)) / (1 − 1/m)`` over the ``m`` units
    ``j`` (Vinje & Gallant's normalisation of the Rolls–Tovee measure): 0 when every
    unit responds equally to the stimulus, 1 when a single unit responds. Invariant to
    a common scaling of the units and to their order (not to scaling units
    separately).

    Parameters
    ----------
    responses : array-like of shape (n_stimuli, n_units)
        Non-negative responses.

    Returns
    -------
    S : ndarray of shape (n_stimuli,)
        NaN for a stimulus to which no unit responds, with a warning.

    Raises
    ------
    ValueError
        For negative, NaN or infinite values, or fewer than 2 units.

    See Also
    --------
    lifetime_sparseness : the same across stimuli, for each unit.

    References
    ----------
    Vinje & Gallant (2000), Sparse coding and decorrelation in primary visual cortex
    during natural vision, *Science* 287. Willmore, Mazer & Gallant (2011), Sparse
    coding in striate and extrastriate visual cortex, *J. Neurophysiol.* 105.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import population_sparseness
    >>> population_sparseness(np.array([[1.0, 1.0, 1.0], [0.0, 5.0, 0.0]]))
    array([0., 1.])
    """
    check_namespace_support("population_sparseness", responses)
    R = check_response_matrix(responses, "responses", min_samples=1).astype(np.float64)
    S, silent = _sparseness(R, 1, "stimulus (row)")
    _warn_silent(silent, "stimuli (rows", UserWarning)
    return S
