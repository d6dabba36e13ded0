"""Hypothesis strategies and invariance checks for users' own property-based tests.

Needs hypothesis, an optional dependency: ``pip install 'sklearn_brainmap[testing]'``.
"""

try:
    import hypothesis  # noqa: F401
except ImportError as exc:
    raise ImportError(
        "sklearn_brainmap.testing needs hypothesis, which is not installed: "
        "pip install 'sklearn_brainmap[testing]'") from exc

from ._estimator_checks import check_mapping_estimator
from ._invariance import (check_permutation_invariance, check_rotation_invariance,
                          check_scaling_invariance, check_symmetry,
                          check_translation_invariance, default_tolerances,
                          random_rotation)
from ._strategies import paired_response_matrices, populations, response_matrices

__all__ = [
    "check_mapping_estimator",
    "check_permutation_invariance",
    "check_rotation_invariance",
    "check_scaling_invariance",
    "check_symmetry",
    "check_translation_invariance",
    "default_tolerances",
    "paired_response_matrices",
    "populations",
    "random_rotation",
    "response_matrices",
]
