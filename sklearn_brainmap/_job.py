"""The main job: compare transform classes on a simulated population (the papers' test).

For each activation (ReLU, softplus) a population of networks trained from different
seeds is simulated (:func:`~sklearn_brainmap.datasets.make_model_population`); for pre-
and post-activation responses every transform class is fitted between every pair of
profiles with :class:`~sklearn_brainmap.model_selection.PairwiseMapping` on training
stimuli, and scored on held-out stimuli (K-fold over stimuli) for same-area
predictivity and specificity (silhouette).
"""

import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import KFold

from .model_selection import PairwiseMapping, predictivity_scorer, silhouette_scorer
from .utils import ConstantUnitWarning, classical_mds


@dataclass
class Candidate:
    """A transform class in the comparison.

    ``source`` is which recording the sources come from (``"same"`` as the targets, or
    ``"pre"``); ``responses`` the target recordings it applies to; ``specificity_only``
    marks similarity measures without predictions (RSA).
    """

    name: str
    make: object
    source: str = "same"
    responses: tuple = ("pre", "post")
    specificity_only: bool = False


def default_candidates():
    """The transform classes of the IATC comparison, from flexible to strict, and RSA."""
    from . import LinearNonlinear, LinearSoftplus, LogisticRidge, OneToOne, Ridge, SoftMatching
    from .metrics import rsa_score

    # The nonlinear classes model rectified, non-negative responses (a Poisson GLM even
    # requires them): they are compared on post-activation targets only.
    post = ("post",)
    return [
        Candidate("Ridge", Ridge),
        Candidate("LogisticRidge", LogisticRidge, responses=post),
        Candidate("LinearNonlinear", LinearNonlinear, responses=post),
        Candidate("LinearSoftplus", LinearSoftplus, responses=post),
        Candidate("Pre Linear Softplus", LinearSoftplus, source="pre", responses=post),
        Candidate("SoftMatching", SoftMatching),
        Candidate("OneToOne", OneToOne),
        Candidate("RSA", lambda: rsa_score, specificity_only=True),
    ]


@dataclass
class Result:
    """Scores of one transform class on one recording, over the folds."""

    activation: str
    responses: str
    name: str
    predictivity: list = field(default_factory=list)
    silhouette: list = field(default_factory=list)
    seconds: float = 0.0
    mean_matrix: object = None

    def row(self):
        def stats(values):
            if not values:
                return None, None
            return float(np.mean(values)), float(np.std(values))
        pred, pred_sd = stats(self.predictivity)
        sil, sil_sd = stats(self.silhouette)
        return {"activation": self.activation, "responses": self.responses,
                "transform_class": self.name, "predictivity": pred,
                "predictivity_sd": pred_sd, "silhouette": sil, "silhouette_sd": sil_sd,
                "seconds": round(self.seconds, 2)}


def evaluate(candidate, X, Y, subjects, areas, folds, n_jobs=None):
    """Cross-validated predictivity and silhouette of one candidate (one PairwiseMapping
    per fold; both scores from the same held-out score matrix)."""
    mapping = PairwiseMapping(candidate.make(), subjects=subjects, areas=areas,
                              n_jobs=n_jobs)
    matrices, preds, sils = [], [], []
    with warnings.catch_warnings():
        # dead or silent units are expected in small simulated populations
        warnings.simplefilter("ignore", ConstantUnitWarning)
        for train, test in folds:
            y_train = None if Y is X else Y[train]
            y_test = None if Y is X else Y[test]
            mapping.fit(X[train], y_train)
            matrices.append(mapping.score_matrix(X[test], y_test))
            sils.append(silhouette_scorer(mapping, X[test], y_test))
            if not candidate.specificity_only:
                preds.append(predictivity_scorer(mapping, X[test], y_test))
    return preds, sils, np.mean(matrices, axis=0), mapping


def _evaluate_task(activation, responses, candidate, pop, folds):
    """One (recording, class) cell of the comparison, timed; runs in a joblib worker."""
    start = time.perf_counter()
    Y = pop[responses]
    X = pop[candidate.source] if candidate.source != "same" else Y
    preds, sils, matrix, mapping = evaluate(candidate, X, Y, pop.subjects, pop.areas,
                                            folds)
    result = Result(activation, responses, candidate.name, preds, sils,
                    time.perf_counter() - start, matrix)
    return result, (mapping.profile_subjects_, mapping.profile_areas_)


