"""Image folders and the population cache (issue 26, items 1-11): each input that gave a
silent wrong result or an unclear crash, with the behaviour it gets now."""

import os

import numpy as np
import pytest

from sklearn_brainmap.datasets import _population, _recording, make_model_population
from sklearn_brainmap.datasets._images import dead_leaves, folder_images

SMALL = dict(n_subjects=2, hidden=(4, 8, 8), n_steps=3, n_stimuli=40)


def _leaves(folder, n=5, side=48, seed=0):
    folder.mkdir(exist_ok=True)
    for k, image in enumerate(dead_leaves(n, side, np.random.default_rng(seed))):
        np.save(folder / f"im{k}.npy", image)
    return folder


def _no_training(monkeypatch):
    """Fail if a population is built (it must come from the cache or be refused)."""
    def boom(**kwargs):
        raise AssertionError("the population was built")
    monkeypatch.setitem(_population._GENERATORS, "cnn", (_population._cnn, boom))


def _held_out_first(folder, held_out, other, seed=0):
    """Two images, ``held_out`` the one the generator holds out with ``seed``."""
    folder.mkdir()
    first = np.random.default_rng(seed).permutation(2)[0]   # the generator's first draw
    for k in range(2):
        np.save(folder / f"im{k}.npy", held_out if k == first else other)
    return folder


# -- 1. held-out images without structure
def test_uniform_held_out_image_is_refused_by_name(tmp_path):
    leaves = dead_leaves(1, 48, np.random.default_rng(0))[0]
    folder = _held_out_first(tmp_path / "f", np.full((48, 48), 0.5), leaves)
    first = np.random.default_rng(0).permutation(2)[0]
    with pytest.raises(ValueError, match=f"held-out image .*im{first}.npy is uniform"):
        make_model_population(**SMALL, images=folder, cache=False, random_state=0)


def test_held_out_image_whose_crops_are_all_blank_is_refused(tmp_path):
    dot = np.zeros((48, 48))
    dot[0, 0] = 1.0                       # structure in one crop position of 676 only
    leaves = dead_leaves(1, 48, np.random.default_rng(0))[0]
    folder = _held_out_first(tmp_path / "f", dot, leaves)
    with pytest.raises(ValueError, match="every crop of the held-out image"):
        make_model_population(**{**SMALL, "n_stimuli": 20}, images=folder, cache=False,
                              random_state=0)


# -- 2. NaN / inf pixels
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pixels_are_refused_naming_the_file(tmp_path, bad):
    folder = _leaves(tmp_path / "f")
    image = np.load(folder / "im3.npy")
    image[5, 7] = bad
    np.save(folder / "im3.npy", image)
    with pytest.raises(ValueError, match=r"im3.npy has 1 NaN or infinite pixel.*\(5, 7\)"):
        folder_images(folder, 31)


# -- 3. 16-bit PNGs
def test_16_bit_png_is_read_at_its_depth(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    deep = rng.integers(0, 65536, size=(40, 40)).astype(np.uint16)
    deep[0, 0], deep[0, 1] = 0, 65535
    folder = tmp_path / "f"
    folder.mkdir()
    Image.fromarray(deep).save(folder / "a.png")
    Image.fromarray(deep[::-1]).save(folder / "b.png")
    images, files = folder_images(folder, 31)
    np.testing.assert_allclose(images[0], deep / 65535.0, atol=1e-12)
    assert np.mean(images[0] == 1.0) < 0.01          # not saturated
    assert [f.name for f in files] == ["a.png", "b.png"]


# -- 4. the cache keys on contents
def test_cache_sees_new_contents_with_the_same_size_and_mtime(tmp_path):
    folder = _leaves(tmp_path / "f")
    pop = make_model_population(**SMALL, images=folder, data_home=tmp_path, random_state=0)
    path = folder / "im0.npy"
    stat = path.stat()
    np.save(path, np.random.default_rng(9).random((48, 48)))   # same size, new pixels
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))     # as cp -p / rsync -t
    assert path.stat().st_size == stat.st_size
    again = make_model_population(**SMALL, images=folder, data_home=tmp_path,
                                  random_state=0)
    assert len(list((tmp_path / "model_populations").glob("*.npz"))) == 2
    fresh = make_model_population(**SMALL, images=folder, cache=False, random_state=0)
    np.testing.assert_array_equal(again.post, fresh.post)
    assert not np.array_equal(again.stimuli, pop.stimuli) or \
        not np.array_equal(again.post, pop.post)


