"""The ``bands`` argument of BandedRidge: selections or labels -> band of each feature."""

from collections.abc import Mapping

import numpy as np


def parse_bands(bands, n_features, names=None):
    """``(feature_band, indices, band_names)`` of a ``bands`` argument, checked.

    Parameters
    ----------
    bands : list, tuple or dict of selections, array-like of labels, or None
        See :class:`BandedRidge`.
    n_features : int
    names : array-like of str or None
        The columns' names (``feature_names_in_``), for selections by name.

    Returns
    -------
    feature_band : ndarray of int of shape (n_features,)
    indices : list of ndarray
        The columns of each band.
    band_names : list
    """
    if bands is None:
        return np.zeros(n_features, dtype=np.intp), [np.arange(n_features)], [0]
    if isinstance(bands, Mapping):
        band_names, selections = list(bands.keys()), list(bands.values())
    else:
        seq = list(bands) if not hasattr(bands, "shape") else None
        if seq is not None and any(isinstance(s, slice) or np.ndim(s) > 0 for s in seq):
            band_names, selections = list(range(len(seq))), seq
        else:  # one label per feature
            labels = np.asarray(bands)
            if labels.ndim != 1 or labels.shape[0] != n_features:
                raise ValueError(
                    f"bands must be a list of column selections or one band label "
                    f"per feature; got {labels.shape[0] if labels.ndim else 0} "
                    f"labels for {n_features} features.")
            band_names, codes = [], np.empty(n_features, dtype=np.intp)
            for j, label in enumerate(labels.tolist()):
                if label not in band_names:
                    band_names.append(label)
                codes[j] = band_names.index(label)
            return codes, [np.flatnonzero(codes == b) for b in
                           range(len(band_names))], band_names
    if len(selections) == 0:
        raise ValueError("bands is empty: give at least one band of features.")
    feature_band = np.full(n_features, -1, dtype=np.intp)
    indices = []
    for b, (name, sel) in enumerate(zip(band_names, selections)):
        idx = _selection_indices(sel, n_features, names, name)
        if idx.size == 0:
            raise ValueError(f"Band {name!r} of bands selects no feature: every band "
                             f"needs at least one column.")
        overlap = idx[feature_band[idx] >= 0]
        if overlap.size:
            other = band_names[feature_band[overlap[0]]]
            raise ValueError(
                f"bands overlap: column {overlap[0]} is in band {other!r} and in "
                f"band {name!r}; each feature must be in exactly one band.")
        feature_band[idx] = b
        indices.append(idx)
    missing = np.flatnonzero(feature_band < 0)
    if missing.size:
        raise ValueError(
            f"{missing.size} feature(s) are in no band of bands (first: column "
            f"{missing[0]}); every feature must be in exactly one band (drop the "
            f"columns from X, or add a band for them).")
    return feature_band, indices, band_names


def _selection_indices(sel, n_features, names, band):
    """Column indices of one band's selection (slice, mask, indices or names)."""
    if isinstance(sel, slice):
        return np.arange(n_features)[sel]
    arr = np.asarray(sel)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.size == 0:
        return np.empty(0, dtype=np.intp)
    if arr.dtype.kind in "US" or arr.dtype == object:
        if names is None:
            raise ValueError(f"Band {band!r} of bands names columns ({arr[0]!r}, ...) but "
                             f"X has no column names: pass a DataFrame or indices.")
        lookup = {name: j for j, name in enumerate(names)}
        unknown = [c for c in arr.tolist() if c not in lookup]
        if unknown:
            raise ValueError(f"Band {band!r} of bands names unknown columns {unknown[:5]}; "
                             f"X's columns are {list(names)[:10]}...")
        return np.array([lookup[c] for c in arr.tolist()], dtype=np.intp)
    if arr.dtype == bool:
        if arr.shape != (n_features,):
            raise ValueError(f"Band {band!r} of bands is a boolean mask of shape "
                             f"{arr.shape}; it needs one entry per feature ({n_features}).")
        return np.flatnonzero(arr)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise ValueError(f"Band {band!r} of bands must be a slice, a boolean mask, "
                         f"integer indices or column names; got {arr.dtype} of shape "
                         f"{arr.shape}.")
    if arr.size and (arr.min() < -n_features or arr.max() >= n_features):
        raise ValueError(f"Band {band!r} of bands has indices outside the "
                         f"{n_features} features of X.")
    idx = np.unique(np.where(arr < 0, arr + n_features, arr))
    if idx.size != arr.size:
        raise ValueError(f"Band {band!r} of bands repeats a column.")
    return idx.astype(np.intp)
