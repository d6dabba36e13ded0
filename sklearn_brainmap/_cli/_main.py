"""The ``brainmap`` command (also ``python -m sklearn_brainmap``): parse the arguments,
check the output folder, dispatch to a recipe."""

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

from .. import __version__
from ._report import log, run_record, setup_logging, write_json

#: The real datasets (``--dataset``); their recipes are in ``_datasets``.
DATASETS = ("henaff2021_v1", "cowley2023_v4", "coggan2024_fmri", "conwell2021_allen_rdms",
            "siegle2021_allen_neuropixels")


#: Upper bounds that keep a run finite: the comparison grows as subjects² (every pair
#: of profiles), and more worker processes than cores only add memory.
MAX_SUBJECTS = 100
MAX_NEURONS = 10_000
MAX_FOLDS = 100


def _bounded_int(minimum, maximum=None, why=""):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}{why}, got {value}")
        return value
    return parse


def _n_jobs(text):
    # bounded by this machine's cores; with --scheduler, -1 is every worker thread there
    cores = os.cpu_count() or 1
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    if value == -1 or 1 <= value <= cores:
        return value
    raise argparse.ArgumentTypeError(f"must be -1 (all cores) or between 1 and the "
                                     f"{cores} cores of this machine, got {value}")


def _gain(text):
    if text.lower() in ("none", "inf"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'none', got {text!r}")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _output(text):
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "must name a folder, got an empty path (it would write into the current "
            "folder; give --output . for that)")
    return Path(text)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="brainmap",
        description=(
            "Compare transform classes (mappings between representations) on a simulated "
            "population of networks trained from different seeds: same-area "
            "predictivity and specificity (silhouette of areas), for pre- and "
            "post-activation responses, with cross-validation over stimuli. Prints a "
            "table and writes results.csv, results.json and comparison.png."))
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {__version__} (sklearn_brainmap)")
    parser.add_argument("--subjects", default=5,
                        type=_bounded_int(2, MAX_SUBJECTS, " (the work grows as its "
                                                           "square)"),
                        help="networks (training seeds) in the population (default 5)")
    parser.add_argument("--architecture", choices=["cnn", "mlp"], default="cnn",
                        help="the simulated subjects: small convolutional networks "
                             "trained contrastively on natural-like images, recorded "
                             "at the central hypercolumn (cnn, default), or the fast "
                             "multilayer perceptrons on 8x8 digits (mlp)")
    parser.add_argument("--sampling", choices=["hypercolumn", "random"], default=None,
                        help="cnn: record each layer's central hypercolumn (default) or "
                             "as many units at random positions")
    parser.add_argument("--images", default=None, metavar="SOURCE",
                        help="cnn: dead_leaves (default, generated), sample "
                             "(scikit-learn's two photographs; needs Pillow) or a folder "
                             "of PNG/JPEG/.npy images (relative to --data-home)")
    parser.add_argument("--refresh", action="store_true",
                        help="rebuild the populations even if they are cached in the "
                             "data home")
    parser.add_argument("--neurons", type=_bounded_int(2, MAX_NEURONS), default=None,
                        help="recorded units per subject and area (default: cnn, the "
                             "whole hypercolumn; mlp, 50, or 20 with --quick)")
    parser.add_argument("--activation", choices=["relu", "softplus", "both"],
                        default="both", help="network activation (default both)")
    parser.add_argument("--noise-gain", type=_gain, default=20.0,
                        help="noise gain: variance = mean / gain; 'none' for noise-free "
                             "(default 20)")
    parser.add_argument("--folds", type=_bounded_int(2, MAX_FOLDS), default=5,
                        help="cross-validation folds over stimuli (default 5)")
    parser.add_argument("--n-jobs", type=_n_jobs, default=-1,
                        help="parallel jobs over the comparison's cells, recording × "
                             "transform class (joblib; default -1 = all cores; 1 = "
                             "sequential)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        default=os.environ.get("SKLEARN_BRAINMAP_SCHEDULER") or None,
                        help="run the parallel jobs on the Dask cluster whose scheduler "
                             "is at ADDRESS (e.g. tcp://10.0.0.5:8786; --n-jobs -1 is "
                             "then every worker thread); default "
                             "$SKLEARN_BRAINMAP_SCHEDULER, else this machine's cores. "
                             "Needs pip install \"sklearn_brainmap[dask]\"")
    parser.add_argument("--bootstraps", type=_bounded_int(0, 100_000), default=1000,
                        help="resamples of subjects and test stimuli for the 95 %% "
                             "confidence intervals and paired tests of the comparison, "
                             "and of mice and scenes for --dataset "
                             "siegle2021_allen_neuropixels (default 1000; 0 = the "
                             "spread over folds only, no intervals)")
    parser.add_argument("--random-state", type=_bounded_int(0, 2**32 - 1), default=0,
                        help="seed of the populations and the folds (default 0)")
    parser.add_argument("--output", type=_output, default=Path("brainmap_output"),
                        help="folder for results.csv, results.json and comparison.png "
                             "(default ./brainmap_output)")
    parser.add_argument("--quick", action="store_true",
                        help="a small population and short training, for a smoke test")
    parser.add_argument("--dataset", action="append", metavar="NAME",
                        choices=[*DATASETS, "all"],
                        help="analyse real recordings instead of a simulation: "
                             f"{', '.join(DATASETS)} or all (repeatable)")
    parser.add_argument("--data-home", type=Path, default=None,
                        help="folder holding the datasets and the cached simulated "
                             "populations (default $SKLEARN_BRAINMAP_DATA, then "
                             "~/sklearn_brainmap_data)")
    return parser


