"""Venn-diagram components of explained variance from the R² of every union of
predictors (the combinatorics of :func:`~sklearn_brainmap.model_selection.
variance_partitioning`)."""

import itertools


def _subsets(names):
    return [combo for r in range(1, len(names) + 1)
            for combo in itertools.combinations(names, r)]


def _partitions(names, r2):
    """Venn-diagram components from the R² of every union of predictors.

    With ``f(S)`` the R² of the union ``S`` and ``g(U) = f(all) − f(all ∖ U)`` (the
    variance only the predictors in ``U`` can explain), the component explained by
    exactly the predictors in ``T`` is the Möbius inversion
    ``μ(T) = Σ_{∅≠U⊆T} (−1)^{|T|−|U|} g(U)``. Two predictors: ``μ(A) = f(AB) − f(B)``,
    ``μ(AB) = f(A) + f(B) − f(AB)``.
    """
    every = tuple(names)

    def f(subset):
        return r2[tuple(n for n in names if n in subset)] if subset else 0.0

    def g(U):
        return f(every) - f(tuple(n for n in names if n not in U))

    return {T: sum((-1) ** (len(T) - len(U)) * g(U) for U in _subsets(list(T)))
            for T in _subsets(list(names))}
