import warnings
from decimal import Decimal, localcontext

import numpy as np
import statsmodels.api as sm
from hypothesis import given
from hypothesis import strategies as st
from sklearn.preprocessing import PowerTransformer

from sklearn_brainmap.linear_model._losses import FamilyLog, PoissonLog
from sklearn_brainmap.linear_model._yeo_johnson import yeo_johnson, yeo_johnson_lambdas


def sklearn_lambdas(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return PowerTransformer(standardize=False).fit(X).lambdas_


def test_lambdas_and_transform_equal_scikit_learn_on_awkward_columns():
    rng = np.random.default_rng(0)
    n = 150
    X = np.column_stack([
        rng.standard_normal(n), np.exp(rng.standard_normal(n)),      # symmetric, skewed
        -np.exp(rng.standard_normal(n)), -rng.exponential(1, n),     # all negative
        1e-3 * rng.standard_normal(n), 100 * rng.standard_normal(n) + 50,  # scales
        np.maximum(rng.standard_normal(n), 0), rng.poisson(0.3, n),  # post-ReLU, counts
        np.full(n, 3.0), np.r_[np.zeros(n - 1), 1.0], rng.standard_cauchy(n),
    ])
    ours = yeo_johnson_lambdas(X)
    ref = sklearn_lambdas(X)
    assert ours[8] == 1.0  # constant column left unchanged
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = PowerTransformer(standardize=False).fit(X).transform(X)
    np.testing.assert_allclose(yeo_johnson(X, ref), expected, rtol=1e-10, atol=1e-12)


def exact_llf(lmbda, x):
    """The Yeo-Johnson profile log-likelihood in 50-digit decimal arithmetic.

    The variance is taken of ``ψ`` minus its positive branch's constant ``−1/λ`` (an
    exact identity): far from ``λ = 1``, ``ψ``'s variation can be 300 orders of
    magnitude below that constant, beyond any fixed precision.
    """
    with localcontext() as ctx:
        ctx.prec = 50
        lam, one, two = Decimal(float(lmbda)), Decimal(1), Decimal(2)
        shift = Decimal(0) if lam == 0 else one / lam
        shifted, jacobian = [], Decimal(0)
        for value in map(Decimal, map(float, x)):
            if value >= 0:
                shifted.append((value + one).ln() if lam == 0
                               else (value + one) ** lam / lam)
                jacobian += (value + one).ln()
            else:
                q = two - lam
                shifted.append(-(one - value).ln() + shift if q == 0
                               else (one - (one - value) ** q) / q + shift)
                jacobian -= (one - value).ln()
        n = Decimal(len(shifted))
        mean = sum(shifted) / n
        variance = sum((p - mean) ** 2 for p in shifted) / n
        return float(-n / two * variance.ln() + (lam - one) * jacobian)


@given(seed=st.integers(0, 2**16), n=st.integers(3, 80),
       shift=st.floats(-3, 3), skew=st.floats(0, 2))
def test_lambdas_equal_scikit_learn(seed, n, shift, skew):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    X = np.sign(X) * np.abs(X) ** (1 + skew) + shift
    ours, ref = yeo_johnson_lambdas(X), sklearn_lambdas(X)
    # both searches are local: ours must reach at least scipy's likelihood (evaluated
    # exactly: in float64, far from λ = 1, the naive variance loses its digits and
    # scipy's search can stop on a spurious maximum)
    for j in range(X.shape[1]):
        llf_ours, llf_ref = exact_llf(ours[j], X[:, j]), exact_llf(ref[j], X[:, j])
        assert llf_ours >= llf_ref - 1e-7 * (1 + abs(llf_ref)), (j, ours[j], ref[j])


def test_closed_form_poisson_equals_statsmodels_family():
    rng = np.random.default_rng(1)
    Y = rng.poisson(2.0, (50, 3)).astype(float)
    eta = rng.normal(0.5, 1.0, (50, 3))
    fast, generic = PoissonLog(), FamilyLog(sm.families.Poisson())
    # the values differ by terms free of η: their changes with η are the same
    other = eta + rng.normal(0, 0.5, eta.shape)
    np.testing.assert_allclose(fast.value(Y, other) - fast.value(Y, eta),
                               generic.value(Y, other) - generic.value(Y, eta),
                               rtol=1e-9, atol=1e-12)
    for a, b in zip(fast.derivatives(Y, eta), generic.derivatives(Y, eta)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