# -- 5. the window is odd and holds window² positions
def test_even_window_is_refused():
    with pytest.raises(ValueError, match="window=2 is even.*use 1 or 3"):
        make_model_population(**SMALL, window=2, cache=False, random_state=0)


def test_window_holds_window_squared_positions(tmp_path):
    pop = make_model_population(**SMALL, window=3, noise_gain=None, activation="softplus",
                                cache=False, random_state=0)
    layer1 = (pop.areas == "layer1") & (pop.subjects == 0)
    positions = {tuple(p) for p in pop.position[layer1]}
    assert positions == {(r, c) for r in (8, 9, 10) for c in (8, 9, 10)}
    # the check of n_neurons uses the same count: 3×3 × 2 channels of layer 2 fit, one
    # more does not
    narrow = {**SMALL, "hidden": (4, 2, 64)}
    pop = make_model_population(**narrow, window=3, n_neurons=18, activation="softplus",
                                cache=False, random_state=0)
    assert np.sum((pop.areas == "layer2") & (pop.subjects == 0)) == 18
    with pytest.raises(ValueError, match="3×3 positions × 2 channels = 18"):
        make_model_population(**narrow, window=3, n_neurons=19, cache=False, random_state=0)


# -- 6. stimuli never repeat
def test_stimuli_are_distinct_and_too_many_are_refused(tmp_path):
    folder = _leaves(tmp_path / "f", n=5, side=40)    # one held out: 18² = 324 crops
    with pytest.raises(ValueError, match="n_stimuli=500 is more than the 324 distinct"):
        make_model_population(**{**SMALL, "n_stimuli": 500}, images=folder, cache=False,
                              random_state=0)
    pop = make_model_population(**{**SMALL, "n_stimuli": 300}, images=folder, cache=False,
                                random_state=0)
    assert len(np.unique(pop.stimuli.reshape(300, -1), axis=0)) == 300


def test_distinct_crops_brute_force():
    rng = np.random.default_rng(0)
    images = [rng.random((25, 26)), rng.random((24, 23))]   # 3·4 + 2·1 = 14 positions
    crops, which = _recording._crops(images, 14, rng, ["a", "b"])
    assert len(np.unique(crops.reshape(14, -1), axis=0)) == 14
    assert np.bincount(which).tolist() == [12, 2]


# -- 7. NumPy scalars
def test_numpy_scalars_enter_the_cache_key(tmp_path):
    pop = make_model_population(**{**SMALL, "n_stimuli": np.int64(40),
                                   "n_subjects": np.int64(2)}, noise_gain=np.float32(20.0),
                                data_home=tmp_path, random_state=np.int64(3))
    again = make_model_population(**SMALL, noise_gain=20.0, data_home=tmp_path,
                                  random_state=3)
    assert len(list((tmp_path / "model_populations").glob("*.npz"))) == 1
    np.testing.assert_array_equal(pop.post, again.post)
    assert type(pop.noise_gain) is float


