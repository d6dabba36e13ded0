"""``brainmap --dataset siegle2021_allen_neuropixels``: transform classes on real mice.

The recipe calls library functions and writes what they return: the same-area
predictivity of every transform class that applies to spike rates (N−1 pooling over
mice), its ceiling normalisation, the specificity of single-mouse profiles with
permutation nulls, the area × area matrix against the anatomical hierarchy, the
simulated networks' layers against the areas, and the order of the classes on the
mice next to their order on the simulated population. Every score has its 95 %
interval over mice and scenes (:meth:`HeldOutPredictions.bootstrap`: mice and scenes
resampled, the held-out predictions kept, nothing refitted, Schütt et al.'s two-factor
correction), and the classes their paired differences.
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


def _interval(boot, k):
    return boot.confidence_interval[:, k].tolist()


def _predictivity_rows(result, n_bootstraps, random_state):
    """One row per class with its 95 % intervals over mice and scenes, and the paired
    differences between classes (both scores on the same resamples)."""
    ridge = result.subject_scores("Ridge")
    boots = {}
    if n_bootstraps:
        boots = {score: result.bootstrap(n_resamples=n_bootstraps, normalized=normalized,
                                         random_state=random_state)
                 for score, normalized in (("median_r", False),
                                           ("r2_over_reliability", True))}
    rows = []
    for k, name in enumerate(result.keys):
        per_mouse = result.subject_scores(name)
        diffs = np.array([ridge[s] - per_mouse[s] for s in per_mouse])
        diffs = diffs[np.isfinite(diffs)]
        interval = None
        if boots:
            interval = {score: _interval(b, k) for score, b in boots.items()}
            interval.update(
                standard_error={score: float(b.standard_error[k])
                                for score, b in boots.items()},
                n_undefined=int(boots["median_r"].n_undefined[k]),
                over=["mice", "scenes"], n_resamples=n_bootstraps, level=0.95)
        per_area = result.area_scores(name)
        rows.append({
            "transform_class": name, "median_r": result.score(name),
            "r2_over_reliability": result.score(name, normalized=True),
            "interval": interval,
            "ridge_minus_class_mice_positive": (f"{int(np.sum(diffs > 0))}/{diffs.size}"
                                                if name != "Ridge" else None),
            "ridge_minus_class_mean": float(diffs.mean()) if name != "Ridge" else None,
            "undefined_units": int(np.isnan(result.unit_scores(name)).sum()),
            "per_area": per_area,
            "per_area_interval": _area_intervals(result, name, per_area, n_bootstraps,
                                                 random_state)})
    return rows, _differences(boots)


def _area_intervals(result, name, per_area, n_bootstraps, random_state):
    """``{area: [low, high]}`` over the area's mice and the scenes (None: no intervals,
    or an area recorded in one mouse, whose mice cannot be resampled)."""
    out = {}
    for area in per_area:
        mice = result.resampled_subjects([area])
        out[area] = (None if not n_bootstraps or len(mice) < 2 else _interval(
            result.bootstrap([name], areas=[area], n_resamples=n_bootstraps,
                             random_state=random_state), 0))
    return out


def _differences(boots):
    """Every pair of classes, the higher-scoring first: the paired difference of each
    score with its 95 % interval and two-sided p-value, Holm-adjusted over the pairs."""
    if not boots:
        return []
    raw = boots["median_r"]
    order = np.argsort(-raw.scores, kind="stable")
    rows = []
    for a, i in enumerate(order):
        for j in order[a + 1:]:
            row = {"class_a": raw.names[i], "class_b": raw.names[j]}
            for score, b in boots.items():
                row[score] = {"difference": float(b.differences[i, j]),
                              "confidence_interval":
                                  b.difference_confidence_interval[:, i, j].tolist(),
                              "p_value": float(b.difference_p_values[i, j]),
                              "p_value_holm": float(b.difference_p_values_holm[i, j])}
            rows.append(row)
    return rows


def _best_versus_second(boot):
    """The key with the highest score and its paired difference with the second."""
    i, j = np.argsort(-boot.scores, kind="stable")[:2]
    return {"best": boot.names[i], "second": boot.names[j],
            "difference": float(boot.differences[i, j]),
            "confidence_interval": boot.difference_confidence_interval[:, i, j].tolist(),
            "p_value_holm": float(boot.difference_p_values_holm[i, j])}


def _column_intervals(held_out, keys, areas, n_bootstraps, random_state):
    """Intervals of a key × area matrix, one bootstrap per target area (its mice and
    the scenes): ``(low, high)`` arrays ``(n_keys, n_areas)`` and, per area, the best
    key against the second."""
    low = np.full((len(keys), len(areas)), np.nan)
    high = low.copy()
    best = {}
    if not n_bootstraps:
        return None, None, None
    for j, area in enumerate(areas):
        over = (("stimuli", "subjects") if len(held_out.resampled_subjects([area])) > 1
                else "stimuli")
        boot = held_out.bootstrap(keys, areas=[area], over=over, n_resamples=n_bootstraps,
                                  random_state=random_state)
        low[:, j], high[:, j] = boot.confidence_interval
        best[area] = _best_versus_second(boot)
    return low, high, best


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


def _hierarchy(X, data, cv, reliability, n_bootstraps, random_state):
    areas = pooled_area_predictions(Ridge(), X, data.subjects, data.areas, cv=cv,
                                    reliability=reliability, n_jobs=-1)
    sources, targets, S = areas.key_area_matrix()
    order = sorted(targets, key=lambda a: HARRIS2019_HIERARCHY_SCORES.get(a, np.inf))
    S = S[np.ix_([sources.index(a) for a in order], [targets.index(a) for a in order])]
    agreement = hierarchy_agreement(S, order, HARRIS2019_HIERARCHY_SCORES)
    low, high, best = _column_intervals(areas, order, order, n_bootstraps, random_state)
    return {"areas": order, "matrix": S.tolist(),
            "rho_distance": agreement.distance, "p_distance": agreement.distance_p_value,
            "rho_same_area": agreement.same_area, "rho_from_VISp": agreement.from_lowest,
            "interval": None if low is None else {
                "low": low.tolist(), "high": high.tolist(),
                "over": ["mice of the target area", "scenes"],
                "n_resamples": n_bootstraps, "level": 0.95},
            "best_source_versus_second": best}


def _layers(X, data, cv, reliability, ceiling, n_bootstraps, random_state):
    model = record_model_population(data.images, random_state=random_state)
    layers = layer_area_predictions(Ridge(), model.post, model.areas, X, data.subjects,
                                    data.areas, cv=cv, reliability=reliability, n_jobs=-1)
    keys, areas, M = layers.key_area_matrix()
    _, _, N = layers.key_area_matrix(normalized=True)
    order = sorted(areas, key=lambda a: HARRIS2019_HIERARCHY_SCORES.get(a, np.inf))
    cols = [areas.index(a) for a in order]
    M, N = M[:, cols], N[:, cols]
    low, high, best = _column_intervals(layers, keys, order, n_bootstraps, random_state)
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
            "model": model.DESCR,
            "interval": None if low is None else {
                "median_r": {"low": low.tolist(), "high": high.tolist()},
                "over": ["mice of the area", "scenes"], "n_resamples": n_bootstraps,
                "level": 0.95},
            "best_layer_versus_second": best}


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


def _with_interval(value, interval):
    """``0.525 [0.480, 0.570]``, or the value alone where there is no interval."""
    if interval is None or interval[0] is None or not np.all(np.isfinite(interval)):
        return _number(value)
    return f"{value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]"


def _matrix_rows(label, keys, areas, matrix, interval):
    low = high = None
    if interval is not None:
        low, high = np.array(interval["low"]), np.array(interval["high"])
    return [{label: key, **{a: _with_interval(matrix[i][j], None if low is None
                                              else (low[i, j], high[i, j]))
                            for j, a in enumerate(areas)}}
            for i, key in enumerate(keys)]


def _best_rows(best, what):
    if not best:
        return []
    return [{"target area": area, f"best {what}": b["best"], "second": b["second"],
             "Δ [95 % CI]": _with_interval(b["difference"], b["confidence_interval"]),
             "p (Holm)": f"{b['p_value_holm']:.3g}"} for area, b in best.items()]


def _difference_rows(differences):
    rows = []
    for d in differences:
        row = {"difference": f"{d['class_a']} − {d['class_b']}"}
        for score, label in (("median_r", "median r"), ("r2_over_reliability",
                                                        "r² / reliability")):
            v = d[score]
            row[f"Δ {label} [95 % CI]"] = _with_interval(v["difference"],
                                                        v["confidence_interval"])
            row[f"p (Holm), {label}"] = f"{v['p_value_holm']:.3g}"
        rows.append(row)
    return rows


def _interval_bars(ax, x, rows, score):
    """Each row's interval drawn from its low to its high end (a percentile interval
    need not contain its score, so the bars are not lengths around the score)."""
    if any(r["interval"] is None for r in rows):
        return
    low, high = np.array([r["interval"][score] for r in rows], dtype=float).T
    ax.errorbar(x, (low + high) / 2, yerr=(high - low) / 2, fmt="none", ecolor="k",
                capsize=3, lw=1)


def _figure(pred_rows, hierarchy, layers, output):
    plt = pyplot_or_none()
    if plt is None:
        return []
    figure, axes = plt.subplots(1, 3, figsize=(17, 5.2))
    names = [r["transform_class"] for r in pred_rows]
    x = np.arange(len(names))
    for shift, score, label in ((-0.2, "median_r", "median r"),
                                (0.2, "r2_over_reliability", "r² / reliability")):
        axes[0].bar(x + shift, [r[score] for r in pred_rows], 0.4, label=label)
        _interval_bars(axes[0], x + shift, pred_rows, score)
    axes[0].set_xticks(x, names, rotation=30, ha="right")
    axes[0].set_title("same-area predictivity (N−1 pooled mice)"
                      + ("" if pred_rows[0]["interval"] is None else
                         "\nerror bars: 95 % interval over mice and scenes"), fontsize=10)
    axes[0].legend()
    for ax, matrix, interval, rows, cols, title in (
            (axes[1], np.array(hierarchy["matrix"]), hierarchy["interval"],
             hierarchy["areas"], hierarchy["areas"], "pooled Ridge, source → target "
             f"(ρ hierarchy {hierarchy['rho_distance']:.2f})"),
            (axes[2], np.array(layers["median_r"]),
             None if layers["interval"] is None else layers["interval"]["median_r"],
             layers["layers"], layers["areas"], "CNN layer → area (Ridge, median r)")):
        image = ax.imshow(matrix, cmap="viridis")
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xlabel("target area")
        ax.set_title(title + ("" if interval is None else "\n[95 % interval]"),
                     fontsize=10)
        for (i, j), value in np.ndenumerate(matrix):
            text = f"{value:.2f}"
            if interval is not None:
                text += f"\n[{interval['low'][i][j]:.2f}, {interval['high'][i][j]:.2f}]"
            ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white")
        figure.colorbar(image, ax=ax, shrink=0.8)
    figure.suptitle("Allen Brain Observatory Neuropixels (Siegle et al., 2021)")
    return [save_figure(figure, output / "siegle2021_allen_neuropixels.png")]


def siegle_allen(data_home, output, *, n_folds=5, random_state=0, n_bootstraps=1000):
    """Transform classes, specificity, hierarchy and model layers on the Allen mice,
    with 95 % intervals over mice and scenes (``n_bootstraps`` resamples; 0: none)."""
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
        predictivity, differences = _predictivity_rows(pooled, n_bootstraps,
                                                       random_state)
        log(f"siegle2021: intervals ({time.perf_counter() - start:.0f} s)")
        specificity = _specificity(X, data, cv, random_state)
        log(f"siegle2021: specificity ({time.perf_counter() - start:.0f} s)")
        hierarchy = _hierarchy(X, data, cv, reliability, n_bootstraps, random_state)
        ceiling = pooled.area_scores("Ridge", normalized=True)
        layers = _layers(X, data, cv, reliability, ceiling, n_bootstraps, random_state)
        log(f"siegle2021: hierarchy and layers ({time.perf_counter() - start:.0f} s)")
        simulation = _simulation({r["transform_class"]: r["median_r"] for r in predictivity},
                                 data_home, len(X), cv, random_state)
    n_mice = len(set(data.subjects.tolist()))
    table = [{"transform_class": r["transform_class"],
              "median r [95 % CI]": _with_interval(
                  r["median_r"], r["interval"] and r["interval"]["median_r"]),
              "r² / reliability [95 % CI]": _with_interval(
                  r["r2_over_reliability"],
                  r["interval"] and r["interval"]["r2_over_reliability"]),
              "Ridge − class > 0 (mice)": r["ridge_minus_class_mice_positive"],
              "undefined_units": r["undefined_units"]}
             for r in predictivity]
    intervals = (f"95 % intervals over mice and scenes: {n_bootstraps} bootstrap "
                 "resamples of both (held-out predictions kept, nothing refitted), "
                 "Schütt et al.'s two-factor correction" if n_bootstraps else
                 "no intervals (--bootstraps 0)")
    text = "\n".join([
        f"{data.DESCR}\nSquare-root rates; {n_folds}-fold over scenes; Pearson r per unit "
        f"(held-out predictions of all scenes); median over each mouse's units, mean over "
        f"profiles; median split-half reliability {np.nanmedian(reliability):.3f}.",
        f"{intervals}.", "",
        "Same-area predictivity (sources: the other mice's units of the area):",
        format_table(table), "",
        *(["Paired differences between classes (same mice, units and scenes; p: "
           "two-sided bootstrap, Holm-adjusted over the pairs; the smallest "
           f"unadjusted p is 1/{n_bootstraps + 1}):",
           format_table(_difference_rows(differences)), ""] if differences else []),
        "Specificity of single-mouse profiles (silhouette; permutation p-values, "
        f"{N_PERMUTATIONS} shuffles, the smallest possible p 1/{N_PERMUTATIONS + 1}):",
        format_table([{k: f"{v:.3g}" if k.startswith("p_") else v for k, v in r.items()}
                      for r in specificity], right=["p_areas", "p_mice"]), "",
        f"Pooled Ridge, source area (rows) → target area, areas by hierarchy: Spearman ρ "
        f"with −|Δ hierarchy| {hierarchy['rho_distance']:.3f} "
        f"(p {hierarchy['p_distance']:.3g})",
        format_table(_matrix_rows("source", hierarchy["areas"], hierarchy["areas"],
                                  hierarchy["matrix"], hierarchy["interval"]),
                     right=hierarchy["areas"]),
        *([format_table(_best_rows(hierarchy["best_source_versus_second"], "source"))]
          if hierarchy["best_source_versus_second"] else []), "",
        "CNN layer → area (Ridge, median r; best layer per area "
        f"{layers['best_layer']}; ρ preferred layer vs hierarchy "
        f"{_number(layers['rho_preferred_layer_hierarchy'])}):",
        format_table(_matrix_rows("layer", layers["layers"], layers["areas"],
                                  layers["median_r"], layers["interval"] and
                                  layers["interval"]["median_r"]),
                     right=layers["areas"]),
        *([format_table(_best_rows(layers["best_layer_versus_second"], "layer"))]
          if layers["best_layer_versus_second"] else []), "",
        f"Order of the classes: mice {simulation['order_mice']}; simulation "
        f"{simulation['order_simulation']}; Spearman ρ {simulation['spearman_rho']:.3f}.",
        f"Cite: {data.reference}"])
    figures = _figure(predictivity, hierarchy, layers, output)
    rows = {"settings": {"n_folds": n_folds, "random_state": random_state, "mice": n_mice,
                         "units": int(X.shape[1]), "response": "sqrt rate",
                         "score": "Pearson r", "n_permutations": N_PERMUTATIONS,
                         "n_bootstraps": n_bootstraps,
                         "intervals": intervals},
            "predictivity": predictivity, "predictivity_differences": differences,
            "specificity": specificity, "hierarchy": hierarchy, "layers": layers,
            "simulation": simulation, "seconds": round(time.perf_counter() - start, 1)}
    return text, rows, figures
