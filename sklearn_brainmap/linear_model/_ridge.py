"""Ridge regression with one penalty per target chosen by cross-validation inside fit."""

from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import BaseMapping
from ..utils import _stats_namespace as _xp_stats
from ..utils import blas_threads_for, check_folds, constant_columns, warn_constant
from ..utils._dask import is_dask_array
from ..utils._array_api import first_argmin, namespace_and_device
from . import _ridge_namespace as _ns
from ._ridge_solvers import (center, eigenbasis, project_targets, ridge_coef,
                             ridge_kfold_errors, ridge_loo_errors)
from ._scaling import (check_representable, extreme_exponent, ldexp, penalty_in_scaled_units,
                       unrepresentable_error)

#: The default candidate penalties: half-decade steps from 1e-2 to 1e7 (19 values).
DEFAULT_ALPHAS = tuple(float(a) for a in np.logspace(-2, 7, 19))


class Ridge(BaseMapping):
    """Ridge regression with a penalty chosen per target by cross-validation.

    ``Ŷ = X W + b`` with ``W = argmin ‖Y − X W − b‖²_F + Σ_j α_j ‖w_j‖²``. When ``alpha``
    is a single number this is scikit-learn's :class:`~sklearn.linear_model.Ridge`.
    When it holds several candidates, the penalty of each target is chosen inside
    ``fit`` by K-fold cross-validation (``cv`` an int or a splitter) or by exact
    leave-one-out (``cv=None``), and the model is refitted on all samples.

    All penalties and all targets share one eigendecomposition of the smaller Gram
    matrix per fold (``X_cᵀX_c`` when ``n_samples ≥ n_features``, ``X_cX_cᵀ``
    otherwise), so the cost barely grows with the number of targets or penalties.

    Parameters
    ----------
    alpha : float or array-like of shape (n_alphas,), default=DEFAULT_ALPHAS
        A fixed penalty (``≥ 0``) or the candidate penalties. The default is 19
        half-decade steps from 1e-2 to 1e7, broad enough for neural data whose
        features are of order one; scale the grid with your features' variance.
        The penalty is not rescaled by the number of samples (as in scikit-learn).
        It is in the units of ``X²``: ``X`` multiplied by ``c`` with ``alpha``
        multiplied by ``c²`` gives the same predictions, and ``alpha_`` multiplied by
        ``c²``.
    cv : int, cross-validation splitter, list of (train, test) folds or None, default=5
        How candidate penalties are compared. An int is the number of folds of an
        unshuffled :class:`~sklearn.model_selection.KFold` (pass a shuffled splitter
        when stimuli are ordered by condition); ``None`` is exact, efficient
        leave-one-out. Folds may be index arrays or boolean masks; every test fold
        needs at least one stimulus, disjoint from its training fold, and indices
        within the stimuli (a ``ValueError`` says which fold is wrong). A one-shot
        iterator (a generator, or ``KFold(5).split(X)``) is refused with a
        ``ValueError``: a fit would use it up, leaving a second fit, or a clone,
        without folds; pass ``list(...)`` of it instead. Ignored when ``alpha`` is a
        single number (but a one-shot iterator is refused there too).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept (the design and targets are centred).
    alpha_per_target : bool, default=True
        Choose one penalty per target (True) or one penalty for all targets, the one
        with the smallest held-out squared error summed over targets (False).
    selection_dtype : {None, "float32", "float64"}, default=None
        Precision of the held-out products that compare the candidate penalties.
        ``None`` uses the precision of ``X``. ``"float32"`` on float64 data halves
        the cost of selection (its products dominate the fit with many targets)
        while the decompositions and the refit stay in float64. ``cv_scores_`` then
        agree with float64's to about 1e-6, so the chosen penalty can differ only
        where candidates tie to that precision (a flat validation curve, e.g. a
        target with no predictable signal, whose large penalties all predict its
        mean): the float32 choice is as good as the float64 one to within 1e-6 of
        held-out R².
    dask_coef : {"auto", "numpy", "dask"}, default="auto"
        Only for ``y`` a Dask array (see *Dask* below): whether ``coef_`` comes back as
        a NumPy array or stays on the cluster as a Dask array chunked like ``y``'s
        targets. ``"auto"``: a Dask array when the coefficients exceed 1 GiB
        (``_ridge_dask.DASK_COEF_BYTES``).

    Attributes
    ----------
    coef_ : ndarray or dask.array.Array of shape (n_targets, n_features) or (n_features,)
        Weights; 1-D when ``y`` was 1-D. A Dask array only after a fit on a Dask ``y``
        with ``dask_coef`` asking for one.
    intercept_ : ndarray of shape (n_targets,) or float
        Intercepts.
    alpha_ : ndarray of shape (n_targets,) or float
        The chosen penalty of each target.
    alphas_ : ndarray of shape (n_alphas,)
        The candidate penalties, sorted.
    cv_scores_ : ndarray of shape (n_alphas, n_targets)
        Cross-validated R² of each candidate penalty and target: one minus the
        held-out sum of squared errors over the targets' total sum of squares (NaN for
        constant targets). With folds that do not test every stimulus exactly once
        (e.g. ``ShuffleSplit``), the total counts each stimulus as often as it was
        tested, so that both sums are over the same stimuli. The chosen penalty
        maximises it. Only set when there were several candidates.
    n_features_in_ : int
        Number of source units seen in ``fit``.

    See Also
    --------
    sklearn.linear_model.RidgeCV : scikit-learn's version (leave-one-out with one SVD).

    Notes
    -----
    Leave-one-out residuals are computed in closed form, ``e_i(α) = (y_i − ŷ_i(α)) /
    (1 − h_ii(α))``, with the intercept's leverage ``1/n`` included in ``h_ii``.
    Constant targets get zero weights and their mean as intercept, with a
    :class:`~sklearn_brainmap.utils.ConstantUnitWarning`. Constant source columns
    (relative to their magnitude) receive zero weight (they are centred away), also
    with a :class:`~sklearn_brainmap.utils.ConstantUnitWarning` that counts them;
    with ``fit_intercept=False`` they act as a penalised intercept.

    Data of any scale are fitted: ``X`` or ``y`` whose largest magnitude is beyond
    ``2**±256`` (``2**±32`` in float32) is divided by a power of two near it before
    its Gram matrices and squared errors are formed (exact in binary floating point),
    the penalties with ``X``; coefficients and ``alpha_`` are given back in the
    user's units, and predictions do not depend on the units (with penalties scaled
    as above). A model that cannot be stored in those units (``X`` and ``y`` apart
    in scale by ~1e300) raises a ``ValueError``.

    **Dask.** With ``y`` a :class:`dask.array.Array` chunked along targets (columns;
    any chunking along stimuli is merged), ``fit`` computes everything that depends on
    ``X`` alone once — the eigendecomposition, the folds' decompositions or the
    leave-one-out leverages — sends it to every worker, and fits each chunk of targets
    as one Dask task (penalty selection and refit), on the default
    ``distributed.Client`` or else Dask's local scheduler. Each chunk is fitted by the
    arithmetic of the in-memory fit, so ``coef_``, ``alpha_`` and ``cv_scores_`` are
    those of the in-memory fit up to rounding; a worker holds ``X``'s decomposition
    plus one chunk of targets and its weights. ``X`` may be a Dask array too; it is
    gathered (its decomposition needs all of it). ``predict`` on a Dask ``X`` (or with
    a Dask ``coef_``) returns a lazy Dask array. Needs ``pip install
    "sklearn_brainmap[dask]"``; see the user guide's *Scaling out*.
    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``, see
    :doc:`/user_guide/gpu`), fitting on PyTorch, CuPy or array-api-strict arrays runs
    on their device with the same algorithm, and ``coef_``, ``intercept_``, ``alpha_``,
    ``alphas_``, ``cv_scores_`` and predictions are arrays of that namespace. NumPy
    inputs keep the NumPy kernels.

    References
    ----------
    Hoerl & Kennard (1970), Ridge regression: biased estimation for nonorthogonal
    problems, *Technometrics* 12, 55–67. Dupré la Tour, Eickenberg, Nunez-Elizalde &
    Gallant (2022), Feature-space selection with banded ridge regression,
    *NeuroImage* 264 (per-target penalties, as in himalaya).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20))
    >>> Y = X @ rng.standard_normal((20, 3)) + 0.1 * rng.standard_normal((100, 3))
    >>> model = Ridge(cv=None).fit(X, Y)
    >>> model.coef_.shape, model.alpha_.shape
    ((3, 20), (3,))
    >>> bool(model.score(X, Y) > 0.99)
    True
    """

    #: The fitted attribute whose namespace and device ``predict`` checks ``X`` against.
    _namespace_attribute = "coef_"

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "cv": ["cv_object", None],
        "fit_intercept": ["boolean"],
        "alpha_per_target": ["boolean"],
        "selection_dtype": [None, StrOptions({"float32", "float64"})],
        "dask_coef": [StrOptions({"auto", "numpy", "dask"})],
    }

    def __init__(self, alpha=DEFAULT_ALPHAS, *, cv=5, fit_intercept=True,
                 alpha_per_target=True, selection_dtype=None, dask_coef="auto"):
        self.alpha = alpha
        self.cv = cv
        self.fit_intercept = fit_intercept
        self.alpha_per_target = alpha_per_target
        self.selection_dtype = selection_dtype
        self.dask_coef = dask_coef

    def fit(self, X, y):
        """Fit the mapping, choosing each target's penalty when ``alpha`` has several.

        Parameters
        ----------
        X : array-like of shape (n_stimuli, n_source_units)
            Source responses (a Dask array is gathered).
        y : array-like or dask.array.Array of shape (n_stimuli,) or \
(n_stimuli, n_target_units)
            Target responses. A Dask array chunked along targets is fitted chunk by
            chunk on the Dask workers (see *Dask* in the class docstring).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if is_dask_array(y):
            from . import _ridge_dask

            self._validate_params()
            self._check_cv()
            return _ridge_dask.fit(self, X, y)
        return super().fit(X, y)

    def predict(self, X):
        """Predict target responses for new stimuli.

        Parameters
        ----------
        X : array-like or dask.array.Array of shape (n_stimuli, n_source_units)
            Source responses to the new stimuli.

        Returns
        -------
        y_pred : ndarray or dask.array.Array of shape (n_stimuli,) or \
