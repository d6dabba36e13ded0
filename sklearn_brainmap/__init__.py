"""sklearn_brainmap: map, score and compare representations of brains and networks.

Transform classes are scikit-learn regressors (``fit(X, Y)`` from source responses
``(n_stimuli, n_source_units)`` to target responses ``(n_stimuli, n_target_units)``).
Subpackages: ``metrics`` (similarity measures, scores, noise ceilings),
``model_selection`` (population analysis and scorers), ``datasets`` (simulated
populations and real-data loaders), ``plotting``, ``testing``.
"""

__version__ = "0.1.0.dev0"

from .linear_model import BandedRidge, LinearNonlinear, LinearSoftplus, LogisticRidge, Ridge
from .matching import OneToOne, SoftMatching

__all__ = [
    "BandedRidge",
    "LinearNonlinear",
    "LinearSoftplus",
    "LogisticRidge",
    "OneToOne",
    "Ridge",
    "SoftMatching",
    "__version__",
]
