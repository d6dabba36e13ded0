"""Reliability, third pass (issue 26): measures and analyses (items 12-16). Each test
fails on the code before the fix. The command line and what real-data users met
(items 17-21) are in test_reliability_pass3_users.py."""

import os

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import KFold

from sklearn_brainmap import Ridge
from sklearn_brainmap.inspection import similarity_gradient, similarity_score_range
from sklearn_brainmap.metrics import (cka_score, procrustes_distance, procrustes_score, rdm,
                                      soft_matching_distance, soft_matching_score)
from sklearn_brainmap.model_selection import (feature_weighted_rsa, remixed_rdm,
                                              variance_partitioning)


def _rdms(seed=0, n=24):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, n, 3))
    A, B = rdm(a, metric="euclidean"), rdm(b, metric="euclidean")
    noise = rdm(rng.standard_normal((n, 3)), metric="euclidean")
    return A, B, A + 0.5 * B + 0.3 * noise


# -- 12. variance partitioning of RDMs at any scale
@pytest.mark.parametrize("scale", [1e12, 1e-14, 1e300, 1e-300, 3.7])
@pytest.mark.parametrize("positive", [False, True])
def test_rdm_variance_partitioning_is_scale_invariant(scale, positive):
    A, B, brain = _rdms()
    cv = KFold(4, shuffle=True, random_state=0)
    ref = variance_partitioning({"A": A, "B": B}, brain, kind="rdm", cv=cv,
                                positive=positive)
    scaled = variance_partitioning({"A": A * scale, "B": B * scale}, brain * scale,
                                   kind="rdm", cv=cv, positive=positive)
    mixed = variance_partitioning({"A": A * scale, "B": B}, brain / 7.0, kind="rdm",
                                  cv=cv, positive=positive)
    for other in (scaled, mixed):
        for key, value in ref.r2.items():
            assert other.r2[key] == pytest.approx(value, rel=1e-9, abs=1e-12)
    assert ref.r2[("A", "B")] > 0.5


# -- 13. the CKA gradient at any scale
@pytest.mark.parametrize("measure", ["cka", "nbs", "angular_procrustes", "ridge_r2"])
@pytest.mark.parametrize("scale", [1e50, 1e-60, 1e150, 1e-150])
def test_similarity_gradient_is_scale_covariant(measure, scale):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 20, 4))
    score, grad = similarity_gradient(X, Y, measure=measure)
    s2, g2 = similarity_gradient(X * scale, Y * scale, measure=measure)
    # s(cY) = s(Y), so ∂s/∂Y at cY is ∂s/∂Y at Y divided by c
    assert s2 == pytest.approx(score, rel=1e-12)
    np.testing.assert_allclose(g2 * scale, grad, rtol=1e-9, atol=1e-12 * np.abs(grad).max())
    if measure == "cka":
        assert score == pytest.approx(cka_score(X, Y), rel=1e-12)


# -- 14. impossible targets
@pytest.mark.parametrize("targets", [[1.5], [-0.2], [0.5, 1.01]])
def test_similarity_score_range_refuses_impossible_targets(targets):
    X = np.random.default_rng(0).standard_normal((12, 3))
    with pytest.raises(ValueError, match=r"targets must be values 'cka' can take, in \[0, 1\]"):
        similarity_score_range(X, targets=targets, n_steps=2)


def test_similarity_score_range_accepts_the_ends():
    X = np.random.default_rng(0).standard_normal((12, 3))
    r = similarity_score_range(X, targets=[0.0, 1.0], n_steps=2, random_state=0)
    assert r.targets.tolist() == [0.0, 1.0]


# -- 15. distances of a representation to itself
def test_distances_to_itself_are_zero():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 6))
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    assert procrustes_distance(X, X) < 1e-14
    assert procrustes_distance(X, 3 * X @ Q + 1) < 1e-14
    wide = rng.standard_normal((10, 40))
    assert procrustes_distance(wide, wide) < 1e-14
    assert soft_matching_distance(X, X) < 1e-14
    assert soft_matching_distance(X, 2 * X[:, rng.permutation(6)] - 1) < 1e-14


@pytest.mark.parametrize("shapes", [((30, 5), (30, 5)), ((30, 4), (30, 9)),
                                    ((8, 20), (8, 30))])
def test_distances_agree_with_their_scores(shapes):
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    assert procrustes_distance(X, Y) == pytest.approx(np.arccos(procrustes_score(X, Y)),
                                                      rel=1e-12)
    assert procrustes_distance(X, Y) == pytest.approx(procrustes_distance(Y, X), rel=1e-12)
    assert soft_matching_distance(X, Y) == pytest.approx(
        np.sqrt(2 * (1 - soft_matching_score(X, Y))), rel=1e-12)
    # sinkhorn keeps the closed form
    assert soft_matching_distance(X, Y, method="sinkhorn", reg=0.2) == pytest.approx(
        np.sqrt(2 * (1 - soft_matching_score(X, Y, method="sinkhorn", reg=0.2))), rel=1e-12)


# -- 16. array-API dispatch, bare errors, Dask chunks, feature-weighted RSA at scale
@pytest.fixture
def strict_dispatch():
    xp = pytest.importorskip("array_api_strict")
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        pytest.skip("array-API dispatch needs SCIPY_ARRAY_API=1 before SciPy is imported")
    with sklearn.config_context(array_api_dispatch=True):
        yield xp


