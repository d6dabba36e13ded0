"""Reweighted (mixed) RSA, feature-weighted RSA, variance partitioning and remixing."""

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import Ridge as SkRidge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

from sklearn_brainmap.metrics import rdm, rsa_score
from sklearn_brainmap.model_selection import (
    feature_weighted_rsa,
    remixed_rdm,
    reweighted_rsa,
    variance_partitioning,
)

CV = KFold(4, shuffle=True, random_state=0)


def _model_rdms(n=36, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return np.array([rdm(rng.standard_normal((n, 20)), metric="euclidean")
                     for _ in range(k)])


# ---- reweighting ----

def test_reweighting_recovers_a_non_negative_mixture():
    models = _model_rdms()
    brain = 3.0 * models[0] + 1.0 * models[2] + 5.0
    result = reweighted_rsa(models, brain, cv=CV, compare="pearson")
    np.testing.assert_allclose(result.weights, [3.0, 0.0, 1.0], atol=1e-8)
    assert result.intercept == pytest.approx(5.0, abs=1e-6)
    np.testing.assert_allclose(result.fold_scores, 1.0, atol=1e-10)
    assert result.fold_weights.shape == (4, 3)
    np.testing.assert_allclose(result.fold_weights, [[3.0, 0.0, 1.0]] * 4, atol=1e-8)


def test_reweighting_gives_zero_weight_to_an_anticorrelated_model():
    models = _model_rdms()
    brain = models[0] + 0.1 * models[1]
    flipped = np.array([models[0], models[0].max() - models[0]])
    np.fill_diagonal(flipped[1], 0.0)
    result = reweighted_rsa(flipped, brain, cv=CV)
    assert result.weights[1] == 0.0 and result.weights[0] > 0


def test_reweighting_is_equivariant_to_scaling_and_invariant_to_permutation():
    models = _model_rdms(seed=1)
    rng = np.random.default_rng(1)
    brain = models[0] + 2 * models[1] + rdm(rng.standard_normal((36, 5)), metric="euclidean")
    base = reweighted_rsa(models, brain, cv=CV)
    # scaling a model RDM divides its weight; scaling the brain scales every weight
    scaled = reweighted_rsa(models * np.array([2.0, 1.0, 1.0])[:, None, None], 10 * brain,
                            cv=CV)
    np.testing.assert_allclose(scaled.weights, base.weights * [5.0, 10.0, 10.0], rtol=1e-6)
    assert scaled.score == pytest.approx(base.score, abs=1e-10)
    # relabelling the stimuli (with the folds relabelled alike) changes nothing
    perm = rng.permutation(36)
    inverse = np.argsort(perm)
    folds = [(inverse[train], inverse[test]) for train, test in CV.split(np.zeros(36))]
    permuted = reweighted_rsa(models[:, perm][:, :, perm], brain[perm][:, perm], cv=folds)
    np.testing.assert_allclose(permuted.fold_scores, base.fold_scores, atol=1e-12)
    np.testing.assert_allclose(permuted.fold_weights, base.fold_weights, rtol=1e-8)


def test_reweighting_never_fits_on_test_stimuli():
    # changing the brain's dissimilarities that involve a fold's test stimuli leaves
    # that fold's weights unchanged (stimuli, not entries, are split)
    models = _model_rdms(seed=2)
    rng = np.random.default_rng(2)
    brain = models[0] + models[1] + rdm(rng.standard_normal((36, 4)), metric="euclidean")
    train, test = next(CV.split(np.zeros(36)))
    corrupted = brain.copy()
    corrupted[test, :] += 50 * rng.random((test.size, 36))
    corrupted = np.triu(corrupted, 1) + np.triu(corrupted, 1).T
    a = reweighted_rsa(models, brain, cv=[(train, test)])
    b = reweighted_rsa(models, corrupted, cv=[(train, test)])
    np.testing.assert_allclose(a.fold_weights, b.fold_weights, rtol=1e-10)
    assert a.fold_scores[0] != b.fold_scores[0]


def test_reweighting_refuses_bad_input():
    models = _model_rdms()
    with pytest.raises(ValueError, match="same stimuli"):
        reweighted_rsa(models, models[0][:30, :30])
    with pytest.raises(ValueError, match="square RDMs"):
        reweighted_rsa(models[:, :, :10], models[0])
    with pytest.raises(ValueError, match="at least 3 test stimuli"):
        reweighted_rsa(models, models[0], cv=[(np.arange(34), np.arange(34, 36))])
    with pytest.raises(ValueError, match="NaN"):
        reweighted_rsa(models, np.full((36, 36), np.nan))


def test_reweighting_warns_when_every_weight_is_zero():
    models = _model_rdms()
    brain = models[0].max() - models[0]            # anticorrelated with the only model
    np.fill_diagonal(brain, 0)
    with pytest.warns(UserWarning, match="all weights zero"):
        result = reweighted_rsa(models[:1], brain, cv=CV)
    assert np.isnan(result.score)


# ---- feature-weighted RSA ----

def test_feature_weighting_recovers_unit_weights():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 8))
    true = np.array([2.0, 0.0, 1.0, 0.0, 0.0, 0.5, 0.0, 0.0])
    brain = squareform(pdist(X * np.sqrt(true), "sqeuclidean"))
    result = feature_weighted_rsa(X, brain, cv=CV, alpha=0.0, compare="pearson")
    np.testing.assert_allclose(result.weights, true, atol=1e-8)
    np.testing.assert_allclose(result.fold_scores, 1.0, atol=1e-10)
    # permuting the units permutes the weights
    perm = rng.permutation(8)
    permuted = feature_weighted_rsa(X[:, perm], brain, cv=CV, alpha=0.0)
    np.testing.assert_allclose(permuted.weights, true[perm], atol=1e-8)


