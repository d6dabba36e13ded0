"""No silent wrong answers from metrics, matching, utils, datasets and plotting.

Two parts:

- scale: every scale-invariant measure gives the same value for ``c · X`` (and
  ``c · Y``) for ``c = 10**k``, ``k`` in ``[-150, 150]`` (hypothesis draws ``k``), and
  every scale-equivariant one scales with ``c``; data so large that a needed quantity
  leaves the float range raise a clear error instead;
- bad input: a matrix of bad inputs × entry points, each with the exact exception type
  and a key phrase of its message, or the documented warning and the result.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import pdist
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_brainmap import OneToOne, SoftMatching
from sklearn_brainmap.metrics import (ceiling_normalized_score, cka_score, compare_rdms,
                                      pearson_r_score, procrustes_distance,
                                      procrustes_score, r2_score, rdm, rsa_score,
                                      soft_matching_distance, soft_matching_score,
                                      split_half_reliability)
from sklearn_brainmap.utils import (check_same_stimuli, classical_mds, columnwise_pearson,
                                    columnwise_r2, constant_columns, transport_plan,
                                    unit_columns, unit_matching)

# --------------------------------------------------------------------------------------
# Scale
# --------------------------------------------------------------------------------------

_rng = np.random.default_rng(0)
X = _rng.standard_normal((30, 6))
Y = X @ _rng.standard_normal((6, 5)) + _rng.standard_normal((30, 5))
Y_HAT = Y + _rng.standard_normal((30, 5))
REPEATS = _rng.standard_normal((5, 30, 1)) + _rng.standard_normal((5, 30, 6))
REPEATS[0, :4, -2:] = np.nan
D_X = rdm(X, metric="euclidean")
RDM_Y = rdm(Y)

#: name -> f(c): the quantity computed on data multiplied by c, divided back by c where
#: it is scale-equivariant (c = 1 gives the reference).
SCALED = {
    "pearson_r_score(c·y_true)":
        lambda c: pearson_r_score(c * Y, Y_HAT, multioutput="raw_values"),
    "pearson_r_score(c·y_pred)":
        lambda c: pearson_r_score(Y, c * Y_HAT, multioutput="raw_values"),
    "r2_score(c·y_true, c·y_pred)":
        lambda c: r2_score(c * Y, c * Y_HAT, multioutput="raw_values"),
    "r2_score(c·sample_weight)":
        lambda c: r2_score(c * Y, c * Y_HAT, sample_weight=c * np.arange(1.0, 31.0),
                           multioutput="raw_values"),
    "cka_score(c·X)": lambda c: cka_score(c * X, Y),
    "cka_score(c·Y)": lambda c: cka_score(X, c * Y),
    "cka_score(c·X, debiased)": lambda c: cka_score(c * X, Y, debiased=True),
    "procrustes_score(c·X)": lambda c: procrustes_score(c * X, Y),
    "procrustes_score(c·Y)": lambda c: procrustes_score(X, c * Y),
    "procrustes_distance(c·X)": lambda c: procrustes_distance(c * X, Y),
    "soft_matching_score(c·X)": lambda c: soft_matching_score(c * X, Y),
    "soft_matching_score(c·Y)": lambda c: soft_matching_score(X, c * Y),
    "soft_matching_score(c·X, sinkhorn)":
        lambda c: soft_matching_score(c * X, Y, method="sinkhorn"),
    "soft_matching_distance(c·X)": lambda c: soft_matching_distance(c * X, Y),
    "rsa_score(c·X)": lambda c: rsa_score(c * X, Y),
    "rsa_score(c·Y, euclidean, pearson)":
        lambda c: rsa_score(X, c * Y, rdm_metric="euclidean", compare="pearson"),
    "rsa_score(c·X, cosine, kendall)":
        lambda c: rsa_score(c * X, Y, rdm_metric="cosine", compare="kendall"),
    "rsa_score(c·RDM, precomputed)":
        lambda c: rsa_score(c * D_X, RDM_Y, rdm_metric="precomputed", compare="pearson"),
    "compare_rdms(c·RDM)": lambda c: compare_rdms([c * D_X, RDM_Y], compare="pearson"),
    "rdm(c·X)": lambda c: rdm(c * X),
    "rdm(c·X, euclidean) / c": lambda c: rdm(c * X, metric="euclidean") / c,
    "classical_mds(c·D) / c, distances": lambda c: pdist(classical_mds(c * D_X) / c),
    "split_half_reliability(c·R)":
        lambda c: split_half_reliability(c * REPEATS, random_state=0),
    "columnwise_pearson(c·Y)": lambda c: columnwise_pearson(c * Y, Y_HAT),
    "columnwise_r2(c·Y, c·Ŷ)": lambda c: columnwise_r2(c * Y, c * Y_HAT),
    "unit_columns(c·Y) columns": lambda c: unit_columns(c * Y)[0],
    "unit_columns(c·Y) mean, norm / c": lambda c: np.concatenate(unit_columns(c * Y)[1:3]) / c,
    "OneToOne(c·X) predictions": lambda c: OneToOne().fit(c * X, Y).predict(c * X),
    "OneToOne(c·y) predictions / c": lambda c: OneToOne().fit(X, c * Y).predict(X) / c,
    "SoftMatching(c·X) predictions":
        lambda c: SoftMatching().fit(c * X, Y).predict(c * X),
    "SoftMatching(c·y) predictions / c":
        lambda c: SoftMatching().fit(X, c * Y).predict(X) / c,
}

_REFERENCE = {}


@pytest.mark.parametrize("name", list(SCALED))
@given(k=st.integers(-150, 150))
def test_scale_invariant_measures_do_not_depend_on_the_scale(name, k):
    """The same value, to 1e-12 relative (in the max norm), for ``c = 10**k``.

    Why 1e-12 is what float64 honestly allows here: ``c · X`` rounds each entry once
    (relative error ≤ 2**-53 ≈ 1.1e-16); the functions divide by a power of two
    internally, which is exact, so they then compute on data perturbed by one rounding
    per entry. The measures are smooth functions of these well-conditioned data (random
    Gaussian, 30 stimuli, no near-ties in the exact matching or in the ranks), whose
    condition numbers and sums over ≤ 900 terms keep the result within a few 1e-15:
    the largest difference measured over k in [-150, 150] and at ±160, ±200, ±300 was
    1.8e-15 (the MDS distances), most were below 1e-15, so 1e-12 leaves a margin of
    ~500 and no more. Every failure this test guards against (0, 1, NaN, inf, a
    constant prediction, a lost fourth power in CKA) is an O(1) error.
    """
    _check_same_at_scale(name, k)


@pytest.mark.parametrize("k", [-300, -200, -160, 160, 200, 300])
@pytest.mark.parametrize("name", list(SCALED))
def test_scale_invariance_holds_near_the_float_range(name, k):
    """The same check where squares (not only fourth powers) of unscaled data would
    overflow or underflow: ``10**±160`` and ``10**±200`` are the reported cases."""
    _check_same_at_scale(name, k)


def _check_same_at_scale(name, k):
    f = SCALED[name]
    if name not in _REFERENCE:
        _REFERENCE[name] = np.asarray(f(1.0), dtype=float)
    reference = _REFERENCE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, underflow or constant-unit warning
        value = np.asarray(f(10.0**k), dtype=float)
    assert value.shape == reference.shape
    assert np.isfinite(value).all()
    error = np.max(np.abs(value - reference)) / np.max(np.abs(reference))
    assert error <= 1e-12, f"{name} at c = 1e{k}: relative difference {error:.2e}"


def test_reported_extreme_scales():
    """The adversarial user's cases, at 1e±200 (beyond the hypothesis range)."""
    assert pearson_r_score(Y * 1e200, Y_HAT * 1e200) == pytest.approx(
        pearson_r_score(Y, Y_HAT), rel=1e-12)
    assert procrustes_score(X * 1e-200, Y) == pytest.approx(procrustes_score(X, Y),
                                                            rel=1e-12)
    assert procrustes_score(X * 1e-200, Y) < 0.99
    assert soft_matching_score(X * 1e200, Y) == pytest.approx(soft_matching_score(X, Y),
                                                              rel=1e-12)
    prediction = OneToOne().fit(X * 1e160, Y).predict(X * 1e160)
    assert np.ptp(prediction, axis=0).min() > 0.1          # not a constant
    np.testing.assert_allclose(prediction, OneToOne().fit(X, Y).predict(X), rtol=1e-12)


