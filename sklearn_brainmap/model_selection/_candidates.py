"""The transform classes of a comparison: :class:`Candidate` and the papers' default
set."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A transform class in a comparison.

    Parameters
    ----------
    name : str
        Its name in the results.
    estimator : estimator or callable
        A regressor (cloned for every fit), or a symmetric similarity function
        ``f(X_s, X_t) -> float`` that needs no mapping (RSA, CKA, Procrustes), which is
        then compared on specificity only.
    source : str, default=None
        The recording of the population that feeds the sources (``"pre"``: map
        pre-activation responses to the targets, the *Pre Linear Softplus* class).
        ``None``: the same recording as the targets.
    responses : str or tuple of str, default=None
        The target recordings this class is compared on (e.g. ``("post",)`` for
        classes that model rectified responses), matched by whole name (a single
        string is one name). ``None``: every recording of the comparison.

    Examples
    --------
    >>> from sklearn_brainmap import LinearSoftplus
    >>> from sklearn_brainmap.model_selection import Candidate
    >>> Candidate("Pre Linear Softplus", LinearSoftplus(), source="pre",
    ...           responses=("post",)).specificity_only
    False
    """

    name: str
    estimator: object
    source: str = None
    responses: tuple = None

    def __post_init__(self):
        # one name is a tuple of one name: ``target in "post_clean"`` would also match
        # "post" (a substring)
        if isinstance(self.responses, str):
            object.__setattr__(self, "responses", (self.responses,))
        elif self.responses is not None:
            object.__setattr__(self, "responses", tuple(self.responses))

    @property
    def specificity_only(self):
        """True for a similarity function, which makes no predictions."""
        return not hasattr(self.estimator, "fit")



def default_candidates():
    """The transform classes of the papers' comparison, from flexible to strict, and RSA.

    Ridge, SoftMatching and OneToOne are compared on pre- and post-activation targets;
    the nonlinear classes (LogisticRidge, LinearNonlinear, LinearSoftplus) model
    rectified, non-negative responses (a Poisson GLM even requires them) and are
    compared on post-activation targets only, as is *Pre Linear Softplus* (a softplus
    GLM from the sources' pre-activations); RSA needs no mapping and is compared on
    specificity.

    Returns
    -------
    list of Candidate

    Examples
    --------
    >>> from sklearn_brainmap.model_selection import default_candidates
    >>> [c.name for c in default_candidates()][:3]
    ['Ridge', 'LogisticRidge', 'LinearNonlinear']
    """
    from ..linear_model import LinearNonlinear, LinearSoftplus, LogisticRidge, Ridge
    from ..matching import OneToOne, SoftMatching
    from ..metrics import rsa_score

    post = ("post",)
    return [
        Candidate("Ridge", Ridge()),
        Candidate("LogisticRidge", LogisticRidge(), responses=post),
        Candidate("LinearNonlinear", LinearNonlinear(), responses=post),
        Candidate("LinearSoftplus", LinearSoftplus(), responses=post),
        Candidate("Pre Linear Softplus", LinearSoftplus(), source="pre", responses=post),
        Candidate("SoftMatching", SoftMatching()),
        Candidate("OneToOne", OneToOne()),
        Candidate("RSA", rsa_score),
    ]


def _candidates(candidates):
    if isinstance(candidates, dict):
        candidates = [Candidate(name, estimator) for name, estimator in candidates.items()]
    candidates = list(candidates)
    if not candidates:
        raise ValueError("candidates is empty: give at least one transform class.")
    for c in candidates:
        if not isinstance(c, Candidate):
            raise TypeError("candidates must be a dict {name: estimator} or a list of "
                            f"Candidate, got an element of type {type(c).__name__}.")
    names = [c.name for c in candidates]
    if len(set(names)) < len(names):
        raise ValueError(f"candidate names must be unique, got {names}.")
    return candidates