def _unsupported_calls():
    from sklearn_brainmap.features import grating_tuning
    from sklearn_brainmap.metrics import lifetime_sparseness, population_sparseness
    from sklearn_brainmap.model_selection import (compare_transform_classes,
                                                  cross_val_unit_scores,
                                                  model_brain_scores)

    return {
        "lifetime_sparseness": lambda R, S: lifetime_sparseness(R),
        "population_sparseness": lambda R, S: population_sparseness(R),
        "grating_tuning": lambda R, S: grating_tuning(R, np.repeat([0.1, 0.2], 10),
                                                      np.tile(np.linspace(0, 3, 10), 2)),
        "cross_val_unit_scores": lambda R, S: cross_val_unit_scores(Ridge(), R, S, cv=3),
        "model_brain_scores": lambda R, S: model_brain_scores(Ridge(), R, S, cv=3),
        "compare_transform_classes": lambda R, S: compare_transform_classes(
            {"Ridge": Ridge()}, {"pre": R, "subjects": np.repeat([0, 1], 2),
                                 "areas": np.tile(["a", "b"], 2)}, responses=("pre",),
            cv=3),
    }


@pytest.mark.parametrize("name", list(_unsupported_calls()))
def test_unsupported_functions_raise_the_documented_type_error(strict_dispatch, name):
    rng = np.random.default_rng(0)
    R = strict_dispatch.asarray(rng.random((20, 4)))
    S = strict_dispatch.asarray(rng.random((20, 3)))
    with pytest.raises(TypeError, match=f"{name} runs only on NumPy arrays"):
        _unsupported_calls()[name](R, S)


def test_compare_transform_classes_bad_recordings():
    from sklearn_brainmap.model_selection import Candidate, compare_transform_classes

    rng = np.random.default_rng(0)
    population = {"pre": rng.random((30, 4)), "post": rng.random((20, 4)),
                  "subjects": np.repeat([0, 1], 2), "areas": np.tile(["a", "b"], 2)}
    with pytest.raises(ValueError, match="responses is empty"):
        compare_transform_classes({"Ridge": Ridge()}, population, responses=(), cv=3)
    with pytest.raises(ValueError, match=r"population\['post'\] has shape \(20, 4\)"):
        compare_transform_classes([Candidate("c", Ridge(), source="post")], population,
                                  responses=("pre",), cv=3)


def test_remixed_rdm_with_continuous_y_blames_y():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="y must hold category labels.*continuous"):
        remixed_rdm(rng.standard_normal((30, 4)), rng.standard_normal(30))


def test_dask_targets_of_unknown_chunk_sizes():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    Y = da.from_array(rng.standard_normal((40, 30)), chunks=(40, 10))
    unknown = Y[Y[:, 0] > -100]
    with pytest.raises(ValueError, match="unknown chunk sizes.*compute_chunk_sizes"):
        Ridge().fit(X, unknown)
    known = unknown.compute_chunk_sizes()
    np.testing.assert_allclose(Ridge().fit(X, known).coef_, Ridge().fit(X, Y).coef_)


@pytest.mark.parametrize("scale", [1e80, 1e150, 1e-100, 1e-140])
def test_feature_weighted_rsa_at_any_scale(scale):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 4))
    brain = np.square(X[:, :2, None] - X[:, :2].T[None]).sum(axis=1)
    cv = KFold(4, shuffle=True, random_state=0)
    ref = feature_weighted_rsa(X, brain, cv=cv)
    out = feature_weighted_rsa(X * scale, brain, cv=cv)
    assert np.isfinite(out.score)
    assert out.score == pytest.approx(ref.score, rel=1e-12)
    np.testing.assert_allclose(out.fold_scores, ref.fold_scores, rtol=1e-12)
    # the weights are those of X · scale: w(cX) = w(X) / c²
    np.testing.assert_allclose(out.weights * scale**2, ref.weights, rtol=1e-9, atol=1e-12)


def test_feature_weighted_rsa_unrepresentable_weights_say_so():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 4))
    brain = np.square(X[:, :2, None] - X[:, :2].T[None]).sum(axis=1)
    with pytest.raises(ValueError, match="cannot be represented.*rescale X"):
        feature_weighted_rsa(X * 1e-170, brain, cv=4)
    # the brain RDM at the same scale keeps the weights representable
    out = feature_weighted_rsa(X * 1e-170, brain * 1e-300,
                               cv=KFold(4, shuffle=True, random_state=0))
    assert np.isfinite(out.score)


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_optimisations_do_not_see_the_scale_of_the_reference(scale):
    from sklearn_brainmap.inspection import optimize_similarity, pc_perturbation_scores

    X = np.random.default_rng(0).standard_normal((15, 3)) * [3.0, 1.0, 0.3]
    a = optimize_similarity(X, n_steps=5, random_state=0)
    b = optimize_similarity(X * scale, n_steps=5, random_state=0)
    np.testing.assert_allclose(b.scores, a.scores, rtol=1e-12)
    np.testing.assert_allclose(b.Y, a.Y, rtol=1e-12)
    r1 = similarity_score_range(X, targets=[0.5], n_steps=5, random_state=0)
    r2 = similarity_score_range(X * scale, targets=[0.5], n_steps=5, random_state=0)
    np.testing.assert_allclose([r2.lower, r2.upper], [r1.lower, r1.upper], rtol=1e-12)
    p1 = pc_perturbation_scores(X, random_state=0)
    p2 = pc_perturbation_scores(X * scale, random_state=0)
    for key in p1:
        if isinstance(p1[key], np.ndarray) and p1[key].dtype.kind == "f":
            np.testing.assert_allclose(p2[key], p1[key], rtol=1e-10, atol=1e-12)
