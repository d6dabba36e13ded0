"""Each feature band's share of a joint model's R² (the product measure)."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils._array_api import namespace_and_device, to_namespace
from ._regression import _aggregate


@validate_params(
    {"y_true": ["array-like"], "y_pred_split": ["array-like"],
     "multioutput": [StrOptions({"raw_values", "uniform_average", "median"})]},
    prefer_skip_nested_validation=True,
)
def split_r2_score(y_true, y_pred_split, *, multioutput="raw_values"):
    """Each band's share of R², by the product measure: the shares sum to the joint R².

    With band predictions ``ŷ_b`` (e.g. ``BandedRidge.predict(X, split=True)``),
    each centred over the stimuli (``p_b = ŷ_b − mean(ŷ_b)``; the means belong to the
    intercept), and ``y_c = y − ȳ``,

        ``R²_b = (2 y_cᵀ p_b − p_bᵀ Σ_b' p_b') / ‖y_c‖²``,

    so that ``Σ_b R²_b = 1 − ‖y_c − Σ_b p_b‖² / ‖y_c‖²``: the R² of the joint
    prediction with its mean set to ``ȳ`` — on the training data, exactly the joint
    model's R²; on held-out data, its R² forgiving a constant offset. With zero-mean
    data this is himalaya's ``r2_score_split``. A band's share is negative when its
    prediction hurts more than it helps given the others.

    Parameters
    ----------
    y_true : array-like of shape (n_stimuli,) or (n_stimuli, n_targets)
        Held-out responses.
    y_pred_split : array-like of shape (n_bands, n_stimuli) or \
(n_bands, n_stimuli, n_targets)
        Each band's prediction, without intercept.
    multioutput : {"raw_values", "uniform_average", "median"}, default="raw_values"
        Per-target shares, or their mean or median over targets (NaN targets left out).

    Returns
    -------
    shares : ndarray of shape (n_bands, n_targets), or (n_bands,) when aggregated
        NaN for constant targets.

    References
    ----------
    St-Yves & Naselaris (2018), The feature-weighted receptive field, *NeuroImage*
    180, 188–202. Dupré la Tour, Eickenberg, Nunez-Elizalde & Gallant (2022),
    Feature-space selection with banded ridge regression, *NeuroImage* 264, 119728.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import split_r2_score
    >>> y = np.array([1.0, -1.0, 2.0, -2.0])
    >>> parts = np.array([[0.5, -0.5, 1.0, -1.0], [0.5, -0.5, 1.0, -1.0]])
    >>> split_r2_score(y, parts)
    array([0.5, 0.5])
    """
    xp, device = namespace_and_device(y_true)
    if xp is np:
        y_true = np.asarray(y_true, dtype=np.float64)
        parts = np.asarray(to_namespace(y_pred_split, np, None), dtype=np.float64)
    else:
        parts = to_namespace(y_pred_split, xp, device)
    one_d = y_true.ndim == 1
    Y = xp.reshape(y_true, (y_true.shape[0], -1))
    if parts.ndim != 3 - one_d or parts.shape[1] != Y.shape[0] or (
            not one_d and parts.shape[2] != Y.shape[1]):
        raise ValueError(
            f"y_pred_split must be of shape (n_bands, {Y.shape[0]}"
            f"{'' if one_d else f', {Y.shape[1]}'}) (one prediction per band), got "
            f"{tuple(parts.shape)}.")
    if not (bool(xp.all(xp.isfinite(Y))) and bool(xp.all(xp.isfinite(parts)))):
        raise ValueError("y_true and y_pred_split must be finite.")
    P = xp.reshape(parts, (parts.shape[0], Y.shape[0], Y.shape[1]))
    P = P - xp.mean(P, axis=1, keepdims=True)
    Yc = Y - xp.mean(Y, axis=0)
    total = xp.sum(Yc * Yc, axis=0)
    joint = xp.sum(P, axis=0)
    num = 2.0 * xp.sum(Yc[None] * P, axis=1) - xp.sum(P * joint[None], axis=1)
    defined = total > 0
    shares = xp.where(defined[None], num / xp.where(defined, total, xp.ones_like(total)),
                      xp.full_like(num, xp.nan))
    if multioutput == "raw_values":
        return shares[:, 0] if one_d else shares
    return np.asarray([_aggregate(shares[b, :], multioutput) for b in range(P.shape[0])])
