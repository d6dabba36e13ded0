"""Held-out predictions of real-population analyses, against brute-force loops and
scikit-learn / SciPy references."""

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.linear_model import Ridge as SkRidge
from sklearn.metrics import silhouette_score
from sklearn.model_selection import KFold

from sklearn_brainmap import Ridge, SoftMatching
from sklearn_brainmap.model_selection import (HeldOutPredictions, hierarchy_agreement,
                                              layer_area_predictions,
                                              pooled_area_predictions, pooled_predictions,
                                              profile_dissimilarity, rank_agreement,
                                              silhouette_permutation_test)
from sklearn_brainmap.model_selection._silhouette_null import _silhouettes

AREAS = ("V1", "V2", "V4")


def _population(rng, n_stimuli=40, n_subjects=4, n_units=3, noise=0.5):
    """Subjects × areas sharing one latent signal per area; area V4 misses subject 0."""
    latent = {a: rng.standard_normal((n_stimuli, 2)) for a in AREAS}
    blocks, subjects, areas = [], [], []
    for s in range(n_subjects):
        for a in AREAS:
            if a == "V4" and s == 0:
                continue
            blocks.append(latent[a] @ rng.standard_normal((2, n_units)))
            subjects += [s] * n_units
            areas += [a] * n_units
    X = np.hstack(blocks)
    return X + noise * rng.standard_normal(X.shape), np.array(subjects), np.array(areas)


@pytest.fixture
def population(rng):
    return _population(rng)


def _cv():
    return KFold(4, shuffle=True, random_state=0)


def test_pooled_predictions_match_a_loop_with_scikit_learn(population):
    X, subjects, areas = population
    result = pooled_predictions({"Ridge": Ridge(alpha=3.0)}, X, subjects, areas, cv=_cv())
    expected = np.full(X.shape, np.nan)
    for u in range(X.shape[1]):
        source = (areas == areas[u]) & (subjects != subjects[u])
        for train, test in _cv().split(X):
            fit = SkRidge(alpha=3.0).fit(X[train][:, source], X[train, u])
            expected[test, u] = fit.predict(X[test][:, source])
    np.testing.assert_allclose(result.predictions["Ridge"], expected, atol=1e-8)
    folds = np.empty(len(X), int)
    for k, (_, test) in enumerate(_cv().split(X)):
        folds[test] = k
    np.testing.assert_array_equal(result.folds, folds)
    assert result.keys == ["Ridge"]


def test_unit_profile_and_subject_scores_are_their_definitions(population, rng):
    X, subjects, areas = population
    reliability = rng.uniform(-0.2, 1.0, X.shape[1])
    result = pooled_predictions({"Ridge": Ridge(), "SoftMatching": SoftMatching()}, X,
                                subjects, areas, cv=_cv(), reliability=reliability)
    pred = result.predictions["SoftMatching"]
    scenes = rng.integers(0, len(X), len(X))          # a resample, with repeats
    r = np.array([pearsonr(X[scenes, u], pred[scenes, u])[0] for u in range(X.shape[1])])
    np.testing.assert_allclose(result.unit_scores("SoftMatching", scenes=scenes), r)
    normalized = result.unit_scores("SoftMatching", scenes=scenes, normalized=True)
    expected = np.where(reliability > 0, r**2 / reliability, np.nan)
    np.testing.assert_allclose(normalized, expected)
    profiles = result.profile_scores("SoftMatching", scenes=scenes)
    for k, (s, a) in enumerate(result.profiles):
        assert profiles[k] == pytest.approx(np.median(r[(subjects == s) & (areas == a)]))
    # a resample of subjects: profiles weighted by how often their subject is drawn
    drawn = np.array([1, 1, 3, 2, 1])
    weights = np.array([np.sum(drawn == s) for s, _ in result.profiles], float)
    assert result.score("SoftMatching", scenes=scenes, subjects=drawn) == pytest.approx(
        np.sum(weights * profiles) / weights.sum())
    by_subject = result.subject_scores("Ridge")
    full = result.profile_scores("Ridge")
    for s in range(4):
        mine = [k for k, p in enumerate(result.profiles) if p[0] == s]
        assert by_subject[s] == pytest.approx(full[mine].mean())
    diffs = result.paired_differences("Ridge", "SoftMatching")
    other = result.subject_scores("SoftMatching")
    assert diffs == pytest.approx({s: by_subject[s] - other[s] for s in by_subject})
    assert result.area_scores("Ridge")["V4"] == pytest.approx(
        np.mean([full[k] for k, p in enumerate(result.profiles) if p[1] == "V4"]))
    with pytest.raises(ValueError, match="no profile has"):
        result.score("Ridge", subjects=[7])


