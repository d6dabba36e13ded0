"""The papers' qualitative results on the default simulated population (science.md).

Each claim is checked on the default population of :func:`make_model_population`
(5 convolutional networks trained contrastively from different seeds, the central
hypercolumn of each of 3 layers, noise gain 20) with 5 folds over stimuli, as the issue
that introduced it asks. One finding of the papers does not hold here and is not
tested: LinearNonlinear does not reach Ridge's predictivity on post-softplus responses
(measured 0.677 vs 0.699, though its silhouette is higher, 0.347 vs 0.330); see the
CHANGELOG and the user guide's "Simulated populations" section.
"""

import warnings

import pytest
from sklearn.model_selection import KFold

from sklearn_brainmap.datasets import make_model_population
from sklearn_brainmap.model_selection import compare_transform_classes, default_candidates
from sklearn_brainmap.utils import ConstantUnitWarning


def _run(activation, names, sampling="hypercolumn"):
    population = make_model_population(5, activation=activation, sampling=sampling,
                                       random_state=0)
    candidates = [c for c in default_candidates() if c.name in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)  # silent ReLU units
        result = compare_transform_classes(
            candidates, population, cv=KFold(5, shuffle=True, random_state=0))
    return {(r["responses"], r["transform_class"]): r for r in result.summary()}


@pytest.fixture(scope="module")
def relu():
    return _run("relu", {"Ridge", "OneToOne", "SoftMatching", "LogisticRidge"})


@pytest.fixture(scope="module")
def softplus():
    return _run("softplus", {"Ridge", "LinearSoftplus", "Pre Linear Softplus"})


@pytest.fixture(scope="module")
def relu_random():
    return _run("relu", {"Ridge"}, sampling="random")


def test_ridge_pre_activation_areas_are_clusters(relu):
    assert relu["pre", "Ridge"]["silhouette"] >= 0.3


@pytest.mark.parametrize("responses", ["pre", "post"])
def test_ridge_more_specific_and_predictive_than_matching_classes(relu, responses):
    ridge = relu[responses, "Ridge"]
    for other in ("SoftMatching", "OneToOne"):
        assert ridge["silhouette"] >= relu[responses, other]["silhouette"] + 0.1
        assert ridge["predictivity"] > relu[responses, other]["predictivity"]


def test_pre_activation_more_predictable_and_specific_than_post(relu, softplus):
    for table in (relu, softplus):
        for score in ("predictivity", "silhouette"):
            assert table["pre", "Ridge"][score] > table["post", "Ridge"][score]


def test_logistic_ridge_beats_ridge_on_post_relu(relu):
    assert relu["post", "LogisticRidge"]["predictivity"] > \
        relu["post", "Ridge"]["predictivity"]


@pytest.mark.parametrize("score", ["predictivity", "silhouette"])
def test_softplus_classes_beat_ridge_on_post_softplus(softplus, score):
    ridge = softplus["post", "Ridge"][score]
    assert softplus["post", "LinearSoftplus"][score] > ridge
    assert softplus["post", "Pre Linear Softplus"][score] > \
        softplus["post", "LinearSoftplus"][score]


def test_random_locations_lose_specificity(relu, relu_random):
    for responses in ("pre", "post"):
        assert relu_random[responses, "Ridge"]["silhouette"] <= \
            relu[responses, "Ridge"]["silhouette"] - 0.1
