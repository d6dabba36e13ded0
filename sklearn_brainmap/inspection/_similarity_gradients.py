"""Similarity measures with their analytic gradients with respect to one input.

The optimisation of Cloos et al. moves a synthetic dataset ``Y`` (stimuli × units) by
gradient ascent on ``s(X, Y)`` for a fixed reference ``X``. Each measure here returns
the score and ``∂s/∂Y`` in closed form (no automatic differentiation), on the same
definitions as the package's similarity functions:

- ``"cka"``: linear CKA, as :func:`~sklearn_brainmap.metrics.cka_score`;
- ``"nbs"``: normalized Bures similarity ``cos θ``, as
  :func:`~sklearn_brainmap.metrics.procrustes_score`;
- ``"angular_procrustes"``: ``1 − θ / (π/2)`` with ``θ`` the angular Procrustes
  distance (:func:`~sklearn_brainmap.metrics.procrustes_distance`), the score Cloos et
  al. report for angular Procrustes;
- ``"ridge_r2"``: the R² of a ridge regression predicting ``X`` from ``Y``.

Every score depends on ``Y`` only through the column-centred ``Y_c = H Y``
(``H = I − 11ᵀ/n``), so every gradient is centred (``1ᵀ ∂s/∂Y = 0``).
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..metrics._validation import check_response_pair
from ..utils._stats import rescaled

#: Names of the measures that have a gradient.
GRADIENT_MEASURES = ("cka", "nbs", "angular_procrustes", "ridge_r2")


def _centred(A):
    return A - A.mean(axis=0)


class _Reference:
    """What the gradients need from the reference ``X``, computed once."""

    def __init__(self, X):
        self.Xc = _centred(np.asarray(X, dtype=np.float64))
        self.norm = np.linalg.norm(self.Xc)
        if self.norm == 0:
            raise ValueError("The reference X has no variance across stimuli: every "
                             "similarity to it is undefined.")
        self.gram_norm = np.linalg.norm(self.Xc.T @ self.Xc)


def _cka_and_gradient(ref, Y):
    """Linear CKA and its gradient.

    With ``a = ‖X_cᵀY_c‖²_F``, ``b = ‖Y_cᵀY_c‖_F`` and ``c = ‖X_cᵀX_c‖_F``,
    ``CKA = a / (b c)``; ``∂a/∂Y = 2 X_c X_cᵀ Y_c`` and
    ``∂b/∂Y = 2 Y_c Y_cᵀ Y_c / b`` (both already centred), so
    ``∂CKA/∂Y = 2 X_c (X_cᵀ Y_c) / (b c) − 2 a Y_c (Y_cᵀ Y_c) / (b³ c)``.
    """
    Yc = _centred(Y)
    XtY = ref.Xc.T @ Yc
    YtY = Yc.T @ Yc
    a = np.vdot(XtY, XtY)
    b = np.linalg.norm(YtY)
    c = ref.gram_norm
    score = a / (b * c)
    grad = 2.0 * (ref.Xc @ XtY) / (b * c) - 2.0 * a * (Yc @ YtY) / (b**3 * c)
    return float(score), grad


def _nbs_and_gradient(ref, Y):
    """Normalized Bures similarity ``‖X_cᵀY_c‖_* / (‖X_c‖_F ‖Y_c‖_F)`` and its gradient.

    With ``X_cᵀY_c = U S Vᵀ`` (thin SVD), ``∂‖M‖_*/∂M = U Vᵀ`` where the singular values
    are positive, so ``∂NBS/∂Y = X_c U Vᵀ / (‖X_c‖ ‖Y_c‖) − NBS · Y_c / ‖Y_c‖²``.
    Where ``X_cᵀY_c`` is rank deficient the nuclear norm is not differentiable; ``U Vᵀ``
    over the positive singular values is then a (sub)gradient.
    """
    Yc = _centred(Y)
    ynorm = np.linalg.norm(Yc)
    U, s, Vt = np.linalg.svd(ref.Xc.T @ Yc, full_matrices=False)
    keep = s > s[0] * max(U.shape[0], Vt.shape[1]) * np.finfo(float).eps if s[0] else s > 0
    score = s.sum() / (ref.norm * ynorm)
    polar = U[:, keep] @ Vt[keep]
    grad = ref.Xc @ polar / (ref.norm * ynorm) - score * Yc / ynorm**2
    return float(score), grad


def _angular_and_gradient(ref, Y):
    """``1 − θ/(π/2)`` with ``θ = arccos NBS``, and ``(2/π) ∂NBS/∂Y / sin θ``."""
    nbs, grad = _nbs_and_gradient(ref, Y)
    nbs = min(max(nbs, -1.0), 1.0)
    theta = np.arccos(nbs)
    # at θ = 0 (Y a rotation of X) the angle is not differentiable: the gradient of
    # NBS is 0 there, and so is this one
    sin = np.sin(theta)
    scale = 2.0 / (np.pi * sin) if sin > 0 else 0.0
    return float(1.0 - 2.0 * theta / np.pi), scale * grad


def _ridge_r2_and_gradient(ref, Y, alpha):
    """R² of the ridge regression of ``X`` on ``Y`` and its gradient.

    ``Y`` is centred and scaled to unit Frobenius norm, ``Ŷ = Y_c / ‖Y_c‖_F``, so that the
    score does not change with the scale of ``Y`` and ``alpha`` is relative to the
    total variance of ``Y`` (``tr ŶᵀŶ = 1``). With ``G = ŶᵀŶ``, ``A = (G + αI)⁻¹``,
    ``B = A ŶᵀX_c`` and ``E = X_c − Ŷ B``, ``R² = 1 − ‖E‖²_F / ‖X_c‖²_F`` (variance
    weighted over the units of ``X``, in-sample). Differentiating ``L = ‖E‖²`` through
    ``B`` and using ``ŶᵀE = αB``:
    ``∂L/∂Ŷ = −2 (E Bᵀ + E Pᵀ − Ŷ P Bᵀ)`` with ``P = α A B``; then through the
    normalisation, ``∂/∂Y = (g − ⟨g, Ŷ⟩ Ŷ) / ‖Y_c‖`` with ``g = ∂R²/∂Ŷ``.
    """
    Yc = _centred(Y)
    ynorm = np.linalg.norm(Yc)
    Yh = Yc / ynorm
    p = Yh.shape[1]
    if p <= Yh.shape[0]:
        A = np.linalg.inv(Yh.T @ Yh + alpha * np.eye(p))
        B = A @ (Yh.T @ ref.Xc)
    else:
        # more units than stimuli: the n × n dual form, B = Ŷᵀ (ŶŶᵀ + αI)⁻¹ X_c
        Kinv = np.linalg.inv(Yh @ Yh.T + alpha * np.eye(Yh.shape[0]))
        B = Yh.T @ (Kinv @ ref.Xc)
        A = None
    E = ref.Xc - Yh @ B
    score = 1.0 - np.vdot(E, E) / ref.norm**2
    if A is not None:
        AB = A @ B
    else:
        # A Ŷᵀ = Ŷᵀ (ŶŶᵀ + αI)⁻¹ (push-through), so A B = Ŷᵀ (ŶŶᵀ + αI)⁻² X_c
        AB = Yh.T @ (Kinv @ (Kinv @ ref.Xc))
    P = alpha * AB
    dL = -2.0 * (E @ B.T + E @ P.T - Yh @ (P @ B.T))
    g = -dL / ref.norm**2
    grad = (g - np.vdot(g, Yh) * Yh) / ynorm
    return float(score), _centred(grad)


def _score_and_gradient(ref, Y, measure, alpha):
    if measure == "cka":
        return _cka_and_gradient(ref, Y)
    if measure == "nbs":
        return _nbs_and_gradient(ref, Y)
    if measure == "angular_procrustes":
        return _angular_and_gradient(ref, Y)
    return _ridge_r2_and_gradient(ref, Y, alpha)


def _check_synthetic(Y, name="Y"):
    if np.linalg.norm(_centred(Y)) == 0:
        raise ValueError(f"{name} has no variance across stimuli: the similarity and its "
                         "gradient are undefined (start from random data).")


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "measure": [StrOptions(set(GRADIENT_MEASURES))],
     "alpha": [Interval(Real, 0, None, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def similarity_gradient(X, Y, *, measure="cka", alpha=1e-3):
    """A similarity score of ``Y`` to the reference ``X`` and its gradient in ``Y``.

    The scores, all higher-is-better, with ``X_c``, ``Y_c`` the column-centred inputs
    and ``θ`` the angular Procrustes distance:

    - ``"cka"``: ``‖X_cᵀY_c‖²_F / (‖X_cᵀX_c‖_F ‖Y_cᵀY_c‖_F)`` (Kornblith et al. 2019);
      ``∂/∂Y = 2 X_c X_cᵀY_c / (bc) − 2a Y_c Y_cᵀY_c / (b³c)`` with ``a`` the numerator,
      ``b = ‖Y_cᵀY_c‖_F``, ``c = ‖X_cᵀX_c‖_F``;
    - ``"nbs"``: ``cos θ = ‖X_cᵀY_c‖_* / (‖X_c‖_F ‖Y_c‖_F)`` (normalized Bures
      similarity; Williams et al. 2021); with ``X_cᵀY_c = USVᵀ``,
      ``∂/∂Y = X_c UVᵀ / (‖X_c‖‖Y_c‖) − cos θ · Y_c / ‖Y_c‖²``;
    - ``"angular_procrustes"``: ``1 − θ/(π/2)``, in ``[0, 1]``, as Cloos et al. turn the
      angular distance into a score; ``∂/∂Y = (2/π) (∂ cos θ/∂Y) / sin θ``;
    - ``"ridge_r2"``: ``1 − ‖X_c − ŶB‖²_F / ‖X_c‖²_F`` with ``Ŷ = Y_c / ‖Y_c‖_F`` and
      ``B = (ŶᵀŶ + αI)⁻¹ŶᵀX_c``: the in-sample, variance-weighted R² of a ridge
      regression from ``Y`` to ``X`` (our choice: normalising ``Y`` makes the score
      scale invariant, like the others, and ``alpha`` relative to ``Y``'s total
      variance). The gradient differentiates through ``B`` (see Notes).

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x)
        The reference (e.g. neural recordings).
    Y : array-like of shape (n_stimuli, n_units_y)
        The synthetic dataset the gradient is taken with respect to.
    measure : {"cka", "nbs", "angular_procrustes", "ridge_r2"}, default="cka"
    alpha : float, default=1e-3
        Ridge penalty of ``"ridge_r2"``, relative to the total variance of ``Y``.

    Returns
    -------
    score : float
    gradient : ndarray of shape (n_stimuli, n_units_y)
        ``∂score/∂Y``; its columns sum to zero (no score sees a translation).

    Raises
    ------
    ValueError
        For mismatched rows, NaN or infinite values, or an input without variance.

    Notes
    -----
    Ridge: with ``G = ŶᵀŶ``, ``A = (G + αI)⁻¹``, ``E = X_c − ŶB`` and ``L = ‖E‖²``,
    ``dB = A (dŶᵀX_c − (dŶᵀŶ + ŶᵀdŶ) B)`` and ``ŶᵀE = αB`` give
    ``∂L/∂Ŷ = −2 (EBᵀ + EPᵀ − ŶPBᵀ)``, ``P = αAB``; the normalisation adds the
    projection ``g ↦ (g − ⟨g, Ŷ⟩Ŷ) / ‖Y_c‖``. The nuclear norm of ``"nbs"`` is not
    differentiable where ``X_cᵀY_c`` has repeated zero singular values; the formula
    then gives a subgradient. All gradients agree with central finite differences
    (the tests check it).

    References
    ----------
    Cloos, Li, Siegel, Brincat, Miller, Yang & Cueva (2024), Differentiable
    optimization of similarity scores between models and brains, arXiv:2407.07059.
    Kornblith, Norouzi, Lee & Hinton (2019), Similarity of neural network
    representations revisited, *ICML*. Williams, Kunz, Kornblith & Linderman (2021),
    Generalized shape metrics on neural representations, *NeurIPS*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inspection import similarity_gradient
    >>> from sklearn_brainmap.metrics import cka_score
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((20, 3)), rng.standard_normal((20, 3))
    >>> score, grad = similarity_gradient(X, Y, measure="cka")
    >>> bool(np.isclose(score, cka_score(X, Y))), grad.shape
    (True, (20, 3))
    """
    X, Y = check_response_pair(X, Y, min_samples=2)
    # every score is invariant to the scale of X and of Y: both are divided by a power
    # of two near their largest entry (exact), and the gradient of s(Y / 2**e) is
    # 2**-e times that at the rescaled Y (CKA's fourth powers overflowed at 1e50)
    X, _ = rescaled(np.asarray(X, dtype=np.float64))
    Y, e = rescaled(np.asarray(Y, dtype=np.float64))
    ref = _Reference(X)
    _check_synthetic(Y)
    score, grad = _score_and_gradient(ref, Y, measure, alpha)
    return score, np.ldexp(grad, -e)
