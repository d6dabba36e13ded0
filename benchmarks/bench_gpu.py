"""Array-API dispatch on PyTorch: ours versus himalaya's torch backend and scikit-learn's
array-API ``RidgeCV``, on one device in one run (issue 16).

``python benchmarks/run.py gpu`` runs on CUDA when PyTorch sees a GPU, else on the CPU
(the device is in the report's header and in every row's title). Every contender
gets the same float32 tensors on that device; GPU timings synchronise the device
before the clock stops. Rows:

- Ridge, 20 penalties, one per target: 5-fold (ours; himalaya ``RidgeCV`` with the same
  folds and grid) and leave-one-out (ours; scikit-learn ``RidgeCV(alpha_per_target=True)``
  under ``array_api_dispatch``), at (1000, 4000, 10000) and (5000, 4000, 100000);
  ``--quick``: (300, 600, 400) and (1000, 1000, 1000). Ours on NumPy (float32, this
  machine's CPU) is a row at the smaller size.
- CKA, Procrustes, RSA at 10,000 stimuli × (5,000, 4,000) units (``--quick``: 2,000 ×
  (1,000, 800)): ours on the device against ours on NumPy.
- The 180-profile population (30 subjects × 6 areas × 118 stimuli × 50 units),
  ``PairwiseMapping(Ridge(cv=None))``, one 5-fold split: device against NumPy.

On CUDA the agreement column also gives the peak GPU memory of ours and himalaya
(``torch.cuda.max_memory_allocated`` above the inputs) over inputs + outputs
(``X``, ``Y``, ``coef_``). ``tracemalloc`` does not see PyTorch's allocations, so the
peak-memory column is left empty for tensor contenders.
"""

import os
import platform

import numpy as np
from sklearn.model_selection import KFold

from _harness import Comparison

ALPHAS = np.logspace(-2, 7, 20)
SIZES = [(1000, 4000, 10000), (5000, 4000, 100000)]
QUICK_SIZES = [(300, 600, 400), (1000, 1000, 1000)]
SIMILARITY = (10000, 5000, 4000)
QUICK_SIMILARITY = (2000, 1000, 800)


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def device_name():
    torch = _torch()
    return "cuda" if torch is not None and torch.cuda.is_available() else "cpu"


def header():
    """Device, driver and library versions, for the report's header."""
    torch = _torch()
    lines = []
    if torch is None:
        return "- PyTorch: not installed (the gpu suite has no rows)"
    lines.append(f"- PyTorch {torch.__version__}, device: {device_name()}")
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        lines.append(f"- GPU: {props.name}, {props.total_memory / 2**30:.0f} GiB, CUDA "
                     f"{torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
        try:
            import subprocess
            driver = subprocess.run(
                ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=20).stdout.strip()
            lines.append(f"- NVIDIA driver: {driver}")
        except (OSError, subprocess.SubprocessError):
            lines.append("- NVIDIA driver: (nvidia-smi not found)")
    else:
        lines.append(f"- CPU: {platform.processor() or platform.machine()}, "
                     f"{os.cpu_count()} cores, torch threads {torch.get_num_threads()}")
    versions = []
    for name in ("sklearn", "scipy", "himalaya", "array_api_strict", "cupy"):
        try:
            module = __import__(name)
            versions.append(f"{name} {module.__version__}")
        except ImportError:
            versions.append(f"{name} (absent)")
    lines.append("- " + ", ".join(versions) + "; SCIPY_ARRAY_API="
                 + os.environ.get("SCIPY_ARRAY_API", "(unset)"))
    return "\n".join(lines)


def _sync():
    torch = _torch()
    if torch is not None and torch.cuda.is_available():
        torch.cuda.synchronize()


def _dispatch(fn):
    """``fn`` under ``array_api_dispatch``, the device synchronised before returning."""
    import sklearn

    def run():
        with sklearn.config_context(array_api_dispatch=True):
            out = fn()
        _sync()
        return out
    return run


def make_data(n, p, t, seed=0):
    from bench_ridge import make_data as ridge_data
    X, Y = ridge_data(n, p, t, seed)
    return X.astype(np.float32), Y.astype(np.float32)


def _host(a):
    return a.cpu().numpy() if hasattr(a, "cpu") else np.asarray(a)


def _peak_gpu(fn, nbytes):
    """Peak GPU memory of ``fn()`` above what was allocated before, over ``nbytes``."""
    torch = _torch()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - before) / nbytes


def _ridge_check(ours, theirs, alpha_attr, peak_names, contenders, nbytes):
    def check(results):
        a, b = _host(results[ours].alpha_), _host(getattr(results[theirs], alpha_attr))
        same = np.mean(np.isclose(a, b, rtol=1e-5))
        note = f"same penalty as {theirs} for {same:.1%} of targets"
        if device_name() == "cuda":
            peaks = {name: _peak_gpu(contenders[name], nbytes) for name in peak_names}
            note += "; peak GPU memory / (inputs + outputs): " + ", ".join(
                f"{name} {ratio:.2f}×" for name, ratio in peaks.items())
        return note
    return check


