"""
Beyond one RDM per layer: reweighting, variance partitioning, remixing
======================================================================

Plain RSA compares a brain RDM with one model RDM as it is. Four extensions ask more:

- **reweighting** (mixed RSA): which non-negative mixture of the layers' RDMs best
  explains the brain's, evaluated on stimuli the weights never saw;
- **variance partitioning**: how much of the brain RDM's variance each layer explains
  uniquely, and how much they share;
- **remixing**: the RDM of a linear classifier's cross-validated decision values for
  the task categories, read out from a layer;
- **feature-weighted RSA**: one weight per unit, fitted to the brain RDM.

The "network" is a random three-layer ReLU network on scikit-learn's digits; the
"brain" mixes its first layer, a subpopulation of its last layer and the digits'
categories.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import KFold

from sklearn_brainmap.metrics import rdm, rsa_score
from sklearn_brainmap.model_selection import (
    feature_weighted_rsa,
    remixed_rdm,
    reweighted_rsa,
    variance_partitioning,
)

rng = np.random.default_rng(0)
digits = load_digits()
index = np.concatenate([np.flatnonzero(digits.target == d)[:12] for d in range(10)])
images, labels = digits.data[index] / 16.0, digits.target[index]     # 120 stimuli

layers, h = [], images - images.mean(axis=0)
for width in (200, 150, 100):
    h = np.maximum(h @ rng.standard_normal((h.shape[1], width)) / np.sqrt(h.shape[1]), 0)
    layers.append(h)


def unit_variance(A):
    """Centred, scaled to a total variance of 1: each part weighs alike in the brain."""
    A = A - A.mean(axis=0)
    return A / np.sqrt(np.sum(A.var(axis=0)))


# the brain: a random mix of layer 1, a subpopulation (30 of 100 units) of layer 3,
# category signals, and noise
brain = np.c_[unit_variance(layers[0] @ rng.standard_normal((200, 40))),
              unit_variance(layers[2][:, :30]),
              unit_variance(np.eye(10)[labels])]
brain += 0.02 * rng.standard_normal(brain.shape)

layer_rdms = np.array([rdm(L) for L in layers])
brain_rdm = rdm(brain)
for k, D in enumerate(layer_rdms):
    print(f"layer {k + 1}: RSA {rsa_score(D, brain_rdm, rdm_metric='precomputed'):.3f}")

# %%
# Reweighting: a mixture of layers, cross-validated over stimuli
# --------------------------------------------------------------
# Each fold fits the weights by non-negative least squares on the dissimilarities
# among its training stimuli and scores the mixture on those among its test stimuli.
cv = KFold(5, shuffle=True, random_state=0)
mixed = reweighted_rsa(layer_rdms, brain_rdm, cv=cv)
print(f"reweighted RSA {mixed.score:.3f}; weights {np.round(mixed.weights, 3)}")

# %%
# Variance partitioning of the brain RDM between layers 1 and 3
# --------------------------------------------------------------
parts = variance_partitioning({"layer 1": layer_rdms[0], "layer 3": layer_rdms[2]},
                              brain_rdm, kind="rdm", cv=cv)
for name, value in parts.unique.items():
    print(f"unique to {name}: {value:.3f}")
print(f"shared: {parts.shared:.3f}  (R² of both: {parts.r2[('layer 1', 'layer 3')]:.3f})")

# %%
# Remixing: a category readout from layer 2
# -----------------------------------------
remixed = remixed_rdm(layers[1], labels, cv=5)
print(f"remixed layer 2: RSA {rsa_score(remixed, brain_rdm, rdm_metric='precomputed'):.3f}")

# %%
# Feature-weighted RSA of layer 3
# -------------------------------
# The model RDM is the squared Euclidean distance with one non-negative weight per
# unit; its unweighted version is the plain Euclidean RDM of the layer.
weighted = feature_weighted_rsa(layers[2], brain_rdm, cv=cv)
plain = rsa_score(rdm(layers[2], metric="euclidean"), brain_rdm, rdm_metric="precomputed")
print(f"layer 3, Euclidean RDM: RSA {plain:.3f}; feature-weighted: {weighted.score:.3f} "
      f"(held out), {np.count_nonzero(weighted.weights)} of 100 units kept")

# %%
# The three RDMs, stimuli sorted by category; each has its own colour scale (the
# dissimilarities are in different units), shown by its colour bar.
fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.2), layout="constrained")
for ax, (title, D) in zip(axes, [("brain", brain_rdm), ("layer 2", layer_rdms[1]),
                                 ("layer 2 remixed", remixed)]):
    image = ax.imshow(D, cmap="viridis")
    fig.colorbar(image, ax=ax, shrink=0.85, label="dissimilarity")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])

# %%
# The mixture of layers beats every layer alone on held-out stimuli. Layer 1 explains
# variance of its own; most of what layer 3 explains, layer 1 explains too. The
# remixed RDM keeps only what a category readout sees: clear category blocks, but it
# fits this brain less well than layer 2 itself, because this brain's geometry is
# more than its categories (remixing is the test of how category-driven an area is).
# Weighting layer 3's units improves on its unweighted Euclidean RDM, again on
# held-out stimuli.
