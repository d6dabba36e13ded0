"""bootstrap_rdm_scores against rsatoolbox: each resample exactly, standard errors
within Monte-Carlo error; bad input."""

import numpy as np
import pytest

from sklearn_brainmap.inference import (
    UndefinedResampleWarning,
    bootstrap_rdm_scores,
    rdm_permutation_test,
)
from sklearn_brainmap.inference._rdm import _rdm_statistic

RSATOOLBOX_NAMES = {"spearman": "spearman", "pearson": "corr", "kendall": "tau-b",
                    "tau_a": "tau-a", "rho_a": "rho-a"}


def _study(rng, n_stimuli=10, n_subjects=6, noise=0.6):
    n_pairs = n_stimuli * (n_stimuli - 1) // 2
    models = rng.random((3, n_pairs))
    models[0] = np.round(3 * models[0])  # a categorical model: ties
    data = models[1] + noise * rng.standard_normal((n_subjects, n_pairs))
    return models, data


@pytest.mark.parametrize("compare", sorted(RSATOOLBOX_NAMES))
def test_each_stimulus_resample_equals_rsatoolbox(compare):
    # duplicated stimuli: rsatoolbox's subsample_pattern, pairs with a copy left out
    rsatoolbox = pytest.importorskip("rsatoolbox")
    rng = np.random.default_rng(0)
    models, data = _study(rng, n_stimuli=9, n_subjects=4)
    statistic = _rdm_statistic(models, data, compare)
    M, D = rsatoolbox.rdm.RDMs(models), rsatoolbox.rdm.RDMs(data)
    draws = rng.integers(0, 9, size=(4, 9))
    subjects = rng.integers(0, 4, size=(4, 4))
    for idx, subj in zip(draws, subjects):
        w = np.bincount(idx, minlength=9)[None].astype(float)
        k = np.bincount(subj, minlength=4)[None].astype(float)
        reference = rsatoolbox.rdm.compare(M.subsample_pattern("index", idx),
                                           D.subsample_pattern("index", idx),
                                           RSATOOLBOX_NAMES[compare])
        np.testing.assert_allclose(statistic(None, w)[0], reference.mean(axis=1),
                                   rtol=0, atol=1e-10)
        np.testing.assert_allclose(statistic(k, w)[0], reference[:, subj].mean(axis=1),
                                   rtol=0, atol=1e-10)


def _fixed_models(rsatoolbox, models):
    return [rsatoolbox.model.ModelFixed(f"m{i}", rsatoolbox.rdm.RDMs(m[None]))
            for i, m in enumerate(models)]


@pytest.mark.parametrize("over", ["subjects", "stimuli"])
def test_standard_errors_agree_with_rsatoolbox(over, monkeypatch):
    rsatoolbox = pytest.importorskip("rsatoolbox")
    from rsatoolbox.inference import evaluate
    monkeypatch.setattr(evaluate.tqdm, "trange", range)  # no progress bars
    rng = np.random.default_rng(1)
    models, data = _study(rng, n_stimuli=12, n_subjects=8)
    evaluate_fn = {"subjects": evaluate.eval_bootstrap_rdm,
                   "stimuli": evaluate.eval_bootstrap_pattern}[over]
    np.random.seed(0)
    reference = evaluate_fn(_fixed_models(rsatoolbox, models), rsatoolbox.rdm.RDMs(data),
                            method="rho-a", N=2000, boot_noise_ceil=False)
    ours = bootstrap_rdm_scores(models, data, compare="rho_a", over=over,
                                n_resamples=2000, random_state=12345)  # independent
    # each standard error has a Monte-Carlo relative error of about 1/sqrt(2 * 2000)
    # = 1.6 %; the two independent estimates differ by 2.2 % (1 SD): 4 SDs
    np.testing.assert_allclose(ours.standard_error, reference.get_sem(), rtol=0.09)
    # the bootstrap distributions have the same centre (a stimulus bootstrap of ρ-a
    # is biased away from the score: both show the same bias)
    np.testing.assert_allclose(np.nanmean(ours.resampled, axis=0),
                               np.nanmean(reference.evaluations, axis=0),
                               atol=4 * np.sqrt(2 / 2000) * ours.standard_error.max())


