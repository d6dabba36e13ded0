"""Simulated populations of model 'subjects': one architecture, several training seeds."""

import hashlib
import json
import os
import tempfile
import warnings
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._files import DATA_HOME, READ_ERRORS, get_data_home
from ._cnn import map_sizes
from ._recording import CROP, record_cnn, record_mlp


def _generator(random_state):
    """A numpy Generator from an int, None, a Generator or a legacy RandomState."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    return np.random.default_rng(random_state)


#: Defaults that differ by architecture: (CNN, MLP).
_DEFAULTS = {"hidden": ((32, 64, 64), (128, 128, 128)), "n_stimuli": (500, 600),
             "n_neurons": (None, 50)}
#: Parameters of one architecture only: their default is None.
_CNN_ONLY = {"sampling": "hypercolumn", "window": 1, "images": "dead_leaves",
             "n_steps": 50}
_MLP_ONLY = {"n_epochs": 40}
#: Bump when the generator's output changes for the same parameters (invalidates caches).
_GENERATOR_VERSION = 1


@validate_params(
    {
        "n_subjects": [Interval(Integral, 2, None, closed="left")],
        "architecture": [StrOptions({"cnn", "mlp"})],
        "sampling": [StrOptions({"hypercolumn", "random"}), None],
        "hidden": ["array-like", None],
        "n_neurons": [Interval(Integral, 1, None, closed="left"), None],
        "activation": [StrOptions({"relu", "softplus"})],
        "noise_gain": [Interval(Real, 0, None, closed="neither"), None],
        "n_stimuli": [Interval(Integral, 10, None, closed="left"), None],
        "images": [str, os.PathLike, None],
        "window": [Interval(Integral, 1, None, closed="left"), None],
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "n_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "data_home": DATA_HOME,
        "cache": ["boolean"],
        "refresh": ["boolean"],
        "random_state": ["random_state", np.random.Generator],
    },
    prefer_skip_nested_validation=True,
)
def make_model_population(n_subjects=5, *, architecture="cnn", sampling=None, hidden=None,
                          n_neurons=None, activation="relu", noise_gain=20.0,
                          n_stimuli=None, images=None, window=None, n_steps=None,
                          n_epochs=None, data_home=None, cache=True, refresh=False,
                          random_state=None):
    """Simulate subjects × areas: one small network trained from different seeds.

    Following Thobani et al. and Sagastuy-Brena et al., every *subject* is the same
    architecture trained from its own random seed (initial weights, order and
    augmentation of the training data); each layer plays the role of a brain *area*,
    and every subject is shown the same held-out images (the *stimuli*).

    - ``architecture="cnn"`` (default): the papers' design at laptop scale. A small
      convolutional network (``conv 5×5 → pool → conv 3×3 → pool → conv 3×3``, 3×3
      max pooling of stride 2, channels ``hidden``; receptive fields 5, 11 and 23
      pixels at the centre of the three maps) is trained in NumPy with a contrastive,
      self-supervised objective (SimCLR's InfoNCE: two augmented crops of one image
      region are a positive pair, the other regions of the batch negatives) on grey
      ``images``. The recorded *neurons* of each layer are its **central hypercolumn**
      (every channel at the centre of the map, or of a ``window × window`` patch
      there) — or, with ``sampling="random"``, as many units at random positions and
      channels (the layer-3 map is 1×1, so its random units are its hypercolumn).
      Units silent on every stimulus (a ReLU channel that never fires there) are not
      recorded, as no electrode finds a cell in them, so subjects and areas can hold
      slightly different numbers of units.
      Stimuli are 23×23 crops of held-out images.
    - ``architecture="mlp"``: the fast option, a multilayer perceptron classifying
      scikit-learn's 8×8 digits; random units of each hidden layer. On it the held-out
      score depends on the *target* layer more than on whether source and target are
      the same layer, so silhouettes of post-activation responses are near zero.

    Both the pre-activation (``z``) and post-activation (``relu(z)`` or
    ``softplus(z)``) responses are recorded with Poisson-like noise of variance
    ``|mean| / noise_gain``: ``Poisson(gain · mean) / gain`` for the non-negative
    post-activation responses (a ReLU's exact zeros stay zero), Gaussian noise of the
    same variance for the signed pre-activations; pre and post have independent noise.
    Responses are in the networks' own units (for the default CNN the mean
    post-activation response is between 0.4 and 1.3 in every layer).

    **Images** (CNN). ``"dead_leaves"`` (default) draws images of the dead-leaves
    model (occluding discs with power-law radii: 1/f² spectra, edges of every
    orientation, regions of every size; Lee, Mumford & Huang, 2001) — 32 images of
    128×128 pixels train the networks and 8 more are cut into stimuli. It needs no
    file and gave clearer areas than scikit-learn's photographs (see the user guide).
    ``"sample"``: scikit-learn's two sample photographs (needs Pillow; the left three
    quarters train, the right quarter is shown). A folder (absolute, or relative to
    the data home) of PNG / JPEG (Pillow) or ``.npy`` images: one fifth are shown,
    the rest train — e.g. the V4 study's photographs.

    **Cache**. With an integer ``random_state`` and ``cache=True`` the population is
    stored in ``<data home>/model_populations/`` as an ``.npz`` named by a hash of the
    parameters and the generator's version (never a pickle); the next call with the
    same parameters reads it (well under a second). ``refresh=True`` rebuilds it; an
    unreadable cache file is rebuilt with a warning.

    Parameters
    ----------
    n_subjects : int, default=5
        Number of networks (training seeds).
    architecture : {"cnn", "mlp"}, default="cnn"
    sampling : {"hypercolumn", "random"}, default=None
        CNN only (None: ``"hypercolumn"``): which units are recorded.
    hidden : tuple of int, default=None
        CNN: the channels of the three convolutions (None: ``(32, 64, 64)``). MLP: the
        hidden layer sizes, one area each (None: ``(128, 128, 128)``).
    n_neurons : int, default=None
        Units recorded per subject and area. CNN: None records the whole hypercolumn
        (its responsive channels × window², or as many random units); an int, a random
        subset of that many. MLP: None is 50, at most the layer's size.
    activation : {"relu", "softplus"}, default="relu"
    noise_gain : float or None, default=20.0
        Larger is less noisy; ``None`` records noise-free responses.
    n_stimuli : int, default=None
        Held-out images shown to every subject (None: 500 crops for the CNN; 600 digits
        for the MLP, at most 1,000).
    images : {"dead_leaves", "sample"} or path, default=None
        CNN only (None: ``"dead_leaves"``): what the networks learn from and are shown.
    window : int, default=None
        CNN only (None: 1): side of the central patch of positions recorded in each
        map (clipped to the map).
    n_steps : int, default=None
        CNN only (None: 50): training steps (Adam, 64 pairs of crops per step).
    n_epochs : int, default=None
        MLP only (None: 40): training epochs (Adam, minibatches of 64).
    data_home : str or path-like, default=None
        Where the cache and relative image folders live (see
        :func:`~sklearn_brainmap.datasets.get_data_home`).
    cache : bool, default=True
        Read and write the cache (only with an integer ``random_state``).
    refresh : bool, default=False
        Rebuild the population even if it is cached.
    random_state : int, Generator, RandomState or None, default=None
        Seeds the images and stimuli, every network, the recorded units and the noise:
        the same value gives identical output.

    Returns
    -------
    population : :class:`~sklearn.utils.Bunch`
        - ``pre``, ``post``: ndarray of shape (n_stimuli, n_units_total), the responses;
          columns are grouped by subject, then area.
        - ``subjects``: ndarray of int, shape (n_units_total,), the subject of each column.
        - ``areas``: ndarray of str, shape (n_units_total,), the area of each column
          (``"layer1"``, ...).
        - ``unit``: ndarray of int, each column's unit in its layer (MLP) or channel (CNN).
        - ``pre_clean``, ``post_clean``: the noise-free responses.
        - ``stimuli``: the images shown, (n_stimuli, 23, 23) crops (CNN, standardised
          grey levels) or (n_stimuli, 64) digits (MLP, pixels in [0, 1]).
        - ``target``: ndarray of int, shape (n_stimuli,): the digit shown (MLP) or the
          held-out image each crop was cut from (CNN: the contrastive task tells
          images apart).
        - CNN only: ``position`` (n_units_total, 2), each column's (row, column) in its
          map; ``receptive_field`` and ``map_side`` per area (pixels, positions);
          ``loss`` (n_subjects, n_steps), the training loss per step.
        - MLP only: ``accuracy`` (n_subjects,), each network's accuracy on the stimuli.
        - ``architecture``, ``activation``, ``noise_gain``, ``DESCR``.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods*. Sagastuy-Brena, Thobani et al., *Modelling
    inter-animal variability*. Chen, Kornblith, Norouzi & Hinton (2020), *A simple
    framework for contrastive learning of visual representations*, ICML. Lee, Mumford &
    Huang (2001), *Occlusion models for natural images*, IJCV 41.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import make_model_population
    >>> pop = make_model_population(n_subjects=2, architecture="mlp", hidden=(32, 32),
    ...                             n_neurons=10, n_stimuli=100, n_epochs=5,
    ...                             random_state=0, cache=False)
    >>> pop.post.shape
    (100, 40)
    >>> sorted(set(pop.areas.tolist()))
    ['layer1', 'layer2']
    """
    settings = _settings(architecture, hidden, n_neurons, n_stimuli, data_home,
                         sampling=sampling, window=window, images=images,
                         n_steps=n_steps, n_epochs=n_epochs)
    settings.update(n_subjects=n_subjects, activation=activation, noise_gain=noise_gain)
    path = None
    if cache and isinstance(random_state, Integral):
        path = _cache_path(data_home, {**settings, "random_state": int(random_state)})
        if not refresh:
            cached = _read_cache(path)
            if cached is not None:
                return cached

    rng = _generator(random_state)
    record = record_cnn if architecture == "cnn" else record_mlp
    arrays = record(rng=rng, **{k: v for k, v in settings.items() if k != "architecture"})
    population = Bunch(**arrays, architecture=architecture, activation=activation,
                       noise_gain=noise_gain)
    if path is not None:
        _write_cache(path, population)
    return population


def _settings(architecture, hidden, n_neurons, n_stimuli, data_home, **specific):
    """The generator's settings with the architecture's defaults filled in, checked.

    ``specific`` holds the parameters of one architecture only (None where not given):
    one given for the other architecture is an error.
    """
    cnn = architecture == "cnn"
    own, other = (_CNN_ONLY, _MLP_ONLY) if cnn else (_MLP_ONLY, _CNN_ONLY)
    wrong = [name for name in other if specific[name] is not None]
    if wrong:
        raise ValueError(
            f"{', '.join(wrong)} only apply to architecture="
            f"{'mlp' if cnn else 'cnn'!r}; remove {'it' if len(wrong) == 1 else 'them'} "
            "or set architecture accordingly.")
    settings = {name: default if specific[name] is None else specific[name]
                for name, default in own.items()}
    pick = 0 if cnn else 1
    hidden = _DEFAULTS["hidden"][pick] if hidden is None else \
        tuple(int(h) for h in np.atleast_1d(hidden))
    if not hidden or min(hidden) < 1 or (cnn and len(hidden) != 3):
        what = "3 channel counts" if cnn else "at least one layer size"
        raise ValueError(f"hidden must hold {what} (positive integers), got {hidden}.")
    if n_neurons is None and not cnn:
        n_neurons = _DEFAULTS["n_neurons"][pick]
    if cnn and n_neurons is not None:
        # checked before any training: the smallest hypercolumn bounds n_neurons
        for area, (side, c) in enumerate(zip(map_sizes(CROP), hidden)):
            fits = min(settings["window"], side - (1 - side % 2))
            if n_neurons > c * fits**2:
                raise ValueError(
                    f"n_neurons={n_neurons} is larger than the hypercolumn of layer "
                    f"{area + 1} ({fits}×{fits} positions × {c} channels = "
                    f"{c * fits**2} units); lower it or widen the window.")
    if cnn and settings["images"] not in ("dead_leaves", "sample"):
        folder = Path(settings["images"]).expanduser()
        settings["images"] = str(folder if folder.is_absolute()
                                 else get_data_home(data_home) / folder)
    return dict(architecture=architecture, hidden=list(hidden), n_neurons=n_neurons,
                n_stimuli=_DEFAULTS["n_stimuli"][pick] if n_stimuli is None else n_stimuli,
                **settings)


# -------------------------------------------------------------------------- cache
def _cache_path(data_home, settings):
    """``<data home>/model_populations/<hash of the settings and versions>.npz``.

    A folder of images enters the key with every file's name, size and modification
    time, so that changing the folder's images rebuilds the population.
    """
    from .. import __version__

    key = {**settings, "generator": _GENERATOR_VERSION, "version": __version__}
    if settings.get("images") not in (None, "dead_leaves", "sample"):
        folder = Path(settings["images"])
        key["files"] = [(p.name, p.stat().st_size, p.stat().st_mtime_ns)
                        for p in sorted(folder.iterdir())] if folder.is_dir() else None
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    return get_data_home(data_home) / "model_populations" / (
        f"{settings['architecture']}_{digest}.npz")


def _read_cache(path):
    """The cached population, or None (missing; unreadable: warned, to be rebuilt)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except READ_ERRORS as exc:
        warnings.warn(f"The cached population {path} cannot be read ({type(exc).__name__}:"
                      f" {exc}); it is rebuilt.", RuntimeWarning, stacklevel=3)
        return None
    # 0-d arrays were scalars; the noise gain None was stored as NaN
    population = Bunch(**{k: (v.item() if v.ndim == 0 else v) for k, v in arrays.items()})
    if isinstance(population.noise_gain, float) and np.isnan(population.noise_gain):
        population.noise_gain = None
    return population


def _write_cache(path, population):
    """Write atomically (a temporary file renamed), so that no reader sees half a file."""
    arrays = {k: (np.nan if v is None else v) for k, v in population.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
