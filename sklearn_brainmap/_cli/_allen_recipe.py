"""``brainmap --dataset siegle2021_allen_neuropixels``: transform classes on real mice.

The recipe calls library functions and writes what they return: the same-area
predictivity of every transform class that applies to spike rates (N−1 pooling over
mice), its ceiling normalisation, the specificity of single-mouse profiles with
permutation nulls, the area × area matrix against the anatomical hierarchy, the
simulated networks' layers against the areas, and the order of the classes on the
mice next to their order on the simulated population. Intervals over mice and scenes
(the inference subpackage) have their place in every row (``interval``), empty until
it is wired.
"""

import time
import warnings

import numpy as np
from sklearn.model_selection import KFold

from .. import LinearNonlinear, LinearSoftplus, LogisticRidge, OneToOne, Ridge, SoftMatching
from ..datasets import (HARRIS2019_HIERARCHY_SCORES, load_siegle2021_allen_neuropixels,
                        make_model_population, record_model_population)
from ..metrics import rsa_score, split_half_reliability
from ..model_selection import (compare_transform_classes, hierarchy_agreement,
                               layer_area_predictions, pooled_area_predictions,
                               pooled_predictions, rank_agreement,
                               silhouette_permutation_test)
from ..utils import ConstantUnitWarning
from ._report import format_table, log, pyplot_or_none, save_figure

#: The transform classes that apply to spike rates. Not here: *Pre Linear Softplus*
#: needs the sources' pre-activations, which recordings do not have (membrane
#: potentials are not recorded); RSA makes no predictions and enters specificity only.
SPIKE_RATE_CLASSES = {"Ridge": Ridge, "LogisticRidge": LogisticRidge,
                      "LinearNonlinear": LinearNonlinear, "LinearSoftplus": LinearSoftplus,
                      "SoftMatching": SoftMatching, "OneToOne": OneToOne}
#: Classes whose pairwise single-mouse silhouettes the recipe computes (the GLMs cost
#: ~4× Ridge on 42 × 41 pairs and were measured once, see the user guide).
SPECIFICITY_CLASSES = ("Ridge", "SoftMatching", "OneToOne")
N_PERMUTATIONS = 2000


def _classes():
    return {name: cls() for name, cls in SPIKE_RATE_CLASSES.items()}


def _predictivity_rows(result):
    ridge = result.subject_scores("Ridge")
    rows = []
    for name in result.keys:
        per_mouse = result.subject_scores(name)
        diffs = np.array([ridge[s] - per_mouse[s] for s in per_mouse])
        diffs = diffs[np.isfinite(diffs)]
        rows.append({
            "transform_class": name, "median_r": result.score(name),
            "r2_over_reliability": result.score(name, normalized=True),
            "interval": None,
            "ridge_minus_class_mice_positive": (f"{int(np.sum(diffs > 0))}/{diffs.size}"
                                                if name != "Ridge" else None),
            "ridge_minus_class_mean": float(diffs.mean()) if name != "Ridge" else None,
            "undefined_units": int(np.isnan(result.unit_scores(name)).sum()),
            "per_area": result.area_scores(name)})
    return rows


def _specificity(X, data, cv, random_state):
    population = {"rates": X, "subjects": data.subjects, "areas": data.areas}
    candidates = {name: SPIKE_RATE_CLASSES[name]() for name in SPECIFICITY_CLASSES}
    candidates["RSA"] = rsa_score
    comparison = compare_transform_classes(candidates, population, responses=("rates",),
                                           cv=cv, scoring="pearson", n_jobs=-1)
    rows = []
    for name in candidates:
        S = comparison.matrices["rates", name]
        row = {"transform_class": name}
        for grouping, labels in (("areas", comparison.profile_areas),
                                 ("mice", comparison.profile_subjects)):
            test = silhouette_permutation_test(S, labels, n_permutations=N_PERMUTATIONS,
                                               random_state=random_state)
            row[f"silhouette_{grouping}"] = test.silhouette
            row[f"null_mean_{grouping}"] = float(test.null.mean())
            row[f"p_{grouping}"] = test.p_value
        rows.append(row)
    return rows


