import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_brainmap import OneToOne, Ridge
from sklearn_brainmap.model_selection import (PairwiseMapping, predictivity_scorer,
                                              silhouette_scorer)
from sklearn_brainmap.utils import ConstantUnitWarning

ALPHAS = np.logspace(-2, 4, 7)


def mixed_population(n_stimuli=120, n_subjects=3, areas=("A", "B", "C"), n_units=12,
                     noise=0.3, seed=0):
    """Each area has its own latent signals; subjects see random mixtures of them."""
    rng = np.random.default_rng(seed)
    latents = {a: rng.standard_normal((n_stimuli, 4)) for a in areas}
    blocks, subjects, labels = [], [], []
    for s in range(n_subjects):
        for a in areas:
            blocks.append(latents[a] @ rng.standard_normal((4, n_units))
                          + noise * rng.standard_normal((n_stimuli, n_units)))
            subjects += [s] * n_units
            labels += [a] * n_units
    return np.hstack(blocks), np.array(subjects), np.array(labels)


def rotated_population(n_stimuli=150, n_subjects=3, n_units=10, noise=0.2, seed=0):
    """Two areas with the same latent space: area A's units are the latents themselves
    (permuted per subject), area B's units are fixed rotations of them."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n_stimuli, n_units))
    rotation, _ = np.linalg.qr(rng.standard_normal((n_units, n_units)))
    blocks, subjects, labels = [], [], []
    for s in range(n_subjects):
        for area, base in (("A", latent), ("B", latent @ rotation)):
            perm = rng.permutation(n_units)
            blocks.append(base[:, perm] + noise * rng.standard_normal((n_stimuli, n_units)))
            subjects += [s] * n_units
            labels += [area] * n_units
    return np.hstack(blocks), np.array(subjects), np.array(labels)


def direct_score_matrix(X_train, X_test, subjects, areas, make_estimator):
    """Independent reference: one fit per ordered pair, R² per unit, median."""
    profiles = list(dict.fromkeys(zip(subjects, areas)))
    cols = [np.flatnonzero((subjects == s) & (areas == a)) for s, a in profiles]
    M = np.full((len(profiles),) * 2, np.nan)
    for i, ci in enumerate(cols):
        for j, cj in enumerate(cols):
            if i == j:
                continue
            pred = make_estimator().fit(X_train[:, ci], X_train[:, cj]).predict(X_test[:, ci])
            y = X_test[:, cj]
            r2 = 1 - ((y - pred) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
            M[i, j] = np.median(r2)
    return M, np.array([a for _, a in profiles])


def test_score_matrix_and_silhouette_match_direct_computation():
    X, subjects, areas = mixed_population()
    mapping = PairwiseMapping(Ridge(alpha=ALPHAS, cv=None), subjects=subjects,
                              areas=areas).fit(X[:90])
    M = mapping.score_matrix(X[90:])
    ref, profile_areas = direct_score_matrix(X[:90], X[90:], subjects, areas,
                                             lambda: Ridge(alpha=ALPHAS, cv=None))
    np.testing.assert_allclose(M, ref, rtol=1e-10, atol=1e-12)
    D = 1 - (ref + ref.T) / 2
    np.fill_diagonal(D, 0)
    expected = silhouette_score(D, profile_areas, metric="precomputed")
    assert mapping.score(X[90:]) == pytest.approx(expected, rel=1e-10)
    assert silhouette_scorer(mapping, X[90:]) == pytest.approx(expected, rel=1e-10)
    same = (profile_areas[:, None] == profile_areas) & ~np.eye(len(ref), dtype=bool)
    subj = np.repeat(np.arange(3), 3)
    same &= subj[:, None] != subj[None, :]
    assert predictivity_scorer(mapping, X[90:]) == pytest.approx(ref[same].mean())


def test_separable_population_scores_near_one_and_shuffled_labels_do_not():
    X, subjects, areas = mixed_population(noise=0.05)
    mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas).fit(X[:90])
    assert mapping.score(X[90:]) > 0.9
    # labels that cut across the true areas: each "area" holds one profile of each
    # true area, so no label groups similar profiles
    rng = np.random.default_rng(1)
    profile_area = np.array([a for _, a in dict.fromkeys(zip(subjects, areas))])
    crossing = np.empty(9, dtype="<U1")
    for a in "ABC":
        crossing[profile_area == a] = rng.permutation(list("XYZ"))
    shuffled = np.repeat(crossing, 12)
    shuffled_mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects,
                                       areas=shuffled).fit(X[:90])
    assert shuffled_mapping.score(X[90:]) < 0


def test_multi_output_equals_per_pair_fits():
    X, subjects, areas = mixed_population(seed=2)
    multi = PairwiseMapping(Ridge(alpha=ALPHAS, cv=3), subjects=subjects, areas=areas)
    pairs = PairwiseMapping(Ridge(alpha=ALPHAS, cv=3), subjects=subjects, areas=areas,
                            per_pair=True)
    M1 = multi.fit(X[:90]).score_matrix(X[90:])
    M2 = pairs.fit(X[:90]).score_matrix(X[90:])
    assert not isinstance(multi.estimators_[0], list)
    assert isinstance(pairs.estimators_[0], list) and len(pairs.estimators_[0]) == 8
    np.testing.assert_allclose(M1, M2, rtol=1e-10, atol=1e-10)
    for scoring in ("pearson",):
        a = multi.set_params(scoring=scoring, aggregate="mean").fit(X[:90])
        b = pairs.set_params(scoring=scoring, aggregate="mean").fit(X[:90])
        np.testing.assert_allclose(a.score_matrix(X[90:]), b.score_matrix(X[90:]),
                                   rtol=1e-10, atol=1e-10)


def test_parallel_equals_serial():
    X, subjects, areas = mixed_population(seed=3)
    serial = PairwiseMapping(OneToOne(), subjects=subjects, areas=areas).fit(X[:90])
    parallel = PairwiseMapping(OneToOne(), subjects=subjects, areas=areas,
                               n_jobs=2).fit(X[:90])
    np.testing.assert_array_equal(serial.score_matrix(X[90:]),
                                  parallel.score_matrix(X[90:]))


@pytest.mark.parametrize("make, expected", [
    (mixed_population, "Ridge"),
    (rotated_population, "OneToOne"),
])
def test_grid_search_picks_the_class_the_population_was_built_for(make, expected):
    X, subjects, areas = make()
    search = GridSearchCV(
        PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas),
        {"estimator": [Ridge(cv=None), OneToOne()]},
        scoring={"silhouette": silhouette_scorer, "predictivity": predictivity_scorer},
        refit="silhouette", cv=KFold(3, shuffle=True, random_state=0))
    search.fit(X)
    assert type(search.best_params_["estimator"]).__name__ == expected
    sil = search.cv_results_["mean_test_silhouette"]
    assert sil.max() - sil.min() > 0.2
    # on mixtures, only Ridge can predict; on permuted copies both can
    pred = search.cv_results_["mean_test_predictivity"]
    if expected == "Ridge":
        assert pred[0] > pred[1] + 0.2
    else:
        assert min(pred) > 0.8


def test_dataframe_with_subject_area_columns():
    X, subjects, areas = mixed_population()
    columns = pd.MultiIndex.from_arrays([subjects, areas, np.arange(X.shape[1])],
                                        names=["subject", "area", "unit"])
    df = pd.DataFrame(X, columns=columns)
    from_df = PairwiseMapping(Ridge(cv=None)).fit(df.iloc[:90])
    from_arrays = PairwiseMapping(Ridge(cv=None), subjects=subjects,
                                  areas=areas).fit(X[:90])
    assert from_df.profiles_ == from_arrays.profiles_
    np.testing.assert_array_equal(from_df.score_matrix(df.iloc[90:]),
                                  from_arrays.score_matrix(X[90:]))


def test_similarity_function_in_place_of_estimator():
    X, subjects, areas = mixed_population(noise=0.05)

    def linear_cka(A, B):
        A, B = A - A.mean(0), B - B.mean(0)
        return (np.linalg.norm(B.T @ A) ** 2
                / (np.linalg.norm(A.T @ A) * np.linalg.norm(B.T @ B)))

    mapping = PairwiseMapping(linear_cka, subjects=subjects, areas=areas).fit(X[:90])
    M = mapping.score_matrix(X[90:])
    cols = mapping._columns
    assert M[0, 3] == pytest.approx(linear_cka(X[90:, cols[0]], X[90:, cols[3]]))
    np.testing.assert_array_equal(M, M.T)
    assert mapping.score(X[90:]) > 0.5


def test_constant_units_are_counted_once_and_excluded():
    X, subjects, areas = mixed_population()
    X[:, 5] = 1.0
    with pytest.warns(ConstantUnitWarning, match="1 of 108 population"):
        mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects,
                                  areas=areas).fit(X[:90])
    with pytest.warns(ConstantUnitWarning, match="8 unit scores were undefined"):
        M = mapping.score_matrix(X[90:])
    assert np.isfinite(M[~np.eye(9, dtype=bool)]).all()


def test_verbose_reports_progress(capsys):
    X, subjects, areas = mixed_population(n_subjects=2, areas=("A", "B"))
    PairwiseMapping(OneToOne(), subjects=subjects, areas=areas, verbose=1).fit(X)
    out = capsys.readouterr().out
    assert "source 4/4" in out


def test_bad_input():
    X, subjects, areas = mixed_population()
    with pytest.raises(ValueError, match="subjects= and areas="):
        PairwiseMapping(Ridge()).fit(X)
    with pytest.raises(ValueError, match="one label per column"):
        PairwiseMapping(Ridge(), subjects=subjects[:-1], areas=areas).fit(X)
    with pytest.raises(ValueError, match="at least 2 profiles"):
        PairwiseMapping(Ridge(), subjects=np.zeros(X.shape[1]),
                        areas=np.zeros(X.shape[1])).fit(X)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PairwiseMapping(Ridge(), subjects=subjects, areas=areas).fit(bad)
    fitted = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas).fit(X)
    with pytest.raises(ValueError, match="features"):
        fitted.score_matrix(X[:, :-1])
    one_area = PairwiseMapping(Ridge(cv=None), subjects=subjects,
                               areas=np.full(X.shape[1], "A")).fit(X)
    with pytest.raises(ValueError, match="at least 2 areas"):
        one_area.score(X)


def test_sources_and_targets_from_different_recordings():
    # e.g. pre-activation sources mapped to post-activation targets
    X, subjects, areas = mixed_population(seed=4)
    Y = np.maximum(X, 0)
    mapping = PairwiseMapping(Ridge(alpha=ALPHAS, cv=None), subjects=subjects,
                              areas=areas).fit(X[:90], Y[:90])
    M = mapping.score_matrix(X[90:], Y[90:])
    cols = mapping._columns
    model = Ridge(alpha=ALPHAS, cv=None).fit(X[:90][:, cols[0]], Y[:90][:, cols[4]])
    pred = model.predict(X[90:, cols[0]])
    y = Y[90:, cols[4]]
    r2 = 1 - ((y - pred) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
    assert M[0, 4] == pytest.approx(np.median(r2), rel=1e-10)
    assert not np.allclose(M, mapping.score_matrix(X[90:]), equal_nan=True)
    with pytest.raises(ValueError, match="stimuli"):
        mapping.score_matrix(X[90:], Y[80:])


@pytest.mark.parametrize("aggregate", ["median", "mean"])
def test_unequal_profiles_and_undefined_unit_scores_are_aggregated_per_profile(aggregate):
    # profiles of 3 to 9 units; on the scoring stimuli one unit of profile 1 and every
    # unit of profile 4 are constant: their scores are NaN and leave the aggregate
    rng = np.random.default_rng(3)
    sizes = [5, 9, 3, 7, 4, 6]
    latent = rng.standard_normal((80, 3))
    X = np.hstack([latent @ rng.standard_normal((3, k)) + 0.5 * rng.standard_normal((80, k))
                   for k in sizes])
    subjects = np.repeat([0, 0, 0, 1, 1, 1], sizes)
    areas = np.repeat(["A", "B", "C", "A", "B", "C"], sizes)
    bounds = np.cumsum([0] + sizes)
    X[60:, bounds[1]] = 2.0
    X[60:, bounds[4]:bounds[5]] = 1.0
    mapping = PairwiseMapping(Ridge(alpha=ALPHAS, cv=None), subjects=subjects,
                              areas=areas, aggregate=aggregate).fit(X[:60])
    with pytest.warns(ConstantUnitWarning, match="undefined"):
        M = mapping.score_matrix(X[60:])
    reduce = np.nanmedian if aggregate == "median" else np.nanmean
    for s in range(6):
        src = slice(bounds[s], bounds[s + 1])
        for t in range(6):
            if s == t:
                assert np.isnan(M[s, t])
                continue
            tgt = slice(bounds[t], bounds[t + 1])
            model = Ridge(alpha=ALPHAS, cv=None).fit(X[:60, src], X[:60, tgt])
            y, pred = X[60:, tgt], model.predict(X[60:, src])
            with np.errstate(divide="ignore", invalid="ignore"):
                r2 = 1 - ((y - pred) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
            r2[np.ptp(y, axis=0) == 0] = np.nan
            if t == 4:
                assert np.isnan(M[s, t])
            else:
                assert M[s, t] == pytest.approx(reduce(r2), rel=1e-9)
