"""The files ``brainmap`` writes: strict JSON (null for a missing value, never NaN or
Infinity) opening with the settings and versions of the run; the printed table says
what its spread is; ``--version``."""

import json
import math

import numpy as np
import pytest

from sklearn_brainmap import __version__
from sklearn_brainmap._cli import main
from sklearn_brainmap._cli._report import DEPENDENCIES, write_json


def _refuse(constant):
    raise ValueError(f"not JSON: {constant}")


def strict_load(path):
    """``json.loads`` as strict as JavaScript's ``JSON.parse``: NaN, Infinity and
    -Infinity are errors."""
    return json.loads(path.read_text(), parse_constant=_refuse)


def test_strict_parser_refuses_what_json_dumps_writes_by_default(tmp_path):
    # the parser the tests below rely on can fail
    path = tmp_path / "loose.json"
    path.write_text(json.dumps({"r": float("nan")}))
    with pytest.raises(ValueError, match="not JSON: NaN"):
        strict_load(path)


def test_write_json_writes_null_for_missing_and_plain_numbers(tmp_path):
    data = {"nan": float("nan"), "inf": -np.inf, "numpy": np.float32(0.5),
            "array": np.array([1.0, np.nan]), "int": np.int64(3),
            "nested": [{"x": (np.nan, 2)}], "path": tmp_path}
    loaded = strict_load(write_json(tmp_path / "out.json", data))
    assert loaded == {"nan": None, "inf": None, "numpy": 0.5, "array": [1.0, None],
                      "int": 3, "nested": [{"x": [None, 2]}], "path": str(tmp_path)}


def _check_record(loaded, **settings):
    assert loaded["versions"]["sklearn_brainmap"] == __version__
    assert set(DEPENDENCIES) | {"python", "sklearn_brainmap"} == set(loaded["versions"])
    assert loaded["versions"]["numpy"] == np.__version__
    for key, value in settings.items():
        assert loaded["settings"][key] == value


@pytest.mark.parametrize("bootstraps", [0, 200])
def test_results_json_is_strict_and_records_settings_and_versions(tmp_path, capsys,
                                                                   bootstraps):
    out = tmp_path / "out"
    assert main(["--architecture", "mlp", "--quick", "--subjects", "2", "--folds", "2",
                 "--activation", "relu", "--n-jobs", "1", "--output", str(out),
                 "--bootstraps", str(bootstraps)]) == 0
    printed = capsys.readouterr().out
    # the headers say what the spread is: fold spreads without a bootstrap, intervals
    # with one
    if bootstraps:
        assert "predictivity [95 % CI]" in printed
        assert f"bootstrap over subjects and test stimuli, {bootstraps} resamples" in printed
    else:
        assert "predictivity (± sd, 2 folds)" in printed
        assert "standard deviation over the 2 cross-validation folds" in printed
    rsa = next(line for line in printed.splitlines()
               if line.startswith("relu") and " RSA " in line)
    assert "n/a" in rsa
    loaded = strict_load(out / "results.json")
    _check_record(loaded, folds=2, subjects=2, architecture="mlp", output=str(out))
    assert isinstance(loaded["settings"]["wall_time_s"], float)
    rsa_rows = [r for r in loaded["results"] if r["transform_class"] == "RSA"]
    assert rsa_rows and all(r["predictivity"] is None for r in rsa_rows)
    assert all(math.isfinite(r["silhouette"]) for r in loaded["results"])


def test_datasets_json_is_strict_and_records_settings_and_versions(shared_data, tmp_path):
    out = tmp_path / "real"
    assert main(["--dataset", "coggan2024_fmri", "--dataset", "conwell2021_allen_rdms",
                 "--data-home", str(shared_data), "--output", str(out)]) == 0
    loaded = strict_load(out / "datasets.json")
    _check_record(loaded, dataset=["coggan2024_fmri", "conwell2021_allen_rdms"],
                  data_home=str(shared_data))
    assert {"coggan2024_fmri", "conwell2021_allen_rdms"} <= set(loaded)
    # the Allen table has areas × layers that were never recorded: null, not NaN
    ceilings = [v for row in loaded["conwell2021_allen_rdms"]["noise_ceilings"]
                for k, v in row.items() if k != "area"]
    assert None in ceilings and all(v is None or math.isfinite(v) for v in ceilings)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"brainmap {__version__} (sklearn_brainmap)"