def _ridge_rows(quick):
    torch = _torch()
    from sklearn.base import clone
    from sklearn.linear_model import RidgeCV as SkRidgeCV

    from sklearn_brainmap import Ridge

    device = device_name()
    rows = []
    for k, (n, p, t) in enumerate(QUICK_SIZES if quick else SIZES):
        X, Y = make_data(n, p, t)
        Xt, Yt = torch.asarray(X, device=device), torch.asarray(Y, device=device)
        nbytes = X.nbytes + Y.nbytes + 4 * p * t
        folds = list(KFold(5).split(X))
        size = f"({n}, {p}, {t}) float32"
        kfold = {"ours, torch": _dispatch(lambda: Ridge(ALPHAS, cv=folds).fit(Xt, Yt))}
        try:
            from himalaya.backend import set_backend
            from himalaya.ridge import RidgeCV as HimRidgeCV

            def himalaya():
                set_backend("torch_cuda" if device == "cuda" else "torch",
                            on_error="raise")
                model = HimRidgeCV(alphas=ALPHAS, cv=folds, fit_intercept=True).fit(Xt, Yt)
                _sync()
                return model
            kfold["himalaya RidgeCV, torch"] = himalaya
            check = _ridge_check("ours, torch", "himalaya RidgeCV, torch", "best_alphas_",
                                 list(kfold), kfold, nbytes)
        except ImportError:
            check = None
        if k == 0:
            kfold["ours, NumPy (CPU)"] = lambda: clone(Ridge(ALPHAS, cv=folds)).fit(X, Y)
        rows.append(Comparison(f"Ridge on {device}, 20 penalties, per target, 5-fold",
                               size, "ours, torch", kfold, check=check, memory=False))
        loo = {"ours, torch": _dispatch(lambda: Ridge(ALPHAS, cv=None).fit(Xt, Yt)),
               "scikit-learn RidgeCV, array API": _dispatch(
                   lambda: SkRidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(Xt, Yt))}
        if k == 0:
            loo["ours, NumPy (CPU)"] = lambda: Ridge(ALPHAS, cv=None).fit(X, Y)
        rows.append(Comparison(
            f"Ridge on {device}, 20 penalties, per target, leave-one-out", size,
            "ours, torch", loo, memory=False,
            check=_ridge_check("ours, torch", "scikit-learn RidgeCV, array API", "alpha_",
                               ["ours, torch", "scikit-learn RidgeCV, array API"], loo,
                               nbytes)))
    return rows


def _similarity_rows(quick):
    torch = _torch()
    from sklearn_brainmap.metrics import cka_score, procrustes_score, rsa_score

    device = device_name()
    n, p, q = QUICK_SIMILARITY if quick else SIMILARITY
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p), dtype=np.float32)
    Y = (X[:, :q] + rng.standard_normal((n, q), dtype=np.float32)).astype(np.float32)
    Xt, Yt = torch.asarray(X, device=device), torch.asarray(Y, device=device)
    size = f"{n} stimuli × ({p}, {q}) units, float32"
    rows = []
    for name, fn in (("CKA", cka_score), ("Procrustes", procrustes_score),
                     ("RSA (correlation RDM, Spearman)", rsa_score)):
        def check(results, name=name):
            a, b = results["ours, torch"], results["ours, NumPy (CPU)"]
            return f"{name} {a:.6f} vs NumPy {b:.6f} (|Δ| {abs(a - b):.1e})"
        rows.append(Comparison(
            f"{name} on {device}", size, "ours, torch",
            {"ours, torch": _dispatch(lambda fn=fn: fn(Xt, Yt)),
             "ours, NumPy (CPU)": lambda fn=fn: fn(X, Y)}, check=check, memory=False))
    return rows


def _population_rows(quick):
    torch = _torch()
    from bench_population import make_population

    from sklearn_brainmap import Ridge
    from sklearn_brainmap.model_selection import PairwiseMapping

    device = device_name()
    n_subjects = 6 if quick else 30
    X, subjects, areas = make_population(n_subjects=n_subjects)
    X = X.astype(np.float32)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    Xt = torch.asarray(X, device=device)

    def run(A):
        def go():
            mapping = PairwiseMapping(Ridge(ALPHAS, cv=None), subjects=subjects,
                                      areas=areas)
            out = [_host(mapping.fit(A[tr]).score_matrix(A[te])) for tr, te in folds]
            return np.array(out)
        return go

    def check(results):
        a, b = results["ours, torch"], results["ours, NumPy (CPU)"]
        return f"score matrices agree to {np.nanmax(np.abs(a - b)):.1e}"
    size = f"{6 * n_subjects} profiles × 118 stimuli × 50 units, float32, 5 folds"
    return [Comparison(f"PairwiseMapping(Ridge(cv=None)) on {device}", size, "ours, torch",
                       {"ours, torch": _dispatch(run(Xt)), "ours, NumPy (CPU)": run(X)},
                       check=check, memory=False)]


def comparisons(quick):
    if _torch() is None:
        print("gpu suite: PyTorch is not installed; no rows.")
        return []
    # scikit-learn's dispatch needs SciPy's array-API mode (set before SciPy's import:
    # run.py sets it when this suite is asked for)
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        raise RuntimeError("The gpu suite needs SCIPY_ARRAY_API=1 in the environment "
                           "before SciPy is imported: run it as `python "
                           "benchmarks/run.py gpu` (which sets it) or export it.")
    return _ridge_rows(quick) + _similarity_rows(quick) + _population_rows(quick)