def test_result_shapes_noise_ceiling_and_undefined_resamples():
    rng = np.random.default_rng(2)
    models, data = _study(rng, n_stimuli=4, n_subjects=3)
    with pytest.warns(UndefinedResampleWarning, match="undefined"):
        result = bootstrap_rdm_scores(models, data, over="stimuli", n_resamples=300,
                                      random_state=0)
    # with 4 stimuli, some resamples hold fewer than 3 distinct stimuli
    draws_below_3 = result.n_undefined
    assert (draws_below_3 > 0).all() and (draws_below_3 < 300).all()
    assert result.confidence_interval.shape == (2, 3)
    assert result.difference_p_values.shape == (3, 3)
    assert np.isnan(np.diag(result.difference_p_values)).all()
    lower, upper = result.noise_ceiling
    assert lower < upper


def test_bad_input_names_the_argument():
    rng = np.random.default_rng(3)
    models, data = _study(rng)
    with pytest.raises(ValueError, match="at least 2 subjects"):
        bootstrap_rdm_scores(models, data[:1], over="subjects")
    with pytest.raises(ValueError, match="3 stimuli"):
        bootstrap_rdm_scores(np.ones((2, 1)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_rdm_scores(models, data, n_resamples=0)
    with pytest.raises(ValueError, match="confidence_level"):
        bootstrap_rdm_scores(models, data, confidence_level=1.0)
    with pytest.raises(ValueError, match="data_rdms contain NaN"):
        bootstrap_rdm_scores(models, np.where(data > 1.5, np.nan, data))
    with pytest.raises(ValueError, match="same stimuli"):
        bootstrap_rdm_scores(models[:, :36], data)
    with pytest.raises(ValueError, match="over must be"):
        bootstrap_rdm_scores(models, data, over=("stimuli", "areas"))


def test_permutation_test_against_a_loop():
    from sklearn_brainmap.metrics import compare_rdms
    rng = np.random.default_rng(4)
    models, data = _study(rng, n_stimuli=8, n_subjects=3, noise=1.0)
    scores, p, null = rdm_permutation_test(models, data, n_permutations=50,
                                           random_state=0)
    S = compare_rdms(np.vstack([models, data]))[:3, 3:]
    np.testing.assert_allclose(scores, S.mean(axis=1), atol=1e-12)
    # the first null draw recomputed by permuting square RDMs
    perm = np.random.RandomState(0).permutation(8)
    rows, cols = np.triu_indices(8, 1)
    square = np.zeros((3, 8, 8))
    square[:, rows, cols] = models
    square += square.transpose(0, 2, 1)
    permuted = square[:, perm][:, :, perm][:, rows, cols]
    expected = compare_rdms(np.vstack([permuted, data]))[:3, 3:].mean(axis=1)
    np.testing.assert_allclose(null[0], expected, atol=1e-12)
    assert p[1] < 0.05 and ((1 + (null >= scores).sum(0)) / 51 == p).all()


@pytest.mark.parametrize("over", ["subjects", "stimuli"])
def test_same_draws_as_rsatoolbox_give_the_same_resamples(over, monkeypatch):
    # rsatoolbox draws np.random.randint(0, n, n) per resample from the global
    # RandomState; ours draws the same stream from RandomState(seed): with the same
    # seed every resampled score agrees to rounding
    rsatoolbox = pytest.importorskip("rsatoolbox")
    from rsatoolbox.inference import evaluate
    monkeypatch.setattr(evaluate.tqdm, "trange", range)
    models, data = _study(np.random.default_rng(7), n_stimuli=9, n_subjects=5)
    evaluate_fn = {"subjects": evaluate.eval_bootstrap_rdm,
                   "stimuli": evaluate.eval_bootstrap_pattern}[over]
    np.random.seed(3)
    reference = evaluate_fn(_fixed_models(rsatoolbox, models), rsatoolbox.rdm.RDMs(data),
                            method="spearman", N=150, boot_noise_ceil=False)
    ours = bootstrap_rdm_scores(models, data, compare="spearman", over=over,
                                n_resamples=150, random_state=3)
    np.testing.assert_allclose(ours.resampled, reference.evaluations, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.standard_error, reference.get_sem(), rtol=1e-10)

