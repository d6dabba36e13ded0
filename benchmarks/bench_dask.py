"""Dask: Ridge on a Dask array of targets on a ``distributed.LocalCluster`` of 2 worker
processes (1 thread each) against the in-memory fit on the same 2 cores.

Ridge, 19 default penalties, per-target 5-fold selection, float32:
``Ridge().fit(X, Y)`` with ``Y`` a NumPy array (2 BLAS threads) against ``Y`` a Dask array
chunked along targets and held on the workers (generated there and persisted before
timing, as data the workers had loaded would be). Full size (2,000 stimuli, 4,000
features, 100,000 targets); ``--quick``: 10,000 targets. The population's pairwise
matrix on the cluster is ``bench_dask_population``.

Peak memory per process: the harness traces the benchmark process (``tracemalloc``,
NumPy's allocations; for the Dask rows that is the client); the check adds each
worker's peak resident memory (``ru_maxrss``, over the whole run, persisted ``Y``
included) and its resident memory before the first fit.
"""

import atexit
import logging
import resource

import numpy as np

from _harness import Comparison

N_STIMULI, N_FEATURES, CHUNK = 2000, 4000, 5000


def cluster_client():
    """A LocalCluster of 2 worker processes × 1 thread on localhost, closed at exit."""
    import distributed

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=":0",
                                       memory_limit="10GiB", silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    atexit.register(cluster.close)
    atexit.register(client.close)
    client.run(__import__, "sklearn_brainmap")  # imports out of the timings
    return client


def _rss_gib(maximum):
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    if maximum:
        return usage
    import psutil

    return psutil.Process().memory_info().rss / 2**30


def _targets(X, block_info=None):
    """A chunk of targets, made on the worker from its position: a random readout of X
    scaled by a signal-to-noise ratio drawn per target, plus unit noise."""
    start, stop = block_info[None]["array-location"][1]
    rng = np.random.default_rng([7, start])
    t = stop - start
    W = rng.standard_normal((X.shape[1], t)).astype(X.dtype) / np.sqrt(X.shape[1])
    snr = rng.uniform(0, 2, t).astype(X.dtype)
    return (X @ W) * snr + rng.standard_normal((X.shape[0], t), dtype=X.dtype)


def _ridge_comparison(client, n_targets):
    import dask.array as da

    from sklearn_brainmap import Ridge

    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_STIMULI, N_FEATURES), dtype=np.float32)
    Y_dask = da.map_blocks(_targets, X=X, dtype=np.float32,
                           chunks=((N_STIMULI,), (CHUNK,) * (n_targets // CHUNK)))
    Y_dask = Y_dask.persist()  # on the workers, as if they had read it from storage
    Y = Y_dask.compute()
    idle = client.run(_rss_gib, False)

    def in_memory():
        return Ridge().fit(X, Y)

    def on_dask():
        return Ridge().fit(X, Y_dask)

    def check(results):
        ours, theirs = results["LocalCluster, 2 workers × 1 thread"], results["in memory"]
        same = np.mean(ours.alpha_ == theirs.alpha_)
        coef = np.asarray(ours.coef_)
        diff = np.max(np.abs(coef - theirs.coef_)) / np.max(np.abs(theirs.coef_))
        peaks = client.run(_rss_gib, True)
        return (f"same penalty for {same:.2%} of targets, max |Δcoef| / max |coef| "
                f"{diff:.1e} (float32); coef_ {type(ours.coef_).__module__.split('.')[0]}; "
                f"worker peak RSS {' / '.join(f'{v:.2f}' for v in peaks.values())} GiB "
                f"(before the first fit, Y persisted: "
                f"{' / '.join(f'{v:.2f}' for v in idle.values())} GiB)")

    size = f"({N_STIMULI}, {N_FEATURES}, {n_targets}) float32, chunks of {CHUNK} targets"
    return Comparison("Ridge on a Dask array of targets, 19 penalties, 5-fold, float32",
                      size, "LocalCluster, 2 workers × 1 thread",
                      {"LocalCluster, 2 workers × 1 thread": on_dask, "in memory": in_memory},
                      check=check)


def comparisons(quick):
    return [_ridge_comparison(cluster_client(), 10_000 if quick else 100_000)]
