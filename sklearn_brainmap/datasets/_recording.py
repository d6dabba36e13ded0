"""Recording simulated subjects: which units, their responses to the stimuli, the noise.

One function per architecture returns the columns of a population (grouped by subject,
then area) and what describes them; :func:`make_model_population` adds the cache and
the public checks.
"""

import numpy as np

from ..utils import blas_threads_for, one_blas_thread
from . import _cnn
from ._images import dead_leaves, folder_images, sample_images
from ._mlp import accuracy, forward, train_mlp

#: Side of the crops the CNNs learn from and are shown (pixels): the network's input.
CROP = _cnn.CROP
#: Extra side of the region whose two crops form a contrastive pair (pixels).
JITTER = 8
#: Dead-leaves images: side, number that train the networks, number cut into stimuli.
LEAVES_SIDE, LEAVES_TRAIN, LEAVES_TEST = 128, 32, 8


def add_noise(mean, gain, rng, signed):
    """Poisson-like noise with variance ``|mean| / gain`` (``gain=None``: none).

    Non-negative responses get ``Poisson(gain · mean) / gain`` (so exact zeros of a
    ReLU stay zero); signed pre-activations get Gaussian noise of the same variance.
    """
    if gain is None:
        return mean.copy()
    if signed:
        return mean + np.sqrt(np.abs(mean) / gain) * rng.standard_normal(mean.shape)
    return rng.poisson(gain * np.maximum(mean, 0.0)) / gain


class _Columns:
    """The recorded columns, appended one (subject, area) block at a time."""

    def __init__(self):
        self.blocks = {key: [] for key in ("pre_clean", "post_clean", "pre", "post",
                                           "subjects", "areas", "unit")}

    def add(self, subject, area, z, h, unit, noise_gain, rng):
        n = z.shape[1]
        self.blocks["pre_clean"].append(z)
        self.blocks["post_clean"].append(h)
        self.blocks["pre"].append(add_noise(z, noise_gain, rng, signed=True))
        self.blocks["post"].append(add_noise(h, noise_gain, rng, signed=False))
        self.blocks["subjects"].append(np.full(n, subject))
        self.blocks["areas"].append(np.full(n, area))
        self.blocks["unit"].append(unit)

    def arrays(self):
        stack = {"pre_clean", "post_clean", "pre", "post"}
        return {key: (np.hstack(v) if key in stack else np.concatenate(v))
                for key, v in self.blocks.items()}


# ---------------------------------------------------------------------------- MLP
def record_mlp(n_subjects, hidden, n_neurons, activation, noise_gain, n_stimuli,
               n_epochs, rng):
    """MLPs trained on scikit-learn's digits; random units of each hidden layer."""
    from sklearn.datasets import load_digits

    # n_neurons and n_stimuli were checked by _mlp.check_settings
    digits = load_digits()
    X_all = digits.data / 16.0
    y_all = digits.target
    order = rng.permutation(len(y_all))
    stim_idx, train_idx = order[:n_stimuli], order[n_stimuli:]
    stimuli, target = X_all[stim_idx], y_all[stim_idx]
    mean = X_all[train_idx].mean(axis=0)

    columns, acc = _Columns(), []
    for subject, seed in enumerate(rng.spawn(n_subjects)):
        # minibatch products are tiny: BLAS threads would only add synchronisation
        with blas_threads_for(0):
            params = train_mlp(X_all[train_idx] - mean, y_all[train_idx], hidden,
                               activation, seed, n_epochs=n_epochs)
        acc.append(accuracy(params, stimuli - mean, target, activation))
        _, layers = forward(params, stimuli - mean, activation)
        for area, (z, h) in enumerate(layers):
            # record only units that respond to the stimuli (a dead ReLU is never
            # recorded in an experiment)
            alive = np.flatnonzero(np.ptp(h, axis=0) > 0)
            if alive.size < n_neurons:
                raise RuntimeError(
                    f"subject {subject}, layer {area + 1}: only {alive.size} units respond "
                    f"to the stimuli, fewer than n_neurons={n_neurons}; lower n_neurons, "
                    f"widen the layer or use activation='softplus'.")
            chosen = np.sort(seed.choice(alive, n_neurons, replace=False))
            columns.add(subject, f"layer{area + 1}", z[:, chosen], h[:, chosen], chosen,
                        noise_gain, seed)
    return dict(
        **columns.arrays(), stimuli=stimuli, target=target, accuracy=np.array(acc),
        DESCR=(f"{n_subjects} MLPs {tuple(hidden)} ({activation}) trained on digits from "
               f"different seeds; {n_neurons} recorded units per layer; {n_stimuli} "
               f"held-out stimuli; noise gain {noise_gain}."))


