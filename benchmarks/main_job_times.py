"""Wall times of the default simulated population and of the ``brainmap`` main job.

Usage::

    python benchmarks/main_job_times.py            # population cold/cached, brainmap cold/warm
    python benchmarks/main_job_times.py --no-brainmap

Not a comparison with a peer (no other tool simulates these populations): the rows of
``benchmarks/README.md`` "Main job" section. Every run uses a fresh temporary data home,
so "cold" really builds the populations and "cached"/"warm" read them.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _harness import machine_info  # noqa: E402


def _population(activation, data_home):
    from sklearn_brainmap.datasets import make_model_population

    start = time.perf_counter()
    make_model_population(5, activation=activation, data_home=data_home, random_state=0)
    return time.perf_counter() - start


def _brainmap(data_home, output):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sklearn_brainmap", "--data-home", data_home,
                    "--output", output], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env={**os.environ, "MPLBACKEND": "Agg"})
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-brainmap", action="store_true",
                        help="time only the population (seconds, not minutes)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as home:
        for activation in ("relu", "softplus"):
            cold = _population(activation, home)
            cached = _population(activation, home)
            rows.append(f"| make_model_population(5, activation={activation!r}) | "
                        f"{cold:.1f} s | {cached:.3f} s |")
    if not args.no_brainmap:
        with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
            cold = _brainmap(home, out)
            warm = _brainmap(home, out)
            rows.append(f"| brainmap (defaults) | {cold:.0f} s | {warm:.0f} s |")
    print(machine_info())
    print()
    print("| what | cold cache | cached / warm |")
    print("|---|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
