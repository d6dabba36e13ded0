"""Loader of the Allen Brain Observatory Neuropixels mice (Siegle et al., 2021).

The folder holds one ``<specimen_id>_<area>.npz`` file per mouse and area and the
scenes in ``natural_scenes.npz``; the loader reads whatever recording files the folder
holds (the public release has more mice than any one copy), never a fixed list.
"""

import re
import warnings

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params

from ._files import DATA_HOME, damaged, get_data_home, load_npz

DATASET = "siegle2021_allen_neuropixels"
SCENES_FILE = "natural_scenes.npz"
#: ``<specimen_id>_<area>.npz``: a number, an underscore, an area name.
_RECORDING = re.compile(r"^(\d+)_([A-Za-z][A-Za-z0-9-]*)\.npz$")
_KEYS = ("spike_counts", "unit_id", "specimen_id", "area", "window_s")

#: Anatomical hierarchy score of each area (Harris et al., 2019, from the layer patterns
#: of cortico-cortical and thalamo-cortical projections), as Siegle et al. (2021) use
#: them to order the areas (their Fig. 1): VISp lowest, VISam highest. The values are
#: those of Siegle et al.'s figures and analysis code as recalled when this was written
#: (the source text could not be re-read then): check them against the paper before
#: quoting them. Only their ranks enter the package's analyses (Spearman's ρ), and the
#: order LGd < VISp < VISl < VISrl < LP < VISal < VISpm < VISam is the paper's.
HARRIS2019_HIERARCHY_SCORES = {"LGd": -0.515, "VISp": -0.357, "VISl": -0.093,
                               "VISrl": -0.059, "LP": 0.105, "VISal": 0.152,
                               "VISpm": 0.327, "VISam": 0.441}

REFERENCE = (
    "Siegle, Jia, Durand et al. (2021), Survey of spiking in the mouse visual system "
    "reveals functional hierarchy, Nature 592, 86-92; de Vries et al. (2020), A "
    "large-scale standardized physiological survey reveals functional organization of "
    "the mouse visual cortex, Nature Neuroscience 23, 138-151; Allen Institute for Brain "
    "Science, Allen Brain Observatory - Visual Coding Neuropixels (brain_observatory_1.1).")


def _recording_files(folder):
    """The recording files of ``folder``, sorted; other ``.npz`` files are named in a
    warning (left out, never silently)."""
    files, others = [], []
    for path in sorted(folder.glob("*.npz")):
        if path.name == SCENES_FILE:
            continue
        (files if _RECORDING.match(path.name) else others).append(path)
    if others:
        warnings.warn(
            f"{len(others)} file(s) in {folder} are not named <specimen_id>_<area>.npz and "
            f"were left out: {', '.join(p.name for p in others)}.", UserWarning,
            stacklevel=4)  # the user's call (through validate_params' wrapper)
    return files


def _read_recording(path, n_scenes):
    """One mouse × area file, checked: counts, units, window and the name's labels."""
    part = load_npz(path, _KEYS)
    counts = part["spike_counts"]
    if counts.ndim != 3 or counts.shape[1] != n_scenes or counts.shape[0] == 0:
        raise ValueError(f"{path}: spike_counts has shape {counts.shape}; expected "
                         f"(n_units ≥ 1, {n_scenes} scenes, n_trials), the scenes of "
                         f"{SCENES_FILE}.")
    if counts.dtype.kind not in "uif" or not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError(f"{path}: spike_counts must be finite, non-negative numbers of "
                         f"spikes (dtype {counts.dtype}).")
    if part["unit_id"].shape != (counts.shape[0],):
        raise ValueError(f"{path}: unit_id has shape {part['unit_id'].shape}, expected "
                         f"({counts.shape[0]},), one id per unit of spike_counts.")
    window = np.asarray(part["window_s"], dtype=float)
    if window.shape != (2,) or not (np.isfinite(window).all() and window[1] > window[0]):
        raise ValueError(f"{path}: window_s must be [start, end] in seconds with end > "
                         f"start, got {window.tolist()}.")
    specimen, area = _RECORDING.match(path.name).groups()
    if str(part["specimen_id"]) != specimen or str(part["area"]) != area:
        raise ValueError(f"{path}: the file holds specimen_id={part['specimen_id']} and "
                         f"area={part['area']}, not those of its name ({specimen}, "
                         f"{area}); rename or re-copy it.")
    return counts, part["unit_id"], int(specimen), area, window


