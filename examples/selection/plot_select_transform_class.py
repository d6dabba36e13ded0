"""
Choosing a transform class by specificity
=========================================

Simulate a population of networks trained from different seeds (layers play the role
of brain areas), fit every transform class between every pair of (subject, area)
profiles, and let ``GridSearchCV`` pick the class with the highest silhouette of areas
while also reporting same-area predictivity.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_brainmap import OneToOne, Ridge
from sklearn_brainmap.datasets import make_model_population
from sklearn_brainmap.model_selection import (PairwiseMapping, predictivity_scorer,
                                              silhouette_scorer)

pop = make_model_population(n_subjects=4, hidden=(64, 64, 64), n_neurons=30,
                            n_stimuli=300, n_epochs=20, random_state=0)
print(pop.DESCR)

# %%
search = GridSearchCV(
    PairwiseMapping(Ridge(cv=None), subjects=pop.subjects, areas=pop.areas),
    {"estimator": [Ridge(cv=None), OneToOne()]},
    scoring={"silhouette": silhouette_scorer, "predictivity": predictivity_scorer},
    refit="silhouette", cv=KFold(3, shuffle=True, random_state=0))
search.fit(pop.pre)
for params, sil, pred in zip(search.cv_results_["params"],
                             search.cv_results_["mean_test_silhouette"],
                             search.cv_results_["mean_test_predictivity"]):
    print(f"{type(params['estimator']).__name__:>10}: silhouette {sil:.3f}, "
          f"same-area predictivity {pred:.3f}")
print("chosen:", search.best_params_["estimator"])

# %%
# The held-out similarity matrix of the chosen class, profiles ordered by area.
mapping = search.best_estimator_
matrix = mapping.similarity_matrix(pop.pre)
order = np.argsort(mapping.profile_areas_, kind="stable")
fig, ax = plt.subplots(figsize=(4.5, 4))
image = ax.imshow(matrix[np.ix_(order, order)], cmap="viridis")
ax.set_xticks(range(len(order)), mapping.profile_areas_[order], rotation=90, fontsize=6)
ax.set_yticks(range(len(order)), mapping.profile_areas_[order], fontsize=6)
fig.colorbar(image, label="similarity (median R²)")
fig.tight_layout()
