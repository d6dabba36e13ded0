"""
Single-subject encoding, step by step
=====================================

An fMRI encoding analysis of one subject: two candidate feature spaces (say, two layers
of a network) → every voxel, cross-validated over stimuli, a held-out score per voxel,
and a map of which model predicts each region of interest (ROI) best.

The "voxels" here are simulated so that the example runs anywhere: 300 stimuli, 120
voxels in three ROIs, each ROI driven by one of the two feature spaces (or by neither)
plus noise. With real data, ``features`` are a layer's activations to the stimuli
(``(n_stimuli, n_features)``) and ``voxels`` the response estimates of the same
stimuli (``(n_stimuli, n_voxels)``, e.g. single-trial betas averaged over repeats).
"""

# %%
# The data: features, voxels and an ROI label per voxel.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold

from sklearn_brainmap import Ridge
from sklearn_brainmap.model_selection import cross_val_unit_scores

rng = np.random.default_rng(0)
n_stimuli = 300
features = {"early layer": rng.standard_normal((n_stimuli, 40)),
            "late layer": rng.standard_normal((n_stimuli, 60))}
rois = np.repeat(["V1", "LOC", "FFA"], 40)
drivers = {"V1": "early layer", "LOC": "late layer", "FFA": None}
voxels = np.column_stack([
    (features[drivers[roi]] @ rng.standard_normal(features[drivers[roi]].shape[1]) / 6
     if drivers[roi] else 0.0) + rng.standard_normal(n_stimuli)
    for roi in rois])

# %%
# Cross-validated per-voxel scores: one ridge penalty per voxel, chosen inside each
# training fold (``Ridge`` is multi-output, so one fit covers every voxel); the test
# folds are stimuli the fit never saw. ``return_folds=True`` also gives each fold's
# scores, e.g. to see how stable a voxel's score is.
cv = KFold(5, shuffle=True, random_state=0)
scores, folds = {}, {}
for name, X in features.items():
    scores[name], folds[name] = cross_val_unit_scores(
        Ridge(), X, voxels, cv=cv, scoring="pearson", return_folds=True)
    print(f"{name}: median held-out r over voxels {np.nanmedian(scores[name]):.3f}, "
          f"fold-to-fold sd {np.nanmedian(folds[name].std(axis=0)):.3f}")

# %%
# The best model per ROI: the median over the ROI's voxels of each model's score.
names = list(features)
table = np.array([[np.nanmedian(scores[name][rois == roi]) for name in names]
                  for roi in drivers])
for roi, row in zip(drivers, table):
    # an ROI that no model predicts has no best model: say so rather than pick one
    best_name = names[int(np.argmax(row))] if row.max() > 0.1 else "none"
    print(f"{roi:>4}: best {best_name!r} "
          f"({', '.join(f'{n} {v:.2f}' for n, v in zip(names, row))})")

# %%
# A map of the best model per voxel (here the voxels are laid out by ROI; with real
# data, put the values back into the brain volume or surface).
best = np.argmax(np.vstack([scores[name] for name in names]), axis=0)
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].imshow(table, cmap="viridis", vmin=0)
axes[0].set(xticks=range(len(names)), xticklabels=names, yticks=range(len(drivers)),
            yticklabels=list(drivers), title="median held-out r per ROI")
axes[1].scatter(np.arange(rois.size), np.max([scores[n] for n in names], axis=0),
                c=best, cmap="coolwarm", s=10)
axes[1].set(xlabel="voxel (grouped by ROI)", ylabel="best held-out r",
            title="best model per voxel (colour)")
fig.tight_layout()
plt.show()
