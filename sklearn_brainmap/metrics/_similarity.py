"""Similarity measures between two response matrices with the same stimuli (rows): CKA
and Procrustes (soft matching: :mod:`._soft_matching`).

Every function takes ``X`` of shape ``(n_stimuli, n_units_x)`` and ``Y`` of shape
``(n_stimuli, n_units_y)``; widths may differ. ``*_score`` is higher-is-better,
``*_distance`` lower-is-better.

Every measure here is invariant to the scale of either input, and is computed on inputs
divided by a power of two near their largest magnitude (exact in floating point): the
same value for data at 1e-300, 1 or 1e300, without overflow or underflow of the squares
and fourth powers.
"""

import math

import numpy as np
from sklearn.utils._param_validation import validate_params

from ..utils import lapack_threads_for
from ..utils._array_api import array_namespace, is_numpy, namespace_and_device
from ._validation import centered_nonconstant, check_response_pair


#: Parameters of the soft matching functions, as for :class:`~sklearn_brainmap.SoftMatching`.


def _norm(A, xp):
    """Frobenius norm, a Python float (NumPy: ``np.linalg.norm``, one BLAS pass)."""
    if is_numpy(xp):
        return float(np.linalg.norm(A))
    return math.sqrt(float(xp.sum(A * A)))


def _inner(A, B, xp):
    """``Σ A ∘ B``, a Python float (NumPy: ``np.vdot``, no temporary)."""
    if is_numpy(xp):
        return float(np.vdot(A, B))
    return float(xp.sum(A * B))


def _linear_kernel_terms(Xc, Yc):
    """``‖X_cᵀY_c‖²_F``, ``‖X_cᵀX_c‖²_F``, ``‖Y_cᵀY_c‖²_F`` from the smallest arrays.

    A matrix with fewer units than stimuli is used as is (feature space, arrays of
    ``units × units``); a wider one through its Gram matrix ``K = A_c A_cᵀ``
    (``stimuli × stimuli``). The cross term then is ``‖X_cᵀY_c‖²_F`` (both narrow),
    ``Σ (K_y X_c) ∘ X_c`` (one wide) or ``⟨K_x, K_y⟩_F`` (both wide).
    Returns the three terms and the diagonals ``diag(A_c A_cᵀ)`` (row norms²).
    """
    xp, _ = array_namespace(Xc)
    n = Xc.shape[0]
    Kx = Xc @ Xc.T if Xc.shape[1] > n else None
    Ky = Yc @ Yc.T if Yc.shape[1] > n else None
    if Kx is None and Ky is None:
        cross = _norm(Xc.T @ Yc, xp) ** 2
    elif Kx is None:
        cross = _inner(Ky @ Xc, Xc, xp)
    elif Ky is None:
        cross = _inner(Kx @ Yc, Yc, xp)
    else:
        cross = _inner(Kx, Ky, xp)
    xx = _norm(Kx if Kx is not None else Xc.T @ Xc, xp) ** 2
    yy = _norm(Ky if Ky is not None else Yc.T @ Yc, xp) ** 2
    dx = xp.sum(Xc * Xc, axis=1)
    dy = xp.sum(Yc * Yc, axis=1)
    return cross, xx, yy, dx, dy


