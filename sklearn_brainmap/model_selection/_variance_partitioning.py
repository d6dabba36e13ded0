"""Variance partitioning: unique and shared explained variance of 2–4 predictors
(feature sets or model RDMs), each R² cross-validated over stimuli, and the
Venn-diagram combinatorics behind it."""

import itertools
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch
from sklearn.utils._param_validation import HasMethods, StrOptions, validate_params

from ..utils import check_folds, check_response_matrix, check_same_stimuli, columnwise_r2
from ..utils._stats import power_of_two_exponents, rescaled
from ._rsa_analyses import _CV, _nnls_fit, _pairs, _square_rdms, _stimulus_folds


def _subsets(names):
    return [combo for r in range(1, len(names) + 1)
            for combo in itertools.combinations(names, r)]


def _partitions(names, r2):
    """Venn-diagram components from the R² of every union of predictors.

    With ``f(S)`` the R² of the union ``S`` and ``g(U) = f(all) − f(all ∖ U)`` (the
    variance only the predictors in ``U`` can explain), the component explained by
    exactly the predictors in ``T`` is the Möbius inversion
    ``μ(T) = Σ_{∅≠U⊆T} (−1)^{|T|−|U|} g(U)``. Two predictors: ``μ(A) = f(AB) − f(B)``,
    ``μ(AB) = f(A) + f(B) − f(AB)``.
    """
    every = tuple(names)

    def f(subset):
        return r2[tuple(n for n in names if n in subset)] if subset else 0.0

    def g(U):
        return f(every) - f(tuple(n for n in names if n not in U))

    return {T: sum((-1) ** (len(T) - len(U)) * g(U) for U in _subsets(list(T)))
            for T in _subsets(list(names))}


def _rdm_r2(designs, brain, folds, positive):
    """Mean over folds of the held-out R² of the brain's test-pair dissimilarities."""
    out = []
    for train, test in folds:
        rows, cols = _pairs(train)
        A, y = designs[:, rows, cols].T, brain[rows, cols]
        if positive:
            w, b = _nnls_fit(A, y)
        else:
            coef, *_ = np.linalg.lstsq(np.c_[np.ones(len(y)), A], y, rcond=None)
            b, w = coef[0], coef[1:]
        rows, cols = _pairs(test)
        out.append(columnwise_r2(brain[rows, cols], designs[:, rows, cols].T @ w + b)[0])
    return float(np.nanmean(out))


