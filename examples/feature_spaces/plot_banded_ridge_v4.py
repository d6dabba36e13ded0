"""
Which layer of a CNN carries the variance of V4 neurons? Banded ridge
=====================================================================

A convolutional network's three layers are three *feature spaces* (bands) for
predicting macaque V4 neurons (Cowley, Stan, Pillow & Smith, 2023) from the images
they were shown. One shared ridge penalty lets the largest or loudest layer dominate;
:class:`~sklearn_brainmap.BandedRidge` gives each layer its own penalty for each
neuron, chosen by cross-validation (Dupré la Tour et al., 2022), and
:func:`~sklearn_brainmap.metrics.split_r2_score` splits each neuron's held-out R²
into the layers' shares (the product measure).

The network is the package's small CNN (the one behind
:func:`~sklearn_brainmap.datasets.make_model_population`), trained without labels
(SimCLR's contrastive objective) on grey versions of the session's images; its
layers' responses to every image, average-pooled on a 4 × 4 grid, are the features.

The data are read from ``$SKLEARN_BRAINMAP_DATA`` or a ``shared/data`` folder next to
the repository; without them this example only says so.
"""

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold, train_test_split

from sklearn_brainmap import BandedRidge, Ridge
from sklearn_brainmap.datasets import _cnn, load_cowley2023_v4
from sklearn_brainmap.metrics import r2_score, split_r2_score


def find_data_home():
    if os.environ.get("SKLEARN_BRAINMAP_DATA"):
        return Path(os.environ["SKLEARN_BRAINMAP_DATA"])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "shared" / "data" / "cowley2023_v4").is_dir():
            return folder / "shared" / "data"
    return None


def pooled(maps, grid=4):
    """A layer's maps (n, h, w, c) averaged on a grid × grid partition of positions."""
    rows = np.array_split(np.arange(maps.shape[1]), grid)
    cols = np.array_split(np.arange(maps.shape[2]), grid)
    return np.concatenate([maps[:, r][:, :, k].mean(axis=(1, 2)) for r in rows
                           for k in cols], axis=1)


data_home = find_data_home()
if data_home is None:
    print("The cowley2023_v4 recordings were not found: nothing to show.")
else:
    data = load_cowley2023_v4("210325", data_home, images=True)
    print(data.DESCR)

    # %%
    # The network's layers as features. Images: grey, 56 × 56 (2 × 2 means),
    # standardised. ``_cnn`` is the package's NumPy CNN, trained here from one seed
    # (100 steps), then run on every image.
    grey = data.images.astype(float).mean(axis=3)
    grey = grey.reshape(len(grey), 56, 2, 56, 2).mean(axis=(2, 4))
    grey = (grey - grey.mean()) / grey.std()
    rng = np.random.default_rng(0)
    params, loss = _cnn.train_cnn(list(grey), (32, 64, 64), "relu", rng, n_steps=100)
    layers = _cnn.forward(params, grey[..., None].astype(np.float32), "relu")
    train, test = train_test_split(np.arange(len(grey)), test_size=0.2, random_state=0)
    features = []
    for _, _, post, _ in layers:
        block = pooled(post).astype(float)
        # ReLU units silent on the training images carry nothing: dropped
        features.append(block[:, block[train].std(axis=0) > 0])
    names = ["layer 1", "layer 2", "layer 3"]
    X, Y = np.hstack(features), data.responses
    bands = np.repeat(np.arange(3), [f.shape[1] for f in features])
    print("features per layer:", [f.shape[1] for f in features], "; neurons:", Y.shape[1])
    print("mean |response| per layer:",
          [round(float(np.abs(f).mean()), 2) for f in features])

    # %%
    # Banded ridge: one penalty per layer and neuron, chosen by 5-fold
    # cross-validation among 104 candidate layer scalings × 19 penalties, fitted on 80 %
    # of the images; held-out R² on the rest. Compared with one shared penalty
    # (:class:`~sklearn_brainmap.Ridge` on all layers) and with each layer alone.
    cv = KFold(5, shuffle=True, random_state=0)
    banded = BandedRidge(bands=bands, cv=cv, n_iter=100, random_state=0)
    banded.fit(X[train], Y[train])
    ridge = Ridge(cv=cv).fit(X[train], Y[train])
    r2_banded = r2_score(Y[test], banded.predict(X[test]), multioutput="raw_values")
    r2_ridge = r2_score(Y[test], ridge.predict(X[test]), multioutput="raw_values")
    print(f"held-out median R²: banded ridge {np.median(r2_banded):.3f}, "
          f"one shared penalty {np.median(r2_ridge):.3f}")
    for b, name in enumerate(names):
        alone = Ridge(cv=cv).fit(X[train][:, bands == b], Y[train])
        r2 = r2_score(Y[test], alone.predict(X[test][:, bands == b]),
                      multioutput="median")
        print(f"  {name} alone: median R² {r2:.3f}")

    # %%
    # Each layer's share of every neuron's held-out R² (they sum to its R², the
    # prediction's mean set to the data's).
    shares = split_r2_score(Y[test], banded.predict(X[test], split=True))
    best_layer = np.argmax(shares, axis=0)
    for b, name in enumerate(names):
        print(f"{name}: median share {np.median(shares[b]):.3f}; the largest share for "
              f"{np.mean(best_layer == b):.0%} of neurons")

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    order = np.argsort(-r2_banded)
    positive, negative = np.zeros(Y.shape[1]), np.zeros(Y.shape[1])
    for b, name in enumerate(names):
        part = shares[b, order]
        base = np.where(part >= 0, positive, negative)
        axes[0].bar(np.arange(Y.shape[1]), part, bottom=base, label=name)
        positive += np.maximum(part, 0)
        negative += np.minimum(part, 0)
    axes[0].set(xlabel="neuron (by held-out R²)", ylabel="share of held-out R²",
                title="Each layer's share (product measure)")
    axes[0].legend()
    axes[1].scatter(r2_ridge, r2_banded, s=12)
    low = min(r2_ridge.min(), r2_banded.min())
    high = max(r2_ridge.max(), r2_banded.max())
    axes[1].plot([low, high], [low, high], color="grey", lw=1)
    axes[1].set(xlabel="R², one shared penalty", ylabel="R², banded ridge",
                title="Held-out R² per neuron")
    fig.tight_layout()
    plt.show()

# %%
# References: Cowley, Stan, Pillow & Smith (2023), *bioRxiv*; Dupré la Tour,
# Eickenberg, Nunez-Elizalde & Gallant (2022), *NeuroImage* 264; St-Yves & Naselaris
# (2018), *NeuroImage* 180.
