"""Simulated studies with a known population value, for the calibration of the
bootstrap (used by the tests and by ``benchmarks/calibration_inference.py``).

Private: the studies are a test bench, not an analysis.
"""

import numpy as np

from ._bootstrap import bootstrap_statistic
from ._intervals import bootstrap_p_value


def additive_population(rng, *, n_methods=2, n_population=20000, sd_subject=0.1,
                        sd_stimulus=0.1, sd_interaction=0.5, difference=0.0,
                        correlation=0.5, shared_effects=False, skewed=True):
    """A population of subject and stimulus effects on the scores of ``n_methods``.

    The score of method ``m`` for subject ``s`` on stimulus ``i`` is
    ``c_sim = μ_m + a_sm + b_im + e_sim`` with ``μ = (0.5, 0.5 + difference, ...)``.
    ``a`` and ``b`` are drawn once for ``n_population`` subjects and stimuli
    (gamma-distributed, skewed as scores are, or with ``skewed=False`` normal),
    correlated across methods; ``e`` is
    drawn afresh for each study (its population mean is 0). With
    ``shared_effects=True`` the methods share ``a`` and ``b`` (only ``e`` differs), so
    that with ``difference=0`` the methods' difference is 0 in the population *and*
    for the study's own subjects and stimuli: the null of every paired test.
    """
    mu = 0.5 + difference * (np.arange(n_methods) == 1)

    def effects(sd):
        draw = ((lambda size: rng.gamma(2.0, size=size)) if skewed
                else (lambda size: rng.standard_normal(size)))
        shared = draw((n_population, 1))
        own = draw((n_population, n_methods))
        z = (np.repeat(shared, n_methods, axis=1) if shared_effects
             else np.sqrt(correlation) * shared + np.sqrt(1 - correlation) * own)
        return sd * (z - z.mean(axis=0)) / z.std(axis=0)

    return {"mu": mu, "a": effects(sd_subject), "b": effects(sd_stimulus),
            "sd_interaction": sd_interaction, "correlation": correlation}


def additive_study(population, rng, n_subjects, n_stimuli):
    """Scores of a study ``(n_subjects, n_stimuli, n_methods)`` and its population
    values: over subjects (stimuli fixed), over stimuli (subjects fixed), over both."""
    a = population["a"][rng.choice(len(population["a"]), n_subjects, replace=False)]
    b = population["b"][rng.choice(len(population["b"]), n_stimuli, replace=False)]
    m = len(population["mu"])
    rho = population["correlation"]
    e = (np.sqrt(rho) * rng.standard_normal((n_subjects, n_stimuli, 1))
         + np.sqrt(1 - rho) * rng.standard_normal((n_subjects, n_stimuli, m)))
    scores = (population["mu"] + a[:, None] + b[None]
              + population["sd_interaction"] * e)
    mu = population["mu"]
    truth = {"subjects": mu + b.mean(axis=0), "stimuli": mu + a.mean(axis=0),
             ("stimuli", "subjects"): mu.astype(float)}
    return scores, truth


def stacked_mean_statistic(scores):
    """Weighted means of many studies at once: ``scores`` ``(n_studies, n_subjects,
    n_stimuli, 2)``; columns per study: method 0, method 1, their difference. The
    studies share the resampling weights (each study's bootstrap stays valid; the
    calibration is vectorised over studies)."""
    r, n_s, n_i, _ = scores.shape
    columns = np.concatenate([scores, scores[..., :1] - scores[..., 1:]], axis=3)
    flat = columns.transpose(1, 0, 2, 3).reshape(n_s, r * n_i * 3)

    def statistic(subject_weights, stimulus_weights):
        b = max(len(x) for x in (subject_weights, stimulus_weights, [0]) if x is not None)
        k = np.ones((b, n_s)) if subject_weights is None else subject_weights
        w = np.ones((b, n_i)) if stimulus_weights is None else stimulus_weights
        by_stimulus = (k @ flat).reshape(b, r, n_i, 3)
        total = k.sum(axis=1) * w.sum(axis=1)
        return (np.einsum("brim,bi->brm", by_stimulus, w)
                / total[:, None, None]).reshape(b, r * 3)

    return statistic


def additive_calibration(over, *, n_replications=500, n_subjects=20, n_stimuli=30,
                         n_resamples=1000, correction=True, difference=0.0, seed=0,
                         n_groups=10, interval="percentile", **population_kwargs):
    """Coverage of the 95 % intervals of both methods and of their difference, and the
    p-values of the difference, over ``n_replications`` studies of one population.

    Returns ``covered`` ``(n_replications, 3)`` booleans and ``p_values``
    ``(n_replications,)`` (two-sided, of "no difference").
    """
    rng = np.random.default_rng(seed)
    population = additive_population(rng, difference=difference, **population_kwargs)
    key = over if isinstance(over, str) else tuple(sorted(over))
    studies = [additive_study(population, rng, n_subjects, n_stimuli)
               for _ in range(n_replications)]
    covered, p_values = [], []
    # groups of studies share one set of resamples (vectorised); several groups keep
    # the Monte-Carlo error of one set of resamples from being shared by all studies
    for group in np.array_split(np.arange(n_replications), n_groups):
        scores = np.stack([studies[i][0] for i in group])
        truth = np.stack([np.r_[studies[i][1][key], studies[i][1][key][0]
                                - studies[i][1][key][1]] for i in group])
        result = bootstrap_statistic(
            stacked_mean_statistic(scores), n_subjects=n_subjects, n_stimuli=n_stimuli,
            over=over, n_resamples=n_resamples, correction=correction,
            random_state=rng.integers(2**31), pairwise=False, batch_size=50,
            interval=interval)
        low, high = result.confidence_interval.reshape(2, len(group), 3)
        covered.append((low <= truth) & (truth <= high))
        column = np.arange(len(group)) * 3 + 2
        R = result.resampled[:, column]
        # recentred on the estimate, as BootstrapResult's own p-values
        R = R - (R.mean(axis=0) - result.scores[column])
        p_values.append(bootstrap_p_value(R, result.scores[column],
                                          scale=result.scale[column]))
    covered, p_values = np.concatenate(covered), np.concatenate(p_values)
    return covered, p_values
