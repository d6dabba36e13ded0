"""Displays of scores: grouped bars, a histogram of noise ceilings, and the comparison of
transform classes (bars of predictivity and silhouette beside an MDS of the profiles)."""

import numpy as np

from ..model_selection import profile_dissimilarity
from ._displays import MDSDisplay, _axes, pyplot


class ScoreBarDisplay:
    """Grouped bars: one group per name (transform class, say), one bar per series.

    Parameters
    ----------
    names : sequence of str
        The groups along the x axis.
    series : dict
        ``{label: values}``, one value per name (NaN: no bar), one bar per label in
        each group.
    ylabel : str, default="score"
    title : str, default=None
    intervals : dict, default=None
        ``{label: (2, n_names) array}``: lower and upper bounds (e.g. bootstrap
        confidence intervals) drawn as error bars; NaN: none.

    Attributes
    ----------
    ax_, figure_ : matplotlib objects, set by :meth:`plot`.
    bars_ : dict of ``{label: BarContainer}``

    Examples
    --------
    >>> from sklearn_brainmap.plotting import ScoreBarDisplay
    >>> rows = [{"transform_class": "Ridge", "r": 0.6, "r_ceiled": 0.8},
    ...         {"transform_class": "OneToOne", "r": 0.3, "r_ceiled": 0.4}]
    >>> display = ScoreBarDisplay.from_rows(rows, "transform_class", ["r", "r_ceiled"])
    >>> [round(float(b.get_height()), 2) for b in display.bars_["r"]]
    [0.6, 0.3]
    """

    def __init__(self, names, series, *, ylabel="score", title=None, intervals=None):
        self.names = [str(n) for n in names]
        self.series = {label: np.asarray(values, dtype=float)
                       for label, values in series.items()}
        for label, values in self.series.items():
            if values.shape != (len(self.names),):
                raise ValueError(f"series {label!r} has {values.size} values for "
                                 f"{len(self.names)} names.")
        self.ylabel = ylabel
        self.title = title
        self.intervals = {label: np.asarray(bounds, dtype=float).reshape(
            2, len(self.names)) for label, bounds in (intervals or {}).items()}

    @classmethod
    def from_rows(cls, rows, name_key, value_keys, *, ax=None, ylabel="score",
                  title=None):
        """Bars of ``row[value_key]`` for each key, grouped by ``row[name_key]``
        (rows as in the tables of the ``brainmap`` command); missing values are NaN."""
        names = [row[name_key] for row in rows]
        series = {key.replace("_", " "): [_value(row.get(key)) for row in rows]
                  for key in value_keys}
        return cls(names, series, ylabel=ylabel, title=title).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the bars, a zero line, "n/a" where a value is missing (a class that
        does not apply) and the legend, outside the bars."""
        ax = _axes(ax)
        x = np.arange(len(self.names))
        width = 0.8 / max(len(self.series), 1)
        self.bars_ = {}
        for k, (label, values) in enumerate(self.series.items()):
            offset = (k - (len(self.series) - 1) / 2) * width
            self.bars_[label] = ax.bar(x + offset, values, width=width, label=label)
            if label in self.intervals:
                # drawn from its bounds, not as yerr around the bar: a percentile
                # interval need not contain the estimate (a skewed bootstrap)
                low, high = self.intervals[label]
                shown = np.isfinite(low) & np.isfinite(high)
                ax.vlines((x + offset)[shown], low[shown], high[shown], color="k",
                          lw=0.8)
                for end in (low, high):
                    ax.hlines(end[shown], (x + offset - width / 5)[shown],
                              (x + offset + width / 5)[shown], color="k", lw=0.8)
            for position in (x + offset)[np.isnan(values)]:
                ax.text(position, 0, "n/a", rotation=90, ha="center", va="bottom",
                        fontsize=7, color="0.4")
        # anchored at the end of each label, so long names are not clipped or shifted
        ax.set_xticks(x, self.names, rotation=35, ha="right", rotation_mode="anchor")
        ax.set_ylabel(self.ylabel)
        ax.axhline(0, color="k", lw=0.5)
        if self.title:
            ax.set_title(self.title)
        if len(self.series) > 1:
            # above the bars, not over them: headroom of one legend row
            low, high = ax.get_ylim()
            ax.set_ylim(low, high + 0.18 * (high - low))
            ax.legend(fontsize=8, loc="upper center", ncol=len(self.series),
                      frameon=False)
        self.ax_, self.figure_ = ax, ax.figure
        return self


def _value(value):
    return np.nan if value is None else float(value)


class ReliabilityDisplay:
    """Histogram of the units' noise ceilings (split-half reliabilities).

    Parameters
    ----------
    reliability : array-like of shape (n_units,)
        E.g. the output of :func:`~sklearn_brainmap.metrics.split_half_reliability`;
        NaN (undefined) units are left out and counted in the legend.
    title : str, default="noise ceilings"

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap.plotting import ReliabilityDisplay
    >>> display = ReliabilityDisplay(np.array([0.2, 0.5, np.nan, 0.9])).plot()
    >>> display.n_undefined_
    1
    """

    def __init__(self, reliability, *, title="noise ceilings"):
        self.reliability = np.asarray(reliability, dtype=float).ravel()
        self.title = title

    def plot(self, ax=None, *, bins=30):
        """Draw the histogram and the median."""
        ax = _axes(ax)
        defined = self.reliability[np.isfinite(self.reliability)]
        self.n_undefined_ = int(self.reliability.size - defined.size)
        ax.hist(defined, bins=bins)
        if defined.size:
            median = float(np.median(defined))
            ax.axvline(median, color="k", ls="--", label=f"median {median:.2f}"
                       + (f" ({self.n_undefined_} undefined)" if self.n_undefined_ else ""))
            ax.legend(fontsize=8)
        ax.set_xlabel("split-half reliability (Spearman–Brown)")
        ax.set_ylabel("units")
        ax.set_title(self.title)
        self.ax_, self.figure_ = ax, ax.figure
        return self


class ComparisonDisplay:
    """The comparison of transform classes: predictivity and silhouette of each class
    (bars per target recording; error bars: the bootstrap confidence intervals when
    the comparison has them) and the MDS embedding of one class's profiles.

    Parameters
    ----------
    result : :class:`~sklearn_brainmap.model_selection.ComparisonResult`
    mds : tuple of (responses, transform_class), default=None
        The cell whose mean held-out score matrix is embedded (its dissimilarity
        ``1 − (S + Sᵀ)/2``); default: Ridge on post-activation targets if compared,
        else the first cell.
    title : str, default=None
        Put before each panel's title (e.g. the population's activation).

    Attributes
    ----------
    axes_ : ndarray of 3 Axes
    figure_ : matplotlib Figure
    predictivity_, silhouette_ : ScoreBarDisplay
    mds_ : MDSDisplay

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_brainmap import Ridge
    >>> from sklearn_brainmap.metrics import rsa_score
    >>> from sklearn_brainmap.model_selection import compare_transform_classes
    >>> from sklearn_brainmap.plotting import ComparisonDisplay
    >>> rng = np.random.default_rng(0)
    >>> pre = rng.standard_normal((60, 24))
    >>> population = {"pre": pre, "post": np.exp(pre),
    ...               "subjects": np.repeat([0, 1, 2], 8),
    ...               "areas": np.tile(np.repeat(["V1", "V4"], 4), 3)}
    >>> result = compare_transform_classes({"Ridge": Ridge(cv=None), "RSA": rsa_score},
    ...                                    population, cv=3)
    >>> display = ComparisonDisplay.from_result(result)
    >>> display.mds_.embedding.shape
    (6, 2)
    """

    def __init__(self, result, *, mds=None, title=None):
        self.result = result
        cells = result.cells()
        if mds is None:
            mds = ("post", "Ridge") if ("post", "Ridge") in cells else cells[0]
        if tuple(mds) not in result.matrices:
            raise ValueError(f"mds={mds!r} is not a cell of the comparison; cells: "
                             f"{cells}.")
        self.mds = tuple(mds)
        self.title = title

    @classmethod
    def from_result(cls, result, *, mds=None, title=None, axes=None):
        """Draw the comparison of a
        :func:`~sklearn_brainmap.model_selection.compare_transform_classes` result."""
        return cls(result, mds=mds, title=title).plot(axes=axes)

    def plot(self, axes=None):
        """Draw on three axes (a new figure of one row when ``axes`` is None)."""
        if axes is None:
            _, axes = pyplot().subplots(1, 3, figsize=(16, 4.5), layout="constrained")
        axes = np.asarray(axes).ravel()
        if axes.size != 3:
            raise ValueError(f"ComparisonDisplay draws on 3 axes, got {axes.size}.")
        rows = self.result.summary()
        names = list(dict.fromkeys(row["transform_class"] for row in rows))
        recordings = list(dict.fromkeys(row["responses"] for row in rows))
        prefix = f"{self.title}: " if self.title else ""
        panels = []
        for ax, metric, ylabel in zip(
                axes[:2], ("predictivity", "silhouette"),
                ("same-area predictivity", "silhouette (areas)")):
            series, intervals = {}, {}
            for responses in recordings:
                mine = {row["transform_class"]: row for row in rows
                        if row["responses"] == responses}
                label = f"{responses} targets"
                series[label] = [_value(mine[n][metric]) if n in mine else np.nan
                                 for n in names]
                if any(mine[n].get(f"{metric}_ci") for n in mine):
                    # bootstrap intervals of the comparison (n_bootstraps > 0)
                    intervals[label] = np.array(
                        [mine[n].get(f"{metric}_ci") or [np.nan, np.nan] if n in mine
                         else [np.nan, np.nan] for n in names], dtype=float).T
            panels.append(ScoreBarDisplay(names, series, ylabel=ylabel, intervals=intervals,
                                          title=f"{prefix}{metric}").plot(ax=ax))
        self.predictivity_, self.silhouette_ = panels
        responses, name = self.mds
        D = profile_dissimilarity(self.result.matrices[responses, name])
        self.mds_ = MDSDisplay.from_dissimilarity(
            D, self.result.profile_areas, self.result.profile_subjects, ax=axes[2],
            title=f"{prefix}MDS of profiles ({name}, {responses}), labels = subject")
        self.axes_, self.figure_ = axes, axes[0].figure
        return self
