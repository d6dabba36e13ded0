"""Reusable invariance checks for similarity measures of two response matrices.

Each check transforms one input in a way the measure should not notice and raises an
``AssertionError`` that names the invariance when the value changes by more than
``rtol``/``atol``. Use them inside your own (property-based) tests.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

_RANDOM_STATE = ["random_state", np.random.Generator]
_TOLERANCE = [Interval(Real, 0, None, closed="left")]


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


def _assert_same(name, measure, before, after, rtol, atol):
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
def check_rotation_invariance(measure, X, Y, *, random_state=None, rtol=1e-7, atol=1e-9):
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
    Q = random_rotation(X.shape[1], random_state)
    _assert_same("an orthogonal transform of X", measure, measure(X, Y), measure(X @ Q, Y),
                 rtol, atol)


@_check_params(factor=[Interval(Real, 0, None, closed="neither")])
def check_scaling_invariance(measure, X, Y, *, factor=3.7, rtol=1e-7, atol=1e-9):
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
                 rtol, atol)


@_check_params(random_state=_RANDOM_STATE)
def check_translation_invariance(measure, X, Y, *, random_state=None, rtol=1e-7,
                                 atol=1e-9):
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
    offset = 5 * _rng(random_state).standard_normal(X.shape[1])
    _assert_same("a translation of X", measure, measure(X, Y), measure(X + offset, Y),
                 rtol, atol)


@_check_params(random_state=_RANDOM_STATE)
def check_permutation_invariance(measure, X, Y, *, random_state=None, rtol=1e-7,
                                 atol=1e-9):
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
                 measure(X[:, perm], Y), rtol, atol)


@_check_params()
def check_symmetry(measure, X, Y, *, rtol=1e-7, atol=1e-9):
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
                 atol)