def run_comparison(*, activations=("relu", "softplus"), n_subjects=5, n_neurons=50,
                   noise_gain=20.0, n_folds=5, n_jobs=None, random_state=0,
                   population_kwargs=None, candidates=None, log=None):
    """Run the comparison; returns (results, populations, profile labels).

    The cells of the comparison (recording × transform class, each cross-validated)
    are independent: ``n_jobs`` runs them in parallel with joblib (``-1``: all cores),
    each on one BLAS thread; results and progress come back in a fixed order.
    """
    from joblib import Parallel, delayed

    from .datasets import make_model_population

    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    candidates = candidates or default_candidates()
    populations, labels, tasks = {}, {}, []
    for activation in activations:
        start = time.perf_counter()
        pop = make_model_population(n_subjects, n_neurons=n_neurons, activation=activation,
                                    noise_gain=noise_gain, random_state=random_state,
                                    **(population_kwargs or {}))
        populations[activation] = pop
        log(f"population ({activation}): {pop.DESCR} accuracy "
            f"{pop.accuracy.mean():.3f}; {time.perf_counter() - start:.1f} s")
        folds = list(KFold(n_folds, shuffle=True, random_state=random_state)
                     .split(pop.post))
        tasks += [(activation, responses, candidate, pop, folds)
                  for responses in ("pre", "post") for candidate in candidates
                  if responses in candidate.responses]
    results = []
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    for step, (result, profile_labels) in enumerate(
            parallel(delayed(_evaluate_task)(*task) for task in tasks), start=1):
        labels[result.activation] = profile_labels
        results.append(result)
        row = result.row()
        pred = "   —  " if row["predictivity"] is None else f"{row['predictivity']:.3f}"
        log(f"[{step}/{len(tasks)}] {result.activation:<8} {result.responses:<4} "
            f"{result.name:<20} predictivity {pred}  silhouette "
            f"{row['silhouette']:.3f}  ({result.seconds:.1f} s)")
    return results, populations, labels


def format_table(results):
    """A plain-text table of the results, one line per (activation, responses, class)."""
    head = (f"{'activation':<10} {'responses':<9} {'transform class':<20} "
            f"{'predictivity':>14} {'silhouette':>15} {'time (s)':>9}")
    lines = [head, "-" * len(head)]
    for res in results:
        row = res.row()
        pred = "—" if row["predictivity"] is None else \
            f"{row['predictivity']:.3f} ± {row['predictivity_sd']:.3f}"
        sil = f"{row['silhouette']:.3f} ± {row['silhouette_sd']:.3f}"
        lines.append(f"{row['activation']:<10} {row['responses']:<9} "
                     f"{row['transform_class']:<20} {pred:>14} {sil:>15} "
                     f"{row['seconds']:>9.1f}")
    return "\n".join(lines)


def write_tables(results, directory, meta):
    """Write ``results.csv`` and ``results.json`` (with per-fold scores and the run's
    settings) into ``directory``; return their paths."""
    import csv
    import json

    rows = [res.row() for res in results]
    csv_path = directory / "results.csv"
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    json_path = directory / "results.json"
    detail = [{**row, "predictivity_folds": res.predictivity,
               "silhouette_folds": res.silhouette} for row, res in zip(rows, results)]
    json_path.write_text(json.dumps({"settings": meta, "results": detail}, indent=2))
    return csv_path, json_path


def write_figure(results, labels, directory):
    """Bar charts of predictivity and silhouette per class, and an MDS embedding of the
    profiles (Ridge, post-activation) coloured by area, one row per activation.

    Returns the path, or None (with a message) when matplotlib is not installed.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure (pip install 'sklearn_brainmap[plot]')",
              file=sys.stderr)
        return None
    activations = list(dict.fromkeys(r.activation for r in results))
    fig, axes = plt.subplots(len(activations), 3, figsize=(16, 4.5 * len(activations)),
                             squeeze=False)
    for row, activation in zip(axes, activations):
        mine = [r for r in results if r.activation == activation]
        names = list(dict.fromkeys(r.name for r in mine))
        for ax, metric in zip(row[:2], ("predictivity", "silhouette")):
            for k, responses in enumerate(("pre", "post")):
                values = []
                for name in names:
                    match = [getattr(r, metric) for r in mine
                             if r.name == name and r.responses == responses]
                    values.append(np.mean(match[0]) if match and match[0] else np.nan)
                ax.bar(np.arange(len(names)) + (k - 0.5) * 0.4, values, width=0.4,
                       label=f"{responses}-activation targets")
            ax.set_xticks(np.arange(len(names)), names, rotation=35, ha="right")
            ax.set_ylabel("same-area predictivity (median R²)" if metric == "predictivity"
                          else "silhouette (areas)")
            ax.set_title(f"{activation}: {metric}")
            ax.axhline(0, color="k", lw=0.5)
            ax.legend(fontsize=8)
        ridge = [r for r in mine if r.name == "Ridge" and r.responses == "post"]
        ax = row[2]
        if ridge:
            S = (ridge[0].mean_matrix + ridge[0].mean_matrix.T) / 2
            D = np.maximum(1 - S, 0)
            np.fill_diagonal(D, 0)
            xy = classical_mds(D)
            subjects, areas = labels[activation]
            for area in np.unique(areas):
                pick = areas == area
                ax.scatter(xy[pick, 0], xy[pick, 1], label=str(area), s=40)
                for (x, y), s in zip(xy[pick], subjects[pick]):
                    ax.annotate(str(s), (x, y), fontsize=7, xytext=(3, 3),
                                textcoords="offset points")
            ax.legend(title="area", fontsize=8)
        ax.set_title(f"{activation}: MDS of profiles (Ridge, 1 − R²), labels = subject")
        ax.set_xlabel("MDS 1")
        ax.set_ylabel("MDS 2")
    fig.tight_layout()
    path = directory / "comparison.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
