"""Held-out predictions of a population's units, kept per unit and per stimulus.

A mapping's score on real recordings is a statistic of its *held-out predictions*: for
each target unit and each stimulus, the recorded response ``y`` and the prediction
``ŷ`` of a model fitted on the other folds (every stimulus is held out once). Keeping
``(y, ŷ)`` rather than a summary lets every later question be answered without
refitting: scores on a subset or a resample of the stimuli, per subject (mouse), per
area, normalised by each unit's noise ceiling, or the paired difference of two transform
classes on the same units and stimuli (what a bootstrap over stimuli and subjects
resamples).
"""

import warnings

import numpy as np

from ..utils._stats import columnwise_pearson
from ._held_out_bootstrap import bootstrap_held_out, resampled_scores, selection


def pearson_by_columns(y, y_pred, scenes=None):
    """Pearson r of every column of ``y`` with the same column of ``y_pred``.

    ``scenes`` (row indices, repeats allowed) selects the rows; NaN where either
    column is constant on them or a prediction is missing (NaN).
    """
    if scenes is not None:
        y, y_pred = y[scenes], y_pred[scenes]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = columnwise_pearson(y, y_pred)
    r = np.asarray(r, dtype=np.float64)
    r[np.isnan(y_pred).any(axis=0)] = np.nan
    return r


