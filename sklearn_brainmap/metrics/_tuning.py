"""Similarity of two distributions of a tuning property (model units vs neurons)."""

import warnings

import numpy as np
from scipy import stats
from sklearn.utils._param_validation import validate_params


def _property_values(values, name):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one value per unit, shape (n_units,); got shape "
                         f"{values.shape}.")
    if np.isinf(values).any():
        raise ValueError(f"{name} contains infinite values.")
    undefined = np.isnan(values)
    if undefined.any():
        # units whose property could not be measured (no response, flat tuning) are
        # left out of the distribution, as the property benchmarks do; say how many
        warnings.warn(f"{int(undefined.sum())} of {values.size} values of {name} are NaN "
                      "(units with an undefined property): they are left out.",
                      UserWarning, stacklevel=4)
        values = values[~undefined]
    if values.size == 0:
        raise ValueError(f"{name} has no defined values: nothing to compare.")
    return values


@validate_params(
    {"model_values": ["array-like"], "neural_values": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def ks_similarity_score(model_values, neural_values):
    """Similarity of two distributions of a tuning property: one minus the KS distance.

    ``score = 1 − sup_x |F_model(x) − F_neural(x)|``, with ``F`` the empirical
    cumulative distribution of the property (e.g. the preferred spatial frequency of
    each model unit and of each recorded neuron): the two-sample Kolmogorov–Smirnov
    statistic (:func:`scipy.stats.ks_2samp`) turned into a higher-is-better score in
    ``[0, 1]``, as Brain-Score's V1 property benchmarks do (Marques et al. 2021; they
    then divide by a ceiling from split halves of the neurons). 1 when the two
    empirical distributions coincide. Invariant to any increasing transform of the
    property applied to both (log spatial frequency gives the same score as spatial
    frequency), and to the order and number of units.

    The distance only reads the order of values on a line: for a circular property
    such as preferred orientation it depends on where the circle is cut. Compare
    orientations as an angle from a reference (e.g. ``min(θ, π − θ)``, the angle from
    horizontal) or by their selectivity instead.

    Parameters
    ----------
    model_values : array-like of shape (n_model_units,)
    neural_values : array-like of shape (n_neurons,)
        NaN values (units whose property is undefined) are left out with a warning.

    Returns
    -------
    score : float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        For arrays that are not one-dimensional, infinite values, or no defined value.

    References
    ----------
    Marques, Schrimpf & DiCarlo (2021), Multi-scale hierarchical neural network models
    that bridge from single neurons in the primate primary visual cortex to object
    recognition behavior, *bioRxiv* 2021.03.01 (Brain-Score V1 property benchmarks).
    De Valois, Albrecht & Thorell (1982), Spatial frequency selectivity of cells in
    macaque visual cortex, *Vision Res.* 22.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import ks_similarity_score
    >>> ks_similarity_score([1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 3.5, 4.5])
    0.75
    >>> ks_similarity_score([1.0, 2.0], [5.0, 6.0])
    0.0
    """
    a = _property_values(model_values, "model_values")
    b = _property_values(neural_values, "neural_values")
    return float(1.0 - stats.ks_2samp(a, b).statistic)
