import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_brainmap.model_selection import (area_silhouette, profile_dissimilarity,
                                              same_area_predictivity)


def _silhouette_by_hand(D, labels):
    """Rousseeuw's silhouette written out loop by loop (independent of scikit-learn)."""
    labels = np.asarray(labels)
    values = []
    for i in range(len(D)):
        own = [j for j in range(len(D)) if labels[j] == labels[i] and j != i]
        if not own:
            values.append(0.0)
            continue
        a = np.mean([D[i, j] for j in own])
        b = min(np.mean([D[i, j] for j in range(len(D)) if labels[j] == other])
                for other in set(labels.tolist()) - {labels[i]})
        values.append((b - a) / max(a, b))
    return float(np.mean(values))


def _scores(seed, n):
    rng = np.random.default_rng(seed)
    S = rng.uniform(-0.5, 1.0, (n, n))
    np.fill_diagonal(S, np.nan)
    return S


def test_dissimilarity_symmetrises_and_clips():
    S = np.array([[np.nan, 1.2, 0.5], [0.9, np.nan, -1.0], [0.1, 0.0, np.nan]])
    D = profile_dissimilarity(S)
    expected = np.array([[0.0, 0.0, 0.7], [0.0, 0.0, 1.5], [0.7, 1.5, 0.0]])
    np.testing.assert_allclose(D, expected, atol=1e-15)  # 1 − 1.05 clipped at 0


def test_dissimilarity_undefined_pair_is_an_error():
    S = _scores(0, 4)
    S[1, 2] = S[2, 1] = np.nan
    with pytest.raises(ValueError, match="1 profile pair"):
        profile_dissimilarity(S)


@pytest.mark.parametrize("seed", range(4))
def test_silhouette_equals_the_formula(seed):
    S = _scores(seed, 9)
    areas = np.repeat(["V1", "V2", "V4"], 3)
    D = np.maximum(1 - (S + S.T) / 2, 0)
    np.fill_diagonal(D, 0)
    assert area_silhouette(S, areas) == pytest.approx(_silhouette_by_hand(D, areas),
                                                      abs=1e-12)


@given(st.integers(0, 2**16), st.permutations(range(8)))
def test_silhouette_and_predictivity_invariant_to_profile_order(seed, order):
    S = _scores(seed, 8)
    areas = np.array(list("AABBCCDD"))
    subjects = np.tile([0, 1], 4)
    perm = np.asarray(order)
    S_perm = S[np.ix_(perm, perm)]
    assert area_silhouette(S_perm, areas[perm]) == pytest.approx(
        area_silhouette(S, areas), abs=1e-12)
    assert same_area_predictivity(S_perm, subjects[perm], areas[perm]) == pytest.approx(
        same_area_predictivity(S, subjects, areas), abs=1e-12)


def test_predictivity_by_hand():
    S = _scores(3, 6)
    subjects = np.array([0, 0, 1, 1, 2, 2])
    areas = np.array(["A", "B", "A", "B", "A", "B"])
    S[0, 2] = np.nan  # an undefined pair is left out
    pairs = [S[s, t] for s in range(6) for t in range(6)
             if areas[s] == areas[t] and subjects[s] != subjects[t] and not np.isnan(S[s, t])]
    assert same_area_predictivity(S, subjects, areas) == pytest.approx(np.mean(pairs))


@pytest.mark.parametrize("call, message", [
    (lambda: area_silhouette(np.ones((3, 4)), [0, 0, 1]), "square"),
    (lambda: area_silhouette(np.ones((3, 3)), [0, 1]), "one label per profile"),
    (lambda: area_silhouette(np.ones((3, 3)), [0, 0, 0]), "at least 2 areas"),
    (lambda: area_silhouette(np.ones((3, 3)), [0, 1, 2]), "at least one area with 2"),
    (lambda: same_area_predictivity(np.ones((2, 2)), [0, 0], ["A", "A"]),
     "No pair of profiles shares an area"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_predictivity_of_undefined_pairs_is_nan():
    S = np.full((2, 2), np.nan)
    assert np.isnan(same_area_predictivity(S, [0, 1], ["A", "A"]))
