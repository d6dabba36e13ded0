"""Analyses of the real recordings, run by ``brainmap --dataset NAME``.

Each analysis returns ``(text, rows, figure_path)``: a printed table, its rows for the
CSV/JSON files, and a figure. Cite the original paper with any result (the loaders'
``reference``).
"""

import sys
import time
import warnings

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import silhouette_score
from sklearn.model_selection import KFold

from .utils import ConstantUnitWarning, aggregate_unit_scores

DATASETS = ("henaff2021_v1", "cowley2023_v4", "coggan2024_fmri", "conwell2021_allen_rdms")


def _log(message):
    print(message, file=sys.stderr, flush=True)


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        _log("matplotlib is not installed: no figure (pip install 'sklearn_brainmap[plot]')")
        return None


def _mapping_classes():
    from . import (LinearNonlinear, LinearSoftplus, LogisticRidge, OneToOne, Ridge,
                   SoftMatching)
    return {"Ridge": Ridge, "LogisticRidge": LogisticRidge,
            "LinearNonlinear": LinearNonlinear, "LinearSoftplus": LinearSoftplus,
            "SoftMatching": SoftMatching, "OneToOne": OneToOne}


def _format(rows, columns):
    widths = {c: max(len(c), *(len(_cell(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns),
             "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(_cell(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def _cell(value):
    if isinstance(value, float):
        return "nan" if np.isnan(value) else f"{value:.3f}"
    return str(value)


def _normalised(r, ceiling):
    """``r² / ceiling`` per unit, quietly: the tables count the units above 1."""
    from .metrics import ceiling_normalized_score

    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.filterwarnings("ignore", message=".*exceed 1")
        return ceiling_normalized_score(r, ceiling)


def henaff_v1(data_home, output, *, n_folds=5, random_state=0):
    """Noise ceilings and pooled inter-animal predictivity of every class on V1."""
    from .datasets import load_henaff2021_v1
    from .metrics import split_half_reliability
    from .model_selection import pooled_source_scores

    data = load_henaff2021_v1(data_home)
    ceiling = split_half_reliability(data.spike_counts, n_splits=10,
                                     random_state=random_state)
    rows = []
    for pen in dict.fromkeys(data.subjects.tolist()):
        pick = data.subjects == pen
        rows.append({"penetration": pen, "units": int(pick.sum()),
                     "median_reliability": float(np.nanmedian(ceiling[pick])),
                     "reliable_fraction": float(np.mean(ceiling[pick] > 0.5))})
    text = ["Split-half reliability (Spearman–Brown, 10 splits) per penetration:",
            _format(rows, list(rows[0]))]
    # pooled N-1 across monkeys: targets are one monkey's units, sources all others'
    cv = KFold(n_folds, shuffle=True, random_state=random_state)
    results = []
    unit_r = {}
    for name, cls in _mapping_classes().items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConstantUnitWarning)
            pooled = pooled_source_scores(cls(), data.responses, data.monkey, data.areas,
                                          cv=cv, scoring="pearson")
        r = unit_r[name] = pooled.unit_scores
        normalised = _normalised(r, ceiling)
        results.append({"transform_class": name, "median_r": float(np.nanmedian(r)),
                        "median_r2_over_ceiling": float(np.nanmedian(normalised)),
                        "units_scored": int(np.isfinite(normalised).sum()),
                        "units_above_ceiling": int(np.sum(normalised > 1)),
                        "seconds": round(time.perf_counter() - start, 1)})
        _log(f"henaff2021_v1: {name} pooled scores in {results[-1]['seconds']} s")
    text += ["", "Pooled inter-animal predictivity (sources: the other monkeys' units; "
             f"{n_folds}-fold over stimuli; Pearson r per unit; r²/ceiling for units "
             "with a positive reliability, not clipped at 1):",
             _format(results, list(results[0]))]
    # per unit: the ceiling and every class's pooled r, for users' own plots
    units = output / "henaff2021_v1_units.csv"
    with open(units, "w") as f:
        f.write(",".join(["penetration", "monkey", "cluster_group", "reliability",
                          *(f"r_{name}" for name in unit_r)]) + "\n")
        for u in range(len(ceiling)):
            f.write(",".join([str(data.subjects[u]), str(data.monkey[u]),
                              str(data.cluster_group[u]), f"{ceiling[u]:.6g}",
                              *(f"{r[u]:.6g}" for r in unit_r.values())]) + "\n")
    text.append(f"Per-unit ceilings and scores: {units}")
    figure = None
    plt = _pyplot()
    if plt is not None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        axes[0].hist(ceiling[np.isfinite(ceiling)], bins=30)
        axes[0].set_xlabel("split-half reliability (Spearman–Brown)")
        axes[0].set_ylabel("units")
        axes[0].set_title("V1 noise ceilings (Hénaff et al., 2021)")
        names = [r["transform_class"] for r in results]
        x = np.arange(len(names))
        axes[1].bar(x - 0.2, [r["median_r"] for r in results], 0.4, label="median r")
        axes[1].bar(x + 0.2, [r["median_r2_over_ceiling"] for r in results], 0.4,
                    label="median r² / ceiling")
        axes[1].set_xticks(x, names, rotation=30, ha="right")
        axes[1].set_title("pooled inter-animal predictivity")
        axes[1].legend()
        fig.tight_layout()
        figure = output / "henaff2021_v1.png"
        fig.savefig(figure, dpi=110)
        plt.close(fig)
    return "\n".join(text), {"reliability": rows, "predictivity": results}, figure


def cowley_v4(data_home, output, *, session="210325", n_folds=5, random_state=0):
    """Model (Gabor energy) → V4 and V4 → model scores per class, ceiling-normalised."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    from .datasets import load_cowley2023_v4
    from .features import GaborEnergy
    from .metrics import split_half_reliability
    from .model_selection import cross_val_unit_scores

    data = load_cowley2023_v4(session, data_home, images=True)
    images = data.images.reshape(len(data.images), -1).astype(np.float64) / 255.0
    features = GaborEnergy(data.images.shape[1:]).fit_transform(images)
    # 100 principal components of the energy model: the "model layer"
    model = PCA(100, random_state=random_state).fit_transform(
        (features - features.mean(0)) / (features.std(0) + 1e-12))
    brain = data.responses
    ceiling = split_half_reliability(data.spike_counts, random_state=random_state)
    cv = KFold(n_folds, shuffle=True, random_state=random_state)
    results = []
    for name, cls in _mapping_classes().items():
        start = time.perf_counter()
        estimator = cls()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConstantUnitWarning)
            r_forward = cross_val_unit_scores(estimator, model, brain, cv=cv,
                                              scoring="pearson")
            try:
                r_backward = cross_val_unit_scores(estimator, brain, model, cv=cv,
                                                   scoring="pearson")
                backward = aggregate_unit_scores(r_backward, "median")
            except ValueError as exc:  # e.g. a Poisson GLM on signed model units
                _log(f"cowley2023_v4: {name} brain → model skipped: {exc}")
                backward = np.nan
        normalised = _normalised(r_forward, ceiling)
        results.append({"transform_class": name,
                        "model_to_brain_median_r": aggregate_unit_scores(r_forward, "median"),
                        "model_to_brain_r2_over_ceiling": float(np.nanmedian(normalised)),
                        "brain_to_model_median_r": backward,
                        "seconds": round(time.perf_counter() - start, 1)})
        _log(f"cowley2023_v4: {name} in {results[-1]['seconds']} s")
    text = [f"Model (Gabor energy, 100 PCs) ↔ V4, session {session} ({brain.shape[1]} "
            f"neurons × {brain.shape[0]} images), {n_folds}-fold over images; median "
            f"split-half reliability {np.nanmedian(ceiling):.3f}:",
            _format(results, list(results[0]))]
    figure = None
    plt = _pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(7, 4))
        names = [r["transform_class"] for r in results]
        x = np.arange(len(names))
        for k, key in enumerate(("model_to_brain_median_r", "model_to_brain_r2_over_ceiling",
                                 "brain_to_model_median_r")):
            ax.bar(x + (k - 1) * 0.27, [r[key] for r in results], 0.27,
                   label=key.replace("_", " "))
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_title(f"Gabor model ↔ V4 (Cowley et al., 2023), session {session}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        figure = output / "cowley2023_v4.png"
        fig.savefig(figure, dpi=110)
        plt.close(fig)
    return "\n".join(text), {"scores": results}, figure


def _rdm_vector(rsm):
    """Upper triangle (k = 1) of ``1 − (R + Rᵀ)/2``: a split-half RSM as an RDM."""
    sym = (rsm + rsm.T) / 2
    return 1.0 - sym[np.triu_indices(len(sym), k=1)]


def _rsa_profiles(vectors):
    """Profile-by-profile Spearman correlation of RDM vectors."""
    rho = spearmanr(np.column_stack(vectors)).statistic
    return np.atleast_2d(rho)


def _silhouettes(similarity, labels):
    D = np.maximum(1.0 - similarity, 0.0)
    np.fill_diagonal(D, 0.0)
    return {name: float(silhouette_score(D, lab, metric="precomputed"))
            for name, lab in labels.items()}


def _similarity_figure(similarity, tick_labels, title, path):
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(similarity, cmap="viridis")
    ax.set_xticks(range(len(tick_labels)), tick_labels, rotation=90, fontsize=6)
    ax.set_yticks(range(len(tick_labels)), tick_labels, fontsize=6)
    fig.colorbar(image, label="RSA (Spearman ρ of RDMs)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def coggan_fmri(data_home, output):
    """RSA-based silhouettes of the fMRI profiles by area and by subject."""
    from .datasets import load_coggan2024_fmri

    data = load_coggan2024_fmri(data_home)
    areas, subjects, vectors = [], [], []
    for a, area in enumerate(data.areas):
        for s, subject in enumerate(data.subjects):
            areas.append(str(area))
            subjects.append(str(subject))
            vectors.append(_rdm_vector(data.rsm[a, s]))
    similarity = _rsa_profiles(vectors)
    sil = _silhouettes(similarity, {"areas": areas, "subjects": subjects})
    same_area = np.array(areas)[:, None] == np.array(areas)[None]
    same_subj = np.array(subjects)[:, None] == np.array(subjects)[None]
    off = ~np.eye(len(areas), dtype=bool)
    rows = [{"grouping": "areas", "silhouette": sil["areas"],
             "mean_rsa_within": float(similarity[same_area & off].mean()),
             "mean_rsa_between": float(similarity[~same_area].mean())},
            {"grouping": "subjects", "silhouette": sil["subjects"],
             "mean_rsa_within": float(similarity[same_subj & off].mean()),
             "mean_rsa_between": float(similarity[~same_subj].mean())}]
    text = ("RSA between the 36 fMRI profiles (4 areas × 9 subjects; RDM = 1 − symmetrised "
            "split-half RSM; Spearman) and their silhouettes:\n" + _format(rows, list(rows[0])))
    figure = _similarity_figure(similarity, [f"{a}/{s}" for a, s in zip(areas, subjects)],
                                "Coggan & Tong (2024) fMRI profiles",
                                output / "coggan2024_fmri.png")
    return text, {"silhouettes": rows}, figure


def conwell_allen(data_home, output):
    """Area × layer comparison of the mouse RDMs: silhouettes and noise ceilings."""
    from .datasets import load_conwell2021_allen_rdms

    data = load_conwell2021_allen_rdms(data_home)
    areas, layers, vectors = [], [], []
    for a, area in enumerate(data.areas):
        for l, layer in enumerate(data.layers):
            if data.recorded[a, l]:
                areas.append(str(area))
                layers.append(str(layer))
                vectors.append(_rdm_vector(data.rsm[a, l]))
    similarity = _rsa_profiles(vectors)
    sil = _silhouettes(similarity, {"areas": areas, "layers": layers})
    rows = [{"grouping": g, "silhouette": v, "profiles": len(areas)} for g, v in sil.items()]
    ceilings = [{"area": str(a), **{str(l): float(data.noise_ceiling[i, j])
                                    for j, l in enumerate(data.layers)}}
                for i, a in enumerate(data.areas)]
    text = ("RSA between the recorded area × layer profiles of mouse visual cortex "
            "(Spearman of RDMs) and their silhouettes:\n" + _format(rows, list(rows[0]))
            + "\n\nSplit-half noise ceilings (area × layer):\n"
            + _format(ceilings, list(ceilings[0])))
    figure = _similarity_figure(similarity, [f"{a}/{l}" for a, l in zip(areas, layers)],
                                "Allen Brain Observatory (Conwell et al., 2021)",
                                output / "conwell2021_allen_rdms.png")
    return text, {"silhouettes": rows, "noise_ceilings": ceilings}, figure


#: The analyses that take ``n_folds`` and ``random_state`` (from ``--folds`` and
#: ``--random-state``).
CROSS_VALIDATED = ("henaff2021_v1", "cowley2023_v4")

ANALYSES = {"henaff2021_v1": henaff_v1, "cowley2023_v4": cowley_v4,
            "coggan2024_fmri": coggan_fmri, "conwell2021_allen_rdms": conwell_allen}
