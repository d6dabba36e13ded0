"""Adam, the one first-order optimiser of the package (networks of the datasets, the
similarity optimisation of :mod:`sklearn_brainmap.inspection`)."""

import numpy as np


class Adam:
    """Adam steps on a list of arrays, updated in place.

    ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``, and
    ``θ ← θ ∓ lr · m̂ / (√v̂ + ε)`` with the bias-corrected ``m̂ = m / (1 − β₁ᵗ)``,
    ``v̂ = v / (1 − β₂ᵗ)`` (descent; ``ascent=True`` climbs the gradient instead).

    Parameters
    ----------
    params : list of ndarray
        The arrays to optimise; each :meth:`step` writes into them.
    learning_rate : float
    beta1, beta2, eps : float, default=0.9, 0.999, 1e-8
    ascent : bool, default=False

    References
    ----------
    Kingma & Ba (2015), Adam: a method for stochastic optimization, *ICLR*.
    """

    def __init__(self, params, learning_rate, *, beta1=0.9, beta2=0.999, eps=1e-8,
                 ascent=False):
        self.params, self.lr, self.ascent = list(params), learning_rate, ascent
        self.b1, self.b2, self.eps = beta1, beta2, eps
        self.m = [np.zeros_like(a) for a in self.params]
        self.v = [np.zeros_like(a) for a in self.params]
        self.t = 0

    def step(self, grads):
        """One step with the gradients ``grads`` (one per array, in order)."""
        self.t += 1
        for a, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g**2
            update = self.lr * (m / (1 - self.b1**self.t)) / (
                np.sqrt(v / (1 - self.b2**self.t)) + self.eps)
            if self.ascent:
                a += update
            else:
                a -= update
