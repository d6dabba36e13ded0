"""sklearn_brainmap on a Dask cluster: a LocalCluster of 2 worker processes on localhost,
started once for this module and closed at its end.

- ``Ridge.fit`` on a Dask ``y`` gives the coefficients, penalties and cross-validated
  scores of the in-memory fit (to 1e-10);
- targets that do not fit in one worker's memory limit are fitted all the same (the
  workers are killed by their nanny past 95 % of the limit, so a fit that gathered
  ``y`` on one worker would fail);
- a worker killed during a fit (by the task that computes one chunk of ``y``, once,
  deterministically) changes nothing: Dask recomputes what it held;
- ``PairwiseMapping`` and ``compare_transform_classes`` under joblib's Dask backend give
  the score matrices of the sequential run, with the population scattered once;
- ``brainmap --scheduler ADDRESS`` runs its jobs on that cluster.
"""

import logging
import os
import signal
import sys
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import KFold

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

import dask  # noqa: E402

from sklearn_brainmap import OneToOne, Ridge  # noqa: E402
from sklearn_brainmap.model_selection import (PairwiseMapping,  # noqa: E402
                                              compare_transform_classes)
from sklearn_brainmap.utils import ConstantUnitWarning  # noqa: E402

#: Each worker is terminated by its nanny past 95 % of this (its baseline is about
#: 210 MiB once NumPy, SciPy, scikit-learn and sklearn_brainmap are imported).
MEMORY_LIMIT = 320 * 2**20
ALPHAS = np.logspace(-2, 5, 8)


@pytest.fixture(scope="module")
def client():
    # the workers import this module's helpers by value: they need not find the file
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    # Neither spilling to disk nor pausing (a paused worker waits for memory that may
    # never be freed: a hang): past the limit the nanny kills the worker, so a fit that
    # needs more than the limit on one worker fails.
    memory = {f"distributed.worker.memory.{key}": False
              for key in ("target", "spill", "pause")}
    with dask.config.set(memory):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=":0", memory_limit=MEMORY_LIMIT,
            silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture
def cluster_client(client):
    """The module's client, with both workers up (a previous test may have killed one)."""
    client.wait_for_workers(2, timeout=30)
    return client


