"""Banded ridge: one penalty per feature band and per target, chosen by cross-validation."""

from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import BaseMapping
from ..utils import check_folds, validate_predict_data
from ..utils._array_api import namespace_and_device
from ..utils._stats import total_sum_of_squares
from ..utils._dask import is_dask_array
from ._banded_solvers import fit_banded_targets, prepare_banded_design
from ._feature_bands import parse_bands
from ._ridge import DEFAULT_ALPHAS


class BandedRidge(BaseMapping):
    """Banded ridge regression: a penalty per feature band and per target.

    ``Ŷ = Σ_b X_b W_b + b₀`` with ``W = argmin ‖Y − Σ_b X_b W_b − b₀‖²_F +
    Σ_b λ_b ‖W_b‖²_F`` and band penalties ``λ_b = α / γ_b`` (per target). The band
    scalings ``γ`` (on the simplex) and the global penalty ``α`` of each target are
    chosen by cross-validation among candidates: ``γ`` from a random search (equal
    weights, each band alone, and ``n_iter`` Dirichlet draws), ``α`` from ``alpha``;
    each target keeps the pair with the smallest held-out squared error, and the model
    is refitted on all samples. With one band this is :class:`Ridge`.

    One band's scale or size no longer dominates a joint model (as it does with one
    shared penalty): a band that does not help a target gets a large penalty there.

    Parameters
    ----------
    bands : list of selections, dict of selections, array-like of labels or None, \
default=None
        The feature bands. Either a list (or a dict name → selection) whose items
        select columns — an index array, a boolean mask, a slice, or a list of column
        names when ``X`` is a DataFrame — or one band label per feature (a 1-D array
        of ``n_features`` scalars; bands in order of first appearance). Every feature
        must be in exactly one band. None: all features in one band.
    alpha : float or array-like of shape (n_alphas,), default=DEFAULT_ALPHAS
        Candidate global penalties (as in :class:`Ridge`). With
        ``normalize_bands=True`` (the default) they are in units of a feature of unit
        variance: with z-scored features they mean what they mean in :class:`Ridge`.
    cv : int, cross-validation splitter, list of (train, test) folds or None, default=5
        As in :class:`Ridge`: an int is an unshuffled K-fold, None is exact, efficient
        leave-one-out.
    n_iter : int or array-like of shape (n_candidates, n_bands), default=100
        Number of Dirichlet draws of band scalings, added to the equal weights and the
        ``n_bands`` corners (each band alone). An array gives the candidate scalings
        themselves (non-negative rows, not all zero), used as they are — as in
        himalaya's ``solver_params["n_iter"]``.
    concentration : float or array-like of float, default=(0.1, 1.0)
        Concentration of the Dirichlet draws; several values are used in turn (as in
        himalaya). Small values favour scalings near the corners, 1 is uniform on the
        simplex.
    normalize_bands : bool, default=True
        Divide each band by ``σ_b``, the root mean variance of its columns, before the
        search, so that the candidates (and the result) do not depend on the bands'
        units: multiplying a band by ``c`` leaves predictions unchanged and multiplies
        its penalty ``band_alphas_`` by ``c²``. False searches on the raw design (as
        himalaya does).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept (the design and each training fold are centred).
    random_state : int, RandomState instance or None, default=None
        Seed of the Dirichlet draws.
    selection_dtype : {None, "float32", "float64"}, default=None
        Precision of the held-out products that compare the candidates (as in
        :class:`Ridge`; K-fold only): ``"float32"`` halves the cost of selection with
        many targets, while the decompositions and the refit stay in the precision of
        ``X``; the choice can then differ only where candidates tie to ~1e-6.
    refine_steps : int, default=0
        Beyond the random search (and himalaya's default): steps of gradient descent
        on each target's log band scalings from its best candidate, with the
        gradient of the K-fold held-out loss by implicit differentiation; a step is
        kept only when it lowers that target's held-out loss. Needs K-fold ``cv`` and
        positive ``alpha``; each step costs two solves of an ``n_train × n_train``
        system per target and fold (nothing is shared across targets), so keep it
        for moderate numbers of samples.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
    intercept_ : ndarray of shape (n_targets,) or float
    band_alphas_ : ndarray of shape (n_bands, n_targets) or (n_bands,)
        The effective penalty ``λ_b`` on each band, in the units of ``X``
        (``α σ_b² / γ_b``); ``inf`` where the band was left out (``γ_b = 0``).
    band_scalings_ : ndarray of shape (n_bands, n_targets) or (n_bands,)
        The chosen candidate scaling ``γ`` of each target.
    alpha_ : ndarray of shape (n_targets,) or float
        The chosen global penalty ``α`` of each target.
    alphas_ : ndarray of shape (n_alphas,)
        The candidate penalties, sorted.
    candidates_ : ndarray of shape (n_candidates, n_bands)
        The candidate band scalings, in the order they were tried.
    cv_score_ : ndarray of shape (n_targets,) or float
        Cross-validated R² of each target's final hyperparameters (after refinement,
        if any).
    cv_scores_ : ndarray of shape (n_candidates, n_targets)
        Cross-validated R² (one minus the held-out sum of squared errors over the
        total sum of squares, as in :class:`Ridge`) of each candidate scaling at its
        best penalty. The chosen pair maximises it (ties: the earlier candidate, the
        smaller penalty). NaN for constant targets.
    bands_ : list of ndarray
        The column indices of each band.
    band_names_ : list
        The bands' names (dict keys, labels, or 0, 1, ...).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with string column names.

    See Also
    --------
    Ridge : one penalty per target.
    sklearn_brainmap.metrics.split_r2_score : the share of R² of each band.

    Notes
    -----
    For each candidate ``γ`` and fold, one eigendecomposition of the smaller Gram
    matrix of the scaled design ``Z_b = √γ_b X_b`` (``ZᵀZ`` when the training fold has
    at least as many samples as features, the kernel ``Σ_b γ_b X_b X_bᵀ`` otherwise)
    serves every penalty and every target; held-out predictions scale only the small
    factor. Leave-one-out is in closed form (intercept leverage ``1/n`` included).

    Compared with himalaya's ``GroupRidgeCV`` (random search): the same model
    (``deltas_ = log(γ/α)``, its ``best_alphas_ = α`` when rows of ``γ`` sum to one)
    with ``normalize_bands=False``; himalaya averages the per-fold mean squared error,
    this class sums squared errors over all held-out samples (the same choice when
    folds are of equal size); on exact ties himalaya prefers the larger penalty.

    **Dask.** With ``y`` a :class:`dask.array.Array` (chunks along targets; rows are
    merged), everything that depends on ``X`` (stage 1) is computed once and sent to
    the workers, and each chunk of targets is selected and refitted as one task by the
    arithmetic of the in-memory fit, so the fitted attributes equal it up to rounding
    (NumPy arrays; ``X`` is gathered). Each task recomputes the candidates'
    decompositions: take chunks of a thousand targets or more.

    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``),
    PyTorch, CuPy or array-api-strict inputs are fitted on their device by the same
    functions, and the fitted arrays are of that namespace.

    References
    ----------
    Nunez-Elizalde, Huth & Gallant (2019), Voxelwise encoding models with non-spherical
    multivariate normal priors, *NeuroImage* 197, 482–492. Dupré la Tour, Eickenberg,
    Nunez-Elizalde & Gallant (2022), Feature-space selection with banded ridge
    regression, *NeuroImage* 264, 119728.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import BandedRidge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20))
    >>> Y = X[:, :10] @ rng.standard_normal((10, 3)) + rng.standard_normal((100, 3))
    >>> model = BandedRidge(bands=[slice(0, 10), slice(10, 20)], n_iter=10,
    ...                     random_state=0).fit(X, Y)
    >>> model.band_alphas_.shape
    (2, 3)
    >>> bool(np.all(model.band_alphas_[1] > model.band_alphas_[0]))
    True
    """

    _namespace_attribute = "coef_"

    _parameter_constraints = {
        "bands": [list, tuple, dict, "array-like", None],
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "cv": ["cv_object", None],
        "n_iter": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "concentration": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "normalize_bands": ["boolean"],
        "fit_intercept": ["boolean"],
        "random_state": ["random_state"],
        "selection_dtype": [None, StrOptions({"float32", "float64"})],
        "refine_steps": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, bands=None, *, alpha=DEFAULT_ALPHAS, cv=5, n_iter=100,
                 concentration=(0.1, 1.0), normalize_bands=True, fit_intercept=True,
                 random_state=None, selection_dtype=None, refine_steps=0):
        self.bands = bands
        self.alpha = alpha
        self.cv = cv
        self.n_iter = n_iter
        self.concentration = concentration
        self.normalize_bands = normalize_bands
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.selection_dtype = selection_dtype
        self.refine_steps = refine_steps

    def fit(self, X, y):
        """Fit the model, choosing each target's band penalties by cross-validation.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_stimuli, n_features)
        y : array-like or dask.array.Array of shape (n_stimuli,) or \
(n_stimuli, n_targets)
            A Dask array is fitted chunk of targets by chunk on the Dask workers (see
            *Dask* in the class docstring).

        Returns
        -------
        self : object
        """
        if is_dask_array(y):
            from ._banded_dask import fit_dask

            self._validate_params()
            return fit_dask(self, X, y)
        return super().fit(X, y)

    # -- checks ---------------------------------------------------------------------
    def _band_labels(self, n_features):
        """``(feature_band, bands_, band_names_)`` from ``bands``, checked."""
        return parse_bands(self.bands, n_features, getattr(self, "feature_names_in_", None))

    def _candidates(self, n_bands):
        if not np.isscalar(self.n_iter) or isinstance(self.n_iter, np.ndarray):
            gammas = np.asarray(self.n_iter, dtype=np.float64)
            if gammas.ndim != 2 or gammas.shape[1] != n_bands or gammas.shape[0] < 1:
                raise ValueError(
                    f"n_iter as an array gives the candidate band scalings, of shape "
                    f"(n_candidates, n_bands={n_bands}); got shape {gammas.shape}.")
            if (not np.all(np.isfinite(gammas)) or np.any(gammas < 0)
                    or np.any(gammas.sum(axis=1) <= 0)):
                raise ValueError("n_iter's candidate band scalings must be finite, "
                                 "non-negative, and not all zero in a row.")
            return gammas
        if n_bands == 1:
            return np.ones((1, 1))
        conc = np.atleast_1d(np.asarray(self.concentration, dtype=np.float64))
        if conc.ndim != 1 or conc.size == 0 or np.any(~(conc > 0)):
            raise ValueError(f"concentration must be positive, got {self.concentration!r}.")
        rng = check_random_state(self.random_state)
        per = int(np.ceil(self.n_iter / conc.size))
        draws = np.concatenate([rng.dirichlet(np.full(n_bands, c), per) for c in conc])
        return np.vstack([np.full((1, n_bands), 1.0 / n_bands), np.eye(n_bands),
                          draws[:self.n_iter]])

    def _candidate_alphas(self):
        alphas = np.atleast_1d(np.asarray(self.alpha, dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas)) \
                or np.any(alphas < 0):
            raise ValueError(f"alpha must be a finite non-negative number or a 1-D array "
                             f"of candidates, got {self.alpha!r}.")
        return np.sort(alphas)

    def _folds(self, n_samples):
        if self.cv is None:
            if n_samples < 2:
                raise ValueError("cv=None (leave-one-out) needs at least 2 samples, got "
                                 f"n_samples = {n_samples}.")
            return None
        if isinstance(self.cv, Iterator):
            raise ValueError(
                f"cv is a one-shot iterator (a {type(self.cv).__name__}): a second fit "
                f"(or a clone) would have no folds. Pass list(cv) or a splitter.")
        stand_in = np.empty((n_samples, 0))
        if isinstance(self.cv, Integral) or hasattr(self.cv, "get_n_splits"):
            n_splits = check_cv(self.cv).get_n_splits(stand_in)
            if n_samples < 2 * n_splits:
                raise ValueError(
                    f"cv: {n_splits} folds of n_samples = {n_samples} leave fewer than 2 "
                    f"samples per fold; use fewer folds or cv=None (leave-one-out).")
        folds = check_folds(self.cv, stand_in, None, min_test=1)
        for k, (train, test) in enumerate(folds):
            if np.intersect1d(train, test).size:
                raise ValueError(f"Fold {k} of cv tests on stimuli it also trains on; "
                                 f"pass folds whose train and test stimuli are disjoint.")
        return folds

    # -- fit --------------------------------------------------------------------------
    def _fit(self, X, Y):
        xp, device = namespace_and_device(X)
        design = self._design(X)
        result = fit_banded_targets(design, Y)
        total = total_sum_of_squares(Y, design.folds)
        return self._store(design, result, total, xp, device)

    def _design(self, X):
        """Stage 1 from the parameters: bands, candidates, folds; sets ``bands_``."""
        n, p = X.shape
        feature_band, self.bands_, self.band_names_ = self._band_labels(p)
        alphas, folds = self._candidate_alphas(), self._folds(n)
        if self.refine_steps and (folds is None or np.any(alphas <= 0)):
            raise ValueError(
                "refine_steps > 0 descends the K-fold held-out loss in log band "
                "scalings: it needs a K-fold cv (not None) and positive alpha "
                f"candidates (got cv={self.cv!r}, smallest alpha {alphas.min()}).")
        return prepare_banded_design(
            X, feature_band, gammas=self._candidates(len(self.bands_)),
            alphas=alphas, folds=folds, fit_intercept=self.fit_intercept,
            normalize_bands=self.normalize_bands, selection_dtype=self.selection_dtype,
            refine_steps=self.refine_steps)

    def _store(self, design, result, total, xp, device):
        """The fitted attributes from stage 2's result (all targets)."""
        dt = result.coef.dtype
        defined = total > 0
        safe = xp.where(defined, total, xp.ones_like(total))
        scores = 1.0 - result.cv_sse / safe
        self.cv_scores_ = xp.where(defined[None, :], scores, xp.full_like(scores, xp.nan))
        best_sse = (xp.min(result.cv_sse, axis=0) if result.best_sse is None
                    else result.best_sse)
        self.cv_score_ = self._squeeze_targets(xp.where(
            defined, 1.0 - best_sse / safe, xp.full_like(safe, xp.nan)))
        self.alphas_ = xp.asarray(design.alphas, dtype=dt, device=device)
        self.candidates_ = xp.asarray(design.gammas, dtype=dt, device=device)
        if result.delta is None:
            alpha = xp.take(self.alphas_, result.best_alpha)
            gamma = xp.take(self.candidates_, result.best_gamma, axis=0).T  # (bands, t)
        else:  # himalaya's convention: α = 1 / Σ_b e^{δ_b}, γ = α e^δ (on the simplex)
            scale = xp.exp(result.delta)
            alpha = 1.0 / xp.sum(scale, axis=0)
            gamma = scale * alpha[None, :]
        # λ_b = α / (γ_b w_b²), w_b = 1/σ_b: the penalty in the units of X
        w2 = xp.asarray(design.band_weights**2, dtype=dt, device=device)[:, None]
        used = gamma > 0
        band_alphas = xp.where(used, alpha[None, :] / xp.where(used, gamma * w2,
                                                                 xp.ones_like(gamma)),
                               xp.full_like(gamma, xp.inf))
        self.alpha_ = self._squeeze_targets(alpha)
        self.band_scalings_ = self._squeeze_bands(gamma)
        self.band_alphas_ = self._squeeze_bands(band_alphas)
        self.coef_ = self._squeeze_targets(result.coef)
        self.intercept_ = self._squeeze_targets(result.intercept)
        return self

    def _squeeze_bands(self, A):
        return A[:, 0] if self._y_1d else A

    # -- predict ------------------------------------------------------------------------
    def predict(self, X, split=False):
        """Predict target responses, or each band's share of the prediction.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_stimuli, n_features)
        split : bool, default=False
            If True, return each band's prediction ``X_b W_bᵀ``, without the
            intercept: they sum over bands to the prediction minus ``intercept_``.

        Returns
        -------
        y_pred : ndarray of shape (n_stimuli, n_targets), or (n_bands, n_stimuli, \
n_targets) with ``split=True`` (the targets' axis dropped when ``y`` was 1-D)
        """
        if not split:
            return super().predict(X)
        check_is_fitted(self)
        X = validate_predict_data(self, X)
        xp, device = namespace_and_device(X)
        coef = xp.reshape(self.coef_, (-1, X.shape[1]))
        parts = []
        for idx in self.bands_:
            take = xp.asarray(idx, device=device)
            parts.append(xp.take(X, take, axis=1) @ xp.take(coef, take, axis=1).T)
        out = xp.stack(parts)
        return out[:, :, 0] if self._y_1d else out

    def _predict(self, X):
        xp, _ = namespace_and_device(X)
        coef = xp.reshape(self.coef_, (-1, X.shape[1]))
        return X @ coef.T + xp.reshape(self.intercept_, (-1,))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.array_api_support = True
        return tags