def _hierarchy(X, data, cv, reliability):
    areas = pooled_area_predictions(Ridge(), X, data.subjects, data.areas, cv=cv,
                                    reliability=reliability, n_jobs=-1)
    sources, targets, S = areas.key_area_matrix()
    order = sorted(targets, key=lambda a: HARRIS2019_HIERARCHY_SCORES.get(a, np.inf))
    S = S[np.ix_([sources.index(a) for a in order], [targets.index(a) for a in order])]
    agreement = hierarchy_agreement(S, order, HARRIS2019_HIERARCHY_SCORES)
    return {"areas": order, "matrix": S.tolist(),
            "rho_distance": agreement.distance, "p_distance": agreement.distance_p_value,
            "rho_same_area": agreement.same_area, "rho_from_VISp": agreement.from_lowest,
            "interval": None}


def _layers(X, data, cv, reliability, ceiling, random_state):
    model = record_model_population(data.images, random_state=random_state)
    layers = layer_area_predictions(Ridge(), model.post, model.areas, X, data.subjects,
                                    data.areas, cv=cv, reliability=reliability, n_jobs=-1)
    keys, areas, M = layers.key_area_matrix()
    _, _, N = layers.key_area_matrix(normalized=True)
    order = sorted(areas, key=lambda a: HARRIS2019_HIERARCHY_SCORES.get(a, np.inf))
    cols = [areas.index(a) for a in order]
    M, N = M[:, cols], N[:, cols]
    # the layer each area prefers: score-weighted mean layer index (1, 2, 3); undefined
    # (NaN) for an area that no layer predicts (every median r ≤ 0)
    weights = np.clip(M, 0, None)
    total = weights.sum(axis=0)
    preferred = np.full(len(order), np.nan)
    defined = total > 0
    preferred[defined] = (np.arange(1, len(keys) + 1) @ weights)[defined] / total[defined]
    rho = p = None
    if np.sum(np.isfinite(preferred)) >= 3:
        agreement = rank_agreement(dict(zip(order, preferred)),
                                   {a: HARRIS2019_HIERARCHY_SCORES[a] for a in order})
        rho, p = agreement.rho, agreement.p_value
    return {"layers": keys, "areas": order, "median_r": M.tolist(),
            "r2_over_reliability": N.tolist(),
            "fraction_of_inter_animal_ceiling": (N / np.array([ceiling[a] for a in order])
                                                 ).tolist(),
            "best_layer": {a: keys[int(np.argmax(M[:, j]))] for j, a in enumerate(order)},
            "preferred_layer_index": dict(zip(order, preferred.tolist())),
            "rho_preferred_layer_hierarchy": rho, "p_preferred_layer_hierarchy": p,
            "model": model.DESCR, "interval": None}


def _simulation(real_scores, data_home, n_stimuli, cv, random_state):
    """The same analysis on the default simulated population (post-activation, as many
    stimuli as the mice saw, drawn at random)."""
    pop = make_model_population(5, random_state=random_state, data_home=data_home)
    pick = np.sort(np.random.default_rng(random_state).choice(len(pop.post), n_stimuli,
                                                              replace=False))
    sim = pooled_predictions(_classes(), pop.post[pick], pop.subjects, pop.areas, cv=cv,
                             n_jobs=-1)
    sim_scores = {name: sim.score(name) for name in sim.keys}
    agreement = rank_agreement(real_scores, sim_scores)
    return {"simulated_median_r": sim_scores, "order_mice": agreement.order_a,
            "order_simulation": agreement.order_b, "spearman_rho": agreement.rho,
            "p_value": agreement.p_value, "n_stimuli": n_stimuli}


def _number(value):
    return "undefined" if value is None else f"{value:.3f}"


def _figure(pred_rows, hierarchy, layers, output):
    plt = pyplot_or_none()
    if plt is None:
        return []
    figure, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    names = [r["transform_class"] for r in pred_rows]
    x = np.arange(len(names))
    axes[0].bar(x - 0.2, [r["median_r"] for r in pred_rows], 0.4, label="median r")
    axes[0].bar(x + 0.2, [r["r2_over_reliability"] for r in pred_rows], 0.4,
                label="r² / reliability")
    # intervals over mice and scenes: error bars here once the inference layer is wired
    axes[0].set_xticks(x, names, rotation=30, ha="right")
    axes[0].set_title("same-area predictivity (N−1 pooled mice)")
    axes[0].legend()
    for ax, matrix, rows, cols, title in (
            (axes[1], np.array(hierarchy["matrix"]), hierarchy["areas"], hierarchy["areas"],
             "pooled Ridge, source → target "
             f"(ρ hierarchy {hierarchy['rho_distance']:.2f})"),
            (axes[2], np.array(layers["median_r"]), layers["layers"], layers["areas"],
             "CNN layer → area (Ridge, median r)")):
        image = ax.imshow(matrix, cmap="viridis")
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xlabel("target area")
        ax.set_title(title, fontsize=10)
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white")
        figure.colorbar(image, ax=ax, shrink=0.8)
    figure.suptitle("Allen Brain Observatory Neuropixels (Siegle et al., 2021)")
    return [save_figure(figure, output / "siegle2021_allen_neuropixels.png")]


