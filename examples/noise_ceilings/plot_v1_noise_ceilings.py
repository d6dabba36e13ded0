"""
Noise ceilings and ceiling-normalised scores on real V1 recordings
==================================================================

Hénaff et al. (2021) recorded macaque V1 neurons in 9 penetrations (4 monkeys) with
many repeats of the same 484 video frames. We estimate each unit's split-half
reliability, predict every monkey's units from the pooled units of the other monkeys,
and normalise the explained variance by the ceiling.

The data are read from ``$SKLEARN_BRAINMAP_DATA`` or a ``shared/data`` folder next to
the repository; without them this example only says so.
"""

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold

from sklearn_brainmap import Ridge
from sklearn_brainmap.datasets import load_henaff2021_v1
from sklearn_brainmap.metrics import ceiling_normalized_score, split_half_reliability
from sklearn_brainmap.model_selection import pooled_source_scores


def find_data_home():
    if os.environ.get("SKLEARN_BRAINMAP_DATA"):
        return Path(os.environ["SKLEARN_BRAINMAP_DATA"])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "shared" / "data" / "henaff2021_v1").is_dir():
            return folder / "shared" / "data"
    return None


data_home = find_data_home()
if data_home is None:
    print("The henaff2021_v1 recordings were not found: nothing to show.")
else:
    data = load_henaff2021_v1(data_home)
    print(data.DESCR)

    # %%
    # Split-half reliability of every unit (10 random splits of the repeats).
    ceiling = split_half_reliability(data.spike_counts, n_splits=10, random_state=0)
    print(f"median reliability {np.nanmedian(ceiling):.3f}; "
          f"{np.isnan(ceiling).sum()} units without a positive reliability")

    # %%
    # Pooled inter-animal predictivity: each monkey from the other three.
    pooled = pooled_source_scores(Ridge(cv=None), data.responses, data.monkey,
                                  data.areas, cv=KFold(5, shuffle=True, random_state=0),
                                  scoring="pearson")
    normalised = ceiling_normalized_score(pooled.unit_scores, ceiling)
    print(f"median r {np.nanmedian(pooled.unit_scores):.3f}, "
          f"median r²/ceiling {np.nanmedian(normalised):.3f}")

    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.scatter(ceiling, pooled.unit_scores ** 2, s=8)
    ax.plot([0, 1], [0, 1], color="k", lw=0.8)
    ax.set_xlabel("split-half reliability (ceiling)")
    ax.set_ylabel("pooled inter-animal r²")
    fig.tight_layout()