# ---------------------------------------------------------------------------- CNN
def _images(source, rng):
    """Training images and stimulus images (held out), standardised with the former's
    mean and standard deviation; and the names of the held-out images (for errors)."""
    if source == "dead_leaves":
        images = list(dead_leaves(LEAVES_TRAIN + LEAVES_TEST, LEAVES_SIDE, rng))
        train, test = images[:LEAVES_TRAIN], images[LEAVES_TRAIN:]
        names = [f"dead-leaves image {k}" for k in range(LEAVES_TEST)]
    elif source == "sample":
        # two photographs: the left three quarters train, the right quarter is shown
        train, test = [], []
        for image in sample_images():
            cut = image.shape[1] * 3 // 4
            train.append(image[:, :cut])
            test.append(image[:, cut:])
        names = ["the right quarter of china.jpg", "the right quarter of flower.jpg"]
    else:
        images, files = folder_images(source, CROP + JITTER)
        order = rng.permutation(len(images))
        n_test = max(1, len(images) // 5)
        test = [images[i] for i in order[:n_test]]
        train = [images[i] for i in order[n_test:]]
        names = [str(files[i]) for i in order[:n_test]]
    pixels = np.concatenate([image.ravel() for image in train])
    mean, sd = pixels.mean(), pixels.std()
    if not sd > 0:
        raise ValueError(f"images={source!r}: the training images are uniform (one grey "
                         "level); the networks need images with structure.")
    for image, name in zip(test, names):
        # a blank stimulus image gives identical stimuli: no unit could respond
        if not np.ptp(image) > 0:
            raise ValueError(f"images: the held-out image {name} is uniform (one grey "
                             "level); its crops would be blank stimuli. Remove it or "
                             "replace it with an image with structure.")
    return [(i - mean) / sd for i in train], [(i - mean) / sd for i in test], names


def _crops(images, n, rng, names):
    """``n`` distinct crops (CROP × CROP) at random places of random images; and their
    image.

    Crops are drawn uniformly over (image, top, left); a position drawn twice is drawn
    again, so that no stimulus repeats (a repeated stimulus in a test fold and its
    training fold would inflate held-out scores). Errors name the images when they hold
    fewer distinct crops than ``n``, and an image all of whose crops are blank.
    """
    rows = np.array([image.shape[0] - CROP + 1 for image in images])
    cols = np.array([image.shape[1] - CROP + 1 for image in images])
    offset = np.concatenate([[0], np.cumsum(rows * cols)])
    if n > offset[-1]:
        raise ValueError(
            f"n_stimuli={n} is more than the {offset[-1]} distinct {CROP}×{CROP} crops "
            f"of the held-out images ({', '.join(names)}); stimuli would repeat and "
            "inflate held-out scores. Lower n_stimuli or add larger or more images.")
    which = rng.integers(len(images), size=n)
    top, left = np.empty(n, dtype=int), np.empty(n, dtype=int)
    for k, i in enumerate(which):  # one draw after the other: the draws of version 1
        top[k] = rng.integers(rows[i])
        left[k] = rng.integers(cols[i])
    while True:
        key = offset[which] + top * cols[which] + left
        _, first = np.unique(key, return_index=True)
        again = np.setdiff1d(np.arange(n), first)
        if again.size == 0:
            break
        which[again] = rng.integers(len(images), size=again.size)
        top[again] = rng.integers(rows[which[again]])
        left[again] = rng.integers(cols[which[again]])
    crops = np.empty((n, CROP, CROP))
    for k, (i, t, l) in enumerate(zip(which, top, left)):
        crops[k] = images[i][t:t + CROP, l:l + CROP]
    blank = np.ptp(crops.reshape(n, -1), axis=1) == 0
    for i in np.unique(which):
        if blank[which == i].all():
            raise ValueError(
                f"images: every crop of the held-out image {names[i]} is uniform (one "
                "grey level); its stimuli are blank. Remove it or replace it with an "
                "image with structure.")
    return crops, which


def _choose_units(responsive, sampling, window, n_neurons, rng, where):
    """(row, column, channel) of the recorded units of a (side, side, channels) map.

    Only ``responsive`` units (those whose response varies over the stimuli) can be
    recorded: an electrode finds no cell in a silent channel, and a constant column
    would have no score. ``"hypercolumn"``: the responsive channels in the
    ``window × window`` positions at the map's centre (a random ``n_neurons`` of them
    if given); ``"random"``: as many units (or ``n_neurons``) at random responsive
    positions and channels of the whole map.
    """
    side, _, channels = responsive.shape
    window = min(window, side - (1 - side % 2))   # a window that fits the map
    lo, hi = side // 2 - window // 2, side // 2 + window // 2 + 1
    column = np.zeros_like(responsive)
    column[lo:hi, lo:hi] = True
    in_column = np.flatnonzero((column & responsive).ravel())
    n = in_column.size if n_neurons is None else n_neurons
    if n == 0:
        raise RuntimeError(
            f"{where}: no unit of the recorded patch responds to the stimuli (every one "
            "is constant); widen the window, use activation='softplus' or images with "
            "more structure.")
    pool = in_column if sampling == "hypercolumn" else np.flatnonzero(responsive.ravel())
    if n > pool.size:
        raise RuntimeError(
            f"{where}: only {pool.size} units respond to the stimuli, fewer than "
            f"n_neurons={n_neurons}; lower n_neurons, widen the window or use "
            "activation='softplus'.")
    flat = pool if n == pool.size else np.sort(rng.choice(pool, n, replace=False))
    return np.unravel_index(flat, responsive.shape)


def record_cnn(n_subjects, hidden, n_neurons, activation, noise_gain, n_stimuli,
               n_steps, images, sampling, window, rng):
    """Small CNNs trained contrastively from different seeds; central hypercolumns.

    ``hidden`` holds the channels of the three convolutions."""
    channels = tuple(hidden)
    train, test, names = _images(images, rng)
    stimuli, source_image = _crops(test, n_stimuli, rng, names)
    x = stimuli[..., None].astype(np.float32)
    columns, losses, positions = _Columns(), [], []
    for subject, seed in enumerate(rng.spawn(n_subjects)):
        # im2col products are small (~40 MFLOP): a second BLAS thread gains little and,
        # on a busy machine, spins (measured 400× slower under a load of 8)
        with one_blas_thread():
            params, loss = _cnn.train_cnn(train, channels, activation, seed,
                                          n_steps=n_steps, size=CROP, jitter=JITTER)
            layers = _cnn.forward(params, x, activation)
        losses.append(loss)
        for area, (_, z, h, _) in enumerate(layers):
            responsive = np.ptp(h, axis=0) > 0
            row, col, chan = _choose_units(responsive, sampling, window, n_neurons, seed,
                                           f"subject {subject}, layer {area + 1}")
            # in the network's own units (order 1 at every layer): post = act(pre)
            # holds exactly, as the GLM transform classes assume
            columns.add(subject, f"layer{area + 1}", z[:, row, col, chan].astype(float),
                        h[:, row, col, chan].astype(float), chan, noise_gain, seed)
            positions.append(np.column_stack([row, col]))
    source = images if images in ("dead_leaves", "sample") else "a folder of images"
    return dict(
        **columns.arrays(), position=np.concatenate(positions), stimuli=stimuli,
        target=source_image, loss=np.array(losses),
        receptive_field=np.array(_cnn.receptive_fields()),
        map_side=np.array(_cnn.map_sizes(CROP)),
        DESCR=(f"{n_subjects} CNNs (channels {tuple(channels)}, {activation}) trained "
               f"contrastively for {n_steps} steps on {source} from different seeds; "
               f"{sampling} units that respond to the stimuli "
               f"({len(columns.arrays()['unit'])} in all); {n_stimuli} held-out {CROP}×{CROP} crops; noise gain "
               f"{noise_gain}."))