(n_stimuli, n_target_units)
            Predicted target responses, in the shape ``y`` had at fit time; a lazy
            Dask array when ``X`` or ``coef_`` is a Dask array.
        """
        if is_dask_array(X) or is_dask_array(getattr(self, "coef_", None)):
            from . import _ridge_dask

            return _ridge_dask.predict(self, X)
        return super().predict(X)

    def _candidate_alphas(self, dtype):
        alphas = np.atleast_1d(np.asarray(self.alpha, dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0:
            raise ValueError(
                f"alpha must be a non-negative number or a 1-D array of candidates, "
                f"got shape {np.shape(self.alpha)}.")
        if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError(f"alpha must be finite and non-negative, got {self.alpha!r}.")
        return np.sort(alphas).astype(dtype)

    def _check_cv(self):
        if isinstance(self.cv, Iterator):
            raise ValueError(
                f"cv is a one-shot iterator (here a {type(self.cv).__name__}; "
                f"KFold().split(X) is one too): the first fit would use it up, and a "
                f"second fit (or a clone, as in cross_val_score or GridSearchCV) would "
                f"have no folds. Pass a list of (train, test) pairs, e.g. list(cv), or "
                f"a splitter such as KFold(5).")

    def _folds(self, X, Y):
        """The checked (train, test) index arrays of ``cv``."""
        if isinstance(self.cv, Integral) or hasattr(self.cv, "get_n_splits"):
            n_splits = check_cv(self.cv).get_n_splits(X, Y)
            if X.shape[0] < n_splits:
                raise ValueError(
                    f"Cannot select a penalty with {n_splits} folds from n_samples = "
                    f"{X.shape[0]}: use fewer folds, cv=None (leave-one-out) or a "
                    f"single alpha.")
        # the held-out errors are summed over test stimuli: one per fold is enough
        folds = check_folds(self.cv, X, Y, min_test=1)
        for k, (train, test) in enumerate(folds):
            shared = np.intersect1d(train, test).size
            if shared:
                raise ValueError(
                    f"Fold {k} of cv tests on {shared} stimulus(i) it also trains on: "
                    f"their errors are not held out and would favour the smallest "
                    f"penalty. Pass folds whose train and test stimuli are disjoint.")
        return folds

    def _cv_errors(self, X, Y, Xc, Yc, alphas, basis, Q, gram, folds):
        """Held-out squared errors of every candidate, shape (n_alphas, n_targets)."""
        if folds is None:
            return ridge_loo_errors(Xc, Yc, alphas, basis, Q,
                                    fit_intercept=self.fit_intercept,
                                    dtype=self.selection_dtype)
        return ridge_kfold_errors(X, Y, alphas, folds, fit_intercept=self.fit_intercept,
                                  gram=gram, dtype=self.selection_dtype)

    def _fit(self, X, Y):
        self._check_cv()
        xp, device = namespace_and_device(X)
        if xp is not np:
            return self._fit_namespace(X, Y, xp, device)
        n, p = X.shape
        with blas_threads_for(2.0 * n * min(n, p) * Y.shape[1]):
            return self._fit_arrays(X, Y)

    def _fit_arrays(self, X, Y):
        alphas = self._candidate_alphas(X.dtype)
        select = alphas.size > 1
        if select and X.shape[0] < 2:
            raise ValueError(
                "Ridge needs at least 2 samples to choose a penalty, got n_samples = "
                f"{X.shape[0]}; pass a single alpha to fit one sample.")
        folds = self._folds(X, Y) if select and self.cv is not None else None
        constant_x = constant_columns(X)
        warn_constant(constant_x, "source",
                      "they get zero weight (they are centred away)." if self.fit_intercept
                      else "with fit_intercept=False they act as a penalised intercept "
                      "(zero weight where they are all zero).", stacklevel=5)
        constant = constant_columns(Y)
        warn_constant(constant, "target",
                      "they get zero weights, their mean as intercept and NaN scores.",
                      stacklevel=5)
        # Data beyond 2**±256 are divided by a power of two (exact), so that Gram
        # matrices and squared errors stay in the float range; the penalties follow X.
        ex, ey = extreme_exponent(X), extreme_exponent(Y)
        X, Y = ldexp(X, -ex), ldexp(Y, -ey)
        scaled_alphas = penalty_in_scaled_units(alphas, ex, X.dtype)
        Xc, x_mean = center(X, self.fit_intercept)
        if self.fit_intercept and constant_x.any():
            Xc[:, constant_x] = 0.0  # exactly: their centred values are rounding noise
        Yc, y_mean = center(Y, self.fit_intercept)
        # the dual Gram matrix of the centred design serves the refit and every fold
        gram = Xc @ Xc.T if Xc.shape[0] < Xc.shape[1] else None
        basis = eigenbasis(Xc, gram=gram)
        Q = project_targets(Xc, Yc, basis)
        if select:
            sse = self._cv_errors(X, Y, Xc, Yc, scaled_alphas, basis, Q, gram, folds)
            Yd = Yc if self.fit_intercept else Y - Y.mean(axis=0)
            if folds is None or _tests_each_once(folds, X.shape[0]):
                total = np.einsum("ij,ij->j", Yd, Yd)
            else:  # the sum of squares of the stimuli as often as they were tested
                tested = np.bincount(np.concatenate([test for _, test in folds]),
                                     minlength=X.shape[0]).astype(X.dtype)
                total = tested @ (Yd * Yd)
            with np.errstate(divide="ignore", invalid="ignore"):
                scores = 1.0 - sse / total
            scores[:, constant] = np.nan
            self.cv_scores_ = scores
            if self.alpha_per_target:
                best = np.argmin(sse, axis=0)
            else:
                best = np.full(Y.shape[1], np.argmin(sse.sum(axis=1)))
        else:
            best = np.zeros(Y.shape[1], dtype=int)
        scaled_coef = ridge_coef(Xc, Q, scaled_alphas[best], basis)
        scaled_coef[constant] = 0.0
        if self.fit_intercept:
            scaled_coef[:, constant_x] = 0.0  # not rounding noise of the eigenvectors
        coef = ldexp(scaled_coef, ey - ex)
        check_representable(coef, scaled_coef)
        self.alphas_ = alphas
        self.alpha_ = self._squeeze_targets(alphas[best])
        self.coef_ = self._squeeze_targets(coef)
        self.intercept_ = self._squeeze_targets(ldexp(y_mean - scaled_coef @ x_mean, ey))
        return self

    def _fit_namespace(self, X, Y, xp, device):
        """``fit`` in an array-API namespace (PyTorch, CuPy, ...) on the device of ``X``.

        The steps of :meth:`_fit_arrays` with the kernels of :mod:`._ridge_namespace`;
        only small arrays come back to the host (masks of constant units, the folds,
        the largest magnitudes), and every fitted array lives on the device of ``X``.
        """
        alphas = self._candidate_alphas(np.float64)
        select = alphas.size > 1
        n = X.shape[0]
        if select and n < 2:
            raise ValueError(
                "Ridge needs at least 2 samples to choose a penalty, got n_samples = "
                f"{n}; pass a single alpha to fit one sample.")
        # the folds index stimuli only: a NumPy stand-in of X keeps the user's arrays
        # on their device
        folds = (self._folds(np.empty((n, 0)), None) if select and self.cv is not None
                 else None)
        constant_x = _xp_stats.constant_columns(X, xp)
        warn_constant(constant_x, "source",
                      "they get zero weight (they are centred away)." if self.fit_intercept
                      else "with fit_intercept=False they act as a penalised intercept "
                      "(zero weight where they are all zero).", stacklevel=5)
        constant = _xp_stats.constant_columns(Y, xp)
        warn_constant(constant, "target",
                      "they get zero weights, their mean as intercept and NaN scores.",
                      stacklevel=5)
        ex, ey = _ns.extreme_exponent(X, xp), _ns.extreme_exponent(Y, xp)
        X, Y = _ns.ldexp(X, -ex), _ns.ldexp(Y, -ey)
        scaled_alphas = penalty_in_scaled_units(alphas, ex, np.float64)
        Xc, x_mean = _ns.center(X, self.fit_intercept, xp, device)
        cx = xp.asarray(constant_x, device=device)
        cy = xp.asarray(constant, device=device)
        if self.fit_intercept and constant_x.any():
            Xc = xp.where(cx[None, :], xp.zeros_like(Xc), Xc)
        Yc, y_mean = _ns.center(Y, self.fit_intercept, xp, device)
        if select:  # the targets' sums of squares, before Yc may be let go
            Yd = Yc if self.fit_intercept else Y - xp.mean(Y, axis=0)
            if folds is None or _tests_each_once(folds, n):
                # a norm, not a sum of squares: no temporary of the size of Y
                total = xp.linalg.vector_norm(Yd, axis=0) ** 2
            else:  # the sum of squares of the stimuli as often as they were tested
                tested = np.bincount(np.concatenate([test for _, test in folds]),
                                     minlength=n)
                total = xp.asarray(tested, dtype=X.dtype, device=device) @ (Yd * Yd)
            del Yd
        gram = Xc @ Xc.T if Xc.shape[0] < Xc.shape[1] else None
        basis = _ns.eigenbasis(Xc, xp, gram=gram)
        Q = _ns.project_targets(Xc, Yc, basis)
        if not (select and folds is None):
            del Yc  # as large as Y; only leave-one-out selection needs it
        work = None if self.selection_dtype is None else getattr(xp, self.selection_dtype)
        candidates = [float(a) for a in scaled_alphas]
        if select:
            if folds is None:
                sse = _ns.ridge_loo_errors(Xc, Yc, candidates, basis, Q, xp,
                                           fit_intercept=self.fit_intercept, work=work)
                del Yc
            else:
                sse = _ns.ridge_kfold_errors(X, Y, candidates, folds, xp, device,
                                             fit_intercept=self.fit_intercept, gram=gram,
                                             work=work)
            scores = 1.0 - sse / total
            self.cv_scores_ = xp.where(cy[None, :], xp.full_like(scores, xp.nan), scores)
            if self.alpha_per_target:
                best = first_argmin(sse, xp)
            else:
                best = xp.full(Y.shape[1], first_argmin(xp.sum(sse, axis=1), xp, axis=None),
                               dtype=xp.int64, device=device)
        else:
            best = xp.zeros(Y.shape[1], dtype=xp.int64, device=device)
        alphas_ = xp.asarray(alphas, dtype=X.dtype, device=device)
        scaled_best = xp.take(xp.asarray(scaled_alphas, dtype=X.dtype, device=device),
                              best)
        scaled_coef = _ns.ridge_coef(Xc, Q, scaled_best, basis, xp)
        del Q  # scaled in place into the weights' factor
        # zeros by in-place products (no second array of the size of the weights)
        if constant.any():
            scaled_coef *= xp.astype(~cy, X.dtype)[:, None]
        if self.fit_intercept and constant_x.any():
            scaled_coef *= xp.astype(~cx, X.dtype)[None, :]
        coef = _ns.ldexp(scaled_coef, ey - ex)
        if not _ns.representable(coef, scaled_coef, xp):
            raise unrepresentable_error("coefficients", np.dtype(str(X.dtype).split(".")[-1]))
        self.alphas_ = alphas_
        self.alpha_ = self._squeeze_targets(xp.take(alphas_, best))
        self.coef_ = self._squeeze_targets(coef)
        intercept = _ns.ldexp(y_mean - scaled_coef @ x_mean, ey)
        self.intercept_ = self._squeeze_targets(intercept)
        return self

    def _predict(self, X):
        xp, _ = namespace_and_device(X)
        if xp is not np:
            coef = xp.reshape(self.coef_, (-1, X.shape[1]))
            return X @ coef.T + xp.reshape(self.intercept_, (-1,))
        coef = np.atleast_2d(self.coef_).astype(X.dtype, copy=False)
        return X @ coef.T + np.atleast_1d(self.intercept_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.array_api_support = True
        return tags


def _tests_each_once(folds, n_samples):
    """Whether the test folds partition the stimuli (each tested exactly once)."""
    tested = np.concatenate([test for _, test in folds])
    return tested.size == n_samples and np.bincount(tested, minlength=n_samples).max() == 1
