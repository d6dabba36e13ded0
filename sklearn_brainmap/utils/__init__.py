"""Validation helpers and warnings shared across sklearn_brainmap."""

from ._stats import (blas_thread_count, blas_threads_for, classical_mds, column_blocks,
                     columnwise_pearson, columnwise_r2, one_blas_thread, unit_columns)
from ._validation import (
    ConstantUnitWarning,
    check_response_matrix,
    check_same_stimuli,
    constant_columns,
    validate_predict_data,
    validate_regression_data,
    warn_constant,
)

__all__ = [
    "blas_thread_count",
    "blas_threads_for",
    "classical_mds",
    "ConstantUnitWarning",
    "check_response_matrix",
    "check_same_stimuli",
    "column_blocks",
    "one_blas_thread",
    "columnwise_pearson",
    "columnwise_r2",
    "constant_columns",
    "validate_predict_data",
    "validate_regression_data",
    "unit_columns",
    "warn_constant",
]