def test_feature_weighting_beats_the_unweighted_rdm_on_held_out_stimuli():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 30))
    relevant = X[:, :3] + 0.3 * rng.standard_normal((60, 3))   # the brain's own units
    brain = rdm(relevant, metric="euclidean")
    result = feature_weighted_rsa(X, brain, cv=CV)
    plain = rsa_score(rdm(X, metric="euclidean"), brain, rdm_metric="precomputed")
    assert result.score > plain + 0.3
    assert set(np.argsort(result.weights)[-3:]) == {0, 1, 2}
    # the penalty shrinks the weights
    heavy = feature_weighted_rsa(X, brain, cv=CV, alpha=100.0)
    assert heavy.weights.sum() < result.weights.sum()


def test_feature_weighting_refuses_mismatched_stimuli():
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match="brain_rdm"):
        feature_weighted_rsa(X, rdm(X[:15]))


# ---- variance partitioning ----

def _cv_r2(blocks, y, folds, alpha):
    """Fold-mean held-out R² of scikit-learn's Ridge on the concatenated blocks."""
    X = np.hstack(blocks)
    scores = []
    for train, test in folds:
        pred = SkRidge(alpha=alpha).fit(X[train], y[train]).predict(X[test])
        scores.append(1 - np.sum((y[test] - pred) ** 2) / np.sum((y[test] - y[test].mean()) ** 2))
    return np.mean(scores)


def test_two_predictors_match_the_textbook_formulas():
    rng = np.random.default_rng(5)
    s, a, b = rng.standard_normal((3, 300))
    y = s + a + 0.5 * b + 0.3 * rng.standard_normal(300)
    A, B = np.c_[s, a], np.c_[s, b]
    folds = list(CV.split(A))
    parts = variance_partitioning({"A": A, "B": B}, y, cv=folds,
                                  estimator=SkRidge(alpha=1.0))
    rA, rB, rAB = (_cv_r2(blocks, y, folds, 1.0) for blocks in ([A], [B], [A, B]))
    assert parts.r2[("A",)] == pytest.approx(rA, rel=1e-10)
    assert parts.r2[("A", "B")] == pytest.approx(rAB, rel=1e-10)
    assert parts.unique["A"] == pytest.approx(rAB - rB, rel=1e-10)
    assert parts.unique["B"] == pytest.approx(rAB - rA, rel=1e-10)
    assert parts.shared == pytest.approx(rA + rB - rAB, rel=1e-10)
    # the shared latent carries 1 of the 2.25 units of signal variance
    assert 0.3 < parts.shared < 0.55


def test_three_predictors_match_the_venn_formulas_and_sum_to_the_full_r2():
    rng = np.random.default_rng(6)
    latents = rng.standard_normal((5, 200))
    blocks = {"A": latents[[0, 1]].T, "B": latents[[0, 2]].T, "C": latents[[1, 3]].T}
    y = latents[:4].sum(axis=0) + 0.3 * rng.standard_normal(200)
    parts = variance_partitioning(blocks, y, cv=CV)
    f = parts.r2
    c = parts.components
    assert c[("A",)] == pytest.approx(f[("A", "B", "C")] - f[("B", "C")])
    assert c[("A", "B")] == pytest.approx(
        f[("A", "C")] + f[("B", "C")] - f[("C",)] - f[("A", "B", "C")])
    assert c[("A", "B", "C")] == pytest.approx(
        f[("A",)] + f[("B",)] + f[("C",)] - f[("A", "B")] - f[("A", "C")]
        - f[("B", "C")] + f[("A", "B", "C")])
    assert sum(c.values()) == pytest.approx(f[("A", "B", "C")])
    assert len(c) == 7
    # relabelling the predictors relabels the components
    swapped = variance_partitioning({"C": blocks["C"], "A": blocks["A"], "B": blocks["B"]},
                                    y, cv=CV)
    assert swapped.unique["A"] == pytest.approx(parts.unique["A"])
    assert swapped.components[("C", "A")] == pytest.approx(c[("A", "C")])


