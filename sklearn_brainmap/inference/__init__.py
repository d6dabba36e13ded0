"""Bootstrap and permutation inference over stimuli and subjects.

- Resampling: ``bootstrap_counts`` (resamples as counts), ``column_score_statistics`` /
  ``resampled_column_scores`` (R² and Pearson r of held-out predictions under every
  stimulus resample, from per-stimulus sufficient statistics computed once).
- The engine: ``bootstrap_statistic`` (any statistic of subject and stimulus weights,
  vectorised over resamples) returning a ``BootstrapResult``.
- Intervals and tests on resampled values: ``percentile_interval``, ``bca_interval``,
  ``bootstrap_p_value``, ``permutation_p_value``, ``holm``, ``two_factor_variance``
  (Schütt et al.'s correction).
- RSA: ``bootstrap_rdm_scores`` (rsatoolbox's conventions), ``rdm_permutation_test``.
"""

from ._bootstrap import BootstrapResult, UndefinedResampleWarning, bootstrap_statistic
from ._intervals import (
    bca_interval,
    bootstrap_p_value,
    holm,
    percentile_interval,
    permutation_p_value,
    two_factor_variance,
)
from ._rdm import bootstrap_rdm_scores, rdm_permutation_test
from ._resampling import bootstrap_counts, column_score_statistics, resampled_column_scores

__all__ = [
    "BootstrapResult",
    "UndefinedResampleWarning",
    "bca_interval",
    "bootstrap_counts",
    "bootstrap_p_value",
    "bootstrap_rdm_scores",
    "bootstrap_statistic",
    "column_score_statistics",
    "holm",
    "percentile_interval",
    "permutation_p_value",
    "rdm_permutation_test",
    "resampled_column_scores",
    "two_factor_variance",
]
