"""The simulated networks shown your images: model responses to an experiment's stimuli.

:func:`make_model_population` shows its networks crops of held-out training images.
To compare the networks with an animal's recordings, they must see the animal's
stimuli: :func:`record_model_population` trains the same networks (the same seeds
give the same networks as :func:`make_model_population`) and records their central
hypercolumns on the given images.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils import one_blas_thread
from . import _cnn
from ._population import _generator
from ._recording import CROP, JITTER, _choose_units, _crops, _images

#: Crops that :func:`make_model_population` draws before its networks (kept so that
#: the same seed gives the same networks here).
_DEFAULT_CROPS = 500


def area_average(images, size):
    """Resize ``images`` (n, h, w) to (n, size, size) by area averaging of their
    central square: each output pixel is the mean of the input area it covers
    (fractional pixels weighted by their overlap), a box filter without aliasing."""
    n, h, w = images.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = images[:, top:top + side, left:left + side].astype(np.float64)
    edges = np.linspace(0.0, side, size + 1)
    pixel = np.arange(side)
    # overlap of input pixel [j, j + 1) with output cell [e_i, e_{i+1})
    overlap = np.clip(np.minimum(pixel[None, :] + 1, edges[1:, None])
                      - np.maximum(pixel[None, :], edges[:-1, None]), 0.0, None)
    R = overlap / overlap.sum(axis=1, keepdims=True)
    return np.einsum("ij,njk,lk->nil", R, square, R)


@validate_params(
    {"images": ["array-like"], "n_subjects": [Interval(Integral, 1, None, closed="left")],
     "activation": [StrOptions({"relu", "softplus"})],
     "n_steps": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state", np.random.Generator]},
    prefer_skip_nested_validation=True,
)
def record_model_population(images, *, n_subjects=5, activation="relu", n_steps=50,
                            random_state=0):
    """The default simulated networks' responses to given images (e.g. an experiment's).

    The networks are those of :func:`make_model_population` with
    ``architecture="cnn"`` and its default images, channels and training (with the
    same ``n_subjects``, ``activation``, ``n_steps`` and integer ``random_state`` they
    are the very same networks). Each image is shown as the networks' 23 × 23 input:
    its central square, resized by area averaging (``area_average``), then
    standardised with the mean and standard deviation of all the images' pixels. The
    central hypercolumn of each layer (every channel at the map's centre, receptive
    fields of 5, 11 and 23 pixels, i.e. about a fifth, half and all of the square)
    is recorded without noise; channels silent on every image are left out.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width)
        Grey images, any range (e.g. the 118 natural scenes of
        :func:`load_siegle2021_allen_neuropixels`); at least 23 pixels on each side.
    n_subjects : int, default=5
        Networks (training seeds).
    activation : {"relu", "softplus"}, default="relu"
    n_steps : int, default=50
        Training steps, as in :func:`make_model_population`.
    random_state : int, RandomState instance or Generator, default=0

    Returns
    -------
    population : :class:`~sklearn.utils.Bunch`
        - ``pre``, ``post``: (n_images, n_units_total), noise-free responses.
        - ``subjects`` (the network), ``areas`` (``"layer1"``...), ``unit`` (the
          channel): per column.
        - ``stimuli``: (n_images, 23, 23), what the networks saw.
        - ``receptive_field``: pixels of the 23 × 23 input, per layer; ``DESCR``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.datasets import record_model_population
    >>> images = np.random.default_rng(0).random((20, 40, 50))
    >>> pop = record_model_population(images, n_subjects=2, n_steps=2)  # doctest: +SKIP
    >>> pop.post.shape[0], sorted(set(pop.areas))  # doctest: +SKIP
    (20, ['layer1', 'layer2', 'layer3'])
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or min(images.shape[1:]) < CROP or len(images) < 2:
        raise ValueError(f"images must be (n_images ≥ 2, height, width) grey images of at "
                         f"least {CROP} pixels on each side, got shape {images.shape}.")
    if not np.isfinite(images).all():
        raise ValueError("images holds NaN or infinite values.")
    stimuli = area_average(images, CROP)
    sd = stimuli.std()
    if not sd > 1e-9 * max(1.0, np.abs(stimuli).max()):   # rounding of a uniform image
        raise ValueError("images are uniform (one grey level): the networks would see "
                         "nothing.")
    x = ((stimuli - stimuli.mean()) / sd)[..., None].astype(np.float32)
    # the draws of make_model_population, in its order: images, crops, then networks
    rng = _generator(random_state)
    train, test, names = _images("dead_leaves", rng)
    _crops(test, _DEFAULT_CROPS, rng, names)
    channels = (32, 64, 64)
    blocks = {key: [] for key in ("pre", "post", "subjects", "areas", "unit")}
    for subject, seed in enumerate(rng.spawn(n_subjects)):
        with one_blas_thread():   # small products: see make_model_population
            params, _ = _cnn.train_cnn(train, channels, activation, seed, n_steps=n_steps,
                                       size=CROP, jitter=JITTER)
            layers = _cnn.forward(params, x, activation)
        for area, (_, z, h, _) in enumerate(layers):
            row, col, chan = _choose_units(np.ptp(h, axis=0) > 0, "hypercolumn", 1, None,
                                           seed, f"network {subject}, layer {area + 1}")
            blocks["pre"].append(z[:, row, col, chan].astype(float))
            blocks["post"].append(h[:, row, col, chan].astype(float))
            blocks["subjects"].append(np.full(len(chan), subject))
            blocks["areas"].append(np.full(len(chan), f"layer{area + 1}"))
            blocks["unit"].append(chan)
    out = {k: (np.hstack(v) if k in ("pre", "post") else np.concatenate(v))
           for k, v in blocks.items()}
    return Bunch(
        **out, stimuli=stimuli, receptive_field=np.array(_cnn.receptive_fields()),
        DESCR=(f"{n_subjects} CNNs (channels {channels}, {activation}) trained "
               f"contrastively for {n_steps} steps on dead-leaves images (the networks of "
               f"make_model_population), recorded at the central hypercolumn on "
               f"{len(images)} given images shown as {CROP}×{CROP} inputs; "
               f"{out['post'].shape[1]} responsive units; no noise."))
