"""Display objects, in scikit-learn's pattern: compute in ``from_*``, draw in ``plot``.

matplotlib is imported only when something is drawn (``pip install
'sklearn_brainmap[plot]'``).
"""

import numpy as np
from sklearn.metrics import silhouette_samples

from ..utils import classical_mds, columnwise_r2


def pyplot():
    """``matplotlib.pyplot``, or an ImportError that names the extra to install.

    The one place where the package imports matplotlib: every Display draws through
    it, and the ``brainmap`` command catches its error once.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("Drawing needs matplotlib: pip install "
                          "'sklearn_brainmap[plot]'.") from exc
    return plt


def _axes(ax):
    if ax is None:
        _, ax = pyplot().subplots()
    return ax


def _area_order(areas):
    return np.argsort(np.asarray(areas), kind="stable")


def _per_row(values, n, name, rows):
    """``values`` as a 1-D array of ``n`` labels, or a ValueError naming ``name``."""
    values = np.asarray(values)
    if values.ndim != 1 or len(values) != n:
        raise ValueError(f"{name} must give one label per {rows} ({n}); got shape "
                         f"{values.shape}.")
    return values


def _square(matrix, name):
    """``matrix`` as a square 2-D float array, or a ValueError naming ``name``."""
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be a square (n_profiles, n_profiles) matrix; got "
                         f"shape {matrix.shape}.")
    return matrix


class SimilarityMatrixDisplay:
    """Heat map of a profiles × profiles similarity matrix, grouped by area.

    Parameters
    ----------
    similarity : array-like of shape (n_profiles, n_profiles)
    areas : array-like of shape (n_profiles,)
    subjects : array-like of shape (n_profiles,), optional
        Used in the tick labels.

    Raises
    ------
    ValueError
        When ``similarity`` is not square, or ``areas`` (``subjects``) does not give
        one label per row.

    Attributes
    ----------
    ax_, figure_, image_ : matplotlib objects, set by :meth:`plot`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.plotting import SimilarityMatrixDisplay
    >>> S = np.array([[1.0, 0.8, 0.1], [0.8, 1.0, 0.2], [0.1, 0.2, 1.0]])
    >>> display = SimilarityMatrixDisplay(S, ["V1", "V1", "V4"]).plot()
    >>> display.ax_.get_title()
    'similarity of profiles (grouped by area)'
    """

    def __init__(self, similarity, areas, subjects=None):
        self.similarity = _square(similarity, "similarity")
        n = len(self.similarity)
        self.areas = _per_row(areas, n, "areas", "row of similarity")
        self.subjects = None if subjects is None else _per_row(
            subjects, n, "subjects", "row of similarity")

    @classmethod
    def from_estimator(cls, mapping, X, y=None, *, ax=None, **kwargs):
        """Symmetrised held-out similarity of a fitted ``PairwiseMapping`` on ``X``."""
        display = cls(mapping.similarity_matrix(X, y), mapping.profile_areas_,
                      mapping.profile_subjects_)
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, cmap="viridis", colorbar=True, label="similarity",
             title="similarity of profiles (grouped by area)"):
        """Draw the heat map; lines separate areas.

        ``label`` names the colour bar (what the similarity is, e.g. "RSA (Spearman ρ
        of RDMs)"), ``title`` the axes.
        """
        ax = _axes(ax)
        order = _area_order(self.areas)
        areas = self.areas[order]
        labels = [f"{a} / {s}" for a, s in zip(areas, self.subjects[order])] \
            if self.subjects is not None else [str(a) for a in areas]
        self.image_ = ax.imshow(self.similarity[np.ix_(order, order)], cmap=cmap)
        ax.set_xticks(range(len(order)), labels, rotation=90, fontsize=7)
        ax.set_yticks(range(len(order)), labels, fontsize=7)
        for edge in np.flatnonzero(areas[1:] != areas[:-1]) + 0.5:
            ax.axhline(edge, color="w", lw=1)
            ax.axvline(edge, color="w", lw=1)
        if colorbar:
            ax.figure.colorbar(self.image_, ax=ax, label=label)
        ax.set_title(title)
        self.ax_, self.figure_ = ax, ax.figure
        return self


class SilhouetteDisplay:
    """Silhouette of each profile, as horizontal bars grouped by area.

    Parameters
    ----------
    silhouettes : array-like of shape (n_profiles,)
        Per-profile silhouette values (``sklearn.metrics.silhouette_samples``).
    areas : array-like of shape (n_profiles,)

    Raises
    ------
    ValueError
        When ``areas`` does not give one label per silhouette.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.plotting import SilhouetteDisplay
    >>> display = SilhouetteDisplay(np.array([0.5, 0.4, 0.1, 0.3]),
    ...                             ["V1", "V1", "V4", "V4"]).plot()
    >>> round(display.mean_, 3)
    0.325
    """

    def __init__(self, silhouettes, areas):
        self.silhouettes = np.asarray(silhouettes, dtype=float)
        if self.silhouettes.ndim != 1:
            raise ValueError("silhouettes must be one value per profile, shape "
                             f"(n_profiles,); got shape {self.silhouettes.shape}.")
        self.areas = _per_row(areas, len(self.silhouettes), "areas", "silhouette")
        self.mean_ = float(self.silhouettes.mean())

    @classmethod
    def from_estimator(cls, mapping, X, y=None, *, ax=None):
        """Per-profile silhouettes of a fitted ``PairwiseMapping`` on held-out ``X``."""
        D = mapping.dissimilarity_matrix(X, y)
        values = silhouette_samples(D, mapping.profile_areas_, metric="precomputed")
        return cls(values, mapping.profile_areas_).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the bars and the mean silhouette."""
        ax = _axes(ax)
        order = _area_order(self.areas)
        names = list(dict.fromkeys(self.areas[order].tolist()))
        colours = {a: f"C{k}" for k, a in enumerate(names)}
        ax.barh(np.arange(len(order)), self.silhouettes[order],
                color=[colours[a] for a in self.areas[order].tolist()])
        ax.set_yticks(np.arange(len(order)), self.areas[order], fontsize=7)
        ax.axvline(self.mean_, color="k", ls="--", label=f"mean {self.mean_:.3f}")
        ax.set_xlabel("silhouette")
        ax.set_title("silhouette of each profile (areas as clusters)")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self