@validate_params({"data_home": DATA_HOME}, prefer_skip_nested_validation=True)
def load_siegle2021_allen_neuropixels(data_home=None):
    """Mouse visual cortex spiking responses to 118 natural scenes, many mice and areas.

    Allen Brain Observatory Visual Coding Neuropixels (Siegle et al., 2021; the natural
    scenes of de Vries et al., 2020): units of six visual areas (VISp, VISl, VISrl,
    VISal, VISpm, VISam) in many mice, spike counts per trial in a window after each
    scene's onset. Every mouse saw the same scenes, so the mice form a population of
    subjects × areas for N−1 pooling (the real-data check of Thobani et al.).

    Every ``<specimen_id>_<area>.npz`` file of ``<data_home>/siegle2021_allen_neuropixels``
    is read (any number of mice and areas); rates are counts divided by the length of
    that file's counting window (windows differ between recordings).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder that holds ``siegle2021_allen_neuropixels/`` (see
        :func:`get_data_home`).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``responses``: float64 (118, n_units), trial-averaged rates (spikes/s).
        - ``trials``: float64 (n_units, 118, max_trials), the rate of every trial; NaN
          where a recording has fewer trials (the layout of
          :func:`~sklearn_brainmap.metrics.split_half_reliability`).
        - ``subjects``: int (n_units,), the mouse (Allen specimen id) of each unit.
        - ``areas``: str (n_units,), its area; ``unit_ids``: int (n_units,), Allen ids.
        - ``window_s``: (n_units, 2), the counting window ``[start, end]`` (s after
          onset) of each unit's recording.
        - ``images``: uint8 (118, 153, 195), the grey scenes (6 × 6 block averages),
          row *i* is scene *i* of ``responses``; ``frame_ids`` (118,).
        - ``files``: str (n_units,), the recording file of each unit.
        - ``DESCR``, ``reference``.

    Raises
    ------
    FileNotFoundError
        Naming the expected path, when the folder, its scenes or every recording file
        is absent.
    OSError
        Naming the file, when one cannot be read (empty, truncated, not an .npz
        archive, or without one of its arrays).
    ValueError
        Naming the file, when its spike counts do not have one row per unit and one
        column per scene, are negative or not finite, its window is not
        ``[start, end]``, its labels differ from its name, or a unit id repeats.

    Warns
    -----
    UserWarning
        Naming them, for ``.npz`` files not named ``<specimen_id>_<area>.npz`` and for
        recordings with fewer than 2 trials (no split-half reliability): both are left
        out.

    References
    ----------
    Siegle, Jia, Durand et al. (2021), Survey of spiking in the mouse visual system
    reveals functional hierarchy, *Nature* 592, 86–92. de Vries et al. (2020), A
    large-scale standardized physiological survey reveals functional organization of
    the mouse visual cortex, *Nature Neuroscience* 23, 138–151. Allen Institute for
    Brain Science, Allen Brain Observatory – Visual Coding Neuropixels.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import load_siegle2021_allen_neuropixels
    >>> data = load_siegle2021_allen_neuropixels()  # doctest: +SKIP
    >>> data.responses.shape, data.trials.shape  # doctest: +SKIP
    ((118, 2910), (2910, 118, 50))
    """
    folder = get_data_home(data_home) / DATASET
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The {DATASET} dataset was not found: expected the folder {folder}. Point "
            f"data_home (or $SKLEARN_BRAINMAP_DATA) at a folder that contains {DATASET}/.")
    scenes_path = folder / SCENES_FILE
    if not scenes_path.exists():
        raise FileNotFoundError(f"The scenes of {DATASET} were not found: expected "
                                f"{scenes_path}.")
    scenes = load_npz(scenes_path, ("images", "frame_id"))
    images = scenes["images"]
    if images.ndim != 3 or scenes["frame_id"].shape != (len(images),):
        raise damaged(scenes_path, f"images has shape {images.shape} and frame_id "
                                   f"{scenes['frame_id'].shape}; expected (n_scenes, height, "
                                   "width) and (n_scenes,)")
    files = _recording_files(folder)
    if not files:
        raise FileNotFoundError(f"No recording of {DATASET} was found: expected "
                                f"<specimen_id>_<area>.npz files in {folder}.")
    parts, kept = [], []
    for path in files:
        part = _read_recording(path, len(images))
        if part[0].shape[2] < 2:
            warnings.warn(f"{path} holds {part[0].shape[2]} trial(s) per scene: its units "
                          "have no split-half reliability and were left out.", UserWarning,
                          stacklevel=3)
            continue
        parts.append(part)
        kept.append(path.name)
    if not parts:
        raise ValueError(f"Every recording in {folder} has fewer than 2 trials.")
    unit_ids = np.concatenate([p[1] for p in parts])
    ids, first, counts = np.unique(unit_ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = ids[counts > 1][0]
        owners = [kept[k] for k, p in enumerate(parts) if dup in p[1]]
        raise ValueError(f"Unit id {dup} appears more than once (in {', '.join(owners)}): "
                         "a file was copied twice under different names?")
    n_units = [p[0].shape[0] for p in parts]
    max_trials = max(p[0].shape[2] for p in parts)
    trials = np.empty((sum(n_units), len(images), max_trials))
    responses = np.empty((len(images), sum(n_units)))
    start = 0
    for (counts_, _, _, _, window), n in zip(parts, n_units):
        # a rate is a count over the window's length (windows differ between files)
        block = trials[start:start + n]
        np.divide(counts_, window[1] - window[0], out=block[:, :, :counts_.shape[2]])
        block[:, :, counts_.shape[2]:] = np.nan
        responses[:, start:start + n] = block[:, :, :counts_.shape[2]].mean(axis=2).T
        start += n
    subjects = np.repeat([p[2] for p in parts], n_units)
    areas = np.repeat([p[3] for p in parts], n_units)
    names, per_area = np.unique([p[3] for p in parts], return_counts=True)
    return Bunch(
        responses=responses, trials=trials, subjects=subjects, areas=areas,
        unit_ids=unit_ids, window_s=np.repeat([p[4] for p in parts], n_units, axis=0),
        images=images, frame_ids=scenes["frame_id"], files=np.repeat(kept, n_units),
        reference=REFERENCE,
        DESCR=(f"Allen Brain Observatory Neuropixels (Siegle et al., 2021): "
               f"{len(set(subjects.tolist()))} mice, {len(parts)} mouse × area recordings "
               f"({', '.join(f'{a} {c}' for a, c in zip(names, per_area))}), "
               f"{len(subjects)} units, {len(images)} natural scenes (de Vries et al., "
               f"2020), up to {max_trials} trials; rates in spikes/s. Cite Siegle et al. "
               "(2021), de Vries et al. (2020) and the Allen Institute."),
    )
