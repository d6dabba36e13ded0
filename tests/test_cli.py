import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sklearn_brainmap._cli import main
from sklearn_brainmap.utils import classical_mds


def test_main_job_end_to_end_writes_what_it_promises(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["--quick", "--subjects", "3", "--folds", "2", "--activation", "relu",
                   "--output", str(out)])
    assert status == 0
    printed = capsys.readouterr()
    assert "transform class" in printed.out and "Ridge" in printed.out
    assert ("95 % confidence interval: bootstrap over subjects and test stimuli"
            in printed.out)
    assert "Paired differences" in printed.out
    assert "[1/" in printed.err  # progress
    with open(out / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    names = {(r["responses"], r["transform_class"]) for r in rows}
    assert {("pre", "Ridge"), ("post", "Ridge"), ("post", "OneToOne")} <= names
    for row in rows:
        assert -1 <= float(row["silhouette"]) <= 1
    data = json.loads((out / "results.json").read_text())
    assert data["settings"]["folds"] == 2
    assert all(len(r["silhouette_folds"]) == 2 for r in data["results"])
    ridge = next(r for r in data["results"] if r["transform_class"] == "Ridge")
    assert 0 < ridge["predictivity"] <= 1
    # the JSON keeps both the spread over folds and the bootstrap interval
    low, high = ridge["silhouette_ci"]
    assert low <= ridge["silhouette"] <= high and ridge["silhouette_sd"] >= 0
    assert {d["metric"] for d in data["differences"]} == {"predictivity", "silhouette"}
    assert (out / "comparison.png").stat().st_size > 10_000


@pytest.mark.parametrize("args, message", [
    (["--folds", "1"], "must be at least 2"),
    (["--noise-gain", "-3"], "must be positive"),
    (["--subjects", "x"], "expected an integer"),
    (["--activation", "tanh"], "invalid choice"),
    (["--n-jobs", "0"], "must be -1 (all cores) or between 1 and"),
    (["--n-jobs", "1000"], "must be -1 (all cores) or between 1 and"),
    (["--subjects", "1000000"], "must be at most 100"),
    (["--random-state", "-1"], "must be at least 0"),
    (["--bootstraps", "-1"], "must be at least 0"),
    (["--folds", "101"], "must be at most 100"),
    (["--quick", "--folds", "101"], "must be at most 100"),
    (["--quick", "--architecture", "mlp", "--neurons", "60"],
     "larger than the smallest layer"),
    (["--quick", "--neurons", "60"], "larger than the hypercolumn"),
    (["--quick", "--architecture", "mlp", "--sampling", "random"],
     "--sampling applies to --architecture cnn only"),
    (["--quick", "--images", "/no/such/folder"], "is not a folder"),
])
def test_bad_options_exit_nonzero_with_a_message(args, message):
    result = subprocess.run([sys.executable, "-m", "sklearn_brainmap", *args],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr


def test_output_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(SystemExit) as info:
        main(["--quick", "--output", str(target)])
    assert info.value.code == 2


def test_classical_mds_recovers_euclidean_configuration():
    rng = np.random.default_rng(0)
    points = rng.standard_normal((12, 2))
    D = np.linalg.norm(points[:, None] - points[None], axis=-1)
    xy = classical_mds(D)
    D2 = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    np.testing.assert_allclose(D2, D, atol=1e-10)


def test_real_data_analyses_end_to_end(shared_data, tmp_path, capsys):
    out = tmp_path / "real"
    status = main(["--dataset", "coggan2024_fmri", "--dataset", "conwell2021_allen_rdms",
                   "--data-home", str(shared_data), "--output", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "== coggan2024_fmri ==" in printed and "silhouette" in printed
    data = json.loads((out / "datasets.json").read_text())
    fmri = {row["grouping"]: row["silhouette"] for row in data["coggan2024_fmri"]["silhouettes"]}
    # the data README: these matrices cluster more by subject than by area
    assert fmri["subjects"] > fmri["areas"]
    assert (out / "coggan2024_fmri.png").exists()
    assert (out / "conwell2021_allen_rdms.png").exists()


def test_missing_dataset_is_a_clear_error(tmp_path, capsys):
    assert main(["--dataset", "coggan2024_fmri", "--data-home", str(tmp_path),
                 "--output", str(tmp_path / "o")]) == 1
    assert "rsm.npz" in capsys.readouterr().err


def test_v1_and_v4_analyses_end_to_end(shared_data, tmp_path, capsys):
    out = tmp_path / "real"
    status = main(["--dataset", "henaff2021_v1", "--dataset", "cowley2023_v4",
                   "--folds", "3", "--data-home", str(shared_data), "--output", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "== henaff2021_v1 ==" in printed and "== cowley2023_v4 ==" in printed
    data = json.loads((out / "datasets.json").read_text())
    classes = {"Ridge", "LogisticRidge", "LinearNonlinear", "LinearSoftplus",
               "SoftMatching", "OneToOne"}

    v1 = data["henaff2021_v1"]
    # the data README: 9 penetrations, median reliabilities from about 0.37 to 0.94
    reliability = [row["median_reliability"] for row in v1["reliability"]]
    assert len(reliability) == 9
    assert 0.3 < min(reliability) < 0.45 and 0.9 < max(reliability) <= 1.0
    scores = {row["transform_class"]: row for row in v1["predictivity"]}
    assert set(scores) == classes
    for row in scores.values():
        assert -1 <= row["median_r"] <= 1 and np.isfinite(row["median_r2_over_ceiling"])
    # a flexible mapping from the other monkeys predicts better than a single unit
    assert scores["Ridge"]["median_r"] > scores["OneToOne"]["median_r"] > 0
    units = np.genfromtxt(out / "henaff2021_v1_units.csv", delimiter=",", names=True,
                          dtype=None, encoding="utf-8")
    assert len(units) == sum(row["units"] for row in v1["reliability"])
    assert np.nanmedian(units["r_Ridge"]) == pytest.approx(scores["Ridge"]["median_r"])
    # units above their (noisy) ceiling are counted, not clipped: r² > reliability > 0
    with np.errstate(invalid="ignore"):
        above = (units["reliability"] > 0) & (units["r_Ridge"] ** 2 > units["reliability"])
    assert scores["Ridge"]["units_above_ceiling"] == int(above.sum())

    v4 = {row["transform_class"]: row for row in data["cowley2023_v4"]["scores"]}
    assert set(v4) == classes
    # Gabor energy features predict V4 above chance, below the noise ceiling
    assert 0 < v4["Ridge"]["model_to_brain_median_r"] < 1
    assert 0 < v4["Ridge"]["model_to_brain_r2_over_ceiling"] < 1
    # a Poisson GLM cannot take signed model units as targets: documented as NaN
    assert v4["LinearNonlinear"]["brain_to_model_median_r"] is None  # JSON null
    assert np.isfinite(v4["Ridge"]["brain_to_model_median_r"])
    assert (out / "henaff2021_v1.png").exists() and (out / "cowley2023_v4.png").exists()


def test_output_that_cannot_be_created_is_refused_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(SystemExit) as info:
        main(["--output", str(blocker / "sub")])  # would take minutes if it started
    assert info.value.code == 2
    assert "cannot be created" in capsys.readouterr().err


def test_bad_data_file_is_a_message_not_a_traceback(tmp_path, capsys):
    folder = tmp_path / "coggan2024_fmri"
    (folder / "stimuli").mkdir(parents=True)
    (folder / "rsm.npz").write_bytes(b"not a zip file at all")
    status = main(["--dataset", "coggan2024_fmri", "--data-home", str(tmp_path),
                   "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("brainmap: error:") and "Traceback" not in err


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sent, status, said", [
    (signal.SIGINT, 130, "interrupted"),
    # a cluster scheduler's cancel, kill, timeout: handled as SIGINT (issue 26, item 17)
    (signal.SIGTERM, 143, "terminated"),
])
def test_interrupted_run_leaves_no_worker_processes(tmp_path, sent, status, said):
    marker = f"BRAINMAP_TEST_{os.getpid()}_{time.time_ns()}"
    env = {**os.environ, marker: "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "sklearn_brainmap", "--quick", "--subjects", "3",
         "--n-jobs", "2", "--output", str(tmp_path / "o")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_marked(marker)) < 2:
        time.sleep(0.2)   # until the worker processes are up
    assert len(_marked(marker)) >= 2, "the run never started its workers"
    process.send_signal(sent)
    _, err = process.communicate(timeout=60)   # stdout closed: no worker holds it
    assert process.returncode == status and said in err, err[-2000:]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _marked(marker):
        time.sleep(0.2)
    assert _marked(marker) == []


def _marked(marker):
    """Processes whose environment holds ``marker``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found
