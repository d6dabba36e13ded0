"""Wall times of the Allen Neuropixels loader and of its ``brainmap`` recipe.

Usage::

    python benchmarks/allen_recipe_times.py [--data PATH]   # PATH: the data folder
    python benchmarks/allen_recipe_times.py --no-recipe     # the loader only (seconds)

No peer (nobody else runs this analysis): the rows of ``benchmarks/README.md`` for
issue 23 (targets: loading under 2 s; the recipe under 3 minutes on the 2-core
machine). The recipe runs in a fresh temporary data home that links the recordings, so
"cold" also builds the simulated population (cached in that home) and "warm" reads it;
both train the CNNs that are shown the scenes. A third run, warm with
``--bootstraps 0``, gives what the 95 % intervals over mice and scenes (1,000
resamples, the default) add.
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

DATASET = "siegle2021_allen_neuropixels"


def _load(data):
    from sklearn_brainmap.datasets import load_siegle2021_allen_neuropixels

    times = []
    for _ in range(3):
        start = time.perf_counter()
        load_siegle2021_allen_neuropixels(data)
        times.append(time.perf_counter() - start)
    return times


def _recipe(home, output, *options):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sklearn_brainmap", "--dataset", DATASET,
                    "--data-home", home, "--output", output, *options], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "MPLBACKEND": "Agg"})
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data",
                        help="the folder that holds siegle2021_allen_neuropixels/")
    parser.add_argument("--no-recipe", action="store_true", help="time the loader only")
    args = parser.parse_args()
    if not (args.data / DATASET).is_dir():
        sys.exit(f"{args.data / DATASET} not found: pass --data.")
    first, *rest = _load(args.data)
    rows = [f"| load_siegle2021_allen_neuropixels | {first:.2f} s (first) | "
            f"{min(rest):.2f} s (best of 2 more) |"]
    if not args.no_recipe:
        with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
            os.symlink((args.data / DATASET).resolve(), Path(home) / DATASET)
            cold = _recipe(home, out)
            warm = _recipe(home, out)
            bare = _recipe(home, out, "--bootstraps", "0")
        rows.append(f"| brainmap --dataset {DATASET} | {cold:.0f} s (cold) | "
                    f"{warm:.0f} s (warm) |")
        rows.append(f"| brainmap --dataset {DATASET} --bootstraps 0 | | "
                    f"{bare:.0f} s (warm; the intervals add {warm - bare:.0f} s) |")
    print(machine_info())
    print()
    print("| what | first / cold | warm |")
    print("|---|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
