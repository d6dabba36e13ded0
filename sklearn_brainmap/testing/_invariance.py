"""Reusable invariance checks for similarity measures of two response matrices.

Each check transforms one input in a way the measure should not notice and raises an
``AssertionError`` that names the invariance when the value changes by more than
``rtol``/``atol``. Use them inside your own (property-based) tests.

The default tolerances follow the inputs' precision (:func:`default_tolerances`): a
float32 measure rounds at about 1e-7 relative, so the float64 tolerances would fail
measures that are exactly invariant in exact arithmetic.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

_RANDOM_STATE = ["random_state", np.random.Generator]
_TOLERANCE = [Interval(Real, 0, None, closed="left"), None]

#: (rtol, atol) by the precision of the inputs: about 1e9 and 1e3 units of rounding
#: (eps) for float64 and float32, room for the sums over stimuli and units a measure
#: does, far below any real violation of an invariance (the checks' transforms change
#: a non-invariant measure by order one).
_TOLERANCES = {8: (1e-7, 1e-9), 4: (1e-4, 1e-6), 2: (1e-2, 1e-3)}


@validate_params({"X": ["array-like"], "Y": ["array-like", None]},
                 prefer_skip_nested_validation=True)
def default_tolerances(X, Y=None):
    """``(rtol, atol)`` for comparing a measure computed on ``X`` (and ``Y``): by the
    lowest floating precision among them (float64 when none is floating).

    ========  ======  ======
    dtype     rtol    atol
    ========  ======  ======
    float64   1e-7    1e-9
    float32   1e-4    1e-6
    float16   1e-2    1e-3
    ========  ======  ======

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.testing import default_tolerances
    >>> default_tolerances(np.ones(3), np.ones(3, dtype=np.float32))
    (0.0001, 1e-06)
    """
    sizes = [np.asarray(a).dtype.itemsize for a in (X, Y)
             if a is not None and np.issubdtype(np.asarray(a).dtype, np.floating)]
    return _TOLERANCES.get(min(sizes, default=8), _TOLERANCES[8])


def _check_params(**extra):
    """``validate_params`` for a check: ``measure``, ``X``, ``Y``, tolerances, ``extra``.

    Nested validation is *not* skipped: the measure is the user's function, and the
    parameter checks of a measure such as ``partial(cka_score, debiased=...)`` must
    still run inside the check.
    """
    return validate_params(
        {"measure": [callable], "X": ["array-like"], "Y": ["array-like"], **extra,
         "rtol": _TOLERANCE, "atol": _TOLERANCE},
        prefer_skip_nested_validation=False,
    )


def _assert_same(name, measure, before, after, rtol, atol, arrays):
    default_rtol, default_atol = default_tolerances(*arrays)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    if np.isnan(before) or np.isnan(after):
        raise AssertionError(f"{getattr(measure, '__name__', measure)} returned NaN "
                             f"({before!r}, then {after!r} after {name}): a measure "
                             "should return a number for every valid input.")
    if not np.isclose(before, after, rtol=rtol, atol=atol):
        raise AssertionError(f"{getattr(measure, '__name__', measure)} is not invariant to "
                             f"{name}: {before!r} became {after!r}.")


def _rng(random_state):
    return np.random.default_rng(random_state)


@validate_params(
    {"n": [Interval(Integral, 1, None, closed="left")], "random_state": _RANDOM_STATE},
    prefer_skip_nested_validation=True,
)
def random_rotation(n, random_state=None):
    """A random orthogonal ``(n, n)`` matrix (QR of a Gaussian matrix, sign-corrected).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.testing import random_rotation
    >>> Q = random_rotation(4, random_state=0)
    >>> bool(np.allclose(Q @ Q.T, np.eye(4)))
    True
    """
    Q, R = np.linalg.qr(_rng(random_state).standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


@_check_params(random_state=_RANDOM_STATE)
def check_rotation_invariance(measure, X, Y, *, random_state=None, rtol=None,
                              atol=None):
    """``measure(X, Y) == measure(X Q, Y)`` for a random orthogonal ``Q``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.testing import check_rotation_invariance
    >>> def frobenius_gram(X, Y):  # compares the stimulus-by-stimulus Gram matrices
    ...     return -np.linalg.norm(X @ X.T - Y @ Y.T)
    >>> rng = np.random.default_rng(0)
    >>> check_rotation_invariance(frobenius_gram, rng.standard_normal((20, 4)),
    ...                           rng.standard_normal((20, 3)), random_state=0)
    """
    X = np.asarray(X)
    # the rotation in X's precision: a float64 Q would upcast a float32 X
    Q = random_rotation(X.shape[1], random_state).astype(X.dtype, copy=False)
    _assert_same("an orthogonal transform of X", measure, measure(X, Y), measure(X @ Q, Y),
                 rtol, atol, (X, Y))


@_check_params(factor=[Interval(Real, 0, None, closed="neither")])
def check_scaling_invariance(measure, X, Y, *, factor=3.7, rtol=None, atol=None):
    """``measure(X, Y) == measure(c X, Y)`` for an isotropic scaling ``c > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.testing import check_scaling_invariance
    >>> def gram_correlation(X, Y):
    ...     return np.corrcoef((X @ X.T).ravel(), (Y @ Y.T).ravel())[0, 1]
    >>> rng = np.random.default_rng(0)
    >>> check_scaling_invariance(gram_correlation, rng.standard_normal((20, 4)),
    ...                          rng.standard_normal((20, 3)))
    """
    _assert_same("isotropic scaling of X", measure, measure(X, Y), measure(factor * X, Y),
                 rtol, atol, (X, Y))


@_check_params(random_state=_RANDOM_STATE)
def check_translation_invariance(measure, X, Y, *, random_state=None, rtol=None,
                                 atol=None):
    """``measure(X, Y) == measure(X + 1 bᵀ, Y)`` for a random offset of every unit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.testing import check_translation_invariance
    >>> def first_unit_mean(X, Y):
    ...     return X[:, 0].mean()
    >>> rng = np.random.default_rng(0)
    >>> try:
    ...     check_translation_invariance(first_unit_mean, rng.standard_normal((20, 4)),
    ...                                  rng.standard_normal((20, 3)), random_state=0)
    ... except AssertionError as error:
    ...     print("caught:", str(error)[:45])
    caught: first_unit_mean is not invariant to a transla
    """
    X = np.asarray(X)
    offset = (5 * _rng(random_state).standard_normal(X.shape[1])).astype(X.dtype,
                                                                          copy=False)
    _assert_same("a translation of X", measure, measure(X, Y), measure(X + offset, Y),
                 rtol, atol, (X, Y))


@_check_params(random_state=_RANDOM_STATE)
def check_permutation_invariance(measure, X, Y, *, random_state=None, rtol=None,
                                 atol=None):
    """``measure(X, Y) == measure(X[:, π], Y)`` for a random permutation of the units.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.testing import check_permutation_invariance
    >>> def total_variance_ratio(X, Y):
    ...     return X.var(axis=0).sum() / Y.var(axis=0).sum()
    >>> rng = np.random.default_rng(0)
    >>> check_permutation_invariance(total_variance_ratio, rng.standard_normal((20, 4)),
    ...                              rng.standard_normal((20, 3)), random_state=0)
    """
    perm = _rng(random_state).permutation(X.shape[1])
    _assert_same("a permutation of X's units", measure, measure(X, Y),
                 measure(X[:, perm], Y), rtol, atol, (X, Y))


@_check_params()
def check_symmetry(measure, X, Y, *, rtol=None, atol=None):
    """``measure(X, Y) == measure(Y, X)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.testing import check_symmetry
    >>> def gram_distance(X, Y):
    ...     return np.linalg.norm(X @ X.T - Y @ Y.T)
    >>> rng = np.random.default_rng(0)
    >>> check_symmetry(gram_distance, rng.standard_normal((20, 4)),
    ...                rng.standard_normal((20, 3)))
    """
    _assert_same("swapping its arguments", measure, measure(X, Y), measure(Y, X), rtol,
                 atol, (X, Y))
