"""Reliability, third pass (issue 26): the command line (items 17-18) and what
real-data users met (19-21). Each test fails on the code before the fix."""

import os

import numpy as np
import pytest
from sklearn.model_selection import KFold

from sklearn_brainmap import Ridge
from sklearn_brainmap.metrics import rdm


# -- 17. SIGTERM stops the workers: tests/test_cli.py::test_interrupted_run_leaves_no_
#    worker_processes (SIGINT and SIGTERM)
def test_sigterm_handler_is_restored_after_a_run(tmp_path, monkeypatch):
    import signal

    from sklearn_brainmap._cli import _main

    before = signal.getsignal(signal.SIGTERM)
    seen = []
    monkeypatch.setattr(_main, "run_datasets",
                        lambda names, args: seen.append(signal.getsignal(signal.SIGTERM)) or 0)
    assert _main.main(["--dataset", "henaff2021_v1", "--output", str(tmp_path)]) == 0
    assert seen == [_main._raise_terminated]
    assert signal.getsignal(signal.SIGTERM) is before


# -- 18. folds and the output folder checked first
def test_too_many_folds_are_refused_before_training(tmp_path, capsys):
    from sklearn_brainmap._cli import main

    status = main(["--quick", "--architecture", "mlp", "--subjects", "2", "--folds", "67",
                   "--n-jobs", "1", "--output", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert status == 2
    assert "--folds 67 leaves test folds of 2 of the 200 stimuli" in err
    assert "--folds 66 or fewer" in err
    assert "population (" not in out + err      # nothing was trained


def test_compare_transform_classes_needs_three_test_stimuli_for_rsa():
    from sklearn.model_selection import KFold

    from sklearn_brainmap.metrics import rsa_score
    from sklearn_brainmap.model_selection import compare_transform_classes

    rng = np.random.default_rng(0)
    population = {"pre": rng.random((20, 8)), "subjects": np.repeat([0, 1], 4),
                  "areas": np.tile(["a", "a", "b", "b"], 2)}
    with pytest.raises(ValueError, match="Fold 0 tests on 2 .*at least 3 test stimuli"):
        compare_transform_classes({"RSA": rsa_score}, population, responses=("pre",),
                                  cv=KFold(10))
    # a mapping alone is scored on 2 test stimuli, as before
    compare_transform_classes({"Ridge": Ridge(cv=None)}, population, responses=("pre",),
                              cv=KFold(10))


@pytest.mark.parametrize("output", ["", "  "])
def test_empty_output_is_refused(output, tmp_path, capsys, monkeypatch):
    from sklearn_brainmap._cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["--quick", "--output", output])
    assert exit_info.value.code == 2
    assert "--output: must name a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# -- 19. RDMs as users have them
def test_rsa_score_reads_condensed_rdms():
    from scipy.spatial.distance import pdist

    from sklearn_brainmap.metrics import rsa_score

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 12, 5))
    square = rsa_score(rdm(X), rdm(Y), rdm_metric="precomputed")
    assert square == pytest.approx(rsa_score(X, Y), rel=1e-12)
    condensed = rsa_score(pdist(X, "correlation"), pdist(Y, "correlation"),
                          rdm_metric="precomputed")
    assert condensed == pytest.approx(square, rel=1e-12)
    mixed = rsa_score(rdm(X, condensed=True), rdm(Y), rdm_metric="precomputed",
                      compare="kendall")
    assert mixed == pytest.approx(rsa_score(X, Y, compare="kendall"), rel=1e-12)
    with pytest.raises(ValueError, match="condensed RDM.*got 7 values"):
        rsa_score(np.arange(7.0), np.arange(7.0), rdm_metric="precomputed")
    with pytest.raises(ValueError, match="X has 66 stimulus pairs and Y 55"):
        rsa_score(pdist(X), pdist(Y[:11]), rdm_metric="precomputed")


def test_rsa_score_explains_rsatoolbox_objects():
    rsatoolbox = pytest.importorskip("rsatoolbox")
    from sklearn_brainmap.metrics import rsa_score

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 10, 4))
    rdms = rsatoolbox.rdm.RDMs(rdm(X, condensed=True)[None])
    with pytest.raises(TypeError, match=r"rsatoolbox RDMs object.*get_matrices\(\)\[0\]"):
        rsa_score(rdms, rdm(Y), rdm_metric="precomputed")
    assert rsa_score(rdms.get_matrices()[0], rdm(Y), rdm_metric="precomputed") == \
        pytest.approx(rsa_score(X, Y), rel=1e-12)


def test_rsa_score_warns_when_responses_look_like_rdms():
    from sklearn_brainmap.metrics import rsa_score

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 12, 5))
    with pytest.warns(UserWarning, match="X is square, symmetric.*looks like an RDM") as w:
        as_responses = rsa_score(rdm(X), Y)
    assert w[0].filename == __file__
    assert as_responses != pytest.approx(rsa_score(rdm(X), rdm(Y), rdm_metric="precomputed"))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rsa_score(X, Y)                              # ordinary responses: silent
        rsa_score(rng.random((12, 12)), Y)           # square, not symmetric: silent