class HeldOutPredictions:
    """Cross-validated predictions of every recorded unit by one or more mappings.

    Each mapping (a transform class, a source area, a model layer: a *key*) predicted
    every target unit on held-out stimuli only (cross-validation over stimuli, every
    stimulus in exactly one test fold). The scores are statistics of these predictions:

    - unit score: Pearson r over stimuli between ``responses[:, u]`` and
      ``predictions[key][:, u]`` (the cross-validated prediction of every stimulus,
      as :func:`sklearn.model_selection.cross_val_predict` gives);
    - ceiling-normalised unit score: ``r² / reliability[u]`` (explained variance over
      the unit's split-half reliability; Brain-Score's convention), NaN where the
      reliability is not positive;
    - profile score: the median unit score of a (subject, area) profile;
    - score: the mean of profile scores (over the chosen subjects and areas).

    Every method takes ``scenes`` (stimulus indices, repeats allowed) and the scores
    take ``subjects`` (subject labels, repeats allowed): a bootstrap over stimuli and
    subjects passes resampled indices and labels and never refits a mapping.

    Attributes
    ----------
    responses : ndarray of shape (n_stimuli, n_units)
        The recorded (target) responses ``y``.
    predictions : dict of {key: ndarray of shape (n_stimuli, n_units)}
        The held-out predictions ``ŷ``; NaN for units a mapping did not predict (an
        area recorded in a single subject has no N−1 source).
    folds : ndarray of int, shape (n_stimuli,)
        The test fold of each stimulus.
    subjects, areas : ndarray of shape (n_units,)
        The subject and area of each unit.
    reliability : ndarray of shape (n_units,) or None
        Split-half reliability of each unit (NaN where not positive).
    profiles : list of (subject, area)
        The profiles, in order of first appearance.
    """

    def __init__(self, responses, predictions, folds, subjects, areas, reliability=None):
        self.responses = responses
        self.predictions = predictions
        self.folds = folds
        self.subjects = np.asarray(subjects)
        self.areas = np.asarray(areas)
        self.reliability = reliability
        keys = list(zip(self.subjects.tolist(), self.areas.tolist()))
        self.profiles = list(dict.fromkeys(keys))
        lookup = {p: k for k, p in enumerate(self.profiles)}
        self._owner = np.array([lookup[k] for k in keys], dtype=np.intp)

    @property
    def keys(self):
        """The mappings compared (transform classes, source areas or layers)."""
        return list(self.predictions)

    def unit_scores(self, key, *, scenes=None, normalized=False):
        """Score of every unit: Pearson r, or ``r² / reliability`` with ``normalized``."""
        r = pearson_by_columns(self.responses, self.predictions[key], scenes)
        return self._normalize(r) if normalized else r

    def unit_scores_for_counts(self, key, counts, *, normalized=False):
        """Unit scores for many resamples of the stimuli at once.

        ``counts[b, i]`` is how often stimulus ``i`` is drawn in resample ``b`` (a
        bootstrap draw's ``np.bincount``). Pearson r is computed from count-weighted
        sums of the per-stimulus terms ``y``, ``ŷ``, ``y²``, ``ŷ²``, ``yŷ`` (centred on
        the full-sample means first, for precision): one matrix product per term for
        all resamples, instead of one call of :meth:`unit_scores` per resample.

        Parameters
        ----------
        key : the mapping
        counts : array-like of shape (n_resamples, n_stimuli)
        normalized : bool, default=False

        Returns
        -------
        scores : ndarray of shape (n_resamples, n_units)
            Equal to ``unit_scores(key, scenes=np.repeat(np.arange(n), counts[b]))``
            for every resample ``b``.
        """
        r = self._pearson_for_counts(key, counts, slice(None))
        return self._normalize(r) if normalized else r

    def _pearson_for_counts(self, key, counts, columns):
        """:meth:`unit_scores_for_counts` (Pearson r) of the units ``columns``."""
        counts = np.asarray(counts, dtype=np.float64)
        if counts.ndim != 2 or counts.shape[1] != len(self.responses):
            raise ValueError(f"counts must be (n_resamples, {len(self.responses)}), got "
                             f"shape {counts.shape}.")
        y = self.responses[:, columns]
        y = y - y.mean(axis=0)
        pred = self.predictions[key][:, columns]
        f = pred - pred.mean(axis=0)
        n = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            my, mf = counts @ y / n, counts @ f / n
            cov = counts @ (y * f) / n - my * mf
            vy = counts @ (y * y) / n - my**2
            vf = counts @ (f * f) / n - mf**2
            r = cov / np.sqrt(vy * vf)
        # a column constant on a resample has no correlation (as unit_scores)
        scale = np.maximum(np.abs(y).max(axis=0), 1e-300)
        fscale = np.maximum(np.abs(np.nan_to_num(f)).max(axis=0), 1e-300)
        r[(vy <= 1e-24 * scale**2) | (vf <= 1e-24 * fscale**2)] = np.nan
        r = np.clip(r, -1.0, 1.0)
        r[:, np.isnan(pred).any(axis=0)] = np.nan
        return r

    def _normalize(self, r, columns=slice(None)):
        if self.reliability is None:
            raise ValueError("normalized=True needs the units' reliability; none was "
                             "given to the analysis (pass trials).")
        reliability = np.asarray(self.reliability, dtype=np.float64)[columns]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = r**2 / reliability
        out[..., ~(reliability > 0)] = np.nan
        return out

    def profile_scores_for_counts(self, key, counts, *, normalized=False):
        """Median unit score of every profile for many resamples of the stimuli
        (see :meth:`unit_scores_for_counts`): ndarray (n_resamples, n_profiles)."""
        scores = self.unit_scores_for_counts(key, counts, normalized=normalized)
        out = np.full((len(scores), len(self.profiles)), np.nan)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN profiles stay NaN
            for k in range(len(self.profiles)):
                out[:, k] = np.nanmedian(scores[:, self._owner == k], axis=1)
        return out

    def profile_scores(self, key, *, scenes=None, normalized=False):
        """Median unit score of every profile, ndarray (n_profiles,) in ``profiles``
        order; NaN for a profile without a defined unit score."""
        scores = self.unit_scores(key, scenes=scenes, normalized=normalized)
        out = np.full(len(self.profiles), np.nan)
        for k in range(len(self.profiles)):   # ~50 profiles; the units are vectorised
            values = scores[self._owner == k]
            values = values[~np.isnan(values)]
            if values.size:
                out[k] = np.median(values)
        return out

    def _weights(self, subjects, areas):
        """Weight of every profile: how often its subject is drawn (``subjects``, with
        repeats) times whether its area is chosen."""
        prof_subjects = np.array([s for s, _ in self.profiles])
        prof_areas = np.array([a for _, a in self.profiles])
        if subjects is None:
            weights = np.ones(len(self.profiles))
        else:
            drawn, counts = np.unique(np.asarray(subjects), return_counts=True)
            unknown = np.setdiff1d(drawn, prof_subjects)
            if unknown.size:
                raise ValueError(f"subjects holds labels that no profile has: "
                                 f"{unknown.tolist()[:5]}.")
            weights = np.zeros(len(self.profiles))
            for label, count in zip(drawn, counts):
                weights[prof_subjects == label] = count
        if areas is not None:
            weights = weights * np.isin(prof_areas, np.asarray(areas))
        return weights

    def score(self, key, *, scenes=None, subjects=None, areas=None, normalized=False):
        """Mean profile score over the chosen subjects (repeats count) and areas.

        Returns
        -------
        float
            NaN when no chosen profile has a defined score.
        """
        scores = self.profile_scores(key, scenes=scenes, normalized=normalized)
        weights = self._weights(subjects, areas) * ~np.isnan(scores)
        if weights.sum() == 0:
            return np.nan
        return float(np.sum(weights * np.nan_to_num(scores)) / weights.sum())

    def area_scores(self, key, *, scenes=None, subjects=None, normalized=False):
        """``{area: mean profile score of that area}``, areas in order of appearance."""
        areas = dict.fromkeys(self.areas.tolist())
        return {a: self.score(key, scenes=scenes, subjects=subjects, areas=[a],
                              normalized=normalized) for a in areas}

    def key_area_matrix(self, *, scenes=None, subjects=None, normalized=False):
        """The mean profile score of every (key, area): which source area (or model
        layer) predicts which target area.

        Returns
        -------
        keys : list
            The rows (the mappings).
        areas : list
            The columns (target areas, in order of appearance).
        M : ndarray of shape (n_keys, n_areas)
        """
        areas = list(dict.fromkeys(self.areas.tolist()))
        M = np.array([[self.score(key, scenes=scenes, subjects=subjects, areas=[a],
                                  normalized=normalized) for a in areas]
                      for key in self.keys])
        return self.keys, areas, M

    def subject_scores(self, key, *, scenes=None, normalized=False):
        """``{subject: mean profile score of that subject}`` (the paired unit of a
        comparison between two keys on the same subjects)."""
        scores = self.profile_scores(key, scenes=scenes, normalized=normalized)
        out = {}
        for subject in dict.fromkeys(s for s, _ in self.profiles):
            mine = np.array([s == subject for s, _ in self.profiles])
            values = scores[mine & ~np.isnan(scores)]
            out[subject] = float(values.mean()) if values.size else np.nan
        return out

    def paired_differences(self, key_a, key_b, *, scenes=None, normalized=False):
        """Per subject, the score of ``key_a`` minus that of ``key_b``:
        ``{subject: difference}`` (NaN where either is undefined)."""
        a = self.subject_scores(key_a, scenes=scenes, normalized=normalized)
        b = self.subject_scores(key_b, scenes=scenes, normalized=normalized)
        return {s: a[s] - b[s] for s in a}

    def scores_for_counts(self, keys=None, subject_counts=None, stimulus_counts=None, *,
                          areas=None, normalized=False):
        """:meth:`score` of every key for many resamples of subjects and stimuli at once.

        The statistic that :meth:`bootstrap` resamples: for resample ``b``, each
        profile's median unit score on the stimuli drawn ``stimulus_counts[b]`` times
        (:meth:`profile_scores_for_counts`), averaged over the profiles of the chosen
        areas with weight ``subject_counts[b, j]`` for the profiles of subject ``j``:

        .. math::
            \\theta_b = \\frac{\\sum_p k_{b, s(p)}\\, m_p(w_b)}{\\sum_p k_{b, s(p)}},

        profiles with an undefined score left out (as :meth:`score`). Vectorised over
        resamples and units (one matrix product per sufficient statistic, one sort for
        the medians).

        Parameters
        ----------
        keys : list, default=None
            The mappings (all of :attr:`keys` by default).
        subject_counts : array-like of shape (n_resamples, n_subjects), default=None
            Counts of the subjects that have a profile in ``areas``, in order of first
            appearance (:meth:`resampled_subjects`); None: each subject once.
        stimulus_counts : array-like of shape (n_resamples, n_stimuli), default=None
            Counts of the stimuli; None: each stimulus once.
        areas : list, default=None
            Restrict to the profiles of these target areas (all by default).
        normalized : bool, default=False
            Unit scores ``r² / reliability`` instead of Pearson r.

        Returns
        -------
        scores : ndarray of shape (n_resamples, n_keys)
            ``scores[b, k]`` equals ``score(keys[k], scenes=np.repeat(np.arange(n),
            stimulus_counts[b]), subjects=np.repeat(resampled_subjects(areas),
            subject_counts[b]), areas=areas)``; NaN where no drawn profile has a
            defined score.
        """
        return resampled_scores(self, self._check_keys(keys), subject_counts,
                                stimulus_counts, areas=areas, normalized=normalized)

    def resampled_subjects(self, areas=None):
        """The subjects that have a profile in ``areas`` (all areas by default), in
        order of first appearance: the columns of ``subject_counts``."""
        return selection(self, areas)["subjects"]

    def bootstrap(self, keys=None, *, areas=None, over=("stimuli", "subjects"),
                  n_resamples=1000, normalized=False, confidence_level=0.95,
                  interval="percentile", correction=True, random_state=None):
        """Bootstrap intervals of :meth:`score` over stimuli and/or subjects, and the
        paired differences between keys.

        Each resample draws subjects (mice) and stimuli (scenes) with replacement and
        recomputes the score of every key from the kept held-out predictions
        (:meth:`scores_for_counts`; nothing is refitted), through
        :func:`~sklearn_brainmap.inference.bootstrap_statistic`: over both factors
        with Schütt et al.'s correction of the two-factor variance. All keys see the
        same resamples, so their paired differences (with two-sided p-values, Holm-
        adjusted over the pairs) come from the same draws.

        What is *not* resampled: the mappings were fitted once, so the sources of a
        resampled subject (the other subjects' units, N−1 pooling) and the folds stay
        those of the original sample; with ``normalized=True`` each unit's
        reliability is held fixed (the interval does not include the sampling of the
        noise ceiling). Subjects are resampled among those with a profile in
        ``areas``; a resample that draws none with a defined score is undefined
        (counted in ``n_undefined``, with a warning).

        Parameters
        ----------
        keys : list, default=None
            The mappings compared (all of :attr:`keys` by default).
        areas : list, default=None
            Score only the profiles of these target areas (e.g. one column of
            :meth:`key_area_matrix`).
        over : {"stimuli", "subjects"} or ("stimuli", "subjects"), \
                default=("stimuli", "subjects")
        n_resamples : int, default=1000
        normalized : bool, default=False
            Unit scores ``r² / reliability`` instead of Pearson r.
        confidence_level : float in (0, 1), default=0.95
        interval : {"percentile", "bca"}, default="percentile"
            ``"bca"`` over one factor only.
        correction : bool, default=True
            Schütt et al.'s two-factor correction (see
            :func:`~sklearn_brainmap.inference.bootstrap_statistic`).
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        result : :class:`~sklearn_brainmap.inference.BootstrapResult`
            ``names`` are the keys; ``scores`` equal :meth:`score`.

        References
        ----------
        Schütt, Kipnis, Diedrichsen & Kriegeskorte (2023), Statistical inference on
        representational geometries, *eLife* 12, e82566.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_brainmap import OneToOne, Ridge
        >>> from sklearn_brainmap.model_selection import pooled_predictions
        >>> rng = np.random.default_rng(0)
        >>> latent = rng.standard_normal((60, 3))
        >>> X = np.hstack([latent @ rng.standard_normal((3, 4)) for _ in range(4)])
        >>> X += 0.5 * rng.standard_normal(X.shape)
        >>> result = pooled_predictions({"Ridge": Ridge(), "OneToOne": OneToOne()}, X,
        ...                             np.repeat([0, 1, 2, 3], 4), np.repeat(["V1"], 16))
        >>> boot = result.bootstrap(n_resamples=200, random_state=0)
        >>> boot.names, boot.confidence_interval.shape
        (['Ridge', 'OneToOne'], (2, 2))
        >>> low, high = boot.difference_confidence_interval[:, 0, 1]   # Ridge − OneToOne
        """
        return bootstrap_held_out(
            self, self._check_keys(keys), areas=areas, over=over, n_resamples=n_resamples,
            normalized=normalized, confidence_level=confidence_level, interval=interval,
            correction=correction, random_state=random_state)

    def _check_keys(self, keys):
        if keys is None:
            return self.keys
        keys = list(keys)
        unknown = [k for k in keys if k not in self.predictions]
        if not keys or unknown:
            raise ValueError(f"keys must be a non-empty list of the mappings "
                             f"{self.keys}; got {keys!r}.")
        return keys

    def __repr__(self):
        return (f"HeldOutPredictions({len(self.predictions)} mappings, "
                f"{self.responses.shape[0]} stimuli, {self.responses.shape[1]} units, "
                f"{len(self.profiles)} profiles)")