def _unbiased_hsic(cross, dx, dy, n):
    """Song et al.'s unbiased HSIC (times ``n(n−3)``) for column-centred data.

    With centred data ``K 1 = 0``, so the U-statistic
    ``tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − 2/(n−2) 1ᵀK̃L̃1`` (``K̃``: ``K`` with a zero
    diagonal) only needs ``⟨K, L⟩``, ``d_x = diag K`` and ``d_y = diag L``:
    ``⟨K, L⟩ − d_x·d_y + (Σd_x)(Σd_y)/((n−1)(n−2)) − 2 d_x·d_y/(n−2)``.
    """
    xp, _ = array_namespace(dx)
    dd = float(xp.sum(dx * dy))
    return (cross - dd + float(xp.sum(dx)) * float(xp.sum(dy)) / ((n - 1) * (n - 2))
            - 2 * dd / (n - 2))


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"], "debiased": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def cka_score(X, Y, *, debiased=False):
    """Linear centred kernel alignment (CKA) between two response matrices.

    ``CKA(X, Y) = ‖Y_cᵀ X_c‖²_F / (‖X_cᵀ X_c‖_F ‖Y_cᵀ Y_c‖_F)`` on column-centred data
    (Kornblith et al. 2019), i.e. ``HSIC(K, L) / √(HSIC(K, K) HSIC(L, L))`` with
    linear kernels. ``debiased=True`` replaces every HSIC by Song et al.'s (2012)
    unbiased estimator, which removes the positive bias of CKA when units outnumber
    stimuli (independent representations then score ≈ 0, not ≫ 0).

    Invariant to orthogonal transforms of the units, isotropic scaling and
    translation of either input.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x)
    Y : array-like of shape (n_stimuli, n_units_y)
    debiased : bool, default=False
        Use the unbiased HSIC estimator (needs at least 4 stimuli).

    Returns
    -------
    score : float
        In ``[0, 1]`` (biased); the debiased value can be slightly negative.

    Raises
    ------
    ValueError
        For mismatched rows, NaN or infinite values, fewer than 2 stimuli (4 when
        ``debiased``), or an input whose units are all constant (CKA is then
        undefined). Constant units among others are harmless: centring makes them
        zero columns, which do not change CKA.

    Notes
    -----
    Computed without forming an array larger than needed: a matrix with fewer units
    than stimuli enters through its ``units × units`` products (feature space), a
    wider one through its ``stimuli × stimuli`` Gram matrix. The debiased form uses
    the same products plus the row norms ``diag(K)``, because ``K 1 = 0`` for centred
    data.
    With array-API dispatch on, PyTorch, CuPy or array-api-strict inputs are computed
    on their device (:doc:`/user_guide/gpu`).

    References
    ----------
    Kornblith, Norouzi, Lee & Hinton (2019), Similarity of neural network
    representations revisited, *ICML*. Song, Smola, Gretton, Bedo & Borgwardt (2012),
    Feature selection via dependence maximization, *JMLR* 13 (unbiased HSIC).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import cka_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> Q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    >>> round(cka_score(X, 3 * X @ Q + 1), 12)
    1.0
    >>> bool(cka_score(X, rng.standard_normal((100, 10))) < 0.2)
    True
    """
    X, Y = check_response_pair(X, Y, min_samples=4 if debiased else 2)
    n = X.shape[0]
    Xc = centered_nonconstant(X, "X", "CKA")
    Yc = centered_nonconstant(Y, "Y", "CKA")
    cross, xx, yy, dx, dy = _linear_kernel_terms(Xc, Yc)
    hsic = _unbiased_hsic
    if debiased:
        cross = hsic(cross, dx, dy, n)
        xx = hsic(xx, dx, dx, n)
        yy = hsic(yy, dy, dy, n)
        if xx <= 0 or yy <= 0:
            raise ValueError(
                "Debiased CKA is undefined: the unbiased HSIC of "
                f"{'X' if xx <= 0 else 'Y'} with itself is not positive "
                f"({min(xx, yy) / (n * (n - 3)):.3g}); too few stimuli for its variance.")
    return float(cross / np.sqrt(xx * yy))


def _procrustes_factor(Ac):
    """A matrix ``B`` with ``B Bᵀ = A_c A_cᵀ`` and at most ``min(n, p)`` columns.

    ``A_c`` itself when it has no more units than stimuli. Otherwise ``U Λ^½`` from the
    eigendecomposition of the Gram matrix ``A_c A_cᵀ = U Λ Uᵀ``: ``A_c = U Λ^½ Vᵀ``
    with orthonormal ``V``, which no unitarily invariant norm of ``A_cᵀ Y`` sees.
    Eigenvalues within rounding of zero (``≤ n ε λ_max``; at least the one that
    centring creates) are dropped, so that their rounding noise, amplified by the
    square root, does not enter the nuclear norm. (A QR factor of ``A_cᵀ`` is exact
    too, but LAPACK's QR was 5–15× slower than the Gram product + ``eigh`` on this
    shared 2-core machine.)
    """
    xp, _ = array_namespace(Ac)
    n, p = Ac.shape
    if p <= n:
        return Ac
    K = Ac @ Ac.T
    with lapack_threads_for(n * n):
        lam, U = xp.linalg.eigh(K)
    tol = n * float(xp.finfo(lam.dtype).eps) * float(lam[-1])
    null = n - int(xp.sum(xp.astype(lam > tol, xp.int64)))  # ascending: a leading run
    return U[:, null:] * xp.sqrt(lam[null:])


@validate_params({"X": ["array-like"], "Y": ["array-like"]},
                 prefer_skip_nested_validation=True)
