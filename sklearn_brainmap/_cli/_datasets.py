"""``brainmap --dataset NAME``: one short recipe per real dataset, over library functions.

Each recipe returns ``(text, rows, figures)``: the printed tables, their rows for
``datasets.json``, and the paths of the figures it wrote. Cite the original paper with
any result (the loaders' ``reference``).
"""

import time
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import KFold

from .. import LinearNonlinear, LinearSoftplus, LogisticRidge, OneToOne, Ridge, SoftMatching
from ..datasets import (load_coggan2024_fmri, load_conwell2021_allen_rdms,
                        load_cowley2023_v4, load_henaff2021_v1)
from ..features import GaborEnergy
from ..metrics import ceiling_normalized_score, compare_rdms, split_half_reliability
from ..model_selection import (area_silhouette, cross_val_unit_scores, model_brain_scores,
                               pooled_source_scores)
from ..plotting import ReliabilityDisplay, ScoreBarDisplay, SimilarityMatrixDisplay
from ..utils import AboveCeilingWarning, ConstantUnitWarning, aggregate_unit_scores
from ._allen_recipe import siegle_allen
from ._report import format_table, log, pyplot_or_none, save_figure, write_csv

TRANSFORM_CLASSES = {"Ridge": Ridge, "LogisticRidge": LogisticRidge,
                     "LinearNonlinear": LinearNonlinear, "LinearSoftplus": LinearSoftplus,
                     "SoftMatching": SoftMatching, "OneToOne": OneToOne}


