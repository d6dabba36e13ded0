"""Display objects for similarity matrices, silhouettes, MDS embeddings, subsampling
curves, predictions, scores, noise ceilings and the comparison of transform classes
(matplotlib imported when drawing)."""

from ._displays import (MDSDisplay, PredictionDisplay, SilhouetteDisplay,
                        SimilarityMatrixDisplay, SubsamplingCurveDisplay)
from ._scores import ComparisonDisplay, ReliabilityDisplay, ScoreBarDisplay

__all__ = ["ComparisonDisplay", "MDSDisplay", "PredictionDisplay", "ReliabilityDisplay",
           "ScoreBarDisplay", "SilhouetteDisplay", "SimilarityMatrixDisplay",
           "SubsamplingCurveDisplay"]
