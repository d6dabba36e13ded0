import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import r2_score as sklearn_r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_brainmap import OneToOne, Ridge, SoftMatching
from sklearn_brainmap.metrics import (
    mean_pearson_r_scorer,
    median_pearson_r_scorer,
    median_r2_scorer,
    pearson_r_score,
    r2_score,
)
from sklearn_brainmap.utils import ConstantUnitWarning


def targets(rng, n=40, t=7):
    y = rng.standard_normal((n, t)) * rng.uniform(0.5, 3, t) + rng.uniform(-2, 2, t)
    pred = y + rng.uniform(0.1, 2, t) * rng.standard_normal((n, t))
    return y, pred


def test_pearson_r_equals_scipy_per_target(rng):
    y, pred = targets(rng)
    expected = np.array([stats.pearsonr(y[:, j], pred[:, j]).statistic for j in range(7)])
    np.testing.assert_allclose(pearson_r_score(y, pred, multioutput="raw_values"),
                               expected, rtol=1e-12)
    assert pearson_r_score(y, pred) == pytest.approx(expected.mean(), rel=1e-12)
    assert pearson_r_score(y, pred, multioutput="median") == pytest.approx(
        np.median(expected), rel=1e-12)
    weights = rng.uniform(0, 1, 7)
    assert pearson_r_score(y, pred, multioutput=weights) == pytest.approx(
        np.average(expected, weights=weights), rel=1e-12)
    assert pearson_r_score(y[:, 2], pred[:, 2]) == pytest.approx(expected[2], rel=1e-12)


def test_r2_equals_scikit_learn_on_defined_targets(rng):
    y, pred = targets(rng)
    w = rng.uniform(0.5, 2, 40)
    expected = sklearn_r2_score(y, pred, sample_weight=w, multioutput="raw_values")
    np.testing.assert_allclose(
        r2_score(y, pred, sample_weight=w, multioutput="raw_values"), expected, rtol=1e-12)
    assert r2_score(y, pred, multioutput="median") == pytest.approx(
        np.median(sklearn_r2_score(y, pred, multioutput="raw_values")), rel=1e-12)
    assert r2_score(y, pred) == pytest.approx(sklearn_r2_score(y, pred), rel=1e-12)


@pytest.mark.parametrize("score", [r2_score, pearson_r_score])
def test_constant_targets_are_nan_and_left_out(rng, score):
    y, pred = targets(rng)
    y[:, [1, 4]] = 3.0
    with pytest.warns(ConstantUnitWarning, match="2 of 7 target"):
        raw = score(y, pred, multioutput="raw_values")
    assert np.isnan(raw[[1, 4]]).all() and np.isfinite(np.delete(raw, [1, 4])).all()
    defined = np.delete(raw, [1, 4])
    with pytest.warns(ConstantUnitWarning):
        assert score(y, pred, multioutput="median") == pytest.approx(np.median(defined))
    with pytest.warns(ConstantUnitWarning):
        assert score(y, pred) == pytest.approx(np.mean(defined))
    with pytest.warns(ConstantUnitWarning):
        assert np.isnan(score(np.ones((5, 2)), rng.standard_normal((5, 2))))


def test_constant_predictions_have_undefined_correlation(rng):
    y, pred = targets(rng)
    pred[:, 0] = 1.0
    with pytest.warns(ConstantUnitWarning, match="1 of 7 predicted"):
        raw = pearson_r_score(y, pred, multioutput="raw_values")
    assert np.isnan(raw[0]) and np.isfinite(raw[1:]).all()


@pytest.mark.parametrize("score", [r2_score, pearson_r_score])
def test_validation(rng, score):
    y, pred = targets(rng)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        score(y, pred[:-1])
    with pytest.raises(ValueError, match="different numbers of targets"):
        score(y, pred[:, :-1])
    with pytest.raises(ValueError, match="NaN"):
        score(np.where(y > 2, np.nan, y), pred)
    with pytest.raises(ValueError, match="minimum of 2"):
        score(y[:1], pred[:1])
    with pytest.raises(InvalidParameterError, match="multioutput"):
        score(y, pred, multioutput="mean")
    with pytest.raises(ValueError, match="weights"):
        score(y, pred, multioutput=np.ones(3))


def held_out_scores(estimator, X, Y, cv, metric):
    out = []
    for train, test in cv.split(X):
        fitted = clone(estimator).fit(X[train], Y[train])
        out.append(metric(Y[test], fitted.predict(X[test])))
    return np.array(out)


@pytest.mark.parametrize("estimator", [Ridge(cv=None), OneToOne(), SoftMatching()])
def test_scorers_in_cross_val_score(rng, estimator):
    X = rng.standard_normal((60, 8))
    Y = X @ rng.standard_normal((8, 6)) + rng.standard_normal((60, 6))
    cv = KFold(3, shuffle=True, random_state=0)
    for scorer, metric in [
            (median_r2_scorer,
             lambda y, p: np.median(sklearn_r2_score(y, p, multioutput="raw_values"))),
            (median_pearson_r_scorer,
             lambda y, p: np.median([stats.pearsonr(a, b).statistic
                                     for a, b in zip(y.T, p.T)])),
            (mean_pearson_r_scorer,
             lambda y, p: np.mean([stats.pearsonr(a, b).statistic
                                   for a, b in zip(y.T, p.T)]))]:
        np.testing.assert_allclose(
            cross_val_score(estimator, X, Y, cv=cv, scoring=scorer),
            held_out_scores(estimator, X, Y, cv, metric), rtol=1e-10)


def test_scorer_selects_in_grid_search(rng):
    X = rng.standard_normal((80, 10))
    Y = X[:, [3, 1, 4]] * [2.0, -1.0, 0.5] + 0.3 * rng.standard_normal((80, 3))
    search = GridSearchCV(Ridge(cv=None), {"alpha": [1e-2, 1e5]},
                          scoring=median_r2_scorer, cv=KFold(4)).fit(X, Y)
    assert search.best_params_ == {"alpha": 1e-2}
    assert search.best_score_ == pytest.approx(np.mean(held_out_scores(
        Ridge(alpha=1e-2), X, Y, KFold(4),
        lambda y, p: np.median(sklearn_r2_score(y, p, multioutput="raw_values")))))
