import numpy as np
import pytest
from scipy.signal import convolve2d

from sklearn_brainmap.features import GaborEnergy, gabor_kernel


def grating(size, orientation, wavelength, phase):
    y, x = np.mgrid[:size, :size].astype(float)
    return np.cos(2 * np.pi * (x * np.cos(orientation) + y * np.sin(orientation))
                  / wavelength + phase)


def test_energy_equals_direct_convolution():
    rng = np.random.default_rng(0)
    images = rng.random((3, 20, 20))
    model = GaborEnergy((20, 20), n_orientations=2, wavelengths=(4.0,), grid=1, log=False)
    features = model.fit_transform(images.reshape(3, -1))
    size = int(2 * np.ceil(1.5 * 4.0) + 1)
    for k, theta in enumerate([0, np.pi / 2]):
        even = np.stack([convolve2d(im, gabor_kernel(size, 4.0, theta, 0), mode="same")
                         for im in images])
        odd = np.stack([convolve2d(im, gabor_kernel(size, 4.0, theta, np.pi / 2),
                                   mode="same") for im in images])
        expected = np.sqrt(even**2 + odd**2).mean(axis=(1, 2))
        np.testing.assert_allclose(features[:, k], expected, rtol=1e-10)


@pytest.mark.parametrize("k", range(4))
def test_orientation_tuning_and_phase_invariance(k):
    theta = np.pi * k / 4
    model = GaborEnergy((48, 48), n_orientations=4, wavelengths=(8.0,), grid=1).fit(
        np.zeros((1, 48 * 48)))
    a = model.transform(grating(48, theta, 8.0, 0.0).reshape(1, -1))[0]
    b = model.transform(grating(48, theta, 8.0, 1.3).reshape(1, -1))[0]
    assert np.argmax(a) == k
    # energy ignores the phase of the grating (edges of the image aside)
    np.testing.assert_allclose(a, b, atol=0.02 * a.max())


def test_colour_images_and_feature_names():
    rng = np.random.default_rng(1)
    X = rng.random((4, 16 * 16 * 3)).astype(np.float32)
    model = GaborEnergy((16, 16, 3), n_orientations=3, wavelengths=(4.0, 8.0), grid=2)
    out = model.fit_transform(X)
    assert out.shape == (4, 3 * 2 * 4) == (4, model.n_features_out_)
    assert out.dtype == np.float32
    assert len(model.get_feature_names_out()) == out.shape[1]


def test_bad_input():
    with pytest.raises(ValueError, match="holds 100 values"):
        GaborEnergy((10, 10)).fit(np.zeros((2, 50)))
    with pytest.raises(ValueError, match="finer than the image"):
        GaborEnergy((4, 4), grid=7).fit(np.zeros((2, 16)))
    with pytest.raises(ValueError, match="wavelengths"):
        GaborEnergy((8, 8), wavelengths=(-1.0,), grid=2).fit(np.zeros((2, 64)))
