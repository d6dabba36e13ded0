"""The papers' comparison of transform classes on a population: predictivity and
specificity of each class, cross-validated over stimuli."""

import logging
import time
import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ..utils import AGGREGATES, UNIT_SCORES, ConstantUnitWarning, check_folds
from ..utils._array_api import check_namespace_support
from ..utils._dask import scattered
from ._candidates import _candidates
from ._comparison_bootstrap import (
    bootstrap_comparison,
    draw_weights,
    paired_differences,
    resampled_fold_matrices,
)
from ._pairwise import PairwiseMapping
from ._profiles import area_silhouette, same_area_predictivity

logger = logging.getLogger(__name__)


class ComparisonResult:
    """Scores of every transform class on every fold of a comparison.

    Attributes
    ----------
    records : list of dict
        One record per (recording, transform class, fold), tidy:
        ``responses``, ``transform_class``, ``fold``, ``predictivity`` (NaN for a
        similarity function), ``silhouette``, ``seconds`` (fit and scoring of that
        fold). ``pandas.DataFrame(result.records)`` makes a table of them.
    matrices : dict
        ``{(responses, transform_class): S}``, the held-out score matrix
        ``S[s, t] = sim(s → t)`` averaged over folds, shape (n_profiles, n_profiles).
    profile_subjects, profile_areas : ndarray of shape (n_profiles,)
        The subject and area of each profile (rows and columns of the matrices).
    bootstrap : BootstrapResult or None
        With ``n_bootstraps > 0``: the scores, intervals and paired differences of
        every ``(responses, transform_class, "predictivity" | "silhouette")`` (its
        ``names``), over subjects and test stimuli.
    """

    def __init__(self, records, matrices, profile_subjects, profile_areas, *,
                 bootstrap=None):
        self.records = records
        self.matrices = matrices
        self.profile_subjects = profile_subjects
        self.profile_areas = profile_areas
        self.bootstrap = bootstrap

    def _column(self, responses, name, what):
        names, key = self.bootstrap.names, (responses, name, what)
        return names.index(key) if key in names else None

    def compare(self, class_a, class_b, responses):
        """Paired difference ``class_a − class_b`` on one recording (needs
        ``n_bootstraps > 0``): ``{"predictivity": ..., "silhouette": ...}``, each a dict
        of ``difference``, ``confidence_interval``, ``p_value`` and ``p_value_holm``
        (Holm over the class pairs of that recording and score), or None where a class
        has no such score."""
        return paired_differences(self, class_a, class_b, responses)

    def cells(self):
        """The (responses, transform class) pairs compared, in the order they ran."""
        return list(dict.fromkeys((r["responses"], r["transform_class"])
                                  for r in self.records))

    def summary(self, *, folds=False):
        """One row per (recording, transform class): mean and standard deviation over
        folds of predictivity and silhouette, and the total seconds.

        Parameters
        ----------
        folds : bool, default=False
            Also give the values of every fold (``predictivity_folds``, an empty list
            for a similarity function, and ``silhouette_folds``).

        Returns
        -------
        rows : list of dict
            Keys ``responses``, ``transform_class``, ``predictivity``,
            ``predictivity_sd``, ``silhouette``, ``silhouette_sd``, ``seconds``;
            predictivity is None for a similarity function. With a bootstrap, also
            ``predictivity_ci`` and ``silhouette_ci`` ``[low, high]`` (the SDs are the
            spread over folds, not an interval).
        """
        rows = []
        for responses, name in self.cells():
            mine = [r for r in self.records
                    if r["responses"] == responses and r["transform_class"] == name]
            pred = np.array([r["predictivity"] for r in mine], dtype=float)
            sil = np.array([r["silhouette"] for r in mine], dtype=float)
            defined = not np.isnan(pred).all()
            rows.append({
                "responses": responses, "transform_class": name,
                "predictivity": float(np.mean(pred)) if defined else None,
                "predictivity_sd": float(np.std(pred)) if defined else None,
                "silhouette": float(np.mean(sil)), "silhouette_sd": float(np.std(sil)),
                "seconds": round(float(sum(r["seconds"] for r in mine)), 2)})
            if folds:
                rows[-1]["predictivity_folds"] = pred.tolist() if defined else []
                rows[-1]["silhouette_folds"] = sil.tolist()
            if self.bootstrap is not None:
                for what in ("predictivity", "silhouette"):
                    k = self._column(responses, name, what)
                    rows[-1][f"{what}_ci"] = (
                        None if k is None
                        else self.bootstrap.confidence_interval[:, k].tolist())
        return rows

    def to_frame(self):
        """The records as a :class:`pandas.DataFrame` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.records)

    def __repr__(self):
        return (f"ComparisonResult({len(self.cells())} cells, "
                f"{len(self.records)} records, {len(self.profile_areas)} profiles)")


class _Recordings:
    """The population's recordings as float arrays, each converted once (so that a class
    whose sources are its targets gets the very same array, and ``fit(X)`` its
    ``y=None`` path)."""

    def __init__(self, population):
        missing = [key for key in ("subjects", "areas") if key not in population]
        if missing:
            raise ValueError(f"population lacks {' and '.join(missing)}: give one label "
                             "per column of its recordings.")
        self.population = population
        self.arrays = {}

    def __call__(self, name, what):
        if name not in self.arrays:
            if name in ("subjects", "areas") or name not in self.population:
                names = sorted(k for k in self.population if k not in ("subjects", "areas"))
                raise ValueError(f"{what} {name!r} is not a recording of the population; "
                                 f"it has {names}.")
            array = check_array(self.population[name], dtype=[np.float64, np.float32],
                                input_name=f"population[{name!r}]")
            if self.arrays:
                # every recording shows the same stimuli to the same columns: folds
                # index rows of all of them
                first, reference = next(iter(self.arrays.items()))
                if array.shape != reference.shape:
                    raise ValueError(
                        f"population[{name!r}] has shape {array.shape} and "
                        f"population[{first!r}] {reference.shape}: every recording "
                        "must hold the same stimuli (rows) and units (columns).")
            self.arrays[name] = array
        return self.arrays[name]


def _run_cell(candidate, X, Y, subjects, areas, folds, scoring, aggregate,
              stimulus_weights=None):
    """Every fold of one (recording, class) cell: one held-out score matrix per fold, the
    silhouette and the predictivity both from it. Runs in a joblib worker.

    ``stimulus_weights``: bootstrap counts; the folds' held-out predictions then also
    give the matrices of every resample of their test stimuli (None for a similarity
    function), returned with each fold's matrix."""
    # n_jobs=1: the cells are the parallel tasks; under joblib's Dask backend a default
    # n_jobs would fan every cell's sources out again from inside its worker
    mapping = PairwiseMapping(candidate.estimator, subjects=subjects, areas=areas,
                              scoring=scoring, aggregate=aggregate, n_jobs=1)
    same = Y is X
    rows, matrices, resampled = [], [], []
    bootstrap = stimulus_weights is not None and not candidate.specificity_only
    with warnings.catch_warnings(record=True) as caught:
        # counted here and reported once by the caller, not once per fit and fold
        warnings.simplefilter("always", ConstantUnitWarning)
        for train, test in folds:
            start = time.perf_counter()
            mapping.fit(X[train], None if same else Y[train])
            S = mapping.score_matrix(X[test], None if same else Y[test])
            silhouette = area_silhouette(S, mapping.profile_areas_)
            predictivity = (np.nan if candidate.specificity_only else
                            same_area_predictivity(S, mapping.profile_subjects_,
                                                   mapping.profile_areas_))
            matrices.append(S)
            if bootstrap:
                resampled.append(resampled_fold_matrices(
                    mapping, X[test], Y[test], stimulus_weights[:, test], scoring,
                    aggregate))
            rows.append((predictivity, silhouette, time.perf_counter() - start))
    others = [w for w in caught if not issubclass(w.category, ConstantUnitWarning)]
    for w in others:  # anything else is the user's to see
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    n_constant = len(caught) - len(others)
    labels = (mapping.profile_subjects_, mapping.profile_areas_)
    folds_out = None
    if stimulus_weights is not None:
        folds_out = (np.array(matrices), np.array(resampled) if bootstrap else None)
    return rows, np.mean(matrices, axis=0), labels, n_constant, folds_out


