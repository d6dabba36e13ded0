"""Similarity measures, prediction scores, noise ceilings and scorers.

- Similarity of two response matrices with the same stimuli (rows): ``cka_score``,
  ``rsa_score`` (with ``rdm``), ``procrustes_score`` / ``procrustes_distance``,
  ``soft_matching_score`` / ``soft_matching_distance``. ``*_score`` is
  higher-is-better, ``*_distance`` lower-is-better.
- Scores of a fitted mapping per target unit: ``r2_score``, ``pearson_r_score``
  (``multioutput="median"`` available) and the scorers built on them.
- Noise ceilings: ``split_half_reliability``, ``spearman_brown``,
  ``ceiling_normalized_score``, ``rdm_noise_ceiling`` (subjects' RDMs).
- Advanced RSA: ``reweighted_rsa`` (mixed RSA), ``feature_weighted_rsa``,
  ``variance_partitioning``, ``remixed_rdm``.
- Similarity optimisation (Cloos et al.): ``similarity_gradient``,
  ``optimize_similarity``, ``principal_component_r2``, ``pc_perturbation_scores``,
  ``similarity_score_range``.
- Response statistics: ``lifetime_sparseness``, ``population_sparseness``,
  ``ks_similarity_score`` (distributions of a tuning property).
"""

from ._optimize import (
    optimize_similarity,
    pc_perturbation_scores,
    principal_component_r2,
    similarity_score_range,
)
from ._rdm_ceiling import rdm_noise_ceiling
from ._regression import pearson_r_score, r2_score
from ._reliability import ceiling_normalized_score, spearman_brown, split_half_reliability
from ._rsa import compare_rdms, rdm, rsa_score
from ._rsa_advanced import (
    feature_weighted_rsa,
    remixed_rdm,
    reweighted_rsa,
    variance_partitioning,
)
from ._scorers import mean_pearson_r_scorer, median_pearson_r_scorer, median_r2_scorer
from ._similarity import (
    cka_score,
    procrustes_distance,
    procrustes_score,
    soft_matching_distance,
    soft_matching_score,
)
from ._similarity_gradients import similarity_gradient
from ._sparseness import lifetime_sparseness, population_sparseness
from ._tuning import ks_similarity_score

__all__ = [
    "ceiling_normalized_score",
    "cka_score",
    "compare_rdms",
    "feature_weighted_rsa",
    "ks_similarity_score",
    "lifetime_sparseness",
    "mean_pearson_r_scorer",
    "median_pearson_r_scorer",
    "median_r2_scorer",
    "optimize_similarity",
    "pc_perturbation_scores",
    "pearson_r_score",
    "population_sparseness",
    "principal_component_r2",
    "procrustes_distance",
    "procrustes_score",
    "r2_score",
    "rdm",
    "rdm_noise_ceiling",
    "remixed_rdm",
    "reweighted_rsa",
    "rsa_score",
    "similarity_gradient",
    "similarity_score_range",
    "soft_matching_distance",
    "soft_matching_score",
    "spearman_brown",
    "split_half_reliability",
    "variance_partitioning",
]
