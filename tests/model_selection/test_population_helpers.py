import numpy as np
import pytest
from sklearn.linear_model import Ridge as SkRidge
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold

from sklearn_brainmap import OneToOne, Ridge
from sklearn_brainmap.model_selection import (CurveFit, cross_animal_ceiling,
                                              cross_val_unit_scores,
                                              fit_subsampling_curve, model_brain_scores,
                                              model_separability, neuron_to_unit_ratio,
                                              pooled_source_scores, subsampling_curve)


def population(seed=0, n=120, n_subjects=4, units=6, noise=0.5):
    rng = np.random.default_rng(seed)
    latents = {a: rng.standard_normal((n, 3)) for a in ("V1", "V4")}
    blocks, subjects, areas = [], [], []
    for s in range(n_subjects):
        for a in ("V1", "V4"):
            blocks.append(latents[a] @ rng.standard_normal((3, units))
                          + noise * rng.standard_normal((n, units)))
            subjects += [s] * units
            areas += [a] * units
    return np.hstack(blocks), np.array(subjects), np.array(areas)


def test_cross_val_unit_scores_match_a_manual_loop():
    X, *_ = population()
    src, tgt = X[:, :6], X[:, 6:18]
    cv = KFold(4, shuffle=True, random_state=0)
    ours = cross_val_unit_scores(Ridge(alpha=3.0), src, tgt, cv=cv)
    ref = np.mean([r2_score(tgt[te], SkRidge(alpha=3.0).fit(src[tr], tgt[tr])
                            .predict(src[te]), multioutput="raw_values")
                   for tr, te in cv.split(src)], axis=0)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_pooled_source_scores_use_the_other_subjects_of_the_area():
    X, subjects, areas = population()
    cv = KFold(3, shuffle=True, random_state=0)
    pooled = pooled_source_scores(Ridge(alpha=1.0), X, subjects, areas, cv=cv)
    assert len(pooled.profiles) == 8
    k = pooled.profiles.index((2, "V4"))
    source = (areas == "V4") & (subjects != 2)
    target = (areas == "V4") & (subjects == 2)
    unit = cross_val_unit_scores(Ridge(alpha=1.0), X[:, source], X[:, target], cv=cv)
    np.testing.assert_allclose(pooled.unit_scores[target], unit, rtol=1e-12)
    assert pooled.scores[k] == pytest.approx(np.median(unit))
    ceiling = cross_animal_ceiling(Ridge(alpha=1.0), X, subjects, areas, cv=cv)
    v4 = [s for (subj, a), s in zip(pooled.profiles, pooled.scores) if a == "V4"]
    assert ceiling["V4"] == pytest.approx(np.mean(v4))
    # pooling more subjects predicts better than a single other subject
    single = cross_val_unit_scores(Ridge(alpha=1.0), X[:, (areas == "V4") & (subjects == 0)],
                                   X[:, target], cv=cv)
    assert pooled.scores[k] > np.median(single)


def test_pooled_scores_skip_areas_of_a_single_subject():
    X, subjects, areas = population()
    areas = areas.copy()
    areas[(subjects == 3) & (areas == "V4")] = "MT"
    pooled = pooled_source_scores(OneToOne(), X, subjects, areas)
    assert (3, "MT") not in pooled.profiles
    assert np.isnan(pooled.unit_scores[areas == "MT"]).all()
    with pytest.raises(ValueError, match="more than one subject"):
        pooled_source_scores(OneToOne(), X, np.zeros(X.shape[1]), areas)


def test_model_brain_scores_are_directional():
    rng = np.random.default_rng(0)
    brain = rng.standard_normal((150, 5))
    model = np.hstack([brain @ rng.standard_normal((5, 5)),
                       rng.standard_normal((150, 10))])  # model-only response patterns
    s = model_brain_scores(Ridge(cv=None), model, brain)
    assert s["model_to_brain"] > 0.9
    assert s["brain_to_model"] < 0.2
    assert s["both"] == pytest.approx((s["model_to_brain"] + s["brain_to_model"]) / 2)
    with pytest.raises(ValueError, match="same stimuli"):
        model_brain_scores(Ridge(), model, brain[:-1])


def test_model_separability_formula():
    scores = np.array([0.1, 0.5, 0.35, 0.9])
    expected = np.mean([abs(a - b) for i, a in enumerate(scores) for b in scores[i + 1:]])
    assert model_separability(scores) == pytest.approx(expected)
    assert model_separability({"a": 0.3, "b": 0.3}) == 0.0
    with pytest.raises(ValueError, match="at least 2"):
        model_separability([0.5])


