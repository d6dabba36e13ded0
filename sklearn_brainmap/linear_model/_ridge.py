"""Ridge regression with one penalty per target chosen by cross-validation inside fit."""

from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import BaseMapping
from ..utils import blas_threads_for, check_folds, warn_constant
from ..utils._array_api import array_namespace, is_numpy
from ..utils._dask import is_dask_array
from ._ridge_stages import fit_targets, prepare_design

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
    on their device through the same functions as NumPy's, and ``coef_``,
    ``intercept_``, ``alpha_``, ``alphas_``, ``cv_scores_`` and predictions are arrays
    of that namespace. Every path — in memory, on a device, on Dask — is
    ``fit_targets(prepare_design(X, ...), Y_block)`` (``linear_model._ridge_stages``).

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
        if not is_dask_array(y):
            return super().fit(X, y)  # validates, then _fit
        from . import _ridge_dask

        self._validate_params()
        X, Y, self._y_1d = _ridge_dask.validate(self, X, y)
        design = self._design(X, stacklevel=4)
        self._set_fitted(_ridge_dask.fit_chunks(design, Y, dask_coef=self.dask_coef),
                         design, stacklevel=4)
        return self

    def _fit(self, X, Y):
        design = self._design(X, stacklevel=6)
        n, p = X.shape
        with blas_threads_for(2.0 * n * min(n, p) * Y.shape[1]):
            fitted = fit_targets(design, Y)
        self._set_fitted(fitted, design, stacklevel=6)
        return self

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

    def _folds(self, X):
        """The checked (train, test) index arrays of ``cv`` (NumPy, whatever ``X`` is)."""
        if isinstance(self.cv, Iterator):
            raise ValueError(
                f"cv is a one-shot iterator (here a {type(self.cv).__name__}; "
                f"KFold().split(X) is one too): the first fit would use it up, and a "
                f"second fit (or a clone, as in cross_val_score or GridSearchCV) would "
                f"have no folds. Pass a list of (train, test) pairs, e.g. list(cv), or "
                f"a splitter such as KFold(5).")
        if not isinstance(X, np.ndarray):  # the folds index stimuli: a host stand-in
            X = np.empty((X.shape[0], 0))
        if isinstance(self.cv, Integral) or hasattr(self.cv, "get_n_splits"):
            n_splits = check_cv(self.cv).get_n_splits(X)
            if X.shape[0] < n_splits:
                raise ValueError(
                    f"Cannot select a penalty with {n_splits} folds from n_samples = "
                    f"{X.shape[0]}: use fewer folds, cv=None (leave-one-out) or a "
                    f"single alpha.")
        # the held-out errors are summed over test stimuli: one per fold is enough
        folds = check_folds(self.cv, X, None, min_test=1)
        for k, (train, test) in enumerate(folds):
            shared = np.intersect1d(train, test).size
            if shared:
                raise ValueError(
                    f"Fold {k} of cv tests on {shared} stimulus(i) it also trains on: "
                    f"their errors are not held out and would favour the smallest "
                    f"penalty. Pass folds whose train and test stimuli are disjoint.")
        return folds

    def _design(self, X, stacklevel):
        """The one reading of ``alpha`` and ``cv``, and :func:`prepare_design` of ``X``."""
        xp, _ = array_namespace(X)
        alphas = self._candidate_alphas(np.float32 if xp.finfo(X.dtype).bits == 32
                                        else np.float64)
        select = alphas.size > 1
        if select and X.shape[0] < 2:
            raise ValueError(
                "Ridge needs at least 2 samples to choose a penalty, got n_samples = "
                f"{X.shape[0]}; pass a single alpha to fit one sample.")
        folds = self._folds(X) if select and self.cv is not None else None
        if not select and isinstance(self.cv, Iterator):
            self._folds(X)  # refused there too
        design = prepare_design(X, alphas, folds, fit_intercept=self.fit_intercept,
                                alpha_per_target=self.alpha_per_target,
                                selection_dtype=self.selection_dtype)
        warn_constant(design.constant_x, "source",
                      "they get zero weight (they are centred away)." if self.fit_intercept
                      else "with fit_intercept=False they act as a penalised intercept "
                      "(zero weight where they are all zero).", stacklevel=stacklevel)
        self.alphas_ = alphas
        return design

    def _set_fitted(self, fitted, design, stacklevel):
        """Store a :class:`~._ridge_stages.TargetFit` of all targets."""
        warn_constant(fitted.constant, "target",
                      "they get zero weights, their mean as intercept and NaN scores.",
                      stacklevel=stacklevel)
        xp, device = array_namespace(design.alphas)
        if not is_numpy(xp):
            self.alphas_ = xp.asarray(self.alphas_, dtype=design.alphas.dtype, device=device)
        if fitted.scores is not None:
            self.cv_scores_ = fitted.scores
        self.alpha_ = self._squeeze_targets(xp.take(self.alphas_, fitted.best))
        self.coef_ = self._squeeze_targets(fitted.coef)
        self.intercept_ = self._squeeze_targets(fitted.intercept)

    def _predict(self, X):
        xp, _ = array_namespace(X)
        coef = xp.astype(xp.reshape(self.coef_, (-1, X.shape[1])), X.dtype, copy=False)
        return X @ coef.T + xp.reshape(xp.asarray(self.intercept_), (-1,))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.array_api_support = True
        return tags

