"""PairwiseMapping: fit a transform class between every pair of response profiles."""

import time
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import (AGGREGATES, UNIT_SCORES, ConstantUnitWarning, aggregate_unit_scores,
                     blas_threads_for, constant_columns, warn_constant)
from ..utils._dask import scattered
from ..utils._array_api import float_dtypes, namespace_and_device, to_namespace, to_numpy
from ._profiles import (area_silhouette, check_profile_labels, profile_dissimilarity,
                        same_area_predictivity, split_profiles)

@validate_params({"estimator": "no_validation"}, prefer_skip_nested_validation=True)
def targets_separable(estimator):
    """Whether ``estimator`` fits every target independently of the others.

    Then one multi-output fit from a source profile to all other profiles' units gives
    the same mappings as one fit per target profile (P fits instead of P²). True for
    the package's transform classes that declare ``_separable_targets = True`` and for
    a :class:`~sklearn.pipeline.Pipeline` ending in one (its earlier steps transform
    the source only); False for anything else, which is then fitted pair by pair.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_brainmap import Ridge, SoftMatching
    >>> from sklearn_brainmap.model_selection import targets_separable
    >>> targets_separable(make_pipeline(PCA(10), Ridge())), targets_separable(SoftMatching())
    (True, False)
    """
    if isinstance(estimator, Pipeline):
        return targets_separable(estimator.steps[-1][1])
    return bool(getattr(estimator, "_separable_targets", False))


def _fit_one(estimator, X, Y):
    with warnings.catch_warnings():
        # constant units are counted once by PairwiseMapping.fit, not once per fit
        warnings.simplefilter("ignore", ConstantUnitWarning)
        return estimator.fit(X, Y)


def _columns(A, cols, xp=np, device=None):
    """The columns ``cols`` (NumPy indices) of ``A``, an array of namespace ``xp`` (the
    caller finds it once: these are calls in loops over profile pairs)."""
    if xp is np:
        return A[:, cols]
    return xp.take(A, xp.asarray(cols, device=device), axis=1)


def _fit_source(estimator, X, Y, source_cols, target_groups, separable):
    """Fit the mappings of one source profile: one multi-output fit, or one per pair."""
    xp, device = namespace_and_device(X)
    X_s = _columns(X, source_cols, xp, device)
    n_targets = sum(len(cols) for cols in target_groups)
    with blas_threads_for(2.0 * X.shape[0] * len(source_cols) * n_targets):
        if separable:
            targets = np.concatenate(target_groups)
            return _fit_one(clone(estimator), X_s, _columns(Y, targets, xp, device))
        return [_fit_one(clone(estimator), X_s, _columns(Y, cols, xp, device))
                for cols in target_groups]


