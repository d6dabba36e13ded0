"""Run the benchmark suites and write a markdown report.

Usage::

    python benchmarks/run.py                     # every suite, full sizes
    python benchmarks/run.py ridge --quick       # one suite, small sizes only
    python benchmarks/run.py ridge --out benchmarks/results/ridge.md
    python benchmarks/run.py glm --blas-threads 1   # every contender on one BLAS thread
    python benchmarks/run.py gpu                 # array-API dispatch on PyTorch (CUDA if seen)

The ``gpu`` suite runs only when named (it needs PyTorch, and a GPU for its real rows);
it records the device, driver and library versions in the report's header.

Each suite is a module ``benchmarks/bench_<name>.py`` with a function
``comparisons(quick: bool) -> list[Comparison]``. Install the peers with the ``bench``
extra (``pip install -e ".[bench]"``).
"""

import argparse
import contextlib
import importlib
import os
import sys
from pathlib import Path

if "gpu" in sys.argv[1:]:
    # scikit-learn's array-API dispatch needs SciPy's array-API mode, read when SciPy
    # is first imported
    os.environ.setdefault("SCIPY_ARRAY_API", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # the checkout being benchmarked, not an installed copy

from _harness import machine_info, markdown, run  # noqa: E402

#: Suites run only when named: they need optional hardware or libraries.
ON_REQUEST = ("gpu",)


def main(argv=None):
    suites = sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    default = [s for s in suites if s not in ON_REQUEST]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suites", nargs="*", choices=suites + [[]], default=default,
                        metavar="SUITE", help=f"any of {', '.join(suites)} (default: all "
                        f"but {', '.join(ON_REQUEST)})")
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write the markdown report here")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit every contender to this many BLAS threads (on a "
                             "machine shared with other jobs, waiting BLAS threads can "
                             "distort small products by 10x or more)")
    args = parser.parse_args(argv)
    limit = contextlib.nullcontext()
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=args.blas_threads, user_api="blas")
    report = ["## Machine\n", machine_info(), ""]
    if args.blas_threads is not None:
        report.insert(2, f"- BLAS threads limited to {args.blas_threads} for every contender")
    with limit:
        for suite in args.suites or default:
            module = importlib.import_module(f"bench_{suite}")
            if hasattr(module, "header"):
                report.insert(2, module.header())
            done = []
            for comparison in module.comparisons(args.quick):
                print(f"{comparison.title} {comparison.size}", flush=True)
                done.append(run(comparison, repeats=args.repeats))
            report.append(markdown(done))
    text = "\n".join(report)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