def test_subsampling_curves_grow_with_units_and_stimuli():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 60))
    Y = X @ rng.standard_normal((60, 8)) + 2 * rng.standard_normal((200, 8))
    units = subsampling_curve(Ridge(cv=None), X, Y, n_units=[5, 20, 60], n_draws=3,
                              random_state=0)
    assert units.scores.shape == (3, 3) and units.kind == "units"
    assert np.all(np.diff(units.mean) > 0)
    assert np.ptp(units.scores[0]) > 0          # draws differ
    assert units.std[-1] == pytest.approx(0)   # all units: every draw is the same
    stim = subsampling_curve(Ridge(cv=None), X, Y, n_stimuli=[40, 80, 160], n_draws=2,
                             random_state=0)
    assert np.all(np.diff(stim.mean) > 0)
    again = subsampling_curve(Ridge(cv=None), X, Y, n_stimuli=[40, 80, 160], n_draws=2,
                              random_state=0)
    np.testing.assert_array_equal(stim.scores, again.scores)
    with pytest.raises(ValueError, match="exactly one"):
        subsampling_curve(Ridge(), X, Y)
    with pytest.raises(ValueError, match="has 60 units"):
        subsampling_curve(Ridge(), X, Y, n_units=[61])
    with pytest.raises(ValueError, match="larger than the training"):
        subsampling_curve(Ridge(), X, Y, n_stimuli=[190])


@pytest.mark.parametrize("kind, params", [("arctan", (0.5, 0.03, 0.02)),
                                          ("log", (0.08, 0.2, 0.05))])
def test_curve_fits_recover_generating_parameters(kind, params):
    sizes = np.array([2, 5, 10, 20, 50, 100, 200, 400])
    truth = CurveFit(kind, params)
    fit = fit_subsampling_curve(sizes, truth(sizes), kind=kind)
    np.testing.assert_allclose(fit.params, params, rtol=1e-5)
    draws = np.column_stack([truth(sizes)] * 3)
    np.testing.assert_allclose(fit_subsampling_curve(sizes, draws, kind=kind).params,
                               params, rtol=1e-5)


@pytest.mark.parametrize("alpha", [0.05, 0.3, 2.0])
def test_neuron_to_unit_ratio_recovers_a_known_ratio(alpha):
    f = CurveFit("arctan", (0.45, 0.02, 0.03))
    assert neuron_to_unit_ratio(f, lambda n: f(np.asarray(n) / alpha), 200) == \
        pytest.approx(alpha, rel=1e-4)


def test_neuron_to_unit_ratio_from_noisy_fitted_curves():
    rng = np.random.default_rng(0)
    truth, alpha = CurveFit("arctan", (0.45, 0.02, 0.03)), 0.2
    units = np.array([5, 10, 25, 50, 100, 250, 500, 1000])
    neurons = np.array([2, 5, 10, 20, 40, 80, 120])
    f = fit_subsampling_curve(units, truth(units) + 0.003 * rng.standard_normal(8))
    g = fit_subsampling_curve(neurons, truth(neurons / alpha)
                              + 0.003 * rng.standard_normal(7))
    assert neuron_to_unit_ratio(f, g, neurons.max()) == pytest.approx(alpha, rel=0.1)


def test_pooled_v1_scores_stay_below_the_split_half_ceiling(shared_data):
    from sklearn_brainmap.datasets import load_henaff2021_v1
    from sklearn_brainmap.metrics import split_half_reliability

    data = load_henaff2021_v1(shared_data)
    ceiling = split_half_reliability(data.spike_counts, random_state=0)
    pooled = pooled_source_scores(Ridge(cv=None), data.responses, data.monkey, data.areas,
                                  cv=KFold(3, shuffle=True, random_state=0),
                                  scoring="pearson")
    assert len(pooled.profiles) == 4          # one per monkey, from the other three
    ok = np.isfinite(ceiling) & np.isfinite(pooled.unit_scores)
    assert ok.mean() > 0.9
    explained = pooled.unit_scores[ok] ** 2
    assert 0.1 < explained.mean() < ceiling[ok].mean()


def test_model_brain_scores_returns_the_unit_scores_it_aggregates():
    from sklearn_brainmap import Ridge
    from sklearn_brainmap.model_selection import cross_val_unit_scores, model_brain_scores

    rng = np.random.default_rng(7)
    brain = rng.standard_normal((90, 5))
    model = np.hstack([brain @ rng.standard_normal((5, 5)), rng.standard_normal((90, 3))])
    scores = model_brain_scores(Ridge(cv=None), model, brain, scoring="pearson",
                                return_unit_scores=True)
    forward = cross_val_unit_scores(Ridge(cv=None), model, brain, scoring="pearson")
    np.testing.assert_allclose(scores["model_to_brain_units"], forward)
    assert scores["brain_to_model_units"].shape == (8,)
    assert scores["model_to_brain"] == pytest.approx(np.median(forward))
    assert scores["brain_to_model"] == pytest.approx(
        np.median(scores["brain_to_model_units"]))
    assert set(model_brain_scores(Ridge(cv=None), model, brain)) == {
        "model_to_brain", "brain_to_model", "both"}
