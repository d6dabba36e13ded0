"""Cross-validated RSA analyses: reweighting and feature-weighted RSA (variance
partitioning: :mod:`._variance_partitioning`).

Every cross-validated analysis here splits *stimuli*, not RDM entries: a fold's model is
fitted on the dissimilarities among its training stimuli and evaluated on those among
its test stimuli, so no test stimulus informs the fit (pairs of one training and one
test stimulus are used by neither side).
"""

import warnings
from numbers import Real

import numpy as np
from scipy.optimize import nnls
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..metrics._rdm_comparison import compare_rdms
from ..metrics._rsa import COMPARISONS
from ..utils import check_folds, check_response_matrix, check_same_stimuli
from ..utils._stats import rescaled


def _square_rdms(rdms, name):
    """A stack ``(k, n, n)`` of finite square RDMs (one RDM is a stack of one)."""
    rdms = np.asarray(rdms, dtype=np.float64)
    if rdms.ndim == 2:
        rdms = rdms[None]
    if rdms.ndim != 3 or rdms.shape[1] != rdms.shape[2] or rdms.shape[1] < 4:
        raise ValueError(f"{name} must be square RDMs of shape (n_stimuli, n_stimuli) "
                         "(or a stack of them, (n_rdms, n_stimuli, n_stimuli)) with at "
                         f"least 4 stimuli; got shape {rdms.shape}.")
    if not np.isfinite(rdms).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return rdms


def _pairs(index):
    """Row and column indices of the pairs ``i < j`` among the stimuli ``index``."""
    index = np.sort(index)
    i, j = np.triu_indices(index.size, k=1)
    return index[i], index[j]


def _stimulus_folds(cv, n):
    # 3 test stimuli make 3 test pairs, the fewest a correlation can use
    return check_folds(cv, np.empty((n, 1)), min_test=3)


def _nnls_fit(A, y, alpha=0.0):
    """Non-negative weights and a free intercept: ``min ‖y − b − A w‖² + α‖w‖², w ≥ 0``.

    For fixed ``w`` the best ``b`` is ``mean(y − A w)``, so the problem is NNLS on the
    centred ``A`` and ``y``; the ridge term enters as ``√α I`` rows below ``A``
    (Lawson & Hanson's NNLS, :func:`scipy.optimize.nnls`).
    """
    a_mean, y_mean = A.mean(axis=0), y.mean()
    Ac, yc = A - a_mean, y - y_mean
    if alpha > 0:
        Ac = np.vstack([Ac, np.sqrt(alpha) * np.eye(A.shape[1])])
        yc = np.concatenate([yc, np.zeros(A.shape[1])])
    w, _ = nnls(Ac, yc, maxiter=50 * A.shape[1] + 100)
    return w, y_mean - a_mean @ w


def _compare_vectors(a, b, compare):
    """``ρ(a, b)``, or NaN when ``a`` is constant (e.g. all weights zero)."""
    if np.ptp(a) <= 16 * np.finfo(float).eps * max(np.abs(a).max(), 1e-300):
        return np.nan
    return float(compare_rdms(np.vstack([a, b]), compare=compare)[0, 1])


def _cv_rdm_fit(design, brain, folds, compare, alpha):
    """Cross-validated NNLS of the brain's dissimilarities on the design's columns.

    ``design(rows, cols)`` returns the ``(n_pairs, n_columns)`` design of the given
    pairs. Returns the fold scores and the fold weights.
    """
    scores, weights = [], []
    for train, test in folds:
        rows, cols = _pairs(train)
        w, b = _nnls_fit(design(rows, cols), brain[rows, cols], alpha)
        rows, cols = _pairs(test)
        predicted = design(rows, cols) @ w + b
        scores.append(_compare_vectors(predicted, brain[rows, cols], compare))
        weights.append(w)
    scores = np.array(scores)
    if np.isnan(scores).any():
        warnings.warn(f"{int(np.isnan(scores).sum())} of {len(scores)} fold(s) gave all "
                      "weights zero (a constant predicted RDM, no correlation): their "
                      "score is NaN and left out of the mean.", UserWarning, stacklevel=4)
    return scores, np.array(weights)


def _summary(scores):
    return float(np.nanmean(scores)) if not np.isnan(scores).all() else np.nan


_CV = ["cv_object"]


