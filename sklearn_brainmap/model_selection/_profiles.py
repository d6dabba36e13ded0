"""Profiles of a population and the summaries of a profiles × profiles score matrix.

A *population* is one ``(n_stimuli, n_units_total)`` response matrix whose columns
belong to *profiles* (subject, area). A comparison of profiles yields a score matrix
``S`` with ``S[s, t] = sim(s → t)``, higher meaning more similar (a held-out R² or
Pearson r of a mapping, or a symmetric similarity measure such as RSA). The functions
here turn such a matrix into what the papers report: the dissimilarity
``D = 1 − (S + Sᵀ)/2``, the *specificity* (mean silhouette of ``D`` with areas as
clusters) and the *same-area predictivity* (mean ``S`` over pairs of the same area and
different subjects). They are plain functions on arrays, shared by
:class:`PairwiseMapping`, its scorers, :func:`compare_transform_classes` and the
analyses of real recordings.

References
----------
Thobani, Sagastuy-Brena, Nayebi, Cao & Yamins, *Predictivity and specificity for
model-brain alignment methods*. Rousseeuw (1987), Silhouettes: a graphical aid to the
interpretation and validation of cluster analysis, *J. Comput. Appl. Math.* 20.
"""

from numbers import Number

import numpy as np
from sklearn.metrics import silhouette_score
from sklearn.utils._param_validation import validate_params


def _label_kind(value):
    if isinstance(value, (str, np.str_, bytes)):
        return "text"
    if isinstance(value, Number):
        return "number"
    return type(value).__name__


def _check_labels(labels, name, n_columns):
    """One label per column, none missing, not a mix of numbers and text."""
    raw = labels
    labels = np.asarray(labels)
    if labels.shape != (n_columns,):
        raise ValueError(f"{name} must have one label per column of X "
                         f"({n_columns}), got shape {labels.shape}.")
    if labels.dtype == object or not isinstance(raw, np.ndarray):
        values = list(raw)
        missing = [k for k, v in enumerate(values)
                   if v is None or (isinstance(v, float) and np.isnan(v))]
        kinds = {_label_kind(v) for k, v in enumerate(values) if k not in missing}
        if len(kinds) > 1:
            raise ValueError(
                f"{name} mixes labels of different kinds ({', '.join(sorted(kinds))}): "
                "1 and '1' would become one label; give every label the same type.")
    elif labels.dtype.kind == "f":
        missing = np.flatnonzero(np.isnan(labels)).tolist()
    else:
        missing = []
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise ValueError(f"{name} has {len(missing)} missing label(s) (NaN or None) at "
                         f"columns {shown}: every column needs its {name[:-1]}.")
    return labels


def check_profile_labels(subjects, areas, n_columns):
    """The subject and area of every column as arrays, checked against ``n_columns``:
    no missing labels (NaN, None) and no mix of numbers and text in one of them."""
    return (_check_labels(subjects, "subjects", n_columns),
            _check_labels(areas, "areas", n_columns))


def split_profiles(subjects, areas):
    """Profiles in order of first appearance and the column indices of each.

    Returns
    -------
    profiles : list of tuple
        ``(subject, area)`` of each profile.
    columns : list of ndarray of int
        The columns of each profile, in the order they appear.
    """
    keys = list(zip(np.asarray(subjects).tolist(), np.asarray(areas).tolist()))
    profiles = list(dict.fromkeys(keys))
    lookup = {p: k for k, p in enumerate(profiles)}
    owner = np.array([lookup[k] for k in keys], dtype=np.intp)
    return profiles, [np.flatnonzero(owner == k) for k in range(len(profiles))]


def _square(S, name="S"):
    S = np.asarray(S, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] != S.shape[1]:
        raise ValueError(f"{name} must be a square profiles × profiles matrix, got shape "
                         f"{S.shape}.")
    return S


def _labels(labels, n, name):
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"{name} must have one label per profile ({n}), got shape "
                         f"{labels.shape}.")
    return labels


