import os
import sys

# scikit-learn's array-API dispatch (sklearn.set_config(array_api_dispatch=True)) needs
# SciPy's array-API mode, which SciPy reads once, when it is first imported: set it
# before anything imports SciPy, so that the array-API tests (tests/test_array_api.py
# and the estimator checks of test_common.py) run instead of skipping. When SciPy was
# imported before this file (a plugin, or a user's own setup), it is left alone and
# those tests skip with a reason that says so.
if "scipy" not in sys.modules:
    os.environ.setdefault("SCIPY_ARRAY_API", "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data():
    """Path of ../shared/data; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (only in the project's workspace)")
    return SHARED_DATA


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session", autouse=True)
def _data_home(tmp_path_factory):
    """One data home for the session: simulated populations are cached there (shared by
    the tests that use the same population), never in the user's home folder."""
    previous = os.environ.get("SKLEARN_BRAINMAP_DATA")
    os.environ["SKLEARN_BRAINMAP_DATA"] = str(tmp_path_factory.mktemp("data_home"))
    yield
    if previous is None:
        del os.environ["SKLEARN_BRAINMAP_DATA"]
    else:
        os.environ["SKLEARN_BRAINMAP_DATA"] = previous
