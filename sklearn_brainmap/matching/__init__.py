"""Transform classes that match units across systems."""

from ._one_to_one import OneToOne

__all__ = ["OneToOne"]
