"""Banded ridge with per-target random search: ours versus himalaya ``GroupRidgeCV``.

Rows: 3 or 4 bands, 20 penalties (1e-2 … 1e7), intercept fitted, the same unshuffled
5 folds and the same candidate band scalings for both (equal weights plus Dirichlet
draws, concentrations 0.1 and 1 in turn, given to both as an array; no corners: himalaya
scales ``X`` in place by ``√γ`` and back by ``1/√γ``, which a zero scaling turns into
NaN). Agreement: the chosen candidate and penalty, and held-out R² on 200 stimuli
that neither saw (median over targets).

Usage::

    python benchmarks/run.py banded_ridge              # CPU rows, full sizes
    python benchmarks/run.py banded_ridge --quick      # tiny sizes (smoke test)
    python benchmarks/bench_banded_ridge.py --gpu      # PyTorch rows (CUDA if seen)
"""

import sys

import numpy as np
from sklearn.model_selection import KFold

from _harness import Comparison

ALPHAS = np.logspace(-2, 7, 20)
N_ITER = 20  # Dirichlet draws (plus the equal weights): 21 candidates
SIZES = [(750, (300, 300, 300), 1000), (1000, (1000, 1000, 1000, 1000), 10000)]
QUICK_SIZES = [(60, (10, 10, 10), 20), (40, (30, 30), 50)]
N_TEST = 200


def make_data(n, widths, t, seed=0):
    """Bands of unit scale (as himalaya's users standardise them) and different
    relevance: band b carries signal for a share 1/(b+1) of the targets. Returns
    training and held-out data and the band of each feature."""
    rng = np.random.default_rng(seed)
    m = n + N_TEST
    blocks, signal = [], np.zeros((m, t))
    for b, width in enumerate(widths):
        latent = rng.standard_normal((m, 20))
        Xb = latent @ rng.standard_normal((20, width)) / 4 + rng.standard_normal((m, width))
        relevant = rng.uniform(size=t) < 1.0 / (b + 1)
        W = rng.standard_normal((width, t)) / np.sqrt(width) * relevant
        signal += Xb @ W
        blocks.append(Xb)
    X = np.hstack(blocks)
    Y = signal + rng.uniform(0.5, 3.0, t) * rng.standard_normal((m, t)) + 1.0
    band = np.repeat(np.arange(len(widths)), widths)
    return X[:n], Y[:n], X[n:], Y[n:], band


def candidates(n_bands, seed=0):
    rng = np.random.default_rng(seed)
    draws = [rng.dirichlet(np.full(n_bands, c), N_ITER // 2) for c in (0.1, 1.0)]
    return np.vstack([np.full((1, n_bands), 1.0 / n_bands)] + draws)


def _ours(X, Y, band, gammas, folds, xp=None, selection_dtype=None):
    from sklearn_brainmap import BandedRidge

    model = BandedRidge(bands=band, alpha=ALPHAS, cv=folds, n_iter=gammas,
                        normalize_bands=False, selection_dtype=selection_dtype)
    if xp is None:
        return lambda: model.fit(X, Y)
    return lambda: model.fit(xp(X), xp(Y))


def _himalaya(X, Y, band, gammas, folds, backend="numpy", to=None):
    def fit():
        import warnings

        from himalaya.backend import set_backend
        from himalaya.ridge import GroupRidgeCV

        set_backend(backend, on_error="raise")
        model = GroupRidgeCV(groups=band, cv=folds, fit_intercept=True, solver_params=dict(
            n_iter=gammas, alphas=ALPHAS, progress_bar=False))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # its advice for n < p
            out = model.fit(X if to is None else to(X), Y if to is None else to(Y))
        set_backend("numpy")
        return out
    return fit


def _host(a):
    return a.cpu().numpy() if hasattr(a, "cpu") else np.asarray(a)


def _check(ours_name, theirs_name, X_test, Y_test):
    from sklearn_brainmap.metrics import r2_score

    def check(results):
        ours, theirs = results[ours_name], results[theirs_name]
        coef_o, coef_t = _host(ours.coef_), _host(theirs.coef_).T
        int_o, int_t = _host(ours.intercept_), _host(theirs.intercept_)
        r2_o = r2_score(Y_test, X_test @ coef_o.T + int_o, multioutput="median")
        r2_t = r2_score(Y_test, X_test @ coef_t.T + int_t, multioutput="median")
        deltas = np.log(_host(ours.band_scalings_) / _host(ours.alpha_))
        same = np.all(np.isclose(deltas, _host(theirs.deltas_), rtol=1e-5, atol=1e-8),
                      axis=0).mean()
        return (f"same (γ, α) as {theirs_name} for {same:.1%} of targets; held-out "
                f"median R² ours {r2_o:.4f}, theirs {r2_t:.4f}")
    return check


def comparisons(quick):
    out = []
    for n, widths, t in QUICK_SIZES if quick else SIZES:
        X, Y, X_test, Y_test, band = make_data(n, widths, t)
        gammas = candidates(len(widths))
        folds = KFold(5)
        contenders = {"ours": _ours(X, Y, band, gammas, folds),
                      "ours (float32 selection)": _ours(X, Y, band, gammas, folds,
                                                        selection_dtype="float32")}
        check = None
        try:
            import himalaya  # noqa: F401
            contenders["himalaya GroupRidgeCV"] = _himalaya(X, Y, band, gammas, folds)
            check = _check("ours", "himalaya GroupRidgeCV", X_test, Y_test)
        except ImportError:
            pass
        size = f"({n}, {len(widths)}×{widths[0]}, {t})"
        out.append(Comparison(
            f"Banded ridge, {len(gammas)} band scalings × 20 penalties, per target, 5-fold",
            size, "ours", contenders, check=check, memory=True))
    return out


def gpu_comparisons(quick):
    """The same rows on PyTorch (CUDA when available), float32: ours under array-API
    dispatch, himalaya with its torch backend. Prepared for a lent GPU; not run here."""
    import sklearn
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    def to(A):
        return torch.asarray(np.asarray(A, dtype=np.float32), device=device)

    out = []
    for n, widths, t in QUICK_SIZES if quick else SIZES:
        X, Y, X_test, Y_test, band = make_data(n, widths, t)
        gammas = candidates(len(widths))
        folds = list(KFold(5).split(X))
        fit_ours = _ours(X, Y, band, gammas, folds, xp=to)

        def ours(fit_ours=fit_ours):
            with sklearn.config_context(array_api_dispatch=True):
                model = fit_ours()
            sync()
            return model

        fit_theirs = _himalaya(X, Y, band, gammas, folds,
                               backend="torch_cuda" if device == "cuda" else "torch",
                               to=to)

        def theirs(fit_theirs=fit_theirs):
            model = fit_theirs()
            sync()
            return model

        out.append(Comparison(
            f"Banded ridge on {device} (float32), {len(gammas)} scalings × 20 penalties",
            f"({n}, {len(widths)}×{widths[0]}, {t})", "ours, torch",
            {"ours, torch": ours, "himalaya GroupRidgeCV, torch": theirs},
            check=_check("ours, torch", "himalaya GroupRidgeCV, torch", X_test, Y_test),
            memory=False))
    return out


if __name__ == "__main__":
    import os

    os.environ.setdefault("SCIPY_ARRAY_API", "1")
    from _harness import machine_info, markdown, run

    quick = "--quick" in sys.argv
    rows = gpu_comparisons(quick) if "--gpu" in sys.argv else comparisons(quick)
    for comparison in rows:
        run(comparison)
    print(machine_info())
    print(markdown(rows))
