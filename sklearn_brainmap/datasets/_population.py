"""Simulated populations of model 'subjects': one architecture, several training seeds."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils import blas_threads_for
from ._mlp import accuracy, forward, train_mlp


def _generator(random_state):
    """A numpy Generator from an int, None, a Generator or a legacy RandomState."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    return np.random.default_rng(random_state)


def _add_noise(mean, gain, rng, signed):
    """Poisson-like noise with variance ``|mean| / gain`` (``gain=None``: none).

    Non-negative responses get ``Poisson(gain · mean) / gain`` (so exact zeros of a
    ReLU stay zero); signed pre-activations get Gaussian noise of the same variance.
    """
    if gain is None:
        return mean.copy()
    if signed:
        return mean + np.sqrt(np.abs(mean) / gain) * rng.standard_normal(mean.shape)
    return rng.poisson(gain * np.maximum(mean, 0.0)) / gain


@validate_params(
    {
        "n_subjects": [Interval(Integral, 2, None, closed="left")],
        "hidden": ["array-like"],
        "n_neurons": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "softplus"})],
        "noise_gain": [Interval(Real, 0, None, closed="neither"), None],
        "n_stimuli": [Interval(Integral, 10, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    },
    prefer_skip_nested_validation=True,
)
def make_model_population(n_subjects=5, *, hidden=(128, 128, 128), n_neurons=50,
                          activation="relu", noise_gain=20.0, n_stimuli=600,
                          n_epochs=40, random_state=None):
    """Simulate subjects × areas: one small network trained from different seeds.

    Following Thobani et al. and Sagastuy-Brena et al., every *subject* is the same
    architecture — a multilayer perceptron classifying scikit-learn's handwritten
    digits (:func:`~sklearn.datasets.load_digits`) — trained from its own random seed
    (initial weights and minibatch order). Each hidden layer plays the role of a brain
    *area*; a random subset of its units are the recorded *neurons*. Every subject is
    shown the same held-out images (the *stimuli*), and both the pre-activation
    (``z = W h + b``) and post-activation (``relu(z)`` or ``softplus(z)``) responses
    are recorded with Poisson-like noise of variance ``|mean| / noise_gain``:
    ``Poisson(gain · mean) / gain`` for the non-negative post-activation responses (a
    ReLU's exact zeros stay zero), Gaussian noise of the same variance for the signed
    pre-activations. Pre- and post-activation recordings have independent noise.

    Parameters
    ----------
    n_subjects : int, default=5
        Number of networks (training seeds).
    hidden : tuple of int, default=(128, 128, 128)
        Hidden layer sizes; each layer is an area (``"layer1"``, ``"layer2"``, ...).
    n_neurons : int, default=50
        Units recorded per subject and area (at most the layer's size).
    activation : {"relu", "softplus"}, default="relu"
    noise_gain : float or None, default=20.0
        Larger is less noisy; ``None`` records noise-free responses.
    n_stimuli : int, default=600
        Held-out images shown to every subject (the rest of the 1,797 digits train the
        networks; at most 1,000).
    n_epochs : int, default=40
        Training epochs (Adam, minibatches of 64).
    random_state : int, Generator, RandomState or None, default=None
        Seeds the train/stimulus split, every network, the recorded units and the
        noise: the same value gives identical output.

    Returns
    -------
    population : :class:`~sklearn.utils.Bunch`
        - ``pre``, ``post``: ndarray of shape (n_stimuli, n_subjects × n_areas ×
          n_neurons), the responses; columns are grouped by subject, then area.
        - ``subjects``: ndarray of int, shape (n_units_total,), the subject of each column.
        - ``areas``: ndarray of str, shape (n_units_total,), the area of each column.
        - ``unit``: ndarray of int, the index of each column's unit in its layer.
        - ``stimuli``: ndarray of shape (n_stimuli, 64), the images (pixels in [0, 1]).
        - ``target``: ndarray of int, shape (n_stimuli,), the digit shown.
        - ``accuracy``: ndarray of shape (n_subjects,), each network's accuracy on the
          stimuli (held out from training).
        - ``pre_clean``, ``post_clean``: the noise-free responses.
        - ``activation``, ``noise_gain``, ``DESCR``.

    References
    ----------
    Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
    model-brain alignment methods*. Sagastuy-Brena, Thobani et al., *Modelling
    inter-animal variability*.

    Examples
    --------
    >>> from sklearn_brainmap.datasets import make_model_population
    >>> pop = make_model_population(n_subjects=2, hidden=(32, 32), n_neurons=10,
    ...                             n_stimuli=100, n_epochs=5, random_state=0)
    >>> pop.post.shape
    (100, 40)
    >>> sorted(set(pop.areas.tolist()))
    ['layer1', 'layer2']
    """
    from sklearn.datasets import load_digits

    hidden = tuple(int(h) for h in np.atleast_1d(hidden))
    if not hidden or min(hidden) < 1:
        raise ValueError(f"hidden must hold at least one positive layer size, got {hidden}.")
    if n_neurons > min(hidden):
        raise ValueError(f"n_neurons={n_neurons} is larger than the smallest layer "
                         f"({min(hidden)} units).")
    if n_stimuli > 1000:
        raise ValueError(f"n_stimuli must be at most 1000 (797 digits train the "
                         f"networks), got {n_stimuli}.")
    rng = _generator(random_state)
    digits = load_digits()
    X_all = digits.data / 16.0
    y_all = digits.target
    order = rng.permutation(len(y_all))
    stim_idx, train_idx = order[:n_stimuli], order[n_stimuli:]
    stimuli, target = X_all[stim_idx], y_all[stim_idx]
    mean = X_all[train_idx].mean(axis=0)

    pre, post, pre_clean, post_clean = [], [], [], []
    subjects, areas, units, acc = [], [], [], []
    for subject, seed in enumerate(rng.spawn(n_subjects)):
        # minibatch products are tiny: BLAS threads would only add synchronisation
        with blas_threads_for(0):
            params = train_mlp(X_all[train_idx] - mean, y_all[train_idx], hidden,
                               activation, seed, n_epochs=n_epochs)
        acc.append(accuracy(params, stimuli - mean, target, activation))
        _, layers = forward(params, stimuli - mean, activation)
        for area, (z, h) in enumerate(layers):
            # record only units that respond to the stimuli (a dead ReLU is never
            # recorded in an experiment)
            alive = np.flatnonzero(np.ptp(h, axis=0) > 0)
            if alive.size < n_neurons:
                raise RuntimeError(
                    f"subject {subject}, layer {area + 1}: only {alive.size} units respond "
                    f"to the stimuli, fewer than n_neurons={n_neurons}; lower n_neurons, "
                    f"widen the layer or use activation='softplus'.")
            chosen = np.sort(seed.choice(alive, n_neurons, replace=False))
            pre_clean.append(z[:, chosen])
            post_clean.append(h[:, chosen])
            pre.append(_add_noise(z[:, chosen], noise_gain, seed, signed=True))
            post.append(_add_noise(h[:, chosen], noise_gain, seed, signed=False))
            subjects.append(np.full(n_neurons, subject))
            areas.append(np.full(n_neurons, f"layer{area + 1}"))
            units.append(chosen)

    return Bunch(
        pre=np.hstack(pre), post=np.hstack(post),
        pre_clean=np.hstack(pre_clean), post_clean=np.hstack(post_clean),
        subjects=np.concatenate(subjects), areas=np.concatenate(areas),
        unit=np.concatenate(units), stimuli=stimuli, target=target,
        accuracy=np.array(acc), activation=activation, noise_gain=noise_gain,
        DESCR=(f"{n_subjects} MLPs {hidden} ({activation}) trained on digits from "
               f"different seeds; {n_neurons} recorded units per layer; "
               f"{n_stimuli} held-out stimuli; noise gain {noise_gain}."),
    )
