"""`brainmap --dataset siegle2021_allen_neuropixels` end to end on a small folder of
synthetic mice (the simulated networks made small), and its missing-data error."""

import functools
import json

import numpy as np

from sklearn_brainmap._cli import _allen_recipe
from sklearn_brainmap._cli._main import main
from sklearn_brainmap.datasets import make_model_population, record_model_population

AREAS = ("VISp", "VISl", "VISam")


def _mice(home, rng, n_scenes=30, n_mice=5):
    folder = home / "siegle2021_allen_neuropixels"
    folder.mkdir(parents=True)
    np.savez(folder / "natural_scenes.npz",
             images=rng.integers(0, 256, (n_scenes, 40, 50)).astype(np.uint8),
             frame_id=np.arange(n_scenes))
    signal = {a: rng.standard_normal((n_scenes, 2)) for a in AREAS}
    for mouse in range(n_mice):
        for k, area in enumerate(AREAS):
            rate = np.exp(0.5 * signal[area] @ rng.standard_normal((2, 6)) + 1.0)
            counts = rng.poisson(rate.T[:, :, None], size=(6, n_scenes, 8))
            np.savez(folder / f"{100 + mouse}_{area}.npz",
                     spike_counts=counts.astype(np.uint8),
                     unit_id=np.arange(6) + 1000 * mouse + 100 * k,
                     specimen_id=np.int64(100 + mouse), area=np.str_(area),
                     window_s=np.array([0.05, 0.25]))


def test_recipe_end_to_end(tmp_path, rng, monkeypatch, capsys):
    _mice(tmp_path, rng)
    # the simulated networks, small: the recipe's plumbing is what is tested here
    monkeypatch.setattr(_allen_recipe, "record_model_population", functools.partial(
        record_model_population, n_subjects=2, n_steps=2))
    monkeypatch.setattr(_allen_recipe, "make_model_population",
                        lambda n, **kw: make_model_population(
                            2, n_steps=2, n_stimuli=40, **kw))
    monkeypatch.setattr(_allen_recipe, "N_PERMUTATIONS", 50)
    out = tmp_path / "out"
    status = main(["--dataset", "siegle2021_allen_neuropixels", "--folds", "3",
                   "--data-home", str(tmp_path), "--output", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "Same-area predictivity" in printed and "Siegle" in printed
    data = json.loads((out / "datasets.json").read_text())["siegle2021_allen_neuropixels"]
    rows = {r["transform_class"]: r for r in data["predictivity"]}
    assert set(rows) == set(_allen_recipe.SPIKE_RATE_CLASSES)
    for row in rows.values():   # 95 % intervals over mice and scenes around each score
        for score in ("median_r", "r2_over_reliability"):
            low, high = row["interval"][score]
            assert low <= row[score] <= high
        assert row["interval"]["n_resamples"] == 1000
        assert set(row["per_area_interval"]) == set(AREAS)
    assert "median r [95 % CI]" in printed and "Paired differences" in printed
    differences = data["predictivity_differences"]
    n = len(rows)
    assert len(differences) == n * (n - 1) // 2
    for d in differences:
        raw = d["median_r"]
        assert rows[d["class_a"]]["median_r"] >= rows[d["class_b"]]["median_r"]
        assert np.isclose(raw["difference"], rows[d["class_a"]]["median_r"]
                          - rows[d["class_b"]]["median_r"])
        assert raw["p_value"] <= raw["p_value_holm"] <= 1
    assert rows["Ridge"]["median_r"] > rows["OneToOne"]["median_r"]
    assert {r["transform_class"] for r in data["specificity"]} == {
        "Ridge", "SoftMatching", "OneToOne", "RSA"}
    for row in data["specificity"]:
        assert 0 < row["p_areas"] <= 1 and 0 < row["p_mice"] <= 1
    assert data["hierarchy"]["areas"] == ["VISp", "VISl", "VISam"]   # by hierarchy score
    assert np.array(data["hierarchy"]["matrix"]).shape == (3, 3)
    assert np.array(data["layers"]["median_r"]).shape == (3, 3)
    for block, matrix in ((data["hierarchy"]["interval"], data["hierarchy"]["matrix"]),
                          (data["layers"]["interval"]["median_r"],
                           data["layers"]["median_r"])):
        low, high, value = (np.array(block["low"]), np.array(block["high"]),
                            np.array(matrix))
        assert low.shape == value.shape and np.all((low <= value) & (value <= high))
    assert set(data["hierarchy"]["best_source_versus_second"]) == set(AREAS)
    assert set(data["layers"]["best_layer_versus_second"]) == set(AREAS)
    assert -1 <= data["simulation"]["spearman_rho"] <= 1
    assert (out / "siegle2021_allen_neuropixels.png").exists()


def test_missing_mice_are_a_clear_error(tmp_path, capsys):
    assert main(["--dataset", "siegle2021_allen_neuropixels", "--data-home",
                 str(tmp_path), "--output", str(tmp_path / "o")]) == 1
    assert "siegle2021_allen_neuropixels" in capsys.readouterr().err


def test_recipe_without_intervals(tmp_path, rng, monkeypatch, capsys):
    """``--bootstraps 0``: the scores alone, every ``interval`` slot empty."""
    _mice(tmp_path, rng, n_mice=3)
    monkeypatch.setattr(_allen_recipe, "record_model_population", functools.partial(
        record_model_population, n_subjects=2, n_steps=2))
    monkeypatch.setattr(_allen_recipe, "make_model_population",
                        lambda n, **kw: make_model_population(
                            2, n_steps=2, n_stimuli=40, **kw))
    monkeypatch.setattr(_allen_recipe, "N_PERMUTATIONS", 20)
    out = tmp_path / "out"
    assert main(["--dataset", "siegle2021_allen_neuropixels", "--folds", "3",
                 "--bootstraps", "0", "--data-home", str(tmp_path),
                 "--output", str(out)]) == 0
    assert "no intervals" in capsys.readouterr().out
    data = json.loads((out / "datasets.json").read_text())["siegle2021_allen_neuropixels"]
    assert all(r["interval"] is None for r in data["predictivity"])
    assert data["predictivity_differences"] == []
    assert data["hierarchy"]["interval"] is None and data["layers"]["interval"] is None
