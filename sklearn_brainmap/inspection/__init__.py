"""Inspection of similarity measures: their gradients, and synthetic representations
optimised to score high or low (Cloos et al.).

- ``similarity_gradient``: a measure and its gradient with respect to ``Y``;
- ``optimize_similarity``: ``Y`` climbed from noise to a high score, with the variance
  of ``X``'s principal components it captures along the way;
- ``principal_component_r2``, ``pc_perturbation_scores``, ``similarity_score_range``:
  what a measure is sensitive to, and how far another can move while it is held fixed.

These are tools to understand measures, not measures themselves (those are in
:mod:`sklearn_brainmap.metrics`).
"""

from ._optimize import (
    optimize_similarity,
    pc_perturbation_scores,
    principal_component_r2,
    similarity_score_range,
)
from ._similarity_gradients import similarity_gradient

__all__ = [
    "optimize_similarity",
    "pc_perturbation_scores",
    "principal_component_r2",
    "similarity_gradient",
    "similarity_score_range",
]
