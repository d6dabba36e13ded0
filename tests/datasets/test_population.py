import numpy as np
import pytest

from sklearn_brainmap.datasets import make_model_population
from sklearn_brainmap.utils import constant_columns

SMALL = dict(architecture="mlp", cache=False, n_subjects=3, hidden=(48, 32), n_neurons=12, n_stimuli=300, n_epochs=15)


@pytest.fixture(scope="module")
def pop():
    return make_model_population(**SMALL, random_state=0)


def test_layout(pop):
    n_total = 3 * 2 * 12
    assert pop.pre.shape == pop.post.shape == (300, n_total)
    assert pop.subjects.shape == pop.areas.shape == pop.unit.shape == (n_total,)
    assert sorted(set(pop.areas)) == ["layer1", "layer2"]
    assert np.bincount(pop.subjects).tolist() == [24, 24, 24]
    assert pop.stimuli.shape == (300, 64) and pop.target.shape == (300,)
    # post-activation of a ReLU is non-negative; recorded units all respond
    assert pop.post.min() >= 0
    assert not constant_columns(pop.post_clean).any()


def test_seeds_give_different_networks_of_similar_accuracy(pop):
    assert np.all(pop.accuracy > 0.85)
    assert np.ptp(pop.accuracy) < 0.08
    a = pop.pre_clean[:, (pop.subjects == 0) & (pop.areas == "layer2")]
    b = pop.pre_clean[:, (pop.subjects == 1) & (pop.areas == "layer2")]
    assert not np.allclose(a, b)
    # the pre-activation of layer 1 is affine in the stimuli, for every subject
    Z = pop.pre_clean[:, (pop.subjects == 2) & (pop.areas == "layer1")]
    S = np.column_stack([pop.stimuli, np.ones(300)])
    coef, *_ = np.linalg.lstsq(S, Z, rcond=None)
    np.testing.assert_allclose(S @ coef, Z, atol=1e-8)


def test_same_random_state_same_output(pop):
    again = make_model_population(**SMALL, random_state=0)
    for key in ("pre", "post", "subjects", "unit", "stimuli", "accuracy"):
        np.testing.assert_array_equal(again[key], pop[key])
    other = make_model_population(**SMALL, random_state=1)
    assert not np.array_equal(other.post, pop.post)


def test_noise_variance_is_mean_over_gain():
    gain = 5.0
    pop = make_model_population(**SMALL, noise_gain=gain, random_state=3)
    resid = pop.post - pop.post_clean
    # pooled over units and stimuli: E[(x - μ)²] = E[μ] / gain
    assert np.mean(resid**2) == pytest.approx(np.mean(pop.post_clean) / gain, rel=0.05)
    assert np.mean(resid) == pytest.approx(0.0, abs=0.02 * np.mean(pop.post_clean))
    resid = pop.pre - pop.pre_clean
    assert np.mean(resid**2) == pytest.approx(np.mean(np.abs(pop.pre_clean)) / gain,
                                              rel=0.05)
    # ReLU zeros stay zero under Poisson noise
    assert np.all(pop.post[pop.post_clean == 0] == 0)


def test_noise_free_and_softplus():
    pop = make_model_population(**SMALL, noise_gain=None, activation="softplus",
                                random_state=0)
    np.testing.assert_array_equal(pop.post, pop.post_clean)
    np.testing.assert_allclose(pop.post, np.logaddexp(0, pop.pre))


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_neurons=100), "n_neurons=100 is larger"),
    (dict(n_stimuli=1200), "at most 1000"),
    (dict(activation="tanh"), "activation"),
    (dict(noise_gain=0.0), "noise_gain"),
    (dict(n_subjects=1), "n_subjects"),
])
def test_bad_parameters(kwargs, match):
    params = {**SMALL, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_model_population(**params)
