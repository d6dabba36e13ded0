"""Dask: the held-out pairwise matrix of the 180-profile population of
``bench_population`` (30 subjects × 6 areas × 50 units, 118 stimuli, one train/test
split of its 5 folds), ``PairwiseMapping(Ridge(cv=None), n_jobs=2)`` with joblib's
Dask backend on a 2-worker ``LocalCluster`` (1 thread each) against joblib's default
process pool (loky, 2 processes) on the same 2 cores. ``--quick``: 36 profiles.
"""

import numpy as np
from sklearn.model_selection import KFold

from _harness import Comparison
from bench_dask import cluster_client
from bench_population import ALPHAS, make_population


def _population_comparison(client, n_subjects):
    import joblib

    from sklearn_brainmap import Ridge
    from sklearn_brainmap.model_selection import PairwiseMapping

    X, subjects, areas = make_population(n_subjects=n_subjects)
    train, test = next(KFold(5, shuffle=True, random_state=0).split(X))

    def run():
        mapping = PairwiseMapping(Ridge(alpha=ALPHAS, cv=None), subjects=subjects,
                                  areas=areas, n_jobs=2)
        return mapping.fit(X[train]).score_matrix(X[test])

    def on_dask():
        with joblib.parallel_config(backend="dask", client=client):
            return run()

    def check(results):
        diff = np.nanmax(np.abs(results["Dask, 2 workers"] - results["loky, n_jobs=2"]))
        return f"max |Δ score| {diff:.1e}"

    return Comparison(
        "Held-out pairwise matrix, PairwiseMapping(Ridge(cv=None), n_jobs=2), one split",
        f"{n_subjects * 6} profiles × 118 stimuli × 50 units", "Dask, 2 workers",
        {"Dask, 2 workers": on_dask, "loky, n_jobs=2": run}, check=check, memory=False)


def comparisons(quick):
    return [_population_comparison(cluster_client(), 6 if quick else 30)]
