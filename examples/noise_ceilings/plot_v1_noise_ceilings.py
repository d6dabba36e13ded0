"""
Noise ceilings and ceiling-normalised scores on real V1 recordings
==================================================================

Hénaff et al. (2021) recorded macaque V1 neurons in 9 penetrations (4 monkeys) with
many repeats of the same 484 video frames. We estimate each unit's split-half
reliability, predict every monkey's units from the pooled units of the other monkeys,
and normalise the explained variance by the ceiling.

The data are read from ``$SKLEARN_BRAINMAP_DATA`` or a ``shared/data`` folder next to
the repository. Without them the example runs on a simulated stand-in with the same
layout (units × stimuli × repeats, four monkeys), and says so: the numbers are then
the stand-in's, not V1's.
"""

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold
from sklearn.utils import Bunch

from sklearn_brainmap import Ridge
from sklearn_brainmap.datasets import load_henaff2021_v1
from sklearn_brainmap.metrics import ceiling_normalized_score, split_half_reliability
from sklearn_brainmap.model_selection import pooled_source_scores
from sklearn_brainmap.utils import AboveCeilingWarning


def find_data_home():
    if os.environ.get("SKLEARN_BRAINMAP_DATA"):
        return Path(os.environ["SKLEARN_BRAINMAP_DATA"])
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "shared" / "data" / "henaff2021_v1").is_dir():
            return folder / "shared" / "data"
    return None


def simulated_stand_in(n_monkeys=4, n_units=15, n_stimuli=200, n_repeats=10, seed=0):
    """Poisson spike counts of units tuned to a shared 5-dimensional stimulus space."""
    rng = np.random.default_rng(seed)
    stimuli = rng.standard_normal((n_stimuli, 5))
    rates = np.exp(0.5 * stimuli @ rng.standard_normal((5, n_monkeys * n_units)))
    shape = (n_monkeys * n_units, n_stimuli, n_repeats)
    counts = rng.poisson(rates.T[:, :, None], shape)
    monkey = np.repeat([f"monkey{m}" for m in range(n_monkeys)], n_units)
    return Bunch(spike_counts=counts.astype(float), responses=counts.mean(2).T,
                 monkey=monkey, subjects=monkey, areas=np.full(monkey.size, "V1"),
                 DESCR="A simulated stand-in for the V1 recordings (Poisson counts).")


data_home = find_data_home()
data = load_henaff2021_v1(data_home) if data_home else simulated_stand_in()
print(data.DESCR.splitlines()[0])

# %%
# Split-half reliability of every unit (10 random splits of the repeats), corrected
# to the full number of repeats with the Spearman–Brown formula. Units whose halves
# do not correlate positively get no ceiling (NaN).
ceiling = split_half_reliability(data.spike_counts, n_splits=10, random_state=0)
print(f"median reliability {np.nanmedian(ceiling):.3f}; "
      f"{np.isnan(ceiling).sum()} units without a positive reliability")

# %%
# Pooled inter-animal predictivity: each monkey's units from all units of the other
# monkeys, cross-validated over stimuli. The ceiling is itself an estimate, so some
# units' r² exceed it; :func:`~sklearn_brainmap.metrics.ceiling_normalized_score`
# warns about them (:class:`~sklearn_brainmap.utils.AboveCeilingWarning`). We expect
# them, so we count them instead of printing the warning, and do not clip at 1.
pooled = pooled_source_scores(Ridge(cv=None), data.responses, data.monkey,
                              data.areas, cv=KFold(5, shuffle=True, random_state=0),
                              scoring="pearson")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", AboveCeilingWarning)
    normalised = ceiling_normalized_score(pooled.unit_scores, ceiling)
print(f"median r {np.nanmedian(pooled.unit_scores):.3f}, "
      f"median r²/ceiling {np.nanmedian(normalised):.3f}, "
      f"{np.sum(normalised > 1)} of {np.isfinite(normalised).sum()} units above 1")

# %%
# Each unit's pooled r² against its ceiling: points near the diagonal are predicted
# as well as their own noise allows.
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.scatter(ceiling, pooled.unit_scores ** 2, s=8)
ax.plot([0, 1], [0, 1], color="k", lw=0.8, label="r² = ceiling")
ax.set_xlabel("split-half reliability (ceiling)")
ax.set_ylabel("pooled inter-animal r²")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
