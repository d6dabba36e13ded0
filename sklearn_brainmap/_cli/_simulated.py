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
           "predictivity_sd", "silhouette", "silhouette_sd", "seconds"]


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
                default_candidates(), population, cv=cv, n_jobs=args.n_jobs)
    elapsed = time.perf_counter() - start

    rows = [{"activation": activation, **row} for activation, result in results.items()
            for row in result.summary(folds=True)]
    print()
    printed = _printed(rows, args.folds)
    print(format_table(printed, right=list(printed[0])[3:]))
    print(f"± : standard deviation over the {args.folds} cross-validation folds "
          "(over stimuli); n/a: the class does not apply (RSA fits no mapping).")
    record = run_record(args, wall_time_s=round(elapsed, 1))
    paths = [write_csv(args.output / "results.csv", rows, COLUMNS),
             write_json(args.output / "results.json", {**record, "results": rows})]
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
                   f"bars: mean over folds; n/a: the class does not apply")
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


def _printed(rows, folds):
    """Rows of the printed table: mean ± sd over folds in one column each, headed by
    what the spread is; "n/a" where a class does not apply."""
    def pm(row, key):
        if row[key] is None:
            return "n/a"
        return f"{row[key]:.3f} ± {row[key + '_sd']:.3f}"

    spread = f"(± sd, {folds} folds)"
    return [{"activation": r["activation"], "responses": r["responses"],
             "transform class": r["transform_class"],
             f"predictivity {spread}": pm(r, "predictivity"),
             f"silhouette {spread}": pm(r, "silhouette"),
             "time (s)": f"{r['seconds']:.1f}"} for r in rows]
