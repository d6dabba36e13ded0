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

from . import _cnn, _mlp
from ._files import DATA_HOME, READ_ERRORS, damaged, get_data_home
from ._images import image_files
from ._recording import record_cnn, record_mlp


def _generator(random_state):
    """A numpy Generator from an int, None, a Generator or a legacy RandomState."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    return np.random.default_rng(random_state)


#: Each architecture's generator: its module owns its parameters, defaults and checks.
_GENERATORS = {"cnn": (_cnn, record_cnn), "mlp": (_mlp, record_mlp)}
#: Bump when the generator's output changes for the same parameters (invalidates caches).
#: 2: stimuli never repeat (a crop drawn twice is drawn again).
_GENERATOR_VERSION = 2
#: Above this gain the Poisson rate ``gain · mean`` nears NumPy's limit (~9e18) while
#: the noise's relative size is below 1e-6: ``noise_gain=None`` is noise-free.
_MAX_NOISE_GAIN = 1e12


@validate_params(
    {
        "n_subjects": [Interval(Integral, 2, None, closed="left")],
        "architecture": [StrOptions({"cnn", "mlp"})],
        "sampling": [StrOptions({"hypercolumn", "random"}), None],
        "hidden": ["array-like", None],
        "n_neurons": [Interval(Integral, 1, None, closed="left"), None],
        "activation": [StrOptions({"relu", "softplus"})],
        "noise_gain": [Interval(Real, 0, _MAX_NOISE_GAIN, closed="right"), None],
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
    the rest train — e.g. the V4 study's photographs. Each image is read at its own
    bit depth (16-bit PNGs included) and rescaled to [0, 1]; other files are passed
    over. Stimuli never repeat: asking for more than the held-out images have distinct
    crops is an error, as are a uniform held-out image and a NaN or infinite pixel
    (each naming the file).

    **Cache**. With an integer ``random_state`` and ``cache=True`` the population is
    stored in ``<data home>/model_populations/`` as an ``.npz`` named by a hash of the
    parameters and the generator's version (never a pickle) — and, for a folder of
    images, of every image file's name and contents (SHA-256), so that changed images
    rebuild it; the next call with the same parameters reads it (well under a second).
    ``refresh=True`` rebuilds it; an unreadable cache file is rebuilt with a warning. A
    data home that cannot be written is found before the training: the population is
    built and returned uncached, with a ``RuntimeWarning``. Cache files get the
    permissions of any new file (``0666`` less the umask).

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
        Larger is less noisy, at most 1e12 (the noise's relative size is then below
        1e-6); ``None`` records noise-free responses.
    n_stimuli : int, default=None
        Held-out images shown to every subject (None: 500 crops for the CNN; 600 digits
        for the MLP, at most 1,000).
    images : {"dead_leaves", "sample"} or path, default=None
        CNN only (None: ``"dead_leaves"``): what the networks learn from and are shown.
    window : int, default=None
        CNN only (None: 1): side of the square of positions recorded at the centre of
        each map, odd (centred on the central position): ``window²`` positions, or
        the whole map where it is narrower (the maps are 19, 7 and 1 wide).
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
    settings = _settings(architecture, data_home, hidden=hidden, n_neurons=n_neurons,
                         n_stimuli=n_stimuli, sampling=sampling, window=window,
                         images=images, n_steps=n_steps, n_epochs=n_epochs)
    noise_gain = None if noise_gain is None else float(noise_gain)
    settings.update(n_subjects=int(n_subjects), activation=activation,
                    noise_gain=noise_gain)
    path = None
    if cache and isinstance(random_state, Integral):
        path = _cache_path(data_home, {**settings, "random_state": int(random_state)})
        if not refresh:
            cached = _read_cache(path)
            if cached is not None:
                return cached
        path = _writable(path)   # checked before the training, not after

    rng = _generator(random_state)
    record = _GENERATORS[architecture][1]
    arrays = record(rng=rng, **{k: v for k, v in settings.items() if k != "architecture"})
    population = Bunch(**arrays, architecture=architecture, activation=activation,
                       noise_gain=noise_gain)
    if path is not None:
        _write_cache(path, population)
    return population


def _integers(name, values):
    """A tuple of positive Python ints; an error naming ``name`` for anything else
    (``4.9`` is not truncated to 4)."""
    values = np.atleast_1d(np.asarray(values, dtype=object))
    out = []
    for v in values.ravel():
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (Integral, Real)) or \
                not float(v).is_integer() or v < 1:
            raise ValueError(f"{name} must hold positive integers, got {values.tolist()}: "
                             f"{v!r} is not one.")
        out.append(int(v))
    return tuple(out)


def _settings(architecture, data_home, **given):
    """The generator's settings with its defaults filled in, checked by its module.

    ``given`` holds the parameters as passed (None where not given). A parameter of the
    other architecture only is an error; every other check is the generator's own
    (``_cnn.check_settings``, ``_mlp.check_settings``).
    """
    module = _GENERATORS[architecture][0]
    wrong = [name for name, value in given.items()
             if value is not None and name not in module.DEFAULTS]
    if wrong:
        other = "mlp" if architecture == "cnn" else "cnn"
        raise ValueError(
            f"{', '.join(wrong)} only apply to architecture={other!r}; remove "
            f"{'it' if len(wrong) == 1 else 'them'} or set architecture accordingly.")
    settings = {name: default if given[name] is None else given[name]
                for name, default in module.DEFAULTS.items()}
    settings["hidden"] = list(_integers("hidden", settings["hidden"]))
    for name in ("n_neurons", "n_stimuli", "window", "n_steps", "n_epochs"):
        if settings.get(name) is not None:   # NumPy integers: plain ints for the key
            settings[name] = int(settings[name])
    module.check_settings(settings)
    if architecture == "cnn" and settings["images"] not in ("dead_leaves", "sample"):
        folder = Path(settings["images"]).expanduser()
        settings["images"] = str(folder if folder.is_absolute()
                                 else get_data_home(data_home) / folder)
    return dict(architecture=architecture, **settings)


# -------------------------------------------------------------------------- cache
def _cache_path(data_home, settings):
    """``<data home>/model_populations/<hash of the settings and versions>.npz``.

    A folder of images enters the key with every image file's name and a SHA-256 of
    its contents (read in chunks), so that changed images rebuild the population even
    when their size and modification time are kept (``cp -p``, ``rsync -t``, ``tar x``).
    """
    from .. import __version__

    key = {**settings, "generator": _GENERATOR_VERSION, "version": __version__}
    if settings.get("images") not in (None, "dead_leaves", "sample"):
        folder = Path(settings["images"])
        key["files"] = ([(p.name, _file_digest(p)) for p in image_files(folder)]
                        if folder.is_dir() else None)
    text = json.dumps(key, sort_keys=True, default=_plain)
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    return get_data_home(data_home) / "model_populations" / (
        f"{settings['architecture']}_{digest}.npz")


def _plain(value):
    """NumPy scalars and arrays as JSON's numbers and lists (for the cache key)."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot enter the cache key")