def test_tiny_varying_columns_are_not_constant():
    """A relative threshold: a column at 1e-300 that varies is a unit like any other."""
    tiny = np.column_stack([X[:, 0] * 1e-300, np.full(30, 1e-300), X[:, 1] * 1e-310])
    assert constant_columns(tiny).tolist() == [False, True, False]
    U, mean, norm, constant = unit_columns(tiny)
    assert constant.tolist() == [False, True, False]
    np.testing.assert_allclose(np.linalg.norm(U[:, [0, 2]], axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(U[:, 0], unit_columns(X[:, :1])[0][:, 0], rtol=1e-12)
    # a varying column beside a constant one far larger: CKA sees only the varying one
    mixed = np.column_stack([np.full(30, 1e10), X[:, 0] * 1e-200])
    assert cka_score(mixed, X[:, :1]) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda big: OneToOne().fit(X * 1e300, Y * 1e-300), "cannot represent the slope"),
    (lambda big: OneToOne().fit(X, Y / np.abs(Y).max() * big), "cannot represent the slope"),
    (lambda big: SoftMatching().fit(X / np.abs(X).max() * big, Y), "cannot z-score X"),
    (lambda big: SoftMatching().fit(X, Y / np.abs(Y).max() * big),
     "slope or intercept"),
    (lambda big: rdm(X / np.abs(X).max() * big, metric="euclidean"),
     "exceed the float64 range"),
], ids=["OneToOne-ratio", "OneToOne-huge-y", "SoftMatching-huge-X",
        "SoftMatching-huge-y", "rdm-euclidean"])