@validate_params(
    {"candidates": [list, tuple, dict], "population": [Mapping],
     "responses": [list, tuple], "cv": ["cv_object"],
     "scoring": [StrOptions(set(UNIT_SCORES))], "aggregate": [StrOptions(set(AGGREGATES))],
     "n_jobs": [Interval(Integral, None, -1, closed="right"),
                Interval(Integral, 1, None, closed="left"), None],
     "n_bootstraps": [Interval(Integral, 0, None, closed="left")],
     "confidence_level": [Interval(Real, 0, 1, closed="neither")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def compare_transform_classes(candidates, population, *, responses=("pre", "post"), cv=5,
                              scoring="r2", aggregate="median", n_jobs=None,
                              n_bootstraps=0, confidence_level=0.95, random_state=None):
    """Compare transform classes on a population by predictivity and specificity.

    For every target recording in ``responses`` and every candidate that applies to it,
    each fold of ``cv`` (over stimuli) fits a :class:`PairwiseMapping` of the class
    between every pair of (subject, area) profiles on the training stimuli, computes
    **one** held-out score matrix ``S[s, t] = sim(s → t)`` on the test stimuli and
    derives from it

    - the *specificity*: mean silhouette of ``D = 1 − (S + Sᵀ)/2`` with areas as
      clusters (:func:`area_silhouette`);
    - the *same-area predictivity*: mean ``S[s, t]`` over pairs of the same area and
      different subjects (:func:`same_area_predictivity`).

    A transform class that is right for a brain is flexible enough to predict one
    subject's area from another's and strict enough that the areas stay apart (Thobani
    et al.).

    Parameters
    ----------
    candidates : dict or list of Candidate
        ``{name: estimator or similarity function}``, or :class:`Candidate` objects
        to say which recording feeds the sources and which recordings a class is
        compared on.
    population : mapping
        The recordings, each ``(n_stimuli, n_units_total)`` with the same columns,
        plus ``subjects`` and ``areas`` (one label per column), e.g. the Bunch of
        :func:`~sklearn_brainmap.datasets.make_model_population` (recordings
        ``"pre"`` and ``"post"``).
    responses : tuple of str, default=("pre", "post")
        The target recordings to compare on.
    cv : int, cross-validation generator or iterable, default=5
        Folds over stimuli, as in :func:`sklearn.model_selection.check_cv` (an int is
        an unshuffled K-fold); the same folds for every cell.
    scoring : {"r2", "pearson"}, default="r2"
        Held-out score of each target unit.
    aggregate : {"median", "mean"}, default="median"
        Aggregate of a target profile's unit scores.
    n_jobs : int, default=None
        Cells (recording × class) run in parallel with joblib (``-1``: all cores). On a
        Dask cluster (``joblib.parallel_config("dask")`` or
        :func:`~sklearn_brainmap.utils.dask_parallel`) every cell is a task and the
        recordings are sent to every worker once, not with every cell.
    n_bootstraps : int, default=0
        ``> 0``: intervals over subjects and test stimuli, from the folds' held-out
        predictions resampled by index (nothing refitted; shared by all cells, so
        differences are paired; similarity functions over subjects only). See
        :doc:`/user_guide/inference`.
    confidence_level : float in (0, 1), default=0.95
    random_state : int, RandomState instance or None

    Returns
    -------
    result : :class:`ComparisonResult`
        Tidy records per (recording, class, fold), the summary over folds and the mean
        held-out score matrices; with ``n_bootstraps``, intervals and paired tests.

    Warns
    -----
    ConstantUnitWarning
        Once, when constant units were met (their scores are undefined and left out of
        the aggregates), pointing at the caller's line; its ``count`` attribute is the
        number of fits or scorings that met them.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods*.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> from sklearn_brainmap import OneToOne, Ridge
    >>> from sklearn_brainmap.metrics import rsa_score
    >>> from sklearn_brainmap.model_selection import compare_transform_classes
    >>> rng = np.random.default_rng(0)
    >>> latent = {a: rng.standard_normal((120, 4)) for a in ("V1", "V4")}
    >>> blocks = [latent[a] @ rng.standard_normal((4, 8)) for s in range(3)
    ...           for a in ("V1", "V4")]
    >>> pre = np.hstack(blocks) + 0.5 * rng.standard_normal((120, 48))
    >>> population = {"pre": pre, "subjects": np.repeat([0, 1, 2], 16),
    ...               "areas": np.tile(np.repeat(["V1", "V4"], 8), 3)}
    >>> result = compare_transform_classes(
    ...     {"Ridge": Ridge(cv=None), "OneToOne": OneToOne(), "RSA": rsa_score},
    ...     population, responses=("pre",), cv=KFold(3, shuffle=True, random_state=0))
    >>> [(row["transform_class"], row["silhouette"] > 0.3) for row in result.summary()]
    [('Ridge', True), ('OneToOne', True), ('RSA', True)]
    >>> result.matrices["pre", "Ridge"].shape
    (6, 6)
    """
    candidates = _candidates(candidates)
    if len(responses) == 0:
        raise ValueError("responses is empty: name at least one recording of the "
                         "population to compare on (e.g. ('post',)).")
    # the recordings only (a Bunch also holds text and numbers); NumPy needs no check
    foreign = [v for k, v in population.items() if k not in ("subjects", "areas")
               and hasattr(v, "shape") and not isinstance(v, np.ndarray)]
    if foreign:
        check_namespace_support("compare_transform_classes", *foreign)
    recording = _Recordings(population)
    subjects, areas = population["subjects"], population["areas"]
    first = recording(responses[0], "responses")
    # an RDM of 2 test stimuli has one pair: RSA-like measures need 3 per test fold
    folds = check_folds(cv, first, min_test=3 if any(c.specificity_only for c in candidates)
                        else 2)
    cells = []
    for target in responses:
        Y = recording(target, "responses")
        for candidate in candidates:
            if candidate.responses is not None and target not in candidate.responses:
                continue
            X = (Y if candidate.source is None
                 else recording(candidate.source, f"{candidate.name}'s source"))
            cells.append((target, candidate, X, Y))
    if not cells:
        raise ValueError(f"No candidate applies to the responses {list(responses)}.")

    weights = stimulus_weights = None
    if n_bootstraps:
        subject_labels = np.unique(np.asarray(subjects))
        weights = draw_weights(len(subject_labels), len(first), n_bootstraps,
                               check_random_state(random_state))
        stimulus_weights = np.vstack([weights["both"][1], weights["stimuli"][1]])
    records, matrices, labels, n_constant, fold_matrices = [], {}, None, 0, {}
    with scattered(*recording.arrays.values()):  # Dask: sent to each worker once
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        outputs = parallel(delayed(_run_cell)(candidate, X, Y, subjects, areas, folds,
                                              scoring, aggregate, stimulus_weights)
                           for _, candidate, X, Y in cells)
        for step, ((target, candidate, _, _), (rows, S, labels, constant, per_fold)) in \
                enumerate(zip(cells, outputs), start=1):
            n_constant += constant
            matrices[target, candidate.name] = S
            fold_matrices[target, candidate.name] = per_fold
            for fold, (predictivity, silhouette, seconds) in enumerate(rows):
                records.append({"responses": target, "transform_class": candidate.name,
                                "fold": fold, "predictivity": float(predictivity),
                                "silhouette": float(silhouette), "seconds": seconds})
            pred = np.mean([r[0] for r in rows])
            logger.info("[%d/%d] %-4s %-20s predictivity %s  silhouette %.3f  (%.1f s)",
                        step, len(cells), target, candidate.name,
                        "   —  " if np.isnan(pred) else f"{pred:.3f}",
                        np.mean([r[1] for r in rows]), sum(r[2] for r in rows))
    if n_constant:
        warning = ConstantUnitWarning(
            f"Constant units were met in {n_constant} fits or scorings of the "
            "comparison: their scores are undefined and were left out of the "
            "aggregates.")
        warning.count = n_constant   # for callers that sum several comparisons
        # stacklevel 3: past validate_params' wrapper, at the caller's line
        warnings.warn(warning, stacklevel=3)
    bootstrap = None
    if n_bootstraps:
        subject_index = np.unique(labels[0], return_inverse=True)[1]
        area_index = np.unique(labels[1], return_inverse=True)[1]
        bootstrap = bootstrap_comparison(list(matrices), fold_matrices, weights,
                                         subject_index, area_index, len(first),
                                         confidence_level=confidence_level)
    return ComparisonResult(records, matrices, *labels, bootstrap=bootstrap)
