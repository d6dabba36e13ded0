"""The user stories of the design notes (api.md), run as written."""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_brainmap import (LinearNonlinear, LinearSoftplus, LogisticRidge,  # noqa: F401
                              OneToOne, Ridge, SoftMatching)
from sklearn_brainmap.datasets import make_model_population
from sklearn_brainmap.model_selection import (PairwiseMapping, predictivity_scorer,
                                              silhouette_scorer)


def test_story_1_model_to_brain_in_a_pipeline():
    rng = np.random.default_rng(0)
    latent = rng.standard_normal((200, 20))          # what the stimuli vary in
    features = latent @ rng.standard_normal((20, 300)) + 0.5 * rng.standard_normal((200, 300))
    neural = latent @ rng.standard_normal((20, 30)) + rng.standard_normal((200, 30))
    scores = cross_val_score(make_pipeline(PCA(50), Ridge()), features, neural,
                             cv=KFold(5, shuffle=True, random_state=0))
    assert scores.shape == (5,) and np.all(scores > 0.3)


def test_story_2_choose_the_transform_class_by_specificity():
    pop = make_model_population(n_subjects=5, random_state=0)       # simulated subjects
    mapping = PairwiseMapping(Ridge(), subjects=pop.subjects, areas=pop.areas)
    search = GridSearchCV(
        mapping,
        {"estimator": [Ridge(), SoftMatching(), OneToOne(), LinearSoftplus()]},
        scoring={"silhouette": silhouette_scorer, "predictivity": predictivity_scorer},
        refit="silhouette", cv=KFold(5, shuffle=True, random_state=0))
    search.fit(pop.post)            # (n_stimuli, n_units_total); pop.pre for pre-activation
    best = search.best_params_["estimator"]
    sil = search.cv_results_["mean_test_silhouette"]
    assert type(best) is type(search.cv_results_["params"][int(np.argmax(sil))]["estimator"])
    pred = search.cv_results_["mean_test_predictivity"]
    assert pred[0] > pred[1] and pred[0] > pred[2]   # Ridge out-predicts the matchings