@validate_params(
    {"model_rdms": ["array-like"], "brain_rdm": ["array-like"], "cv": _CV,
     "compare": [StrOptions(COMPARISONS)]},
    prefer_skip_nested_validation=True,
)
def reweighted_rsa(model_rdms, brain_rdm, *, cv=5, compare="spearman"):
    """Mixed RSA: a brain RDM as a non-negative combination of model RDMs, cross-validated.

    The brain's dissimilarities are modelled as ``d_ij ≈ b + Σ_l w_l d^(l)_ij`` with
    ``w_l ≥ 0`` (one weight per model RDM, e.g. per layer; ``b`` a free intercept),
    fitted by non-negative least squares on the pairs ``i < j`` among the training
    stimuli of each fold; the weighted RDM predicted for the pairs among the test
    stimuli is compared with the brain's by ``ρ`` (as :func:`~sklearn_brainmap.metrics.rsa_score`). The score is
    the mean over folds (Khaligh-Razavi & Kriegeskorte 2014 reweighted the features of
    each layer and the layers; this is the layer-level reweighting).

    Parameters
    ----------
    model_rdms : array-like of shape (n_models, n_stimuli, n_stimuli)
        Square model RDMs (the upper triangle is read).
    brain_rdm : array-like of shape (n_stimuli, n_stimuli)
    cv : int, cross-validation generator or iterable, default=5
        Splits of the *stimuli* (``KFold(5)`` for an int: shuffle stimuli that are
        ordered by category with ``KFold(5, shuffle=True, random_state=...)``). Each
        test fold needs at least 3 stimuli.
    compare : {"spearman", "pearson", "kendall"}, default="spearman"

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``score``: float, the mean cross-validated RSA of the predicted RDM;
        - ``fold_scores``: ndarray of shape (n_folds,) (NaN where every weight is 0);
        - ``weights``: ndarray of shape (n_models,), fitted on all stimuli;
        - ``intercept``: float, fitted on all stimuli;
        - ``fold_weights``: ndarray of shape (n_folds, n_models).

    Raises
    ------
    ValueError
        For RDMs that are not square, have different sizes, NaN or infinite values or
        fewer than 4 stimuli, and for folds with fewer than 3 test stimuli.

    References
    ----------
    Khaligh-Razavi & Kriegeskorte (2014), Deep supervised, but not unsupervised,
    models may explain IT cortical representation, *PLoS Comput. Biol.* 10.
    Kriegeskorte, Mur & Bandettini (2008), Representational similarity analysis,
    *Front. Syst. Neurosci.* 2. Lawson & Hanson (1974), *Solving least squares
    problems* (NNLS).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> from sklearn_brainmap.metrics import rdm
    >>> from sklearn_brainmap.model_selection import reweighted_rsa
    >>> rng = np.random.default_rng(0)
    >>> layers = [rng.standard_normal((40, 30)) for _ in range(3)]
    >>> models = np.array([rdm(L, metric="euclidean") for L in layers])
    >>> brain = 2 * models[0] + models[2]
    >>> result = reweighted_rsa(models, brain, cv=KFold(4, shuffle=True, random_state=0))
    >>> (result.weights / result.weights.max()).round(3), round(result.score, 3)
    (array([1. , 0. , 0.5]), 1.0)
    """
    models = _square_rdms(model_rdms, "model_rdms")
    brain = _square_rdms(brain_rdm, "brain_rdm")[0]
    if models.shape[1] != brain.shape[0]:
        raise ValueError(f"model_rdms have {models.shape[1]} stimuli and brain_rdm has "
                         f"{brain.shape[0]}; they must be RDMs of the same stimuli.")
    folds = _stimulus_folds(cv, brain.shape[0])

    def design(rows, cols):
        return models[:, rows, cols].T

    scores, fold_weights = _cv_rdm_fit(design, brain, folds, compare, 0.0)
    rows, cols = _pairs(np.arange(brain.shape[0]))
    weights, intercept = _nnls_fit(design(rows, cols), brain[rows, cols])
    return Bunch(score=_summary(scores), fold_scores=scores, weights=weights,
                 intercept=float(intercept), fold_weights=fold_weights)


