"""The generic Dask mapping of a per-block stage over the chunks of targets."""

from typing import NamedTuple

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_brainmap.utils._dask import map_target_chunks

da = pytest.importorskip("dask.array")


class Design(NamedTuple):
    weights: np.ndarray  # (n_samples,)


class Part(NamedTuple):
    projection: np.ndarray  # (n_chunk_targets, 2): one row per target
    total: np.ndarray       # (n_chunk_targets,)
    first: int


def stage(design, Y, scale, *, first):
    """A stand-in for a fit stage: per-target quantities of a block of targets."""
    total = design.weights @ Y * scale
    return Part(np.stack([total, Y[0]], axis=1), total, first)


def _data():
    rng = np.random.default_rng(0)
    return Design(rng.standard_normal(30)), rng.standard_normal((30, 23))


def test_every_chunk_once_with_its_columns_and_first_target():
    design, Y = _data()
    results, kept = map_target_chunks(stage, design, da.from_array(Y, chunks=(7, 5)), 2.0)
    assert kept is None
    seen = np.zeros(Y.shape[1], dtype=int)
    for cols, part in results:
        assert part.first == cols.start  # chunks along stimuli merged: whole columns
        assert_allclose(part.total, 2.0 * design.weights @ Y[:, cols], rtol=1e-12)
        seen[cols] += 1
    assert_array_equal(seen, 1)


def test_a_kept_field_stays_a_dask_array_in_target_order():
    design, Y = _data()
    results, kept = map_target_chunks(stage, design, da.from_array(Y, chunks=(-1, 6)),
                                      1.0, keep=("projection", (2,), np.float64))
    assert isinstance(kept, da.Array) and kept.shape == (23, 2)
    expected = np.stack([design.weights @ Y, Y[0]], axis=1)
    assert_allclose(kept.compute(), expected, rtol=1e-12)
    for cols, part in results:
        assert part.projection is None  # left on the cluster
        assert_allclose(part.total, expected[cols, 0], rtol=1e-12)
