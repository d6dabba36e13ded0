"""
Choosing a transform class by specificity
=========================================

Simulate a population of small convolutional networks trained from different seeds
(layers play the role of brain areas; the recorded units are each layer's central
hypercolumn), fit every transform class between every pair of (subject, area) profiles,
and let ``GridSearchCV`` pick the class with the highest silhouette of areas while also
reporting same-area predictivity.
"""

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_brainmap import OneToOne, Ridge
from sklearn_brainmap.datasets import make_model_population
from sklearn_brainmap.metrics import rsa_score
from sklearn_brainmap.model_selection import (PairwiseMapping, compare_transform_classes,
                                              population_scorer)
from sklearn_brainmap.plotting import ComparisonDisplay, SimilarityMatrixDisplay
from sklearn_brainmap.utils import ConstantUnitWarning

pop = make_model_population(n_subjects=4, n_stimuli=300, random_state=0)
print(pop.DESCR)
print("receptive fields (pixels):", pop.receptive_field)

# %%
# Post-activation (ReLU) units can be silent — constant — on the stimuli of a fold.
# Such a unit has no variance to predict, so the transform classes exclude it as a
# target and say so with a :class:`~sklearn_brainmap.utils.ConstantUnitWarning` (one
# per fit and per scoring). That is expected here: we record the warnings and print
# one line about them instead of a block per fold.
search = GridSearchCV(
    PairwiseMapping(Ridge(cv=None), subjects=pop.subjects, areas=pop.areas),
    {"estimator": [Ridge(cv=None), OneToOne()]},
    scoring=population_scorer, refit="silhouette",
    cv=KFold(3, shuffle=True, random_state=0))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConstantUnitWarning)
    search.fit(pop.post)        # post-activation (ReLU) responses
silent = [w for w in caught if issubclass(w.category, ConstantUnitWarning)]
print(f"{len(silent)} ConstantUnitWarnings (silent units excluded per fold)")
for params, sil, pred in zip(search.cv_results_["params"],
                             search.cv_results_["mean_test_silhouette"],
                             search.cv_results_["mean_test_predictivity"]):
    print(f"{type(params['estimator']).__name__:>10}: silhouette {sil:.3f}, "
          f"same-area predictivity {pred:.3f}")
print("chosen:", search.best_params_["estimator"])

# %%
# The similarity matrix of the chosen class, profiles grouped by area (here on the
# stimuli it was refitted on: an illustration, not a held-out score).
mapping = search.best_estimator_
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConstantUnitWarning)  # as above
    SimilarityMatrixDisplay.from_estimator(mapping, pop.post)

# %%
# The same question for several classes and both recordings at once: the papers'
# comparison, with the MDS embedding of Ridge's profiles.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConstantUnitWarning)  # as above
    result = compare_transform_classes(
        {"Ridge": Ridge(cv=None), "OneToOne": OneToOne(), "RSA": rsa_score}, pop,
        cv=KFold(3, shuffle=True, random_state=0))
for row in result.summary():
    predictivity = row["predictivity"]
    predictivity = "  n/a" if predictivity is None else f"{predictivity:.3f}"
    print(f"{row['responses']:>4} {row['transform_class']:>8}: predictivity "
          f"{predictivity}, silhouette {row['silhouette']:.3f}")
ComparisonDisplay.from_result(result)
plt.show()
