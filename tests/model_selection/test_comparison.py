import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_brainmap import LinearSoftplus, OneToOne, Ridge
from sklearn_brainmap.metrics import cka_score, rsa_score
from sklearn_brainmap.model_selection import (Candidate, PairwiseMapping,
                                              compare_transform_classes,
                                              default_candidates, population_scorer,
                                              predictivity_scorer, silhouette_scorer)
from sklearn_brainmap.utils import ConstantUnitWarning


def two_recordings(seed=0, n_stimuli=90, n_subjects=3, areas=("A", "B"), n_units=6):
    """Pre-activations with one latent space per area, and their softplus."""
    rng = np.random.default_rng(seed)
    latents = {a: rng.standard_normal((n_stimuli, 3)) for a in areas}
    blocks, subjects, labels = [], [], []
    for s in range(n_subjects):
        for a in areas:
            blocks.append(latents[a] @ rng.standard_normal((3, n_units))
                          + 0.4 * rng.standard_normal((n_stimuli, n_units)))
            subjects += [s] * n_units
            labels += [a] * n_units
    pre = np.hstack(blocks)
    return {"pre": pre, "post": np.logaddexp(0, pre), "subjects": np.array(subjects),
            "areas": np.array(labels)}


CV = KFold(3, shuffle=True, random_state=0)


def test_equals_a_loop_over_folds_with_pairwise_mapping():
    population = two_recordings()
    candidates = [Candidate("Ridge", Ridge(cv=None)),
                  Candidate("Pre Softplus", LinearSoftplus(alpha=1.0), source="pre",
                            responses=("post",)),
                  Candidate("CKA", cka_score)]
    result = compare_transform_classes(candidates, population, cv=CV)
    assert result.cells() == [("pre", "Ridge"), ("pre", "CKA"), ("post", "Ridge"),
                              ("post", "Pre Softplus"), ("post", "CKA")]
    subjects, areas = population["subjects"], population["areas"]
    folds = list(CV.split(population["pre"]))
    for cell in result.cells():
        responses, name = cell
        candidate = next(c for c in candidates if c.name == name)
        Y = population[responses]
        X = population[candidate.source] if candidate.source else Y
        y = None if X is Y else Y
        mapping = PairwiseMapping(candidate.estimator, subjects=subjects, areas=areas)
        records = [r for r in result.records
                   if (r["responses"], r["transform_class"]) == cell]
        matrices = []
        for (train, test), record in zip(folds, records):
            mapping.fit(X[train], None if y is None else y[train])
            y_test = None if y is None else y[test]
            matrices.append(mapping.score_matrix(X[test], y_test))
            assert record["silhouette"] == pytest.approx(
                silhouette_scorer(mapping, X[test], y_test), abs=1e-12)
            if candidate.specificity_only:
                assert np.isnan(record["predictivity"])
            else:
                assert record["predictivity"] == pytest.approx(
                    predictivity_scorer(mapping, X[test], y_test), abs=1e-12)
            assert record["seconds"] > 0
        np.testing.assert_allclose(result.matrices[cell], np.mean(matrices, axis=0),
                                   atol=1e-12)


def test_summary_is_mean_and_sd_of_the_records():
    result = compare_transform_classes({"Ridge": Ridge(cv=None), "RSA": rsa_score},
                                       two_recordings(1), responses=("pre",), cv=CV)
    ridge, rsa = result.summary()
    sil = [r["silhouette"] for r in result.records if r["transform_class"] == "Ridge"]
    assert ridge["silhouette"] == pytest.approx(np.mean(sil))
    assert ridge["silhouette_sd"] == pytest.approx(np.std(sil))
    assert rsa["predictivity"] is None and rsa["predictivity_sd"] is None
    pd = pytest.importorskip("pandas")
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 6
    assert set(frame["fold"]) == {0, 1, 2}


def test_areas_with_their_own_latents_are_told_apart():
    # each area has its own latent signals: a linear mapping predicts within an area and
    # keeps the areas apart; a single best unit predicts less
    result = compare_transform_classes({"Ridge": Ridge(cv=None), "OneToOne": OneToOne()},
                                       two_recordings(2), responses=("pre",), cv=CV)
    rows = {r["transform_class"]: r for r in result.summary()}
    assert rows["Ridge"]["silhouette"] > 0.3
    assert rows["Ridge"]["predictivity"] > rows["OneToOne"]["predictivity"]


def test_parallel_cells_give_the_same_numbers():
    population = two_recordings(3)
    candidates = {"Ridge": Ridge(cv=None), "OneToOne": OneToOne()}
    one = compare_transform_classes(candidates, population, cv=CV, n_jobs=1)
    two = compare_transform_classes(candidates, population, cv=CV, n_jobs=2)
    for a, b in zip(one.records, two.records):
        assert {k: v for k, v in a.items() if k != "seconds"} == \
            {k: v for k, v in b.items() if k != "seconds"}