def test_values_beyond_the_float_range_raise(call, message):
    """Where a needed quantity genuinely leaves the float range, a clear error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warning either
        with pytest.raises(ValueError, match=message):
            call(1.7e308)


# --------------------------------------------------------------------------------------
# Bad input × entry point
# --------------------------------------------------------------------------------------

A = _rng.standard_normal((12, 4))
B = _rng.standard_normal((12, 3))
NAN = np.where(np.arange(12)[:, None] == 3, np.nan, A)
INF = np.where(np.arange(12)[:, None] == 3, np.inf, A)
CONSTANT = np.ones((12, 4))

PAIR_MEASURES = {
    "cka_score": cka_score,
    "procrustes_score": procrustes_score,
    "procrustes_distance": procrustes_distance,
    "soft_matching_score": soft_matching_score,
    "soft_matching_distance": soft_matching_distance,
    "rsa_score": rsa_score,
}

#: (X, Y) -> (exception type, key phrase): the same for every similarity measure
PAIR_INPUTS = {
    "rows differ": ((A, B[:-1]), ValueError, "same stimuli"),
    "NaN": ((NAN, B), ValueError, "NaN"),
    "inf": ((A, INF[:, :3]), ValueError, "infinity"),
    "1-D": ((A[:, 0], B), ValueError, "Expected 2D array"),
    "one stimulus": ((A[:1], B[:1]), ValueError, "minimum of [23] is required"),
    "strings": ((np.full((12, 4), "a"), B), ValueError, "could not convert|dtype"),
}


@pytest.mark.parametrize("bad", list(PAIR_INPUTS))
@pytest.mark.parametrize("measure", list(PAIR_MEASURES))
def test_similarity_measures_refuse_bad_matrices(measure, bad):
    (X_bad, Y_bad), error, message = PAIR_INPUTS[bad]
    with pytest.raises(error, match=message):
        PAIR_MEASURES[measure](X_bad, Y_bad)


@pytest.mark.parametrize("measure, message", [
    ("cka_score", "CKA is undefined when every unit of X is constant"),
    ("procrustes_score", "undefined when every unit of X is constant"),
    ("procrustes_distance", "undefined when every unit of X is constant"),
    ("soft_matching_score", "undefined when every unit of X or of Y is constant"),
    ("soft_matching_distance", "undefined when every unit of X or of Y is constant"),
    ("rsa_score", "constant across units"),
])
def test_similarity_measures_refuse_all_constant_units(measure, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # soft matching first counts the constant units
        with pytest.raises(ValueError, match=message):
            PAIR_MEASURES[measure](CONSTANT, B)


SOFT = {
    "soft_matching_score": lambda **kw: soft_matching_score(A, B, **kw),
    "soft_matching_distance": lambda **kw: soft_matching_distance(A, B, **kw),
    "SoftMatching.fit": lambda **kw: SoftMatching(**kw).fit(A, B),
    "transport_plan": lambda **kw: transport_plan(1.0 - A.T @ B / 12, **kw),
    "unit_matching": lambda **kw: unit_matching(A, B, **kw),
}

#: transport parameters -> (exception type, key phrase)
SOFT_PARAMS = {
    "reg=-1": ({"method": "sinkhorn", "reg": -1}, InvalidParameterError,
               "'reg' parameter .* range \\[0.0, inf\\)"),
    "reg=0": ({"method": "sinkhorn", "reg": 0}, ValueError,
              "reg must be positive for method='sinkhorn'.*use method='exact' for the "
              "unregularised problem"),
    "reg=0.0": ({"method": "sinkhorn", "reg": 0.0}, ValueError,
                "reg must be positive for method='sinkhorn'"),
    "reg=nan": ({"method": "sinkhorn", "reg": np.nan}, InvalidParameterError, "'reg'"),
    "max_iter=0": ({"method": "sinkhorn", "max_iter": 0}, InvalidParameterError,
                   "'max_iter' parameter .* range \\[1, inf\\)"),
    "max_iter=1.5": ({"method": "sinkhorn", "max_iter": 1.5}, InvalidParameterError,
                     "'max_iter'"),
    "tol=-1": ({"method": "sinkhorn", "tol": -1}, InvalidParameterError, "'tol'"),
    "method=emd": ({"method": "emd"}, InvalidParameterError,
                   "'method' parameter .* among"),
    "method=Exact": ({"method": "Exact"}, InvalidParameterError, "'method'"),
    "method=None": ({"method": None}, InvalidParameterError, "'method'"),
}


@pytest.mark.parametrize("bad", list(SOFT_PARAMS))
@pytest.mark.parametrize("entry", list(SOFT))
def test_transport_parameters_are_refused(entry, bad):
    params, error, message = SOFT_PARAMS[bad]
    with pytest.raises(error, match=message):
        SOFT[entry](**params)


@pytest.mark.parametrize("entry", list(SOFT))
def test_reg_zero_is_accepted_by_the_exact_solver(entry):
    """reg is a Sinkhorn parameter: the exact solver ignores it, 0 included."""
    result = SOFT[entry](method="exact", reg=0)
    expected = SOFT[entry](method="exact")
    if entry in ("soft_matching_score", "soft_matching_distance"):
        assert result == expected
    elif entry == "SoftMatching.fit":
        np.testing.assert_array_equal(result.transport_plan_, expected.transport_plan_)
    else:
        plan = (result[0] if entry == "transport_plan" else result.plan)
        other = (expected[0] if entry == "transport_plan" else expected.plan)
        assert plan.shape == (4, 3)
        np.testing.assert_array_equal(_dense(plan), _dense(other))


def _dense(plan):
    return plan.toarray() if hasattr(plan, "toarray") else np.asarray(plan)


@pytest.mark.parametrize("entry", list(SOFT))
def test_a_reg_too_small_for_the_solver_is_not_blamed_on_constant_units(entry):
    """reg=1e-320 is positive, but ε = reg × cost range underflows and the solver's plan
    is NaN: a clear error, not "every unit is constant"."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # POT's own, inside the solver
        with pytest.raises(ValueError, match="Sinkhorn failed: its plan is not finite.*"
                                             "increase reg or use method='exact'"):
            SOFT[entry](method="sinkhorn", reg=1e-320)


