"""Linear and generalised-linear transform classes."""

from ._ridge import DEFAULT_ALPHAS, Ridge

__all__ = ["DEFAULT_ALPHAS", "Ridge"]
