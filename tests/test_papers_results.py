"""The papers' qualitative results on the default simulated population (science.md).

Each claim is checked on the default population (5 subjects, 3 layers, 50 units,
noise gain 20) with 3 folds over stimuli. Claims that do not hold on this population
are marked ``xfail`` with the measured reason, so that the suite says which results
the simulation reproduces and which it does not (see the issue notes).
"""

import warnings

import pytest
from sklearn.model_selection import KFold

from sklearn_brainmap.datasets import make_model_population
from sklearn_brainmap.model_selection import compare_transform_classes, default_candidates
from sklearn_brainmap.utils import ConstantUnitWarning


def _run(activation, names, responses):
    population = make_model_population(5, activation=activation, random_state=0)
    candidates = [c for c in default_candidates() if c.name in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantUnitWarning)  # dead units of small MLPs
        result = compare_transform_classes(
            candidates, population, responses=responses,
            cv=KFold(3, shuffle=True, random_state=0))
    return {(r["responses"], r["transform_class"]): r for r in result.summary()}


@pytest.fixture(scope="module")
def relu():
    return _run("relu", {"Ridge", "OneToOne", "SoftMatching", "LogisticRidge"},
                ("pre", "post"))


@pytest.fixture(scope="module")
def softplus():
    return _run("softplus", {"Ridge", "LinearNonlinear", "LinearSoftplus",
                             "Pre Linear Softplus"}, ("pre", "post"))


def test_pre_activation_more_predictable_than_post(relu, softplus):
    for table in (relu, softplus):
        assert table["pre", "Ridge"]["predictivity"] > table["post", "Ridge"]["predictivity"]


def test_ridge_predicts_better_than_matching_classes(relu):
    for responses in ("pre", "post"):
        ridge = relu[responses, "Ridge"]["predictivity"]
        assert ridge > relu[responses, "SoftMatching"]["predictivity"] + 0.2
        assert ridge > relu[responses, "OneToOne"]["predictivity"] + 0.2


def test_ridge_more_specific_than_matching_classes_on_pre_activations(relu):
    ridge = relu["pre", "Ridge"]["silhouette"]
    assert ridge > relu["pre", "SoftMatching"]["silhouette"]
    assert ridge > relu["pre", "OneToOne"]["silhouette"]


@pytest.mark.xfail(strict=True, reason=(
    "measured: on post-ReLU responses every silhouette is near 0 and Ridge's is the "
    "lowest; target areas differ in how predictable they are, which swamps area "
    "identity"))
def test_ridge_more_specific_than_matching_classes_on_post_activations(relu):
    ridge = relu["post", "Ridge"]["silhouette"]
    assert ridge > relu["post", "SoftMatching"]["silhouette"]
    assert ridge > relu["post", "OneToOne"]["silhouette"]


def test_logistic_ridge_beats_ridge_on_post_relu(relu):
    assert relu["post", "LogisticRidge"]["predictivity"] > \
        relu["post", "Ridge"]["predictivity"]


def test_pre_linear_softplus_best_on_post_softplus(softplus):
    best = softplus["post", "Pre Linear Softplus"]["predictivity"]
    for name in ("Ridge", "LinearNonlinear", "LinearSoftplus"):
        assert best > softplus["post", name]["predictivity"]


def test_linear_softplus_at_least_ridge_on_post_softplus(softplus):
    assert softplus["post", "LinearSoftplus"]["predictivity"] >= \
        softplus["post", "Ridge"]["predictivity"]


@pytest.mark.xfail(strict=True, reason=(
    "measured: LinearNonlinear's median R² on post-softplus responses is below "
    "Ridge's (0.739 vs 0.770 with 5 folds)"))
def test_linear_nonlinear_at_least_ridge_on_post_softplus(softplus):
    assert softplus["post", "LinearNonlinear"]["predictivity"] >= \
        softplus["post", "Ridge"]["predictivity"]
