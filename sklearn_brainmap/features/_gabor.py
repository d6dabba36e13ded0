"""Image features computed offline: a Gabor energy model and a pixel baseline.

No weights to download: a user can run a complete model → V4 analysis on the shared
Cowley et al. images with ``make_pipeline(GaborEnergy(), Ridge())``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted, validate_data


def _as_images(X, image_shape):
    """Reshape flattened rows back to (n, H, W[, C]) and average colour channels."""
    images = X.reshape((X.shape[0], *image_shape))
    if images.ndim == 4:
        images = images.mean(axis=3)
    return images


@validate_params(
    {
        "size": [Interval(Integral, 2, None, closed="left")],  # 1 pixel: 0 / 0
        "wavelength": [Interval(Real, 0, None, closed="neither")],
        "orientation": [Real],
        "phase": [Real],
        "sigma_per_wavelength": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def gabor_kernel(size, wavelength, orientation, phase, sigma_per_wavelength=0.5):
    """A zero-mean, unit-norm Gabor filter ``exp(−r²/2σ²) cos(2π x'/λ + φ)``.

    Parameters
    ----------
    size : int
        Width of the square kernel in pixels (at least 2); an even size gives
        ``size + 1`` (the kernel is centred on a pixel).
    wavelength : float
        ``λ``, in pixels.
    orientation : float
        Angle of the carrier in radians; ``x' = x cos θ + y sin θ``.
    phase : float
        ``φ`` in radians (0: even, ``π/2``: odd).
    sigma_per_wavelength : float, default=0.5
        Width of the Gaussian envelope, ``σ = sigma_per_wavelength × λ``.

    Returns
    -------
    kernel : ndarray of shape (2 * (size // 2) + 1, 2 * (size // 2) + 1)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.features import gabor_kernel
    >>> k = gabor_kernel(9, wavelength=4.0, orientation=0.0, phase=0.0)
    >>> k.shape, bool(abs(k.sum()) < 1e-12), bool(np.isclose(np.linalg.norm(k), 1))
    ((9, 9), True, True)
    """
    half = size // 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1].astype(float)
    x_rot = x * np.cos(orientation) + y * np.sin(orientation)
    sigma = sigma_per_wavelength * wavelength
    kernel = np.exp(-(x**2 + y**2) / (2 * sigma**2)) * np.cos(2 * np.pi * x_rot /
                                                           wavelength + phase)
    kernel -= kernel.mean()
    return kernel / np.linalg.norm(kernel)


def _pool(maps, grid):
    """Average each map over a ``grid × grid`` partition of the image."""
    n, h, w = maps.shape
    rows = np.array_split(np.arange(h), grid)
    cols = np.array_split(np.arange(w), grid)
    return np.stack([maps[:, r][:, :, c].mean(axis=(1, 2)) for r in rows for c in cols],
                    axis=1)


class GaborEnergy(TransformerMixin, BaseEstimator):
    """Gabor filter-bank energy features: a classic model of V1 complex cells.

    Each (grey-scale) image is filtered by quadrature pairs of Gabor filters at
    ``n_orientations`` orientations and the given ``wavelengths`` (pixels); the energy
    ``sqrt(even² + odd²)`` (Adelson & Bergen, 1985) is averaged over a ``grid × grid``
    partition of the image, giving ``n_orientations × len(wavelengths) × grid²``
    features per image. Filtering is by FFT, all images at once. Nothing is learned:
    ``fit`` only records the input size.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, C)``: rows of ``X`` are flattened images of this shape.
    n_orientations : int, default=8
    wavelengths : tuple of float, default=(4.0, 8.0, 16.0)
    grid : int, default=7
    log : bool, default=True
        Return ``log(1 + energy)``, compressing the heavy tail of energies.

    Attributes
    ----------
    n_features_in_ : int
    n_features_out_ : int

    References
    ----------
    Adelson & Bergen (1985), Spatiotemporal energy models for the perception of
    motion, *J. Opt. Soc. Am. A* 2. Kay, Naselaris, Prenger & Gallant (2008),
    Identifying natural images from human brain activity, *Nature* 452.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.features import GaborEnergy
    >>> images = np.random.default_rng(0).random((5, 32 * 32))
    >>> GaborEnergy((32, 32), n_orientations=4, wavelengths=(4.0,), grid=2
    ...             ).fit_transform(images).shape
    (5, 16)
    """

    _parameter_constraints = {
        "image_shape": [tuple],
        "n_orientations": [Interval(Integral, 1, None, closed="left")],
        "wavelengths": [tuple, list],
        "grid": [Interval(Integral, 1, None, closed="left")],
        "log": ["boolean"],
    }

    def __init__(self, image_shape, *, n_orientations=8, wavelengths=(4.0, 8.0, 16.0),
                 grid=7, log=True):
        self.image_shape = image_shape
        self.n_orientations = n_orientations
        self.wavelengths = wavelengths
        self.grid = grid
        self.log = log

    def fit(self, X, y=None):
        """Check the input size; nothing is learned."""
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        if int(np.prod(self.image_shape)) != X.shape[1]:
            raise ValueError(f"image_shape {self.image_shape} holds "
                             f"{int(np.prod(self.image_shape))} values but X has "
                             f"{X.shape[1]} columns.")
        if any(not isinstance(w, Real) or w <= 0 for w in self.wavelengths):
            raise ValueError(f"wavelengths must be positive numbers, got {self.wavelengths}.")
        if self.grid > min(self.image_shape[:2]):
            raise ValueError(f"grid={self.grid} is finer than the image "
                             f"({self.image_shape[:2]}).")
        self.n_features_out_ = self.n_orientations * len(self.wavelengths) * self.grid**2
        return self

    def transform(self, X):
        """Energy features of each image, shape ``(n_images, n_features_out_)``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        images = _as_images(X, self.image_shape)
        n, h, w = images.shape
        features = []
        for wavelength in self.wavelengths:
            size = int(2 * np.ceil(1.5 * wavelength) + 1)
            shape = (h + size - 1, w + size - 1)
            spectrum = np.fft.rfft2(images, s=shape)
            for k in range(self.n_orientations):
                theta = np.pi * k / self.n_orientations
                energy = 0.0
                for phase in (0.0, np.pi / 2):
                    kernel = gabor_kernel(size, wavelength, theta, phase)
                    full = np.fft.irfft2(spectrum * np.fft.rfft2(kernel, s=shape), s=shape)
                    half = size // 2
                    energy = energy + full[:, half:half + h, half:half + w] ** 2
                features.append(_pool(np.sqrt(energy), self.grid))
        out = np.concatenate(features, axis=1)
        return (np.log1p(out) if self.log else out).astype(X.dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """Names ``gabor_w{λ}_o{k}_g{i}`` of the features."""
        check_is_fitted(self)
        return np.array([f"gabor_w{w:g}_o{k}_g{i}" for w in self.wavelengths
                         for k in range(self.n_orientations)
                         for i in range(self.grid**2)], dtype=object)
