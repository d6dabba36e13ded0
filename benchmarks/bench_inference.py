"""Bootstrap of RDM scores against rsatoolbox (issue 22).

``bootstrap_rdm_scores`` computes each resample's comparisons as weighted sums over
the pairs of the original RDMs, vectorised over resamples (stimulus bootstrap: weighted
ranks; subject bootstrap: one product of counts and the model × subject score matrix);
rsatoolbox's ``eval_bootstrap_rdm`` (subjects) and ``eval_bootstrap_pattern`` (stimuli)
rebuild and compare RDM objects resample by resample. Same data: 92 stimuli, 20
subjects, 10 models, 1,000 resamples, ρ-a (rsatoolbox's recommended comparison);
rsatoolbox without its bootstrapped noise ceiling (``boot_noise_ceil=False``), which
would add to its time. The agreement check compares the standard errors (two
Monte-Carlo estimates: within ~10 %).

The last row times the default ``brainmap`` comparison (5 CNN subjects, ReLU, 5
folds, every default transform class) without and with ``n_bootstraps=1000`` (target:
under 10 % more).

Run: ``python benchmarks/run.py inference`` (``--quick``: 30 stimuli, 100 resamples,
a small population).
"""

from functools import partial

import numpy as np

from _harness import Comparison

FULL = {"n_stimuli": 92, "n_subjects": 20, "n_models": 10, "n_resamples": 1000}
QUICK = {"n_stimuli": 30, "n_subjects": 8, "n_models": 4, "n_resamples": 100}


def make_study(n_stimuli, n_subjects, n_models, seed=0):
    rng = np.random.default_rng(seed)
    n_pairs = n_stimuli * (n_stimuli - 1) // 2
    truth = rng.random(n_pairs)
    models = truth + rng.uniform(0.2, 3.0, (n_models, 1)) * rng.standard_normal(
        (n_models, n_pairs))
    models[0] = np.round(3 * truth)  # a categorical model
    data = truth + 1.5 * rng.standard_normal((n_subjects, n_pairs))
    return models, data


def ours(models, data, over, n_resamples):
    from sklearn_brainmap.inference import bootstrap_rdm_scores

    return bootstrap_rdm_scores(models, data, compare="rho_a", over=over,
                                n_resamples=n_resamples, random_state=0).standard_error


def rsatoolbox_bootstrap(models, data, over, n_resamples):
    import rsatoolbox
    from rsatoolbox.inference import evaluate

    fixed = [rsatoolbox.model.ModelFixed(f"m{i}", rsatoolbox.rdm.RDMs(m[None]))
             for i, m in enumerate(models)]
    fn = {"subjects": evaluate.eval_bootstrap_rdm,
          "stimuli": evaluate.eval_bootstrap_pattern}[over]
    np.random.seed(0)
    trange = evaluate.tqdm.trange
    evaluate.tqdm.trange = range  # no progress bar in the timing
    try:
        result = fn(fixed, rsatoolbox.rdm.RDMs(data), method="rho-a", N=n_resamples,
                    boot_noise_ceil=False)
    finally:
        evaluate.tqdm.trange = trange
    return result.get_sem()


def _check(results):
    a, b = results["sklearn_brainmap"], results["rsatoolbox"]
    rel = np.max(np.abs(a - b) / b)
    if rel > 0.25:
        raise AssertionError(f"standard errors differ by {rel:.0%}")
    return f"standard errors within {rel:.1%} (Monte-Carlo error)"


def _population(quick):
    from sklearn_brainmap.datasets import make_model_population

    kwargs = dict(n_stimuli=200, n_steps=20, hidden=(16, 32, 32)) if quick else {}
    return make_model_population(3 if quick else 5, activation="relu", random_state=0,
                                 **kwargs)


def comparison_run(population, n_bootstraps, quick):
    from sklearn.model_selection import KFold

    from sklearn_brainmap.model_selection import (
        compare_transform_classes,
        default_candidates,
    )

    result = compare_transform_classes(
        default_candidates(), population, cv=KFold(2 if quick else 5, shuffle=True,
                                                   random_state=0),
        n_jobs=-1, n_bootstraps=n_bootstraps, random_state=0)
    return [row["silhouette"] for row in result.summary()]


def _same_summary(results):
    a, b = results["without bootstrap"], results["with bootstrap"]
    np.testing.assert_allclose(a, b, atol=1e-12)
    return "same summary scores"


def comparisons(quick):
    size = QUICK if quick else FULL
    models, data = make_study(size["n_stimuli"], size["n_subjects"], size["n_models"])
    label = (f"({size['n_stimuli']} stimuli, {size['n_subjects']} subjects, "
             f"{size['n_models']} models, {size['n_resamples']} resamples)")
    out = []
    for over in ("subjects", "stimuli"):
        args = (models, data, over, size["n_resamples"])
        out.append(Comparison(
            title=f"bootstrap_rdm_scores over {over}, rho-a", size=label,
            ours="sklearn_brainmap",
            contenders={"sklearn_brainmap": partial(ours, *args),
                        "rsatoolbox": partial(rsatoolbox_bootstrap, *args)},
            check=_check, memory=("sklearn_brainmap",)))
    population = _population(quick)
    n_boot = 100 if quick else 1000
    out.append(Comparison(
        title=f"compare_transform_classes (brainmap default, relu) + {n_boot} resamples",
        size=f"({population.post.shape[0]} stimuli, {population.post.shape[1]} units)",
        ours="with bootstrap",
        contenders={"with bootstrap": partial(comparison_run, population, n_boot, quick),
                    "without bootstrap": partial(comparison_run, population, 0, quick)},
        check=_same_summary, memory=False))
    return out
