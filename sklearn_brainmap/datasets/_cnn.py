"""A small convolutional network in NumPy, trained contrastively: the default subjects.

Plain functions on arrays (images are ``(n, height, width, channels)``):

- convolution by ``im2col`` (every receptive-field patch as a row, one matrix product
  with the filters) and its backward pass;
- overlapping 3×3 / stride-2 max pooling (AlexNet's) and its backward pass;
- the SimCLR / InfoNCE loss on two augmented crops of each image (Chen et al., 2020;
  van den Oord et al., 2018) and its gradient;
- training by Adam (Kingma & Ba, 2015) from a seed that sets the initial filters and
  the order and augmentation of the crops.

The architecture is a miniature of the papers' AlexNet: ``conv(5×5) → act → pool →
conv(3×3) → act → pool → conv(3×3) → act``; every convolution is "valid" (no padding)
with stride 1, so on 23×23 crops the maps are 19×19, 7×7 and 1×1 and the receptive
fields of the units at their centres are 5, 11 and 23 pixels.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..utils._adam import Adam
from ._activations import ACTIVATIONS

#: Kernel side of each convolution; a 3×3 / stride-2 max pool follows all but the last.
KERNELS = (5, 3, 3)
POOL, POOL_STRIDE = 3, 2


# --------------------------------------------------------------------------- layers
def im2col(x, k):
    """Every k×k patch of ``x`` (n, h, w, c) as a row: (n, h-k+1, w-k+1, k·k·c)."""
    patches = sliding_window_view(x, (k, k), axis=(1, 2))  # (n, h', w', c, k, k)
    n, h, w, c = patches.shape[:4]
    return patches.transpose(0, 1, 2, 4, 5, 3).reshape(n, h, w, k * k * c)


def conv_forward(x, W, b):
    """Valid convolution (cross-correlation) of ``x`` with filters ``W`` (k, k, c_in, c_out)."""
    k, _, _, c_out = W.shape
    return im2col(x, k) @ W.reshape(-1, c_out) + b


def conv_backward(x, W, grad_out, input_grad=True):
    """Gradients of a valid convolution: ``(d input, d W, d b)`` from ``d output``.

    ``dW = Σ patchᵀ · grad_out``; the input gradient adds every output position's
    ``grad_out · Wᵀ`` back onto its patch (col2im), one shifted slice per filter tap.
    ``input_grad=False`` skips it (None): the first layer's input is the image.
    """
    k, _, c_in, c_out = W.shape
    n, h, w, _ = grad_out.shape
    cols = im2col(x, k).reshape(-1, k * k * c_in)
    flat = grad_out.reshape(-1, c_out)
    dW = (cols.T @ flat).reshape(W.shape)
    db = flat.sum(axis=0)
    if not input_grad:
        return None, dW, db
    dcols = (flat @ W.reshape(-1, c_out).T).reshape(n, h, w, k, k, c_in)
    dx = np.zeros_like(x)
    for i in range(k):
        for j in range(k):
            dx[:, i:i + h, j:j + w] += dcols[:, :, :, i, j]
    return dx, dW, db


def _taps(shape):
    """The 3×3 window taps of stride-2 pooling as slices of a map of ``shape``."""
    h = (shape[1] - POOL) // POOL_STRIDE + 1
    w = (shape[2] - POOL) // POOL_STRIDE + 1
    span_h, span_w = POOL_STRIDE * (h - 1) + 1, POOL_STRIDE * (w - 1) + 1
    return [(slice(None), slice(i, i + span_h, POOL_STRIDE), slice(j, j + span_w, POOL_STRIDE))
            for i in range(POOL) for j in range(POOL)]


def pool_forward(x):
    """3×3 max pooling with stride 2 (the maximum of nine strided slices)."""
    taps = _taps(x.shape)
    out = x[taps[0]].copy()
    for tap in taps[1:]:
        np.maximum(out, x[tap], out=out)
    return out


def pool_backward(x, out, grad_out):
    """Route each window's gradient to its maximum (overlapping windows add up).

    A window whose maximum is tied sends the gradient to every tied input; after a
    ReLU the only ties are zeros, whose gradient the ReLU's derivative removes.
    """
    dx = np.zeros_like(x)
    for tap in _taps(x.shape):
        dx[tap] += grad_out * (x[tap] == out)
    return dx


def map_sizes(size):
    """Side of each convolution's output map for ``size``×``size`` inputs."""
    sides = []
    for layer, k in enumerate(KERNELS):
        size = size - k + 1
        if size < 1:
            raise ValueError("the input is smaller than the network's receptive field")
        sides.append(size)
        if layer < len(KERNELS) - 1:
            size = (size - POOL) // POOL_STRIDE + 1
    return sides