def test_one_sinkhorn_iteration_is_allowed_and_warns():
    """max_iter=1 is the smallest valid value: a plan, and a convergence warning."""
    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="did not converge"):
        score = soft_matching_score(A, B, method="sinkhorn", max_iter=1, tol=1e-12)
    assert -1 <= score <= 1


REGRESSION = {"pearson_r_score": pearson_r_score, "r2_score": r2_score}
REGRESSION_INPUTS = {
    "targets differ": ((Y, Y_HAT[:, :3]), ValueError, "different numbers of targets"),
    "samples differ": ((Y, Y_HAT[:-1]), ValueError, "inconsistent numbers of samples"),
    "NaN": ((np.where(Y > 2, np.nan, Y), Y_HAT), ValueError, "y_true contains NaN"),
    "inf in y_pred": ((Y, np.where(Y > 2, np.inf, Y)), ValueError,
                      "y_pred contains infinity"),
    "one sample": ((Y[:1], Y_HAT[:1]), ValueError, "minimum of 2 is required"),
    "multioutput": ((Y, Y_HAT, "mean"), InvalidParameterError, "'multioutput'"),
}


@pytest.mark.parametrize("bad", list(REGRESSION_INPUTS))
@pytest.mark.parametrize("score", list(REGRESSION))
def test_regression_scores_refuse_bad_input(score, bad):
    args, error, message = REGRESSION_INPUTS[bad]
    kwargs = {"multioutput": args[2]} if len(args) == 3 else {}
    with pytest.raises(error, match=message):
        REGRESSION[score](*args[:2], **kwargs)


UTILS = {
    "columnwise_r2: shapes differ": (lambda: columnwise_r2(Y, Y_HAT[:, :2]), ValueError,
                                     "Y_true and Y_pred must have the same shape"),
    "columnwise_r2: sample_weight": (lambda: columnwise_r2(Y, Y_HAT, np.ones(5)),
                                     ValueError, "sample_weight must have shape \\(30,\\)"),
    "columnwise_pearson: shapes differ": (lambda: columnwise_pearson(Y, Y_HAT[:-1]),
                                          ValueError, "the same shape"),
    "classical_mds: not square": (lambda: classical_mds(D_X[:4]), ValueError,
                                  "D must be a square dissimilarity matrix"),
    "classical_mds: NaN": (lambda: classical_mds(np.where(D_X > 3, np.nan, D_X)),
                           ValueError, "Input D contains NaN"),
    "classical_mds: asymmetric": (lambda: classical_mds(D_X + np.triu(D_X)),
                                  ValueError, "D must be symmetric"),
    "classical_mds: a similarity matrix": (lambda: classical_mds(1 - D_X / D_X.max()),
                                           ValueError, "zero diagonal.*pass 1 - S"),
    "classical_mds: negative": (lambda: classical_mds(-D_X), ValueError,
                                "must be non-negative"),
    "classical_mds: n_components=0": (lambda: classical_mds(D_X, 0),
                                      InvalidParameterError, "'n_components'"),
    "check_same_stimuli: lists": (lambda: check_same_stimuli([[1.0], [2.0]], [[1.0]]),
                                  ValueError, "X has 2 rows, Y has 1"),
    "check_same_stimuli: a scalar": (lambda: check_same_stimuli(np.float64(1.0), [[1.0]]),
                                     InvalidParameterError, "'X' parameter .* array-like"),
    "transport_plan: NaN cost": (lambda: transport_plan([[0.0, np.nan], [1.0, 0.0]]),
                                 ValueError, "Input C contains NaN"),
    "transport_plan: 1-D cost": (lambda: transport_plan([0.0, 1.0]), ValueError,
                                 "Expected 2D array"),
}


@pytest.mark.parametrize("case", list(UTILS))
def test_utils_refuse_bad_input(case):
    call, error, message = UTILS[case]
    with pytest.raises(error, match=message):
        call()


