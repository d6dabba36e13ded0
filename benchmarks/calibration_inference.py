"""Coverage table of the bootstrap intervals on simulated studies (issue 22).

Not a timing: prints, for studies drawn from a population with a known value
(``sklearn_brainmap.inference._simulations``), the fraction of 95 % intervals that
cover it, the Kolmogorov–Smirnov p-value of the null p-values and the power at stated
effects. ``python benchmarks/calibration_inference.py [--replications N] [--quick]``.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn_brainmap.inference._simulations import additive_calibration  # noqa: E402

BOTH = ("stimuli", "subjects")
SETTINGS = [("stimuli", True, "stimuli"), ("subjects", True, "subjects"),
            (BOTH, True, "both, corrected"), (BOTH, False, "both, naive")]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_rep = 100 if args.quick else args.replications
    sizes = [(12, 20)] if args.quick else [(12, 20), (20, 30), (40, 60)]
    print(f"Coverage of 95 % percentile intervals, {n_rep} studies per cell "
          "(method A / method B / paired difference)\n")
    print("| subjects × stimuli | " + " | ".join(s[2] for s in SETTINGS) + " |")
    print("|---|" + "---:|" * len(SETTINGS))
    for n_s, n_i in sizes:
        cells = []
        for over, correction, _ in SETTINGS:
            covered, _ = additive_calibration(over, correction=correction,
                                              n_replications=n_rep, n_subjects=n_s,
                                              n_stimuli=n_i, seed=10)
            cells.append(" / ".join(f"{c:.3f}" for c in covered.mean(axis=0)))
        print(f"| {n_s} × {n_i} | " + " | ".join(cells) + " |")
    n_s, n_i = sizes[-1]
    print(f"\nNull p-values of the paired difference ({n_s} × {n_i}), and power at "
          "population differences of 0.02, 0.03, 0.05 (effects' SD 0.1, interaction 0.5)\n")
    print("| over | KS p (null) | rejected at 0.05 (null) | power 0.02 | 0.03 | 0.05 |")
    print("|---|---:|---:|---:|---:|---:|")
    for over, _, label in SETTINGS[:3]:
        shared = over != BOTH
        _, p = additive_calibration(over, n_replications=n_rep, n_subjects=n_s,
                                    n_stimuli=n_i, seed=1, shared_effects=shared)
        power = [np.mean(additive_calibration(
            over, n_replications=n_rep, n_subjects=n_s, n_stimuli=n_i, seed=2,
            difference=d, shared_effects=shared)[1] < 0.05) for d in (0.02, 0.03, 0.05)]
        print(f"| {label} | {stats.kstest(p, 'uniform').pvalue:.3f} | "
              f"{np.mean(p < 0.05):.3f} | " + " | ".join(f"{x:.3f}" for x in power) + " |")


if __name__ == "__main__":
    main()
