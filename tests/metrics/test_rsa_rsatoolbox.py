"""τ-a, ρ-a and the RDM noise ceiling against rsatoolbox (an independent implementation)."""

import numpy as np
import pytest
from scipy import stats

from sklearn_brainmap.metrics import compare_rdms, rdm_noise_ceiling, rsa_score

RSATOOLBOX_NAMES = {"spearman": "spearman", "pearson": "corr", "kendall": "tau-b",
                    "tau_a": "tau-a", "rho_a": "rho-a"}


def _rdm_set(rng, n_rdms=5, n_stimuli=12, tied=True):
    """Condensed RDMs; the first two with many ties (categorical models)."""
    v = rng.random((n_rdms, n_stimuli * (n_stimuli - 1) // 2))
    if tied:
        v[0] = np.round(3 * v[0])
        v[1] = (v[1] > 0.5).astype(float) + 1
    return v


@pytest.mark.parametrize("compare", sorted(RSATOOLBOX_NAMES))
def test_compare_rdms_equals_rsatoolbox(compare):
    rsatoolbox = pytest.importorskip("rsatoolbox")
    v = _rdm_set(np.random.default_rng(1))
    rdms = rsatoolbox.rdm.RDMs(v)
    reference = rsatoolbox.rdm.compare(rdms, rdms, RSATOOLBOX_NAMES[compare])
    np.testing.assert_allclose(compare_rdms(v, compare=compare), reference,
                               rtol=0, atol=1e-10)


@pytest.mark.parametrize("compare", sorted(RSATOOLBOX_NAMES))
def test_rdm_noise_ceiling_equals_rsatoolbox(compare):
    rsatoolbox = pytest.importorskip("rsatoolbox")
    rng = np.random.default_rng(2)
    truth = rng.random(66)
    v = truth + 0.4 * rng.standard_normal((7, 66))
    v[3] = np.round(v[3], 1)  # ties in one subject
    with pytest.warns(UserWarning) if compare in ("kendall", "tau_a") else _nothing():
        reference = rsatoolbox.inference.boot_noise_ceiling(
            rsatoolbox.rdm.RDMs(v), method=RSATOOLBOX_NAMES[compare])
    np.testing.assert_allclose(rdm_noise_ceiling(v, compare=compare), reference,
                               rtol=0, atol=1e-10)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def test_tau_a_and_rho_a_closed_forms_without_ties():
    # without ties τ-a = τ-b and ρ-a = Spearman
    rng = np.random.default_rng(3)
    v = rng.random((3, 36))
    np.testing.assert_allclose(compare_rdms(v, compare="tau_a"),
                               compare_rdms(v, compare="kendall"), atol=1e-12)
    np.testing.assert_allclose(compare_rdms(v, compare="rho_a"),
                               compare_rdms(v, compare="spearman"), atol=1e-12)


def test_tau_a_brute_force_with_ties_and_rsa_score():
    rng = np.random.default_rng(4)
    a, b = np.round(3 * rng.random(28)), rng.random(28)
    sign = np.sign(a[:, None] - a[None]) * np.sign(b[:, None] - b[None])
    n0 = 28 * 27 / 2
    expected = np.triu(sign, 1).sum() / n0
    assert compare_rdms(np.vstack([a, b]), compare="tau_a")[0, 1] == pytest.approx(
        expected, abs=1e-12)
    # a categorical model: τ-b rewards ties, τ-a does not
    assert abs(compare_rdms(np.vstack([a, b]), compare="kendall")[0, 1]) > abs(expected)
    ra, rb = stats.rankdata(a), stats.rankdata(b)
    rho_a = 12 * np.sum((ra - ra.mean()) * (rb - rb.mean())) / (28**3 - 28)
    square = np.zeros((8, 8, 2))
    rows, cols = np.triu_indices(8, 1)
    square[rows, cols, 0], square[rows, cols, 1] = a, b
    square += square.transpose(1, 0, 2)
    score = rsa_score(square[..., 0], square[..., 1], rdm_metric="precomputed",
                      compare="rho_a")
    assert score == pytest.approx(rho_a, abs=1e-12)
    assert rsa_score(square[..., 0], square[..., 1], rdm_metric="precomputed",
                     compare="tau_a") == pytest.approx(expected, abs=1e-12)


def test_rdm_noise_ceiling_bounds_order_and_errors():
    rng = np.random.default_rng(5)
    truth = rng.random(45)
    v = truth + 0.5 * rng.standard_normal((10, 45))
    for compare in ("spearman", "pearson", "rho_a"):
        lower, upper = rdm_noise_ceiling(v, compare=compare)
        assert lower < upper
        # the bounds bracket the mean score of the true RDM
        true_score = compare_rdms(np.vstack([truth, v]), compare=compare)[0, 1:].mean()
        assert lower < true_score < upper
    with pytest.raises(ValueError, match="at least 2"):
        rdm_noise_ceiling(v[:1])
    with pytest.raises(ValueError, match="NaN"):
        rdm_noise_ceiling(np.where(v > 1.2, np.nan, v))
    with pytest.raises(ValueError, match="3 stimuli"):
        rdm_noise_ceiling(np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="constant"):
        rdm_noise_ceiling(np.vstack([v, np.ones(45)]))
