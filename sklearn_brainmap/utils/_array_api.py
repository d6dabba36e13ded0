"""Array-API dispatch: which namespace and device a computation runs in.

With ``sklearn.set_config(array_api_dispatch=True)`` (and ``SCIPY_ARRAY_API=1`` in the
environment before SciPy is imported), the functions and classes listed in
:data:`ARRAY_API_SUPPORT` run in the namespace and on the device of their inputs
(PyTorch, CuPy, array-api-strict, ...) and return arrays of that namespace. Each
algorithm is one function for every namespace, as in scikit-learn: it takes ``xp`` from
its inputs (:func:`array_namespace`, which gives NumPy arrays scikit-learn's array-API
view of NumPy), and keeps its NumPy-only speed-ups (in-place updates, ``einsum``, cache
blocking) as small ``if is_numpy(xp):`` blocks.

The helpers here are thin layers over scikit-learn's own
(:func:`sklearn.utils._array_api.get_namespace_and_device`, ``move_to``), so that the
package follows scikit-learn's rules: dispatch is off by default, and every array of
a call must share one namespace and device (``y`` is moved to those of ``X``).
"""

import math

import numpy as np
from sklearn import get_config
from sklearn.utils._array_api import (_convert_to_numpy, _is_numpy_namespace,
                                      get_namespace, get_namespace_and_device)

try:  # scikit-learn >= 1.8
    from sklearn.utils._array_api import move_to
except ImportError:  # pragma: no cover - older scikit-learn: through the host
    def move_to(A, *, xp, device):
        source, _ = namespace_and_device(A)
        return xp.asarray(to_numpy(A) if source is not np else np.asarray(A),
                          device=device)

#: The estimators and functions that run in the namespace of their inputs. Everything
#: else raises :class:`TypeError` on arrays of another namespace than NumPy, naming
#: these (see :func:`check_namespace_support`).
ARRAY_API_SUPPORT = (
    "Ridge", "BandedRidge", "OneToOne",
    "PairwiseMapping (with one of those, or a supported measure)",
    "r2_score", "pearson_r_score", "cka_score", "procrustes_score",
    "procrustes_distance", "rsa_score (Pearson and Spearman)", "rdm",
)


def namespace_and_device(*arrays):
    """The namespace and device a computation on ``arrays`` runs in.

    Returns ``(numpy, None)`` when dispatch is off, or when the arrays are NumPy arrays
    (or lists, data frames...): the callers then take their NumPy path unchanged.
    Otherwise the array-API namespace of the arrays (PyTorch, CuPy, array-api-strict)
    and their device; scikit-learn raises when they differ.
    """
    # the common cases first, in a microsecond: these calls sit in loops over pairs
    if all(A is None or isinstance(A, np.ndarray) for A in arrays):
        return np, None
    if not get_config()["array_api_dispatch"]:
        return np, None
    xp, is_array_api, device = get_namespace_and_device(*arrays)
    if not is_array_api or _is_numpy_namespace(xp):
        return np, None
    return xp, device


try:  # the array-API view of NumPy that scikit-learn uses (NumPy 1.x included)
    from sklearn.externals.array_api_compat import numpy as _NUMPY
except ImportError:  # pragma: no cover
    _NUMPY = get_namespace(np.zeros(0))[0]


def array_namespace(*arrays):
    """``(xp, device)`` for a kernel written once for every namespace.

    As :func:`namespace_and_device`, except that NumPy arrays get scikit-learn's
    array-API view of NumPy (``xp.astype``, ``xp.concat``, ``xp.clip(min=...)`` on any
    NumPy version; it returns plain ``ndarray``), so that a kernel uses ``xp.*``
    throughout and keeps NumPy-only speed-ups in ``if is_numpy(xp):`` blocks.
    """
    xp, device = namespace_and_device(*arrays)
    return (_NUMPY, None) if xp is np else (xp, device)


def is_numpy(xp):
    """Whether ``xp`` is NumPy (or scikit-learn's array-API view of it)."""
    return xp is np or _is_numpy_namespace(xp)


def itemsize(dtype, xp):
    """Bytes per element of a floating ``dtype`` of ``xp``."""
    return xp.finfo(dtype).bits // 8