class MDSDisplay:
    """Two-dimensional classical MDS embedding of the profiles, coloured by area.

    Parameters
    ----------
    embedding : array-like of shape (n_profiles, 2)
    areas : array-like of shape (n_profiles,)
    subjects : array-like of shape (n_profiles,), optional
        Labels of the points.

    Raises
    ------
    ValueError
        When ``embedding`` is not ``(n_profiles, 2)`` or ``areas`` (``subjects``) does
        not give one label per point; :meth:`from_dissimilarity` also when ``D`` is
        not a square, finite, symmetric dissimilarity matrix with a zero diagonal
        (classical MDS: the top eigenvectors of the double-centred squared
        dissimilarities).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.plotting import MDSDisplay
    >>> D = np.array([[0, 1, 4], [1, 0, 3], [4, 3, 0]], dtype=float)
    >>> display = MDSDisplay.from_dissimilarity(D, ["V1", "V1", "V4"], [0, 1, 0])
    >>> display.embedding.shape
    (3, 2)
    """

    def __init__(self, embedding, areas, subjects=None):
        self.embedding = np.asarray(embedding, dtype=float)
        if self.embedding.ndim != 2 or self.embedding.shape[1] != 2:
            raise ValueError("embedding must have shape (n_profiles, 2); got shape "
                             f"{self.embedding.shape}.")
        n = len(self.embedding)
        self.areas = _per_row(areas, n, "areas", "point of the embedding")
        self.subjects = None if subjects is None else _per_row(
            subjects, n, "subjects", "point of the embedding")

    @classmethod
    def from_dissimilarity(cls, D, areas, subjects=None, *, ax=None,
                           title="profiles (classical MDS of 1 − similarity)"):
        """Embed a dissimilarity matrix ``D`` (classical MDS) and draw it."""
        D = _square(D, "D")
        _per_row(areas, len(D), "areas", "row of D")
        return cls(classical_mds(D), areas, subjects).plot(ax=ax, title=title)

    @classmethod
    def from_estimator(cls, mapping, X, y=None, *, ax=None):
        """Embed ``1 − similarity`` of a fitted ``PairwiseMapping`` on held-out ``X``."""
        return cls.from_dissimilarity(mapping.dissimilarity_matrix(X, y),
                                      mapping.profile_areas_, mapping.profile_subjects_,
                                      ax=ax)

    def plot(self, ax=None, *, title="profiles (classical MDS of 1 − similarity)"):
        """Scatter the profiles; subjects label the points."""
        ax = _axes(ax)
        for area in dict.fromkeys(self.areas.tolist()):
            pick = self.areas == area
            ax.scatter(*self.embedding[pick].T, label=str(area), s=40)
            if self.subjects is not None:
                for point, subject in zip(self.embedding[pick], self.subjects[pick]):
                    ax.annotate(str(subject), point, fontsize=7, xytext=(3, 3),
                                textcoords="offset points")
        ax.set_xlabel("MDS 1")
        ax.set_ylabel("MDS 2")
        ax.set_title(title)
        ax.legend(title="area")
        self.ax_, self.figure_ = ax, ax.figure
        return self