def _features_r2(blocks, Y, folds, estimator):
    """Per-unit held-out R² of ``estimator`` on the concatenated blocks, fold mean."""
    X = np.hstack(blocks)
    scores = []
    for train, test in folds:
        model = clone(estimator).fit(X[train], Y[train])
        scores.append(columnwise_r2(Y[test], model.predict(X[test]).reshape(len(test), -1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN units stay NaN
        return np.nanmean(np.array(scores), axis=0)


def _with_bands(estimator, blocks):
    """A clone of a BandedRidge with one band per block of the concatenated design."""
    edges = np.cumsum([0] + [b.shape[1] for b in blocks])
    return clone(estimator).set_params(
        bands=[slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])])


@validate_params(
    {"predictors": [dict, "array-like"], "target": ["array-like"],
     "kind": [StrOptions({"features", "rdm"})], "cv": _CV,
     "estimator": [HasMethods(["fit", "predict"]), None],
     "positive": ["boolean"],
     "multioutput": [StrOptions({"raw_values", "uniform_average"})],
     "banded": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def variance_partitioning(predictors, target, *, kind="features", cv=5, estimator=None,
                          positive=False, multioutput="uniform_average", banded=False):
    """Unique and shared explained variance of two to four predictors, cross-validated.

    The cross-validated R² of the model on every union of predictors, ``f(S)``, gives
    the variance explained by exactly the predictors in ``T`` (the components of a
    Venn diagram) by inclusion–exclusion:

    - two predictors: ``unique(A) = R²(A∪B) − R²(B)``,
      ``shared(A, B) = R²(A) + R²(B) − R²(A∪B)``;
    - three: ``unique(A) = R²(ABC) − R²(BC)``,
      ``shared(A, B only) = R²(AC) + R²(BC) − R²(C) − R²(ABC)``,
      ``shared(A, B, C) = R²(A) + R²(B) + R²(C) − R²(AB) − R²(AC) − R²(BC) + R²(ABC)``;
    - in general ``μ(T) = Σ_{∅≠U⊆T} (−1)^{|T|−|U|} (R²(all) − R²(all ∖ U))``.

    Held-out R² can make a component negative (a predictor that only adds noise):
    such values are reported, not clipped.

    Parameters
    ----------
    predictors : dict of str to array-like, or list of array-like
        Two to four predictors (names ``"0"``, ``"1"``, ... for a list, or for an
        array stacked along its first axis):
        ``kind="features"``: feature sets of shape (n_stimuli, n_features_k);
        ``kind="rdm"``: square RDMs of shape (n_stimuli, n_stimuli).
    target : array-like
        ``kind="features"``: responses (n_stimuli, n_units) or (n_stimuli,);
        ``kind="rdm"``: a square brain RDM.
    kind : {"features", "rdm"}, default="features"
        ``"features"``: ``estimator`` maps the concatenated feature sets to every unit;
        R² per unit. ``"rdm"``: least squares (with an intercept) of the brain's
        dissimilarities on the predictors', fitted on the pairs among training
        stimuli and scored on the pairs among test stimuli.
    cv : int, cross-validation generator or iterable, default=5
        Splits of the stimuli.
    estimator : regressor, default=None
        ``kind="features"``: :class:`~sklearn_brainmap.Ridge` (one penalty per unit)
        by default.
    positive : bool, default=False
        ``kind="rdm"``: non-negative weights (NNLS), as in :func:`reweighted_rsa`.
    multioutput : {"raw_values", "uniform_average"}, default="uniform_average"
        ``kind="features"``: one value per unit, or their mean over units with a
        defined R² (the decomposition is linear, so the mean of the components is
        the component of the mean R²).
    banded : bool, default=False
        ``kind="features"``: fit every union of feature sets with
        :class:`~sklearn_brainmap.BandedRidge`, one band (and one penalty per unit)
        per feature set, instead of one shared penalty. With one shared penalty the
        partition depends on the sets' scales and sizes (the larger set dominates the
        penalty); banded ridge with its default band normalisation gives the same
        partition whatever each set's units. ``estimator``, if given, must then be a
        ``BandedRidge`` (its ``bands`` are set for each union).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``r2``: dict ``{tuple of names: R²}`` for every union of predictors;
        - ``components``: dict ``{tuple of names: variance explained by exactly
          those predictors}``;
        - ``unique``: dict ``{name: its unique variance}``;
        - ``shared``: the component shared by all predictors.

    References
    ----------
    Lescroart, Stansbury & Gallant (2015), Fourier power, subjective distance, and
    object categories all provide plausible models of BOLD responses in
    scene-selective visual areas, *Front. Comput. Neurosci.* 9. de Heer, Huth,
    Griffiths, Gallant & Theunissen (2017), The hierarchical cortical organization of
    human speech processing, *J. Neurosci.* 37. Groen et al. (2018), Distinct
    contributions of functional and deep neural network features to representational
    similarity of scenes in human brain and behavior, *eLife* 7 (RDM predictors).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> from sklearn_brainmap.model_selection import variance_partitioning
    >>> rng = np.random.default_rng(0)
    >>> s, a, b = rng.standard_normal((3, 500))     # A sees s and a, B sees s and b
    >>> y = s + a + b + 0.1 * rng.standard_normal(500)
    >>> parts = variance_partitioning({"A": np.c_[s, a], "B": np.c_[s, b]}, y,
    ...                               cv=KFold(5, shuffle=True, random_state=0))
    >>> {k: round(v, 1) for k, v in parts.unique.items()}, round(parts.shared, 1)
    ({'A': 0.3, 'B': 0.4}, 0.3)
    """
    if isinstance(predictors, dict):
        names, arrays = [str(k) for k in predictors], list(predictors.values())
    else:
        names, arrays = [str(i) for i in range(len(predictors))], list(predictors)
    if not 2 <= len(arrays) <= 4:
        raise ValueError(f"predictors must hold 2 to 4 predictors; got {len(arrays)}.")
    if len(set(names)) != len(names):
        raise ValueError(f"predictor names must be distinct; got {names}.")
    subsets = _subsets(names)
    if kind == "rdm":
        designs = np.concatenate([_square_rdms(a, f"predictors[{n!r}]")
                                  for n, a in zip(names, arrays)])
        brain = _square_rdms(target, "target")[0]
        # R² with an intercept does not see the scale of any RDM: each is divided by a
        # power of two near its largest entry (exact), so that RDMs at 1e12 or 1e-14
        # give the R² of RDMs near 1 (least squares lost the intercept beside them)
        e = power_of_two_exponents(designs.reshape(len(designs), -1), axis=1)
        designs = np.ldexp(designs, -e[:, None, None])
        brain = rescaled(brain)[0]
        if designs.shape[1] != brain.shape[0]:
            raise ValueError(f"The predictor RDMs have {designs.shape[1]} stimuli and the "
                             f"target RDM {brain.shape[0]}: they must be RDMs of the same "
                             "stimuli.")
        folds = _stimulus_folds(cv, brain.shape[0])
        r2 = {S: _rdm_r2(designs[[names.index(n) for n in S]], brain, folds, positive)
              for S in subsets}
    else:
        from ..linear_model import Ridge  # the package's Ridge; no import cycle at load

        Y = check_response_matrix(np.asarray(target, dtype=np.float64).reshape(
            len(target), -1), "target", min_samples=4)
        blocks = []
        for n, a in zip(names, arrays):
            block = check_response_matrix(np.asarray(a, dtype=np.float64).reshape(
                len(a), -1), f"predictors[{n!r}]", min_samples=4)
            check_same_stimuli(block, Y, names=(f"predictors[{n!r}]", "target"))
            blocks.append(block)
        folds = check_folds(cv, Y, min_test=2)
        if banded:
            from ..linear_model import BandedRidge

            if estimator is not None and not isinstance(estimator, BandedRidge):
                raise ValueError(f"banded=True fits BandedRidge; estimator must be a "
                                 f"BandedRidge or None, got {type(estimator).__name__}.")
            estimator = BandedRidge() if estimator is None else estimator
        estimator = Ridge() if estimator is None else estimator
        r2 = {S: _features_r2([blocks[names.index(n)] for n in S], Y, folds,
                              _with_bands(estimator, [blocks[names.index(n)] for n in S])
                              if banded else estimator)
              for S in subsets}
        if multioutput == "uniform_average":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                r2 = {S: float(np.nanmean(v)) for S, v in r2.items()}
    components = _partitions(names, r2)
    return Bunch(r2=r2, components=components,
                 unique={n: components[(n,)] for n in names},
                 shared=components[tuple(names)])