def ldexp(A, e):
    """``A · 2**e`` for an int ``e`` (exact in binary floating point), in the dtype and
    namespace of ``A``; ``A`` itself, not a copy, when ``e`` is 0.

    NumPy arrays (where ``e`` may also be an array of exponents) use ``np.ldexp``,
    without a warning where it over- or underflows (the callers check the results).
    Other namespaces have no ``ldexp``: two products by powers of two, so that neither
    factor leaves the float range where ``A · 2**e`` is representable but ``2**e`` alone
    is not.
    """
    if np.ndim(e) == 0 and e == 0:
        return A
    if isinstance(A, np.ndarray) or np.isscalar(A):
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(A, e)
    half = int(e) // 2
    return (A * 2.0**half) * 2.0**(int(e) - half)


def to_namespace(A, xp, device):
    """``A`` (an array of any namespace, an array-like, or None) in namespace ``xp`` on
    ``device``: scikit-learn's rule that every input follows ``X``. For NumPy
    (``xp is np``), arrays of another namespace are copied to the host and anything
    else is left for the NumPy validation."""
    if A is None:
        return A
    if xp is np:
        return A if namespace_and_device(A)[0] is np else to_numpy(A)
    return move_to(A, xp=xp, device=device)


def to_numpy(A):
    """A NumPy copy of an array of any namespace (a NumPy array is returned as is)."""
    if isinstance(A, np.ndarray):
        return A
    xp, _ = namespace_and_device(A)
    return np.asarray(A) if xp is np else _convert_to_numpy(A, xp)


def check_namespace_support(what, *arrays):
    """Raise a clear :class:`TypeError` when ``arrays`` are of a namespace that ``what``
    cannot run in (anything but NumPy, with array-API dispatch on).

    We raise rather than convert to NumPy with a warning: a silent copy from a GPU to
    the host and back can cost more than the fit, and the user can convert explicitly
    (``X.cpu().numpy()``) or fit one of the supported classes instead.
    """
    xp, device = namespace_and_device(*arrays)
    if xp is np:
        return
    raise TypeError(
        f"{what} runs only on NumPy arrays, got arrays of namespace "
        f"{xp.__name__.split('.')[-1]} "
        f"(device {device}) with array-API dispatch on. Its solver (Newton iterations, "
        "optimal transport or scipy routines) has no array-API version. Convert the "
        "inputs to NumPy (e.g. X.cpu().numpy()), or use one of the classes and "
        f"functions that run on any namespace: {', '.join(ARRAY_API_SUPPORT)}.")


def float_dtypes(xp):
    """The accepted floating dtypes of ``xp``, float64 first (float32 is kept)."""
    return [xp.float64, xp.float32]


def max_abs(A, xp, axis=None):
    """``max |A|`` (over ``axis``) from two reductions, no temporary of the size of ``A``."""
    return xp.maximum(xp.max(A, axis=axis), -xp.min(A, axis=axis))


def power_of_two(top, xp):
    """Powers of two near ``top`` (an array of non-negative magnitudes): ``2**e`` with
    ``top / 2**e`` in ``[0.25, 1)``; 1 where ``top`` is 0 or not finite.

    The namespace version of :func:`~sklearn_brainmap.utils._stats.power_of_two_exponents`
    (the array API has no ``frexp``): dividing by the result is exact in binary
    floating point, and ``log2`` rounding can only move ``e`` by one.
    """
    ok = xp.isfinite(top) & (top > 0)
    safe = xp.where(ok, top, xp.ones_like(top))
    e = xp.where(ok, xp.floor(xp.log2(safe)) + 1, xp.zeros_like(top))
    return 2.0 ** e


def scalar_exponent(value):
    """``e`` with ``|value| / 2**e`` in ``[0.5, 1)`` for a Python float (0 for 0, inf
    or NaN), as :func:`math.frexp`."""
    return math.frexp(value)[1] if math.isfinite(value) and value else 0


def first_argmin(A, xp, axis=0):
    """Index of the first minimum along ``axis`` (0 or None), ties to the lowest index.

    ``argmin`` is not tie-stable in every library (PyTorch's vectorised CPU reduction
    may return a later index), and NumPy's choice among tied candidates is what the
    package documents: the smallest penalty, the lowest source index.
    """
    if is_numpy(xp):  # NumPy's argmin is tie-stable
        return int(np.argmin(A)) if axis is None else np.argmin(A, axis=axis)
    if axis is None:
        A = xp.reshape(A, (-1,))
        return int(first_argmin(A[:, None], xp, axis=0)[0])
    m = A.shape[0]
    at_min = A == xp.min(A, axis=0)
    index = xp.arange(m, device=A.device)[:, None]
    return xp.min(xp.where(at_min, index, xp.full_like(index, m)), axis=0)
