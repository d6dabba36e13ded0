"""Loaders on the shared copies of the real recordings (skipped when absent)."""

import numpy as np
import pytest

from sklearn_brainmap.datasets import (COWLEY2023_SESSIONS, get_data_home,
                                       load_coggan2024_fmri, load_conwell2021_allen_rdms,
                                       load_cowley2023_v4, load_henaff2021_v1)


def test_henaff_v1_axes(shared_data):
    data = load_henaff2021_v1(shared_data)
    files = sorted((shared_data / "henaff2021_v1").glob("*.npz"))
    n_units = [np.load(f)["spike_counts"].shape[0] for f in files]
    assert data.spike_counts.shape == (sum(n_units), 484, 60)
    assert data.responses.shape == (484, sum(n_units))
    assert len(set(data.subjects)) == 9 and len(set(data.monkey)) == 4
    assert (data.areas == "V1").all()
    # the first file's units come first, with their repeats and NaN padding
    first = np.load(files[0])["spike_counts"]
    np.testing.assert_array_equal(data.spike_counts[:n_units[0], :, :50], first)
    assert np.isnan(data.spike_counts[:n_units[0], :, 50:]).all()
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(data.responses[:, 0], np.nanmean(first[0], axis=1),
                                   rtol=1e-6)
    assert np.bincount(np.unique(data.category, return_inverse=True)[1]).tolist() == \
        [44, 220, 220]


def test_cowley_v4_axes(shared_data):
    data = load_cowley2023_v4("210325", shared_data)
    assert data.responses.shape == (640, 50)
    assert data.spike_counts.shape == (50, 640, 10)
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(np.nanmean(data.spike_counts, axis=2).T, data.responses)
    assert data.monkey == "PE" and data.images is None
    other = load_cowley2023_v4("190923", shared_data)
    assert other.responses.shape == (1200, 33) and other.spike_counts is None
    assert set(COWLEY2023_SESSIONS) == {p.stem.split("_")[1] for p in (
        shared_data / "cowley2023_v4" / "responses_repeat_averaged").glob("*.npy")}
    with pytest.raises(ValueError, match="Unknown session"):
        load_cowley2023_v4("123", shared_data)


def test_cowley_images_decode(shared_data):
    pytest.importorskip("PIL")
    data = load_cowley2023_v4("210305", shared_data, images=True)
    assert data.images.shape == (400, 112, 112, 3) and data.images.dtype == np.uint8


def test_coggan_fmri_axes(shared_data):
    data = load_coggan2024_fmri(shared_data)
    assert data.rsm.shape == (4, 9, 24, 24)
    assert list(data.areas) == ["V1", "V2", "V4", "IT"]
    assert len(set(data.objects)) == 8
    assert set(data.occlusion) == {"complete", "upper", "lower"}
    assert list(data.stimuli) == sorted(data.stimuli)


def test_conwell_allen_axes(shared_data):
    data = load_conwell2021_allen_rdms(shared_data)
    assert data.rsm.shape == (6, 4, 119, 119)
    assert data.recorded.sum() == np.isfinite(data.noise_ceiling).sum()
    k = list(data.areas).index("VISal")
    assert data.noise_ceiling[k, 0] == pytest.approx(0.8743490139374022)


def test_missing_data_names_the_expected_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="henaff2021_v1"):
        load_henaff2021_v1(tmp_path)
    with pytest.raises(FileNotFoundError, match="responses_210325.npy"):
        load_cowley2023_v4("210325", tmp_path)
    with pytest.raises(FileNotFoundError, match="rsm.npz"):
        load_coggan2024_fmri(tmp_path)
    with pytest.raises(FileNotFoundError, match="noise_ceiling.csv"):
        load_conwell2021_allen_rdms(tmp_path)


def test_data_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SKLEARN_BRAINMAP_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    assert get_data_home("~/x").name == "x"
