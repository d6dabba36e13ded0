"""The strategies take a value or a strategy for every size and structure argument,
reach the edge cases by default, shrink to small readable examples, and pair X with Y
on the same stimuli."""

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression

from sklearn_brainmap.metrics import cka_score, procrustes_score
from sklearn_brainmap.testing import (check_rotation_invariance,
                                      check_translation_invariance, default_tolerances,
                                      paired_response_matrices, populations,
                                      response_matrices)
from sklearn_brainmap.utils import constant_columns

DETERMINISTIC = settings(database=None, derandomize=True, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow])

WELL_BEHAVED = {"rank": None, "sparsity": 0.0, "n_constant": 0, "n_duplicated": 0}


def duplicated_columns(X):
    """Columns equal to an earlier column (a brute-force pairwise comparison)."""
    return np.array([any(np.array_equal(X[:, j], X[:, i]) for i in range(j))
                     for j in range(X.shape[1])], dtype=bool)


def centred_rank(X):
    centred = X - X.mean(0)
    scale = np.abs(centred).max()
    return 0 if scale == 0 else np.linalg.matrix_rank(centred, tol=1e-8 * scale)


@pytest.mark.parametrize("found, label", [
    (lambda X: constant_columns(X).any(), "a constant unit"),
    (lambda X: duplicated_columns(X).any() and not constant_columns(X).any(),
     "a duplicated unit"),
    (lambda X: np.mean(X == 0) > 0.4, "mostly exact zeros"),
    (lambda X: X.shape[1] >= 6 and centred_rank(X) <= 2, "low rank"),
])
def test_default_strategy_reaches_the_edge_cases(found, label):
    # the old defaults drew none of these (0 of 100 draws); find() raises if no
    # example within its budget has the property
    X = find(response_matrices(), found, settings=DETERMINISTIC)
    assert found(X), label


def test_a_failing_example_shrinks_to_a_small_readable_array():
    X = find(response_matrices(), lambda X: constant_columns(X).any(),
             settings=DETERMINISTIC)
    # the smallest size, one random unit and one constant unit, three decimals (one
    # each for the signal, the loadings and the gains)
    assert X.shape == (8, 2)
    assert constant_columns(X).tolist() == [False, True]
    np.testing.assert_allclose(X, np.round(X, 3), rtol=0, atol=1e-12)


@DETERMINISTIC
@given(st.data())
def test_every_structure_argument_takes_a_strategy(data):
    X = data.draw(response_matrices(
        n_stimuli=st.integers(10, 20), n_units=st.integers(4, 6),
        dtype=st.sampled_from([np.float32, np.float64]), rank=st.integers(1, 2),
        sparsity=st.sampled_from([0.5]), n_constant=st.integers(1, 2),
        n_duplicated=st.integers(1, 2), scale=st.just(2.0)))
    assert 10 <= X.shape[0] <= 20 and 4 + 1 + 1 <= X.shape[1] <= 6 + 2 + 2
    assert X.dtype in (np.float32, np.float64)
    assert (X >= 0).all()  # rectified
    assert constant_columns(X).sum() >= 1 and duplicated_columns(X).sum() >= 1


@pytest.mark.parametrize("argument, strategy", [
    ("sparsity", st.just(1.5)), ("n_constant", st.just(-1)), ("rank", st.just(0)),
    ("n_stimuli", st.just(0)), ("scale", st.just(-2.0)),
])
def test_a_strategy_that_draws_out_of_range_is_a_clear_error(argument, strategy):
    with pytest.raises(ValueError, match=f"strategy given for '{argument}' drew"):
        find(response_matrices(**{argument: strategy}), lambda X: True,
             settings=DETERMINISTIC)


@DETERMINISTIC
@given(paired_response_matrices(n_units_x=6, shared_rank=st.integers(1, 4), noise=0.0,
                                **WELL_BEHAVED))
def test_paired_matrices_share_their_stimuli_and_signal(XY):
    X, Y = XY
    assert X.shape[0] == Y.shape[0] and X.shape[1] == 6
    # noise-free: Y is a linear function of X (both mix the same signal, and X's six
    # units span its at most four dimensions), checked by ordinary least squares
    assert LinearRegression().fit(X, Y).score(X, Y) > 0.999


