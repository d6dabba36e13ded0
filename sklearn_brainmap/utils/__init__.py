"""Helpers for users of sklearn_brainmap: its warnings, the checks of response matrices
and folds, Dask (optional), and optimal transport between units.

The package's own shared helpers (statistical kernels, unit scores and their
aggregation, BLAS thread control, blocking, Adam, array-API dispatch) live in the
private modules of this subpackage.
"""

from ._blocks import column_blocks, index_blocks
from ._dask import dask_parallel
from ._stats import classical_mds, columnwise_pearson, columnwise_r2, unit_columns
from ._threads import blas_thread_count, blas_threads_for, lapack_threads_for, one_blas_thread
from ._transport import Matching, transport_plan, unit_matching
from ._unit_scores import AGGREGATES, UNIT_SCORES, aggregate_unit_scores
from ._validation import (
    AboveCeilingWarning,
    ConstantUnitWarning,
    check_folds,
    check_response_matrix,
    check_same_stimuli,
    constant_columns,
    validate_predict_data,
    validate_regression_data,
    warn_constant,
)

#: The public helpers: warnings, input checks, Dask, optimal transport. The other names
#: imported above are the package's internal helpers (kernels, blocking, BLAS threads,
#: validation of the estimators); they stay importable here for this release but are
#: not part of the public API and may move.
__all__ = [
    "AboveCeilingWarning",
    "ConstantUnitWarning",
    "Matching",
    "check_folds",
    "check_response_matrix",
    "check_same_stimuli",
    "dask_parallel",
    "transport_plan",
    "unit_matching",
]
