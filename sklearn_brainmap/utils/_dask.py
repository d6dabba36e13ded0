"""Dask, optional: recognising Dask arrays without importing Dask, joblib's Dask backend
for the population analyses, and the population scattered once to every worker.

Dask is never imported at ``import sklearn_brainmap``: an array can only be a Dask array
when ``dask.array`` is already imported, so :func:`is_dask_array` looks in
``sys.modules``, and the functions that need Dask import it when called, with an
``ImportError`` that names the extra to install.
"""

import contextlib
import sys
import uuid

import joblib
from sklearn.utils._param_validation import validate_params

#: What to install for the Dask paths (the ``dask`` extra of the package).
DASK_EXTRA = 'pip install "sklearn_brainmap[dask]"  (or: pip install "dask[distributed]")'


def import_dask(what, *, distributed=False):
    """Import ``dask.array`` (and ``distributed``), or raise an ImportError naming the extra.

    Parameters
    ----------
    what : str
        What needs Dask, for the message (e.g. ``"Ridge.fit on a Dask array"``).
    distributed : bool, default=False
        Whether ``dask.distributed`` is needed too (a cluster, not only arrays).

    Returns
    -------
    module
        ``dask.array``.
    """
    try:
        import dask.array as da
        if distributed:
            import distributed as _  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{what} needs Dask, an optional dependency: {DASK_EXTRA}.") from exc
    return da


def is_dask_array(A):
    """Whether ``A`` is a :class:`dask.array.Array` (without importing Dask).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.utils._dask import is_dask_array
    >>> is_dask_array(np.zeros(3))
    False
    """
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(A, da.Array)


def default_client():
    """The default ``distributed.Client`` of this process, or None (no client, or no
    ``distributed``: then Dask computes with its local scheduler)."""
    if "distributed" not in sys.modules:  # no client can exist without the import
        return None
    from distributed import default_client as get_default

    try:
        return get_default()
    except ValueError:
        return None


def _scatter(design, client):
    """``design`` on every worker (a reference in each task), or in the local graph."""
    import dask

    if client is not None:
        # in a list: a (named) tuple given alone would be scattered element by element
        [future] = client.scatter([design], broadcast=True, hash=False)
        return future
    # traverse=False: a named tuple of arrays is one object, not a collection to unpack
    return dask.delayed(design, name=f"design-{uuid.uuid4().hex}", traverse=False)


def _as_completed(tasks, columns, client):
    """Yield ``(columns, result)`` of each task as it completes (any order)."""
    import dask

    if client is None:
        yield from zip(columns, dask.compute(*tasks))
        return
    from distributed import as_completed

    futures = client.compute(tasks)
    index = {f.key: i for i, f in enumerate(futures)}
    for future, result in as_completed(futures, with_results=True):
        yield columns[index[future.key]], result
        future.release()


def _without(result, name):
    return result._replace(**{name: None})


def map_target_chunks(fn, design, Y, *args, keep=None):
    """Run ``fn(design, Y_chunk, *args, first=j)`` on every chunk of targets of ``Y``.

    The stage of an algorithm whose targets are independent once a design of ``X`` is
    prepared (ridge, banded ridge), mapped over the chunks of targets (columns) of a
    Dask array on the Dask workers: the design is sent to every worker once (scattered
    with the default ``distributed`` client; one node of the graph with Dask's local
    scheduler), each task reads one chunk of ``Y`` (chunks along stimuli are merged
    first), and ``first`` is the index of the chunk's first target (for messages).

    Parameters
    ----------
    fn : callable
        ``fn(design, Y_chunk, *args, first=j)``, returning a named tuple.
    design : object
        What every chunk needs (picklable: a named tuple of arrays).
    Y : dask.array.Array of shape (n_samples, n_targets)
    *args
        Further arguments of ``fn`` (small: they travel with every task).
    keep : (str, tuple, dtype) or None, default=None
        ``(name, row_shape, dtype)``: the field ``name`` of every result (an array with
        one row of shape ``row_shape`` per target) stays on the cluster, persisted, as
        one Dask array concatenated along targets, and the results come back with
        ``None`` in its place.

    Returns
    -------
    results : iterator of (slice, result)
        The columns of ``Y`` of each chunk and its result, as the tasks complete.
    kept : dask.array.Array or None
        The field ``keep`` names, of all targets.
    """
    import dask
    import dask.array as da
    import numpy as np

    if len(Y.chunks[0]) > 1:  # each task needs all stimuli of its targets
        Y = Y.rechunk({0: -1})
    starts = np.cumsum((0,) + Y.chunks[1]).tolist()
    columns = [slice(a, b) for a, b in zip(starts[:-1], starts[1:])]
    client = default_client()
    shared = _scatter(design, client)
    tasks = [dask.delayed(fn, pure=True)(shared, block, *args, first=cols.start)
             for block, cols in zip(Y.to_delayed().ravel(), columns)]
    if keep is None:
        return _as_completed(tasks, columns, client), None
    name, row_shape, dtype = keep
    tasks = dask.persist(*tasks)  # each chunk's result stays on its worker
    kept = da.concatenate(
        [da.from_delayed(dask.delayed(getattr)(task, name),
                         shape=(cols.stop - cols.start, *row_shape), dtype=dtype)
         for task, cols in zip(tasks, columns)], axis=0).persist()
    rest = dask.compute(*[dask.delayed(_without)(task, name) for task in tasks])
    return zip(columns, rest), kept


