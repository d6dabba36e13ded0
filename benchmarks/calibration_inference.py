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
    parser.add_argument("--rsa", action="store_true",
                        help="also the RSA calibration of bootstrap_rdm_scores")
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
    if args.rsa:
        rsa_calibration(30 if args.quick else 300)


def rsa_calibration(n_studies, n_subjects=20, n_stimuli=30, seed=0):
    """Coverage of bootstrap_rdm_scores (Pearson) on studies of a population of 240
    stimuli with 4 latent features and 240 subjects who weight the features
    differently, with fixed noise per subject and stimulus pair; two model RDMs
    (Euclidean distances with equal / random feature weights). The population value
    over stimuli is the score of the study's subjects on all 28,680 pairs, over
    subjects that of all 240 subjects on the study's pairs, over both that of all
    subjects on all pairs."""
    import warnings

    from sklearn_brainmap.inference import bootstrap_rdm_scores

    rng = np.random.default_rng(seed)
    n_pop, n_feat = 240, 4
    features = rng.standard_normal((n_pop, n_feat))
    weights = np.exp(0.7 * rng.standard_normal((n_pop, n_feat)))
    model_weights = np.stack([np.ones(n_feat), np.exp(0.7 * rng.standard_normal(n_feat))])
    rows, cols = np.triu_indices(n_pop, 1)
    diff = (features[rows] - features[cols]) ** 2
    data_all = np.sqrt(diff @ weights.T).T + rng.standard_normal((n_pop, len(rows)))
    models_all = np.sqrt(diff @ model_weights.T).T

    def corr(M, D):
        M = M - M.mean(1, keepdims=True)
        D = D - D.mean(1, keepdims=True)
        return (M / np.linalg.norm(M, axis=1, keepdims=True)) @ (
            D / np.linalg.norm(D, axis=1, keepdims=True)).T

    population = corr(models_all, data_all)           # (2 models, all subjects)
    position = np.zeros((n_pop, n_pop), dtype=int)
    position[rows, cols] = position[cols, rows] = np.arange(len(rows))
    settings = {"stimuli": ("stimuli", True), "subjects": ("subjects", True),
                "both, corrected": (BOTH, True), "both, naive": (BOTH, False)}
    covered = {k: [] for k in settings}
    for r in range(n_studies):
        s_idx = rng.choice(n_pop, n_subjects, replace=False)
        i_idx = np.sort(rng.choice(n_pop, n_stimuli, replace=False))
        rr, cc = np.triu_indices(n_stimuli, 1)
        pairs = position[i_idx[rr], i_idx[cc]]
        data, models = data_all[np.ix_(s_idx, pairs)], models_all[:, pairs]
        truth = {"stimuli": population[:, s_idx].mean(1),
                 "subjects": corr(models, data_all[:, pairs]).mean(1),
                 "both, corrected": population.mean(1), "both, naive": population.mean(1)}
        for key, (over, correction) in settings.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = bootstrap_rdm_scores(models, data, compare="pearson", over=over,
                                           n_resamples=500, correction=correction,
                                           random_state=r)
            low, high = res.confidence_interval
            covered[key].append((low <= truth[key]) & (truth[key] <= high))
    print(f"\nRSA (bootstrap_rdm_scores, Pearson, {n_subjects} subjects × {n_stimuli} "
          f"stimuli, {n_studies} studies, 500 resamples): coverage model A / model B\n")
    print("| " + " | ".join(settings) + " |")
    print("|" + "---:|" * len(settings))
    print("| " + " | ".join(" / ".join(f"{c:.3f}" for c in np.mean(v, axis=0))
                            for v in covered.values()) + " |")


if __name__ == "__main__":
    main()