def test_utils_accept_array_likes():
    """What the docstrings say: array-likes (lists) work and give the array results."""
    np.testing.assert_array_equal(columnwise_r2(Y.tolist(), Y_HAT.tolist()),
                                  columnwise_r2(Y, Y_HAT))
    np.testing.assert_array_equal(columnwise_pearson(Y.tolist(), Y_HAT.tolist()),
                                  columnwise_pearson(Y, Y_HAT))
    np.testing.assert_array_equal(classical_mds(D_X.tolist()), classical_mds(D_X))
    check_same_stimuli(A.tolist(), B.tolist())
    plan, n_iter = transport_plan([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(_dense(plan), [[0.5, 0.0], [0.0, 0.5]])
    # 1-D inputs of columnwise_r2 are one column: the same as scikit-learn's R²
    from sklearn.metrics import r2_score as sklearn_r2

    assert columnwise_r2(Y[:, 0], Y_HAT[:, 0])[0] == pytest.approx(
        sklearn_r2(Y[:, 0], Y_HAT[:, 0]), rel=1e-12)
    # classical MDS reproduces the Euclidean distances it was given
    np.testing.assert_allclose(pdist(classical_mds(D_X, n_components=6)),
                               pdist(X), rtol=1e-9)


RELIABILITY = {
    "2-D": (lambda: split_half_reliability(REPEATS[:, :, 0]), ValueError,
            "shape \\(n_units, n_stimuli, n_repeats\\)"),
    "inf": (lambda: split_half_reliability(np.where(REPEATS > 2, np.inf, REPEATS)),
            ValueError, "infinite values; use NaN for missing repeats"),
    "2 stimuli": (lambda: split_half_reliability(REPEATS[:, :2]), ValueError,
                  "at least 3 stimuli and 2 repeats"),
    "1 repeat": (lambda: split_half_reliability(REPEATS[:, :, :1]), ValueError,
                 "at least 3 stimuli and 2 repeats"),
    "strings": (lambda: split_half_reliability(np.full((2, 4, 3), "a")), ValueError,
                "must be numeric"),
    "n_splits=0": (lambda: split_half_reliability(REPEATS, n_splits=0),
                   InvalidParameterError, "'n_splits'"),
    "ceiling (4, 1) for r (4,)": (
        lambda: ceiling_normalized_score(np.full(4, 0.5), np.full((4, 1), 0.5)),
        ValueError, "ceiling must have the shape of r.*\\(4,\\).*\\(4, 1\\)"),
    "ceiling (3,) for r (4,)": (
        lambda: ceiling_normalized_score(np.full(4, 0.5), np.full(3, 0.5)),
        ValueError, "ceiling must have the shape of r"),
    "ceiling (4,) for one r": (lambda: ceiling_normalized_score(0.5, np.full(4, 0.5)),
                               ValueError, "ceiling must have the shape of r"),
}


@pytest.mark.parametrize("case", list(RELIABILITY))
def test_noise_ceilings_refuse_bad_input(case):
    call, error, message = RELIABILITY[case]
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("swap", ["stimuli <-> repeats", "a few stimuli, many repeats"])
def test_more_repeats_than_stimuli_warn_and_compute_as_asked(swap):
    """The documented UserWarning; the reliability is still computed across the second
    axis, one value per unit (the first axis)."""
    R = REPEATS.transpose(0, 2, 1) if swap == "stimuli <-> repeats" else \
        _rng.standard_normal((3, 4, 10))
    with pytest.warns(UserWarning, match="more repeats than stimuli.*axes swapped"):
        swapped = split_half_reliability(R, random_state=0)
    assert swapped.shape == (R.shape[0],)
    # the plausible layout does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split_half_reliability(REPEATS, random_state=0)


def test_the_swap_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match="more repeats than stimuli") as record:
        split_half_reliability(REPEATS.transpose(0, 2, 1), random_state=0)
    assert record[0].filename == __file__


def test_ceiling_normalized_score_accepts_equal_shapes_and_one_ceiling():
    r = np.array([0.6, 0.3, 0.5, 0.1])
    ceiling = np.array([0.72, 0.9, np.nan, 0.5])
    np.testing.assert_allclose(ceiling_normalized_score(r, ceiling),
                               [0.36 / 0.72, 0.09 / 0.9, np.nan, 0.01 / 0.5], rtol=1e-15)
    np.testing.assert_allclose(ceiling_normalized_score(r, 0.5), r**2 / 0.5, rtol=1e-15)
    column = ceiling_normalized_score(r[:, None], ceiling[:, None])
    assert column.shape == (4, 1)


# --------------------------------------------------------------------------------------
# Data files
# --------------------------------------------------------------------------------------

import pickle  # noqa: E402
import shutil  # noqa: E402
import zipfile  # noqa: E402

from sklearn_brainmap.datasets import (load_coggan2024_fmri,  # noqa: E402
                                       load_conwell2021_allen_rdms, load_cowley2023_v4,
                                       load_henaff2021_v1)

DAMAGED = "cannot be read: .*corrupt or truncated.*re-download or re-copy it"


def _henaff_part(n_units=3, n_stimuli=5, n_repeats=4):
    rng = np.random.default_rng(1)
    return dict(spike_counts=rng.poisson(3.0, (n_units, n_stimuli, n_repeats)).astype(
                    np.float32),
                category=np.array(["natural"] * n_stimuli), scale=np.array(["1x"] * n_stimuli),
                movie=np.array([f"m{k}" for k in range(n_stimuli)]),
                frame=np.arange(n_stimuli), cluster_group=np.arange(n_units),
                monkey=np.array("ay2"), penetration=np.array("u001"),
                count_window_s=np.array(0.2))


def _write_henaff(home, **replace):
    folder = home / "henaff2021_v1"
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "ay2_u001.npz", **{**_henaff_part(), **replace})
    return folder / "ay2_u001.npz"


def _write_cowley(home, responses=None):
    folder = home / "cowley2023_v4" / "responses_repeat_averaged"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "responses_210325.npy"
    np.save(path, np.arange(12.0).reshape(3, 4) if responses is None else responses)
    return path


CONWELL_AREAS, CONWELL_LAYERS = ["VISp", "VISl"], ["layer23", "layer4"]
CONWELL_CSV = ("area,layer,mean,sem\nVISp,layer23,0.9,0.01\nVISp,layer4,0.8,0.02\n"
               "VISl,layer23,0.7,0.03\n")


