"""Power-of-two rescaling of designs, targets and weights, exact in binary floating point.

Dividing an array by ``2**e`` (``np.ldexp(A, -e)``) changes only exponents: every
product, sum and factorisation of the rescaled array gives the rescaled result bit for
bit, as long as nothing overflows or underflows. The linear models rescale their
inputs this way so that their Gram matrices, squared errors and gradients stay in the
floating-point range whatever the units of the data (1e-300 or 1e300), and give the
coefficients back in the user's units; penalties are rescaled with them (a penalty
``α`` on weights of a design scaled by ``2**-e`` is ``α · 4**-e``).
"""

import numpy as np

from ..utils._array_api import array_namespace, is_numpy, ldexp, max_abs, scalar_exponent
from ..utils._stats import power_of_two_exponents

#: Arrays whose largest magnitude is beyond ``2**±EXTREME_EXPONENT`` (float64; float32:
#: :data:`EXTREME_EXPONENT_FLOAT32`) are rescaled before their squares are formed;
#: within, squares and sums of many squares are far from overflow and underflow.
EXTREME_EXPONENT = 256
EXTREME_EXPONENT_FLOAT32 = 32


def extreme_exponent(A):
    """The power-of-two exponent of ``max |A|`` when it is beyond the safe range, else 0.

    ``A`` may be an array of any array-API namespace (two reductions, one value back to
    the host).
    """
    xp, _ = array_namespace(A)
    if is_numpy(xp):
        A = np.asarray(A)
    e = 0 if 0 in A.shape else scalar_exponent(float(max_abs(A, xp)))
    limit = EXTREME_EXPONENT_FLOAT32 if xp.finfo(A.dtype).bits == 32 else EXTREME_EXPONENT
    return e if abs(e) > limit else 0


def nearest_power_of_two_exponent(v):
    """``round(log2(v))`` elementwise (an int array, or an int for a scalar); 0 where ``v``
    is 0 or not finite."""
    v = np.asarray(v, dtype=float)
    ok = np.isfinite(v) & (v > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(ok, np.rint(np.log2(np.where(ok, v, 1.0))), 0).astype(int)
    return int(e) if e.ndim == 0 else e


def penalty_in_scaled_units(alpha, e, dtype=np.float64, *, weight_exponent=0):
    """The penalty ``α · 4**-e`` of weights on a design divided by ``2**e``, in ``dtype``.

    With sample weights divided by ``2**weight_exponent`` too, the penalty is divided
    by it as well (the loss is a weighted sum).

    Beyond the float range it is clipped to the largest float: the weights are then
    zero, as they are in exact arithmetic to within rounding (an infinite penalty would
    give ``inf · 0``). Below it, it is 0: the penalty is then negligible next to the
    design's own curvature, which is of order one after the rescaling.
    """
    alpha = ldexp(np.asarray(alpha, dtype=dtype), -2 * e - weight_exponent)
    return np.minimum(alpha, np.finfo(dtype).max)


def check_representable(coef, scaled_coef, what="coefficients"):
    """Raise a ValueError when weights computed in rescaled units cannot be stored.

    ``coef`` is ``scaled_coef`` brought back to the user's units. Where a weight
    overflowed to infinity, or a normal non-zero weight fell to zero or to a subnormal
    number (losing its digits), the model cannot be represented in floating point in
    those units.
    """
    xp, _ = array_namespace(coef)
    if is_numpy(xp):
        coef, scaled_coef = np.asarray(coef), np.asarray(scaled_coef)
    tiny = float(xp.finfo(coef.dtype).smallest_normal)
    lost = (xp.abs(scaled_coef) >= tiny) & (xp.abs(coef) < tiny)
    if not bool(xp.all(xp.isfinite(coef))) or bool(xp.any(lost)):
        raise unrepresentable_error(what, np.float32 if xp.finfo(coef.dtype).bits == 32
                                    else np.float64)


def unrepresentable_error(what, dtype):
    """The ValueError of :func:`check_representable` for weights in ``dtype``."""
    info = np.finfo(dtype)
    return ValueError(
        f"The fitted {what} are beyond the range of {info.dtype} in the units of X "
        f"and y (X and y differ in scale by a factor near or beyond {info.max:.0e}): "
        f"rescale X or y (e.g. divide each by its largest absolute value) and fit "
        f"again.")


def mean_and_std(A, weights=None):
    """Column means and standard deviations of ``A`` (weighted by ``weights`` when given).

    The deviations of each column are divided by a power of two near their largest
    before they are squared, so that values near either end of the float range
    neither overflow nor underflow.
    """
    mean = A.mean(axis=0) if weights is None else (weights @ A) / weights.sum()
    D = A - mean
    e = power_of_two_exponents(D, axis=0)
    D = np.ldexp(D, -e[None, :])
    var = (np.einsum("ij,ij->j", D, D) / D.shape[0] if weights is None else
           (weights @ (D * D)) / weights.sum())
    return mean, np.ldexp(np.sqrt(var), e)
