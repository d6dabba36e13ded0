"""
Compressing a large layer with IncrementalPCA before Ridge
===========================================================

Layers of deep networks have hundreds of thousands of units; stacking their responses
for every stimulus (and every fold) is what exhausts memory. A standard remedy
(e.g. Hebart's THINGS analyses) is to fit a PCA on the layer's responses to *other*
images, in batches, and regress the neurons on the component scores.

No new code is needed: scikit-learn's :class:`~sklearn.decomposition.IncrementalPCA`
fits the components batch by batch (``partial_fit``), never holding the whole layer in
memory, and :class:`~sklearn.frozen.FrozenEstimator` keeps that fit inside a
:class:`~sklearn.pipeline.Pipeline` so cross-validation only refits the ridge
regression. Here the "layer" is a random ReLU layer of 5,000 units on scikit-learn's
digits, computed batch by batch as a network would be; the same code runs unchanged on
500,000 units (memory grows with ``n_components × n_units``, not with the images).
"""

# %%
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import IncrementalPCA
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from sklearn_brainmap import Ridge
from sklearn_brainmap.utils import columnwise_r2

rng = np.random.default_rng(0)
images = load_digits().data.astype(np.float32) / 16.0
images -= images.mean(axis=0)
weights = rng.standard_normal((64, 5_000)).astype(np.float32)


def layer(batch):
    """The model layer's responses to a batch of images (float32, ReLU)."""
    return np.maximum(batch @ weights, 0)


stimuli, other = images[:300], images[300:1100]  # recorded stimuli; 800 other images
drive = np.maximum(stimuli @ rng.standard_normal((64, 30)).astype(np.float32), 0)
neural = rng.poisson(3 * drive) / 3             # 30 noisy neurons

# %%
# Fit the components on the other images, 200 at a time
# -----------------------------------------------------
pca = IncrementalPCA(n_components=50)
for start in range(0, len(other), 200):
    pca.partial_fit(layer(other[start:start + 200]))
print(f"{pca.n_components_} components keep "
      f"{pca.explained_variance_ratio_.sum():.1%} of the layer's variance on other images")

# %%
# Regress the neurons on the frozen components
# --------------------------------------------
# ``FrozenEstimator`` makes ``fit`` a no-op for the PCA: every fold uses the same
# components, learned without the recorded stimuli, and only
# :class:`~sklearn_brainmap.Ridge` (one penalty per neuron) is fitted on the training
# stimuli.
cv = KFold(5, shuffle=True, random_state=0)
features = layer(stimuli)                       # 300 × 5,000
compressed = make_pipeline(FrozenEstimator(pca), Ridge(cv=None))
r2_pca = columnwise_r2(neural, cross_val_predict(compressed, features, neural, cv=cv))
r2_full = columnwise_r2(neural, cross_val_predict(Ridge(cv=None), features, neural, cv=cv))
print(f"median held-out R²: 50 components {np.nanmedian(r2_pca):.3f}, "
      f"all 5,000 units {np.nanmedian(r2_full):.3f}")

# %%
# Fifty components fitted on other images keep most of what the full layer predicts
# (the rest lives in components the other images did not emphasise), in 100 times
# fewer columns. To fit the PCA on each fold's training stimuli instead (no other images
# available), put an unfrozen ``IncrementalPCA(n_components, batch_size=...)`` in the
# pipeline: it still never forms more than one batch of centred data at a time.