def _write_conwell(home, csv_text=CONWELL_CSV):
    folder = home / "conwell2021_allen_rdms"
    folder.mkdir(parents=True, exist_ok=True)
    rsm = np.random.default_rng(2).uniform(size=(2, 2, 5, 5))
    rsm[1, 1] = np.nan                       # VISl / layer4 not recorded
    np.savez(folder / "rsm.npz", rsm=rsm, area=np.array(CONWELL_AREAS),
             layer=np.array(CONWELL_LAYERS))
    (folder / "noise_ceiling.csv").write_text(csv_text)
    return folder


def _write_coggan(home):
    folder = home / "coggan2024_fmri"
    (folder / "stimuli").mkdir(parents=True, exist_ok=True)
    names = ["bear_complete.png", "bear_lower.png", "bear_upper.png"]
    for name in names:
        (folder / "stimuli" / name).write_bytes(b"not a png")
    np.savez(folder / "rsm.npz", rsm=np.zeros((2, 2, 3, 3)), area=np.array(["V1", "V2"]),
             subject=np.array(["sub-0", "sub-1"]))
    return folder


def test_synthetic_layouts_load(tmp_path):
    """The synthetic files below are valid: the errors come from the damage alone."""
    _write_henaff(tmp_path)
    assert load_henaff2021_v1(tmp_path).spike_counts.shape == (3, 5, 4)
    _write_cowley(tmp_path)
    assert load_cowley2023_v4("210325", tmp_path).responses.shape == (4, 3)
    _write_conwell(tmp_path)
    data = load_conwell2021_allen_rdms(tmp_path)
    np.testing.assert_array_equal(data.noise_ceiling, [[0.9, 0.8], [0.7, np.nan]])
    _write_coggan(tmp_path)
    assert load_coggan2024_fmri(tmp_path).rsm.shape == (2, 2, 3, 3)


def _truncate(path, keep):
    data = path.read_bytes()
    path.write_bytes(data[:keep if keep >= 0 else len(data) + keep])


#: damage to a file -> what the message says about it
DAMAGE = {
    "empty": (lambda p: p.write_bytes(b""), "it is empty"),
    "random bytes": (lambda p: p.write_bytes(np.random.default_rng(3).bytes(600)),
                     "does not start like a"),
    "a pickle": (lambda p: p.write_bytes(pickle.dumps({"spike_counts": [1, 2]})),
                 "does not start like a"),
    "truncated to 40 bytes": (lambda p: _truncate(p, 40), DAMAGED),
    "truncated by 10 bytes": (lambda p: _truncate(p, -10), DAMAGED),
    "one byte flipped mid-file": (lambda p: _flip(p, p.stat().st_size // 2), "Bad CRC-32"),
}


def _flip(path, at):
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))

LOADERS = {
    "henaff .npz": (_write_henaff, lambda home: load_henaff2021_v1(home)),
    "cowley .npy": (_write_cowley, lambda home: load_cowley2023_v4("210325", home)),
    "conwell rsm.npz": (lambda home: _write_conwell(home) / "rsm.npz",
                        lambda home: load_conwell2021_allen_rdms(home)),
    "coggan rsm.npz": (lambda home: _write_coggan(home) / "rsm.npz",
                       lambda home: load_coggan2024_fmri(home)),
}


@pytest.mark.parametrize("loader, damage", [
    (loader, damage) for loader in LOADERS for damage in DAMAGE
    # a flipped byte in .npy data is another number: .npy has no checksum to catch it
    if not (loader == "cowley .npy" and damage == "one byte flipped mid-file")])
def test_damaged_files_raise_an_error_that_names_them(tmp_path, loader, damage):
    write, load = LOADERS[loader]
    path = write(tmp_path)
    spoil, phrase = DAMAGE[damage]
    spoil(path)
    with pytest.raises(OSError, match=phrase) as error:
        load(tmp_path)
    message = str(error.value)
    assert str(path) in message
    assert "corrupt or truncated" in message and "re-download or re-copy it" in message
    assert "pickled" not in message


def test_an_npz_without_an_expected_array_names_it(tmp_path):
    part = _henaff_part()
    del part["movie"]
    folder = tmp_path / "henaff2021_v1"
    folder.mkdir()
    np.savez(folder / "ay2_u001.npz", **part)
    with pytest.raises(OSError, match=f"{folder / 'ay2_u001.npz'}.*lacks the array"
                                      "\\(s\\) movie"):
        load_henaff2021_v1(tmp_path)


def test_object_arrays_are_never_unpickled(tmp_path):
    """A .npy holding a pickled object array is refused (allow_pickle=False), and the
    pickle is not run: its payload would create a file."""
    marker = tmp_path / "unpickled"
    payload = np.empty(1, dtype=object)
    payload[0] = _Trap(str(marker))
    path = _write_cowley(tmp_path)
    np.save(path, payload, allow_pickle=True)
    with pytest.raises(OSError, match="Object arrays cannot be loaded"):
        load_cowley2023_v4("210325", tmp_path)
    assert not marker.exists()


