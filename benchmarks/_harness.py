"""Side-by-side timing of our estimators and the tools users would otherwise use.

A *comparison* is one problem size with several *contenders* (callables that do the same
job). Contenders run in one process, alternating in order from repeat to repeat, so that
drifts of the machine hit all of them alike; the report gives medians and ratios
(``theirs / ours``: above 1 means we are faster), peak memory traced separately (one
extra run under ``tracemalloc``, which sees NumPy's allocations), and an agreement check
of the results. Never use these numbers as timed assertions in tests.
"""

import gc
import os
import platform
import statistics
import subprocess
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Comparison:
    """One benchmark row group.

    Parameters
    ----------
    title : str
        What is compared, e.g. ``"Ridge, 20 penalties, per-target, 5-fold"``.
    size : str
        The problem size, e.g. ``"(1000, 4000, 10000)"``.
    ours : str
        Name of the contender that is ours (ratios are against it).
    contenders : dict of str -> callable
        Zero-argument callables; each returns its result (used by ``check``).
    check : callable, optional
        ``check(results: dict) -> str``: a short agreement statement (e.g. "same alpha for
        100 % of targets, max |Δcoef| 2e-13"); it should raise if results disagree.
    floor : str, optional
        Name of a contender that is the irreducible work (reported, not a competitor).
    memory : bool or collection of str
        Whether to trace peak memory (one extra run per contender), or the names of the
        contenders to trace (``tracemalloc`` slows pure-Python loops severalfold).
    extrapolate : dict of str -> float, optional
        Contenders timed on a subset of the work (e.g. a loop over 10 of 1000 targets):
        their times are multiplied by the factor, and the report says so.
    """

    title: str
    size: str
    ours: str
    contenders: dict
    check: Callable | None = None
    floor: str | None = None
    memory: bool | tuple = True
    extrapolate: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)


def machine_info():
    """BLAS, cores, versions and commit, for the header of a report."""
    import numpy as np

    lines = [f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, NumPy {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info

        blas = sorted({f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads, "
                       f"{i['filepath'].split('/')[-1]})" for i in threadpool_info()
                       if i["user_api"] == "blas"})
        lines.append("- BLAS: " + "; ".join(blas))
    except ImportError:
        lines.append("- BLAS: (install threadpoolctl to report it)")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        lines.append(f"- commit: {commit}{' (with uncommitted changes)' if dirty else ''}")
    except (OSError, subprocess.CalledProcessError):
        pass
    return "\n".join(lines)


def _time(fn, inner=1):
    """Seconds per call of ``fn`` (the mean of ``inner`` back-to-back calls)."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(inner):
        result = fn()
    return (time.perf_counter() - start) / inner, result


def _peak_memory(fn):
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(comparison, repeats=3, log=print):
    """Time every contender ``repeats`` times, alternating, and fill ``comparison.results``."""
    names = list(comparison.contenders)
    times = {name: [] for name in names}
    outputs = {}
    inner = {}
    for name in names:  # warm-up; calls under 0.2 s are timed in batches of several
        seconds, outputs[name] = _time(comparison.contenders[name])
        inner[name] = max(1, min(50, int(0.2 / max(seconds, 1e-6))))
    for r in range(repeats):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            seconds, _ = _time(comparison.contenders[name], inner[name])
            seconds *= comparison.extrapolate.get(name, 1)
            times[name].append(seconds)
            log(f"  {comparison.size} {name}: {seconds:.3f} s")
    agreement = comparison.check(outputs) if comparison.check else ""
    del outputs
    peaks = {}
    if comparison.memory:
        for name in names:
            if comparison.memory is True or name in comparison.memory:
                peaks[name] = _peak_memory(comparison.contenders[name])
    comparison.results = {"median": {n: statistics.median(t) for n, t in times.items()},
                           "spread": {n: (max(t) - min(t)) / statistics.median(t)
                                      for n, t in times.items()},
                           "peak": peaks, "agreement": agreement, "repeats": repeats}
    return comparison


def markdown(comparisons):
    """A markdown table per title: median seconds, ratio theirs/ours, peak memory."""
    out = []
    for title in dict.fromkeys(c.title for c in comparisons):
        rows = [c for c in comparisons if c.title == title]
        out.append(f"### {title}\n")
        out.append("| size | contender | median s | ratio (this / ours) | peak memory | "
                   "spread | agreement |")
        out.append("|---|---|---|---|---|---|---|")
        for c in rows:
            res = c.results
            ours = res["median"][c.ours]
            for name, med in res["median"].items():
                ratio = "—" if name == c.ours else f"{med / ours:.2f}×"
                label = f"**{name}**" if name == c.ours else (
                    f"{name} (floor)" if name == c.floor else name)
                if name in c.extrapolate:
                    label += (f" (timed on 1/{c.extrapolate[name]:g} of the work, "
                              f"×{c.extrapolate[name]:g}; memory of that part)")
                peak = res["peak"].get(name)
                peak = f"{peak / 2**30:.2f} GiB" if peak is not None else "—"
                agreement = res["agreement"] if name == c.ours else ""
                out.append(f"| {c.size} | {label} | {med:.3f} | {ratio} | {peak} | "
                           f"{res['spread'][name]:.0%} | {agreement} |")
        out.append("")
    return "\n".join(out)
