"""check_mapping_estimator passes every transform class of the package and fails
mappings that break one of its properties, each with the property named."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression

from sklearn_brainmap import (LinearNonlinear, LinearSoftplus, LogisticRidge, OneToOne,
                              Ridge, SoftMatching)
from sklearn_brainmap.testing import check_mapping_estimator, paired_response_matrices


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 6))
    latent = X @ rng.standard_normal((6, 4))
    return {"signed": (X, latent + 0.1 * rng.standard_normal(latent.shape)),
            "rectified": (X, np.maximum(latent, 0.0)),       # zeros: LogisticRidge
            "positive": (X, np.log1p(np.exp(latent)))}       # rates: the GLMs


@pytest.mark.parametrize("estimator, targets", [
    (Ridge(), "signed"), (LogisticRidge(), "rectified"), (LinearNonlinear(), "positive"),
    (LinearSoftplus(), "positive"), (SoftMatching(), "signed"), (OneToOne(), "signed"),
], ids=lambda p: type(p).__name__ if not isinstance(p, str) else p)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_transform_class_passes(estimator, targets, dtype, data):
    X, Y = data[targets]
    check_mapping_estimator(estimator, X.astype(dtype), Y.astype(dtype),
                            X_test=X[:20].astype(dtype) + 0.5, random_state=0)


class FirstSourceOnly(RegressorMixin, BaseEstimator):
    """Planted bug: uses the first column whatever the order of the units."""

    def fit(self, X, Y):
        self.model_ = LinearRegression().fit(X[:, :1], Y)
        return self

    def predict(self, X):
        return self.model_.predict(X[:, :1])


class MeanOfTargets(RegressorMixin, BaseEstimator):
    """Planted bug: every target gets the first target's fit."""

    def fit(self, X, Y):
        self.model_ = LinearRegression().fit(X, Y[:, 0])
        self.n_targets_ = Y.shape[1]
        return self

    def predict(self, X):
        return np.repeat(self.model_.predict(X)[:, None], self.n_targets_, axis=1)


class Unseeded(RegressorMixin, BaseEstimator):
    """Planted bug: a random subset of the units, drawn anew in every fit."""

    def fit(self, X, Y):
        self.units_ = np.random.default_rng().permutation(X.shape[1])[:3]
        self.model_ = LinearRegression().fit(X[:, self.units_], Y)
        return self

    def predict(self, X):
        return self.model_.predict(X[:, self.units_])


class CentresInPlace(RegressorMixin, BaseEstimator):
    """Planted bug: centres the caller's array."""

    def fit(self, X, Y):
        X -= X.mean(0)
        self.model_ = LinearRegression().fit(X, Y)
        return self

    def predict(self, X):
        return self.model_.predict(X)


class ScoreAboveOne(LinearRegression):
    """Planted bug: a score that is not bounded by 1 (a sum over targets)."""

    def score(self, X, Y):
        return 4 * super().score(X, Y)


@pytest.mark.parametrize("estimator, message", [
    (FirstSourceOnly(), "depend on the order of the source units"),
    (MeanOfTargets(), "not equivariant to a permutation of the targets"),
    (Unseeded(), "two clones fitted on the same data differ"),
    (CentresInPlace(), "fit modified its input"),
    (ScoreAboveOne(), "score is not one finite number at most 1"),
], ids=lambda p: type(p).__name__ if not isinstance(p, str) else "")
def test_each_broken_property_is_caught_and_named(estimator, message, data):
    X, Y = data["signed"]
    with pytest.raises(AssertionError, match=message):
        check_mapping_estimator(estimator, X.copy(), Y, random_state=0)


def test_one_target_is_refused(data):
    X, Y = data["signed"]
    with pytest.raises(ValueError, match="at least two target units"):
        check_mapping_estimator(Ridge(), X, Y[:, :1])


class ZScoredRidge(RegressorMixin, BaseEstimator):
    """The user guide's planted bug: z-scores the source units by hand, so a constant
    unit turns rounding noise (or 0/0) into a feature."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, Y):
        self.mean_, self.std_, self.offset_ = X.mean(0), X.std(0), Y.mean(0)
        with np.errstate(all="ignore"):
            Z = (X - self.mean_) / self.std_
            self.coef_ = np.linalg.solve(Z.T @ Z + self.alpha * np.eye(Z.shape[1]),
                                         Z.T @ (Y - self.offset_))
        return self

    def predict(self, X):
        with np.errstate(all="ignore"):
            return (X - self.mean_) / self.std_ @ self.coef_ + self.offset_


def mapping_property(strategy):
    @settings(max_examples=200, database=None, derandomize=True, deadline=None)
    @given(strategy)
    def test(XY):
        check_mapping_estimator(ZScoredRidge(), *XY, random_state=0)
    return test


def test_default_strategy_finds_the_guides_mapping_bug_the_old_defaults_missed():
    targets = st.integers(2, 10)
    mapping_property(paired_response_matrices(
        n_units_y=targets, y_structure="none", rank=None, sparsity=0, n_constant=0,
        n_duplicated=0))()
    with pytest.raises(AssertionError, match="ZScoredRidge: predict"):
        mapping_property(paired_response_matrices(n_units_y=targets,
                                                  y_structure="none"))()
