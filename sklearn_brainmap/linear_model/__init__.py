"""Linear and generalised-linear transform classes."""

from ._banded_ridge import BandedRidge
from ._glm import LinearNonlinear, LinearSoftplus
from ._logistic_ridge import LogisticRidge
from ._ridge import DEFAULT_ALPHAS, Ridge

__all__ = ["BandedRidge", "DEFAULT_ALPHAS", "LinearNonlinear", "LinearSoftplus", "LogisticRidge", "Ridge"]
