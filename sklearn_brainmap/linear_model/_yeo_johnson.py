"""Yeo-Johnson power transform of every column at once.

``ψ(x, λ) = ((x + 1)^λ − 1)/λ`` for ``x ≥ 0`` (``log(x + 1)`` when ``λ = 0``) and
``−((1 − x)^{2−λ} − 1)/(2 − λ)`` for ``x < 0`` (``−log(1 − x)`` when ``λ = 2``). The
``λ`` of each column maximises the profile log-likelihood of normality,

    ℓ(λ) = −n/2 · log σ̂²(ψ(x, λ)) + (λ − 1) Σ_i sign(x_i) log(|x_i| + 1),

(with sample weights ``s``: ``n = Σ_i s_i``, ``σ̂²`` the weighted variance and the
last sum weighted, so that integer weights equal repeated rows)

as in :func:`scipy.stats.yeojohnson_normmax` (the estimator behind scikit-learn's
``PowerTransformer``), on the same bounded interval (scipy's bounds that keep the
transformed data and its variance representable). scikit-learn calls scipy once per
column, and every call pays for scipy's argument handling; here all columns are
searched together on arrays (``log(|x| + 1)`` is computed once): a coarse scan of the
interval (25 values of ``λ``, dense near 1) brackets the best value, then golden-section
steps refine it, about 70 evaluations of ``ψ`` for all columns in all. Like scipy's
bounded Brent search this is a local method; the scan makes a secondary maximum less
likely to capture it.

References
----------
Yeo & Johnson (2000), A new family of power transformations to improve normality or
symmetry, *Biometrika* 87, 954–959. Kiefer (1953), Sequential minimax search for a
maximum, *Proc. Amer. Math. Soc.* 4, 502–506 (golden-section search).
"""

import numpy as np

from ..utils import constant_columns
from ..utils._stats import power_of_two_exponents
from ._scaling import ldexp

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_GRID = 25


def _psi(log1p_abs, positive, lambdas, two=2.0):
    """``ψ`` from ``log(|x| + 1)`` and the sign mask of ``x``; ``lambdas`` per column.

    ``two`` is the 2 of the negative branch's power ``2 − λ``; a column searched in
    units ``L/s`` (see :func:`yeo_johnson_lambdas`) has ``two = 2s``.
    """
    power = np.where(positive, lambdas, two - lambdas)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.expm1(power * log1p_abs)
        limit = np.abs(power) < np.spacing(1.0)
        out = np.where(limit, log1p_abs, out / np.where(limit, 1.0, power))
    return np.where(positive, out, -out)


class _Columns:
    """What every evaluation of the variance reuses: the data split by sign, the
    normalised weights (or None), and two work arrays (fresh temporaries of this size
    cost page faults on every call, which took half the time of the search)."""

    def __init__(self, log1p_abs, positive, weights=None, two=2.0):
        self.log1p_abs, self.positive, self.weights = log1p_abs, positive, weights
        self.two = two
        self.pos = positive.astype(log1p_abs.dtype)
        self.neg = 1.0 - self.pos
        self.L_pos = log1p_abs * self.pos
        self.L_neg = log1p_abs * self.neg
        self.work = np.empty_like(log1p_abs), np.empty_like(log1p_abs)


