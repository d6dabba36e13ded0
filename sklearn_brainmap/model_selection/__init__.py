"""Population analysis: mappings between every pair of profiles, and their scorers."""

from ._pairwise import PairwiseMapping, targets_separable
from ._scorers import predictivity_scorer, silhouette_scorer

__all__ = ["PairwiseMapping", "predictivity_scorer", "silhouette_scorer",
           "targets_separable"]
