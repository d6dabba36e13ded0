"""Reading the data files of the real datasets: where they are, and every read checked.

No download and no pickles: arrays are read with ``numpy.load(..., allow_pickle=False)``
after a look at the file's first bytes (numpy takes any file that is neither a .npy nor
a zip archive for a pickle). A file that exists but cannot be read (truncated, corrupt,
not a NumPy file) raises an ``OSError`` that names it and says to re-download or
re-copy it; a missing file a ``FileNotFoundError`` with the expected path.
"""

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils._param_validation import validate_params

#: ``data_home`` of every loader: a folder, or None for the default.
DATA_HOME = [str, os.PathLike, None]


@validate_params({"data_home": DATA_HOME}, prefer_skip_nested_validation=True)
def get_data_home(data_home=None):
    """The folder that holds the datasets: ``data_home``, ``$SKLEARN_BRAINMAP_DATA`` or
    ``~/sklearn_brainmap_data``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder; None for the environment variable or the default.

    Returns
    -------
    data_home : pathlib.Path
        With ``~`` expanded; it need not exist.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import get_data_home
    >>> get_data_home("/data/recordings").as_posix()
    '/data/recordings'
    """
    if data_home is None:
        data_home = os.environ.get("SKLEARN_BRAINMAP_DATA",
                                   Path("~") / "sklearn_brainmap_data")
    return Path(data_home).expanduser()


def dataset_folder(data_home, name, expected):
    folder = get_data_home(data_home) / name
    missing = [f for f in expected if not (folder / f).exists()]
    if missing:
        raise FileNotFoundError(
            f"The {name} dataset was not found: expected {', '.join(missing)} in "
            f"{folder}. Point data_home (or $SKLEARN_BRAINMAP_DATA) at a folder that "
            f"contains {name}/.")
    return folder


#: What numpy, zipfile and zlib raise on a damaged .npy / .npz / .zip file.
READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, SyntaxError,
                struct.error)

#: The first bytes of a .npy file and of a zip archive (.npz, .zip).
NPY_MAGIC, ZIP_MAGIC = b"\x93NUMPY", b"PK\x03\x04"


def damaged(path, reason):
    """The error for a file that exists but cannot be read."""
    return OSError(f"{path} cannot be read: {reason}. The file is corrupt or truncated "
                   "(an interrupted download or copy?); re-download or re-copy it.")


def check_magic(path, magic, kind):
    """An error naming ``path`` unless it starts with ``magic``.

    Checked before numpy sees the file: numpy takes any file that is neither a .npy
    nor a zip archive for a pickle, and would report "pickled data".
    """
    with open(path, "rb") as handle:
        head = handle.read(len(magic))
    if len(head) == 0:
        raise damaged(path, "it is empty (0 bytes)")
    if head != magic:
        raise damaged(path, f"it does not start like a {kind} file")


def load_npz(path, keys):
    """The arrays of an .npz archive, with those named in ``keys`` required."""
    check_magic(path, ZIP_MAGIC, ".npz (zip)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except READ_ERRORS as exc:
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise damaged(path, f"it lacks the array(s) {', '.join(missing)} (it holds "
                             f"{', '.join(arrays) or 'none'})")
    return arrays


def load_npy(path):
    """The array of a .npy file."""
    check_magic(path, NPY_MAGIC, ".npy")
    try:
        return np.load(path, allow_pickle=False)
    except READ_ERRORS as exc:
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc


def decode_images(blobs, names, where):
    """Decode image files (bytes) into one uint8 array (needs Pillow).

    ``names`` are the files' names, ``where`` the folder or archive that holds them
    (named in the error for an image that cannot be decoded).
    """
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Decoding images needs Pillow: pip install "
                          "'sklearn_brainmap[images]'") from exc

    pictures = []
    for blob, name in zip(blobs, names):
        try:
            pictures.append(np.asarray(Image.open(io.BytesIO(blob)).convert("RGB")))
        except (OSError, ValueError, SyntaxError) as exc:  # PIL's errors for bad data
            raise damaged(f"{where}: {name}", f"{type(exc).__name__}: {exc}") from exc
    return np.stack(pictures)


def read_zip_members(archive, suffix):
    """Sorted names and bytes of the members of ``archive`` that end with ``suffix``."""
    check_magic(archive, ZIP_MAGIC, ".zip")
    try:
        with zipfile.ZipFile(archive) as zf:
            names = sorted(n for n in zf.namelist() if n.lower().endswith(suffix))
            return names, [zf.read(n) for n in names]
    except READ_ERRORS as exc:
        raise damaged(archive, f"{type(exc).__name__}: {exc}") from exc
