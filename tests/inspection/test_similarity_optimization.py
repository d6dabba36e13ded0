"""Analytic gradients of the similarity measures, the optimisation of Cloos et al. and
its findings on a low-dimensional reference trajectory."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.linear_model import Ridge as SkRidge

from sklearn_brainmap.inspection import (
    optimize_similarity,
    pc_perturbation_scores,
    principal_component_r2,
    similarity_gradient,
    similarity_score_range,
)
from sklearn_brainmap.metrics import cka_score, procrustes_distance, procrustes_score

MEASURES = ["cka", "nbs", "angular_procrustes", "ridge_r2"]


def reference_trajectory(n_time=50, n_conditions=4, n_units=10, noise=0.05, seed=0):
    """Four conditions tracing a 3-D latent trajectory (variances falling about 8-fold
    from one component to the next), embedded in 10 units with a little noise."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n_time, endpoint=False)
    latents = []
    for c in range(n_conditions):
        phase = 2 * np.pi * c / n_conditions
        latents.append(np.c_[3 * np.cos(t + phase), 1.5 * np.sin(t + phase) * np.cos(phase),
                             0.6 * np.sin(2 * t + phase)])
    Q, _ = np.linalg.qr(rng.standard_normal((n_units, 3)))
    Z = np.vstack(latents)
    return Z @ Q.T + noise * rng.standard_normal((len(Z), n_units))


def _ridge_r2_reference(X, Y, alpha):
    """The ridge R² computed independently: scikit-learn's Ridge on the centred,
    unit-Frobenius-norm Y, variance-weighted in-sample R² of X."""
    Yc = Y - Y.mean(axis=0)
    Yh = Yc / np.linalg.norm(Yc)
    pred = SkRidge(alpha=alpha).fit(Yh, X).predict(Yh)
    Xc = X - X.mean(axis=0)
    return 1 - np.sum((X - pred) ** 2) / np.sum(Xc**2)


# ---- scores and gradients ----

@pytest.mark.parametrize("shape", [(30, 4, 3), (9, 4, 14)], ids=["narrow", "wide"])
def test_scores_match_the_package_and_scikit_learn(shape):
    n, q, p = shape
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((n, q)), rng.standard_normal((n, p))
    scores = {m: similarity_gradient(X, Y, measure=m, alpha=0.05)[0] for m in MEASURES}
    assert scores["cka"] == pytest.approx(cka_score(X, Y), rel=1e-12)
    assert scores["nbs"] == pytest.approx(procrustes_score(X, Y), rel=1e-12)
    assert scores["angular_procrustes"] == pytest.approx(
        1 - procrustes_distance(X, Y) / (np.pi / 2), rel=1e-12)
    assert scores["ridge_r2"] == pytest.approx(_ridge_r2_reference(X, Y, 0.05), rel=1e-10)


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("shape", [(25, 4, 3), (7, 3, 11)], ids=["narrow", "wide"])
def test_gradient_matches_central_finite_differences(measure, shape):
    n, q, p = shape
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((n, q)), rng.standard_normal((n, p))
    _, grad = similarity_gradient(X, Y, measure=measure, alpha=0.05)
    h = 1e-6
    numeric = np.empty_like(Y)
    for i in range(n):
        for j in range(p):
            step = np.zeros_like(Y)
            step[i, j] = h
            up = similarity_gradient(X, Y + step, measure=measure, alpha=0.05)[0]
            down = similarity_gradient(X, Y - step, measure=measure, alpha=0.05)[0]
            numeric[i, j] = (up - down) / (2 * h)
    np.testing.assert_allclose(grad, numeric, atol=1e-7 * np.abs(numeric).max())


