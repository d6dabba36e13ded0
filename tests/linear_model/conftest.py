import warnings

import numpy as np
import pytest


@pytest.fixture(scope="session")
def digits_networks():
    """A small population of networks: one architecture, trained from different seeds.

    scikit-learn's ``MLPClassifier`` with two ReLU layers of 40 units on ``load_digits``
    (pixels scaled to [0, 1]), seeds 0, 1 and 2. Returns a list with, per network,
    ``(pre, post)``: the second layer's pre-activations and post-ReLU responses to all
    1797 images, read from ``coefs_`` and ``intercepts_``.
    """
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    population = []
    for seed in (0, 1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net = MLPClassifier(hidden_layer_sizes=(40, 40), max_iter=100,
                                random_state=seed).fit(X, y)
        assert net.score(X, y) > 0.9
        h = X
        for W, b in zip(net.coefs_[:-1], net.intercepts_[:-1]):
            pre = h @ W + b
            h = np.maximum(pre, 0.0)
        population.append((pre, h))
    return population
