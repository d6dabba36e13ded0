"""Simulated model populations and loaders for real recordings."""

from ._population import make_model_population

__all__ = ["make_model_population"]
