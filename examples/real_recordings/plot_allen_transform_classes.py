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
    for name in result.keys:
        print(f"{name:13s} median r {result.score(name):.3f}   "
              f"r²/reliability {result.score(name, normalized=True):.3f}")

    # %%
    # The comparison is paired: the same mice, units and scenes for every class.
    # Each line is one mouse (the mean over its areas of the median unit r).
    fig, ax = plt.subplots(figsize=(5, 4))
    per_mouse = {name: result.subject_scores(name) for name in result.keys}
    mice = list(per_mouse["Ridge"])
    values = np.array([[per_mouse[name][m] for name in result.keys] for m in mice])
    ax.plot(range(len(result.keys)), values.T, color="0.6", lw=0.8)
    ax.plot(range(len(result.keys)), values.mean(axis=0), "o-", color="C3", lw=2,
            label="mean over mice")
    ax.set_xticks(range(len(result.keys)), result.keys)
    ax.set_ylabel("same-area predictivity (median r)")
    ax.set_title(f"{len(mice)} mice (Siegle et al., 2021)")
    ax.legend()
    fig.tight_layout()
    for other in ("SoftMatching", "OneToOne"):
        diffs = np.array(list(result.paired_differences("Ridge", other).values()))
        print(f"Ridge − {other}: positive in {np.sum(diffs > 0)}/{diffs.size} mice, "
              f"mean {diffs.mean():.3f}")
