"""The ``brainmap`` command (also ``python -m sklearn_brainmap``)."""

import argparse
import sys
import time
from pathlib import Path

from ._real_jobs import DATASETS


def _positive_int(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


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


def build_parser():
    parser = argparse.ArgumentParser(
        prog="brainmap",
        description=(
            "Compare transform classes (mappings between representations) on a simulated "
            "population of networks trained from different seeds: same-area "
            "predictivity and specificity (silhouette of areas), for pre- and "
            "post-activation responses, with cross-validation over stimuli. Prints a "
            "table and writes results.csv, results.json and comparison.png."))
    parser.add_argument("--subjects", type=_positive_int(2), default=5,
                        help="networks (training seeds) in the population (default 5)")
    parser.add_argument("--neurons", type=_positive_int(2), default=50,
                        help="recorded units per subject and area (default 50)")
    parser.add_argument("--activation", choices=["relu", "softplus", "both"],
                        default="both", help="network activation (default both)")
    parser.add_argument("--noise-gain", type=_gain, default=20.0,
                        help="noise gain: variance = mean / gain; 'none' for noise-free "
                             "(default 20)")
    parser.add_argument("--folds", type=_positive_int(2), default=5,
                        help="cross-validation folds over stimuli (default 5)")
    parser.add_argument("--n-jobs", type=int, default=-1,
                        help="parallel jobs over the comparison's cells, recording × "
                             "transform class (joblib; default -1 = all cores; 1 = "
                             "sequential)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--output", type=Path, default=Path("brainmap_output"),
                        help="folder for results.csv, results.json and comparison.png "
                             "(default ./brainmap_output)")
    parser.add_argument("--quick", action="store_true",
                        help="a small population and short training, for a smoke test")
    parser.add_argument("--dataset", action="append", metavar="NAME",
                        choices=[*DATASETS, "all"],
                        help="analyse real recordings instead of a simulation: "
                             f"{', '.join(DATASETS)} or all (repeatable)")
    parser.add_argument("--data-home", type=Path, default=None,
                        help="folder holding the datasets (default "
                             "$SKLEARN_BRAINMAP_DATA, then ~/sklearn_brainmap_data)")
    return parser


def run_datasets(names, args):
    """Run the real-data analyses; print their tables; write JSON and figures."""
    import json

    from ._real_jobs import ANALYSES, CROSS_VALIDATED

    args.output.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name in names:
        start = time.perf_counter()
        try:
            options = ({"n_folds": args.folds, "random_state": args.random_state}
                       if name in CROSS_VALIDATED else {})
            text, rows, figure = ANALYSES[name](args.data_home, args.output, **options)
        except FileNotFoundError as exc:
            print(f"brainmap: {exc}", file=sys.stderr)
            return 1
        print(f"\n== {name} ==\n{text}")
        summary[name] = rows
        print(f"({time.perf_counter() - start:.0f} s; figure: {figure})")
    path = args.output / "datasets.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"\nWrote {path}")
    return 0


def main(argv=None):
    """Run the comparison and write its outputs; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.output.exists() and not args.output.is_dir():
        parser.error(f"--output {args.output} exists and is not a folder")

    if args.dataset:
        names = DATASETS if "all" in args.dataset else list(dict.fromkeys(args.dataset))
        return run_datasets(names, args)

    from ._job import format_table, run_comparison, write_figure, write_tables

    start = time.perf_counter()
    activations = ("relu", "softplus") if args.activation == "both" else (args.activation,)
    population_kwargs = {}
    if args.quick:
        population_kwargs = dict(hidden=(48, 48), n_stimuli=200, n_epochs=10)
    neurons = min(args.neurons, 20) if args.quick else args.neurons
    results, _, labels = run_comparison(
        activations=activations, n_subjects=args.subjects, n_neurons=neurons,
        noise_gain=args.noise_gain, n_folds=args.folds, n_jobs=args.n_jobs,
        random_state=args.random_state, population_kwargs=population_kwargs)
    elapsed = time.perf_counter() - start
    print()
    print(format_table(results))
    args.output.mkdir(parents=True, exist_ok=True)
    meta = {**{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "wall_time_s": round(elapsed, 1)}
    paths = [*write_tables(results, args.output, meta),
             write_figure(results, labels, args.output)]
    print(f"\nWrote {', '.join(str(p) for p in paths if p)} in {elapsed:.0f} s.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