def _in_dask_worker():
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def scattered(*arrays):
    """Context manager: under joblib's Dask backend, ``arrays`` are on every worker.

    joblib's Dask backend, left to itself, sends each large argument to *one* worker per
    ``Parallel`` call, and other workers copy it from there; if that worker is lost, so
    are the data, and every task that needs them fails. Here the arrays (a population's
    recordings) are broadcast once to every worker before the tasks are submitted, and
    the tasks receive references to them, not copies (joblib's ``scatter=`` argument).
    Under any other backend, or inside a Dask worker (nested parallelism, where joblib's
    own handling applies), nothing changes.

    Parameters
    ----------
    *arrays : ndarray
        The arrays that the tasks of the ``Parallel`` calls inside receive, as the very
        same objects (they are matched by identity).
    """
    backend, _ = joblib.parallel.get_active_backend()
    if type(backend).__module__ != "joblib._dask" or not arrays or _in_dask_worker():
        yield
        return
    unique = list({id(a): a for a in arrays}.values())
    # a new backend on the same client, configured as the user's, plus the scatter
    with joblib.parallel_config(backend="dask", client=backend.client, scatter=unique,
                                wait_for_workers_timeout=backend.wait_for_workers_timeout,
                                **backend.submit_kwargs):
        yield


@validate_params({"scheduler": [str, None]}, prefer_skip_nested_validation=True)
@contextlib.contextmanager
def dask_parallel(scheduler=None):
    """Context manager: the joblib parallelism of sklearn_brainmap runs on a Dask cluster.

    Inside, ``PairwiseMapping(n_jobs=...)``, ``compare_transform_classes(n_jobs=...)``
    (and scikit-learn's own ``n_jobs``) submit their tasks to the Dask scheduler at
    ``scheduler`` through joblib's Dask backend (``n_jobs=-1``: every thread of every
    worker). The population is sent to every worker once per fit, not with every task.
    The client is closed on exit; the cluster keeps running.

    Parameters
    ----------
    scheduler : str, default=None
        The scheduler's address, e.g. ``"tcp://10.0.0.5:8786"`` (what
        ``dask scheduler`` prints, or ``cluster.scheduler_address``). ``None``: the
        address in Dask's configuration (the ``DASK_SCHEDULER_ADDRESS`` environment
        variable), else a new local cluster on this machine, closed on exit.

    Yields
    ------
    client : distributed.Client
        The connected client (its ``dashboard_link`` shows the tasks).

    Raises
    ------
    ImportError
        When ``dask[distributed]`` is not installed (the message says what to install).
    OSError
        When no scheduler answers at ``scheduler`` within Dask's connect timeout.

    See Also
    --------
    joblib.parallel_config : ``parallel_config(backend="dask")``, what this enters.

    Examples
    --------
    >>> from sklearn_brainmap.utils import dask_parallel
    >>> with dask_parallel("tcp://10.0.0.5:8786"):  # doctest: +SKIP
    ...     result = compare_transform_classes(candidates, population, n_jobs=-1)
    """
    import_dask("dask_parallel", distributed=True)
    from distributed import Client

    with Client(scheduler, set_as_default=True) as client:
        with joblib.parallel_config(backend="dask", client=client):
            yield client