class _Trap:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_damaged_raw_trials_and_image_archives_are_named(tmp_path):
    _write_cowley(tmp_path)
    raw = tmp_path / "cowley2023_v4" / "responses_raw" / "responses_210325.npy"
    raw.parent.mkdir()
    np.save(raw, np.zeros((4, 3, 2)))
    _truncate(raw, -8)
    with pytest.raises(OSError, match=f"{raw}.*Failed to read all data"):
        load_cowley2023_v4("210325", tmp_path)
    raw.unlink()
    archive = tmp_path / "cowley2023_v4" / "images" / "images_210325.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for k in range(3):
            zf.writestr(f"{k}.jpg", b"x" * 300)
    _truncate(archive, 200)
    with pytest.raises(OSError, match=f"{archive} cannot be read: BadZipFile"):
        load_cowley2023_v4("210325", tmp_path, images=True)


def test_undecodable_images_are_named(tmp_path):
    pytest.importorskip("PIL")
    _write_cowley(tmp_path)
    archive = tmp_path / "cowley2023_v4" / "images" / "images_210325.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        for k in range(3):
            zf.writestr(f"{k}.jpg", b"not a jpeg")
    with pytest.raises(OSError, match=f"{archive}: 0.jpg cannot be read"):
        load_cowley2023_v4("210325", tmp_path, images=True)
    _write_coggan(tmp_path)
    with pytest.raises(OSError, match="stimuli: bear_complete.png cannot be read"):
        load_coggan2024_fmri(tmp_path, images=True)


