"""SoftMatching and the soft matching score versus what a user would write with POT.

Rows (1000 stimuli): ``SoftMatching().fit`` and ``soft_matching_score`` against the
z-scored correlation cost matrix followed by bare ``ot.emd`` (uniform marginals, an
iteration cap large enough to reach the optimum; POT's default cap of 100,000 is shown
separately because it stops early from about 4000 × 4000 units). The agreement column
compares the transport objectives ``Σ P_ij C_ij`` on the same cost matrix. Equal sizes
(500, 2000, 4000) and unequal sizes (3000 × 2000: network simplex for both; 4000 × 2000:
an assignment for us). The entropic option: objective gap and time of Sinkhorn versus
the exact plan at several relative regularisations.
"""

import warnings
from functools import partial

import numpy as np

from _harness import Comparison

N_STIMULI = 1000
EQUAL = [500, 2000, 4000]
UNEQUAL = [(3000, 2000), (4000, 2000)]
QUICK_EQUAL = [300]
QUICK_UNEQUAL = [(300, 200)]
SINKHORN_REGS = (0.05, 0.02, 0.01)
EMD_MAX_ITER = 10**7


def make_populations(n_x, n_y, n=N_STIMULI, seed=0):
    """Two populations driven by 50 shared latent variables plus private noise."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, 50))
    X = latent @ rng.standard_normal((50, n_x)) / 7 + rng.standard_normal((n, n_x))
    Y = latent @ rng.standard_normal((50, n_y)) / 7 + rng.standard_normal((n, n_y))
    return X, Y


def cost_matrix(X, Y):
    """``1 − corr`` between the columns, the way one would write it with NumPy."""
    Zx = (X - X.mean(0)) / X.std(0)
    Zy = (Y - Y.mean(0)) / Y.std(0)
    return 1.0 - Zx.T @ Zy / X.shape[0]


def _bare_emd(X, Y, num_iter_max=EMD_MAX_ITER, score=False):
    """Cost matrix, then ``ot.emd``; returns the plan (or the score ``1 − Σ P C``)."""
    import ot

    def run():
        C = cost_matrix(X, Y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "numItermax reached"
            P = ot.emd(np.full(C.shape[0], 1 / C.shape[0]),
                       np.full(C.shape[1], 1 / C.shape[1]), C, numItermax=num_iter_max)
        return 1.0 - float(np.vdot(P, C)) if score else P
    return run


def _fit(X, Y, **params):
    from sklearn_brainmap import SoftMatching
    return lambda: SoftMatching(**params).fit(X, Y)


def _score(X, Y):
    from sklearn_brainmap.metrics import soft_matching_score
    return lambda: soft_matching_score(X, Y)


def _plan(result):
    return getattr(result, "transport_plan_", result)


def _objective_check(C, ours, exact_name, others=()):
    def check(results):
        best = np.vdot(_plan(results[exact_name]), C)
        mine = np.vdot(_plan(results[ours]), C)
        if abs(mine - best) > 1e-12:
            raise AssertionError(f"objective {mine!r} differs from {exact_name}'s {best!r}")
        parts = [f"objective {mine:.12f}, abs. diff. vs {exact_name} {abs(mine - best):.0e}"]
        for name in others:
            parts.append(f"{name}: {100 * (np.vdot(_plan(results[name]), C) / best - 1):+.3f} %")
        return "; ".join(parts)
    return check


def _score_check(ours, theirs):
    def check(results):
        diff = abs(results[ours] - results[theirs])
        if diff > 1e-12:
            raise AssertionError(f"scores differ by {diff:.1e}")
        return f"score {results[ours]:.12f}, abs. diff. {diff:.0e}"
    return check


def _sinkhorn_check(C, exact_name):
    def check(results):
        best = np.vdot(results[exact_name].transport_plan_, C)
        parts = []
        for name, model in results.items():
            if name != exact_name:
                gap = np.vdot(model.transport_plan_, C) / best - 1
                parts.append(f"{name}: gap {100 * gap:+.2f} %, {model.n_iter_} it.")
        return "; ".join(parts)
    return check


def _fit_sinkhorn(X, Y, reg):
    fit = _fit(X, Y, method="sinkhorn", reg=reg)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # non-convergence shows in the iterations
            return fit()
    return run


def comparisons(quick):
    out = []
    equal = QUICK_EQUAL if quick else EQUAL
    unequal = QUICK_UNEQUAL if quick else UNEQUAL
    shapes = [(n, n) for n in equal] + list(unequal)
    for n_x, n_y in shapes:
        X, Y = make_populations(n_x, n_y)
        C = cost_matrix(X, Y)
        size = f"{n_x} × {n_y}"
        contenders = {
            "SoftMatching().fit": _fit(X, Y),
            "cost matrix + ot.emd": _bare_emd(X, Y),
            "cost matrix + ot.emd, default numItermax": _bare_emd(X, Y, 100_000),
            "cost matrix alone": partial(cost_matrix, X, Y),
        }
        out.append(Comparison(
            "SoftMatching.fit vs cost matrix + POT ot.emd (1000 stimuli)", size,
            "SoftMatching().fit", contenders,
            check=_objective_check(C, "SoftMatching().fit", "cost matrix + ot.emd",
                                   ["cost matrix + ot.emd, default numItermax"]),
            floor="cost matrix alone"))
        out.append(Comparison(
            "soft_matching_score vs cost matrix + POT ot.emd (1000 stimuli)", size,
            "soft_matching_score", {"soft_matching_score": _score(X, Y),
                                    "cost matrix + ot.emd": _bare_emd(X, Y, score=True)},
            check=_score_check("soft_matching_score", "cost matrix + ot.emd")))
    for n in equal:
        X, Y = make_populations(n, n)
        contenders = {"exact (SoftMatching)": _fit(X, Y)}
        for reg in SINKHORN_REGS:
            contenders[f"sinkhorn reg={reg}"] = _fit_sinkhorn(X, Y, reg)
        out.append(Comparison(
            "SoftMatching: entropic (Sinkhorn) vs exact, objective gap and time "
            "(1000 stimuli, reg relative to the cost range, tol=1e-6, max_iter=1000)",
            f"{n} × {n}", "exact (SoftMatching)", contenders,
            check=_sinkhorn_check(cost_matrix(X, Y), "exact (SoftMatching)")))
    return out
