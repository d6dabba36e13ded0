"""The elementwise losses against independent formulas, with and without a workspace."""

import numpy as np
import pytest
from scipy.special import expit

from sklearn_brainmap.linear_model._losses import (BernoulliLogit, PoissonLog,
                                                   SoftplusSquared, Workspace, softplus)

ETA = np.concatenate([np.linspace(-800.0, 800.0, 1601), np.linspace(-40.0, 40.0, 801)])


@pytest.mark.parametrize("beta", [1.0, 0.3, 2.5])
def test_softplus_equals_logaddexp_to_rounding(beta):
    z = ETA / beta
    expected = np.logaddexp(0.0, beta * z) / beta
    np.testing.assert_allclose(softplus(z, beta), expected, rtol=4 * np.finfo(float).eps,
                               atol=0)


def test_softplus_keeps_float32():
    z = ETA[1601:].astype(np.float32)
    out = softplus(z)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.logaddexp(0.0, z.astype(float)), rtol=1e-6)


def _losses():
    rng = np.random.default_rng(0)
    eta = rng.standard_normal((7, 50)) * 3
    return [
        (BernoulliLogit(), (rng.random((7, 50)) < 0.5).astype(float), eta,
         lambda y, e: np.logaddexp(0.0, e) - y * e,
         lambda y, e: (expit(e) - y, expit(e) * (1 - expit(e)))),
        (PoissonLog(), rng.poisson(3.0, (7, 50)).astype(float), eta,
         lambda y, e: np.exp(e) - y * e,
         lambda y, e: (np.exp(e) - y, np.exp(e))),
        (SoftplusSquared(2.0), np.abs(rng.standard_normal((7, 50))), eta,
         lambda y, e: 0.5 * (np.logaddexp(0.0, 2 * e) / 2 - y) ** 2,
         lambda y, e: ((np.logaddexp(0.0, 2 * e) / 2 - y) * expit(2 * e),
                       expit(2 * e) ** 2 + 2 * expit(2 * e) * (1 - expit(2 * e))
                       * (np.logaddexp(0.0, 2 * e) / 2 - y))),
    ]


@pytest.mark.parametrize("case", _losses(), ids=["logit", "poisson", "softplus"])
def test_value_and_derivatives_match_formulas_with_or_without_workspace(case):
    loss, Y, eta, value, derivatives = case
    g_ref, h_ref = derivatives(Y, eta)
    work = Workspace(*eta.shape)
    for w in (None, work):
        np.testing.assert_allclose(loss.value(Y, eta, w), value(Y, eta), rtol=1e-12,
                                   atol=1e-12)
        g, h, h_psd = loss.derivatives(Y, eta, w)
        np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-14)
        assert np.all(h_psd >= 0) and np.all(h_psd >= np.minimum(h, h_psd))
    # a later value call into the same workspace leaves the derivatives intact
    g, h, h_psd = loss.derivatives(Y, eta, work)
    kept = g.copy(), h.copy(), h_psd.copy()
    loss.value(Y, eta + 1.0, work)
    for a, b in zip((g, h, h_psd), kept):
        np.testing.assert_array_equal(a, b)
    # and the workspace hands out the first rows when fewer targets are running
    np.testing.assert_allclose(loss.value(Y[:3], eta[:3], work), value(Y[:3], eta[:3]),
                               rtol=1e-12, atol=1e-12)


def test_softplus_gradient_and_curvature_are_finite_differences():
    loss = SoftplusSquared(1.5)
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((3, 40))
    eta = rng.standard_normal((3, 40)) * 2
    step = 1e-6
    g, h, _ = loss.derivatives(Y, eta)
    numeric_g = (loss.value(Y, eta + step) - loss.value(Y, eta - step)) / (2 * step)
    numeric_h = (loss.derivatives(Y, eta + step)[0]
                 - loss.derivatives(Y, eta - step)[0]) / (2 * step)
    np.testing.assert_allclose(g, numeric_g, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(h, numeric_h, rtol=1e-6, atol=1e-8)
