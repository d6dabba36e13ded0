"""Gratings and the preferred spatial frequency and orientation measured from them."""

import numpy as np
import pytest

from sklearn_brainmap.features import GaborEnergy, gabor_kernel, grating_tuning, make_gratings


def test_gratings_have_the_requested_frequency_and_orientation():
    g = make_gratings((64, 64), [1 / 16, 1 / 8], orientations=[0.0, np.pi / 2], n_phases=2)
    assert g.images.shape == (8, 64 * 64)
    assert g.images.min() >= 0 and g.images.max() <= 1
    # the 2-D spectrum peaks at f cycles/pixel along the carrier direction
    for image, f, theta in zip(g.images, g.spatial_frequency, g.orientation):
        spectrum = np.abs(np.fft.fft2(image.reshape(64, 64) - image.mean()))
        ky, kx = np.unravel_index(np.argmax(spectrum), spectrum.shape)
        fy, fx = np.fft.fftfreq(64)[ky], np.fft.fftfreq(64)[kx]
        assert np.hypot(fx, fy) == pytest.approx(f)
        assert np.mod(np.arctan2(fy, fx), np.pi) == pytest.approx(theta, abs=1e-12)
    # phases are evenly spaced and the mean luminance is ½
    np.testing.assert_allclose(g.images.mean(axis=1), 0.5, atol=1e-12)


def test_preferences_of_gabor_energy_units_are_their_filters():
    # an energy unit with wavelength λ and carrier angle θ prefers f = 1/λ and θ
    sfs = [1 / 32, 1 / 16, 1 / 8, 1 / 4]
    g = make_gratings((64, 64), sfs, orientations=12)
    model = GaborEnergy((64, 64), n_orientations=6, wavelengths=(4.0, 8.0), grid=1,
                        log=False).fit(g.images)
    t = grating_tuning(model.transform(g.images), g.spatial_frequency, g.orientation)
    # features are ordered wavelength-major, then orientation
    expected_sf = np.repeat([1 / 4, 1 / 8], 6)
    expected_theta = np.tile(np.pi * np.arange(6) / 6, 2)
    np.testing.assert_allclose(t.preferred_spatial_frequency, expected_sf)
    # within 0.6°: energy pooled over a square image filtered with zero padding, on a
    # pixel grid, is slightly anisotropic at oblique angles (measured: 0.44° at most);
    # the estimator itself is exact on a symmetric tuning curve (next test)
    np.testing.assert_allclose(t.preferred_orientation, expected_theta, atol=0.01)
    assert t.surface.shape == (12, 4, 12)


def test_tuning_of_a_single_linear_filter_and_invariances():
    # a linear even Gabor unit, rectified: the same preferences, whatever the phase
    # count, an affine rescaling of responses, or the order of the gratings
    g = make_gratings((33, 33), [0.05, 0.1, 0.2, 0.3], orientations=16, n_phases=8)
    kernel = gabor_kernel(33, wavelength=5.0, orientation=np.pi / 3, phase=0.0)
    R = np.maximum(g.images @ kernel.ravel(), 0)[:, None]
    t = grating_tuning(R, g.spatial_frequency, g.orientation)
    assert t.preferred_spatial_frequency[0] == 0.2
    assert t.preferred_orientation[0] == pytest.approx(np.pi / 3, abs=1e-6)
    perm = np.random.default_rng(0).permutation(len(R))
    t2 = grating_tuning(3 * R[perm] + 1, g.spatial_frequency[perm], g.orientation[perm])
    np.testing.assert_allclose(t2.preferred_orientation, t.preferred_orientation)
    np.testing.assert_allclose(t2.preferred_spatial_frequency, t.preferred_spatial_frequency)
    # a grating at θ + π is the same orientation
    t3 = grating_tuning(R, g.spatial_frequency, g.orientation + np.pi)
    np.testing.assert_allclose(t3.preferred_orientation, t.preferred_orientation, atol=1e-9)


def test_flat_units_get_nan_and_bad_input_is_refused():
    g = make_gratings((16, 16), [0.1, 0.2], orientations=4, n_phases=2)
    kernel = gabor_kernel(16, wavelength=5.0, orientation=0.0, phase=0.0)[:16, :16]
    R = np.c_[np.ones(len(g.images)), np.maximum(g.images @ kernel.ravel(), 0)]
    t = grating_tuning(R, g.spatial_frequency, g.orientation)
    assert np.isnan(t.preferred_spatial_frequency[0]) and np.isnan(t.preferred_orientation[0])
    assert np.isfinite(t.preferred_spatial_frequency[1])
    with pytest.raises(ValueError, match="one of each per grating"):
        grating_tuning(R, g.spatial_frequency[:-1], g.orientation)
    with pytest.raises(ValueError, match="combination"):
        grating_tuning(R[:-2], g.spatial_frequency[:-2], g.orientation[:-2])
    with pytest.raises(ValueError, match="Nyquist"):
        make_gratings((16, 16), [0.6])
    with pytest.raises(ValueError, match="image_shape"):
        make_gratings((16,), [0.1])