def _over_ceiling(r, ceiling):
    """``r² / ceiling`` per unit; the tables count the units above 1 themselves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AboveCeilingWarning)
        return ceiling_normalized_score(r, ceiling)


def henaff_v1(data_home, output, *, n_folds=5, random_state=0):
    """Noise ceilings and pooled inter-animal predictivity of every class on V1."""
    data = load_henaff2021_v1(data_home)
    ceiling = split_half_reliability(data.spike_counts, n_splits=10,
                                     random_state=random_state)
    reliability = []
    for pen in dict.fromkeys(data.subjects.tolist()):
        pick = data.subjects == pen
        reliability.append({"penetration": pen, "units": int(pick.sum()),
                            "median_reliability": float(np.nanmedian(ceiling[pick])),
                            "reliable_fraction": float(np.mean(ceiling[pick] > 0.5))})
    # pooled N-1 across monkeys: targets are one monkey's units, sources all others'
    cv = KFold(n_folds, shuffle=True, random_state=random_state)
    scores, unit_r = [], {}
    for name, cls in TRANSFORM_CLASSES.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConstantUnitWarning)  # silent units: NaN
            r = unit_r[name] = pooled_source_scores(
                cls(), data.responses, data.monkey, data.areas, cv=cv,
                scoring="pearson").unit_scores
        normalised = _over_ceiling(r, ceiling)
        scores.append({"transform_class": name, "median_r": float(np.nanmedian(r)),
                       "median_r2_over_ceiling": float(np.nanmedian(normalised)),
                       "units_scored": int(np.isfinite(normalised).sum()),
                       "units_above_ceiling": int(np.sum(normalised > 1)),
                       "seconds": round(time.perf_counter() - start, 1)})
        log(f"henaff2021_v1: {name} pooled scores in {scores[-1]['seconds']} s")
    units = write_csv(output / "henaff2021_v1_units.csv", [
        {"penetration": data.subjects[u], "monkey": data.monkey[u],
         "cluster_group": data.cluster_group[u], "reliability": f"{ceiling[u]:.6g}",
         **{f"r_{name}": f"{r[u]:.6g}" for name, r in unit_r.items()}}
        for u in range(len(ceiling))])
    text = "\n".join([
        "Split-half reliability (Spearman–Brown, 10 splits) per penetration:",
        format_table(reliability), "",
        "Pooled inter-animal predictivity (sources: the other monkeys' units; "
        f"{n_folds}-fold over stimuli; Pearson r per unit; r²/ceiling for units with a "
        "positive reliability, not clipped at 1):", format_table(scores),
        f"Per-unit ceilings and scores: {units}"])
    figures = []
    plt = pyplot_or_none()
    if plt is not None:
        # r and r²/ceiling are different quantities: one axis each
        figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
        ReliabilityDisplay(ceiling, title="V1 noise ceilings (Hénaff et al., 2021)"
                           ).plot(axes[0])
        ScoreBarDisplay.from_rows(scores, "transform_class", ["median_r"], ax=axes[1],
                                  ylabel="median Pearson r",
                                  title="pooled inter-animal predictivity")
        ScoreBarDisplay.from_rows(scores, "transform_class", ["median_r2_over_ceiling"],
                                  ax=axes[2], ylabel="median r² / ceiling",
                                  title="normalised by the noise ceiling")
        caption = (f"{len(ceiling)} V1 units, {len(set(data.monkey))} monkeys; "
                   f"sources: the other monkeys' units; {n_folds}-fold "
                   "cross-validation over "
                   "stimuli; ceilings: split-half reliability, 10 splits")
        figures.append(save_figure(figure, output / "henaff2021_v1.png", caption))
    return text, {"reliability": reliability, "predictivity": scores}, figures


def cowley_v4(data_home, output, *, session="210325", n_folds=5, random_state=0):
    """Model (Gabor energy, 100 PCs) → V4 and V4 → model scores of every class, with the
    model → V4 scores normalised by the neurons' noise ceilings."""
    data = load_cowley2023_v4(session, data_home, images=True)
    images = data.images.reshape(len(data.images), -1).astype(np.float64) / 255.0
    energy = GaborEnergy(data.images.shape[1:]).fit_transform(images)
    # 100 principal components of the standardised energy model: the "model layer"
    model = PCA(100, random_state=random_state).fit_transform(
        (energy - energy.mean(0)) / (energy.std(0) + 1e-12))
    brain = data.responses
    ceiling = split_half_reliability(data.spike_counts, random_state=random_state)
    cv = KFold(n_folds, shuffle=True, random_state=random_state)
    scores = []
    for name, cls in TRANSFORM_CLASSES.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConstantUnitWarning)
            try:
                both = model_brain_scores(cls(), model, brain, cv=cv, scoring="pearson",
                                          return_unit_scores=True)
                forward, backward = both["model_to_brain_units"], both["brain_to_model"]
            except ValueError as exc:  # a Poisson GLM cannot take signed model units
                log(f"cowley2023_v4: {name} brain → model skipped: {exc}")
                forward = cross_val_unit_scores(cls(), model, brain, cv=cv,
                                                scoring="pearson")
                backward = np.nan
        scores.append({
            "transform_class": name,
            "model_to_brain_median_r": aggregate_unit_scores(forward, "median"),
            "model_to_brain_r2_over_ceiling":
                float(np.nanmedian(_over_ceiling(forward, ceiling))),
            "brain_to_model_median_r": backward,
            "seconds": round(time.perf_counter() - start, 1)})
        log(f"cowley2023_v4: {name} in {scores[-1]['seconds']} s")
    text = (f"Model (Gabor energy, 100 PCs) ↔ V4, session {session} ({brain.shape[1]} "
            f"neurons × {brain.shape[0]} images), {n_folds}-fold over images; median "
            f"split-half reliability {np.nanmedian(ceiling):.3f}:\n" + format_table(scores))
    figures = []
    plt = pyplot_or_none()
    if plt is not None:
        figure, axes = plt.subplots(1, 2, figsize=(12, 4.2))
        ScoreBarDisplay.from_rows(
            scores, "transform_class", ["model_to_brain_median_r",
                                        "brain_to_model_median_r"], ax=axes[0],
            ylabel="median Pearson r",
            title=f"Gabor model ↔ V4 (Cowley et al., 2023), session {session}")
        ScoreBarDisplay.from_rows(scores, "transform_class",
                                  ["model_to_brain_r2_over_ceiling"], ax=axes[1],
                                  ylabel="median r² / ceiling",
                                  title="model → V4, normalised by the noise ceiling")
        caption = (f"{brain.shape[1]} V4 neurons × {brain.shape[0]} images; model: "
                   f"Gabor energy, 100 PCs; {n_folds}-fold cross-validation over "
                   "images; n/a: brain → model needs signed targets a Poisson GLM "
                   "cannot take")
        figures.append(save_figure(figure, output / "cowley2023_v4.png", caption))
    return text, {"scores": scores}, figures


