import subprocess
import sys

from sklearn_brainmap._cli import main


def test_main_job_prints_scores(capsys):
    assert main(["--folds", "3"]) == 0
    out = capsys.readouterr().out
    assert "Ridge" in out and "OneToOne" in out
    ridge_line = next(line for line in out.splitlines() if line.startswith("Ridge"))
    assert 0.0 < float(ridge_line.split()[1]) <= 1.0


def test_bad_option_exits_nonzero_with_message():
    result = subprocess.run([sys.executable, "-m", "sklearn_brainmap", "--folds", "1"],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "--folds must be at least 2" in result.stderr
