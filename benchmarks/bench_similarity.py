"""CKA, Procrustes and RSA on large response matrices: time and peak memory.

The point of these rows is memory: every measure is computed without an array larger
than it needs. Tall data (10,000 stimuli × 5,000 and 4,000 units, 0.4 + 0.3 GB):
CKA in feature space (arrays of units × units) against the Gram-matrix form (stimuli ×
stimuli); Procrustes from the singular values of ``X_cᵀY_c`` against the orthogonal
Procrustes route (full SVD with singular vectors, rotate, compare); RSA from condensed
RDMs built in blocks against ``np.corrcoef`` on the rows, ``np.triu_indices`` and
``scipy.stats.spearmanr``. Wide data (2,000 stimuli × 10,000 and 8,000 units): CKA via
Gram matrices against the feature-space formula, and Procrustes through ``U Λ^½`` from
each input's Gram matrix against the QR factor of ``X_cᵀ`` (exact as well; the direct
``X_cᵀY_c`` of 10,000 × 8,000 and its SVD would take far longer).
"""

from functools import partial

import numpy as np
from scipy import stats

from _harness import Comparison

TALL = (10_000, 5_000, 4_000)
WIDE = (2_000, 10_000, 8_000)
QUICK_TALL = (1_500, 600, 500)
QUICK_WIDE = (300, 1_500, 1_200)


def make_pair(n, p_x, p_y, seed=0):
    """Two representations sharing 30 latent dimensions, with private noise."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, 30))
    X = latent @ rng.standard_normal((30, p_x)) / 5 + rng.standard_normal((n, p_x))
    Y = np.tanh(latent @ rng.standard_normal((30, p_y)) / 5) + rng.standard_normal((n, p_y))
    return X, Y


def cka_gram_form(X, Y):
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    K, L = Xc @ Xc.T, Yc @ Yc.T
    return float(np.vdot(K, L) / (np.linalg.norm(K) * np.linalg.norm(L)))


def cka_feature_form(X, Y):
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    return float(np.linalg.norm(Xc.T @ Yc) ** 2
                 / (np.linalg.norm(Xc.T @ Xc) * np.linalg.norm(Yc.T @ Yc)))


def procrustes_by_rotation(X, Y):
    """The orthogonal Procrustes route: best rotation from a full SVD, then the cosine."""
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    U, _, Vt = np.linalg.svd(Xc.T @ Yc, full_matrices=False)
    R = (U @ Vt).T                       # (p_y, p_x): Y_c R best matches X_c
    return float(np.vdot(Xc, Yc @ R) / (np.linalg.norm(Xc) * np.linalg.norm(Yc)))


def procrustes_by_qr(X, Y):
    """Each wide input replaced by ``Rᵀ`` from ``A_cᵀ = Q R`` (same Gram matrix)."""
    Bx = np.linalg.qr((X - X.mean(0)).T, mode="r").T
    By = np.linalg.qr((Y - Y.mean(0)).T, mode="r").T
    nuclear = np.linalg.svd(Bx.T @ By, compute_uv=False).sum()
    return float(nuclear / (np.linalg.norm(Bx) * np.linalg.norm(By)))


def rsa_naive(X, Y):
    rows = np.triu_indices(X.shape[0], k=1)
    a = (1 - np.corrcoef(X))[rows]
    b = (1 - np.corrcoef(Y))[rows]
    return float(stats.spearmanr(a, b).statistic)


def _agree(ours, theirs):
    def check(results):
        diff = abs(results[ours] - results[theirs])
        if diff > 1e-8 * max(1.0, abs(results[theirs])):
            raise AssertionError(f"{ours} = {results[ours]!r}, {theirs} = {results[theirs]!r}")
        return f"value {results[ours]:.10f}, abs. diff. {diff:.0e}"
    return check


def _value(ours):
    return lambda results: f"value {results[ours]:.10f}"


def comparisons(quick):
    from sklearn_brainmap.metrics import cka_score, procrustes_score, rsa_score

    n, p_x, p_y = QUICK_TALL if quick else TALL
    X, Y = make_pair(n, p_x, p_y)
    tall = f"{n} stimuli × ({p_x}, {p_y}) units"
    out = [
        Comparison("Linear CKA (biased)", tall, "cka_score (feature space)",
                   {"cka_score (feature space)": partial(cka_score, X, Y),
                    "Gram-matrix form": partial(cka_gram_form, X, Y)},
                   check=_agree("cka_score (feature space)", "Gram-matrix form")),
        Comparison("Linear CKA (debiased)", tall, "cka_score(debiased=True)",
                   {"cka_score(debiased=True)": partial(cka_score, X, Y, debiased=True)},
                   check=_value("cka_score(debiased=True)")),
        Comparison("Procrustes (normalized Bures similarity)", tall, "procrustes_score",
                   {"procrustes_score": partial(procrustes_score, X, Y),
                    "orthogonal Procrustes route": partial(procrustes_by_rotation, X, Y)},
                   check=_agree("procrustes_score", "orthogonal Procrustes route")),
        Comparison("RSA (correlation RDM, Spearman)", tall, "rsa_score",
                   {"rsa_score": partial(rsa_score, X, Y),
                    "corrcoef + triu_indices + spearmanr": partial(rsa_naive, X, Y)},
                   check=_agree("rsa_score", "corrcoef + triu_indices + spearmanr")),
    ]
    del X, Y
    n, p_x, p_y = QUICK_WIDE if quick else WIDE
    X, Y = make_pair(n, p_x, p_y, seed=1)
    wide = f"{n} stimuli × ({p_x}, {p_y}) units"
    out += [
        Comparison("Linear CKA (biased)", wide, "cka_score (Gram form)",
                   {"cka_score (Gram form)": partial(cka_score, X, Y),
                    "feature-space formula": partial(cka_feature_form, X, Y)},
                   check=_agree("cka_score (Gram form)", "feature-space formula")),
        Comparison("Procrustes (normalized Bures similarity)", wide,
                   "procrustes_score (Gram factors)",
                   {"procrustes_score (Gram factors)": partial(procrustes_score, X, Y),
                    "QR factors of X_cᵀ, Y_cᵀ": partial(procrustes_by_qr, X, Y)},
                   check=_agree("procrustes_score (Gram factors)",
                                "QR factors of X_cᵀ, Y_cᵀ")),
    ]
    return out
