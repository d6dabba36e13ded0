"""Names that moved out of ``metrics`` still work there for one release, with a
FutureWarning naming their new home, and are the very same objects."""

import pytest

import sklearn_brainmap.inspection as inspection
import sklearn_brainmap.metrics as metrics
import sklearn_brainmap.model_selection as model_selection

MOVED = {
    "feature_weighted_rsa": model_selection,
    "remixed_rdm": model_selection,
    "reweighted_rsa": model_selection,
    "variance_partitioning": model_selection,
    "optimize_similarity": inspection,
    "pc_perturbation_scores": inspection,
    "principal_component_r2": inspection,
    "similarity_gradient": inspection,
    "similarity_score_range": inspection,
}


@pytest.mark.parametrize("name", sorted(MOVED))
def test_moved_name_warns_and_is_the_new_object(name):
    new = MOVED[name]
    with pytest.warns(FutureWarning, match=rf"metrics\.{name} moved to {new.__name__}"):
        old = getattr(metrics, name)
    assert old is getattr(new, name)
    assert name not in metrics.__all__ and name in new.__all__


def test_from_import_of_a_moved_name_warns():
    with pytest.warns(FutureWarning, match="moved to sklearn_brainmap.model_selection"):
        from sklearn_brainmap.metrics import reweighted_rsa  # noqa: F401


def test_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'not_a_measure'"):
        metrics.not_a_measure  # noqa: B018
