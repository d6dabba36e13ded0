"""load_siegle2021_allen_neuropixels: on the shared mice (skipped when absent) and on
small folders written here, including every kind of bad file."""

import shutil
import time

import numpy as np
import pytest

from sklearn_brainmap.datasets import load_siegle2021_allen_neuropixels

DATASET = "siegle2021_allen_neuropixels"
N_SCENES = 7


def _write_recording(folder, specimen, area, counts, *, window=(0.05, 0.25), unit_ids=None,
                     name=None):
    offset = 1000 * specimen + 100 * len(list(folder.glob(f"{specimen}_*.npz")))
    unit_ids = np.arange(len(counts)) + offset if unit_ids is None else unit_ids
    np.savez(folder / (name or f"{specimen}_{area}.npz"), spike_counts=counts,
             unit_id=np.asarray(unit_ids), specimen_id=np.int64(specimen),
             area=np.str_(area), window_s=np.asarray(window, dtype=float))


def _folder(tmp_path, recordings, n_scenes=N_SCENES):
    """A data home with the given ``{(specimen, area): counts}`` and scenes."""
    folder = tmp_path / DATASET
    folder.mkdir()
    np.savez(folder / "natural_scenes.npz",
             images=np.arange(n_scenes * 6 * 5, dtype=np.uint8).reshape(n_scenes, 6, 5),
             frame_id=np.arange(n_scenes))
    for (specimen, area), counts in recordings.items():
        _write_recording(folder, specimen, area, counts)
    return folder


def _counts(rng, n_units, n_trials, n_scenes=N_SCENES):
    return rng.poisson(3.0, size=(n_units, n_scenes, n_trials)).astype(np.uint8)


def test_synthetic_folder_rates_padding_labels(tmp_path, rng):
    a, b, c = _counts(rng, 3, 4), _counts(rng, 2, 6), _counts(rng, 4, 6)
    folder = _folder(tmp_path, {(11, "VISp"): a, (11, "VISl"): b, (12, "VISp"): c})
    _write_recording(folder, 13, "VISam", _counts(rng, 2, 5), window=(0.1, 0.2))
    data = load_siegle2021_allen_neuropixels(tmp_path)
    # files in name order: 11_VISl, 11_VISp, 12_VISp, 13_VISam
    assert data.trials.shape == (11, N_SCENES, 6)
    assert data.responses.shape == (N_SCENES, 11)
    assert data.subjects.tolist() == [11] * 5 + [12] * 4 + [13] * 2
    assert data.areas.tolist() == ["VISl"] * 2 + ["VISp"] * 7 + ["VISam"] * 2
    # rates: counts over the window's length (0.2 s here, 0.1 s for mouse 13)
    np.testing.assert_allclose(data.trials[:2], b / 0.2)
    np.testing.assert_allclose(data.trials[2:5, :, :4], a / 0.2)
    assert np.isnan(data.trials[2:5, :, 4:]).all()
    assert np.isnan(data.trials[9:, :, 5:]).all()
    assert not np.isnan(data.trials[9:, :, :5]).any()
    # the trial mean of the recorded trials only (independent: a loop over units)
    for u in range(11):
        recorded = data.trials[u][:, ~np.isnan(data.trials[u][0])]
        np.testing.assert_allclose(data.responses[:, u], recorded.mean(axis=1))
    np.testing.assert_allclose(data.window_s[-1], [0.1, 0.2])
    assert len(set(data.unit_ids.tolist())) == 11
    assert data.images.shape == (N_SCENES, 6, 5) and data.frame_ids.tolist() == list(range(7))
    assert "Siegle" in data.DESCR and "de Vries" in data.DESCR and "Allen" in data.DESCR
    assert data.files.tolist()[0] == "11_VISl.npz"


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=DATASET):
        load_siegle2021_allen_neuropixels(tmp_path)
    folder = _folder(tmp_path, {})
    with pytest.raises(FileNotFoundError, match=r"<specimen_id>_<area>\.npz"):
        load_siegle2021_allen_neuropixels(tmp_path)
    (folder / "natural_scenes.npz").unlink()
    with pytest.raises(FileNotFoundError, match="natural_scenes.npz"):
        load_siegle2021_allen_neuropixels(tmp_path)


def test_damaged_file_is_named(tmp_path, rng):
    folder = _folder(tmp_path, {(11, "VISp"): _counts(rng, 3, 4),
                                (12, "VISp"): _counts(rng, 3, 4)})
    path = folder / "12_VISp.npz"
    path.write_bytes(path.read_bytes()[:100])  # an interrupted copy
    with pytest.raises(OSError, match="12_VISp.npz"):
        load_siegle2021_allen_neuropixels(tmp_path)
    path.write_bytes(b"")
    with pytest.raises(OSError, match="12_VISp.npz.*empty"):
        load_siegle2021_allen_neuropixels(tmp_path)