#: noise_ceiling.csv content -> key phrase (the error names the file)
BAD_CSV = {
    "empty": ("", "it is empty"),
    "header only": ("area,layer,mean,sem\n", "no noise ceiling for 3 recorded"),
    "truncated": (CONWELL_CSV[:60], "no noise ceiling for|not numbers|unknown layer"),
    "a row missing": (CONWELL_CSV.rsplit("VISl", 1)[0], "no noise ceiling for 1 .*VISl / "
                                                        "layer23"),
    "unknown area": (CONWELL_CSV.replace("VISl", "VISx"), "unknown area 'VISx'"),
    "unknown layer": (CONWELL_CSV.replace("layer4", "L4"), "unknown layer 'L4'"),
    "column renamed": (CONWELL_CSV.replace("mean", "avg"), "lacks the column\\(s\\) mean"),
    "not a number": (CONWELL_CSV.replace("0.8", "high"), "mean='high'.*not numbers"),
    "repeated row": (CONWELL_CSV + "VISp,layer4,0.5,0.1\n", "repeats VISp / layer4"),
    "binary": (None, "UnicodeDecodeError"),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_bad_noise_ceiling_csv_names_the_file(tmp_path, case):
    text, phrase = BAD_CSV[case]
    folder = _write_conwell(tmp_path)
    if text is None:
        (folder / "noise_ceiling.csv").write_bytes(b"\xff\xfe\x00garbage\x80\x81")
    else:
        (folder / "noise_ceiling.csv").write_text(text)
    with pytest.raises(OSError, match=phrase) as error:
        load_conwell2021_allen_rdms(tmp_path)
    assert str(folder / "noise_ceiling.csv") in str(error.value)


@pytest.mark.parametrize("relative", ["henaff2021_v1/ay2_u007.npz",
                                      "conwell2021_allen_rdms/rsm.npz",
                                      "cowley2023_v4/responses_repeat_averaged/"
                                      "responses_210325.npy"])
def test_a_truncated_copy_of_a_real_file_is_named(shared_data, tmp_path, relative):
    source = shared_data / relative
    folder = tmp_path / relative.split("/")[0]
    shutil.copytree(shared_data / relative.split("/")[0], folder,
                    ignore=shutil.ignore_patterns("images", "stimuli"))
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)   # the shared copy is read-only
    copy = tmp_path / relative
    copy.write_bytes(source.read_bytes()[:source.stat().st_size // 2])
    loader = {"henaff2021_v1": load_henaff2021_v1,
              "conwell2021_allen_rdms": load_conwell2021_allen_rdms,
              "cowley2023_v4": lambda home: load_cowley2023_v4("210325", home)}[
        relative.split("/")[0]]
    with pytest.raises(OSError, match=DAMAGED) as error:
        loader(tmp_path)
    assert str(copy) in str(error.value)


# --------------------------------------------------------------------------------------
# Plotting
# --------------------------------------------------------------------------------------


@pytest.fixture
def plotting():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_brainmap import plotting
    yield plotting
    plt.close("all")


S4 = np.array([[1.0, 0.8, 0.1, 0.2], [0.8, 1.0, 0.2, 0.1],
               [0.1, 0.2, 1.0, 0.7], [0.2, 0.1, 0.7, 1.0]])
AREAS4 = ["V1", "V1", "V4", "V4"]
Y10 = np.arange(20.0).reshape(10, 2) + np.sin(np.arange(20.0)).reshape(10, 2)

#: Display call -> (key phrase of the ValueError)
DISPLAYS = {
    "SimilarityMatrix: fewer areas than rows":
        (lambda p: p.SimilarityMatrixDisplay(S4, AREAS4[:3]),
         "areas must give one label per row of similarity \\(4\\); got shape \\(3,\\)"),
    "SimilarityMatrix: more areas than rows":
        (lambda p: p.SimilarityMatrixDisplay(S4[:3, :3], AREAS4),
         "one label per row of similarity \\(3\\)"),
    "SimilarityMatrix: not square":
        (lambda p: p.SimilarityMatrixDisplay(S4[:3], AREAS4[:3]),
         "similarity must be a square .* got shape \\(3, 4\\)"),
    "SimilarityMatrix: 3-D":
        (lambda p: p.SimilarityMatrixDisplay(S4[None], AREAS4), "must be a square"),
    "SimilarityMatrix: subjects":
        (lambda p: p.SimilarityMatrixDisplay(S4, AREAS4, subjects=[0, 1]),
         "subjects must give one label per row"),
    "SimilarityMatrix: areas 2-D":
        (lambda p: p.SimilarityMatrixDisplay(S4, [AREAS4]), "got shape \\(1, 4\\)"),
    "Silhouette: areas":
        (lambda p: p.SilhouetteDisplay([0.1, 0.2, 0.3], AREAS4),
         "areas must give one label per silhouette \\(3\\)"),
    "Silhouette: 2-D": (lambda p: p.SilhouetteDisplay(S4, AREAS4),
                        "one value per profile"),
    "MDS: non-square D": (lambda p: p.MDSDisplay.from_dissimilarity(1 - S4[:3], AREAS4),
                          "D must be a square"),
    "MDS: NaN in D": (lambda p: p.MDSDisplay.from_dissimilarity(
        np.where(S4 < 0.15, np.nan, 1 - S4), AREAS4), "Input D contains NaN"),
    "MDS: a similarity matrix": (lambda p: p.MDSDisplay.from_dissimilarity(S4, AREAS4),
                                 "zero diagonal.*pass 1 - S"),
    "MDS: asymmetric D": (lambda p: p.MDSDisplay.from_dissimilarity(
        np.triu(1 - S4), AREAS4), "D must be symmetric"),
    "MDS: areas": (lambda p: p.MDSDisplay.from_dissimilarity(1 - S4, AREAS4[:2]),
                   "areas must give one label per row of D \\(4\\)"),
    "MDS: subjects": (lambda p: p.MDSDisplay.from_dissimilarity(1 - S4, AREAS4, [0]),
                      "subjects must give one label per point"),
    "MDS: embedding of 3 columns": (lambda p: p.MDSDisplay(np.zeros((4, 3)), AREAS4),
                                    "embedding must have shape \\(n_profiles, 2\\)"),
    "Prediction: shapes differ": (lambda p: p.PredictionDisplay.from_predictions(
        Y10, Y10[:, :1]), "y_true and y_pred must have the same shape"),
    "Prediction: rows differ": (lambda p: p.PredictionDisplay.from_predictions(
        Y10, Y10[:-1]), "the same shape"),
    "Prediction: 3-D": (lambda p: p.PredictionDisplay.from_predictions(
        Y10[None], Y10[None]), "the same shape"),
    "Prediction: unit out of range": (lambda p: p.PredictionDisplay.from_predictions(
        Y10, Y10 + 1, units=[0, 2]), "units must be column indices in \\[0, 2\\)"),
    "Prediction: negative unit": (lambda p: p.PredictionDisplay.from_predictions(
        Y10, Y10 + 1, units=[-1]), "units must be column indices"),
    "Prediction: fractional unit": (lambda p: p.PredictionDisplay.from_predictions(
        Y10, Y10 + 1, units=[0.5]), "units must be column indices"),
    "Prediction: no unit": (lambda p: p.PredictionDisplay.from_predictions(
        Y10, Y10 + 1, units=[]), "units must be column indices"),
    "SubsamplingCurve: scores transposed": (lambda p: p.SubsamplingCurveDisplay(
        [5, 10, 50, 100], np.ones((2, 4))), "scores must have one row per size.*\\(2, 4\\)"),
    "SubsamplingCurve: fewer scores": (lambda p: p.SubsamplingCurveDisplay(
        [5, 10, 50, 100], np.ones(3)), "one row per size"),
    "SubsamplingCurve: zero size": (lambda p: p.SubsamplingCurveDisplay(
        [0, 10, 50], np.ones(3)), "sizes must be a one-dimensional array of positive"),
    "SubsamplingCurve: 2-D sizes": (lambda p: p.SubsamplingCurveDisplay(
        [[5, 10]], np.ones(2)), "sizes must be a one-dimensional"),
}


@pytest.mark.parametrize("case", list(DISPLAYS))
def test_displays_refuse_bad_input(plotting, case):
    call, message = DISPLAYS[case]
    with pytest.raises(ValueError, match=message):
        call(plotting)


def test_displays_draw_what_they_were_given(plotting):
    """The checks let good input through, and the figures show all of it."""
    display = plotting.SimilarityMatrixDisplay(S4, AREAS4, subjects=[0, 1, 0, 1]).plot()
    assert display.image_.get_array().shape == (4, 4)
    assert len(display.ax_.get_yticklabels()) == 4
    display = plotting.MDSDisplay.from_dissimilarity((1 - S4).tolist(), AREAS4)
    np.testing.assert_allclose(pdist(display.embedding), pdist(classical_mds(1 - S4)),
                               rtol=1e-12)
    display = plotting.PredictionDisplay.from_predictions(Y10[:, 0], Y10[:, 0] + 1)
    assert display.units == [0]
    display = plotting.PredictionDisplay.from_predictions(Y10, Y10 + 1, units=[1])
    assert display.units == [1]
    display = plotting.SubsamplingCurveDisplay([5, 10, 50], [0.1, 0.2, 0.3]).plot()
    np.testing.assert_array_equal(display.scores, [[0.1], [0.2], [0.3]])
