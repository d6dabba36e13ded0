"""Sinusoidal gratings and the preferred spatial frequency and orientation of units.

The classic characterisation of V1 cells (De Valois et al. 1982): present full-field
gratings of several spatial frequencies, orientations and phases, and read each unit's
preference off its mean response. The same stimuli go through a model (any function
of images: :class:`GaborEnergy`, a network layer) and the resulting distributions are
compared with the neurons' (:func:`~sklearn_brainmap.metrics.ks_similarity_score`).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params

from ..utils import check_response_matrix
from ..utils._array_api import check_namespace_support


@validate_params(
    {"image_shape": [tuple],
     "spatial_frequencies": ["array-like"],
     "orientations": ["array-like", Interval(Integral, 1, None, closed="left")],
     "n_phases": [Interval(Integral, 1, None, closed="left")],
     "contrast": [Interval(Real, 0, 1, closed="right")]},
    prefer_skip_nested_validation=True,
)
def make_gratings(image_shape, spatial_frequencies, orientations=8, *, n_phases=4,
                  contrast=1.0):
    """Full-field sinusoidal gratings, every spatial frequency × orientation × phase.

    ``I(x, y) = ½ + ½ c cos(2π f (x cos θ + y sin θ) + φ)``, in ``[0, 1]``, with ``x``
    (columns) and ``y`` (rows) in pixels from the image centre — the convention of
    :func:`gabor_kernel`: ``θ`` is the direction of the carrier (the stripes run
    perpendicular to it), ``f`` in cycles per pixel (multiply by pixels per degree for
    cycles per degree), ``φ`` evenly spaced in ``[0, 2π)``.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)``; the images are returned flattened, one per row.
    spatial_frequencies : array-like of float
        In cycles per pixel, in ``(0, 0.5]`` (0.5 is the Nyquist limit).
    orientations : int or array-like of float, default=8
        Angles in radians, or a number of angles evenly spaced in ``[0, π)``.
    n_phases : int, default=4
    contrast : float in (0, 1], default=1.0

    Returns
    -------
    gratings : :class:`~sklearn.utils.Bunch`
        - ``images``: ndarray of shape (n_gratings, H * W);
        - ``spatial_frequency``, ``orientation``, ``phase``: ndarray of shape
          (n_gratings,), the parameters of each grating (spatial frequency slowest,
          phase fastest).

    References
    ----------
    De Valois, Albrecht & Thorell (1982), Spatial frequency selectivity of cells in
    macaque visual cortex, *Vision Res.* 22. De Valois, Yund & Hepler (1982), The
    orientation and direction selectivity of cells in macaque visual cortex, *Vision
    Res.* 22.

    Examples
    --------
    >>> from sklearn_brainmap.features import make_gratings
    >>> g = make_gratings((16, 16), [0.1, 0.2], orientations=4, n_phases=2)
    >>> g.images.shape, g.orientation[:4].round(3).tolist()
    ((16, 256), [0.0, 0.0, 0.785, 0.785])
    """
    if len(image_shape) != 2 or any(not isinstance(s, Integral) or s < 2
                                     for s in image_shape):
        raise ValueError(f"image_shape must be (H, W) with H, W >= 2; got {image_shape}.")
    sf = np.asarray(spatial_frequencies, dtype=np.float64).ravel()
    if sf.size == 0 or not np.all((sf > 0) & (sf <= 0.5)):
        raise ValueError("spatial_frequencies must be in (0, 0.5] cycles per pixel (0.5 is "
                         f"the Nyquist limit); got {sf}.")
    if isinstance(orientations, Integral):
        theta = np.pi * np.arange(orientations) / orientations
    else:
        theta = np.asarray(orientations, dtype=np.float64).ravel()
        if theta.size == 0 or not np.isfinite(theta).all():
            raise ValueError(f"orientations must be finite angles; got {theta}.")
    phases = 2 * np.pi * np.arange(n_phases) / n_phases
    F, T, P = (a.ravel() for a in np.meshgrid(sf, theta, phases, indexing="ij"))
    h, w = image_shape
    y, x = np.mgrid[:h, :w].astype(float)
    x -= (w - 1) / 2
    y -= (h - 1) / 2
    carrier = (np.cos(T)[:, None] * x.ravel() + np.sin(T)[:, None] * y.ravel())
    images = 0.5 + 0.5 * contrast * np.cos(2 * np.pi * F[:, None] * carrier + P[:, None])
    return Bunch(images=images, spatial_frequency=F, orientation=T, phase=P)


@validate_params(
    {"responses": ["array-like"], "spatial_frequency": ["array-like"],
     "orientation": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def grating_tuning(responses, spatial_frequency, orientation):
    """Preferred spatial frequency and orientation of each unit from grating responses.

    Responses are averaged over the gratings that share a (spatial frequency,
    orientation), e.g. over phases, giving a tuning surface ``r(f, θ)`` per unit. The
    preferred spatial frequency is the ``f`` of the surface's maximum (the peak of the
    tuning curve, as De Valois et al. 1982 report it; its resolution is the grid's);
    the preferred orientation is the doubled-angle vector average at that frequency,
    ``θ* = ½ arg Σ_θ r(f*, θ) e^{2iθ}``, in ``[0, π)`` (orientation is π-periodic; with
    evenly spaced orientations a constant added to the responses does not move it).

    Parameters
    ----------
    responses : array-like of shape (n_gratings, n_units)
        Responses of units (model or neurons) to gratings.
    spatial_frequency, orientation : array-like of shape (n_gratings,)
        Parameters of each grating (as :func:`make_gratings` returns them).

    Returns
    -------
    tuning : :class:`~sklearn.utils.Bunch`
        - ``preferred_spatial_frequency``: ndarray of shape (n_units,);
        - ``preferred_orientation``: ndarray of shape (n_units,), radians in
          ``[0, π)``; NaN (both) for a unit whose responses do not vary;
        - ``spatial_frequencies``, ``orientations``: the sorted grid;
        - ``surface``: ndarray of shape (n_units, n_spatial_frequencies,
          n_orientations), the mean responses.

    Raises
    ------
    ValueError
        For mismatched lengths, NaN or infinite values, or a missing (frequency,
        orientation) combination.

    References
    ----------
    De Valois, Albrecht & Thorell (1982), Spatial frequency selectivity of cells in
    macaque visual cortex, *Vision Res.* 22. Ringach, Shapley & Hawken (2002),
    Orientation selectivity in macaque V1: diversity and laminar dependence,
    *J. Neurosci.* 22 (the doubled-angle vector average).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.features import GaborEnergy, grating_tuning, make_gratings
    >>> g = make_gratings((32, 32), [1 / 16, 1 / 8, 1 / 4], orientations=8)
    >>> model = GaborEnergy((32, 32), n_orientations=4, wavelengths=(8.0,), grid=1,
    ...                     log=False).fit(g.images)
    >>> t = grating_tuning(model.transform(g.images), g.spatial_frequency, g.orientation)
    >>> t.preferred_spatial_frequency.tolist(), t.preferred_orientation.round(3).tolist()
    ([0.125, 0.125, 0.125, 0.125], [0.0, 0.785, 1.571, 2.356])
    """
    check_namespace_support("grating_tuning", responses)
    R = check_response_matrix(responses, "responses", min_samples=2).astype(np.float64)
    sf = np.asarray(spatial_frequency, dtype=np.float64).ravel()
    theta = np.asarray(orientation, dtype=np.float64).ravel()
    if not (sf.size == theta.size == R.shape[0]):
        raise ValueError(f"responses has {R.shape[0]} rows (gratings) but "
                         f"spatial_frequency has {sf.size} and orientation {theta.size} "
                         "values: give one of each per grating.")
    if not (np.isfinite(sf).all() and np.isfinite(theta).all()):
        raise ValueError("spatial_frequency and orientation must be finite.")
    theta = np.mod(theta, np.pi)   # a grating at θ + π is the same grating
    sfs, sf_index = np.unique(sf, return_inverse=True)
    thetas, theta_index = np.unique(np.round(theta, 12), return_inverse=True)
    cell = sf_index * thetas.size + theta_index
    counts = np.bincount(cell, minlength=sfs.size * thetas.size)
    if (counts == 0).any():
        raise ValueError("Every (spatial frequency, orientation) combination needs at "
                         f"least one grating; {int((counts == 0).sum())} of {counts.size} "
                         "are missing.")
    sums = np.zeros((sfs.size * thetas.size, R.shape[1]))
    np.add.at(sums, cell, R)
    surface = (sums / counts[:, None]).T.reshape(R.shape[1], sfs.size, thetas.size)
    flat = surface.reshape(R.shape[1], -1)
    peak_sf = np.argmax(flat, axis=1) // thetas.size
    at_peak = surface[np.arange(R.shape[1]), peak_sf]             # (n_units, n_orient.)
    vector = at_peak @ np.exp(2j * thetas)
    preferred_theta = np.mod(np.angle(vector) / 2, np.pi)
    # an angle a rounding error below 0 wraps to just under π: the same orientation
    preferred_theta[np.isclose(preferred_theta, np.pi, rtol=0, atol=1e-12)] = 0.0
    preferred_sf = sfs[peak_sf]
    flat_units = np.ptp(flat, axis=1) <= 16 * np.finfo(float).eps * np.abs(flat).max(axis=1)
    preferred_sf = np.where(flat_units, np.nan, preferred_sf)
    preferred_theta = np.where(flat_units, np.nan, preferred_theta)
    return Bunch(preferred_spatial_frequency=preferred_sf,
                 preferred_orientation=preferred_theta,
                 spatial_frequencies=sfs, orientations=thetas, surface=surface)
