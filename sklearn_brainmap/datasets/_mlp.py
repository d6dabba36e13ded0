"""A small multilayer perceptron in NumPy: the networks of the simulated populations.

Plain functions on arrays: initialise, run forward (keeping pre- and post-activation
responses of every hidden layer), and train with minibatch Adam on the softmax
cross-entropy. Small enough to train several seeds in seconds on a laptop.
"""

import numpy as np

from ..utils._adam import Adam
from ._activations import ACTIVATIONS


def init_mlp(layer_sizes, rng):
    """He-initialised weights and zero biases for ``layer_sizes = (n_in, h1, ..., n_out)``."""
    params = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        params.append((W, np.zeros(fan_out)))
    return params


def forward(params, X, activation):
    """Run the network; return logits and the (pre, post) responses of each hidden layer."""
    act = ACTIVATIONS[activation][0]
    layers = []
    h = X
    for W, b in params[:-1]:
        pre = h @ W + b
        h = act(pre)
        layers.append((pre, h))
    W, b = params[-1]
    return h @ W + b, layers


def _gradients(params, X, y, activation, weight_decay):
    """Gradients of mean cross-entropy + weight_decay/2 Σ‖W‖² by backpropagation."""
    d_act = ACTIVATIONS[activation][1]
    logits, layers = forward(params, X, activation)
    logits = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=1, keepdims=True)
    delta = prob
    delta[np.arange(len(y)), y] -= 1.0
    delta /= len(y)
    grads = []
    inputs = [X] + [post for _, post in layers]
    for k in range(len(params) - 1, -1, -1):
        W, _ = params[k]
        grads.append((inputs[k].T @ delta + weight_decay * W, delta.sum(axis=0)))
        if k:
            delta = (delta @ W.T) * d_act(layers[k - 1][0])
    return grads[::-1]


def train_mlp(X, y, hidden, activation, rng, *, n_epochs=40, batch_size=64,
              learning_rate=3e-3, weight_decay=1e-4):
    """Train an MLP classifier with Adam (Kingma & Ba, 2015); the seed sets init and order.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_inputs)
    y : ndarray of int, shape (n_samples,)
    hidden : tuple of int
        Hidden layer sizes.
    activation : {"relu", "softplus"}
    rng : numpy.random.Generator
        Draws the initial weights and the order of the minibatches.

    Returns
    -------
    params : list of (W, b)
    """
    n_classes = int(y.max()) + 1
    params = init_mlp((X.shape[1], *hidden, n_classes), rng)
    adam = Adam([a for layer in params for a in layer], learning_rate)
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            batch = order[start:start + batch_size]
            grads = _gradients(params, X[batch], y[batch], activation, weight_decay)
            adam.step([g for layer in grads for g in layer])
    return params


def accuracy(params, X, y, activation):
    """Fraction of samples whose largest logit is their label."""
    logits, _ = forward(params, X, activation)
    return float(np.mean(np.argmax(logits, axis=1) == y))


# ------------------------------------------------------------------------- settings
#: Stimuli at most: the other 797 of scikit-learn's 1,797 digits train the networks.
MAX_STIMULI = 1000

#: The MLP generator's parameters and defaults (``make_model_population`` fills them).
DEFAULTS = {"hidden": (128, 128, 128), "n_stimuli": 600, "n_neurons": 50, "n_epochs": 40}


def check_settings(settings):
    """Check the MLP generator's settings before any training."""
    hidden, n_neurons, n_stimuli = (settings[k] for k in ("hidden", "n_neurons",
                                                           "n_stimuli"))
    if len(hidden) < 1:
        raise ValueError("hidden must hold at least one layer size (positive integers) "
                         "for architecture='mlp', got ().")
    if n_neurons > min(hidden):
        raise ValueError(f"n_neurons={n_neurons} is larger than the smallest layer "
                         f"({min(hidden)} units).")
    if n_stimuli > MAX_STIMULI:
        raise ValueError(f"n_stimuli must be at most {MAX_STIMULI} for architecture='mlp' "
                         f"(797 digits train the networks), got {n_stimuli}.")