def receptive_fields():
    """Receptive-field side (pixels) of one unit of each convolution's map."""
    fields, field, jump = [], 1, 1
    for layer, k in enumerate(KERNELS):
        field += (k - 1) * jump
        fields.append(field)
        if layer < len(KERNELS) - 1:
            field += (POOL - 1) * jump
            jump *= POOL_STRIDE
    return fields


# -------------------------------------------------------------------------- network
def init_cnn(channels, rng, n_inputs=1, n_embedding=64):
    """He-initialised filters, zero biases and a linear projection head (SimCLR's)."""
    # float32: training is bound by memory traffic and the matrix products of im2col
    params, fan_channels = [], n_inputs
    for k, c in zip(KERNELS, channels):
        fan_in = k * k * fan_channels
        W = rng.standard_normal((k, k, fan_channels, c)) * np.sqrt(2 / fan_in)
        params.append([W.astype(np.float32), np.zeros(c, dtype=np.float32)])
        fan_channels = c
    head = rng.standard_normal((fan_channels, n_embedding)) / np.sqrt(fan_channels)
    return params, head.astype(np.float32)


def forward(params, x, activation):
    """Run the convolutions; return every layer's (input, pre, post, output)."""
    act = ACTIVATIONS[activation][0]
    cache = []
    for layer, (W, b) in enumerate(params):
        z = conv_forward(x, W, b)
        h = act(z)
        out = pool_forward(h) if layer < len(params) - 1 else h
        cache.append((x, z, h, out))
        x = out
    return cache