def test_an_area_of_one_subject_has_no_source(rng):
    X, subjects, areas = _population(rng)
    keep = ~((areas == "V4") & (subjects != 1))       # V4 only in subject 1
    result = pooled_predictions({"Ridge": Ridge()}, X[:, keep], subjects[keep],
                                areas[keep], cv=_cv())
    assert np.isnan(result.predictions["Ridge"][:, areas[keep] == "V4"]).all()
    assert np.isnan(result.area_scores("Ridge")["V4"])
    assert np.isfinite(result.score("Ridge"))
    with pytest.raises(ValueError, match="nothing to pool"):
        pooled_predictions({"Ridge": Ridge()}, X[:, subjects == 1], subjects[subjects == 1],
                           areas[subjects == 1])


def test_area_matrix_diagonal_is_the_same_area_pooling(population):
    X, subjects, areas = population
    same = pooled_predictions({"Ridge": Ridge(alpha=2.0)}, X, subjects, areas, cv=_cv())
    matrix = pooled_area_predictions(Ridge(alpha=2.0), X, subjects, areas, cv=_cv())
    for area in AREAS:
        cols = areas == area
        np.testing.assert_allclose(matrix.predictions[area][:, cols],
                                   same.predictions["Ridge"][:, cols], atol=1e-10)
    keys, targets, S = matrix.key_area_matrix()
    assert keys == targets == list(AREAS)
    # every area shares its latent signal with itself only
    assert (np.diag(S) > S.max(axis=0, where=~np.eye(3, dtype=bool), initial=-1)).all()
    with pytest.raises(ValueError, match="fits targets independently"):
        pooled_area_predictions(SoftMatching(), X, subjects, areas)


def test_layer_area_predictions_match_a_loop(population, rng):
    X, subjects, areas = population
    model = rng.standard_normal((len(X), 6))
    layers = np.repeat(["conv1", "conv2"], 3)
    result = layer_area_predictions(Ridge(alpha=1.0), model, layers, X, subjects, areas,
                                    cv=_cv())
    for layer in ("conv1", "conv2"):
        expected = np.empty(X.shape)
        for train, test in _cv().split(X):
            fit = SkRidge(alpha=1.0).fit(model[train][:, layers == layer], X[train])
            expected[test] = fit.predict(model[test][:, layers == layer])
        np.testing.assert_allclose(result.predictions[layer], expected, atol=1e-8)
    with pytest.raises(ValueError, match="one label per model unit"):
        layer_area_predictions(Ridge(), model, layers[:5], X, subjects, areas)
    with pytest.raises(ValueError, match="estimators is empty"):
        pooled_predictions({}, X, subjects, areas)
    with pytest.raises(ValueError, match="reliability must have one value per unit"):
        pooled_predictions({"Ridge": Ridge()}, X, subjects, areas, reliability=[0.5])


def test_vectorised_silhouettes_equal_scikit_learn(rng):
    n = 13
    S = rng.uniform(0, 1, (n, n))
    D = profile_dissimilarity(S)
    codes = rng.integers(0, 4, (30, n))
    codes[0] = [0] * 6 + [1] * 6 + [2]                 # a singleton cluster
    ours = _silhouettes(D, codes, 4)
    for draw, value in zip(codes, ours):
        if len(np.unique(draw)) < 2:
            continue
        assert value == pytest.approx(silhouette_score(D, draw, metric="precomputed"),
                                      abs=1e-12)