def procrustes_score(X, Y):
    """Normalized Bures similarity: the cosine of the angular Procrustes distance.

    ``NBS(X, Y) = ‖X_cᵀ Y_c‖_* / (‖X_c‖_F ‖Y_c‖_F) = max_Q ⟨X_c, Y_c Q⟩ / (‖X_c‖_F ‖Y_c‖_F)``
    over orthogonal ``Q`` (``‖·‖_*`` the nuclear norm, the sum of singular values), on
    column-centred data; different widths are zero-padded implicitly. In ``[0, 1]``;
    1 when ``Y`` is a rotation, reflection, isotropic scaling and translation of
    ``X``. Stricter than CKA: it compares the geometry itself, not only the
    alignment of the kernels.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x)
    Y : array-like of shape (n_stimuli, n_units_y)

    Returns
    -------
    score : float
        In ``[0, 1]`` (rounding above 1 is clipped).

    Raises
    ------
    ValueError
        For mismatched rows, NaN or infinite values, fewer than 2 stimuli, or an
        input whose units are all constant. Constant units among others are zero
        columns after centring and change nothing.

    See Also
    --------
    procrustes_distance : ``arccos`` of this score, a metric.

    Notes
    -----
    Arrays stay at most ``min(n, p_x) × min(n, p_y)``: a matrix wider than the number
    of stimuli is first replaced by ``U Λ^½`` from its Gram matrix ``U Λ Uᵀ``, which
    has the same Gram matrix and hence the same Procrustes geometry; the singular
    values of the small product give the nuclear norm. The decompositions run on one
    BLAS thread (multithreaded LAPACK was 3–15× slower on a shared 2-core machine).
    With array-API dispatch on, PyTorch, CuPy or array-api-strict inputs are computed
    on their device (:doc:`/user_guide/gpu`).

    References
    ----------
    Williams, Kunz, Kornblith & Linderman (2021), Generalized shape metrics on neural
    representations, *NeurIPS* (the angular distance and its cosine, the normalized
    Bures similarity of the linear kernels).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import procrustes_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 6))
    >>> Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    >>> round(procrustes_score(X, 2 * X @ Q - 5), 12)
    1.0
    """
    X, Y = check_response_pair(X, Y)
    xp, _ = array_namespace(X)
    Bx = _procrustes_factor(centered_nonconstant(X, "X", "The Procrustes similarity"))
    By = _procrustes_factor(centered_nonconstant(Y, "Y", "The Procrustes similarity"))
    M = Bx.T @ By
    with lapack_threads_for(M.shape[0] * M.shape[1]):
        nuclear = float(xp.sum(xp.linalg.svdvals(M)))
    score = nuclear / (_norm(Bx, xp) * _norm(By, xp))
    return float(min(max(score, 0.0), 1.0))


@validate_params({"X": ["array-like"], "Y": ["array-like"]},
                 prefer_skip_nested_validation=True)
def procrustes_distance(X, Y):
    """Angular Procrustes distance, ``arccos`` of the normalized Bures similarity.

    ``d(X, Y) = arccos(‖X_cᵀ Y_c‖_* / (‖X_c‖_F ‖Y_c‖_F))``, in ``[0, π/2]``: the angle
    between ``X_c`` and ``Y_c`` after the best rotation. It is a metric on
    representations up to rotation, translation and isotropic scaling (symmetric,
    triangle inequality), with different widths zero-padded.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x)
    Y : array-like of shape (n_stimuli, n_units_y)

    Returns
    -------
    distance : float
        In radians; ``cos(distance) == procrustes_score(X, Y)``.

    See Also
    --------
    procrustes_score : its cosine, with the validation rules.

    References
    ----------
    Williams, Kunz, Kornblith & Linderman (2021), Generalized shape metrics on neural
    representations, *NeurIPS*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.metrics import procrustes_distance
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> round(procrustes_distance(X, X[:, ::-1]), 12)
    0.0
    """
    X, Y = check_response_pair(X, Y)
    xp, _ = namespace_and_device(X)
    if not is_numpy(xp):
        return float(np.arccos(procrustes_score(X, Y)))
    # arccos(1 − δ) ≈ √(2δ) turns the score's rounding (δ ~ 1e-16) into an angle of
    # ~1e-8 for identical inputs: the angle comes from the residual of the best
    # rotation instead, θ = 2 arcsin(‖X̂ − Ŷ Q*‖ / 2) on unit-norm inputs (the chord of
    # the angle), exact to rounding at 0 as at π/2
    what = "The Procrustes distance"
    Bx = _procrustes_factor(centered_nonconstant(X, "X", what))
    By = _procrustes_factor(centered_nonconstant(Y, "Y", what))
    k = max(Bx.shape[1], By.shape[1])
    Bx = np.pad(Bx / np.linalg.norm(Bx), ((0, 0), (0, k - Bx.shape[1])))
    By = np.pad(By / np.linalg.norm(By), ((0, 0), (0, k - By.shape[1])))
    M = By.T @ Bx
    with lapack_threads_for(M.size):
        U, _, Vt = np.linalg.svd(M)
    chord = np.linalg.norm(Bx - By @ (U @ Vt))   # max_Q ⟨Bx, By Q⟩ at Q = U Vᵀ
    return float(2.0 * np.arcsin(min(chord / 2.0, 1.0)))
