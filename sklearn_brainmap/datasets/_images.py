"""Images the simulated networks learn from and are shown: generated or read, all grey.

- :func:`dead_leaves` draws images of the dead-leaves model (Matheron, 1968; Lee,
  Mumford & Huang, 2001): opaque discs of random grey level whose radii follow the
  power law ``p(r) ∝ r⁻³`` occlude one another. The law makes the images
  scale-invariant: their power spectrum falls as ``1/f²``, their edges have every
  orientation and their regions every size, as in natural photographs. No file and no
  dependency is needed.
- :func:`sample_images`: scikit-learn's two sample photographs (needs Pillow).
- :func:`folder_images`: every PNG / JPEG (Pillow) or ``.npy`` image of a folder.
"""

from pathlib import Path

import numpy as np

from ._files import damaged, load_npy

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".npy")


def dead_leaves(n_images, size, rng, *, r_min=1.5, r_max=None, blur=0.7, n_discs=4096):
    """``n_images`` dead-leaves images of ``size``×``size`` pixels, values in [0, 1].

    ``n_discs`` discs are laid front to back: a pixel takes the grey level of the first
    (nearest) disc that covers it; the few pixels no disc covers (about 0.5 % at the
    defaults) show one background leaf behind them all. Radii follow
    ``p(r) ∝ r⁻³`` on ``[r_min, r_max]`` (``r_max = size / 2`` by default), drawn by
    inverting the distribution function, ``r = (r_min⁻² − u (r_min⁻² − r_max⁻²))^(−1/2)``;
    centres are uniform over the image and a margin, grey levels uniform on [0, 1]. A
    Gaussian blur of ``blur`` pixels (the optics) removes the aliasing of disc edges.
    """
    r_max = size / 2 if r_max is None else r_max
    images = np.empty((n_images, size, size))
    batch = 512
    for n in range(n_images):
        image = np.full(size * size, np.nan)
        for _ in range(-(-n_discs // batch)):
            _paint_discs(image, size, rng, batch, r_min, r_max)
        image[np.isnan(image)] = rng.random()
        image = image.reshape(size, size)
        images[n] = _gaussian_blur(image, blur) if blur else image
    return images


def _paint_discs(image, size, rng, n_discs, r_min, r_max):
    """Lay ``n_discs`` discs behind what ``image`` (flat, NaN = uncovered) already shows.

    Every disc's bounding box is enumerated at once (one row per pixel of every box);
    the nearest disc at each pixel is the one of smallest index (discs are listed front
    to back).
    """
    u = rng.random(n_discs)
    radii = (r_min**-2 - u * (r_min**-2 - r_max**-2)) ** -0.5
    centres = rng.uniform(-r_max / 2, size + r_max / 2, size=(n_discs, 2))
    levels = rng.random(n_discs)
    half = np.ceil(radii).astype(int)
    width = 2 * half + 1
    counts = width**2
    disc = np.repeat(np.arange(n_discs), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    row = np.floor(centres[disc, 0]).astype(int) + local // width[disc] - half[disc]
    col = np.floor(centres[disc, 1]).astype(int) + local % width[disc] - half[disc]
    keep = ((row >= 0) & (row < size) & (col >= 0) & (col < size)
            & ((row + 0.5 - centres[disc, 0]) ** 2 + (col + 0.5 - centres[disc, 1]) ** 2
               <= radii[disc] ** 2))
    nearest = np.full(size * size, n_discs)
    np.minimum.at(nearest, row[keep] * size + col[keep], disc[keep])
    paint = np.isnan(image) & (nearest < n_discs)
    image[paint] = levels[nearest[paint]]


def _gaussian_blur(image, sigma):
    """Separable Gaussian blur with reflected borders."""
    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padded = np.pad(image, radius, mode="reflect")
    rows = sum(t * padded[:, i:i + image.shape[1]] for i, t in enumerate(taps))
    return sum(t * rows[i:i + image.shape[0]] for i, t in enumerate(taps))


def _grey(image):
    """An (h, w) float image in [0, 1] from a grey or RGB(A) array of any range."""
    image = np.asarray(image, dtype=float)
    if image.ndim == 3:
        image = image[..., :3] @ np.array([0.299, 0.587, 0.114])[: image.shape[2]]
    if image.ndim != 2:
        raise ValueError(f"an image must be 2-D (grey) or 3-D (colour), got shape "
                         f"{image.shape}")
    span = np.ptp(image)
    return (image - image.min()) / span if span > 0 else np.zeros_like(image)


def _pillow(purpose):
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{purpose} needs Pillow: pip install "
                          "'sklearn-brainmap[images]' (or pillow).") from exc
    return Image


def sample_images():
    """scikit-learn's two sample photographs (china, flower) in grey, 427×640."""
    _pillow("images='sample' (scikit-learn's sample photographs)")
    from sklearn.datasets import load_sample_images

    return [_grey(image) for image in load_sample_images().images]


def image_files(folder):
    """The image files of ``folder`` (PNG, JPEG, ``.npy``), sorted by name.

    Other entries (text files, sub-folders such as the cache's ``model_populations``
    when the folder is the data home) are not images and are passed over; an entry with
    an image suffix that cannot be reached (a broken symbolic link, a link loop) is an
    error naming it.
    """
    files = []
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if not path.is_file():
            if path.is_dir():
                continue
            raise FileNotFoundError(
                f"images: {path} cannot be read: it is a broken symbolic link (or a "
                "loop of links); remove it or point it at an image.")
        files.append(path)
    return files


def _pixels(path):
    """The pixels of one image file at their own depth (16-bit PNGs stay 16-bit)."""
    if path.suffix.lower() == ".npy":
        image = load_npy(path)                  # errors name the file; never unpickled
        if image.dtype.kind not in "biuf":
            raise ValueError(f"images: {path} holds {image.dtype} values; an image is "
                             "an array of numbers (grey or colour).")
        return image
    Image = _pillow(f"reading {path.name}")
    try:
        with Image.open(path) as handle:
            handle.load()
            # "I;16", "I", "F": read as they are (convert("L") would clip 16-bit grey
            # levels at 255); 8-bit modes through Pillow's grey conversion
            if handle.mode.startswith(("I", "F")):
                return np.asarray(handle)
            return np.asarray(handle.convert("L"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc


def folder_images(folder, min_size):
    """Every image file of ``folder`` (sorted by name) in grey, and the files' paths.

    Each image is rescaled to [0, 1] from its own range (at its own bit depth). Errors
    name the file: unreadable files, NaN or infinite pixels, images that are not 2-D or
    3-D, images smaller than ``min_size``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"images={str(folder)!r} is not a folder. Give 'dead_leaves', 'sample' or a "
            "folder of PNG / JPEG / .npy images (relative paths are read from the data "
            "home).")
    files = image_files(folder)
    if len(files) < 2:
        raise ValueError(f"images: {folder} holds {len(files)} image files (PNG, JPEG or "
                         ".npy); at least 2 are needed (some train, some are stimuli).")
    images = []
    for path in files:
        image = _pixels(path)
        bad = ~np.isfinite(image) if image.dtype.kind == "f" else None
        if bad is not None and bad.any():
            where = np.argwhere(bad)[0].tolist()
            raise ValueError(
                f"images: {path} has {int(bad.sum())} NaN or infinite pixel(s) (the "
                f"first at index {tuple(where)}); an image needs finite grey levels: "
                "replace them (e.g. numpy.nan_to_num) or remove the file.")
        try:
            image = _grey(image)
        except ValueError as exc:
            raise ValueError(f"images: {path}: {exc}") from None
        if min(image.shape) < min_size:
            raise ValueError(f"images: {path} is {image.shape[0]}×{image.shape[1]} "
                             f"pixels; every image needs at least {min_size} on each side.")
        images.append(image)
    return images, files