class PairwiseMapping(BaseEstimator):
    """Fit a mapping between every ordered pair of response profiles of a population.

    A population is one ``(n_stimuli, n_units_total)`` response matrix whose columns
    belong to *profiles* (subject, area). ``fit`` learns, on the training stimuli, the
    mapping ``s → t`` of the transform class ``estimator`` from every profile ``s`` to
    every other profile ``t``; :meth:`score_matrix` scores them on new stimuli. When the
    transform class fits each target independently (all of the package's classes but
    ``SoftMatching``), one multi-output fit maps a source to all other profiles' units
    at once: ``P`` fits instead of ``P(P − 1)``, with identical mappings.

    ``sim(s → t)`` is the held-out R² (or Pearson r) of each unit of ``t``, aggregated
    over ``t``'s units by the median (or mean); constant units are excluded with a
    warning. The *specificity* returned by :meth:`score` is the mean silhouette
    (Rousseeuw, 1987) of the dissimilarity ``D = 1 − (sim + simᵀ)/2`` with areas as
    clusters; the *same-area predictivity* (:meth:`predictivity`) is the mean of
    ``sim(s → t)`` over pairs of the same area and different subjects.

    Sources and targets can be different recordings of the same units: ``fit(X, y)``
    maps the profiles of ``X`` (e.g. pre-activation responses) to those of ``y`` (e.g.
    post-activation responses, the *Pre Linear Softplus* comparison); by default
    ``y = X``.

    Similarity measures that need no mapping (RSA, CKA, Procrustes) can take the
    estimator's place: pass a symmetric function ``f(X_s, X_t) -> float`` (higher is
    more similar, at most 1), evaluated on the scoring stimuli.

    Parameters
    ----------
    estimator : estimator or callable
        A regressor (``fit``/``predict``), e.g. :class:`~sklearn_brainmap.Ridge`, or a
        symmetric similarity function of two response matrices.
    subjects, areas : array-like of shape (n_units_total,), default=None
        The subject and the area of each column. When ``None``, ``fit`` reads them
        from a pandas DataFrame whose columns have (subject, area) as their first two
        levels.
    scoring : {"r2", "pearson"}, default="r2"
        Held-out score of each target unit.
    aggregate : {"median", "mean"}, default="median"
        How unit scores of a target profile are aggregated.
    per_pair : "auto" or bool, default="auto"
        Fit one mapping per ordered pair (True) or one multi-output mapping per source
        (False). "auto" uses multi-output fits when the estimator's targets are
        separable (see :func:`targets_separable`).
    n_jobs : int, default=None
        Source profiles fitted in parallel with joblib (``-1``: all cores). Any joblib
        backend works. On a Dask cluster (``with joblib.parallel_config("dask"):`` or
        :func:`~sklearn_brainmap.utils.dask_parallel`), each source profile is a task
        and the population is sent to every worker once per ``fit``, not with every
        task (``n_jobs=-1``: every worker thread).
    verbose : int, default=0
        Print progress per source profile when positive.

    Attributes
    ----------
    profiles_ : list of tuple
        The (subject, area) of each profile, in order of first appearance.
    profile_subjects_, profile_areas_ : ndarray of shape (n_profiles,)
    estimators_ : list
        Per source profile, the fitted multi-output estimator or the list of per-pair
        estimators (targets in profile order, the source itself skipped). Empty for a
        similarity function.
    n_features_in_ : int

    Notes
    -----
    With array-API dispatch on (``sklearn.set_config(array_api_dispatch=True)``, see
    :doc:`/user_guide/gpu`), a population given as a PyTorch, CuPy or array-api-strict
    array is fitted and scored on its device (with :class:`~sklearn_brainmap.Ridge`,
    :class:`~sklearn_brainmap.OneToOne` or a supported measure) and
    :meth:`score_matrix` returns an array of that namespace; keep ``n_jobs=None``
    there.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods*. Rousseeuw (1987), Silhouettes: a graphical aid to
    the interpretation and validation of cluster analysis, *J. Comput. Appl. Math.* 20.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.model_selection import PairwiseMapping
    >>> rng = np.random.default_rng(0)
    >>> shared = {a: rng.standard_normal((80, 5)) for a in ("V1", "V4")}
    >>> blocks, subjects, areas = [], [], []
    >>> for s in range(3):
    ...     for a in ("V1", "V4"):
    ...         blocks.append(shared[a] @ rng.standard_normal((5, 10))
    ...                       + 0.3 * rng.standard_normal((80, 10)))
    ...         subjects += [s] * 10
    ...         areas += [a] * 10
    >>> X = np.hstack(blocks)
    >>> mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas)
    >>> mapping.fit(X[:60]).score_matrix(X[60:]).shape
    (6, 6)
    >>> bool(mapping.score(X[60:]) > 0.5)
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), callable],
        "subjects": ["array-like", None],
        "areas": ["array-like", None],
        "scoring": [StrOptions(set(UNIT_SCORES))],
        "aggregate": [StrOptions(set(AGGREGATES))],
        "per_pair": ["boolean", StrOptions({"auto"})],
        "n_jobs": [Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    def __init__(self, estimator, *, subjects=None, areas=None, scoring="r2",
                 aggregate="median", per_pair="auto", n_jobs=None, verbose=0):
        self.estimator = estimator
        self.subjects = subjects
        self.areas = areas
        self.scoring = scoring
        self.aggregate = aggregate
        self.per_pair = per_pair
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ---- labels and validation -------------------------------------------------------

    def _labels(self, X):
        """Labels of the columns: ``subjects``/``areas``, or the levels of a DataFrame's
        columns named "subject" and "area" (else its first two levels)."""
        subjects, areas = self.subjects, self.areas
        columns = getattr(X, "columns", None)
        if subjects is None or areas is None:
            if columns is None or getattr(columns, "nlevels", 1) < 2:
                raise ValueError(
                    "PairwiseMapping needs the subject and area of every column: pass "
                    "subjects= and areas=, or a DataFrame whose columns have levels "
                    "named 'subject' and 'area' (or those as their first two levels).")
            names = list(columns.names)
            levels = ((names.index("subject"), names.index("area"))
                      if {"subject", "area"} <= set(names) else (0, 1))
            if subjects is None:
                subjects = list(columns.get_level_values(levels[0]))
            if areas is None:
                areas = list(columns.get_level_values(levels[1]))
        return check_profile_labels(subjects, areas, np.shape(X)[1])

    def _aligned(self, A, name):
        """``A`` as an array whose columns are in the order seen in ``fit``.

        A DataFrame scored after a DataFrame fit is matched by its column labels
        (reordered when the same labels come in another order); anything else is taken
        column by column.
        """
        fitted = getattr(self, "_fit_columns", None)
        columns = getattr(A, "columns", None)
        if fitted is None or columns is None or columns.equals(fitted):
            return A.to_numpy() if hasattr(A, "to_numpy") else A
        if (columns.has_duplicates or fitted.has_duplicates
                or set(columns) != set(fitted) or len(columns) != len(fitted)):
            raise ValueError(
                f"The columns of {name} are not those seen in fit (labels differ, or "
                "repeat so that they cannot be matched): pass the same units, with "
                "the same column labels, in any order.")
        return A[fitted].to_numpy()

    def _validate_pair(self, X, y, reset):
        if reset:
            self._fit_columns = getattr(X, "columns", None)
        X = self._aligned(X, "X")
        # with array-API dispatch, the namespace and device of X are those of the fits
        # (y is moved there)
        xp, device = namespace_and_device(X)
        dtypes = float_dtypes(xp)
        X = validate_data(self, X, reset=reset, dtype=dtypes, ensure_min_samples=2)
        if y is None:
            return X, X
        y = self._aligned(y, "y")
        y = to_namespace(y, xp, device)
        Y = validate_data(self, y, reset=False, dtype=dtypes, ensure_min_samples=2)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {Y.shape[0]} stimuli (rows) but X has {X.shape[0]}.")
        return X, Y

    def _is_measure(self):
        return not hasattr(self.estimator, "fit")

    def fit(self, X, y=None):
        """Fit the mapping of every ordered pair of profiles on the stimuli in ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_stimuli, n_units_total)
            Responses of the whole population to the training stimuli.
        y : array-like of shape (n_stimuli, n_units_total), default=None
            Target responses, column for column the same units as ``X`` (e.g. their
            post-activation responses when ``X`` holds pre-activations). ``None``:
            ``X`` itself.

        Returns
        -------
        self : object
        """
        self._validate_params()
        subjects, areas = self._labels(X)
        X, Y = self._validate_pair(X, y, reset=True)
        self.profiles_, self._columns = split_profiles(subjects, areas)
        if len(self.profiles_) < 2:
            raise ValueError("PairwiseMapping needs at least 2 profiles (subject, area), "
                             f"got {len(self.profiles_)}.")
        self.profile_subjects_ = np.array([p[0] for p in self.profiles_])
        self.profile_areas_ = np.array([p[1] for p in self.profiles_])
        self.estimators_ = []
        if self._is_measure():
            return self
        warn_constant(constant_columns(Y), "population",
                      "as targets their scores are NaN and excluded from the aggregate.")
        separable = (targets_separable(self.estimator) if self.per_pair == "auto"
                     else not self.per_pair)
        n = len(self.profiles_)
        start = time.perf_counter()

        def jobs():
            for s in range(n):
                groups = [self._columns[t] for t in range(n) if t != s]
                yield delayed(_fit_source)(self.estimator, X, Y, self._columns[s],
                                           groups, separable)

        with scattered(X, Y):  # on a Dask cluster: the population on every worker, once
            parallel = Parallel(n_jobs=self.n_jobs, return_as="generator")
            for s, fitted in enumerate(parallel(jobs())):
                self.estimators_.append(fitted)
                if self.verbose:
                    print(f"[PairwiseMapping] source {s + 1}/{n} {self.profiles_[s]} "
                          f"fitted ({time.perf_counter() - start:.1f} s)", flush=True)
        return self

    # ---- scores on new stimuli ----------------------------------------------------------

    def score_matrix(self, X, y=None):
        """Held-out score of every mapping ``s → t`` on new stimuli.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_stimuli, n_units_total)
            Responses of the population to stimuli not used in ``fit``.
        y : array-like of shape (n_stimuli, n_units_total), default=None
            Target responses to the same stimuli when ``fit`` was given some.

        Returns
        -------
        scores : ndarray of shape (n_profiles, n_profiles)
            ``scores[s, t]`` is ``sim(s → t)``: the aggregated score of the units of
            profile ``t`` predicted from profile ``s``. The diagonal is NaN. For a
            similarity function, ``f(X_s, X_t)`` (symmetric). With array-API dispatch
            on, an array of the namespace and device of ``X``.
        """
        M = self._score_matrix(X, y)
        xp, device = namespace_and_device(X if hasattr(X, "shape") else None)
        return M if xp is np else xp.asarray(M, device=device)

    def _score_matrix(self, X, y=None):
        """:meth:`score_matrix` as a NumPy array (the fits and the unit scores run in
        the namespace of ``X``; the small matrix of aggregates is built on the host)."""
        check_is_fitted(self)
        X, Y = self._validate_pair(X, y, reset=False)
        n = len(self.profiles_)
        M = np.full((n, n), np.nan)
        cols = self._columns
        if self._is_measure():
            xp, device = namespace_and_device(X)
            for s in range(n):
                for t in range(s + 1, n):
                    M[s, t] = M[t, s] = self.estimator(_columns(X, cols[s], xp, device),
                                                       _columns(Y, cols[t], xp, device))
        else:
            with blas_threads_for(2.0 * X.shape[0] * X.shape[1] ** 2 / n):
                self._score_mappings(X, Y, M)
        return M

    def _score_mappings(self, X, Y, M):
        """Fill ``M[s, t]`` with the aggregated held-out unit scores of ``s → t``."""
        n = len(self.profiles_)
        cols = self._columns
        xp, device = namespace_and_device(X)
        score = UNIT_SCORES[self.scoring]  # on the device; aggregates on the host

        def unit_score(true, pred):
            return to_numpy(score(true, pred))

        if xp is np:
            hstack, reshape = np.hstack, np.reshape
        else:
            def hstack(arrays):
                return xp.concat(arrays, axis=1)
            reshape = xp.reshape
        n_undefined = 0
        for s, fitted in enumerate(self.estimators_):
            targets = [t for t in range(n) if t != s]
            X_s = _columns(X, cols[s], xp, device)
            if isinstance(fitted, list):
                pred = hstack([reshape(f.predict(X_s), (X.shape[0], -1)) for f in fitted])
            else:
                pred = reshape(fitted.predict(X_s), (X.shape[0], -1))
            true = _columns(Y, np.concatenate([cols[t] for t in targets]), xp, device)
            scores = unit_score(true, pred)
            n_undefined += int(np.isnan(scores).sum())
            M[s, targets] = aggregate_unit_scores(scores, self.aggregate,
                                                    sizes=[len(cols[t]) for t in targets])
        if n_undefined:
            warnings.warn(
                f"{n_undefined} unit scores were undefined (constant units among the "
                f"scoring stimuli) and were excluded from the {self.aggregate}s.",
                ConstantUnitWarning, stacklevel=3)

    def similarity_matrix(self, X, y=None):
        """Symmetrised similarity ``(sim + simᵀ) / 2`` on new stimuli (diagonal NaN)."""
        M = self._score_matrix(X, y)
        return (M + M.T) / 2

    def dissimilarity_matrix(self, X, y=None):
        """``D = 1 − (sim + simᵀ)/2`` on new stimuli, zero diagonal
        (:func:`profile_dissimilarity` of :meth:`score_matrix`)."""
        return profile_dissimilarity(self._score_matrix(X, y))

    def score(self, X, y=None):
        """Specificity: mean silhouette of ``1 − similarity`` with areas as clusters.

        Each call computes the held-out score matrix; to get the silhouette and the
        predictivity from one matrix, call :meth:`score_matrix` once and pass it to
        :func:`area_silhouette` and :func:`same_area_predictivity` (or use
        :func:`population_scorer` in scikit-learn's tools).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_stimuli, n_units_total)
            Responses to stimuli not used in ``fit``.
        y : array-like of shape (n_stimuli, n_units_total), default=None
            Target responses when ``fit`` was given some.

        Returns
        -------
        silhouette : float
            In [−1, 1]; higher means profiles of the same area are more similar to each
            other than to any other area. Equal to
            ``sklearn.metrics.silhouette_score(D, areas, metric="precomputed")``.
        """
        check_is_fitted(self)
        return area_silhouette(self._score_matrix(X, y), self.profile_areas_)

    def predictivity(self, X, y=None):
        """Same-area predictivity: mean ``sim(s → t)`` over pairs of the same area and
        different subjects, on new stimuli (``y``: target responses, as in ``fit``)."""
        check_is_fitted(self)
        return same_area_predictivity(self._score_matrix(X, y), self.profile_subjects_,
                                      self.profile_areas_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # array-API inputs run on their device when the transform class does (a
        # similarity function: the package's measures do, a user's own may not)
        tags.array_api_support = (get_tags(self.estimator).array_api_support
                                  if hasattr(self.estimator, "__sklearn_tags__") else True)
        return tags