def info_nce(embedding, temperature):
    """SimCLR's NT-Xent loss of ``2B`` embeddings (rows ``i`` and ``i + B`` are a pair).

    ``u = e / ‖e‖``, ``S = u uᵀ / τ`` without its diagonal; the loss is the mean over
    rows of ``−S[i, pair(i)] + log Σ_{j ≠ i} exp S[i, j]``. Returns the loss and its
    gradient with respect to ``embedding``.
    """
    n = embedding.shape[0]
    half = n // 2
    norm = np.linalg.norm(embedding, axis=1, keepdims=True) + 1e-12
    u = embedding / norm
    S = u @ u.T / temperature
    np.fill_diagonal(S, -np.inf)
    pair = np.concatenate([np.arange(half, n), np.arange(half)])
    S_max = S.max(axis=1, keepdims=True)
    P = np.exp(S - S_max)
    log_sum = np.log(P.sum(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    loss = float(np.mean(-S[np.arange(n), pair] + (S_max + log_sum)[:, 0]))
    G = P
    G[np.arange(n), pair] -= 1.0
    G /= n
    dU = (G + G.T) @ u / temperature
    # through the normalisation: d(e/‖e‖) = (I − u uᵀ) de / ‖e‖
    d_embedding = (dU - u * np.sum(u * dU, axis=1, keepdims=True)) / norm
    return loss, d_embedding


def contrastive_loss_and_gradients(params, head, x, activation, temperature):
    """The InfoNCE loss of a batch of crop pairs and its gradients (backpropagation)."""
    d_act = ACTIVATIONS[activation][1]
    cache = forward(params, x, activation)
    top = cache[-1][2]                           # (2B, h, w, c): last layer, post
    pooled = top.mean(axis=(1, 2))
    embedding = pooled @ head
    loss, d_embedding = info_nce(embedding, temperature)
    d_head = pooled.T @ d_embedding
    d_pooled = d_embedding @ head.T
    grad = np.broadcast_to(d_pooled[:, None, None, :] / (top.shape[1] * top.shape[2]),
                           top.shape)
    grads = [None] * len(params)
    for layer in range(len(params) - 1, -1, -1):
        x_in, z, h, out = cache[layer]
        if layer < len(params) - 1:
            grad = pool_backward(h, out, grad)
        grad = grad * d_act(z)
        grad, dW, db = conv_backward(x_in, params[layer][0], grad, input_grad=layer > 0)
        grads[layer] = [dW, db]
    return loss, grads, d_head


def augmented_pairs(images, batch_size, size, rng, jitter):
    """Two augmented ``size``×``size`` crops of ``batch_size`` random image regions.

    Each region is a ``(size + jitter)``-pixel square at a random place of a random
    image; its two views are crops at independent offsets within it, each flipped left
    to right with probability 1/2 and given its own contrast (× 0.6–1.4) and brightness
    (± 0.3 sd). Returns ``(2 · batch_size, size, size, 1)``: the first half and the second
    half are the two views.
    """
    region = size + jitter
    which = rng.integers(len(images), size=batch_size)
    views = np.empty((2, batch_size, size, size))
    for b, image in enumerate(which):
        img = images[image]
        top = rng.integers(img.shape[0] - region + 1)
        left = rng.integers(img.shape[1] - region + 1)
        patch = img[top:top + region, left:left + region]
        for v in range(2):
            i, j = rng.integers(jitter + 1, size=2)
            crop = patch[i:i + size, j:j + size]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            views[v, b] = crop * rng.uniform(0.6, 1.4) + rng.normal(0.0, 0.3)
    return views.reshape(2 * batch_size, size, size, 1).astype(np.float32)


def train_cnn(images, channels, activation, rng, *, n_steps=100, batch_size=64, size=23,
              jitter=8, temperature=0.2, learning_rate=2e-3):
    """Train the network contrastively; return the parameters and the loss per step.

    Parameters
    ----------
    images : list of ndarray of shape (height, width)
        Standardised grey images (at least ``size + jitter`` pixels on each side).
    channels : tuple of int
        Channels of the three convolutions.
    activation : {"relu", "softplus"}
    rng : numpy.random.Generator
        Draws the initial filters, the crops and their augmentation.

    Returns
    -------
    params : list of [W, b]
    losses : ndarray of shape (n_steps,)
    """
    params, head = init_cnn(channels, rng)
    flat = [a for layer in params for a in layer] + [head]
    adam = Adam(flat, learning_rate)
    losses = np.empty(n_steps)
    for step in range(1, n_steps + 1):
        x = augmented_pairs(images, batch_size, size, rng, jitter)
        loss, grads, d_head = contrastive_loss_and_gradients(params, head, x, activation,
                                                             temperature)
        losses[step - 1] = loss
        adam.step([g for layer in grads for g in layer] + [d_head])
    return params, losses


# ------------------------------------------------------------------------- settings
#: Side of the crops the networks learn from and are shown (pixels): the receptive
#: field of a layer-3 unit, whose map is then 1×1.
CROP = 23

#: The CNN generator's parameters and defaults (``make_model_population`` fills them).
DEFAULTS = {"hidden": (32, 64, 64), "n_stimuli": 500, "n_neurons": None,
            "sampling": "hypercolumn", "window": 1, "images": "dead_leaves",
            "n_steps": 50}


def check_settings(settings):
    """Check the CNN generator's settings before any training (errors name the
    parameter and what to do).

    ``window`` is the side of the square of positions recorded at a map's centre: odd,
    so that it is centred on the central position (the maps are 19, 7 and 1 positions
    wide) and holds exactly ``window²`` positions where it fits, ``side²`` where the map
    is smaller. ``n_neurons`` must fit in the smallest hypercolumn.
    """
    hidden, window, n_neurons = settings["hidden"], settings["window"], settings["n_neurons"]
    if len(hidden) != len(KERNELS):
        raise ValueError(f"hidden must hold {len(KERNELS)} channel counts (positive "
                         f"integers) for architecture='cnn', got {tuple(hidden)}.")
    if window % 2 == 0:
        raise ValueError(f"window={window} is even: the recorded patch is centred on the "
                         f"map's central position, so its side is odd; use {window - 1} "
                         f"or {window + 1}.")
    if n_neurons is None:
        return
    for area, (side, c) in enumerate(zip(map_sizes(CROP), hidden)):
        fits = min(window, side - (1 - side % 2))
        if n_neurons > c * fits**2:
            raise ValueError(
                f"n_neurons={n_neurons} is larger than the hypercolumn of layer "
                f"{area + 1} ({fits}×{fits} positions × {c} channels = "
                f"{c * fits**2} units); lower it or widen the window.")