class SubsamplingCurveDisplay:
    """A subsampling curve (mean ± sd over draws) with its fitted curve.

    Parameters
    ----------
    sizes : array-like of shape (n_sizes,)
        Positive (the x axis is logarithmic).
    scores : array-like of shape (n_sizes, n_draws) or (n_sizes,)
    fit : callable, optional
        E.g. a :class:`~sklearn_brainmap.model_selection.CurveFit`.
    label : str, default="scores"
    xlabel : str, default="source units"

    Raises
    ------
    ValueError
        When ``sizes`` is not one-dimensional with positive finite values, or
        ``scores`` does not have one row per size.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.model_selection import CurveFit
    >>> from sklearn_brainmap.plotting import SubsamplingCurveDisplay
    >>> sizes = np.array([5, 10, 50, 100])
    >>> fit = CurveFit("arctan", (0.4, 0.05, 0.0))
    >>> display = SubsamplingCurveDisplay(sizes, fit(sizes)[:, None], fit=fit).plot()
    >>> display.ax_.get_xlabel()
    'source units'
    """

    def __init__(self, sizes, scores, *, fit=None, label="scores", xlabel="source units"):
        self.sizes = np.asarray(sizes, dtype=float)
        if self.sizes.ndim != 1 or not (np.isfinite(self.sizes).all()
                                        and (self.sizes > 0).all()):
            raise ValueError("sizes must be a one-dimensional array of positive numbers "
                             f"(the x axis is logarithmic); got {self.sizes!r}.")
        scores = np.asarray(scores, dtype=float)
        if scores.ndim not in (1, 2) or len(scores) != len(self.sizes):
            raise ValueError(f"scores must have one row per size, shape ({len(self.sizes)}, "
                             f"n_draws) or ({len(self.sizes)},); got shape {scores.shape}.")
        self.scores = scores.reshape(len(self.sizes), -1)
        self.fit = fit
        self.label = label
        self.xlabel = xlabel

    @classmethod
    def from_curve(cls, curve, *, fit=None, label="scores", ax=None):
        """Draw the output of :func:`~sklearn_brainmap.model_selection.subsampling_curve`."""
        xlabel = "source units" if curve.kind == "units" else "training stimuli"
        return cls(curve.sizes, curve.scores, fit=fit, label=label,
                   xlabel=xlabel).plot(ax=ax)

    def plot(self, ax=None):
        """Draw mean ± sd and, if given, the fitted curve on a log x axis."""
        ax = _axes(ax)
        mean, sd = self.scores.mean(axis=1), self.scores.std(axis=1)
        self.line_ = ax.errorbar(self.sizes, mean, yerr=sd, fmt="o", label=self.label)
        if self.fit is not None:
            grid = np.geomspace(max(self.sizes.min() / 2, 1e-3), self.sizes.max() * 2, 200)
            ax.plot(grid, self.fit(grid), color=self.line_[0].get_color(),
                    label=f"{self.label}: {getattr(self.fit, 'kind', 'fit')} fit")
        ax.set_xscale("log")
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel("held-out score")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self


