"""The command's progress goes to the standard error of each call, not of the first."""

import contextlib
import io

from sklearn_brainmap._cli import _report, _simulated
from sklearn_brainmap._cli._main import main


def test_a_later_main_writes_its_progress_to_its_own_stderr(monkeypatch, tmp_path):
    # the handler was bound to the stderr of the first call: a later main() (another
    # test, a notebook that redirected stderr) lost its progress to a stale stream
    def run(args):
        _report.log(f"[1/1] progress of {args.output.name}")
        return 0

    monkeypatch.setattr(_simulated, "run", run)
    for k in range(3):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert main(["--output", str(tmp_path / f"run{k}")]) == 0
        assert err.getvalue() == f"[1/1] progress of run{k}\n"
