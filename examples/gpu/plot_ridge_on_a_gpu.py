"""
Ridge, scores and CKA on a GPU through the array API
====================================================

With scikit-learn's array-API dispatch turned on, :class:`~sklearn_brainmap.Ridge`,
:class:`~sklearn_brainmap.OneToOne`, the column-wise scores, CKA, Procrustes, RSA and
:class:`~sklearn_brainmap.model_selection.PairwiseMapping` run in the namespace and on
the device of their inputs: give them PyTorch tensors on a GPU and every product and
decomposition runs there, and the fitted arrays stay there.

This example uses PyTorch on a GPU when there is one, PyTorch on the CPU when there is
not, and array-api-strict (NumPy underneath, the reference implementation of the
standard) when PyTorch is not installed, so it runs anywhere. Only the line that makes
the arrays changes.
"""

# %%
# SciPy reads ``SCIPY_ARRAY_API`` once, when it is first imported: set it before
# importing scikit-learn (or export it in the shell).
import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402

from sklearn_brainmap import Ridge  # noqa: E402
from sklearn_brainmap.metrics import cka_score, r2_score  # noqa: E402

try:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"

    def on_device(A):
        return torch.asarray(A, dtype=torch.float32, device=device)

    where = f"PyTorch on {device}"
except ImportError:
    import array_api_strict as xp

    def on_device(A):
        return xp.asarray(A, dtype=xp.float32)

    where = "array-api-strict (CPU)"
print(f"running on {where}")

# %%
# A model layer (500 units) and 300 simulated neurons that read a few of its
# directions, for 800 training and 200 test stimuli. float32 halves the memory and
# is what GPUs are fast at.
rng = np.random.default_rng(0)
features = rng.standard_normal((1000, 500)) @ rng.standard_normal((500, 500)) / 20
readout = rng.standard_normal((500, 300)) * (rng.random((500, 1)) < 0.05)
neurons = features @ readout + rng.standard_normal((1000, 300)) * 2.0
train, test = slice(0, 800), slice(800, None)
X, Y = on_device(features), on_device(neurons)

# %%
# Fit with one penalty per neuron chosen by 5-fold cross-validation, all on the
# device. The fitted ``coef_`` and ``alpha_`` are arrays of the same namespace.
with sklearn.config_context(array_api_dispatch=True):
    start = time.perf_counter()
    model = Ridge(cv=5).fit(X[train, :], Y[train, :])
    predicted = model.predict(X[test, :])
    seconds = time.perf_counter() - start
    median_r2 = r2_score(Y[test, :], predicted, multioutput="median")
    cka = cka_score(X[test, :], Y[test, :])
print(f"fit + predict: {seconds:.2f} s; coef_ is a {type(model.coef_).__name__} "
      f"of shape {tuple(model.coef_.shape)}")
print(f"held-out median R² over neurons: {median_r2:.3f}; CKA(model, neurons): {cka:.3f}")

# %%
# The same fit on NumPy arrays (dispatch off, the NumPy kernels) chooses the same
# penalties up to float32 rounding and gives the same predictions.
numpy_model = Ridge(cv=5).fit(features[train].astype(np.float32),
                              neurons[train].astype(np.float32))


def to_numpy(A):
    """A host copy: PyTorch tensors may live on a GPU."""
    return A.cpu().numpy() if hasattr(A, "cpu") else np.asarray(A)


alpha = to_numpy(model.alpha_)
print(f"same penalty as on NumPy for {np.mean(alpha == numpy_model.alpha_):.0%} of neurons")