# -- 20. groups, fold scores, scorer docstrings
def test_split_half_reliability_by_groups_against_a_loop():
    from sklearn_brainmap.metrics import split_half_reliability, spearman_brown

    rng = np.random.default_rng(0)
    signal = rng.standard_normal((4, 30, 1))
    session = rng.standard_normal((4, 30, 3)).repeat(2, axis=-1)   # 3 sessions × 2 runs
    R = signal + session + 0.3 * rng.standard_normal((4, 30, 6))
    R[1, :5, 0] = np.nan
    groups = np.array(["s1", "s1", "s2", "s2", "s3", "s3"])
    got = split_half_reliability(R, groups=groups, n_splits=6, random_state=0)
    # the same splits, drawn as documented, by a loop
    rs = np.random.RandomState(0)
    labels = np.unique(groups)
    expected = np.zeros(4)
    for _ in range(6):
        a = np.isin(groups, labels[rs.permutation(3)[:1]])
        for u in range(4):
            ma, mb = np.nanmean(R[u][:, a], axis=1), np.nanmean(R[u][:, ~a], axis=1)
            expected[u] += spearman_brown(np.corrcoef(ma, mb)[0, 1]) / 6
    np.testing.assert_allclose(got, np.where(expected >= 0, expected, np.nan), rtol=1e-12)
    # repeats shuffled within stimuli mix the runs of a session: a higher, biased value
    mixed = split_half_reliability(R, n_splits=6, random_state=0)
    assert np.nanmean(mixed) > np.nanmean(got) + 0.1
    with pytest.raises(ValueError, match="one label per repeat"):
        split_half_reliability(R, groups=groups[:5])
    with pytest.raises(ValueError, match="at least 2"):
        split_half_reliability(R, groups=np.zeros(6))


def test_cross_val_unit_scores_returns_fold_scores():
    from sklearn_brainmap.metrics import r2_score
    from sklearn_brainmap.model_selection import cross_val_unit_scores

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    Y = X @ rng.standard_normal((4, 3)) + rng.standard_normal((40, 3))
    cv = KFold(4, shuffle=True, random_state=0)
    scores, folds = cross_val_unit_scores(Ridge(cv=None), X, Y, cv=cv, return_folds=True)
    assert folds.shape == (4, 3)
    np.testing.assert_allclose(scores, folds.mean(axis=0))
    for k, (train, test) in enumerate(cv.split(X)):
        pred = Ridge(cv=None).fit(X[train], Y[train]).predict(X[test])
        np.testing.assert_allclose(folds[k], r2_score(Y[test], pred,
                                                      multioutput="raw_values"))
    np.testing.assert_array_equal(cross_val_unit_scores(Ridge(cv=None), X, Y, cv=cv),
                                  scores)


@pytest.mark.parametrize("name", ["median_r2_scorer", "median_pearson_r_scorer",
                                  "mean_pearson_r_scorer"])
def test_scorers_have_docstrings(name):
    import doctest
    import inspect

    from sklearn_brainmap import metrics

    scorer = getattr(metrics, name)
    doc = inspect.getdoc(scorer)
    assert doc and name in doc and "higher is better" in doc
    assert doc != inspect.getdoc(type(scorer))
    # its example runs
    test = doctest.DocTestParser().get_doctest(doc, {}, name, None, 0)
    result = doctest.DocTestRunner().run(test)
    assert result.failed == 0 and result.attempted > 0


# -- 21. ConstantUnitWarning at the caller, once per run
def _constant_population():
    rng = np.random.default_rng(0)
    pre = rng.standard_normal((30, 8))
    pre[:, 3] = 1.0
    return {"pre": pre, "subjects": np.repeat([0, 1], 4),
            "areas": np.tile(["a", "a", "b", "b"], 2)}


def test_constant_unit_warning_points_at_the_caller():
    from sklearn_brainmap.model_selection import compare_transform_classes
    from sklearn_brainmap.utils import ConstantUnitWarning

    with pytest.warns(ConstantUnitWarning, match="Constant units were met") as record:
        compare_transform_classes({"Ridge": Ridge(cv=None)}, _constant_population(),
                                  responses=("pre",), cv=3)
    constant = [w for w in record if issubclass(w.category, ConstantUnitWarning)]
    assert len(constant) == 1
    assert constant[0].filename == __file__
    assert constant[0].message.count > 0


def test_the_command_warns_once_per_run(tmp_path, monkeypatch):
    import warnings

    from sklearn_brainmap._cli import _simulated, main
    from sklearn_brainmap.utils import ConstantUnitWarning

    real = _simulated.compare_transform_classes

    def constant_once(*args, **kwargs):   # each comparison meets 2 constant units
        warning = ConstantUnitWarning("Constant units were met in 2 fits")
        warning.count = 2
        warnings.warn(warning)
        return real(*args, **kwargs)

    monkeypatch.setattr(_simulated, "compare_transform_classes", constant_once)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status = main(["--quick", "--architecture", "mlp", "--subjects", "2", "--folds",
                       "2", "--n-jobs", "1", "--output", str(tmp_path)])
    assert status == 0
    constant = [w for w in caught if issubclass(w.category, ConstantUnitWarning)]
    assert len(constant) == 1
    assert "in 4 fits or scorings of this run" in str(constant[0].message)
    assert constant[0].filename.endswith(os.path.join("_cli", "_main.py"))
