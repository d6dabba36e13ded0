"""Population analysis: mappings between every pair of profiles, the comparison of
transform classes, profile summaries and scorers, pooled and bidirectional scores,
subsampling curves and the neuron-to-unit ratio, and the cross-validated RSA analyses
(reweighted and feature-weighted RSA, variance partitioning, remixed RDMs)."""

from ._candidates import Candidate, default_candidates
from ._comparison import ComparisonResult, compare_transform_classes
from ._pairwise import PairwiseMapping, targets_separable
from ._population import (cross_animal_ceiling, model_brain_scores, model_separability,
                          pooled_source_scores)
from ._held_out import HeldOutPredictions
from ._profiles import area_silhouette, profile_dissimilarity, same_area_predictivity
from ._orderings import hierarchy_agreement, rank_agreement
from ._pooled_predictions import (layer_area_predictions, pooled_area_predictions,
                                  pooled_predictions)
from ._silhouette_null import silhouette_permutation_test
from ._remixed_rdm import remixed_rdm
from ._rsa_analyses import feature_weighted_rsa, reweighted_rsa
from ._variance_partitioning import variance_partitioning
from ._scorers import population_scorer, predictivity_scorer, silhouette_scorer
from ._subsampling import (CurveFit, fit_subsampling_curve, neuron_to_unit_ratio,
                           subsampling_curve)
from ._validation import cross_val_unit_scores

__all__ = [
    "Candidate",
    "ComparisonResult",
    "CurveFit",
    "HeldOutPredictions",
    "PairwiseMapping",
    "area_silhouette",
    "compare_transform_classes",
    "cross_animal_ceiling",
    "cross_val_unit_scores",
    "default_candidates",
    "feature_weighted_rsa",
    "fit_subsampling_curve",
    "hierarchy_agreement",
    "layer_area_predictions",
    "model_brain_scores",
    "model_separability",
    "neuron_to_unit_ratio",
    "pooled_area_predictions",
    "pooled_predictions",
    "pooled_source_scores",
    "population_scorer",
    "predictivity_scorer",
    "profile_dissimilarity",
    "rank_agreement",
    "remixed_rdm",
    "reweighted_rsa",
    "same_area_predictivity",
    "silhouette_permutation_test",
    "silhouette_scorer",
    "subsampling_curve",
    "targets_separable",
    "variance_partitioning",
]
