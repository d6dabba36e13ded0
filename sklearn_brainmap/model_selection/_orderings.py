"""Rank agreement of orderings: transform classes on animals and on simulations, an
area × area matrix and an anatomical hierarchy."""

import numpy as np
from scipy.stats import spearmanr
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params


@validate_params({"a": [dict], "b": [dict]}, prefer_skip_nested_validation=True)
def rank_agreement(a, b):
    """Spearman's ρ between two scorings of the same items (their shared keys).

    E.g. the same-area predictivity of each transform class on animals and on a
    simulated population (Thobani et al., Fig. 2A), or each area's score and its
    anatomical hierarchy score.

    Parameters
    ----------
    a, b : dict of {item: float}

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``rho``, ``p_value`` (two-sided, SciPy's), ``items`` (the shared keys, in
        ``a``'s order), ``order_a`` and ``order_b`` (the items from best to worst).

    Examples
    --------
    >>> from sklearn_brainmap.model_selection import rank_agreement
    >>> r = rank_agreement({"Ridge": 0.6, "SoftMatching": 0.4, "OneToOne": 0.3},
    ...                    {"Ridge": 0.8, "SoftMatching": 0.3, "OneToOne": 0.5})
    >>> round(r.rho, 3), r.order_b
    (0.5, ['Ridge', 'OneToOne', 'SoftMatching'])
    """
    items = [k for k in a if k in b and np.isfinite(a[k]) and np.isfinite(b[k])]
    if len(items) < 3:
        raise ValueError(f"rank_agreement needs at least 3 items scored in both, got "
                         f"{items}.")
    x, y = np.array([a[k] for k in items]), np.array([b[k] for k in items])
    rho, p = spearmanr(x, y)
    return Bunch(rho=float(rho), p_value=float(p), items=items,
                 order_a=[items[i] for i in np.argsort(-x, kind="stable")],
                 order_b=[items[i] for i in np.argsort(-y, kind="stable")])


@validate_params({"S": ["array-like"], "areas": ["array-like"], "hierarchy": [dict]},
                 prefer_skip_nested_validation=True)
def hierarchy_agreement(S, areas, hierarchy):
    """Rank agreement of an area × area predictivity matrix with an area hierarchy.

    Parameters
    ----------
    S : array-like of shape (n_areas, n_areas)
        ``S[b, a]``: pooled predictivity of target area ``a`` from source area ``b``.
    areas : array-like of shape (n_areas,)
        The areas of the rows and columns.
    hierarchy : dict of {area: float}
        Hierarchy score of each area (e.g. Harris et al. 2019's anatomical scores,
        :data:`~sklearn_brainmap.datasets.HARRIS2019_HIERARCHY_SCORES`).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``distance``: Spearman's ρ over ordered pairs of distinct areas between
          ``S[b, a]`` and ``−|h_a − h_b|`` (areas close in the hierarchy predict each
          other better: ρ > 0), and its ``distance_p_value``;
        - ``same_area``: ρ between the diagonal ``S[a, a]`` and ``h_a``;
        - ``from_lowest``: ρ between ``S[lowest, a]`` (prediction from the lowest
          area, a ≠ lowest) and ``h_a`` (ρ < 0 when it falls along the hierarchy);
        - ``areas``: the areas used (those with a hierarchy score).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import hierarchy_agreement
    >>> h = {"A": 0.0, "B": 1.0, "C": 2.0}
    >>> S = 1 - np.abs(np.subtract.outer([0.0, 1, 2], [0.0, 1, 2])) / 4
    >>> S[np.diag_indices(3)] = [0.8, 0.9, 1.0]
    >>> round(hierarchy_agreement(S, ["A", "B", "C"], h).distance, 3)
    1.0
    """
    S = np.asarray(S, dtype=np.float64)
    areas = np.asarray(areas)
    if S.shape != (len(areas), len(areas)):
        raise ValueError(f"S must be (n_areas, n_areas) = ({len(areas)}, {len(areas)}), "
                         f"got shape {S.shape}.")
    keep = np.array([a in hierarchy for a in areas.tolist()])
    if keep.sum() < 3:
        raise ValueError(f"hierarchy scores fewer than 3 of the areas {areas.tolist()}.")
    S, areas = S[np.ix_(keep, keep)], areas[keep]
    h = np.array([hierarchy[a] for a in areas.tolist()], dtype=float)
    off = ~np.eye(len(areas), dtype=bool)
    distance = -np.abs(h[:, None] - h[None, :])
    rho, p = spearmanr(S[off], distance[off], nan_policy="omit")
    lowest = int(np.argmin(h))
    others = np.arange(len(areas)) != lowest
    return Bunch(distance=float(rho), distance_p_value=float(p),
                 same_area=float(spearmanr(np.diag(S), h, nan_policy="omit")[0]),
                 from_lowest=float(spearmanr(S[lowest, others], h[others],
                                             nan_policy="omit")[0]),
                 areas=areas.tolist())
