"""Ready-made scorers for ``scoring=`` in scikit-learn's model-selection tools.

``median_r2_scorer`` and ``median_pearson_r_scorer`` score a fitted mapping on held-out
stimuli by the median over target units of :func:`r2_score` and
:func:`pearson_r_score` (undefined targets left out, with a warning), the summary
the model-brain literature reports. ``mean_pearson_r_scorer`` takes the mean.
They are callables ``scorer(estimator, X, y) -> float``, higher is better.

Examples
--------
>>> import numpy as np
>>> from sklearn.model_selection import KFold, cross_val_score
>>> from sklearn_brainmap import Ridge
>>> from sklearn_brainmap.metrics import median_pearson_r_scorer, median_r2_scorer
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((60, 8))
>>> Y = X @ rng.standard_normal((8, 5)) + 0.1 * rng.standard_normal((60, 5))
>>> cv = KFold(3, shuffle=True, random_state=0)
>>> scores = cross_val_score(Ridge(cv=None), X, Y, cv=cv, scoring=median_r2_scorer)
>>> scores.shape, bool(scores.min() > 0.95)
((3,), True)
>>> bool(median_pearson_r_scorer(Ridge(cv=None).fit(X, Y), X, Y) > 0.99)
True
"""

from sklearn.metrics import make_scorer

from ._regression import pearson_r_score, r2_score

median_r2_scorer = make_scorer(r2_score, multioutput="median")
median_pearson_r_scorer = make_scorer(pearson_r_score, multioutput="median")
mean_pearson_r_scorer = make_scorer(pearson_r_score, multioutput="uniform_average")