@validate_params(
    {"X": ["array-like"], "brain_rdm": ["array-like"], "cv": _CV,
     "alpha": [Interval(Real, 0, None, closed="left")],
     "compare": [StrOptions(COMPARISONS)]},
    prefer_skip_nested_validation=True,
)
def feature_weighted_rsa(X, brain_rdm, *, cv=5, alpha=0.1, compare="spearman"):
    """Feature-reweighted RSA: an RDM of weighted units fitted to a brain RDM, cross-validated.

    The model RDM is the weighted squared Euclidean distance
    ``d_ij(w) = Σ_k w_k (x_ik − x_jk)²`` with one weight ``w_k ≥ 0`` per unit (the
    Euclidean RDM of the units scaled by ``√w_k``). The weights and an intercept are
    fitted to the brain's dissimilarities among the training stimuli of each fold by
    non-negative ridge regression, ``min ‖d − b − D w‖² + α' ‖w‖², w ≥ 0`` (``D`` the
    pairs × units matrix of squared differences), and the predicted RDM among the test
    stimuli is compared with the brain's by ``ρ``. ``α' = alpha · mean_k ‖D_k‖²/n_pairs``:
    ``alpha`` is relative to the design's scale (our choice, so one value suits any
    units).

    Parameters
    ----------
    X : array-like of shape (n_stimuli, n_units)
        Model responses. The design has one column per unit and one row per training
        pair (``n(n−1)/2 × n_units`` floats: 400 MB at 1,000 stimuli and 100 units):
        compress a wide layer first (e.g. with PCA; the weights are then those of
        components).
    brain_rdm : array-like of shape (n_stimuli, n_stimuli)
    cv : int, cross-validation generator or iterable, default=5
        Splits of the stimuli (at least 3 test stimuli per fold).
    alpha : float, default=0.1
        Relative ridge penalty (0: plain NNLS, which overfits when units are many).
    compare : {"spearman", "pearson", "kendall"}, default="spearman"

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``score``: float, the mean cross-validated RSA of the reweighted RDM;
        - ``fold_scores``: ndarray of shape (n_folds,);
        - ``weights``: ndarray of shape (n_units,), fitted on all stimuli;
        - ``fold_weights``: ndarray of shape (n_folds, n_units).

    References
    ----------
    Kaniuth & Hebart (2022), Feature-reweighted representational similarity analysis:
    a method for improving the fit between computational models, brains, and
    behavior, *NeuroImage* 257. Jozwik, Kriegeskorte & Mur (2016), Visual features as
    stepping stones toward semantics, *Neuropsychologia* 83.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> from sklearn_brainmap.metrics import rsa_score
    >>> from sklearn_brainmap.model_selection import feature_weighted_rsa
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 6))
    >>> brain = np.square(X[:, :2, None] - X[:, :2].T[None]).sum(axis=1)  # units 0, 1
    >>> result = feature_weighted_rsa(X, brain, cv=KFold(4, shuffle=True, random_state=0),
    ...                               alpha=0.0)
    >>> result.weights.round(3), round(result.score, 3)
    (array([1., 1., 0., 0., 0., 0.]), 1.0)
    """
    X = check_response_matrix(X, "X", min_samples=4).astype(np.float64, copy=False)
    brain = _square_rdms(brain_rdm, "brain_rdm")[0]
    check_same_stimuli(X, brain, names=("X", "brain_rdm"))
    # the fit does not see the scale of X (alpha is relative to the design) nor of the
    # brain RDM: powers of two (exact) keep the fourth powers of X within range
    (X, ex), (brain, eb) = rescaled(X), rescaled(brain)
    folds = _stimulus_folds(cv, X.shape[0])

    def design(rows, cols):
        return np.square(X[rows] - X[cols])

    rows, cols = _pairs(np.arange(X.shape[0]))
    full = design(rows, cols)
    scale = np.mean(np.sum(full**2, axis=0)) / full.shape[0]
    penalty = alpha * scale
    scores, fold_weights = _cv_rdm_fit(design, brain, folds, compare, penalty)
    weights, _ = _nnls_fit(full, brain[rows, cols], penalty)
    # back to the units of the inputs: d = 2**eb d', D = 2**(2 ex) D', so w = w' 2**(eb − 2 ex)
    with np.errstate(over="ignore"):
        weights, fold_weights = (np.ldexp(w, eb - 2 * ex) for w in (weights, fold_weights))
    if not (np.isfinite(weights).all() and np.isfinite(fold_weights).all()):
        raise ValueError(
            "feature_weighted_rsa: the weights at this scale of X and brain_rdm cannot be "
            "represented in float64 (they scale as brain / X²); rescale X or brain_rdm "
            "(e.g. X / np.abs(X).max()) and call again.")
    return Bunch(score=_summary(scores), fold_scores=scores, weights=weights,
                 fold_weights=fold_weights)