def _variance(columns, lambdas):
    """The variance of ``ψ`` over rows, computed without cancellation.

    ``ψ = ±(e^{qL} − 1)/q`` (``q = λ`` or ``2 − λ``): far from ``λ = 1`` the term
    ``e^{qL}/q`` can be many orders of magnitude below the constant ``1/q``, and
    forming ``ψ`` first would round its variation away (the likelihood then shows
    spurious maxima). The variance only needs ``±e^{qL}/q`` plus the difference of
    the two branches' constants, which is what is formed here:
    ``e^{qL} (m₊/λ − m₋/(2 − λ)) + m₋ (1/λ + 1/(2 − λ))`` with ``m±`` the sign masks,
    ``qL = λ L m₊ + (2 − λ) L m₋``. ``columns`` is a :class:`_Columns`; ``lambdas``
    has shape ``(p,)``.
    """
    c = columns
    shifted, scratch = c.work
    two = c.two
    exact = (np.abs(lambdas) < np.spacing(1.0)) | (np.abs(two - lambdas) < np.spacing(1.0))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        np.multiply(c.L_pos, lambdas, out=shifted)
        np.multiply(c.L_neg, two - lambdas, out=scratch)
        shifted += scratch
        np.exp(shifted, out=shifted)
        gap = 1.0 / (two - lambdas) + 1.0 / lambdas  # the branches' constants differ
        np.multiply(c.pos, gap, out=scratch)  # m₊/λ − m₋/(2 − λ) = m₊·gap − 1/(2 − λ)
        scratch -= 1.0 / (two - lambdas)
        shifted *= scratch
        np.multiply(c.neg, gap, out=scratch)
        shifted += scratch
        shifted -= _mean(shifted, c.weights)
        np.square(shifted, out=shifted)
        variance = _mean(shifted, c.weights)
    if exact.any():  # λ = 0 or 2 exactly: a logarithm on one branch
        psi = _psi(c.log1p_abs[:, exact], c.positive[:, exact], lambdas[exact],
                   two[exact] if np.ndim(two) else two)
        variance[exact] = psi.var(axis=0) if c.weights is None else (
            c.weights @ (psi - c.weights @ psi) ** 2)
    return variance


def _mean(A, weights):
    """Column means of ``A``, weighted by ``weights`` (normalised to sum 1) when given."""
    return A.mean(axis=0) if weights is None else weights @ A


def yeo_johnson(X, lambdas):
    """The Yeo-Johnson transform of each column of ``X`` with its own ``λ``."""
    X = np.asarray(X)
    return _psi(np.log1p(np.abs(X)), X >= 0, np.asarray(lambdas)[None, :])


def _bounds(X, unit=1.0, two=2):
    """scipy's search interval for each column (float64 exponent range), in units of
    ``1/unit`` (``λ · unit``; ``two = 2 · unit``)."""
    finfo = np.finfo(np.float64)
    log_eps = np.log(finfo.eps)
    log_tiny = (np.log(finfo.tiny) - log_eps) / 2
    log_max = (np.log(finfo.max) + log_eps) / 2
    log1p_max_x = np.log1p(20 * np.abs(X).max(axis=0)) / unit
    with np.errstate(divide="ignore"):
        lower, upper = log_tiny / log1p_max_x, log_max / log1p_max_x
    negative = X < 0
    all_negative, some_negative = negative.all(axis=0), negative.any(axis=0)
    lower, upper = (np.where(all_negative, two - upper,
                             np.where(some_negative, np.maximum(two - upper, lower), lower)),
                    np.where(all_negative, two - lower,
                             np.where(some_negative, np.minimum(two - lower, upper), upper)))
    return lower, upper


