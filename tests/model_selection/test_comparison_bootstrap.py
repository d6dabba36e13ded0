"""Intervals of compare_transform_classes: the resampled statistics against direct
computations (scikit-learn's silhouette, the score matrix, a loop over written-out
resamples)."""

import numpy as np
import pytest
from sklearn.metrics import silhouette_score
from sklearn.model_selection import KFold

from sklearn_brainmap import OneToOne, Ridge
from sklearn_brainmap.metrics import rsa_score
from sklearn_brainmap.model_selection import (
    PairwiseMapping,
    area_silhouette,
    compare_transform_classes,
    same_area_predictivity,
)
from sklearn_brainmap.model_selection._comparison_bootstrap import (
    resampled_fold_matrices,
    weighted_predictivity,
    weighted_silhouette,
)


def _population(n_subjects=4, n_stimuli=90, seed=0):
    rng = np.random.default_rng(seed)
    latent = {a: rng.standard_normal((n_stimuli, 4)) for a in ("V1", "V4", "IT")}
    blocks = [latent[a] @ rng.standard_normal((4, 6)) for _ in range(n_subjects)
              for a in latent]
    pre = np.hstack(blocks) + 0.8 * rng.standard_normal((n_stimuli, 18 * n_subjects))
    return {"pre": pre, "subjects": np.repeat(np.arange(n_subjects), 18),
            "areas": np.tile(np.repeat(list(latent), 6), n_subjects)}


def _matrix(seed=1, n_subjects=4, n_areas=3):
    rng = np.random.default_rng(seed)
    subj = np.repeat(np.arange(n_subjects), n_areas)
    area = np.tile(np.arange(n_areas), n_subjects)
    S = 0.3 * rng.random((len(subj), len(subj))) + 0.5 * (area[:, None] == area[None])
    np.fill_diagonal(S, np.nan)
    return S, subj, area


def test_weighted_statistics_equal_the_originals_and_subsets():
    S, subj, area = _matrix()
    ones = np.ones((1, 4))
    assert weighted_silhouette(S[None], ones, subj, area)[0] == pytest.approx(
        area_silhouette(S, area), abs=1e-12)
    assert weighted_predictivity(S[None], ones, subj, area)[0] == pytest.approx(
        same_area_predictivity(S, subj, area), abs=1e-12)
    # a resample without duplicates (subject 2 left out) is the subset's statistic
    K = np.array([[1.0, 1.0, 0.0, 1.0]])
    keep = subj != 2
    sub = S[np.ix_(keep, keep)]
    assert weighted_silhouette(S[None], K, subj, area)[0] == pytest.approx(
        area_silhouette(sub, area[keep]), abs=1e-12)
    assert weighted_predictivity(S[None], K, subj, area)[0] == pytest.approx(
        same_area_predictivity(sub, subj[keep], area[keep]), abs=1e-12)


def test_duplicated_subjects_are_never_paired_with_their_own_copy():
    S, subj, area = _matrix(seed=2)
    K = np.array([[2.0, 1.0, 0.0, 1.0]])
    D = 1 - (S + S.T) / 2
    np.fill_diagonal(D, 0)
    # written out: copies of profiles; pairs between copies of one subject dropped
    copies = [(i, c) for i in range(len(subj)) for c in range(int(K[0, subj[i]]))]
    values, pairs = [], []
    for i, ci in copies:
        same_area, by_area = [], {}
        for j, cj in copies:
            if (i, ci) == (j, cj) or (subj[i] == subj[j] and ci != cj):
                continue
            by_area.setdefault(area[j], []).append(D[i, j])
            if area[j] == area[i] and subj[j] != subj[i]:
                pairs.append(S[i, j])
        a = np.mean(by_area[area[i]])
        b = min(np.mean(v) for k, v in by_area.items() if k != area[i])
        values.append((b - a) / max(a, b))
    assert weighted_silhouette(S[None], K, subj, area)[0] == pytest.approx(
        np.mean(values), abs=1e-12)
    assert weighted_predictivity(S[None], K, subj, area)[0] == pytest.approx(
        np.mean(pairs), abs=1e-12)
    # a resample of distinct subjects: scikit-learn's silhouette
    assert silhouette_score(D, area, metric="precomputed") == pytest.approx(
        weighted_silhouette(S[None], np.ones((1, 4)), subj, area)[0])


@pytest.mark.parametrize("scoring", ["r2", "pearson"])
def test_resampled_matrices_with_unit_weights_are_the_score_matrix(scoring):
    pop = _population()
    mapping = PairwiseMapping(Ridge(cv=None), subjects=pop["subjects"],
                              areas=pop["areas"], scoring=scoring).fit(pop["pre"][:60])
    test = pop["pre"][60:]
    M = resampled_fold_matrices(mapping, test, test, np.ones((2, 30)), scoring, "median")
    np.testing.assert_allclose(M[0], mapping.score_matrix(test), atol=1e-10)
    # a resample: the score matrix of the written-out test stimuli
    idx = np.random.default_rng(0).integers(0, 30, 30)
    w = np.bincount(idx, minlength=30)[None].astype(float)
    M = resampled_fold_matrices(mapping, test, test, w, scoring, "median")
    np.testing.assert_allclose(M[0], mapping.score_matrix(test[idx]), atol=1e-10)


def test_compare_transform_classes_with_intervals():
    pop = _population()
    kwargs = dict(responses=("pre",), cv=KFold(3, shuffle=True, random_state=0))
    candidates = {"Ridge": Ridge(cv=None), "OneToOne": OneToOne(), "RSA": rsa_score}
    plain = compare_transform_classes(candidates, pop, **kwargs)
    result = compare_transform_classes(candidates, pop, n_bootstraps=200,
                                       random_state=0, **kwargs)
    assert plain.bootstrap is None and "silhouette_ci" not in plain.summary()[0]
    for row, before in zip(result.summary(), plain.summary()):
        assert row["silhouette"] == pytest.approx(before["silhouette"])
        low, high = row["silhouette_ci"]
        assert low < row["silhouette"] < high
        if row["predictivity"] is None:
            assert row["predictivity_ci"] is None
        else:
            low, high = row["predictivity_ci"]
            assert low < row["predictivity"] < high
    diff = result.compare("Ridge", "OneToOne", "pre")
    assert diff["predictivity"]["difference"] > 0
    assert diff["predictivity"]["confidence_interval"][0] > 0
    assert diff["predictivity"]["p_value"] < 0.05
    assert result.compare("Ridge", "RSA", "pre")["predictivity"] is None
    with pytest.raises(ValueError, match="No cell"):
        result.compare("Ridge", "Lasso", "pre")
    with pytest.raises(ValueError, match="n_bootstraps"):
        plain.compare("Ridge", "OneToOne", "pre")


def test_aggregate_of_padded_blocks_equals_nan_median_and_mean():
    from sklearn_brainmap.model_selection._comparison_bootstrap import _aggregate
    rng = np.random.default_rng(5)
    scores = rng.standard_normal((4, 12))
    scores[1, [0, 3, 7]] = np.nan
    scores[2, 5:9] = np.nan  # a whole block undefined
    sizes = [5, 4, 3]
    edges = np.cumsum([0] + sizes)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        for aggregate, fn in (("median", np.nanmedian), ("mean", np.nanmean)):
            expected = np.column_stack([fn(scores[:, a:b], axis=1)
                                        for a, b in zip(edges[:-1], edges[1:])])
            np.testing.assert_allclose(_aggregate(scores, sizes, aggregate), expected,
                                       atol=1e-14)