def test_constant_units_warn_once():
    population = two_recordings(4)
    population["pre"][:, 0] = 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare_transform_classes({"Ridge": Ridge(cv=None)}, population,
                                  responses=("pre",), cv=CV)
    constant = [w for w in caught if issubclass(w.category, ConstantUnitWarning)]
    assert len(constant) == 1 and "left out of the" in str(constant[0].message)


@pytest.mark.parametrize("candidates, kwargs, error, message", [
    ({}, {}, ValueError, "candidates is empty"),
    ([Ridge()], {}, TypeError, "list of Candidate"),
    ([Candidate("R", Ridge()), Candidate("R", OneToOne())], {}, ValueError, "unique"),
    ({"Ridge": Ridge()}, {"responses": ("spikes",)}, ValueError,
     "'spikes' is not a recording"),
    ([Candidate("P", Ridge(), source="rates")], {}, ValueError, "P's source"),
    ([Candidate("P", Ridge(), responses=("post",))], {"responses": ("pre",)}, ValueError,
     "No candidate applies"),
])
def test_bad_arguments_are_clear_errors(candidates, kwargs, error, message):
    with pytest.raises(error, match=message):
        compare_transform_classes(candidates, two_recordings(), cv=CV, **kwargs)


def test_recordings_as_dataframes_and_missing_labels():
    pd = pytest.importorskip("pandas")
    population = two_recordings(7)
    frames = {**population, "pre": pd.DataFrame(population["pre"])}
    cells = {"Ridge": Ridge(cv=None)}
    a = compare_transform_classes(cells, population, responses=("pre",), cv=CV)
    b = compare_transform_classes(cells, frames, responses=("pre",), cv=CV)
    np.testing.assert_array_equal(a.matrices["pre", "Ridge"], b.matrices["pre", "Ridge"])
    with pytest.raises(ValueError, match="population lacks areas"):
        compare_transform_classes(cells, {"pre": population["pre"],
                                          "subjects": population["subjects"]}, cv=CV)
    with pytest.raises(ValueError, match="'subjects' is not a recording"):
        compare_transform_classes(cells, population, responses=("subjects",), cv=CV)


def test_default_candidates_are_the_papers_classes():
    candidates = default_candidates()
    names = [c.name for c in candidates]
    assert names == ["Ridge", "LogisticRidge", "LinearNonlinear", "LinearSoftplus",
                     "Pre Linear Softplus", "SoftMatching", "OneToOne", "RSA"]
    post_only = {c.name for c in candidates if c.responses == ("post",)}
    assert post_only == {"LogisticRidge", "LinearNonlinear", "LinearSoftplus",
                         "Pre Linear Softplus"}
    assert [c.name for c in candidates if c.specificity_only] == ["RSA"]


def test_population_scorer_equals_the_two_scorers_and_drives_a_search():
    population = two_recordings(5)
    X, subjects, areas = population["pre"], population["subjects"], population["areas"]
    mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas).fit(X[:60])
    both = population_scorer(mapping, X[60:])
    assert both["silhouette"] == pytest.approx(silhouette_scorer(mapping, X[60:]))
    assert both["predictivity"] == pytest.approx(predictivity_scorer(mapping, X[60:]))
    measure = PairwiseMapping(rsa_score, subjects=subjects, areas=areas).fit(X[:60])
    assert np.isnan(population_scorer(measure, X[60:])["predictivity"])
    search = GridSearchCV(mapping, {"estimator": [Ridge(cv=None), OneToOne()]},
                          scoring=population_scorer, refit="silhouette", cv=CV).fit(X)
    reference = GridSearchCV(mapping, {"estimator": [Ridge(cv=None), OneToOne()]},
                             scoring={"silhouette": silhouette_scorer,
                                      "predictivity": predictivity_scorer},
                             refit="silhouette", cv=CV).fit(X)
    for key in ("mean_test_silhouette", "mean_test_predictivity"):
        np.testing.assert_allclose(search.cv_results_[key], reference.cv_results_[key])


def test_score_matrix_sees_arrays_changed_in_place():
    population = two_recordings(6)
    X, subjects, areas = population["pre"], population["subjects"], population["areas"]
    mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas).fit(X[:60])
    test = X[60:].copy()
    before = mapping.score_matrix(test)
    test[:, :6] = np.random.default_rng(0).standard_normal((len(test), 6))
    after = mapping.score_matrix(test)
    assert not np.allclose(before[:, 0], after[:, 0], equal_nan=True)