def _file_digest(path, chunk=1 << 20):
    """SHA-256 of a file's contents, read in chunks of ``chunk`` bytes."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(chunk), b""):
                digest.update(block)
    except OSError as exc:
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc
    return digest.hexdigest()


def _writable(path):
    """``path`` if its folder can be written, else None with a warning (the population
    is then built and returned, not cached): checked before the training, so that a
    read-only, full or impossible data home does not throw trained work away."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(suffix=".probe", dir=path.parent)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        warnings.warn(f"The population cannot be cached in {path.parent} ({type(exc).__name__}:"
                      f" {exc}); it is built and returned without caching. Give a "
                      "writable data_home, or cache=False to silence this.",
                      RuntimeWarning, stacklevel=3)
        return None
    return path


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
    """Write atomically (a temporary file renamed), so that no reader sees half a file.

    The file gets the permissions of any new file (``0666`` less the umask), so that a
    shared data home can be read by colleagues (``mkstemp`` alone gives ``0600``). A
    failure to write (a full disk) is warned about: the population is still returned.
    """
    arrays = {k: (np.nan if v is None else v) for k, v in population.items()}
    tmp = None
    try:
        handle, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        warnings.warn(f"The population could not be cached in {path} ({type(exc).__name__}:"
                      f" {exc}); it is returned without caching.", RuntimeWarning,
                      stacklevel=3)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def _umask():
    """The process's umask (reading it means setting it: set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