def test_raw_values_give_one_partition_per_unit():
    rng = np.random.default_rng(7)
    A, B = rng.standard_normal((120, 2)), rng.standard_normal((120, 2))
    Y = np.c_[A[:, 0], B[:, 0]] + 0.1 * rng.standard_normal((120, 2))
    parts = variance_partitioning([A, B], Y, cv=CV, multioutput="raw_values")
    assert parts.unique["0"].shape == (2,)
    assert parts.unique["0"][0] > 0.9 and parts.unique["1"][1] > 0.9
    assert abs(parts.unique["0"][1]) < 0.05
    mean = variance_partitioning([A, B], Y, cv=CV)
    assert mean.unique["0"] == pytest.approx(parts.unique["0"].mean())


def test_rdm_partitioning_against_least_squares_on_test_pairs():
    models = _model_rdms(n=30, k=2, seed=8)
    rng = np.random.default_rng(8)
    brain = models[0] + 0.5 * models[1] + rdm(rng.standard_normal((30, 6)), metric="euclidean")
    folds = list(KFold(3, shuffle=True, random_state=0).split(np.zeros(30)))
    parts = variance_partitioning({"a": models[0], "b": models[1]}, brain, kind="rdm",
                                  cv=folds)

    def r2(columns):
        out = []
        for train, test in folds:
            tr, te = np.ix_(train, train), np.ix_(test, test)
            iu_tr, iu_te = np.triu_indices(len(train), 1), np.triu_indices(len(test), 1)
            A = np.c_[np.ones(len(iu_tr[0])), *[models[k][tr][iu_tr] for k in columns]]
            coef = np.linalg.lstsq(A, brain[tr][iu_tr], rcond=None)[0]
            At = np.c_[np.ones(len(iu_te[0])), *[models[k][te][iu_te] for k in columns]]
            y = brain[te][iu_te]
            out.append(1 - np.sum((y - At @ coef) ** 2) / np.sum((y - y.mean()) ** 2))
        return np.mean(out)

    assert parts.r2[("a",)] == pytest.approx(r2([0]), rel=1e-9)
    assert parts.r2[("a", "b")] == pytest.approx(r2([0, 1]), rel=1e-9)
    assert parts.unique["b"] == pytest.approx(r2([0, 1]) - r2([0]), rel=1e-9)
    # a stack of RDMs is a list of predictors named by position
    stacked = variance_partitioning(models, brain, kind="rdm", cv=folds)
    assert stacked.unique["1"] == pytest.approx(parts.unique["b"])


def test_partitioning_refuses_bad_input():
    X = np.random.default_rng(0).standard_normal((20, 2))
    with pytest.raises(ValueError, match="2 to 4 predictors"):
        variance_partitioning([X], X[:, 0])
    with pytest.raises(ValueError, match="same stimuli"):
        variance_partitioning([X, X[:10]], X[:, 0])
    with pytest.raises(ValueError, match="same stimuli"):
        variance_partitioning([rdm(X), rdm(X)], rdm(X[:10]), kind="rdm")


# ---- remixing ----

def test_remixed_rdm_is_the_rdm_of_cross_validated_decision_values():
    rng = np.random.default_rng(9)
    y = np.repeat([0, 1, 2, 3], 15)
    X = rng.standard_normal((60, 12)) + 2 * np.eye(12)[y]
    clf = LogisticRegression(max_iter=500)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    D = remixed_rdm(X, y, classifier=clf, cv=cv, metric="correlation")
    decision = cross_val_predict(clf, X, y, cv=list(cv.split(X, y)),
                                 method="decision_function")
    np.testing.assert_allclose(D, squareform(pdist(decision, "correlation")), atol=1e-10)
    # remixing brings out the categories: the within/between ratio of dissimilarities
    # falls well below that of the layer's own RDM
    same = y[:, None] == y[None, :]
    off = ~np.eye(60, dtype=bool)
    raw = rdm(X)

    def ratio(R):
        return R[same & off].mean() / R[~same].mean()

    assert ratio(D) < 0.8 * ratio(raw) and ratio(D) < 0.7


def test_remixed_rdm_of_two_categories_and_bad_labels():
    rng = np.random.default_rng(10)
    y = np.repeat([0, 1], 20)
    X = rng.standard_normal((40, 5)) + 2 * y[:, None]
    D = remixed_rdm(X, y)
    assert D.shape == (40, 40) and np.allclose(D, D.T)
    with pytest.raises(ValueError, match="single category"):
        remixed_rdm(X, np.zeros(40))
    with pytest.raises(ValueError, match="same stimuli"):
        remixed_rdm(X, y[:30])
