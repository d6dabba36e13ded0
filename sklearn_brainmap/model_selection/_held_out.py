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
        counts = np.asarray(counts, dtype=np.float64)
        if counts.ndim != 2 or counts.shape[1] != len(self.responses):
            raise ValueError(f"counts must be (n_resamples, {len(self.responses)}), got "
                             f"shape {counts.shape}.")
        y = self.responses - self.responses.mean(axis=0)
        pred = self.predictions[key]
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
        if not normalized:
            return r
        return self._normalize(r)

    def _normalize(self, r):
        if self.reliability is None:
            raise ValueError("normalized=True needs the units' reliability; none was "
                             "given to the analysis (pass trials).")
        with np.errstate(invalid="ignore", divide="ignore"):
            out = r**2 / self.reliability
        out[..., ~(self.reliability > 0)] = np.nan
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

    def __repr__(self):
        return (f"HeldOutPredictions({len(self.predictions)} mappings, "
                f"{self.responses.shape[0]} stimuli, {self.responses.shape[1]} units, "
                f"{len(self.profiles)} profiles)")
