"""Loaders for real recordings kept on disk (no download, no pickles).

Each loader reads a folder laid out as in the project's shared data (see the data
README): ``<data_home>/<dataset>/...``. ``data_home`` defaults to the environment
variable ``SKLEARN_BRAINMAP_DATA``, then ``~/sklearn_brainmap_data``. Arrays are read
with ``numpy.load(..., allow_pickle=False)``, never unpickled; a file that cannot be
read (truncated, corrupt, not a NumPy file) raises an ``OSError`` that names it and says
to re-download or re-copy it. Responses are returned stimuli × units,
the package's convention; repeated trials as ``(n_units, n_stimuli, n_repeats)`` with
NaN for missing repeats, the convention of
:func:`sklearn_brainmap.metrics.split_half_reliability`.
"""

import csv
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params

from ._files import (DATA_HOME, damaged, decode_images, dataset_folder, load_npy, load_npz,
                     read_zip_members, get_data_home)

#: Monkey of each Cowley et al. (2023) session shipped with the data.
COWLEY2023_SESSIONS = {
    "190923": "WE", "190925": "WE", "190927": "WE", "190928": "WE", "190929": "WE",
    "201025": "PE", "210224": "PE", "210225": "PE", "210305": "PE", "210322": "PE",
    "210325": "PE", "210621": "RA",
}

#: The arrays of every Hénaff et al. penetration file.
_HENAFF_KEYS = ("spike_counts", "category", "scale", "movie", "frame", "cluster_group",
                "monkey", "penetration", "count_window_s")


@validate_params({"data_home": DATA_HOME}, prefer_skip_nested_validation=True)
def load_henaff2021_v1(data_home=None):
    """Macaque V1 responses to natural and synthetic video frames, with repeats.

    Hénaff et al. (2021): 9 penetrations in 4 monkeys, 484 stimuli in the same order in
    every penetration, so the penetrations form a population of subjects responding to
    shared stimuli.

    Parameters
    ----------
    data_home : str or Path, optional

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``spike_counts``: float ndarray (n_units_total, 484, max_repeats), spike
          counts in a 200 ms window; NaN where a repeat was not recorded.
        - ``responses``: (484, n_units_total), the mean over recorded repeats.
        - ``monkey``, ``penetration``, ``cluster_group``: per unit. ``subjects``
          (per unit) is the penetration (``"ay2_u003"``...), ``areas`` is ``"V1"``.
        - ``category``, ``scale``, ``movie``, ``frame``: per stimulus.
        - ``DESCR`` and ``reference``.

    Raises
    ------
    FileNotFoundError
        Naming the expected files, when they are absent.
    OSError
        Naming the file, when a penetration file cannot be read (empty, truncated,
        corrupt, not an .npz archive, or without one of the arrays listed above).
    ValueError
        Naming the file, when its spike counts or stimuli do not match the others'.

    References
    ----------
    Hénaff, Bai, Charlton, Nauhaus, Simoncelli & Goris (2021), Primary visual cortex
    straightens natural video trajectories, *Nature Communications* 12, 5982.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import load_henaff2021_v1
    >>> data = load_henaff2021_v1()  # doctest: +SKIP
    >>> data.responses.shape  # doctest: +SKIP
    (484, 360)
    """
    folder = get_data_home(data_home) / "henaff2021_v1"
    files = sorted(folder.glob("*.npz")) if folder.is_dir() else []
    if not files:
        dataset_folder(data_home, "henaff2021_v1", ["<monkey>_<penetration>.npz files"])
    parts = [load_npz(f, _HENAFF_KEYS) for f in files]
    n_stimuli = parts[0]["spike_counts"].shape[1]
    for f, part in zip(files, parts):
        if part["spike_counts"].ndim != 3 or part["spike_counts"].shape[1] != n_stimuli:
            raise ValueError(f"{f}: spike_counts has shape {part['spike_counts'].shape}, "
                             f"expected (n_units, {n_stimuli}, n_repeats).")
        for key in ("category", "movie", "frame"):
            if not np.array_equal(part[key], parts[0][key]):
                raise ValueError(f"{f}: stimuli are not in the same order as {files[0]}.")
    max_repeats = max(p["spike_counts"].shape[2] for p in parts)
    counts = np.concatenate([
        np.pad(p["spike_counts"].astype(np.float64),
               ((0, 0), (0, 0), (0, max_repeats - p["spike_counts"].shape[2])),
               constant_values=np.nan) for p in parts])
    per_unit = {key: np.concatenate([np.full(p["spike_counts"].shape[0], str(p[key]))
                                     for p in parts]) for key in ("monkey", "penetration")}
    with np.errstate(invalid="ignore"):
        responses = np.nanmean(counts, axis=2).T
    return Bunch(
        spike_counts=counts, responses=responses,
        monkey=per_unit["monkey"], penetration=per_unit["penetration"],
        subjects=np.char.add(np.char.add(per_unit["monkey"], "_"),
                             per_unit["penetration"]),
        areas=np.full(counts.shape[0], "V1"),
        cluster_group=np.concatenate([p["cluster_group"] for p in parts]),
        category=parts[0]["category"], scale=parts[0]["scale"],
        movie=parts[0]["movie"], frame=parts[0]["frame"],
        count_window_s=float(parts[0]["count_window_s"]),
        reference="Hénaff et al. (2021), Nature Communications 12, 5982.",
        DESCR=(f"Macaque V1, {len(parts)} penetrations in "
               f"{len(set(per_unit['monkey']))} monkeys, {counts.shape[0]} units, "
               f"{n_stimuli} stimuli, up to {max_repeats} repeats."),
    )