@validate_params({"S": ["array-like"]}, prefer_skip_nested_validation=True)
def profile_dissimilarity(S):
    """Dissimilarity of profiles from a score matrix: ``D = 1 − (S + Sᵀ)/2``.

    The diagonal (a profile with itself, undefined in ``S``) is set to 0 and rounding
    below 0 is clipped, so that ``D`` is a valid precomputed distance for
    :func:`sklearn.metrics.silhouette_score` or an MDS embedding.

    Parameters
    ----------
    S : array-like of shape (n_profiles, n_profiles)
        ``S[s, t] = sim(s → t)``, higher is more similar, at most 1; the diagonal is
        ignored.

    Returns
    -------
    D : ndarray of shape (n_profiles, n_profiles)
        Symmetric, zero diagonal, non-negative.

    Raises
    ------
    ValueError
        When an off-diagonal entry is NaN (a pair whose units were all undefined).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import profile_dissimilarity
    >>> S = np.array([[np.nan, 0.9, 0.2], [0.7, np.nan, 0.1], [0.2, 0.3, np.nan]])
    >>> profile_dissimilarity(S)
    array([[0. , 0.2, 0.8],
           [0.2, 0. , 0.8],
           [0.8, 0.8, 0. ]])
    """
    S = _square(S)
    D = 1.0 - (S + S.T) / 2
    np.fill_diagonal(D, 0.0)
    if np.isnan(D).any():
        pairs = np.argwhere(np.isnan(D))
        raise ValueError(f"{len(pairs) // 2} profile pair(s) have no defined score (e.g. "
                         f"profiles {tuple(pairs[0].tolist())}: all their units are "
                         "constant on these stimuli); their dissimilarity is undefined.")
    return np.maximum(D, 0.0)


@validate_params({"S": ["array-like"], "areas": ["array-like"]},
                 prefer_skip_nested_validation=True)
def area_silhouette(S, areas):
    """Specificity: mean silhouette of the profiles' dissimilarity, areas as clusters.

    ``silhouette_score(D, areas, metric="precomputed")`` with
    ``D = profile_dissimilarity(S)``: for each profile ``i``,
    ``(b_i − a_i) / max(a_i, b_i)`` with ``a_i`` its mean dissimilarity to the other
    profiles of its area and ``b_i`` the smallest mean dissimilarity to another area;
    averaged over profiles (Rousseeuw, 1987).

    Parameters
    ----------
    S : array-like of shape (n_profiles, n_profiles)
        Score matrix (see :func:`profile_dissimilarity`).
    areas : array-like of shape (n_profiles,)
        The area of each profile (any other grouping works: subjects, layers).

    Returns
    -------
    float
        In [−1, 1]; higher means profiles of the same area are more alike than
        profiles of different areas.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import area_silhouette
    >>> S = np.array([[1.0, 0.9, 0.1, 0.2], [0.9, 1.0, 0.2, 0.1],
    ...               [0.1, 0.2, 1.0, 0.8], [0.2, 0.1, 0.8, 1.0]])
    >>> round(area_silhouette(S, ["V1", "V1", "V4", "V4"]), 3)
    0.824
    """
    S = _square(S)
    areas = _labels(areas, len(S), "areas")
    n_areas = np.unique(areas).size
    if n_areas < 2 or n_areas >= len(areas):
        raise ValueError("The silhouette needs at least 2 areas and at least one area "
                         f"with 2 profiles; got areas {areas.tolist()}.")
    return float(silhouette_score(profile_dissimilarity(S), areas, metric="precomputed"))


@validate_params({"S": ["array-like"], "subjects": ["array-like"], "areas": ["array-like"]},
                 prefer_skip_nested_validation=True)
def same_area_predictivity(S, subjects, areas):
    """Same-area predictivity: mean ``S[s, t]`` over pairs of the same area and
    different subjects.

    Parameters
    ----------
    S : array-like of shape (n_profiles, n_profiles)
        ``S[s, t] = sim(s → t)``, e.g. the held-out median R² of the units of ``t``
        predicted from ``s``.
    subjects, areas : array-like of shape (n_profiles,)

    Returns
    -------
    float
        Undefined (NaN) pairs are left out; NaN if every such pair is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import same_area_predictivity
    >>> S = np.array([[np.nan, 0.8, 0.1], [0.6, np.nan, 0.2], [0.3, 0.1, np.nan]])
    >>> round(same_area_predictivity(S, [0, 1, 1], ["V1", "V1", "V4"]), 3)
    0.7
    """
    S = _square(S)
    subjects = _labels(subjects, len(S), "subjects")
    areas = _labels(areas, len(S), "areas")
    same = (areas[:, None] == areas[None, :]) & (subjects[:, None] != subjects[None, :])
    if not same.any():
        raise ValueError("No pair of profiles shares an area across subjects: same-area "
                         "predictivity is undefined.")
    values = S[same]
    if np.isnan(values).all():
        return np.nan
    return float(np.nanmean(values))
