"""``brainmap`` (no ``--dataset``): the papers' comparison on simulated populations.

For each activation a population of networks trained from different seeds is simulated
(:func:`~sklearn_brainmap.datasets.make_model_population`) and the transform classes
are compared on it (:func:`~sklearn_brainmap.model_selection.compare_transform_classes`);
the command prints the summary table and writes ``results.csv``, ``results.json`` and
``comparison.png``.
"""

import contextlib
import time
import warnings

from sklearn.model_selection import KFold

from ..datasets import _cnn, _mlp, make_model_population
from ..model_selection import compare_transform_classes, default_candidates
from ..plotting import ComparisonDisplay
from ..utils import ConstantUnitWarning
from ._report import (format_table, log, pyplot_or_none, run_record, save_figure,
                      write_csv, write_json)

COLUMNS = ["activation", "responses", "transform_class", "predictivity",
           "predictivity_sd", "predictivity_ci", "silhouette", "silhouette_sd",
           "silhouette_ci", "seconds"]


def run(args):
    """Run the comparison for each activation; print and write the results."""
    activations = ("relu", "softplus") if args.activation == "both" else (args.activation,)
    cnn = args.architecture == "cnn"
    if cnn:
        population_kwargs = dict(sampling=args.sampling, images=args.images)
        if args.quick:
            population_kwargs.update(n_stimuli=200, n_steps=20, hidden=(16, 32, 32))
    else:
        for option in ("sampling", "images"):
            if getattr(args, option) is not None:
                raise ValueError(f"--{option} applies to --architecture cnn only")
        population_kwargs = (dict(hidden=(48, 48), n_stimuli=200, n_epochs=10)
                             if args.quick else {})
    neurons = args.neurons or (20 if args.quick and not cnn else None)
    # checked before any training: every test fold needs 3 stimuli (RSA's RDM)
    n_stimuli = population_kwargs.get(
        "n_stimuli", (_cnn if cnn else _mlp).DEFAULTS["n_stimuli"])
    if n_stimuli // args.folds < 3:
        raise ValueError(
            f"--folds {args.folds} leaves test folds of {n_stimuli // args.folds} of the "
            f"{n_stimuli} stimuli; every fold needs at least 3 (an RDM of the test "
            f"stimuli): give --folds {n_stimuli // 3} or fewer.")
    start = time.perf_counter()
    results = {}
    with _constant_units_once():  # one warning for the run, not one per activation
        for activation in activations:
            began = time.perf_counter()
            population = make_model_population(
                args.subjects, architecture=args.architecture, n_neurons=neurons,
                activation=activation, noise_gain=args.noise_gain,
                random_state=args.random_state, data_home=args.data_home,
                refresh=args.refresh, **population_kwargs)
            trained = (f"training loss {population.loss[:, :5].mean():.2f} -> "
                       f"{population.loss[:, -5:].mean():.2f}" if cnn else
                       f"accuracy {population.accuracy.mean():.3f}")
            log(f"population ({activation}): {population.DESCR} {trained}; "
                f"{time.perf_counter() - began:.1f} s")
            n_stimuli = population.post.shape[0]
            cv = KFold(args.folds, shuffle=True, random_state=args.random_state)
            results[activation] = compare_transform_classes(
                default_candidates(), population, cv=cv, n_jobs=args.n_jobs,
                n_bootstraps=args.bootstraps, random_state=args.random_state)
    elapsed = time.perf_counter() - start

    rows = [{"activation": activation, **row} for activation, result in results.items()
            for row in result.summary(folds=True)]
    print()
    print(_header(args.bootstraps, args.folds))
    printed = _printed(rows, args.folds, args.bootstraps)
    print(format_table(printed, right=list(printed[0])[3:]))
    print("n/a: the class does not apply (RSA fits no mapping, so it has no predictivity).")
    differences = _differences(results) if args.bootstraps else []
    if differences:
        print("\nPaired differences from the mapping class with the highest silhouette "
              "(95 % interval; p: two-sided bootstrap, Holm-adjusted over the pairs of "
              "classes of each recording and score)")
        print(format_table(_printed_differences(differences)))
    record = run_record(args, wall_time_s=round(elapsed, 1))
    paths = [write_csv(args.output / "results.csv", rows, COLUMNS),
             write_json(args.output / "results.json",
                        {**record, "results": rows, "differences": differences})]
    plt = pyplot_or_none()
    if plt is not None:
        figure, axes = plt.subplots(len(results), 3, figsize=(16, 4.5 * len(results)),
                                    squeeze=False)
        for row_axes, (activation, result) in zip(axes, results.items()):
            ComparisonDisplay.from_result(result, title=activation, axes=row_axes)
        gain = "none (noise-free)" if args.noise_gain is None else args.noise_gain
        caption = (f"{args.subjects} simulated subjects ({args.architecture}), "
                   f"{n_stimuli} stimuli; {args.folds}-fold "
                   f"cross-validation over stimuli; noise gain {gain}; "
                   "bars: mean over folds; "
                   + (f"error bars: 95 % bootstrap interval ({args.bootstraps} resamples "
                      "of subjects and test stimuli); " if args.bootstraps else "")
                   + "n/a: the class does not apply")
        paths.append(save_figure(figure, args.output / "comparison.png", caption))
    print(f"\nWrote {', '.join(map(str, paths))} in {elapsed:.0f} s.")
    return 0