def test_silhouette_permutation_test(rng):
    labels = np.repeat(["a", "b", "c"], 4)
    clustered = np.where(labels[:, None] == labels[None, :], 0.9, 0.2)
    test = silhouette_permutation_test(clustered, labels, n_permutations=300,
                                       random_state=0)
    assert test.p_value == pytest.approx(1 / 301)
    assert test.silhouette == pytest.approx(
        silhouette_score(profile_dissimilarity(clustered), labels, metric="precomputed"))
    noise = rng.uniform(0, 1, (12, 12))
    p_values = [silhouette_permutation_test(noise, rng.permutation(labels),
                                            n_permutations=200, random_state=k).p_value
                for k in range(30)]
    assert 0.2 < np.mean(p_values) < 0.8           # no structure: p is not small
    # relabelling profiles together with the matrix changes nothing
    order = rng.permutation(12)
    again = silhouette_permutation_test(clustered[np.ix_(order, order)], labels[order],
                                        n_permutations=300, random_state=0)
    assert again.silhouette == pytest.approx(test.silhouette)
    with pytest.raises(ValueError, match="one label per profile"):
        silhouette_permutation_test(clustered, labels[:5])
    with pytest.raises(ValueError, match="at least 2 groups"):
        silhouette_permutation_test(clustered, np.arange(12))


def test_rank_and_hierarchy_agreement(rng):
    a = dict(zip("pqrst", rng.standard_normal(5)))
    b = dict(zip("tsrqp", rng.standard_normal(5)))
    result = rank_agreement(a, b)
    keys = list(a)
    rho, p = spearmanr([a[k] for k in keys], [b[k] for k in keys])
    assert result.rho == pytest.approx(rho) and result.p_value == pytest.approx(p)
    assert result.order_a == sorted(keys, key=lambda k: -a[k])
    with pytest.raises(ValueError, match="at least 3 items"):
        rank_agreement({"x": 1.0, "y": 2.0}, {"x": 1.0, "y": 0.0})

    areas = ["A", "B", "C", "D"]
    h = {"A": 0.1, "B": 0.5, "C": 0.2, "D": 0.9, "E": 0.0}
    S = rng.uniform(0, 1, (4, 4))
    got = hierarchy_agreement(S, areas, h)
    pairs = [(b_, a_) for b_ in range(4) for a_ in range(4) if a_ != b_]
    hv = np.array([h[x] for x in areas])
    rho = spearmanr([S[b_, a_] for b_, a_ in pairs],
                    [-abs(hv[a_] - hv[b_]) for b_, a_ in pairs])[0]
    assert got.distance == pytest.approx(rho)
    assert got.same_area == pytest.approx(spearmanr(np.diag(S), hv)[0])
    assert got.from_lowest == pytest.approx(spearmanr(S[0, 1:], hv[1:])[0])
    with pytest.raises(ValueError, match="fewer than 3"):
        hierarchy_agreement(S, ["A", "B", "X", "Y"], h)


def test_held_out_predictions_without_reliability(population):
    X, subjects, areas = population
    result = HeldOutPredictions(X, {"copy": X.copy()}, np.zeros(len(X), int), subjects,
                                areas)
    np.testing.assert_allclose(result.unit_scores("copy"), 1.0)
    with pytest.raises(ValueError, match="reliability"):
        result.score("copy", normalized=True)


def test_scores_for_many_resamples_at_once_equal_one_by_one(population, rng):
    X, subjects, areas = population
    reliability = rng.uniform(0.1, 1.0, X.shape[1])
    result = pooled_predictions({"Ridge": Ridge()}, X, subjects, areas, cv=_cv(),
                                reliability=reliability)
    draws = rng.integers(0, len(X), (6, len(X)))
    counts = np.array([np.bincount(d, minlength=len(X)) for d in draws])
    many = result.unit_scores_for_counts("Ridge", counts)
    profiles = result.profile_scores_for_counts("Ridge", counts, normalized=True)
    for b, draw in enumerate(draws):
        np.testing.assert_allclose(many[b], result.unit_scores("Ridge", scenes=draw),
                                   atol=1e-10)
        np.testing.assert_allclose(
            profiles[b], result.profile_scores("Ridge", scenes=draw, normalized=True),
            atol=1e-10)
    # a unit constant on a resample (two distinct stimuli drawn, one unit tied) is NaN
    tied = np.zeros((1, len(X)))
    tied[0, :2] = 1
    X2 = X.copy()
    X2[1, 0] = X2[0, 0]
    copy = HeldOutPredictions(X2, {"p": result.predictions["Ridge"]}, result.folds,
                              subjects, areas)
    assert np.isnan(copy.unit_scores_for_counts("p", tied)[0, 0])
    with pytest.raises(ValueError, match="counts must be"):
        result.unit_scores_for_counts("Ridge", counts[:, :5])
