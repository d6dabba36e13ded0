"""Input checks shared by the metric functions."""

import numpy as np
from sklearn.utils import check_array

from ..utils import check_response_matrix, check_same_stimuli, constant_columns
from ..utils._array_api import (array_namespace, ldexp, max_abs, namespace_and_device,
                                scalar_exponent, to_namespace)


def check_response_pair(X, Y, *, min_samples=2):
    """Validate two ``(n_stimuli, n_units)`` response matrices with the same stimuli.

    Both are 2-D, finite, float64 or float32 (float32 is kept only when both are), and
    have at least ``min_samples`` stimuli and the same number of them.
    With array-API dispatch on, ``X`` decides the namespace and device: ``Y`` is moved
    to them (a NumPy ``X`` takes the NumPy path, with ``Y`` converted to NumPy).
    """
    xp, device = namespace_and_device(X)
    Y = to_namespace(Y, xp, device)
    X = check_response_matrix(X, "X", min_samples=min_samples)
    Y = check_response_matrix(Y, "Y", min_samples=min_samples)
    check_same_stimuli(X, Y)
    if X.dtype != Y.dtype:
        if xp is not np:
            return xp.astype(X, xp.float64), xp.astype(Y, xp.float64)
        X, Y = X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
    return X, Y


def centered_nonconstant(A, name, measure):
    """Column-centred copy of ``A`` divided by a power of two; a clear error when every
    column is constant.

    For measures invariant to an isotropic scaling (CKA, Procrustes). ``A`` is divided
    by a power of two near its largest magnitude before centring (so that the mean of
    data near the float range does not overflow), and the centred matrix again, so
    that its largest entry is about 1: the products of the measure (fourth powers for
    CKA) neither overflow nor underflow for data at 1e-150 or 1e150. Dividing by a
    power of two is exact, so the measure does not change.

    Constant columns are set to exactly zero (centring leaves rounding residue), so
    that they contribute nothing, as a unit without variance should.
    """
    xp, device = array_namespace(A)
    A = _rescaled(A, xp)
    constant = constant_columns(A)
    if constant.all():
        raise ValueError(
            f"{measure} is undefined when every unit of {name} is constant "
            f"({name} has {A.shape[1]} unit(s) and no variance across stimuli).")
    Ac = A - xp.mean(A, axis=0)
    if constant.any():
        Ac *= xp.asarray(~constant, dtype=Ac.dtype, device=device)
    return _rescaled(Ac, xp)


def _rescaled(A, xp):
    """``A`` divided by a power of two near its largest magnitude (exact)."""
    return ldexp(A, -(0 if 0 in A.shape else scalar_exponent(float(max_abs(A, xp)))))


def refuse_rdm_objects(A, name):
    """A clear error for an rsatoolbox ``RDMs`` object (NumPy cannot read it)."""
    if hasattr(A, "get_matrices") and hasattr(A, "dissimilarities"):
        raise TypeError(
            f"{name} is an rsatoolbox {type(A).__name__} object; give its values as an "
            "array with rdm_metric='precomputed': rdms.get_matrices()[0] (square) or "
            "rdms.get_vectors()[0] (condensed) for one RDM, or compare a stack of them "
            "with compare_rdms(rdms.get_matrices()).")


def precomputed_triangle(D, name):
    """The upper triangle (``k=1``, row-major) of a square RDM, or a condensed RDM as
    it is (the ``n(n−1)/2`` values of ``rdm(X, condensed=True)`` or SciPy's
    ``pdist``); finite, at least 3 stimuli."""
    D = np.asarray(D)
    if D.ndim == 1:
        m = D.size
        n = int(round((1 + np.sqrt(1 + 8 * m)) / 2))
        if n * (n - 1) // 2 != m or n < 3:
            raise ValueError(
                f"With rdm_metric='precomputed', a 1-D {name} is read as a condensed RDM "
                f"(n(n−1)/2 values for n ≥ 3 stimuli); got {m} values, which is not such "
                "a number.")
        D = check_array(D[None], dtype=np.float64, input_name=name)[0]
        return D
    D = check_array(D, dtype=np.float64, input_name=name, ensure_min_samples=3)
    if D.shape[0] != D.shape[1]:
        raise ValueError(f"With rdm_metric='precomputed', {name} must be a square RDM "
                         f"(n_stimuli, n_stimuli) or a condensed one (n(n−1)/2 values); "
                         f"got shape {D.shape}.")
    return D[np.triu_indices(D.shape[0], k=1)]


def looks_like_rdm(A):
    """Square, symmetric to rounding, non-negative, zero diagonal: an RDM, not responses
    (responses of that shape are almost never symmetric with a zero diagonal)."""
    n = A.shape[0]
    if A.shape != (n, n) or n < 3 or np.any(np.diagonal(A) != 0) or A.min() < 0:
        return False
    return bool(np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * max(np.abs(A).max(), 1e-300)))