@pytest.mark.parametrize("measure", MEASURES)
def test_gradient_is_equivariant_and_sees_no_translation(measure):
    # s(X, YQ) = s(X, Y) for orthogonal Q, so ∇s(YQ) = ∇s(Y) Q; s(X, cY) = s(X, Y), so
    # ∇s(cY) = ∇s(Y) / c; translations change nothing, so columns sum to zero
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((20, 4)), rng.standard_normal((20, 4))
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    s, g = similarity_gradient(X, Y, measure=measure)
    s_rot, g_rot = similarity_gradient(X, Y @ Q + 3.0, measure=measure)
    s_big, g_big = similarity_gradient(X, 10.0 * Y, measure=measure)
    assert s_rot == pytest.approx(s, rel=1e-10) and s_big == pytest.approx(s, rel=1e-10)
    np.testing.assert_allclose(g_rot, g @ Q, atol=1e-10)
    np.testing.assert_allclose(g_big, g / 10.0, atol=1e-12)
    np.testing.assert_allclose(g.sum(axis=0), 0.0, atol=1e-12)


def test_gradient_vanishes_at_the_reference():
    # every measure is maximal at Y = X (ridge: up to its penalty's shrinkage)
    X = reference_trajectory()
    for measure in ["cka", "nbs"]:
        score, grad = similarity_gradient(X, X, measure=measure)
        assert score == pytest.approx(1.0, abs=1e-12)
        assert np.abs(grad).max() < 1e-8


def test_gradient_refuses_bad_input():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.raises(ValueError, match="Y has no variance"):
        similarity_gradient(X, np.ones((10, 2)))
    with pytest.raises(ValueError, match="reference X has no variance"):
        similarity_gradient(np.ones((10, 2)), X)
    with pytest.raises(ValueError, match="same stimuli"):
        similarity_gradient(X, X[:5])


# ---- principal components captured ----

def test_principal_component_r2_matches_linear_regression():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 5)) * [5, 3, 2, 1, 0.5]
    Y = X[:, :2] @ rng.standard_normal((2, 3)) + 0.5 * rng.standard_normal((40, 3))
    r2 = principal_component_r2(X, Y)
    Xc = X - X.mean(axis=0)
    U, s, _ = np.linalg.svd(Xc, full_matrices=False)
    expected = [LinearRegression().fit(Y, U[:, k]).score(Y, U[:, k]) for k in range(5)]
    np.testing.assert_allclose(r2, expected, atol=1e-10)
    # invariant to an invertible linear map and a translation of Y
    np.testing.assert_allclose(principal_component_r2(X, Y @ rng.standard_normal((3, 3)) + 7),
                               r2, atol=1e-9)


# ---- the optimisation ----

@pytest.mark.parametrize("measure", MEASURES)
def test_optimisation_raises_the_score_from_noise(measure):
    X = reference_trajectory()
    result = optimize_similarity(X, measure=measure, n_steps=400, learning_rate=0.02,
                                 record_every=50, n_components=3, random_state=0)
    assert result.Y.shape == X.shape
    assert result.steps.tolist() == list(range(0, 401, 50))
    assert result.pc_r2.shape == (9, 3)
    assert result.scores[-1] > result.scores[0] + 0.3
    # the first component, with 85 % of the variance, is learned
    assert result.pc_r2[-1, 0] > 0.95
    assert result.scores[0] == pytest.approx(
        similarity_gradient(X, np.random.RandomState(0).standard_normal(X.shape),
                            measure=measure)[0])
    assert result.scores[-1] == pytest.approx(
        similarity_gradient(X, result.Y, measure=measure)[0])
    np.testing.assert_allclose(result.pc_r2[-1], principal_component_r2(X, result.Y, n_components=3))


def test_optimisation_starts_from_init():
    X = reference_trajectory()
    result = optimize_similarity(X, n_steps=1, learning_rate=1e-9, init=X[:, :4])
    np.testing.assert_allclose(result.Y, X[:, :4], atol=1e-6)
    with pytest.raises(ValueError, match="init"):
        optimize_similarity(X, n_steps=1, init=X[:10])


def _score_when_captured(result, component, threshold=0.5):
    reached = result.pc_r2[:, component] >= threshold
    assert reached.any(), "the component was never captured"
    return result.scores[np.argmax(reached)]


