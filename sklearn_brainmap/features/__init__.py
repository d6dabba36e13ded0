"""Image features computed offline (no downloaded weights) for model → brain examples,
and gratings to measure the preferred spatial frequency and orientation of units.

Baselines need no new code: ``sklearn.decomposition.PCA`` on pixels and
``sklearn.random_projection.GaussianRandomProjection`` followed by a ReLU
(``FunctionTransformer(np.maximum, kw_args={"x2": 0})``) are the usual ones.
"""

from ._gabor import GaborEnergy, gabor_kernel
from ._gratings import grating_tuning, make_gratings

__all__ = ["GaborEnergy", "gabor_kernel", "grating_tuning", "make_gratings"]