@DETERMINISTIC
@given(paired_response_matrices(y_structure="none", n_constant=2, n_duplicated=1,
                                sparsity=0.5, noise=0.3))
def test_paired_structure_applies_to_x_only_when_asked(XY):
    X, Y = XY
    assert constant_columns(X)[-3:-1].all() and (X >= 0).all()
    assert not constant_columns(Y).any()


def z_scored_similarity(X, Y):
    """The planted bug: a similarity that z-scores each unit, so a constant unit
    divides zero by zero (NaN) instead of being excluded."""
    with np.errstate(invalid="ignore", divide="ignore"):
        Xz = (X - X.mean(0)) / X.std(0)
        Yz = (Y - Y.mean(0)) / Y.std(0)
    return float(np.linalg.norm(Xz.T @ Yz) / (np.linalg.norm(Xz.T @ Xz)
                                               * np.linalg.norm(Yz.T @ Yz)) ** 0.5)


def property_test(strategy):
    @settings(DETERMINISTIC, max_examples=200)
    @given(strategy)
    def test(XY):
        check_translation_invariance(z_scored_similarity, *XY, random_state=0)
    return test


def test_new_defaults_catch_the_planted_bug_the_old_ones_missed():
    # the old defaults: no constant, duplicated or zero units, full rank
    property_test(paired_response_matrices(**WELL_BEHAVED))()  # 200 examples pass
    with pytest.raises(AssertionError, match="z_scored_similarity returned NaN"):
        property_test(paired_response_matrices())()


@settings(DETERMINISTIC, max_examples=60)
@given(paired_response_matrices(dtype=np.float32, n_units_x=st.integers(2, 10),
                                n_constant=0), st.integers(0, 2**16))
def test_package_measures_pass_rotation_invariance_in_float32_by_default(XY, seed):
    X, Y = XY
    assert X.dtype == Y.dtype == np.float32
    for measure in (cka_score, procrustes_score):
        check_rotation_invariance(measure, X, Y, random_state=seed)


def test_default_tolerances_follow_the_lowest_precision():
    x64, x32 = np.ones(2), np.ones(2, dtype=np.float32)
    assert default_tolerances(x64, x64) == (1e-7, 1e-9)
    assert default_tolerances(x64, x32) == (1e-4, 1e-6)
    assert default_tolerances(np.ones(2, dtype=np.float16)) == (1e-2, 1e-3)
    assert default_tolerances(np.ones(2, dtype=int)) == (1e-7, 1e-9)
    # the float64 tolerance fails a float32 CKA that is exactly invariant in exact
    # arithmetic, the float32 default passes it (the reason for dtype-aware defaults)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 8)).astype(np.float32)
    Y = rng.standard_normal((30, 5)).astype(np.float32)
    failures = 0
    for seed in range(20):
        check_rotation_invariance(cka_score, X, Y, random_state=seed)
        try:
            check_rotation_invariance(cka_score, X, Y, random_state=seed, rtol=1e-7,
                                      atol=1e-9)
        except AssertionError:
            failures += 1
    assert failures > 0


@DETERMINISTIC
@given(populations(n_subjects=st.integers(2, 3), n_areas=st.just(2),
                   n_units=st.integers(2, 4), n_stimuli=st.integers(20, 30),
                   latent_dim=st.integers(1, 3), noise=st.just(0.0)))
def test_population_arguments_take_strategies(pop):
    n_units = np.unique(pop.subjects, return_counts=True)[1] // 2
    assert 20 <= pop.X.shape[0] <= 30 and set(n_units) <= {2, 3, 4}
    assert set(pop.areas) == {"area0", "area1"}
    latent_dim = pop.latents["area0"].shape[1]
    assert 1 <= latent_dim <= 3
    # noise-free: every profile lies in the span of its area's latents
    for area, latent in pop.latents.items():
        block = pop.X[:, pop.areas == area]
        coef, *_ = np.linalg.lstsq(latent, block, rcond=None)
        np.testing.assert_allclose(latent @ coef, block, atol=1e-8)
