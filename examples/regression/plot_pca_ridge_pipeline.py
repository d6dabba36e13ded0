"""
Model → brain with PCA and Ridge in a Pipeline
==============================================

A model layer has far more units than there are stimuli, so a common recipe compresses
it with PCA before a ridge regression onto the recorded neurons. Both steps live in one
scikit-learn ``Pipeline``, so PCA is refitted on the training stimuli of every fold and
no information leaks from the held-out stimuli.

Here the "model" is a random ReLU layer viewing scikit-learn's digits and the "neurons"
are a noisy, differently wired population viewing the same images.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from sklearn_brainmap import Ridge
from sklearn_brainmap.utils import columnwise_r2

rng = np.random.default_rng(0)
images = load_digits().data[:600] / 16.0
images -= images.mean(axis=0)
features = np.maximum(images @ rng.standard_normal((64, 2000)), 0)   # model layer
drive = np.maximum(images @ rng.standard_normal((64, 40)), 0)
neural = rng.poisson(3 * drive) / 3                                 # 40 noisy neurons

# %%
# Cross-validated predictions: one penalty per neuron chosen inside each fit.
cv = KFold(5, shuffle=True, random_state=0)
pipeline = make_pipeline(PCA(50, random_state=0), Ridge(cv=None))
predicted = cross_val_predict(pipeline, features, neural, cv=cv)
r2 = columnwise_r2(neural, predicted)
print(f"median held-out R² over neurons: {np.nanmedian(r2):.3f}")

# %%
# How many principal components? Compare a few.
for n_components in (5, 20, 50, 150):
    pred = cross_val_predict(make_pipeline(PCA(n_components, random_state=0),
                                           Ridge(cv=None)), features, neural, cv=cv)
    print(f"{n_components:>4} components: median R² "
          f"{np.nanmedian(columnwise_r2(neural, pred)):.3f}")

# %%
fig, ax = plt.subplots(figsize=(4, 3))
ax.hist(r2, bins=15)
ax.set_xlabel("held-out R² per neuron")
ax.set_ylabel("neurons")
fig.tight_layout()