@validate_params(
    {"session": [str, Integral], "data_home": DATA_HOME, "images": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_cowley2023_v4(session="210325", data_home=None, *, images=False):
    """Macaque V4 responses to natural images, one recording session.

    Cowley, Stan, Pillow & Smith (2023). Sessions are listed in
    ``COWLEY2023_SESSIONS`` (images differ between sessions, except 600 images shared
    by 210322 and 210325). Session 210325 (50 neurons × 640 images) also has its
    single trials.

    Parameters
    ----------
    session : str or int, default="210325"
        A key of ``COWLEY2023_SESSIONS`` (an int is read as its digits).
    data_home : str or Path, optional
    images : bool, default=False
        Decode the 112 × 112 RGB images (needs Pillow).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``responses``: (n_images, n_neurons), repeat-averaged spike counts (100 ms).
        - ``spike_counts``: (n_neurons, n_images, n_repeats) single trials, NaN-padded,
          or None when the session has none.
        - ``images``: uint8 (n_images, 112, 112, 3) or None.
        - ``session``, ``monkey``, ``DESCR``, ``reference``.

    Raises
    ------
    FileNotFoundError
        Naming the expected file, when the session's responses (or, with
        ``images=True``, its image archive) are absent.
    OSError
        Naming the file, when a response file or the image archive cannot be read
        (empty, truncated, corrupt) or an image in it cannot be decoded.

    References
    ----------
    Cowley, Stan, Pillow & Smith (2023), Compact deep neural network models of visual
    cortex, *bioRxiv*.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import load_cowley2023_v4
    >>> data = load_cowley2023_v4("210325")  # doctest: +SKIP
    >>> data.responses.shape, data.spike_counts.shape  # doctest: +SKIP
    ((640, 50), (50, 640, 10))
    """
    session = str(session)
    if session not in COWLEY2023_SESSIONS:
        raise ValueError(f"Unknown session {session!r}; available: "
                         f"{', '.join(COWLEY2023_SESSIONS)}.")
    averaged = f"responses_repeat_averaged/responses_{session}.npy"
    folder = dataset_folder(data_home, "cowley2023_v4", [averaged])
    responses = load_npy(folder / averaged)
    raw_path = folder / "responses_raw" / f"responses_{session}.npy"
    spike_counts = load_npy(raw_path) if raw_path.exists() else None
    if spike_counts is not None and spike_counts.shape[:2] != responses.shape:
        raise ValueError(f"{raw_path}: shape {spike_counts.shape} does not match the "
                         f"averaged responses {responses.shape}.")
    pictures = None
    if images:
        archive = folder / "images" / f"images_{session}.zip"
        if not archive.exists():
            raise FileNotFoundError(f"The images of session {session} were not found: "
                                    f"expected {archive}.")
        names, blobs = read_zip_members(archive, ".jpg")
        pictures = decode_images(blobs, names, archive)
        if len(pictures) != responses.shape[1]:
            raise ValueError(f"{archive} holds {len(pictures)} images for "
                             f"{responses.shape[1]} responses.")
    return Bunch(
        responses=responses.T, spike_counts=spike_counts, images=pictures,
        session=session, monkey=COWLEY2023_SESSIONS[session],
        reference="Cowley, Stan, Pillow & Smith (2023), bioRxiv.",
        DESCR=(f"Macaque V4 (monkey {COWLEY2023_SESSIONS[session]}), session {session}: "
               f"{responses.shape[0]} neurons × {responses.shape[1]} images."),
    )


@validate_params({"data_home": DATA_HOME, "images": ["boolean"]},
                 prefer_skip_nested_validation=True)
def load_coggan2024_fmri(data_home=None, *, images=False):
    """Human fMRI similarity matrices: 9 subjects × 4 areas × 24 occluded objects.

    Coggan & Tong (2024). Each matrix is a split-half cross-correlation between the
    stimuli's response patterns (not symmetric; the diagonal is each pattern's
    split-half reliability). Raw voxel responses are not available: use the matrices
    for RSA and silhouette analyses.

    Parameters
    ----------
    data_home : str or Path, optional
    images : bool, default=False
        Decode the 24 stimuli (needs Pillow).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``rsm``: (4 areas, 9 subjects, 24, 24).
        - ``areas`` (V1, V2, V4, IT), ``subjects`` (sub-0 … sub-8).
        - ``stimuli``: the 24 file names in matrix order (sorted),
          ``objects`` and ``occlusion`` parsed from them.
        - ``images``: uint8 (24, H, W, 3) or None.

    Raises
    ------
    FileNotFoundError
        Naming the expected files, when they are absent.
    OSError
        Naming the file, when ``rsm.npz`` cannot be read or a stimulus image cannot be
        decoded.

    References
    ----------
    Coggan & Tong (2024), occluded-object fMRI, via Brain-Score vision.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import load_coggan2024_fmri
    >>> load_coggan2024_fmri().rsm.shape  # doctest: +SKIP
    (4, 9, 24, 24)
    """
    folder = dataset_folder(data_home, "coggan2024_fmri", ["rsm.npz", "stimuli"])
    data = load_npz(folder / "rsm.npz", ("rsm", "area", "subject"))
    names = sorted(p.name for p in (folder / "stimuli").glob("*.png"))
    if data["rsm"].shape != (len(data["area"]), len(data["subject"]), len(names),
                             len(names)):
        raise ValueError(f"{folder / 'rsm.npz'}: rsm has shape {data['rsm'].shape}, which "
                         "does not match "
                         f"{len(data['area'])} areas, {len(data['subject'])} subjects and "
                         f"{len(names)} stimuli.")
    pictures = None
    if images:
        pictures = decode_images([(folder / "stimuli" / n).read_bytes() for n in names],
                                  names, folder / "stimuli")
    stems = [n.rsplit(".", 1)[0] for n in names]
    return Bunch(
        rsm=data["rsm"], areas=data["area"], subjects=data["subject"],
        stimuli=np.array(names), objects=np.array([s.split("_")[0] for s in stems]),
        occlusion=np.array([s.split("_")[1] for s in stems]), images=pictures,
        reference="Coggan & Tong (2024), via Brain-Score vision (MIT licence).",
        DESCR="Human fMRI split-half similarity matrices, 4 areas × 9 subjects × 24 "
              "stimuli (8 objects × complete / upper / lower occlusion).",
    )


@validate_params({"data_home": DATA_HOME}, prefer_skip_nested_validation=True)
def load_conwell2021_allen_rdms(data_home=None):
    """Mouse visual cortex similarity matrices (Allen Brain Observatory), areas × layers.

    Conwell et al. (2021): correlation matrices between 118 natural scenes and a blank
    from reliable cells pooled over mice, for 6 areas × 4 cortical layers (NaN where an
    area has no recordings in a layer), with split-half noise ceilings.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``rsm``: (6 areas, 4 layers, 119, 119).
        - ``areas`` (VISp, VISl, VISal, VISrl, VISam, VISpm), ``layers``.
        - ``noise_ceiling``, ``noise_ceiling_sem``: (6, 4), NaN where absent.
        - ``recorded``: bool (6, 4), which area × layer matrices exist.

    Raises
    ------
    FileNotFoundError
        Naming the expected files, when they are absent.
    OSError
        Naming the file, when ``rsm.npz`` cannot be read, or ``noise_ceiling.csv`` is
        empty, lacks a column (area, layer, mean, sem) or a recorded area × layer,
        names an area or layer that ``rsm.npz`` does not have, repeats one, or holds a
        value that is not a number.

    References
    ----------
    Conwell, Mayo, Buice, Katz, Alvarez & Barbu (2021), NeurIPS; de Vries et al.
    (2020), *Nature Neuroscience* 23.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import load_conwell2021_allen_rdms
    >>> load_conwell2021_allen_rdms().rsm.shape  # doctest: +SKIP
    (6, 4, 119, 119)
    """
    folder = dataset_folder(data_home, "conwell2021_allen_rdms", ["rsm.npz", "noise_ceiling.csv"])
    data = load_npz(folder / "rsm.npz", ("rsm", "area", "layer"))
    areas, layers = list(data["area"]), list(data["layer"])
    if data["rsm"].ndim != 4 or data["rsm"].shape[:2] != (len(areas), len(layers)):
        raise damaged(folder / "rsm.npz", f"rsm has shape {data['rsm'].shape}, which does "
                       f"not match {len(areas)} areas × {len(layers)} layers")
    recorded = ~np.isnan(data["rsm"]).all(axis=(2, 3))
    ceiling, sem = _read_noise_ceilings(folder / "noise_ceiling.csv", areas, layers,
                                        recorded)
    return Bunch(
        rsm=data["rsm"], areas=data["area"], layers=data["layer"],
        noise_ceiling=ceiling, noise_ceiling_sem=sem, recorded=recorded,
        reference="Conwell et al. (2021), NeurIPS; Allen Brain Observatory "
                  "(de Vries et al., 2020).",
        DESCR="Mouse visual cortex correlation matrices, 6 areas × 4 layers × 119 stimuli "
              "(118 natural scenes and a blank).",
    )


def _read_noise_ceilings(path, areas, layers, recorded):
    """Noise ceilings (mean, sem) per area × layer from the CSV; NaN where not recorded.

    Every row must name a known area and layer, once, with numeric values, and every
    recorded area × layer must have a row: an empty or truncated file would otherwise
    give NaN ceilings without a word.
    """
    ceiling = np.full((len(areas), len(layers)), np.nan)
    sem = np.full_like(ceiling, np.nan)
    columns = ("area", "layer", "mean", "sem")
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                raise damaged(path, "it is empty")
            absent = [c for c in columns if c not in reader.fieldnames]
            if absent:
                raise damaged(path, f"its header lacks the column(s) {', '.join(absent)} "
                               f"(expected {', '.join(columns)}; got "
                               f"{', '.join(map(str, reader.fieldnames))})")
            seen = set()
            for line, row in enumerate(reader, start=2):
                label = (row["area"], row["layer"])
                for value, known, what in ((label[0], areas, "area"),
                                           (label[1], layers, "layer")):
                    if value not in known:
                        raise damaged(path, f"line {line} names the unknown {what} "
                                       f"{value!r} (rsm.npz has {', '.join(known)})")
                if label in seen:
                    raise damaged(path, f"line {line} repeats {label[0]} / {label[1]}")
                seen.add(label)
                k, l = areas.index(label[0]), layers.index(label[1])
                try:
                    ceiling[k, l], sem[k, l] = float(row["mean"]), float(row["sem"])
                except (TypeError, ValueError):
                    raise damaged(path, f"line {line} holds mean={row['mean']!r}, "
                                   f"sem={row['sem']!r}, not numbers") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc
    missing = [f"{areas[k]} / {layers[l]}" for k, l in np.argwhere(recorded)
               if np.isnan(ceiling[k, l])]
    if missing:
        raise damaged(path, f"it has no noise ceiling for {len(missing)} recorded area × "
                       f"layer pair(s) ({', '.join(missing[:4])}"
                       f"{', ...' if len(missing) > 4 else ''})")
    return ceiling, sem
