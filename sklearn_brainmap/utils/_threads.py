"""BLAS thread control: when loops of small products and large decompositions run on one
thread (threadpoolctl, one cached controller)."""

import contextlib
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, validate_params

# Below this many floating-point operations per matrix product, BLAS threads cost more
# than they save (thread wake-up and synchronisation; far worse when another process
# holds a core), so loops of such products run on one thread.
_SMALL_PRODUCT_FLOPS = 5e7


@functools.cache
def _blas_controller():
    # finding the loaded libraries takes milliseconds; asking a found one for its
    # thread count takes microseconds
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController().select(user_api="blas")


def one_blas_thread():
    """Context manager: BLAS limited to one thread (every loaded BLAS library).

    Uses one cached :class:`threadpoolctl.ThreadpoolController`: building a new one
    (what ``threadpool_limits`` does) scans the loaded libraries, about 3 ms per call,
    which small fits in loops paid every time.
    """
    return _blas_controller().limit(limits=1)


def blas_threads_for(flops_per_product, threshold=_SMALL_PRODUCT_FLOPS):
    """Context manager: one BLAS thread for loops of small products, else unchanged.

    Products of fewer than ``threshold`` floating-point operations run on one thread.
    """
    if flops_per_product >= threshold:
        return contextlib.nullcontext()
    return one_blas_thread()


def blas_thread_count():
    """Threads the loaded BLAS would use now (the fewest over the loaded libraries).

    1 inside :func:`one_blas_thread`, so code that splits work over this many threads
    stays sequential when it is itself run in parallel.
    """
    counts = [info["num_threads"] for info in _blas_controller().info()]
    return max(1, min(counts)) if counts else 1


@validate_params(
    {"n_elements": [Interval(Integral, 0, None, closed="left")],
     "threshold": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def lapack_threads_for(n_elements, threshold=2**16):
    """Context manager: one BLAS thread for a large LAPACK decomposition, else unchanged.

    On this project's shared 2-core machines, ``eigh``, ``svd`` and ``qr`` with two
    threads ran 3–15× slower than with one whenever another process held a core
    (threads waiting on each other); matrix products do not suffer and keep all
    threads. Decompositions of fewer than ``threshold`` elements skip the switch (it
    costs about a millisecond).
    """
    return one_blas_thread() if n_elements >= threshold else contextlib.nullcontext()


def run_blocks(solve, blocks, workers, flops_per_target, *, threshold=_SMALL_PRODUCT_FLOPS):
    """``[solve(block) for block in blocks]`` (slices of targets), in ``workers`` threads.

    One worker: each block's products on one BLAS thread when they are small
    (``flops_per_target × block size`` below ``threshold``, :func:`blas_threads_for`).
    Several: one BLAS thread each (the BLAS limit is process-wide), every task in a
    copy of the caller's context (NumPy's error state).
    """
    if workers == 1:
        solutions = []
        for block in blocks:
            with blas_threads_for(flops_per_target * (block.stop - block.start),
                                  threshold=threshold):
                solutions.append(solve(block))
        return solutions
    with one_blas_thread(), ThreadPoolExecutor(workers) as pool:
        tasks = [pool.submit(contextvars.copy_context().run, solve, block)
                 for block in blocks]
        return [task.result() for task in tasks]
