"""Intervals of pooled_source_scores and model_brain_scores from held-out predictions."""

import numpy as np
import pytest
from sklearn.model_selection import KFold

from sklearn_brainmap import Ridge
from sklearn_brainmap.model_selection import model_brain_scores, pooled_source_scores
from sklearn_brainmap.model_selection._population_bootstrap import (
    aggregate_under,
    held_out_statistics,
)


def _population(seed=0, n_stimuli=80):
    rng = np.random.default_rng(seed)
    latent = {a: rng.standard_normal((n_stimuli, 3)) for a in ("V1", "V4")}
    noise = {"V1": 0.5, "V4": 2.0}  # V4 is less predictable
    blocks, subjects, areas = [], [], []
    for s in range(4):
        for a in latent:
            blocks.append(latent[a] @ rng.standard_normal((3, 5))
                          + noise[a] * rng.standard_normal((n_stimuli, 5)))
            subjects += [s] * 5
            areas += [a] * 5
    return np.hstack(blocks), np.array(subjects), np.array(areas)


@pytest.mark.parametrize("scoring", ["r2", "pearson"])
def test_held_out_statistics_give_the_cross_validated_scores(scoring):
    X, subjects, areas = _population()
    cv = KFold(4, shuffle=True, random_state=0)
    folds = held_out_statistics(Ridge(cv=None), X[:, :10], X[:, 10:20], cv)
    s = model_brain_scores(Ridge(cv=None), X[:, :10], X[:, 10:20], cv=cv, scoring=scoring)
    assert aggregate_under(folds, np.ones((1, 80)), scoring, "median")[0] == \
        pytest.approx(s["model_to_brain"], abs=1e-10)


def test_model_brain_scores_intervals():
    X, _, _ = _population()
    cv = KFold(4, shuffle=True, random_state=0)
    s = model_brain_scores(Ridge(cv=None), X[:, :10], X[:, 10:20], cv=cv,
                           n_bootstraps=300, random_state=0)
    for name in ("model_to_brain", "brain_to_model", "both"):
        low, high = s[f"{name}_ci"]
        assert low < s[name] < high
    np.testing.assert_allclose(s["bootstrap"].scores,
                               [s["model_to_brain"], s["brain_to_model"], s["both"]])
    plain = model_brain_scores(Ridge(cv=None), X[:, :10], X[:, 10:20], cv=cv)
    assert "bootstrap" not in plain and plain["both"] == pytest.approx(s["both"])


def test_pooled_source_scores_intervals_and_area_difference():
    X, subjects, areas = _population()
    cv = KFold(4, shuffle=True, random_state=0)
    result = pooled_source_scores(Ridge(cv=None), X, subjects, areas, cv=cv,
                                  n_bootstraps=300, random_state=0)
    plain = pooled_source_scores(Ridge(cv=None), X, subjects, areas, cv=cv)
    np.testing.assert_allclose(result.scores, plain.scores)
    low, high = result.confidence_interval
    assert ((low < result.scores) & (result.scores < high)).all()
    assert result.areas == ["V1", "V4"]
    # each area's score is the mean of its subjects' profiles
    for k, area in enumerate(result.areas):
        mine = [i for i, (_, a) in enumerate(result.profiles) if a == area]
        assert result.area_scores[k] == pytest.approx(result.scores[mine].mean())
    # V1 is far more predictable than V4: the areas' difference is significant
    assert result.bootstrap.difference_p_values[0, 1] < 0.05
    assert result.area_confidence_interval[0, 0] > result.area_confidence_interval[1, 1]