class PredictionDisplay:
    """Predicted against measured responses of a few target units.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_stimuli, n_units) or (n_stimuli,)
        The same shape.
    units : sequence of int, optional
        Columns to draw, each in ``[0, n_units)`` (default: up to 4, the best, median
        and worst by R²).

    Raises
    ------
    ValueError
        When ``y_true`` and ``y_pred`` differ in shape or have more than two
        dimensions, or a unit is not a column index in ``[0, n_units)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.plotting import PredictionDisplay
    >>> y = np.arange(20.0).reshape(10, 2)
    >>> display = PredictionDisplay.from_predictions(y, y + 0.1)
    >>> len(display.units)
    2
    """

    def __init__(self, y_true, y_pred, units=None):
        y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
        if y_true.shape != y_pred.shape or y_true.ndim not in (1, 2) or not y_true.size:
            raise ValueError("y_true and y_pred must have the same shape, (n_stimuli, "
                             f"n_units) or (n_stimuli,); got {y_true.shape} and "
                             f"{y_pred.shape}.")
        self.y_true = y_true.reshape(len(y_true), -1)
        self.y_pred = y_pred.reshape(len(y_pred), -1)
        self.r2 = columnwise_r2(self.y_true, self.y_pred)
        n_units = self.y_true.shape[1]
        if units is None:
            ranked = np.argsort(np.where(np.isnan(self.r2), -np.inf, self.r2))[::-1]
            picks = [0, len(ranked) // 3, 2 * len(ranked) // 3, len(ranked) - 1]
            units = list(dict.fromkeys(int(ranked[k]) for k in picks))
        units = np.atleast_1d(np.asarray(units))
        if (units.ndim != 1 or not units.size or units.dtype.kind not in "iu"
                or (units < 0).any() or (units >= n_units).any()):
            raise ValueError(f"units must be column indices in [0, {n_units}) (y_true has "
                             f"{n_units} unit(s)); got {units.tolist()!r}.")
        self.units = units.tolist()

    @classmethod
    def from_predictions(cls, y_true, y_pred, *, units=None, ax=None):
        """Draw measured against predicted responses."""
        return cls(y_true, y_pred, units).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, units=None, ax=None):
        """Predict ``X`` with a fitted mapping and compare with ``y``."""
        return cls(y, estimator.predict(X), units).plot(ax=ax)

    def plot(self, ax=None):
        """Scatter per unit, with the identity line."""
        ax = _axes(ax)
        for u in self.units:
            ax.scatter(self.y_true[:, u], self.y_pred[:, u], s=12,
                       label=f"unit {u} (R² {self.r2[u]:.2f})")
        lo = np.nanmin([self.y_true[:, self.units].min(), self.y_pred[:, self.units].min()])
        hi = np.nanmax([self.y_true[:, self.units].max(), self.y_pred[:, self.units].max()])
        ax.plot([lo, hi], [lo, hi], color="k", lw=0.8)
        ax.set_xlabel("measured response")
        ax.set_ylabel("predicted response")
        ax.legend(fontsize=8)
        self.ax_, self.figure_ = ax, ax.figure
        return self