def yeo_johnson_lambdas(X, *, sample_weight=None, xtol=1.48e-8):
    """Maximum-likelihood ``λ`` of the Yeo-Johnson transform for every column of ``X``.

    Constant columns (relative to their magnitude, as
    :func:`~sklearn_brainmap.utils.constant_columns`) get ``λ = 1`` (left unchanged), as
    in scikit-learn.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), finite
    sample_weight : ndarray of shape (n_samples,), optional
        Non-negative weights of the likelihood; rows of zero weight are ignored
        (also for the search interval and the constant-column test).
    xtol : float
        Width of the final bracket around each maximiser.

    Returns
    -------
    lambdas : ndarray of shape (n_features,)

    Raises
    ------
    ValueError
        For a column with values of both signs beyond about ``1e145``, where scipy's
        search interval is empty (no ``λ`` keeps the transformed values and their
        variance representable).
    """
    X = np.asarray(X, dtype=np.float64)
    weights = None
    if sample_weight is not None:
        keep = sample_weight > 0
        X, weights = X[keep], sample_weight[keep]
        weights = ldexp(weights, -int(power_of_two_exponents(weights)))  # exact; no overflow
    n = X.shape[0] if weights is None else weights.sum()
    constant = constant_columns(X)  # relative to the column's magnitude
    log1p_abs = np.log1p(np.abs(X))
    # Columns of tiny values (log(|x| + 1) below 2**-20) are searched in units
    # λ' = λ·s, on L' = log(|x| + 1)/s, s a power of two near their largest L: ψ only
    # depends on λL and (2 − λ)L, so with "2" read as 2s this is the same likelihood
    # (up to a constant), whose maximum, at λ of order 1/L, the scan would otherwise
    # miss, and whose variances would underflow. Other columns: s = 1, unchanged.
    e = power_of_two_exponents(log1p_abs, axis=0)
    tiny = ~constant & (e < -20)
    unit, two = 1.0, 2.0
    if tiny.any():
        unit = np.where(tiny, np.ldexp(1.0, e), 1.0)
        two = 2.0 * unit
        log1p_abs = log1p_abs / unit
    positive = X >= 0
    signed = np.where(positive, log1p_abs, -log1p_abs)
    jacobian = signed.sum(axis=0) if weights is None else weights @ signed

    columns = _Columns(log1p_abs, positive, None if weights is None else weights / n, two)

    def neg_llf(lambdas):
        variance = _variance(columns, lambdas)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            llf = -n / 2 * np.log(variance) + (lambdas - unit) * jacobian
        return np.where(np.isfinite(llf), -llf, np.inf)

    lower, upper = _bounds(X, unit, two)
    empty = ~constant & ~(lower <= upper)
    if empty.any():
        cols = np.flatnonzero(empty)
        shown = ", ".join(map(str, cols[:10])) + (", ..." if cols.size > 10 else "")
        raise ValueError(
            f"The Yeo-Johnson transform cannot be fitted to {cols.size} source unit(s) "
            f"(columns {shown}): their values, of both signs and up to "
            f"{np.abs(X[:, cols]).max():.3g}, leave no λ for which the transformed values "
            f"and their variance are representable in float64 (scipy's "
            f"yeojohnson_normmax refuses them too). The transform depends on the units "
            f"of X: rescale X (e.g. to unit standard deviation), or use "
            f"power_transform=False.")
    lower, upper = np.where(constant, 0.0, lower), np.where(constant, 2.0, upper)
    # A coarse scan (dense near λ = 1, sparse far from it) picks the bracket of the
    # best grid point, so that a secondary maximum cannot capture the search.
    reach = np.log1p(np.maximum(np.abs(lower - 1), np.abs(upper - 1)))
    u = np.linspace(-1.0, 1.0, _GRID)[:, None] * reach
    grid = np.clip(1 + np.sign(u) * np.expm1(np.abs(u)), lower, upper)  # (grid, p)
    values = np.array([neg_llf(row) for row in grid])
    best = np.argmin(values, axis=0)
    cols = np.arange(X.shape[1])
    a = grid[np.maximum(best - 1, 0), cols]
    b = grid[np.minimum(best + 1, _GRID - 1), cols]
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = neg_llf(c), neg_llf(d)
    steps = int(np.ceil(np.log(xtol / max((b - a).max(), xtol)) / np.log(_GOLDEN)))
    for _ in range(steps):
        left = fc <= fd  # the minimum of −ℓ is in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        new = np.where(left, b - _GOLDEN * (b - a), a + _GOLDEN * (b - a))
        f_new = neg_llf(new)
        c, d = np.where(left, new, d), np.where(left, c, new)
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
    return np.where(constant, 1.0, (a + b) / 2 / unit)
