"""Is a silhouette above chance? Its null distribution under shuffled labels."""

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params

from ._profiles import profile_dissimilarity


def _silhouettes(D, codes, n_labels):
    """Mean silhouette for every row of ``codes`` (n_draws, n) at once.

    ``s(i) = (b_i − a_i) / max(a_i, b_i)``; 0 for a profile alone in its cluster
    (Rousseeuw's convention, as scikit-learn's ``silhouette_score``).
    """
    n_draws, n = codes.shape
    onehot = np.zeros((n_draws, n, n_labels))
    np.put_along_axis(onehot, codes[:, :, None], 1.0, axis=2)
    sums = D @ onehot                               # (n_draws, n, n_labels)
    sizes = onehot.sum(axis=1)[:, None, :]          # (n_draws, 1, n_labels)
    own_size = np.take_along_axis(np.broadcast_to(sizes, sums.shape), codes[:, :, None],
                                  axis=2)[..., 0]
    own_sum = np.take_along_axis(sums, codes[:, :, None], axis=2)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = own_sum / (own_size - 1)
        means = sums / sizes
    means[onehot.astype(bool)] = np.inf             # own cluster is not "another"
    means[np.broadcast_to(sizes == 0, means.shape)] = np.inf
    b = means.min(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[own_size <= 1] = 0.0
    return np.nan_to_num(s).mean(axis=1)


@validate_params(
    {"S": ["array-like"], "labels": ["array-like"],
     "n_permutations": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def silhouette_permutation_test(S, labels, *, n_permutations=1000, random_state=None):
    """Is the silhouette of profiles grouped by ``labels`` above chance?

    The observed mean silhouette of ``D = 1 − (S + Sᵀ)/2`` with ``labels`` as clusters
    (:func:`area_silhouette`) against its null distribution when the labels are
    shuffled across profiles (the group sizes are kept). One-sided p-value
    ``(1 + #{null ≥ observed}) / (1 + n_permutations)`` (Phipson & Smyth, 2010).

    Parameters
    ----------
    S : array-like of shape (n_profiles, n_profiles)
        Score matrix (higher is more similar), e.g. of a :class:`PairwiseMapping`.
    labels : array-like of shape (n_profiles,)
        Areas (is specificity above chance?) or subjects (do profiles cluster by
        animal?).
    n_permutations : int, default=1000
    random_state : int, RandomState instance or None

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``silhouette`` (float), ``null`` (n_permutations,), ``p_value`` (float).
        Shuffled labels give negative silhouettes on average (each profile's nearest
        other group is the minimum over groups), so compare with ``null``, not 0.

    References
    ----------
    Rousseeuw (1987), *J. Comput. Appl. Math.* 20. Phipson & Smyth (2010),
    Permutation p-values should never be zero, *Stat. Appl. Genet. Mol. Biol.* 9.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import silhouette_permutation_test
    >>> S = np.kron(np.eye(2), np.ones((4, 4))) * 0.8 + 0.1
    >>> test = silhouette_permutation_test(S, np.repeat(["V1", "V4"], 4),
    ...                                    n_permutations=200, random_state=0)
    >>> round(test.silhouette, 3), bool(test.p_value < 0.05)
    (0.889, True)
    """
    D = profile_dissimilarity(S)
    labels = np.asarray(labels)
    if labels.shape != (len(D),):
        raise ValueError(f"labels must have one label per profile ({len(D)}), got shape "
                         f"{labels.shape}.")
    names, codes = np.unique(labels, return_inverse=True)
    if not 2 <= len(names) < len(labels):
        raise ValueError("The silhouette needs at least 2 groups and a group with 2 "
                         f"profiles; got labels {labels.tolist()}.")
    rng = np.random.default_rng(
        random_state if not isinstance(random_state, np.random.RandomState)
        else random_state.randint(2**31))
    observed = _silhouettes(D, codes[None, :], len(names))[0]
    shuffled = rng.permuted(np.tile(codes, (n_permutations, 1)), axis=1)
    null = np.concatenate([_silhouettes(D, chunk, len(names))
                           for chunk in np.array_split(shuffled, -(-n_permutations // 200))])
    p_value = (1 + np.sum(null >= observed - 1e-12)) / (1 + n_permutations)
    return Bunch(silhouette=float(observed), null=null, p_value=float(p_value))
