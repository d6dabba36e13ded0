"""
Sparseness and tuning distributions: the early model ↔ V1 comparisons
=====================================================================

Before regressions and RDMs, models of V1 were compared with neurons through response
statistics: how *sparse* responses are over natural images (Rolls & Tovee; Vinje &
Gallant), and how the *tuning properties* of units are distributed, such as their
preferred spatial frequency (De Valois et al.). Brain-Score's V1 property benchmarks
compare such distributions by one minus the Kolmogorov–Smirnov distance.

The model here is a bank of Gabor filters: energy (complex-cell-like) units and
rectified linear (simple-cell-like) units.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_image

from sklearn_brainmap.features import GaborEnergy, gabor_kernel, grating_tuning, make_gratings
from sklearn_brainmap.metrics import (
    ks_similarity_score,
    lifetime_sparseness,
    population_sparseness,
)

rng = np.random.default_rng(0)
size = 32
wavelengths = (3.0, 4.0, 6.0, 8.0)
energy = GaborEnergy((size, size), n_orientations=4, wavelengths=wavelengths, grid=1,
                     log=False)
# simple cells: rectified even Gabor filters at the same orientations and wavelengths
filters = np.array([gabor_kernel(size, w, np.pi * k / 4, 0.0)[:size, :size].ravel()
                    for w in wavelengths for k in range(4)])


def simple(images):
    return np.maximum(images @ filters.T, 0)


# %%
# Lifetime and population sparseness over natural image patches
# --------------------------------------------------------------
photo = load_sample_image("china.jpg").mean(axis=2) / 255.0
rows = rng.integers(0, photo.shape[0] - size, 200)
cols = rng.integers(0, photo.shape[1] - size, 200)
patches = np.array([photo[r:r + size, c:c + size].ravel() for r, c in zip(rows, cols)])
patches -= patches.mean(axis=1, keepdims=True)      # remove each patch's mean luminance

responses = {"energy units": energy.fit_transform(patches),
             "rectified linear units": simple(patches)}
fig, axes = plt.subplots(1, 2, figsize=(8, 3))
for name, R in responses.items():
    S = lifetime_sparseness(R)
    print(f"{name}: median lifetime sparseness {np.median(S):.2f}, "
          f"median population sparseness {np.median(population_sparseness(R)):.2f}")
    axes[0].hist(S, bins=15, range=(0, 1), alpha=0.6, label=name)
    axes[1].hist(population_sparseness(R), bins=15, range=(0, 1), alpha=0.6, label=name)
axes[0].set_xlabel("lifetime sparseness (per unit)")
axes[1].set_xlabel("population sparseness (per patch)")
axes[0].legend()
fig.tight_layout()

# %%
# Rectification makes simple-cell responses far sparser than the phase-invariant
# energy, over time (lifetime) and across the population.
#
# Preferred spatial frequency: model units vs "neurons"
# ------------------------------------------------------
# Gratings of 8 spatial frequencies × 8 orientations × 4 phases; each unit's
# preferred frequency is the peak of its tuning. We assume 8 pixels per degree of
# visual angle, and compare with a sample of "neurons" whose preferred frequencies
# follow a log-normal distribution around 2 cycles/degree, the shape De Valois et al.
# (1982) report for foveal V1 (a simulated stand-in: no recordings ship here).
pixels_per_degree = 8.0
frequencies = np.geomspace(1 / 24, 0.4, 8)               # cycles per pixel
gratings = make_gratings((size, size), frequencies, orientations=8)
tuning = grating_tuning(energy.transform(gratings.images), gratings.spatial_frequency,
                        gratings.orientation)
model_sf = tuning.preferred_spatial_frequency * pixels_per_degree
neuron_sf = np.exp(rng.normal(np.log(2.0), 0.6, 200))
print(f"KS similarity of preferred spatial frequency: "
      f"{ks_similarity_score(model_sf, neuron_sf):.2f}")

fig, ax = plt.subplots(figsize=(5, 3))
bins = np.geomspace(0.2, 8, 16)
ax.hist(neuron_sf, bins=bins, alpha=0.6, density=True, label="neurons (simulated)")
ax.hist(model_sf, bins=bins, alpha=0.6, density=True, label="Gabor energy units")
ax.set_xscale("log")
ax.set_xlabel("preferred spatial frequency (cycles/degree)")
ax.legend()
fig.tight_layout()

# %%
# The score is one minus the largest gap between the two cumulative distributions;
# it does not change if both are put on a log scale. A circular property such as
# preferred orientation should be compared as an angle from a reference, since the
# Kolmogorov–Smirnov distance depends on where the circle is cut.