def _rdm_triangle(rsm):
    """Upper triangle (k = 1) of ``1 − (R + Rᵀ)/2``: a split-half RSM as an RDM (a
    split-half RSM correlates two halves of the data, so it is not symmetric)."""
    return 1.0 - ((rsm + rsm.T) / 2)[np.triu_indices(len(rsm), k=1)]


def _rsa_figure(similarity, areas, others, title, path):
    if pyplot_or_none() is None:
        return []
    display = SimilarityMatrixDisplay(similarity, areas, others).plot(
        label="RSA (Spearman ρ of RDMs)", title=title)
    display.figure_.set_size_inches(7, 6)
    return [save_figure(display.figure_, path)]


def coggan_fmri(data_home, output):
    """RSA between the fMRI profiles and their silhouettes by area and by subject."""
    data = load_coggan2024_fmri(data_home)
    areas = np.repeat(data.areas.astype(str), len(data.subjects))
    subjects = np.tile(data.subjects.astype(str), len(data.areas))
    similarity = compare_rdms([_rdm_triangle(data.rsm[a, s])
                               for a in range(len(data.areas))
                               for s in range(len(data.subjects))])
    off = ~np.eye(len(areas), dtype=bool)
    rows = []
    for grouping, labels in (("areas", areas), ("subjects", subjects)):
        same = labels[:, None] == labels[None, :]
        rows.append({"grouping": grouping,
                     "silhouette": area_silhouette(similarity, labels),
                     "mean_rsa_within": float(similarity[same & off].mean()),
                     "mean_rsa_between": float(similarity[~same].mean())})
    text = (f"RSA between the {len(areas)} fMRI profiles ({len(data.areas)} areas × "
            f"{len(data.subjects)} subjects; RDM = 1 − symmetrised split-half RSM; "
            "Spearman) and their silhouettes:\n" + format_table(rows))
    figures = _rsa_figure(similarity, areas, subjects,
                          "Coggan & Tong (2024) fMRI profiles",
                          output / "coggan2024_fmri.png")
    return text, {"silhouettes": rows}, figures


def conwell_allen(data_home, output):
    """RSA between the recorded area × layer profiles of mouse visual cortex: their
    silhouettes by area and by layer, and the split-half noise ceilings."""
    data = load_conwell2021_allen_rdms(data_home)
    recorded = np.argwhere(data.recorded)
    areas = data.areas.astype(str)[recorded[:, 0]]
    layers = data.layers.astype(str)[recorded[:, 1]]
    similarity = compare_rdms([_rdm_triangle(data.rsm[a, l]) for a, l in recorded])
    rows = [{"grouping": grouping, "silhouette": area_silhouette(similarity, labels),
             "profiles": len(areas)}
            for grouping, labels in (("areas", areas), ("layers", layers))]
    ceilings = [{"area": str(area), **{str(layer): float(data.noise_ceiling[i, j])
                                       for j, layer in enumerate(data.layers)}}
                for i, area in enumerate(data.areas)]
    text = ("RSA between the recorded area × layer profiles of mouse visual cortex "
            "(Spearman of RDMs) and their silhouettes:\n" + format_table(rows)
            + "\n\nSplit-half noise ceilings (area × layer):\n" + format_table(ceilings))
    figures = _rsa_figure(similarity, areas, layers,
                          "Allen Brain Observatory (Conwell et al., 2021)",
                          output / "conwell2021_allen_rdms.png")
    return text, {"silhouettes": rows, "noise_ceilings": ceilings}, figures


#: Recipe of each dataset (``_main.DATASETS``), and the options of the command it takes
#: (``n_folds``, ``random_state``, ``n_bootstraps``).
_CV = ("n_folds", "random_state")
RECIPES = {"henaff2021_v1": (henaff_v1, _CV), "cowley2023_v4": (cowley_v4, _CV),
           "coggan2024_fmri": (coggan_fmri, ()),
           "conwell2021_allen_rdms": (conwell_allen, ()),
           "siegle2021_allen_neuropixels": (siegle_allen, (*_CV, "n_bootstraps"))}