@pytest.mark.parametrize("counts, window, what", [
    (np.zeros((3, N_SCENES + 1, 4), dtype=np.uint8), (0.05, 0.25), "spike_counts has shape"),
    (np.zeros((3, N_SCENES), dtype=np.uint8), (0.05, 0.25), "spike_counts has shape"),
    (np.full((3, N_SCENES, 4), -1.0), (0.05, 0.25), "non-negative"),
    (np.full((3, N_SCENES, 4), np.nan), (0.05, 0.25), "finite"),
    (np.zeros((3, N_SCENES, 4), dtype=np.uint8), (0.25, 0.05), "window_s"),
])
def test_wrong_shape_or_values_name_the_file(tmp_path, rng, counts, window, what):
    folder = _folder(tmp_path, {(11, "VISp"): _counts(rng, 3, 4)})
    _write_recording(folder, 12, "VISl", counts, window=window)
    with pytest.raises(ValueError, match=f"12_VISl.npz.*{what}"):
        load_siegle2021_allen_neuropixels(tmp_path)


def test_labels_must_match_the_name_and_ids_be_unique(tmp_path, rng):
    folder = _folder(tmp_path, {(11, "VISp"): _counts(rng, 3, 4)})
    _write_recording(folder, 12, "VISl", _counts(rng, 2, 4), name="12_VISam.npz")
    with pytest.raises(ValueError, match="12_VISam.npz.*not those of its name"):
        load_siegle2021_allen_neuropixels(tmp_path)
    (folder / "12_VISam.npz").unlink()
    _write_recording(folder, 12, "VISl", _counts(rng, 2, 4), unit_ids=[11001, 5])
    with pytest.raises(ValueError, match="Unit id 11001.*11_VISp.npz, 12_VISl.npz"):
        load_siegle2021_allen_neuropixels(tmp_path)


def test_one_trial_and_stray_files_are_left_out_with_a_warning(tmp_path, rng):
    folder = _folder(tmp_path, {(11, "VISp"): _counts(rng, 3, 4),
                                (12, "VISp"): _counts(rng, 2, 1)})
    np.savez(folder / "notes.npz", x=np.zeros(2))
    with pytest.warns(UserWarning) as record:
        data = load_siegle2021_allen_neuropixels(tmp_path)
    messages = " ".join(str(w.message) for w in record)
    assert {w.filename for w in record} == {__file__}   # they point at the caller
    assert "12_VISp.npz holds 1 trial" in messages and "notes.npz" in messages
    assert data.subjects.tolist() == [11] * 3
    (folder / "11_VISp.npz").unlink()
    (folder / "notes.npz").unlink()
    with pytest.warns(UserWarning, match="12_VISp.npz"), \
            pytest.raises(ValueError, match="fewer than 2 trials"):
        load_siegle2021_allen_neuropixels(tmp_path)


# ------------------------------------------------------------------ the shared mice
def test_shared_mice(shared_data):
    folder = shared_data / DATASET
    files = sorted(p for p in folder.glob("*_VIS*.npz"))
    start = time.perf_counter()
    data = load_siegle2021_allen_neuropixels(shared_data)
    seconds = time.perf_counter() - start
    n_units = [np.load(f)["spike_counts"].shape[0] for f in files]
    assert data.responses.shape == (118, sum(n_units)) == (118, 2910)
    assert data.trials.shape == (2910, 118, 50)
    assert len(set(data.subjects.tolist())) == 21 and len(files) == 42
    assert set(data.areas.tolist()) == {"VISp", "VISl", "VISal", "VISrl", "VISam", "VISpm"}
    assert data.images.shape == (118, 153, 195) and data.images.dtype == np.uint8
    first = np.load(files[0])
    length = np.diff(first["window_s"])[0]
    np.testing.assert_allclose(data.trials[:n_units[0]], first["spike_counts"] / length)
    assert (data.subjects[:n_units[0]] == int(first["specimen_id"])).all()
    # the one recording with 47 trials is NaN-padded to 50
    padded = np.isnan(data.trials).any(axis=(1, 2))
    short = [f.name for f in files if np.load(f)["spike_counts"].shape[2] < 50]
    assert len(short) == 1 and set(data.files[padded]) == set(short)
    print(f"loaded in {seconds:.2f} s")  # the timing itself is the benchmark's (< 2 s)


def test_reads_whatever_mice_the_folder_holds(shared_data, tmp_path):
    source = shared_data / DATASET
    folder = tmp_path / DATASET
    folder.mkdir()
    picked = sorted(source.glob("*_VISp.npz"))[:3]
    for f in [*picked, source / "natural_scenes.npz"]:
        shutil.copy(f, folder)
    data = load_siegle2021_allen_neuropixels(tmp_path)
    assert sorted(set(data.subjects.tolist())) == sorted(int(f.name.split("_")[0])
                                                           for f in picked)
    assert set(data.areas.tolist()) == {"VISp"}