def test_cloos_second_pc_is_captured_at_a_lower_score_by_procrustes_than_by_cka():
    # Cloos et al.: CKA reaches high scores before lower-variance components are
    # captured; angular Procrustes captures them earlier. Measured here (2000 steps):
    # R² of PC 2 reaches 0.5 at CKA 0.985 and at angular Procrustes 0.458.
    X = reference_trajectory()
    kwargs = dict(n_steps=2000, learning_rate=0.01, record_every=5, n_components=3,
                  random_state=0)
    cka = optimize_similarity(X, measure="cka", **kwargs)
    procrustes = optimize_similarity(X, measure="angular_procrustes", **kwargs)
    at_cka = _score_when_captured(cka, 1)
    at_procrustes = _score_when_captured(procrustes, 1)
    assert at_procrustes < at_cka - 0.2
    assert at_cka > 0.95          # CKA is already high when PC 2 is half captured
    # both learn the first component first
    for result in (cka, procrustes):
        assert _score_when_captured(result, 0) <= _score_when_captured(result, 1)


def test_cloos_joint_ranges_procrustes_constrains_cka_not_the_converse():
    # Cloos et al.: a CKA of 0.9 allows a wide range of angular Procrustes scores,
    # while an angular Procrustes score of 0.9 implies a CKA above 0.9. Measured here:
    # at CKA 0.9 angular Procrustes spans [0.416, 0.783]; at angular Procrustes 0.9,
    # CKA spans [0.973, 1.0].
    X = reference_trajectory()
    kwargs = dict(targets=[0.9], n_steps=2000, learning_rate=0.1, random_state=0)
    at_cka = similarity_score_range(X, fixed="cka", varied="angular_procrustes", **kwargs)
    at_procrustes = similarity_score_range(X, fixed="angular_procrustes", varied="cka",
                                           **kwargs)
    for r in (at_cka, at_procrustes):     # the penalty holds the fixed score
        np.testing.assert_allclose(r.fixed_at_lower, 0.9, atol=0.01)
        np.testing.assert_allclose(r.fixed_at_upper, 0.9, atol=0.01)
    assert at_cka.upper[0] - at_cka.lower[0] > 0.2     # wide
    assert at_cka.lower[0] < 0.9                       # CKA 0.9 does not imply AP 0.9
    assert at_procrustes.lower[0] > 0.9                # AP 0.9 implies CKA > 0.9


def test_score_range_holds_each_target_and_orders_its_bounds():
    X = reference_trajectory()
    r = similarity_score_range(X, fixed="cka", varied="nbs", targets=[0.3, 0.8],
                               n_steps=600, learning_rate=0.1, random_state=0)
    assert np.all(r.lower <= r.upper)
    np.testing.assert_allclose(r.fixed_at_upper, [0.3, 0.8], atol=0.01)
    with pytest.raises(ValueError, match="different measures"):
        similarity_score_range(X, fixed="cka", varied="cka")


# ---- perturbation of one principal component ----

def test_pc_perturbation_keeps_variance_and_orders_the_measures():
    X = reference_trajectory()
    r = pc_perturbation_scores(X, measures=MEASURES, strengths=np.linspace(0, 1, 5),
                               n_components=3, random_state=0)
    for m in ["cka", "nbs", "angular_procrustes"]:
        np.testing.assert_allclose(r.scores[m][:, 0], 1.0, atol=1e-10)
        # more perturbation, lower score; the first component matters most
        assert np.all(np.diff(r.scores[m], axis=1) < 1e-12)
        assert r.scores[m][0, -1] < r.scores[m][1, -1] < r.scores[m][2, -1]
    # CKA is the least sensitive to the second and third components (it weights
    # components by about the square of their variance)
    for k in (1, 2):
        drop_cka = 1 - r.scores["cka"][k, -1]
        drop_ap = 1 - r.scores["angular_procrustes"][k, -1]
        assert drop_ap > 5 * drop_cka
    assert r.explained_variance_ratio.shape == (3,)


def test_pc_perturbation_refuses_bad_arguments():
    X = reference_trajectory()
    with pytest.raises(ValueError, match="strengths"):
        pc_perturbation_scores(X, strengths=[0.5, 1.5])
    with pytest.raises(ValueError, match="measures"):
        pc_perturbation_scores(X, measures=["cka", "rsa"])
    with pytest.raises(ValueError, match="components \\+ 2 stimuli"):
        pc_perturbation_scores(np.random.default_rng(0).standard_normal((4, 6)))