def siegle_allen(data_home, output, *, n_folds=5, random_state=0):
    """Transform classes, specificity, hierarchy and model layers on the Allen mice."""
    start = time.perf_counter()
    data = load_siegle2021_allen_neuropixels(data_home)
    # square-root rates (variance-stabilising for Poisson-like counts), trial by trial,
    # so that responses and reliabilities describe the same quantity
    root = np.sqrt(data.trials)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # the NaN-padded trials
        X = np.nanmean(root, axis=2).T
    reliability = split_half_reliability(root, n_splits=10, random_state=random_state)
    cv = KFold(n_folds, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        pooled = pooled_predictions(_classes(), X, data.subjects, data.areas, cv=cv,
                                    reliability=reliability, n_jobs=-1)
        log(f"siegle2021: pooled predictions ({time.perf_counter() - start:.0f} s)")
        predictivity = _predictivity_rows(pooled)
        specificity = _specificity(X, data, cv, random_state)
        log(f"siegle2021: specificity ({time.perf_counter() - start:.0f} s)")
        hierarchy = _hierarchy(X, data, cv, reliability)
        ceiling = pooled.area_scores("Ridge", normalized=True)
        layers = _layers(X, data, cv, reliability, ceiling, random_state)
        log(f"siegle2021: hierarchy and layers ({time.perf_counter() - start:.0f} s)")
        simulation = _simulation({r["transform_class"]: r["median_r"] for r in predictivity},
                                 data_home, len(X), cv, random_state)
    n_mice = len(set(data.subjects.tolist()))
    table = [{k: r[k] for k in ("transform_class", "median_r", "r2_over_reliability",
                                "interval", "ridge_minus_class_mice_positive",
                                "undefined_units")}
             for r in predictivity]
    text = "\n".join([
        f"{data.DESCR}\nSquare-root rates; {n_folds}-fold over scenes; Pearson r per unit "
        f"(held-out predictions of all scenes); median over each mouse's units, mean over "
        f"profiles; median split-half reliability {np.nanmedian(reliability):.3f}.", "",
        "Same-area predictivity (sources: the other mice's units of the area; interval "
        "over mice and scenes: pending the inference layer):", format_table(table), "",
        "Specificity of single-mouse profiles (silhouette; permutation p-values, "
        f"{N_PERMUTATIONS} shuffles):", format_table(specificity), "",
        f"Pooled Ridge, source area (rows) → target area, areas by hierarchy: Spearman ρ "
        f"with −|Δ hierarchy| {hierarchy['rho_distance']:.3f} "
        f"(p {hierarchy['p_distance']:.3g})",
        format_table([{"source": a, **dict(zip(hierarchy["areas"], row))}
                      for a, row in zip(hierarchy["areas"], hierarchy["matrix"])]), "",
        "CNN layer → area (Ridge, median r; best layer per area "
        f"{layers['best_layer']}; ρ preferred layer vs hierarchy "
        f"{_number(layers['rho_preferred_layer_hierarchy'])}):",
        format_table([{"layer": l, **dict(zip(layers["areas"], row))}
                      for l, row in zip(layers["layers"], layers["median_r"])]), "",
        f"Order of the classes: mice {simulation['order_mice']}; simulation "
        f"{simulation['order_simulation']}; Spearman ρ {simulation['spearman_rho']:.3f}.",
        f"Cite: {data.reference}"])
    figures = _figure(predictivity, hierarchy, layers, output)
    rows = {"settings": {"n_folds": n_folds, "random_state": random_state, "mice": n_mice,
                         "units": int(X.shape[1]), "response": "sqrt rate",
                         "score": "Pearson r", "n_permutations": N_PERMUTATIONS},
            "predictivity": predictivity, "specificity": specificity,
            "hierarchy": hierarchy, "layers": layers, "simulation": simulation,
            "seconds": round(time.perf_counter() - start, 1)}
    return text, rows, figures