@contextlib.contextmanager
def _constant_units_once():
    """One ConstantUnitWarning for the whole run (each comparison warns once, and a
    run makes one per activation), with the counts summed; other warnings pass."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConstantUnitWarning)
        yield
    count = 0
    for w in caught:
        if issubclass(w.category, ConstantUnitWarning):
            count += getattr(w.message, "count", 1)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if count:
        # stacklevel 4: past contextlib's __exit__ and run(), at main's call of run
        warnings.warn(f"Constant units were met in {count} fits or scorings of this run: "
                      "their scores are undefined and were left out of the aggregates.",
                      ConstantUnitWarning, stacklevel=4)


def _header(n_bootstraps, folds):
    """What the printed intervals are."""
    if not n_bootstraps:
        return (f"mean ± standard deviation over the {folds} cross-validation folds (a "
                "spread, not a confidence interval: folds share subjects and stimuli)")
    return (f"mean over folds [95 % confidence interval: bootstrap over subjects and test "
            f"stimuli, {n_bootstraps} resamples, Schütt et al. 2023's two-factor "
            "correction; RSA over subjects only]")


def _differences(results):
    """Every pair of classes on each recording: paired differences with intervals."""
    out = []
    for activation, result in results.items():
        for responses, a in result.cells():
            for _, b in [c for c in result.cells() if c[0] == responses and c[1] != a]:
                for metric, d in result.compare(a, b, responses).items():
                    if d is not None:
                        out.append({"activation": activation, "responses": responses,
                                    "class_a": a, "class_b": b, "metric": metric, **d})
    return out


def _printed_differences(differences):
    """Differences from the transform class (a mapping: it has a predictivity) with the
    highest silhouette of each (activation, recording)."""
    silhouette, mapping = {}, set()
    for d in differences:
        key = (d["activation"], d["responses"])
        if d["metric"] == "predictivity":
            mapping.add((*key, d["class_a"]))
        else:  # silhouette(a) = silhouette(b) + difference, for any b
            silhouette.setdefault(key, {}).setdefault(d["class_a"], []).append(
                d["difference"])
    best = {key: max((c for c in by_class if (*key, c) in mapping),
                     key=lambda c: sum(by_class[c]), default=None)
            for key, by_class in silhouette.items()}
    rows = []
    for d in differences:
        if best.get((d["activation"], d["responses"])) == d["class_a"]:
            low, high = d["confidence_interval"]
            rows.append({"activation": d["activation"], "responses": d["responses"],
                         "difference": f"{d['class_a']} − {d['class_b']}",
                         "metric": d["metric"],
                         "Δ [95 % CI]": f"{d['difference']:.3f} [{low:.3f}, {high:.3f}]",
                         "p (Holm)": f"{d['p_value_holm']:.3g}"})
    return rows


def _printed(rows, folds, n_bootstraps):
    """Rows of the printed table: the mean over folds with its bootstrap interval, or
    ± the standard deviation over folds without a bootstrap; "n/a" where a class does
    not apply. The column headers say which."""
    def pm(row, key):
        if row[key] is None:
            return "n/a"
        if row.get(key + "_ci"):
            low, high = row[key + "_ci"]
            return f"{row[key]:.3f} [{low:.3f}, {high:.3f}]"
        return f"{row[key]:.3f} ± {row[key + '_sd']:.3f}"

    spread = "[95 % CI]" if n_bootstraps else f"(± sd, {folds} folds)"
    return [{"activation": r["activation"], "responses": r["responses"],
             "transform class": r["transform_class"],
             f"predictivity {spread}": pm(r, "predictivity"),
             f"silhouette {spread}": pm(r, "silhouette"),
             "time (s)": f"{r['seconds']:.1f}"} for r in rows]
