import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_brainmap.utils import aggregate_unit_scores, columnwise_r2


@given(st.lists(st.integers(1, 6), min_size=1, max_size=6), st.integers(0, 2**16),
       st.sampled_from(["median", "mean"]))
def test_groups_equal_one_call_per_group(sizes, seed, aggregate):
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal(sum(sizes))
    scores[rng.uniform(size=scores.size) < 0.3] = np.nan
    grouped = aggregate_unit_scores(scores, aggregate, sizes=sizes)
    edges = np.cumsum([0, *sizes])
    each = [aggregate_unit_scores(scores[a:b], aggregate)
            for a, b in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(grouped, each, rtol=1e-12)


def test_undefined_units_are_left_out():
    assert aggregate_unit_scores([1.0, np.nan, 3.0, 10.0]) == 3.0
    assert aggregate_unit_scores([1.0, np.nan, 3.0], "mean") == 2.0
    assert np.isnan(aggregate_unit_scores([np.nan, np.nan]))
    # weights of undefined units are dropped
    assert aggregate_unit_scores([1.0, np.nan, 3.0], [1.0, 5.0, 3.0]) == pytest.approx(2.5)


@pytest.mark.parametrize("kwargs, message", [
    ({"aggregate": "Median"}, "must be one of"),
    ({"aggregate": [1.0, 2.0]}, "one per unit"),
    ({"sizes": [1, 1]}, "add up to 2"),
    ({"aggregate": [1.0, 1.0, 1.0], "sizes": [3]}, "cannot be combined"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        aggregate_unit_scores([1.0, 2.0, 3.0], **kwargs)


def test_weighted_r2_equals_repeated_rows():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((12, 3))
    pred = y + 0.3 * rng.standard_normal((12, 3))
    w = rng.integers(0, 4, 12)
    repeated = np.repeat(np.arange(12), w)
    np.testing.assert_allclose(columnwise_r2(y, pred, w),
                               columnwise_r2(y[repeated], pred[repeated]), rtol=1e-12)
