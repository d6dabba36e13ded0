"""Bad input to the population analyses: a clear error or a documented warning, never a
plausible wrong number (the reliability issue)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import KFold, LeaveOneOut
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_brainmap import Ridge
from sklearn_brainmap.model_selection import (PairwiseMapping, compare_transform_classes,
                                              cross_val_unit_scores, fit_subsampling_curve,
                                              model_brain_scores, neuron_to_unit_ratio,
                                              pooled_source_scores)
from sklearn_brainmap.utils import ConstantUnitWarning

pd = pytest.importorskip("pandas")


def population(seed=0, n_stimuli=80):
    rng = np.random.default_rng(seed)
    latents = {a: rng.standard_normal((n_stimuli, 3)) for a in "AB"}
    X = np.hstack([latents[a] @ rng.standard_normal((3, 5)) for s in range(3) for a in "AB"])
    X += 0.3 * rng.standard_normal(X.shape)
    subjects = np.repeat([0, 1, 2], 10)
    areas = np.tile(np.repeat(["A", "B"], 5), 3)
    return X, subjects, areas


def frame(X, subjects, areas, names=("subject", "area")):
    units = np.arange(X.shape[1])
    levels = {"subject": subjects, "area": areas}
    columns = pd.MultiIndex.from_arrays([levels[n] for n in names] + [units],
                                        names=[*names, "unit"])
    return pd.DataFrame(X, columns=columns)


def test_dataframe_scored_by_its_column_labels_not_their_order():
    X, subjects, areas = population()
    train, test = frame(X[:50], subjects, areas), frame(X[50:], subjects, areas)
    mapping = PairwiseMapping(Ridge(cv=None)).fit(train)
    shuffled = test[test.columns[np.random.default_rng(0).permutation(X.shape[1])]]
    np.testing.assert_allclose(mapping.score_matrix(shuffled), mapping.score_matrix(test))
    assert mapping.score(shuffled) == pytest.approx(mapping.score(test))
    other = test.rename(columns={0: 99}, level="unit")
    with pytest.raises(ValueError, match="not those seen in fit"):
        mapping.score_matrix(other)


def test_dataframe_levels_are_read_by_name():
    X, subjects, areas = population(1)
    by_name = PairwiseMapping(Ridge(cv=None)).fit(frame(X[:50], subjects, areas,
                                                        names=("area", "subject")))
    given = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas).fit(X[:50])
    assert by_name.profiles_ == given.profiles_
    np.testing.assert_allclose(by_name.score_matrix(frame(X[50:], subjects, areas,
                                                          names=("area", "subject"))),
                               given.score_matrix(X[50:]))


@pytest.mark.parametrize("subjects, message", [
    ([0.0] * 10 + [np.nan] * 10 + [2.0] * 10, "2 missing|10 missing"),
    ([0] * 10 + [None] * 10 + [2] * 10, "10 missing"),
    ([1] * 10 + ["1"] * 10 + [2] * 10, "mixes labels"),
])
def test_missing_or_mixed_labels_are_errors(subjects, message):
    X, _, areas = population(2)
    with pytest.raises(ValueError, match=message):
        PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas).fit(X)


@pytest.mark.parametrize("method", ["score", "predictivity", "score_matrix",
                                    "similarity_matrix", "dissimilarity_matrix"])
def test_scores_before_fit_raise_not_fitted(method):
    X, subjects, areas = population()
    with pytest.raises(NotFittedError):
        getattr(PairwiseMapping(Ridge(), subjects=subjects, areas=areas), method)(X)


@pytest.mark.parametrize("call", [
    lambda X, s, a: PairwiseMapping(Ridge(), subjects=s, areas=a, n_jobs=0).fit(X),
    lambda X, s, a: PairwiseMapping(Ridge(), subjects=s, areas=a,
                                    aggregate="Median").fit(X),
    lambda X, s, a: PairwiseMapping(Ridge(), subjects=s, areas=a, scoring="R2").fit(X),
    lambda X, s, a: compare_transform_classes({"R": Ridge()}, {"pre": X, "subjects": s,
                                                               "areas": a},
                                              responses=("pre",), n_jobs=0),
    lambda X, s, a: pooled_source_scores(Ridge(), X, s, a, aggregate="max"),
    lambda X, s, a: cross_val_unit_scores(Ridge(), X, X, scoring="pearsonr"),
    lambda X, s, a: neuron_to_unit_ratio(np.log1p, np.log1p, 0),
])
def test_bad_parameters_are_refused(call):
    X, subjects, areas = population()
    with pytest.raises(InvalidParameterError):
        call(X, subjects, areas)


def test_folds_as_boolean_masks_equal_index_arrays():
    X, _, _ = population(3)
    folds = list(KFold(4).split(X))
    masks = [(np.isin(np.arange(80), tr), np.isin(np.arange(80), te)) for tr, te in folds]
    np.testing.assert_allclose(cross_val_unit_scores(Ridge(cv=None), X[:, :5], X[:, 5:],
                                                     cv=masks),
                               cross_val_unit_scores(Ridge(cv=None), X[:, :5], X[:, 5:],
                                                     cv=folds))


@pytest.mark.parametrize("cv, message", [
    (LeaveOneOut(), "leave-one-out"),
    ([], "no folds"),
    ([(np.arange(70), np.arange(70, 81))], "outside the 80 stimuli"),
    ([(np.ones(5, bool), np.ones(5, bool))], "one entry per stimulus"),
    ([(np.arange(70), np.array([70.0, 71.0]))], "integer indices"),
])
def test_bad_folds_are_clear_errors(cv, message):
    X, _, _ = population(4)
    with pytest.raises(ValueError, match=message):
        cross_val_unit_scores(Ridge(cv=None), X[:, :5], X[:, 5:], cv=cv)


def test_a_used_up_generator_of_folds_is_an_error_not_empty_scores():
    X, _, _ = population(5)
    folds = KFold(3).split(X)
    cross_val_unit_scores(Ridge(cv=None), X[:, :5], X[:, 5:], cv=folds)
    with pytest.raises(ValueError, match="no folds"):
        cross_val_unit_scores(Ridge(cv=None), X[:, :5], X[:, 5:], cv=folds)


def test_leave_one_out_in_model_brain_scores_is_an_error():
    X, _, _ = population(6)
    with pytest.raises(ValueError, match="leave-one-out"):
        model_brain_scores(Ridge(cv=None), X[:, :5], X[:, 5:], cv=LeaveOneOut())


def test_undefined_unit_scores_are_warned_and_nan():
    X, _, _ = population(7)
    Y = X[:, 5:9].copy()
    Y[:, 1] = 2.0
    with pytest.warns(ConstantUnitWarning, match="1 of 4 target unit"):
        scores = cross_val_unit_scores(Ridge(cv=None), X[:, :5], Y, cv=3)
    assert np.isnan(scores[1]) and np.isfinite(scores[[0, 2, 3]]).all()


@pytest.mark.parametrize("sizes, scores, message", [
    ([1, 2, 2], [0.1, 0.2, 0.2], "3 distinct sizes"),
    ([0, 2, 4], [0.1, 0.2, 0.3], "positive"),
    ([1, 2, 4], [0.1, np.nan, 0.3], "finite"),
    ([1, 2, 4], [0.1, 0.2], "3 distinct sizes"),
])
def test_bad_subsampling_curves_are_refused_before_scipy(sizes, scores, message):
    with pytest.raises(ValueError, match=message):
        fit_subsampling_curve(sizes, scores)


def test_no_warning_when_every_unit_is_defined():
    X, _, _ = population(8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cross_val_unit_scores(Ridge(cv=None), X[:, :5], X[:, 5:], cv=3)


@pytest.mark.parametrize("name", ["Ridge", "LogisticRidge", "LinearNonlinear",
                                  "LinearSoftplus", "SoftMatching", "OneToOne"])
def test_sparse_targets_are_a_clear_error(name):
    import scipy.sparse

    import sklearn_brainmap

    X = np.random.default_rng(0).uniform(size=(30, 4))
    Y = scipy.sparse.random(30, 3, density=0.5, format="csr", random_state=0)
    with pytest.raises(TypeError, match="y is a sparse matrix"):
        getattr(sklearn_brainmap, name)().fit(X, Y)
