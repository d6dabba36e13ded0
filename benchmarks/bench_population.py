"""The held-out pairwise matrix of a population: ours versus a per-pair scikit-learn loop.

180 profiles (30 subjects × 6 areas) × 118 stimuli × 50 units, 20 penalties, one
penalty per target chosen by leave-one-out inside every fit, 5-fold outer split over
stimuli: 5 × 32,220 ordered pairs. Ours: ``PairwiseMapping(Ridge(cv=None))`` (one
multi-output fit per source and fold). Theirs: ``RidgeCV(alpha_per_target=True)`` fitted
pair by pair (the fold split once, profiles sliced per pair); timed on the first
``N_PAIRS`` pairs of one fold and extrapolated to the whole matrix (the per-pair cost
is uniform), which the row states.
"""


import numpy as np
from sklearn.model_selection import KFold

from _harness import Comparison

ALPHAS = np.logspace(-2, 7, 20)
N_PAIRS = 1000


def make_population(n_subjects=30, n_areas=6, n_units=50, n_stimuli=118, seed=0):
    rng = np.random.default_rng(seed)
    latents = [rng.standard_normal((n_stimuli, 8)) for _ in range(n_areas)]
    blocks, subjects, areas = [], [], []
    for s in range(n_subjects):
        for a in range(n_areas):
            blocks.append(latents[a] @ rng.standard_normal((8, n_units))
                          + rng.standard_normal((n_stimuli, n_units)))
            subjects += [s] * n_units
            areas += [a] * n_units
    return np.hstack(blocks), np.array(subjects), np.array(areas)


def _ours(X, subjects, areas, folds, selection_dtype=None, n_jobs=None):
    from sklearn_brainmap import Ridge
    from sklearn_brainmap.model_selection import PairwiseMapping

    def run():
        mapping = PairwiseMapping(Ridge(alpha=ALPHAS, cv=None,
                                        selection_dtype=selection_dtype),
                                  subjects=subjects, areas=areas, n_jobs=n_jobs)
        return [mapping.fit(X[tr]).score_matrix(X[te]) for tr, te in folds]
    return run


def _sklearn_per_pair(X, subjects, areas, folds):
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score

    n_profiles = len(set(zip(subjects.tolist(), areas.tolist())))
    cols = [np.flatnonzero((subjects == s) & (areas == a))
            for s, a in dict.fromkeys(zip(subjects.tolist(), areas.tolist()))]
    pairs = [(i, j) for i in range(n_profiles) for j in range(n_profiles) if i != j]

    def run():
        tr, te = folds[0]
        X_tr, X_te = X[tr], X[te]  # split once: the loop then only slices profiles
        scores = {}
        for i, j in pairs[:N_PAIRS]:
            model = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(
                X_tr[:, cols[i]], X_tr[:, cols[j]])
            scores[i, j] = np.median(r2_score(X_te[:, cols[j]],
                                              model.predict(X_te[:, cols[i]]),
                                              multioutput="raw_values"))
        return scores
    return run, len(pairs) * len(folds) / N_PAIRS


def comparisons(quick):
    n_subjects = 6 if quick else 30
    X, subjects, areas = make_population(n_subjects=n_subjects)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    ours = _ours(X, subjects, areas, folds)
    single = _ours(X, subjects, areas, folds, "float32")
    two_jobs = _ours(X, subjects, areas, folds, n_jobs=2)
    theirs, scale = _sklearn_per_pair(X, subjects, areas, folds)
    theirs_name = f"scikit-learn RidgeCV per pair (timed part: {N_PAIRS} pairs of fold 1)"

    def check(results):
        matrix = results["ours: PairwiseMapping(Ridge(cv=None))"][0]
        first = results[theirs_name]
        diff = max(abs(matrix[i, j] - v) for (i, j), v in first.items())
        f32 = results["ours, float32 selection"][0]
        return (f"max |Δ score| on the timed pairs {diff:.1e}; float32 selection: "
                f"max |Δ score| {np.nanmax(np.abs(f32 - matrix)):.1e}")

    return [Comparison(
        "Held-out pairwise matrix, Ridge with per-target LOO selection, 5-fold outer",
        f"{n_subjects * 6} profiles × 118 stimuli × 50 units",
        "ours: PairwiseMapping(Ridge(cv=None))",
        {"ours: PairwiseMapping(Ridge(cv=None))": ours,
         "ours, float32 selection": single,
         "ours, n_jobs=2 (two processes, one BLAS thread each)": two_jobs,
         theirs_name: theirs},
        check=check, memory=False, extrapolate={theirs_name: scale})]
