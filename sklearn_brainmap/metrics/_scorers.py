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

_DOC = """{title}

``scorer(estimator, X, y) -> float``: predicts ``y`` from ``X`` with the fitted
``estimator`` and returns ``{formula}`` over the target units (columns of ``y``),
higher is better; units whose score is undefined (constant on these stimuli) are
left out with a :class:`~sklearn_brainmap.utils.ConstantUnitWarning`. Pass it as
``scoring=`` to :func:`~sklearn.model_selection.cross_val_score`,
:class:`~sklearn.model_selection.GridSearchCV` and the like.

It is ``make_scorer({function}, multioutput="{multioutput}")``; see :func:`{function}`.

Examples
--------
>>> import numpy as np
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn_brainmap import Ridge
>>> from sklearn_brainmap.metrics import {name}
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((60, 8))
>>> Y = X @ rng.standard_normal((8, 5)) + 0.1 * rng.standard_normal((60, 5))
>>> bool(cross_val_score(Ridge(cv=None), X, Y, cv=3, scoring={name}).min() > 0.9)
True
"""


def _documented(scorer, name, title, formula, function, multioutput):
    # a scorer is an instance of scikit-learn's _Scorer: its own __doc__ is what
    # help() and the API reference show
    scorer.__doc__ = _DOC.format(title=title, formula=formula, function=function,
                                 multioutput=multioutput, name=name)
    return scorer


median_r2_scorer = _documented(
    make_scorer(r2_score, multioutput="median"), "median_r2_scorer",
    "Median over target units of the held-out R² (coefficient of determination).",
    "median_j R²_j, R²_j = 1 − Σ_i (y_ij − ŷ_ij)² / Σ_i (y_ij − ȳ_j)²", "r2_score",
    "median")
median_pearson_r_scorer = _documented(
    make_scorer(pearson_r_score, multioutput="median"), "median_pearson_r_scorer",
    "Median over target units of the held-out Pearson correlation.",
    "median_j corr(y_j, ŷ_j)", "pearson_r_score", "median")
mean_pearson_r_scorer = _documented(
    make_scorer(pearson_r_score, multioutput="uniform_average"), "mean_pearson_r_scorer",
    "Mean over target units of the held-out Pearson correlation.",
    "mean_j corr(y_j, ŷ_j)", "pearson_r_score", "uniform_average")
