"""
Transform classes on real mice: the Allen Neuropixels recordings
================================================================

Siegle et al. (2021) recorded units of six visual areas in many mice with Neuropixels
probes while the mice watched 118 natural scenes (de Vries et al., 2020), 50 trials
each (Allen Brain Observatory, Allen Institute). Every mouse saw the same scenes, so
one mouse's area can be predicted from the *other* mice's units of the same area (N−1
pooling; the real-data check of Thobani et al.). Which transform class does it best,
and do strict classes (SoftMatching, OneToOne) lose much?

The data are read from ``$SKLEARN_BRAINMAP_DATA`` or a ``shared/data`` folder next to
the repository; without them this example only says so.
"""

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold

from sklearn_brainmap import OneToOne, Ridge, SoftMatching
from sklearn_brainmap.datasets import load_siegle2021_allen_neuropixels
from sklearn_brainmap.metrics import split_half_reliability
from sklearn_brainmap.model_selection import pooled_predictions
from sklearn_brainmap.utils import ConstantUnitWarning

DATASET = "siegle2021_allen_neuropixels"


def find_data_home():
    if os.environ.get("SKLEARN_BRAINMAP_DATA"):
        return Path(os.environ["SKLEARN_BRAINMAP_DATA"])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "shared" / "data" / DATASET).is_dir():
            return folder / "shared" / "data"
    return None


data_home = find_data_home()
if data_home is None or not (data_home / DATASET).is_dir():
    print(f"The {DATASET} recordings were not found: nothing to show. Point "
          "$SKLEARN_BRAINMAP_DATA at a folder that holds them.")
else:
    data = load_siegle2021_allen_neuropixels(data_home)
    print(data.DESCR)

    # %%
    # Square-root rates, trial by trial (they stabilise the Poisson-like variance of
    # spike counts), and each unit's split-half reliability over the 50 trials.
    root = np.sqrt(data.trials)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # NaN-padded trials
        X = np.nanmean(root, axis=2).T
    reliability = split_half_reliability(root, n_splits=10, random_state=0)
    print(f"median reliability {np.nanmedian(reliability):.3f}")

    # %%
    # Every unit predicted on held-out scenes from the pooled units of the same area
    # in the other mice, by three transform classes. The result keeps the held-out
    # prediction of every unit for every scene, so scores per mouse, per area or on a
    # subset of scenes need no refitting.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)
        result = pooled_predictions(
            {"Ridge": Ridge(), "SoftMatching": SoftMatching(), "OneToOne": OneToOne()},
            X, data.subjects, data.areas, cv=KFold(5, shuffle=True, random_state=0),
            reliability=reliability)
    # %%
    # How sure are these numbers? ``bootstrap`` resamples mice *and* scenes (1,000
    # resamples of each, Schütt et al.'s correction of the two-factor variance) and
    # recomputes every score from the kept predictions: 95 % intervals for every
    # class, and the paired differences between classes on the same resamples.
    raw = result.bootstrap(n_resamples=1000, random_state=0)
    normalized = result.bootstrap(n_resamples=1000, normalized=True, random_state=0)
    for k, name in enumerate(result.keys):
        (low, high), (n_low, n_high) = (raw.confidence_interval[:, k],
                                        normalized.confidence_interval[:, k])
        print(f"{name:13s} median r {raw.scores[k]:.3f} [{low:.3f}, {high:.3f}]   "
              f"r²/reliability {normalized.scores[k]:.3f} [{n_low:.3f}, {n_high:.3f}]")

    # %%
    # The comparison is paired: the same mice, units and scenes for every class.
    # Each line is one mouse (the mean over its areas of the median unit r).
    # The black bars are the 95 % intervals over mice and scenes.
    fig, ax = plt.subplots(figsize=(5, 4))
    per_mouse = {name: result.subject_scores(name) for name in result.keys}
    mice = list(per_mouse["Ridge"])
    values = np.array([[per_mouse[name][m] for name in result.keys] for m in mice])
    ax.plot(range(len(result.keys)), values.T, color="0.6", lw=0.8)
    ax.plot(range(len(result.keys)), values.mean(axis=0), "o-", color="C3", lw=2,
            label="mean over mice")
    low, high = raw.confidence_interval      # drawn from end to end
    ax.errorbar(range(len(result.keys)), (low + high) / 2, yerr=(high - low) / 2,
                fmt="none", ecolor="k", capsize=4, lw=2)
    ax.set_xticks(range(len(result.keys)), result.keys)
    ax.set_ylabel("same-area predictivity (median r)")
    ax.set_title(f"{len(mice)} mice (Siegle et al., 2021)")
    ax.legend()
    fig.tight_layout()
    # %%
    # The paired differences: Ridge minus each strict class, with its 95 % interval
    # over mice and scenes and its two-sided p-value, Holm-adjusted over the three
    # pairs (with 1,000 resamples no p-value is below 1/1001).
    for other in ("SoftMatching", "OneToOne"):
        i, j = raw.names.index("Ridge"), raw.names.index(other)
        low, high = raw.difference_confidence_interval[:, i, j]
        diffs = np.array(list(result.paired_differences("Ridge", other).values()))
        print(f"Ridge − {other}: {raw.differences[i, j]:.3f} [{low:.3f}, {high:.3f}], "
              f"p (Holm) {raw.difference_p_values_holm[i, j]:.3g}; positive in "
              f"{np.sum(diffs > 0)}/{diffs.size} mice")