def _check_output(parser, output):
    """Refuse an output folder that cannot be written, before any work starts."""
    if output.exists() and not output.is_dir():
        parser.error(f"--output {output} exists and is not a folder")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"--output {output} cannot be created: {exc.strerror}")
    if not os.access(output, os.W_OK | os.X_OK):
        parser.error(f"--output {output} is not writable")


def run_datasets(names, args):
    """Run the real-data recipes; print their tables; write datasets.json and figures."""
    from ._datasets import RECIPES

    summary = {}
    for name in names:
        start = time.perf_counter()
        recipe, takes = RECIPES[name]
        options = {option: value for option, value in (
            ("n_folds", args.folds), ("random_state", args.random_state),
            ("n_bootstraps", args.bootstraps)) if option in takes}
        try:
            text, rows, figures = recipe(args.data_home, args.output, **options)
        except FileNotFoundError as exc:
            print(f"brainmap: {exc}", file=sys.stderr)
            return 1
        print(f"\n== {name} ==\n{text}")
        summary[name] = rows
        shown = ", ".join(map(str, figures)) or "none"
        print(f"({time.perf_counter() - start:.0f} s; figures: {shown})")
    # dataset names at the top level, beside the settings and versions of the run
    path = write_json(args.output / "datasets.json", {**run_record(args), **summary})
    print(f"\nWrote {path}")
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``, a scheduler's cancel), handled as Ctrl-C is."""


def _raise_terminated(signum, frame):
    raise _Terminated


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While the run lasts, SIGTERM raises :class:`_Terminated` in the main thread, so
    that the worker processes are stopped as on Ctrl-C (Python's default for SIGTERM
    ends the process at once and leaves loky's workers running for minutes, holding
    the caller's stdout open)."""
    if threading.current_thread() is not threading.main_thread():
        yield   # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_workers():
    """End the worker processes of joblib's process pool (an interrupted run must not
    leave them behind)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True, kill_workers=True)


def _parallel(scheduler):
    """The joblib parallelism of the run: this machine's processes, or the Dask cluster
    at ``scheduler`` (:func:`~sklearn_brainmap.utils.dask_parallel`)."""
    if scheduler is None:
        return contextlib.nullcontext()
    from ..utils import dask_parallel

    log(f"Dask scheduler: {scheduler}")
    return dask_parallel(scheduler)


def main(argv=None):
    """Run the command; returns the exit status (0 done, 1 missing data, 2 bad input,
    130 interrupted, 143 terminated)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_output(parser, args.output)
    setup_logging()
    try:
        with _sigterm_as_interrupt(), _parallel(args.scheduler):
            if args.dataset:
                names = (DATASETS if "all" in args.dataset
                         else list(dict.fromkeys(args.dataset)))
                return run_datasets(names, args)
            from ._simulated import run

            return run(args)
    except ImportError as exc:
        if args.scheduler is None:
            raise
        # --scheduler without dask installed: the message says what to install
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        _stop_workers()
        terminated = isinstance(exc, _Terminated)
        print(f"brainmap: {'terminated' if terminated else 'interrupted'}",
              file=sys.stderr)
        return 143 if terminated else 130
    except (ValueError, OSError) as exc:
        # bad input found by the library (a layer narrower than --neurons, a corrupt
        # data file, more folds than stimuli): its message, no traceback
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