# -- 8. a data home that cannot be written
def test_unwritable_data_home_warns_before_training_and_returns(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.warns(RuntimeWarning, match="cannot be cached"):
        pop = make_model_population(**SMALL, data_home=blocker / "home", random_state=0)
    assert pop.post.shape[0] == 40


def test_failed_cache_write_warns_and_returns(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(_population.np, "savez", full)
    with pytest.warns(RuntimeWarning, match="could not be cached.*No space"):
        pop = make_model_population(**SMALL, data_home=tmp_path, random_state=0)
    assert pop.post.shape[0] == 40
    assert list((tmp_path / "model_populations").iterdir()) == []


# -- 9. the noise gain is bounded up front
def test_huge_noise_gain_is_refused_before_training(monkeypatch):
    _no_training(monkeypatch)
    with pytest.raises(ValueError, match="noise_gain"):
        make_model_population(**SMALL, noise_gain=1e300, cache=False, random_state=0)


# -- 10. file errors name the file; links; the data home as folder; permissions
@pytest.mark.parametrize("kind", ["truncated png", "corrupt npy", "object npy",
                                  "text npy"])
def test_unreadable_image_files_are_named(tmp_path, kind):
    folder = _leaves(tmp_path / "f")
    if kind == "truncated png":
        Image = pytest.importorskip("PIL.Image")
        Image.fromarray(np.zeros((40, 40), np.uint8) + 7).save(folder / "bad.png")
        (folder / "bad.png").write_bytes((folder / "bad.png").read_bytes()[:60])
        name = "bad.png"
    elif kind == "corrupt npy":
        (folder / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00garbage")
        name = "bad.npy"
    elif kind == "object npy":
        np.save(folder / "bad.npy", np.array([{"a": 1}, None], dtype=object),
                allow_pickle=True)
        name = "bad.npy"
    else:
        np.save(folder / "bad.npy", np.array([["a", "b"], ["c", "d"]]))
        name = "bad.npy"
    with pytest.raises((OSError, ValueError), match=name):
        make_model_population(**SMALL, images=folder, cache=False, random_state=0)


def test_links_in_the_folder(tmp_path):
    folder = _leaves(tmp_path / "f")
    (folder / "notes.txt").symlink_to(tmp_path / "missing.txt")   # not an image
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    pop = make_model_population(**SMALL, images=folder, data_home=tmp_path, random_state=0)
    assert pop.post.shape[0] == 40
    (folder / "gone.png").symlink_to(tmp_path / "missing.png")
    with pytest.raises(FileNotFoundError, match="gone.png cannot be read: it is a broken"):
        make_model_population(**SMALL, images=folder, data_home=tmp_path, random_state=0)


def test_images_in_the_data_home_itself_hit_the_cache(tmp_path, monkeypatch):
    _leaves(tmp_path)
    pop = make_model_population(**SMALL, images=".", data_home=tmp_path, random_state=0)
    _no_training(monkeypatch)
    again = make_model_population(**SMALL, images=".", data_home=tmp_path, random_state=0)
    np.testing.assert_array_equal(pop.post, again.post)
    assert len(list((tmp_path / "model_populations").glob("*.npz"))) == 1


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_cache_files_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        make_model_population(**SMALL, data_home=tmp_path, random_state=0)
    finally:
        os.umask(old)
    path = next((tmp_path / "model_populations").glob("*.npz"))
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# -- 11. hidden and Candidate.responses
@pytest.mark.parametrize("hidden", [(4.9, 4, 4), (4, 0, 4), (True, 4, 4), ("4", 4, 4)])
def test_hidden_must_be_positive_integers(hidden):
    with pytest.raises(ValueError, match="hidden must hold positive integers"):
        make_model_population(**{**SMALL, "hidden": hidden}, cache=False, random_state=0)


def test_hidden_accepts_integral_floats_and_numpy_ints():
    settings = _population._settings("cnn", None, hidden=np.array([4, 8, 8]),
                                     n_neurons=None, n_stimuli=None, sampling=None,
                                     window=None, images=None, n_steps=None,
                                     n_epochs=None)
    assert settings["hidden"] == [4, 8, 8]
    assert _population._integers("hidden", (4.0, 8)) == (4, 8)


def test_candidate_responses_match_whole_names():
    from sklearn_brainmap import Ridge
    from sklearn_brainmap.model_selection import Candidate, compare_transform_classes

    assert Candidate("c", Ridge(), responses="post_clean").responses == ("post_clean",)
    assert Candidate("c", Ridge(), responses=["post"]).responses == ("post",)
    rng = np.random.default_rng(0)
    population = {"post": rng.random((30, 8)), "post_clean": rng.random((30, 8)),
                  "subjects": np.repeat([0, 1], 4), "areas": np.tile(["a", "a", "b", "b"], 2)}
    with pytest.raises(ValueError, match="No candidate applies"):
        compare_transform_classes([Candidate("c", Ridge(), responses="post_clean")],
                                  population, responses=("post",), cv=3)


def test_every_generator_owns_its_settings():
    """make_model_population's settings come from the generators' own DEFAULTS."""
    from sklearn_brainmap.datasets import _cnn, _mlp

    assert set(_cnn.DEFAULTS) >= {"hidden", "window", "images", "n_steps"}
    assert set(_mlp.DEFAULTS) >= {"hidden", "n_epochs"}
    with pytest.raises(ValueError, match="n_stimuli must be at most 1000"):
        _mlp.check_settings({**_mlp.DEFAULTS, "n_stimuli": 1001})
    with pytest.raises(ValueError, match="window=4 is even"):
        _cnn.check_settings({**_cnn.DEFAULTS, "window": 4})
