"""Population analysis: mappings between every pair of profiles, scorers, pooled and
bidirectional scores, subsampling curves and the neuron-to-unit ratio."""

from ._pairwise import PairwiseMapping, targets_separable
from ._population import (cross_animal_ceiling, model_brain_scores, model_separability,
                          pooled_source_scores)
from ._scorers import predictivity_scorer, silhouette_scorer
from ._subsampling import (CurveFit, fit_subsampling_curve, neuron_to_unit_ratio,
                           subsampling_curve)
from ._validation import cross_val_unit_scores

__all__ = [
    "CurveFit",
    "PairwiseMapping",
    "cross_animal_ceiling",
    "cross_val_unit_scores",
    "fit_subsampling_curve",
    "model_brain_scores",
    "model_separability",
    "neuron_to_unit_ratio",
    "pooled_source_scores",
    "predictivity_scorer",
    "silhouette_scorer",
    "subsampling_curve",
    "targets_separable",
]
