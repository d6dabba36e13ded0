"""Display objects for similarity matrices, silhouettes, MDS embeddings, subsampling
curves and predictions (matplotlib imported when drawing)."""

from ._displays import (MDSDisplay, PredictionDisplay, SilhouetteDisplay,
                        SimilarityMatrixDisplay, SubsamplingCurveDisplay)

__all__ = ["MDSDisplay", "PredictionDisplay", "SilhouetteDisplay",
           "SimilarityMatrixDisplay", "SubsamplingCurveDisplay"]
