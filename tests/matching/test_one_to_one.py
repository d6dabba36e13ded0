import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_brainmap import OneToOne
from sklearn_brainmap.utils import ConstantUnitWarning


@given(seed=st.integers(0, 2**16), n_units=st.integers(2, 30),
       noise=st.floats(0.0, 0.3))
def test_recovers_hidden_permutation(seed, n_units, noise):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((200, n_units))
    perm = rng.permutation(n_units)
    slope = rng.uniform(0.5, 5.0, n_units)
    offset = rng.uniform(-10, 10, n_units)
    Y = X[:, perm] * slope + offset + noise * slope * rng.standard_normal((200, n_units))
    model = OneToOne().fit(X, Y)
    np.testing.assert_array_equal(model.source_index_, perm)
    if noise == 0:
        np.testing.assert_allclose(model.coef_, slope, rtol=1e-10)
        np.testing.assert_allclose(model.intercept_, offset, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(model.predict(X), Y, rtol=1e-10, atol=1e-9)


def test_matches_brute_force_correlation_and_least_squares(rng):
    X = rng.standard_normal((80, 15)) * rng.uniform(0.1, 10, 15) + 3
    Y = X @ rng.standard_normal((15, 7)) + rng.standard_normal((80, 7))
    model = OneToOne().fit(X, Y)
    C = np.corrcoef(X.T, Y.T)[:15, 15:]
    np.testing.assert_array_equal(model.source_index_, np.argmax(C, axis=0))
    np.testing.assert_allclose(model.correlation_, C.max(0), rtol=1e-12)
    for j, i in enumerate(model.source_index_):
        slope, intercept = np.polyfit(X[:, i], Y[:, j], 1)
        assert model.coef_[j] == pytest.approx(slope, rel=1e-10)
        assert model.intercept_[j] == pytest.approx(intercept, rel=1e-10, abs=1e-10)


def test_highest_not_absolute_correlation(rng):
    x = rng.standard_normal(100)
    X = np.column_stack([-x, x + 0.5 * rng.standard_normal(100)])
    model = OneToOne().fit(X, x)
    assert model.source_index_ == 1


def test_ties_go_to_lowest_index(rng):
    X = rng.standard_normal((50, 6))
    X[:, 4] = X[:, 1]
    X[:, 5] = 3 * X[:, 1] + 2          # same correlation with everything
    Y = X[:, [1, 1]] + 0.1 * rng.standard_normal((50, 2))
    model = OneToOne().fit(X, Y)
    np.testing.assert_array_equal(model.source_index_, [1, 1])
    model32 = OneToOne().fit(X.astype(np.float32), Y.astype(np.float32))
    np.testing.assert_array_equal(model32.source_index_, [1, 1])


def test_blocked_computation_equals_single_block(rng, monkeypatch):
    import sklearn_brainmap.matching._kernels as kernels
    X = rng.standard_normal((40, 300))
    Y = X[:, rng.integers(0, 300, 50)] + 0.5 * rng.standard_normal((40, 50))
    full = OneToOne().fit(X, Y)
    orig = kernels.column_blocks
    monkeypatch.setattr(kernels, "column_blocks",
                        lambda n, rows, item, budget=0: orig(n, 1, 1, budget=7))
    blocked = OneToOne().fit(X, Y)
    np.testing.assert_array_equal(full.source_index_, blocked.source_index_)
    np.testing.assert_allclose(full.coef_, blocked.coef_, rtol=1e-12)


def test_constant_units(rng):
    X = rng.standard_normal((30, 4))
    X[:, 0] = 2.0
    Y = np.column_stack([-X[:, 1], np.full(30, 5.0), X[:, 3]])
    with pytest.warns(ConstantUnitWarning) as record:
        model = OneToOne().fit(X, Y)
    messages = " ".join(str(w.message) for w in record)
    assert "1 of 4 source" in messages and "1 of 3 target" in messages
    assert 0 not in model.source_index_
    assert model.coef_[1] == 0
    np.testing.assert_allclose(model.predict(X)[:, 1], 5.0)


def test_float32(rng):
    X = rng.standard_normal((60, 10))
    Y = X[:, [3, 7]] * 2 + 1
    model = OneToOne().fit(X.astype(np.float32), Y.astype(np.float32))
    assert model.predict(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_array_equal(model.source_index_, [3, 7])


def test_bad_input(rng):
    X = rng.standard_normal((30, 4))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        OneToOne().fit(X, X[:-1])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        OneToOne().fit(bad, X)
    with pytest.raises(ValueError, match="n_samples = 1"):
        OneToOne().fit(X[:1], X[:1])
    model = OneToOne().fit(X, X)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
