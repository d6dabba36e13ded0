"""Helpers shared across sklearn_brainmap: validation and warnings, statistical kernels,
unit scores and their aggregation, BLAS thread control, blocking, optimal transport,
Dask (optional)."""

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

__all__ = [
    "AGGREGATES",
    "AboveCeilingWarning",
    "ConstantUnitWarning",
    "Matching",
    "UNIT_SCORES",
    "aggregate_unit_scores",
    "blas_thread_count",
    "blas_threads_for",
    "check_folds",
    "check_response_matrix",
    "check_same_stimuli",
    "classical_mds",
    "column_blocks",
    "columnwise_pearson",
    "columnwise_r2",
    "constant_columns",
    "dask_parallel",
    "index_blocks",
    "lapack_threads_for",
    "one_blas_thread",
    "transport_plan",
    "unit_columns",
    "unit_matching",
    "validate_predict_data",
    "validate_regression_data",
    "warn_constant",
]
