"""record_model_population: the default networks shown given images."""

import numpy as np
import pytest

from sklearn_brainmap.datasets import make_model_population, record_model_population
from sklearn_brainmap.datasets._image_responses import area_average


def test_area_average_is_a_box_filter(rng):
    images = rng.random((3, 46, 60))
    out = area_average(images, 23)
    # central 46×46 square, 2×2 blocks: exactly the block means
    square = images[:, :, 7:53]
    np.testing.assert_allclose(out, square.reshape(3, 23, 2, 23, 2).mean(axis=(2, 4)))
    # fractional cells keep the mean and a constant image constant
    odd = area_average(images[:, :40, :40], 23)
    np.testing.assert_allclose(odd.mean(axis=(1, 2)), images[:, :40, :40].mean(axis=(1, 2)))
    np.testing.assert_allclose(area_average(np.full((1, 31, 31), 0.3), 23), 0.3)


def test_the_networks_are_those_of_make_model_population():
    pop = make_model_population(2, n_steps=3, n_stimuli=30, random_state=0, cache=False,
                                noise_gain=None)
    # the population's own 23×23 stimuli, shown again: area averaging is the identity,
    # the standardisation an affine change of the input, so every layer-1 pre-activation
    # (linear in the input) correlates perfectly with the population's if, and only
    # if, the networks are the same
    again = record_model_population(pop.stimuli, n_subjects=2, n_steps=3, random_state=0)
    for subject in range(2):
        ours = again.pre[:, (again.subjects == subject) & (again.areas == "layer1")]
        theirs = pop.pre_clean[:, (pop.subjects == subject) & (pop.areas == "layer1")]
        shared = np.intersect1d(again.unit[(again.subjects == subject)
                                           & (again.areas == "layer1")],
                                pop.unit[(pop.subjects == subject) & (pop.areas == "layer1")])
        assert shared.size > 10
        for channel in shared[:10]:
            a = ours[:, again.unit[(again.subjects == subject) & (again.areas == "layer1")]
                     == channel][:, 0]
            b = theirs[:, pop.unit[(pop.subjects == subject) & (pop.areas == "layer1")]
                       == channel][:, 0]
            assert np.corrcoef(a, b)[0, 1] == pytest.approx(1.0, abs=1e-5)
    other = record_model_population(pop.stimuli, n_subjects=1, n_steps=3, random_state=1)
    first = again.pre[:, (again.subjects == 0) & (again.areas == "layer1")][:, 0]
    assert abs(np.corrcoef(first, other.pre[:, 0])[0, 1]) < 0.99
    assert again.post.shape[0] == 30 and set(again.areas) == {"layer1", "layer2", "layer3"}
    assert (again.post >= 0).all() and again.stimuli.shape == (30, 23, 23)


@pytest.mark.parametrize("images, match", [
    (np.zeros((4, 10, 40)), "at least 23 pixels"),
    (np.zeros((4, 30)), "grey images"),
    (np.full((4, 30, 30), np.nan), "NaN"),
    (np.ones((4, 30, 30)), "uniform"),
])
def test_bad_images(images, match):
    with pytest.raises(ValueError, match=match):
        record_model_population(images, n_subjects=1, n_steps=1)
