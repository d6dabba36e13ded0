"""Similarity measures, prediction scores, noise ceilings and scorers.

- Similarity of two response matrices with the same stimuli (rows): ``cka_score``,
  ``rsa_score`` (with ``rdm``), ``procrustes_score`` / ``procrustes_distance``,
  ``soft_matching_score`` / ``soft_matching_distance``. ``*_score`` is
  higher-is-better, ``*_distance`` lower-is-better.
- Scores of a fitted mapping per target unit: ``r2_score``, ``pearson_r_score``
  (``multioutput="median"`` available) and the scorers built on them;
  ``split_r2_score`` (each feature band's share of R², for ``BandedRidge``).
- Noise ceilings: ``split_half_reliability``, ``spearman_brown``,
  ``ceiling_normalized_score``, ``rdm_noise_ceiling`` (subjects' RDMs).
- Response statistics: ``lifetime_sparseness``, ``population_sparseness``,
  ``ks_similarity_score`` (distributions of a tuning property).

Measures only: the cross-validated RSA analyses (``reweighted_rsa``,
``feature_weighted_rsa``, ``variance_partitioning``, ``remixed_rdm``) moved to
:mod:`sklearn_brainmap.model_selection`, and the similarity optimisation and gradients to
:mod:`sklearn_brainmap.inspection`; their old names here still work until 0.2 with a
``FutureWarning``.
"""

import importlib
import warnings

from ._rdm_ceiling import rdm_noise_ceiling
from ._regression import pearson_r_score, r2_score
from ._reliability import ceiling_normalized_score, spearman_brown, split_half_reliability
from ._rdm_comparison import compare_rdms
from ._rsa import rdm, rsa_score
from ._split_r2 import split_r2_score
from ._scorers import mean_pearson_r_scorer, median_pearson_r_scorer, median_r2_scorer
from ._similarity import cka_score, procrustes_distance, procrustes_score
from ._soft_matching import soft_matching_distance, soft_matching_score
from ._sparseness import lifetime_sparseness, population_sparseness
from ._tuning import ks_similarity_score

__all__ = [
    "ceiling_normalized_score",
    "cka_score",
    "compare_rdms",
    "ks_similarity_score",
    "lifetime_sparseness",
    "mean_pearson_r_scorer",
    "median_pearson_r_scorer",
    "median_r2_scorer",
    "pearson_r_score",
    "population_sparseness",
    "procrustes_distance",
    "procrustes_score",
    "r2_score",
    "rdm",
    "rdm_noise_ceiling",
    "rsa_score",
    "soft_matching_distance",
    "soft_matching_score",
    "spearman_brown",
    "split_half_reliability",
    "split_r2_score",
]

#: Public names that moved out of ``metrics`` (old name -> new subpackage); the old
#: names keep working for one release with a FutureWarning.
_MOVED = {
    "feature_weighted_rsa": "model_selection",
    "remixed_rdm": "model_selection",
    "reweighted_rsa": "model_selection",
    "variance_partitioning": "model_selection",
    "optimize_similarity": "inspection",
    "pc_perturbation_scores": "inspection",
    "principal_component_r2": "inspection",
    "similarity_gradient": "inspection",
    "similarity_score_range": "inspection",
}


def __getattr__(name):
    if name in _MOVED:
        new = f"sklearn_brainmap.{_MOVED[name]}"
        warnings.warn(
            f"sklearn_brainmap.metrics.{name} moved to {new}.{name} in 0.1 and will be "
            f"removed from metrics in 0.2: import it from {new}.", FutureWarning,
            stacklevel=2)
        return getattr(importlib.import_module(new), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