def _data(n, p, t, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    # targets of every predictability: the chosen penalties spread over the grid
    Y = (X @ rng.standard_normal((p, t))) * rng.uniform(0, 1, t) + rng.standard_normal((n, t))
    Y[:, 3] = 2.5  # a constant target
    return X, Y


def _assert_same_fit(on_dask, in_memory):
    assert_array_equal(on_dask.alpha_, in_memory.alpha_)
    assert_allclose(np.asarray(on_dask.coef_), in_memory.coef_, rtol=0, atol=1e-10)
    assert_allclose(on_dask.intercept_, in_memory.intercept_, rtol=0, atol=1e-10)
    if hasattr(in_memory, "cv_scores_"):
        assert_allclose(on_dask.cv_scores_, in_memory.cv_scores_, rtol=0, atol=1e-10)


def _fit_both(params, X, Y, chunks):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        in_memory = Ridge(**params).fit(X, Y)
        on_dask = Ridge(**params).fit(X, da.from_array(Y, chunks=chunks))
    return on_dask, in_memory


@pytest.mark.parametrize("shape", [(60, 90), (150, 25)], ids=["dual", "primal"])
@pytest.mark.parametrize("params", [
    {"cv": None},
    {"cv": KFold(4, shuffle=True, random_state=0)},
    {"cv": 3, "alpha_per_target": False},
], ids=["loo", "kfold", "one-alpha"])
def test_ridge_on_the_cluster_equals_in_memory(cluster_client, shape, params):
    X, Y = _data(*shape, 310)
    # uneven chunks along targets, and a chunking along stimuli that the fit merges
    on_dask, in_memory = _fit_both({"alpha": ALPHAS, **params}, X, Y,
                                   chunks=(shape[0] // 2, (100, 100, 64, 46)))
    assert isinstance(on_dask.coef_, np.ndarray)
    _assert_same_fit(on_dask, in_memory)
    # the test compares real choices: spread over the grid, or inside it
    if params.get("alpha_per_target", True):
        assert np.unique(in_memory.alpha_).size > 2
    else:
        assert ALPHAS[0] < in_memory.alpha_[0] < ALPHAS[-1]


def test_ridge_coef_left_on_the_cluster_and_lazy_predict(cluster_client):
    X, Y = _data(80, 30, 200)
    on_dask, in_memory = _fit_both({"alpha": ALPHAS, "cv": 5, "dask_coef": "dask"}, X, Y,
                                   chunks=(-1, 50))
    assert isinstance(on_dask.coef_, da.Array)
    assert on_dask.coef_.chunks[0] == (50,) * 4  # chunked as y's targets
    _assert_same_fit(on_dask, in_memory)
    X_new = np.random.default_rng(1).standard_normal((40, 30))
    pred = on_dask.predict(da.from_array(X_new, chunks=(10, -1)))
    assert isinstance(pred, da.Array)
    assert_allclose(pred.compute(), in_memory.predict(X_new), rtol=0, atol=1e-10)


def _generated_targets(X, seed, block_info=None):
    """One chunk of targets, generated on the worker from its position (never gathered)."""
    start, stop = block_info[None]["array-location"][1]
    rng = np.random.default_rng([seed, start])
    W = rng.standard_normal((X.shape[1], stop - start))
    return X @ W + rng.standard_normal((X.shape[0], stop - start))


def test_targets_beyond_one_workers_memory_limit(cluster_client):
    n, p, t, chunk = 250, 10, 170_000, 5_000
    X = np.random.default_rng(2).standard_normal((n, p))
    Y = da.map_blocks(_generated_targets, X=X, seed=3, dtype=np.float64,
                      chunks=((n,), (chunk,) * (t // chunk)))
    assert Y.nbytes > MEMORY_LIMIT  # 340 MB of targets, 320 MiB per worker
    alphas = np.logspace(-1, 3, 3)
    workers = cluster_client.run(os.getpid)
    on_dask = Ridge(alpha=alphas, cv=None).fit(X, Y)
    # no worker went past its limit (the nanny would have replaced it: a new process)
    assert cluster_client.run(os.getpid) == workers
    assert on_dask.coef_.shape == (t, p) and np.all(np.isfinite(on_dask.coef_))
    # Each target's penalty and weights depend on that target alone, so the in-memory
    # fit of the first and of the last chunk, generated again in this process, is the
    # reference for those targets (the whole matrix is compared in the tests above).
    for cols in (slice(0, chunk), slice(t - chunk, t)):
        in_memory = Ridge(alpha=alphas, cv=None).fit(
            X, Y[:, cols].compute(scheduler="threads"))
        assert_array_equal(on_dask.alpha_[cols], in_memory.alpha_)
        assert_allclose(on_dask.coef_[cols], in_memory.coef_, rtol=0, atol=1e-10)
        assert_allclose(on_dask.intercept_[cols], in_memory.intercept_, rtol=0, atol=1e-10)
        assert_allclose(on_dask.cv_scores_[:, cols], in_memory.cv_scores_, rtol=0,
                        atol=1e-10)


def _population(n_subjects=3, n_units=8, n_stimuli=72, seed=0):
    rng = np.random.default_rng(seed)
    latent = {a: rng.standard_normal((n_stimuli, 4)) for a in ("V1", "V4")}
    blocks, subjects, areas = [], [], []
    for s in range(n_subjects):
        for a in ("V1", "V4"):
            blocks.append(latent[a] @ rng.standard_normal((4, n_units))
                          + 0.5 * rng.standard_normal((n_stimuli, n_units)))
            subjects += [s] * n_units
            areas += [a] * n_units
    return np.hstack(blocks), np.array(subjects), np.array(areas)


def test_pairwise_mapping_on_the_cluster_scatters_the_population_once(cluster_client,
                                                                     monkeypatch):
    X, subjects, areas = _population()
    train, test = np.arange(50), np.arange(50, 72)
    mapping = PairwiseMapping(Ridge(alpha=ALPHAS, cv=None), subjects=subjects, areas=areas)
    expected = mapping.fit(X[train]).score_matrix(X[test])

    scattered = []
    scatter = cluster_client.scatter

    def spy(data, *args, **kwargs):
        items = data if isinstance(data, (list, tuple)) else [data]
        scattered.extend((np.shape(a), kwargs.get("broadcast", False)) for a in items
                         if isinstance(a, np.ndarray))
        return scatter(data, *args, **kwargs)

    monkeypatch.setattr(cluster_client, "scatter", spy)
    X_train = np.ascontiguousarray(X[train])
    with joblib.parallel_config(backend="dask"):
        mapping = PairwiseMapping(Ridge(alpha=ALPHAS, cv=None), subjects=subjects,
                                  areas=areas, n_jobs=-1).fit(X_train)
    # one copy of the population for every worker, not one with each source's task
    assert scattered == [(X_train.shape, True)]
    assert len(mapping.estimators_) == 6
    assert_allclose(mapping.score_matrix(X[test]), expected, rtol=0, atol=1e-10)


def test_comparison_on_the_cluster_equals_the_sequential_run(cluster_client):
    X, subjects, areas = _population(seed=1)
    population = {"pre": X, "subjects": subjects, "areas": areas}
    candidates = {"Ridge": Ridge(alpha=ALPHAS, cv=None), "OneToOne": OneToOne()}
    cv = KFold(3, shuffle=True, random_state=0)
    expected = compare_transform_classes(candidates, population, responses=("pre",), cv=cv)
    with joblib.parallel_config(backend="dask"):
        result = compare_transform_classes(candidates, population, responses=("pre",),
                                           cv=cv, n_jobs=-1)
    assert result.matrices.keys() == expected.matrices.keys()
    for key, matrix in expected.matrices.items():
        assert_allclose(result.matrices[key], matrix, rtol=0, atol=1e-10)
    for row, row_expected in zip(result.summary(), expected.summary()):
        assert row["silhouette"] == pytest.approx(row_expected["silhouette"], abs=1e-10)


def test_brainmap_scheduler_option_runs_the_jobs_on_that_cluster(cluster_client, tmp_path,
                                                                 monkeypatch):
    from sklearn_brainmap._cli import _simulated, main

    seen = {}

    def run(args):  # stands in for the comparison: where would its jobs go?
        backend, _ = joblib.parallel.get_active_backend()
        seen["scheduler"] = backend.client.scheduler.address
        seen["workers"] = joblib.Parallel(n_jobs=-1)(
            joblib.delayed(os.getpid)() for _ in range(4))
        return 0

    monkeypatch.setattr(_simulated, "run", run)
    address = cluster_client.scheduler.address
    assert main(["--scheduler", address, "--output", str(tmp_path)]) == 0
    assert seen["scheduler"] == address
    assert set(seen["workers"]) <= set(cluster_client.run(os.getpid).values())
    seen.clear()
    monkeypatch.setenv("SKLEARN_BRAINMAP_SCHEDULER", address)  # or from the environment
    assert main(["--output", str(tmp_path)]) == 0
    assert seen["scheduler"] == address


def _killing_once(block, marker, block_info=None):
    """The identity, except that the task computing the third chunk kills its own worker
    process the first time it runs (the marker file remembers it)."""
    if block_info[None]["chunk-location"][1] == 2 and not os.path.exists(marker):
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return block


def test_worker_killed_mid_fit_gives_the_complete_result(cluster_client, tmp_path):
    X, Y = _data(70, 40, 240)
    marker = tmp_path / "killed"
    before = set(cluster_client.run(os.getpid).values())
    Y_dask = da.from_array(Y, chunks=(-1, 40)).map_blocks(_killing_once, marker=str(marker),
                                                          dtype=Y.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        on_dask = Ridge(alpha=ALPHAS, cv=5).fit(X, Y_dask)
        in_memory = Ridge(alpha=ALPHAS, cv=5).fit(X, Y)
    killed = int(marker.read_text())
    assert killed in before  # one of the workers died during the fit ...
    assert killed not in cluster_client.run(os.getpid).values()
    assert on_dask.coef_.shape == (240, 40)  # ... and every chunk was fitted
    _assert_same_fit(on_dask, in_memory)


def test_brainmap_scheduler_that_does_not_answer_is_an_error(tmp_path, capsys):
    from sklearn_brainmap._cli import main

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        status = main(["--scheduler", "tcp://127.0.0.1:9", "--output", str(tmp_path)])
    assert status == 2
    error = capsys.readouterr().err
    assert "brainmap: error:" in error and "tcp://127.0.0.1:9" in error
