import numpy as np
import pytest
from hypothesis import given, settings

from sklearn_brainmap import Ridge
from sklearn_brainmap.model_selection import PairwiseMapping
from sklearn_brainmap.testing import (check_permutation_invariance,
                                      check_rotation_invariance, check_scaling_invariance,
                                      check_symmetry, check_translation_invariance,
                                      populations, random_rotation, response_matrices)
from sklearn_brainmap.utils import constant_columns


@given(response_matrices(n_units=6, sparsity=0.5, n_constant=2, n_duplicated=1,
                         dtype=np.float32))
def test_response_matrices_have_the_structure_asked_for(X):
    assert X.dtype == np.float32 and X.shape[1] == 9
    assert (X >= 0).all()
    zeros = np.mean(X[:, :6] == 0)
    assert 0.3 < zeros < 0.7
    assert constant_columns(X)[6:8].all()
    assert any(np.array_equal(X[:, 8], X[:, j]) for j in range(8))


@given(response_matrices(n_stimuli=30, n_units=8, rank=2, sparsity=0))
def test_rank_is_respected(X):
    centred = X - X.mean(0)
    assert np.linalg.matrix_rank(centred, tol=1e-8 * np.abs(centred).max()) <= 2


@settings(max_examples=8)
@given(populations(n_subjects=3, n_areas=2, n_units=5, n_stimuli=60, noise=0.05))
def test_populations_have_separable_areas(pop):
    assert pop.X.shape == (60, 30)
    mapping = PairwiseMapping(Ridge(cv=None), subjects=pop.subjects,
                              areas=pop.areas).fit(pop.X[:45])
    assert mapping.score(pop.X[45:]) > 0.5


def linear_cka(X, Y):
    X, Y = X - X.mean(0), Y - Y.mean(0)
    return np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))


def first_unit_mean(X, Y):
    # not invariant to any of the checks: weighs every unit's mean and spread by its index
    weights = np.arange(1, X.shape[1] + 1)
    return float(weights @ (X.mean(0) + X.std(0)) - Y[:, 0].mean())


def test_checks_pass_for_an_invariant_measure_and_fail_for_one_that_is_not(rng):
    X, Y = rng.standard_normal((30, 5)), rng.standard_normal((30, 4))
    for check in (check_rotation_invariance, check_scaling_invariance,
                  check_translation_invariance, check_permutation_invariance,
                  check_symmetry):
        check(linear_cka, X, Y)
        seeded = {} if check in (check_scaling_invariance, check_symmetry) else \
            {"random_state": 0}
        with pytest.raises(AssertionError, match="first_unit_mean is not invariant"):
            check(first_unit_mean, X, Y, **seeded)


def test_random_rotation_is_orthogonal():
    Q = random_rotation(7, random_state=0)
    np.testing.assert_allclose(Q @ Q.T, np.eye(7), atol=1e-12)
    assert not np.allclose(Q, np.eye(7))
