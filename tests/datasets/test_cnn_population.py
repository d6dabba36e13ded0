"""The convolutional population: its kernels (gradients checked), images, recording, cache."""

import warnings

import numpy as np
import pytest

from sklearn_brainmap.datasets import make_model_population
from sklearn_brainmap.datasets import _cnn, _population
from sklearn_brainmap.datasets._images import dead_leaves

SMALL = dict(n_subjects=2, hidden=(8, 16, 16), n_steps=15, n_stimuli=80)


def _numerical_gradient(f, x, eps=1e-6):
    """Central differences of a scalar function at every entry of ``x`` (float64)."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        up = f()
        x[index] = old - eps
        down = f()
        x[index] = old
        grad[index] = (up - down) / (2 * eps)
    return grad


# ------------------------------------------------------------------ the kernels
def test_conv_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 7, 3))
    W = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal(4)
    probe = rng.standard_normal((2, 4, 5, 4))        # loss = Σ probe · conv(x)
    loss = lambda: np.sum(probe * _cnn.conv_forward(x, W, b))  # noqa: E731
    dx, dW, db = _cnn.conv_backward(x, W, probe)
    np.testing.assert_allclose(dx, _numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dW, _numerical_gradient(loss, W), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, _numerical_gradient(loss, b), rtol=1e-6, atol=1e-8)
    assert _cnn.conv_backward(x, W, probe, input_grad=False)[0] is None


def test_conv_forward_is_a_cross_correlation():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 5, 6, 2))
    W = rng.standard_normal((3, 3, 2, 2))
    out = _cnn.conv_forward(x, W, np.zeros(2))
    for i, j, c in np.ndindex(out.shape[1:]):
        assert out[0, i, j, c] == pytest.approx(np.sum(x[0, i:i + 3, j:j + 3] * W[..., c]))


def test_pool_forward_and_backward():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 9, 7, 3))            # no ties
    out = _cnn.pool_forward(x)
    assert out.shape == (2, 4, 3, 3)
    assert out[1, 2, 1, 0] == x[1, 4:7, 2:5, 0].max()
    probe = rng.standard_normal(out.shape)
    loss = lambda: np.sum(probe * _cnn.pool_forward(x))  # noqa: E731
    np.testing.assert_allclose(_cnn.pool_backward(x, out, probe),
                               _numerical_gradient(loss, x), atol=1e-8)


def test_info_nce_gradient_and_value():
    rng = np.random.default_rng(3)
    e = rng.standard_normal((6, 4))
    loss, grad = _cnn.info_nce(e, 0.5)
    np.testing.assert_allclose(grad, _numerical_gradient(lambda: _cnn.info_nce(e, 0.5)[0], e),
                               rtol=1e-5, atol=1e-9)
    # independent value: row 0's positive is row 3
    u = e / np.linalg.norm(e, axis=1, keepdims=True)
    s = u @ u.T / 0.5
    row0 = -s[0, 3] + np.log(np.sum(np.exp(s[0, 1:])))
    rows = [-s[i, (i + 3) % 6] + np.log(np.sum(np.exp(np.delete(s[i], i))))
            for i in range(6)]
    assert rows[0] == pytest.approx(row0)
    assert loss == pytest.approx(np.mean(rows))


def test_whole_network_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    params, head = _cnn.init_cnn((2, 3, 3), rng, n_embedding=3)
    params = [[W.astype(float), b.astype(float) + 0.1] for W, b in params]
    head = head.astype(float)
    x = rng.standard_normal((4, 23, 23, 1))
    loss, grads, d_head = _cnn.contrastive_loss_and_gradients(params, head, x, "softplus",
                                                              0.5)

    def f():
        return _cnn.contrastive_loss_and_gradients(params, head, x, "softplus", 0.5)[0]

    for layer in range(3):
        for which in range(2):
            np.testing.assert_allclose(grads[layer][which],
                                       _numerical_gradient(f, params[layer][which]),
                                       rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(d_head, _numerical_gradient(f, head), rtol=1e-4, atol=1e-9)


def test_receptive_fields_and_map_sizes_from_the_network():
    """The input pixels a centre unit depends on span its documented receptive field."""
    rng = np.random.default_rng(5)
    params, _ = _cnn.init_cnn((2, 2, 2), rng)
    params = [[W.astype(float), b.astype(float)] for W, b in params]
    # several images: with max pooling one image may route no gradient through an
    # edge of the field; their union covers it
    x = rng.standard_normal((4, 23, 23, 1))
    layers = _cnn.forward(params, x, "softplus")
    assert [z.shape[1] for _, z, _, _ in layers] == _cnn.map_sizes(23) == [19, 7, 1]
    for layer, field in enumerate(_cnn.receptive_fields()):
        side = layers[layer][1].shape[1]

        def centre_unit():
            return _cnn.forward(params, x, "softplus")[layer][1][:, side // 2, side // 2,
                                                                  0].sum()

        influence = (_numerical_gradient(centre_unit, x, eps=1e-4)[..., 0] != 0).any(0)
        rows, cols = np.flatnonzero(influence.any(1)), np.flatnonzero(influence.any(0))
        assert np.ptp(rows) + 1 == np.ptp(cols) + 1 == field
    assert _cnn.receptive_fields() == [5, 11, 23]
    with pytest.raises(ValueError, match="receptive field"):
        _cnn.map_sizes(9)


def test_dead_leaves_are_scale_invariant():
    """Power spectrum ∝ 1/f^a with a near 2 (natural images), unlike white noise (0)."""
    rng = np.random.default_rng(6)
    images = dead_leaves(6, 128, rng)
    assert images.min() >= 0 and images.max() <= 1 and not np.isnan(images).any()

    def slope(ims):
        power = np.mean(np.abs(np.fft.fft2(ims - ims.mean(axis=(1, 2), keepdims=True)))**2,
                        axis=0)
        f = np.fft.fftfreq(128)
        radius = np.hypot(*np.meshgrid(f, f, indexing="ij"))
        band = (radius > 0.02) & (radius < 0.2)
        return np.polyfit(np.log(radius[band]), np.log(power[band]), 1)[0]

    assert -3.2 < slope(images) < -1.8
    assert abs(slope(rng.random((6, 128, 128)))) < 0.3


# ----------------------------------------------------------------- the population
@pytest.fixture(scope="module")
def data_home(tmp_path_factory):
    return tmp_path_factory.mktemp("data_home")


@pytest.fixture(scope="module")
def pop(data_home):
    return make_model_population(**SMALL, data_home=data_home, random_state=0)


def test_layout_and_hypercolumn(pop):
    n_total = pop.pre.shape[1]
    assert pop.pre.shape == pop.post.shape == (80, n_total)
    assert pop.subjects.shape == pop.areas.shape == pop.unit.shape == (n_total,)
    assert pop.position.shape == (n_total, 2)
    channels = {"layer1": 8, "layer2": 16, "layer3": 16}
    for subject in (0, 1):
        for area, side in zip(channels, pop.map_side):
            cols = (pop.subjects == subject) & (pop.areas == area)
            # the responsive channels at the centre of the map, each once, in order
            assert np.all(pop.position[cols] == side // 2)
            units = pop.unit[cols]
            assert np.all(np.diff(units) > 0) and units.max() < channels[area]
            assert units.size >= channels[area] // 2
    # silent units are not recorded
    assert np.all(np.ptp(pop.post_clean, axis=0) > 0)
    # columns grouped by subject, then area
    assert np.all(np.diff(pop.subjects) >= 0)
    assert pop.stimuli.shape == (80, 23, 23) and pop.target.shape == (80,)
    assert pop.receptive_field.tolist() == [5, 11, 23]
    assert pop.loss.shape == (2, 15)
    np.testing.assert_allclose(pop.post_clean, np.maximum(pop.pre_clean, 0))
    assert pop.post.min() >= 0


def test_layer1_is_affine_in_the_central_patch(pop):
    """An independent check of what is recorded: layer-1 pre-activations are a linear
    filter of the 5×5 patch under the hypercolumn, for each subject."""
    patch = pop.stimuli[:, 9:14, 9:14].reshape(80, -1)     # centre of the 19×19 map: 9
    S = np.column_stack([patch, np.ones(80)])
    for subject in (0, 1):
        Z = pop.pre_clean[:, (pop.subjects == subject) & (pop.areas == "layer1")]
        coef, *_ = np.linalg.lstsq(S, Z, rcond=None)
        np.testing.assert_allclose(S @ coef, Z, atol=1e-4 * np.abs(Z).max())
    # another patch does not explain them
    other = np.column_stack([pop.stimuli[:, :5, :5].reshape(80, -1), np.ones(80)])
    coef, *_ = np.linalg.lstsq(other, Z, rcond=None)
    assert np.abs(other @ coef - Z).max() > 0.1 * np.abs(Z).max()


def test_training_loss_falls_and_seeds_differ(pop):
    assert np.all(pop.loss[:, -5:].mean(axis=1) < pop.loss[:, :5].mean(axis=1))
    a = pop.pre_clean[:, (pop.subjects == 0) & (pop.areas == "layer2")]
    b = pop.pre_clean[:, (pop.subjects == 1) & (pop.areas == "layer2")]
    assert not np.allclose(a, b)


def test_random_sampling_records_units_across_the_map(data_home):
    pop = make_model_population(**SMALL, sampling="random", data_home=data_home,
                                random_state=0)
    first = pop.position[(pop.areas == "layer1") & (pop.subjects == 0)]
    assert len(first) == 8 and len({tuple(p) for p in first}) > 1
    # each layer-1 unit is the filter of the patch at its own position
    z = pop.pre_clean[:, (pop.areas == "layer1") & (pop.subjects == 0)]
    for k, (row, col) in enumerate(first):
        S = np.column_stack([pop.stimuli[:, row:row + 5, col:col + 5].reshape(80, -1),
                             np.ones(80)])
        coef, *_ = np.linalg.lstsq(S, z[:, k], rcond=None)
        np.testing.assert_allclose(S @ coef, z[:, k], atol=1e-4 * np.abs(z).max())


def test_window_and_n_neurons(data_home):
    pop = make_model_population(**SMALL, window=3, n_neurons=12, noise_gain=None,
                                data_home=data_home, random_state=1)
    assert np.bincount(pop.subjects).tolist() == [36, 36]
    layer1 = pop.position[pop.areas == "layer1"]
    assert layer1.min() >= 8 and layer1.max() <= 10       # 3×3 around the centre 9
    with pytest.raises(ValueError, match="larger than the hypercolumn"):
        make_model_population(**SMALL, n_neurons=9, cache=False, random_state=0)
    # the 1×1 map of layer 3 holds 16 units whatever the window
    with pytest.raises(ValueError, match=r"1×1 positions × 16 channels"):
        make_model_population(**SMALL, window=3, n_neurons=20, cache=False,
                              random_state=0)


def test_noise_variance_is_mean_over_gain(data_home):
    """Pooled squared residuals against their expectation, within 4 standard errors
    computed from the noise model itself: for ``D = Poisson(gμ)/g − μ``,
    ``E D² = μ/g`` and ``Var D² = μ/g³ + 2μ²/g²``; for Gaussian ``D`` of variance
    ``v = |μ|/g``, ``Var D² = 2v²``."""
    gain = 4.0
    pop = make_model_population(**SMALL, noise_gain=gain, data_home=data_home,
                                random_state=3)
    mu = pop.post_clean
    d2 = (pop.post - mu) ** 2
    se = np.sqrt(np.sum(mu / gain**3 + 2 * mu**2 / gain**2)) / mu.size
    assert abs(d2.mean() - mu.mean() / gain) < 4 * se
    v = np.abs(pop.pre_clean) / gain
    d2 = (pop.pre - pop.pre_clean) ** 2
    assert abs(d2.mean() - v.mean()) < 4 * np.sqrt(np.sum(2 * v**2)) / v.size
    assert np.mean(pop.post - mu) == pytest.approx(0.0, abs=4 * np.sqrt(np.sum(mu / gain))
                                                   / mu.size)
    assert np.all(pop.post[mu == 0] == 0)


def test_softplus_noise_free(data_home):
    pop = make_model_population(**SMALL, activation="softplus", noise_gain=None,
                                data_home=data_home, random_state=0)
    np.testing.assert_array_equal(pop.post, pop.post_clean)
    np.testing.assert_allclose(pop.post, np.logaddexp(0, pop.pre), rtol=1e-5)
    assert pop.noise_gain is None


# ---------------------------------------------------------------------- the cache
def test_cache_returns_identical_arrays_without_training(pop, data_home, monkeypatch):
    files = list((data_home / "model_populations").glob("cnn_*.npz"))
    assert files

    def no_training(*args, **kwargs):
        raise AssertionError("a cached population was generated again")

    monkeypatch.setattr(_population, "record_cnn", no_training)
    again = make_model_population(**SMALL, data_home=data_home, random_state=0)
    assert set(again) == set(pop)
    for key in pop:
        if isinstance(pop[key], np.ndarray):
            np.testing.assert_array_equal(again[key], pop[key])
            assert again[key].dtype == pop[key].dtype
        else:
            assert again[key] == pop[key]


def test_same_seed_without_cache_is_identical_and_refresh_rebuilds(pop, tmp_path):
    fresh = make_model_population(**SMALL, cache=False, random_state=0)
    np.testing.assert_array_equal(fresh.post, pop.post)
    data_home = tmp_path / "home"
    make_model_population(**SMALL, data_home=data_home, random_state=0)
    # a cache file with other (valid) contents: read as is, replaced by refresh=True
    (path,) = (data_home / "model_populations").glob("cnn_*.npz")
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    np.savez(path, **{**arrays, "post": arrays["post"] + 1})
    stale = make_model_population(**SMALL, data_home=data_home, random_state=0)
    np.testing.assert_array_equal(stale.post, pop.post + 1)
    rebuilt = make_model_population(**SMALL, data_home=data_home, refresh=True,
                                    random_state=0)
    np.testing.assert_array_equal(rebuilt.post, pop.post)
    again = make_model_population(**SMALL, data_home=data_home, random_state=0)
    np.testing.assert_array_equal(again.post, pop.post)
    other = make_model_population(**SMALL, cache=False, random_state=1)
    assert not np.array_equal(other.post, pop.post)


def test_no_cache_without_an_integer_seed(tmp_path):
    make_model_population(**SMALL, data_home=tmp_path,
                          random_state=np.random.default_rng(0))
    assert not (tmp_path / "model_populations").exists()


def test_damaged_cache_is_rebuilt_with_a_warning(tmp_path):
    pop = make_model_population(**SMALL, data_home=tmp_path, random_state=5)
    path = next((tmp_path / "model_populations").glob("cnn_*.npz"))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.warns(RuntimeWarning, match="cannot be read.*rebuilt"):
        again = make_model_population(**SMALL, data_home=tmp_path, random_state=5)
    np.testing.assert_array_equal(again.post, pop.post)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_model_population(**SMALL, data_home=tmp_path, random_state=5)


# ----------------------------------------------------------------- image folders
def test_images_from_a_folder_relative_to_the_data_home(tmp_path):
    folder = tmp_path / "my_images"
    folder.mkdir()
    rng = np.random.default_rng(7)
    for k, image in enumerate(dead_leaves(5, 48, rng)):
        np.save(folder / f"im{k}.npy", image * 255)
    (folder / "notes.txt").write_text("not an image")
    pop = make_model_population(**SMALL, images="my_images", data_home=tmp_path,
                                random_state=0)
    assert pop.post.shape[0] == 80 and "a folder of images" in pop.DESCR
    # changing the folder's images rebuilds the cached population
    np.save(folder / "im0.npy", rng.random((48, 48)))
    again = make_model_population(**SMALL, images="my_images", data_home=tmp_path,
                                  random_state=0)
    assert not np.array_equal(again.stimuli, pop.stimuli) or \
        not np.array_equal(again.post, pop.post)


@pytest.mark.parametrize("make, match", [
    (lambda f: None, "is not a folder"),
    (lambda f: (f.mkdir(), np.save(f / "a.npy", np.zeros((40, 40)))), "at least 2"),
    (lambda f: (f.mkdir(), np.save(f / "a.npy", np.zeros((40, 40))),
                np.save(f / "b.npy", np.zeros((20, 40)))), "at least 31"),
    (lambda f: (f.mkdir(), np.save(f / "a.npy", np.zeros((40, 40))),
                np.save(f / "b.npy", np.zeros((3, 40, 40, 2)))), "2-D"),
    (lambda f: (f.mkdir(), *[np.save(f / f"{k}.npy", np.full((40, 40), 7.0))
                             for k in range(5)]), "uniform"),
])
def test_bad_image_folders(tmp_path, make, match):
    folder = tmp_path / "images"
    make(folder)
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        make_model_population(**SMALL, images=folder, cache=False, random_state=0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(architecture="mlp", sampling="random"), "sampling only apply to architecture='cnn'"),
    (dict(architecture="mlp", images="sample", window=3), "window, images only apply"),
    (dict(n_epochs=5), "n_epochs only apply to architecture='mlp'"),
    (dict(hidden=(8, 8)), "3 channel counts"),
    (dict(sampling="everywhere"), "sampling"),
    (dict(window=0), "window"),
])
def test_bad_parameters(kwargs, match):
    params = {**SMALL, **kwargs}
    if params.get("architecture") == "mlp":
        params.pop("n_steps")
        params["hidden"] = (16, 16)
    with pytest.raises(ValueError, match=match):
        make_model_population(**params, cache=False, random_state=0)
