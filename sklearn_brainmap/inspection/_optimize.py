"""Differentiable similarity optimisation (Cloos et al.): what drives a high score.

Three analyses of one similarity measure against a reference dataset ``X``:

- :func:`optimize_similarity`: gradient ascent of a synthetic dataset ``Y`` (from
  Gaussian noise) on ``s(X, Y)``, recording the score and how much of each principal
  component of ``X`` the synthetic data capture along the way;
- :func:`pc_perturbation_scores`: the score of ``X`` against a copy whose k-th principal
  component is replaced, a little or entirely, by a direction ``X`` does not use;
- :func:`similarity_score_range`: the joint optimisation that traces the lowest and
  highest value one measure can take while another is held at a given value.

The gradients are analytic (:func:`~sklearn_brainmap.inspection.similarity_gradient`);
the optimiser is Adam (Kingma & Ba 2015), as in the paper.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils import check_response_matrix, check_same_stimuli
from ..utils._adam import Adam
from ..utils._stats import rescaled
from ._similarity_gradients import (
    GRADIENT_MEASURES,
    _centred,
    _check_synthetic,
    _Reference,
    _score_and_gradient,
)

_MEASURE = [StrOptions(set(GRADIENT_MEASURES))]


def _principal_components(X, n_components):
    """Unit score vectors ``u_k`` (columns), singular values and variance ratios of
    the centred ``X``."""
    U, s, Vt = np.linalg.svd(_centred(X), full_matrices=False)
    keep = s > s[0] * max(X.shape) * np.finfo(float).eps
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    ratio = s**2 / np.sum(s**2)
    k = len(s) if n_components is None else min(n_components, len(s))
    return U[:, :k], s[:k], Vt[:k], ratio[:k]


def _pc_r2(U, Y):
    """In-sample R² of each unit PC score vector ``u_k`` from ``Y`` (least squares
    with an intercept): ``‖Q Qᵀ u_k‖²`` with ``Q`` an orthonormal basis of the columns
    of ``Y_c`` (``u_k`` is centred and of unit norm)."""
    Yc = _centred(Y)
    Q, s, _ = np.linalg.svd(Yc, full_matrices=False)
    Q = Q[:, s > s[0] * max(Yc.shape) * np.finfo(float).eps] if s[0] > 0 else Q[:, :0]
    return np.sum((Q.T @ U) ** 2, axis=0)


def _check_reference(X):
    X = check_response_matrix(X, "X", min_samples=3).astype(np.float64, copy=False)
    # every output here is invariant to the scale of X: a power of two (exact) keeps
    # its Gram products in range at 1e200 or 1e-200
    X = rescaled(X)[0]
    return X, _Reference(X)


@validate_params(
    {"X": ["array-like"], "Y": ["array-like"],
     "n_components": [Interval(Integral, 1, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
def principal_component_r2(X, Y, *, n_components=None):
    """How much of each principal component of ``X`` a linear readout of ``Y`` captures.

    ``R²_k = 1 − min_{w,b} ‖u_k − Y w − b‖² / ‖u_k‖²`` for the score vector ``u_k`` of the
    k-th principal component of ``X`` (``X_c = U S Vᵀ``), fitted by least squares on
    all stimuli (in-sample, as Cloos et al. track it during optimisation). 1 when the
    component is a linear function of ``Y``; for ``Y`` with as many units as stimuli
    (minus one) every R² is 1.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units_x)
        The reference.
    Y : array-like of shape (n_stimuli, n_units_y)
    n_components : int, default=None
        The first components only (all with non-zero variance by default).

    Returns
    -------
    r2 : ndarray of shape (n_components,)
        In ``[0, 1]``, in the order of decreasing variance of ``X``.

    References
    ----------
    Cloos et al. (2024), Differentiable optimization of similarity scores between
    models and brains, arXiv:2407.07059.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inspection import principal_component_r2
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 3)) * [3.0, 2.0, 1.0]
    >>> principal_component_r2(X, X[:, :1]).round(2)     # only the first PC
    array([1., 0., 0.])
    """
    X = check_response_matrix(X, "X", min_samples=3).astype(np.float64, copy=False)
    Y = check_response_matrix(Y, "Y", min_samples=3).astype(np.float64, copy=False)
    check_same_stimuli(X, Y)
    _Reference(X)  # a clear error for a reference without variance
    U, _, _, _ = _principal_components(X, n_components)
    return np.clip(_pc_r2(U, Y), 0.0, 1.0)


@validate_params(
    {"X": ["array-like"],
     "measure": _MEASURE,
     "n_steps": [Interval(Integral, 1, None, closed="left")],
     "learning_rate": [Interval(Real, 0, None, closed="neither")],
     "record_every": [Interval(Integral, 1, None, closed="left")],
     "n_components": [Interval(Integral, 1, None, closed="left"), None],
     "alpha": [Interval(Real, 0, None, closed="neither")],
     "init": ["array-like", None],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def optimize_similarity(X, *, measure="cka", n_steps=1000, learning_rate=0.01,
                        record_every=10, n_components=None, alpha=1e-3, init=None,
                        random_state=None):
    """Optimise a synthetic dataset to maximise its similarity to a reference.

    Starting from ``Y₀`` of i.i.d. standard Gaussian entries with the shape of ``X``,
    Adam ascent steps on ``s(X, Y)`` with the analytic gradient of
    :func:`similarity_gradient`. Every ``record_every`` steps (and at steps 0 and
    ``n_steps``) it records the score and ``R²_k``, the fraction of the k-th principal
    component of ``X`` that a linear readout of ``Y`` captures
    (:func:`principal_component_r2`). Cloos et al. found that optimised data learn the
    first principal component first, and that CKA (and regression) reach high scores
    before lower-variance components are captured, while angular Procrustes captures
    them earlier.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units)
        The reference (e.g. neural responses; stimuli or conditions × time as rows).
    measure : {"cka", "nbs", "angular_procrustes", "ridge_r2"}, default="cka"
        See :func:`similarity_gradient`.
    n_steps : int, default=1000
    learning_rate : float, default=0.01
        Adam's step size, in the units of ``Y`` (``Y₀`` has unit variance).
    record_every : int, default=10
    n_components : int, default=None
        Components of ``X`` to track (all with non-zero variance by default).
    alpha : float, default=1e-3
        Ridge penalty of ``"ridge_r2"`` (relative to ``Y``'s total variance).
    init : array-like of shape (n_stimuli, n_units_y), default=None
        A starting point instead of Gaussian noise (its width may differ from ``X``'s).
    random_state : int, RandomState instance or None, default=None
        Seeds ``Y₀``.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``Y``: ndarray of shape (n_stimuli, n_units_y), the optimised data;
        - ``steps``: ndarray of shape (n_records,), the step of each record;
        - ``scores``: ndarray of shape (n_records,);
        - ``pc_r2``: ndarray of shape (n_records, n_components);
        - ``explained_variance_ratio``: ndarray of shape (n_components,), of ``X``'s
          components.

    Raises
    ------
    ValueError
        For NaN or infinite values, fewer than 3 stimuli, a reference without
        variance, or an ``init`` with other rows or no variance.

    See Also
    --------
    similarity_gradient : the scores and their gradients.
    similarity_score_range : the joint optimisation of two measures.

    References
    ----------
    Cloos, Li, Siegel, Brincat, Miller, Yang & Cueva (2024), Differentiable
    optimization of similarity scores between models and brains, arXiv:2407.07059.
    Kingma & Ba (2015), Adam: a method for stochastic optimization, *ICLR*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inspection import optimize_similarity
    >>> X = np.random.default_rng(0).standard_normal((40, 4)) * [4.0, 2.0, 1.0, 0.5]
    >>> result = optimize_similarity(X, measure="cka", n_steps=300, random_state=0)
    >>> bool(result.scores[-1] > 0.95 > result.scores[0])
    True
    """
    X, ref = _check_reference(X)
    U, _, _, ratio = _principal_components(X, n_components)
    if init is None:
        Y = check_random_state(random_state).standard_normal(X.shape)
    else:
        Y = check_response_matrix(init, "init", min_samples=3).astype(np.float64)
        check_same_stimuli(X, Y, names=("X", "init"))
        _check_synthetic(Y, "init")
    adam = Adam([Y], learning_rate, ascent=True)  # Y is a new array: updated in place
    steps, scores, pc_r2 = [], [], []
    for step in range(n_steps + 1):
        score, grad = _score_and_gradient(ref, Y, measure, alpha)
        if step % record_every == 0 or step == n_steps:
            steps.append(step)
            scores.append(score)
            pc_r2.append(_pc_r2(U, Y))
        if step < n_steps:
            adam.step([grad])
    return Bunch(Y=Y, steps=np.array(steps), scores=np.array(scores),
                 pc_r2=np.clip(np.array(pc_r2), 0.0, 1.0), explained_variance_ratio=ratio)


def _perturbed(X, U, s, Vt, k, strength, w):
    """``X`` with the k-th component's score vector ``u_k`` replaced by
    ``√(1 − ε²) u_k + ε w`` (``w`` a unit vector orthogonal to every ``u_j``): same
    variance, a fraction ``ε²`` of it moved to a direction ``X`` does not contain."""
    new = np.sqrt(1.0 - strength**2) * U[:, k] + strength * w
    return X + s[k] * np.outer(new - U[:, k], Vt[k])


@validate_params(
    {"X": ["array-like"],
     "measures": [list, tuple],
     "strengths": ["array-like"],
     "n_components": [Interval(Integral, 1, None, closed="left"), None],
     "alpha": [Interval(Real, 0, None, closed="neither")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def pc_perturbation_scores(X, *, measures=("cka", "angular_procrustes", "ridge_r2"),
                           strengths=(0.0, 0.25, 0.5, 0.75, 1.0), n_components=None,
                           alpha=1e-3, random_state=None):
    """Similarity of ``X`` to copies of itself whose k-th principal component is perturbed.

    With ``X_c = Σ_j s_j u_j v_jᵀ``, the copy for component ``k`` and strength ``ε``
    replaces ``u_k`` by ``√(1 − ε²) u_k + ε w``, where ``w`` is a random unit, centred
    vector orthogonal to every ``u_j``: the copy has the same variance along ``v_k``,
    but a fraction ``ε²`` of it no longer follows the stimuli as in ``X`` (at
    ``ε = 1`` the component is replaced by an unrelated one). Each measure scores the
    copy against ``X``. A measure that is insensitive to low-variance components (CKA,
    which weights component ``j`` by about ``s_j⁴``) barely moves when they are
    perturbed; angular Procrustes (about ``s_j²``) moves more (Cloos et al.).

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units)
        Needs more stimuli than components plus one (room for ``w``).
    measures : list of str, default=("cka", "angular_procrustes", "ridge_r2")
        Names from :func:`similarity_gradient`.
    strengths : array-like of float in [0, 1], default=(0, 0.25, 0.5, 0.75, 1)
    n_components : int, default=None
        Perturb the first components only (all with non-zero variance by default).
    alpha : float, default=1e-3
        Ridge penalty of ``"ridge_r2"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the directions ``w`` (one per component).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``scores``: dict ``{measure: ndarray of shape (n_components, n_strengths)}``;
        - ``strengths``: ndarray of shape (n_strengths,);
        - ``explained_variance_ratio``: ndarray of shape (n_components,).

    Raises
    ------
    ValueError
        For an unknown measure, a strength outside ``[0, 1]``, or too few stimuli.

    References
    ----------
    Cloos et al. (2024), Differentiable optimization of similarity scores between
    models and brains, arXiv:2407.07059 (the sensitivity of each measure to the
    variance of a principal component).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inspection import pc_perturbation_scores
    >>> X = np.random.default_rng(0).standard_normal((60, 3)) * [3.0, 1.0, 0.3]
    >>> result = pc_perturbation_scores(X, measures=["cka"], strengths=[0, 1],
    ...                                 random_state=0)
    >>> result.scores["cka"][:, 0].round(6)      # unperturbed copies
    array([1., 1., 1.])
    """
    unknown = [m for m in measures if m not in GRADIENT_MEASURES]
    if unknown or not measures:
        raise ValueError(f"measures must be a non-empty list of {GRADIENT_MEASURES}; got "
                         f"{list(measures)}.")
    strengths = np.asarray(strengths, dtype=np.float64).ravel()
    if strengths.size == 0 or not np.all((strengths >= 0) & (strengths <= 1)):
        raise ValueError(f"strengths must be numbers in [0, 1]; got {strengths}.")
    X, ref = _check_reference(X)
    U_all, s_all, Vt_all, _ = _principal_components(X, None)
    n = X.shape[0]
    if n < U_all.shape[1] + 2:
        raise ValueError(f"X has {n} stimuli and {U_all.shape[1]} components: a "
                         "perturbation needs a centred direction orthogonal to all of "
                         "them, i.e. at least components + 2 stimuli.")
    k_max = U_all.shape[1] if n_components is None else min(n_components, U_all.shape[1])
    rng = check_random_state(random_state)
    scores = {m: np.empty((k_max, strengths.size)) for m in measures}
    for k in range(k_max):
        w = _centred(rng.standard_normal((n, 1)))[:, 0]
        w -= U_all @ (U_all.T @ w)
        w /= np.linalg.norm(w)
        for j, strength in enumerate(strengths):
            Xp = _perturbed(X, U_all, s_all, Vt_all, k, strength, w)
            for m in measures:
                scores[m][k, j] = _score_and_gradient(ref, Xp, m, alpha)[0]
    ratio = s_all[:k_max] ** 2 / np.sum(s_all**2)
    return Bunch(scores=scores, strengths=strengths, explained_variance_ratio=ratio)


@validate_params(
    {"X": ["array-like"],
     "fixed": _MEASURE,
     "varied": _MEASURE,
     "targets": ["array-like"],
     "n_steps": [Interval(Integral, 1, None, closed="left")],
     "learning_rate": [Interval(Real, 0, None, closed="neither")],
     "penalty": [Interval(Real, 0, None, closed="neither")],
     "alpha": [Interval(Real, 0, None, closed="neither")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def similarity_score_range(X, *, fixed="cka", varied="angular_procrustes",
                           targets=(0.3, 0.5, 0.7, 0.9), n_steps=2000,
                           learning_rate=0.01, penalty=1000.0, alpha=1e-3,
                           random_state=None):
    """The range one similarity measure can take while another is held fixed.

    For each target value ``a`` of the ``fixed`` measure ``s_A``, two synthetic
    datasets are optimised from the same Gaussian noise (shape of ``X``): one to
    maximise and one to minimise the ``varied`` measure ``s_B``, each under the
    quadratic penalty ``λ (s_A(X, Y) − a)²`` that holds ``s_A`` near ``a``:
    ``Y* = argmax_Y ± s_B(X, Y) − λ (s_A(X, Y) − a)²`` (Adam, analytic gradients). The
    lowest and highest ``s_B`` found trace the allowed range of ``s_B`` at ``s_A = a``
    (Cloos et al.: a CKA of 0.9 allows a wide range of angular Procrustes scores,
    while a high angular Procrustes score forces a high CKA). The range is what the
    optimiser found, an inner bound of the true one; the achieved ``s_A`` is returned
    so the penalty's slack can be checked.

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units)
        The reference.
    fixed, varied : {"cka", "nbs", "angular_procrustes", "ridge_r2"}
        Defaults ``"cka"`` and ``"angular_procrustes"``.
    targets : array-like of float, default=(0.3, 0.5, 0.7, 0.9)
        Values of the fixed measure, in ``[0, 1]`` (the range of every measure here;
        others are refused).
    n_steps : int, default=2000
        Adam steps per optimisation (``2 × len(targets)`` optimisations).
    learning_rate : float, default=0.01
    penalty : float, default=1000.0
        ``λ``; larger holds ``s_A`` closer to its target.
    alpha : float, default=1e-3
        Ridge penalty of ``"ridge_r2"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the starting noise (the same for every optimisation).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``targets``: ndarray of shape (n_targets,);
        - ``lower``, ``upper``: ndarray of shape (n_targets,), the lowest and highest
          ``s_B`` found;
        - ``fixed_at_lower``, ``fixed_at_upper``: ndarray of shape (n_targets,), the
          ``s_A`` of those two datasets.

    References
    ----------
    Cloos et al. (2024), Differentiable optimization of similarity scores between
    models and brains, arXiv:2407.07059 (joint optimisation of similarity scores).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.inspection import similarity_score_range
    >>> X = np.random.default_rng(0).standard_normal((30, 3)) * [3.0, 1.0, 0.3]
    >>> r = similarity_score_range(X, targets=[0.8], n_steps=300, random_state=0)
    >>> bool(r.lower[0] <= r.upper[0]), bool(abs(r.fixed_at_upper[0] - 0.8) < 0.02)
    (True, True)
    """
    if fixed == varied:
        raise ValueError(f"fixed and varied must be different measures; both are "
                         f"{fixed!r}.")
    targets = np.asarray(targets, dtype=np.float64).ravel()
    if targets.size == 0 or not np.isfinite(targets).all():
        raise ValueError(f"targets must be a non-empty list of finite scores; got "
                         f"{targets}.")
    # every measure with a gradient lies in [0, 1] (CKA, NBS, 1 − θ/(π/2), in-sample
    # ridge R²): a target outside cannot be held, and would label the result wrongly
    outside = targets[(targets < 0) | (targets > 1)]
    if outside.size:
        raise ValueError(f"targets must be values {fixed!r} can take, in [0, 1]; got "
                         f"{outside.tolist()}.")
    X, ref = _check_reference(X)
    Y0 = check_random_state(random_state).standard_normal(X.shape)
    out = {key: np.empty(targets.size) for key in
           ("lower", "upper", "fixed_at_lower", "fixed_at_upper")}
    for i, target in enumerate(targets):
        for sign, key in ((-1.0, "lower"), (1.0, "upper")):
            Y = Y0.copy()
            adam = Adam([Y], learning_rate, ascent=True)
            for _ in range(n_steps):
                s_a, g_a = _score_and_gradient(ref, Y, fixed, alpha)
                _, g_b = _score_and_gradient(ref, Y, varied, alpha)
                adam.step([sign * g_b - 2.0 * penalty * (s_a - target) * g_a])
            out[key][i] = _score_and_gradient(ref, Y, varied, alpha)[0]
            out[f"fixed_at_{key}"][i] = _score_and_gradient(ref, Y, fixed, alpha)[0]
    return Bunch(targets=targets, **out)
