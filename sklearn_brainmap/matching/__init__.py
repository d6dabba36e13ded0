"""Transform classes that match units across systems."""

from ._one_to_one import OneToOne
from ._soft_matching import SoftMatching

__all__ = ["OneToOne", "SoftMatching"]
