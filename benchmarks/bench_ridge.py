"""Ridge with per-target penalty selection: ours versus scikit-learn and himalaya.

Rows: 20 penalties (1e-2 … 1e7), intercept fitted, one penalty per target.
K-fold (5 folds, the same unshuffled folds for everyone): ours, himalaya ``RidgeCV`` and
``KernelRidgeCV``. Leave-one-out: ours and scikit-learn ``RidgeCV(alpha_per_target=True)``.
The floor is the irreducible work: one SVD of ``X`` and one product ``X @ W``.
"""

import numpy as np
from sklearn.model_selection import KFold

from _harness import Comparison

ALPHAS = np.logspace(-2, 7, 20)
SIZES = [(118, 1000, 50), (1000, 1000, 1000), (1000, 4000, 10000)]
QUICK_SIZES = [(118, 1000, 50), (300, 600, 400)]


def make_data(n, p, t, seed=0):
    """Correlated features (a decaying spectrum, like a network layer) and targets with
    a range of signal-to-noise ratios."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, 50))
    X = latent @ rng.standard_normal((50, p)) / 7 + rng.standard_normal((n, p))
    W = rng.standard_normal((p, t)) / np.sqrt(p)
    noise = rng.uniform(0.2, 5.0, t)
    Y = X @ W + noise * rng.standard_normal((n, t)) + 1.0
    return X, Y


def _fit(estimator, X, Y):
    """A contender that fits a fresh clone of ``estimator`` (arguments bound now)."""
    from sklearn.base import clone
    return lambda: clone(estimator).fit(X, Y)


def _ours(X, Y, cv, selection_dtype=None):
    from sklearn_brainmap import Ridge
    return _fit(Ridge(alpha=ALPHAS, cv=cv, selection_dtype=selection_dtype), X, Y)


def _floor(X, Y):
    W = np.random.default_rng(1).standard_normal((X.shape[1], Y.shape[1]))

    def floor():
        np.linalg.svd(X, full_matrices=False)
        return X @ W
    return floor


def _agreement(ours_name, theirs_name, alpha_attr, coef_t, single=None):
    def check(results):
        ours, theirs = results[ours_name], results[theirs_name]
        note = ""
        if single is not None:
            f32 = results[single]
            chosen = np.searchsorted(ours.alphas_, f32.alpha_ * (1 - 1e-9))
            regret = (np.nanmax(ours.cv_scores_, axis=0)
                      - ours.cv_scores_[chosen, np.arange(chosen.size)])
            note = (f"; float32 selection: the float64 choice for "
                    f"{np.mean(f32.alpha_ == ours.alpha_):.2%} of targets, held-out R² "
                    f"of its choices within {np.nanmax(regret):.0e} of the best")
        a_ours = np.asarray(ours.alpha_)
        a_theirs = np.asarray(getattr(theirs, alpha_attr))
        same = np.mean(np.isclose(a_ours, a_theirs, rtol=1e-6))
        coef_theirs = np.asarray(theirs.coef_)
        coef_theirs = coef_theirs.T if coef_t else coef_theirs
        match = np.isclose(a_ours, a_theirs, rtol=1e-6)
        diff = np.abs(ours.coef_[match] - coef_theirs[match]).max() if match.any() else np.nan
        scale = np.abs(coef_theirs).max()
        return (f"same penalty as {theirs_name} for {same:.1%} of targets; "
                f"max rel. |Δcoef| on those {diff / scale:.1e}{note}")
    return check


def comparisons(quick):
    from sklearn.linear_model import RidgeCV as SkRidgeCV

    out = []
    for n, p, t in QUICK_SIZES if quick else SIZES:
        X, Y = make_data(n, p, t)
        folds = KFold(5)
        contenders = {"ours (5-fold)": _ours(X, Y, folds),
                      "ours (5-fold, float32 selection)": _ours(X, Y, folds, "float32")}
        traced = ["ours (5-fold)", "ours (5-fold, float32 selection)"]
        try:
            from himalaya.kernel_ridge import KernelRidgeCV
            from himalaya.ridge import RidgeCV as HimRidgeCV
            contenders["himalaya RidgeCV"] = _fit(
                HimRidgeCV(alphas=ALPHAS, cv=folds, fit_intercept=True), X, Y)
            contenders["himalaya KernelRidgeCV"] = _fit(
                KernelRidgeCV(alphas=ALPHAS, cv=folds, fit_intercept=True), X, Y)
            traced += ["himalaya RidgeCV", "himalaya KernelRidgeCV"]
            check = _agreement("ours (5-fold)", "himalaya RidgeCV", "best_alphas_", True,
                               single="ours (5-fold, float32 selection)")
        except ImportError:
            check = None
        contenders["floor: SVD + X @ W"] = _floor(X, Y)
        size = f"({n}, {p}, {t})"
        out.append(Comparison("Ridge, 20 penalties, per-target selection, 5-fold", size,
                              "ours (5-fold)", contenders, check=check,
                              floor="floor: SVD + X @ W", memory=tuple(traced)))
        contenders = {
            "ours (leave-one-out)": _ours(X, Y, None),
            "ours (leave-one-out, float32 selection)": _ours(X, Y, None, "float32"),
            "scikit-learn RidgeCV": _fit(SkRidgeCV(alphas=ALPHAS, alpha_per_target=True),
                                         X, Y),
            "floor: SVD + X @ W": _floor(X, Y),
        }
        out.append(Comparison(
            "Ridge, 20 penalties, per-target selection, leave-one-out", size,
            "ours (leave-one-out)", contenders,
            check=_agreement("ours (leave-one-out)", "scikit-learn RidgeCV", "alpha_", False,
                             single="ours (leave-one-out, float32 selection)"),
            floor="floor: SVD + X @ W",
            memory=("ours (leave-one-out)", "ours (leave-one-out, float32 selection)",
                    "scikit-learn RidgeCV")))
    return out
