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


def test_comparison_display_draws_the_summary_and_the_mds():
    from sklearn_brainmap.metrics import rsa_score
    from sklearn_brainmap.model_selection import (compare_transform_classes,
                                                  profile_dissimilarity)
    from sklearn_brainmap.plotting import ComparisonDisplay
    from sklearn_brainmap.utils import classical_mds

    rng = np.random.default_rng(1)
    pre = rng.standard_normal((45, 24)) + np.repeat(rng.standard_normal((45, 2)), 12, 1)
    population = {"pre": pre, "post": np.logaddexp(0, pre),
                  "subjects": np.repeat([0, 1, 2], 8),
                  "areas": np.tile(np.repeat(["A", "B"], 4), 3)}
    result = compare_transform_classes({"Ridge": Ridge(cv=None), "RSA": rsa_score},
                                       population, cv=3)
    display = ComparisonDisplay.from_result(result, title="relu")
    rows = {(r["responses"], r["transform_class"]): r for r in result.summary()}
    heights = [b.get_height() for b in display.silhouette_.bars_["post targets"]]
    np.testing.assert_allclose(heights, [rows["post", "Ridge"]["silhouette"],
                                         rows["post", "RSA"]["silhouette"]])
    # RSA has no predictivity: no bar (NaN)
    assert np.isnan(display.predictivity_.bars_["pre targets"][1].get_height())
    expected = classical_mds(profile_dissimilarity(result.matrices["post", "Ridge"]))
    np.testing.assert_allclose(display.mds_.embedding, expected)
    assert display.axes_[0].get_title() == "relu: predictivity"
    with pytest.raises(ValueError, match="not a cell"):
        ComparisonDisplay(result, mds=("post", "OneToOne"))


def test_score_bars_and_reliability_histogram():
    from sklearn_brainmap.plotting import ReliabilityDisplay, ScoreBarDisplay

    display = ScoreBarDisplay(["a", "b", "c"], {"x": [1.0, np.nan, 3.0], "y": [2, 2, 2]})
    display.plot()
    assert [b.get_height() for b in display.bars_["x"]][::2] == [1.0, 3.0]
    assert display.ax_.get_xticklabels()[1].get_text() == "b"
    with pytest.raises(ValueError, match="2 values for 3 names"):
        ScoreBarDisplay(["a", "b", "c"], {"x": [1.0, 2.0]})
    values = np.array([0.1, 0.4, 0.45, np.nan, 0.9])
    hist = ReliabilityDisplay(values).plot(bins=4)
    counts = [p.get_height() for p in hist.ax_.patches]
    assert sum(counts) == 4 and hist.n_undefined_ == 1
