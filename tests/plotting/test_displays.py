import numpy as np
import pytest
from sklearn.metrics import silhouette_samples

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sklearn_brainmap import Ridge  # noqa: E402
from sklearn_brainmap.model_selection import (PairwiseMapping, fit_subsampling_curve,  # noqa: E402
                                              subsampling_curve)
from sklearn_brainmap.plotting import (MDSDisplay, PredictionDisplay,  # noqa: E402
                                       SilhouetteDisplay, SimilarityMatrixDisplay,
                                       SubsamplingCurveDisplay)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    latents = [rng.standard_normal((60, 3)) for _ in range(2)]
    X = np.hstack([latents[a] @ rng.standard_normal((3, 5)) for _ in range(3)
                   for a in range(2)]) + 0.1 * rng.standard_normal((60, 30))
    subjects = np.repeat(np.arange(3), 10)
    areas = np.tile(np.repeat(["A", "B"], 5), 3)
    mapping = PairwiseMapping(Ridge(cv=None), subjects=subjects, areas=areas).fit(X[:40])
    return mapping, X[40:]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_similarity_matrix_display(fitted):
    mapping, X = fitted
    display = SimilarityMatrixDisplay.from_estimator(mapping, X)
    shown = display.image_.get_array()
    order = np.argsort(mapping.profile_areas_, kind="stable")
    expected = mapping.similarity_matrix(X)[np.ix_(order, order)]
    np.testing.assert_array_equal(np.ma.filled(shown, np.nan), expected)
    assert len(display.ax_.get_xticklabels()) == 6
    assert display.ax_.get_title()


def test_silhouette_display_matches_sklearn(fitted):
    mapping, X = fitted
    display = SilhouetteDisplay.from_estimator(mapping, X)
    expected = silhouette_samples(mapping.dissimilarity_matrix(X),
                                  mapping.profile_areas_, metric="precomputed")
    np.testing.assert_allclose(display.silhouettes, expected)
    assert display.mean_ == pytest.approx(mapping.score(X))
    assert len(display.ax_.patches) == 6
    assert display.ax_.get_xlabel() == "silhouette"


def test_mds_display(fitted):
    mapping, X = fitted
    display = MDSDisplay.from_estimator(mapping, X)
    assert display.embedding.shape == (6, 2)
    assert {t.get_text() for t in display.ax_.get_legend().get_texts()} == \
        set(mapping.profile_areas_.tolist())
    assert display.ax_.get_xlabel() == "MDS 1"


def test_subsampling_curve_display():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 30))
    Y = X @ rng.standard_normal((30, 4)) + rng.standard_normal((120, 4))
    curve = subsampling_curve(Ridge(cv=None), X, Y, n_units=[3, 6, 12, 30], n_draws=2,
                              random_state=0)
    fit = fit_subsampling_curve(curve.sizes, curve.scores)
    display = SubsamplingCurveDisplay.from_curve(curve, fit=fit, label="model")
    assert display.ax_.get_xscale() == "log"
    assert len(display.ax_.get_lines()) >= 1
    assert display.ax_.get_xlabel() == "source units"


def test_prediction_display_picks_best_and_worst_units():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((50, 6))
    pred = y + rng.standard_normal((50, 6)) * np.linspace(0.1, 3, 6)
    display = PredictionDisplay.from_predictions(y, pred)
    assert display.units[0] == 0 and display.units[-1] == 5
    assert display.ax_.get_xlabel() == "measured response"
    model = Ridge(cv=None).fit(y, pred)
    display = PredictionDisplay.from_estimator(model, y, pred, units=[2])
    assert display.units == [2]
