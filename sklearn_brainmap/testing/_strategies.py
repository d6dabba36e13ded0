"""Hypothesis strategies for property-based tests of mappings and similarity measures."""

from numbers import Integral, Real

import numpy as np
from hypothesis import strategies as st
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params


def _named(strategy_function):
    """Give a ``st.composite`` function its own qualified name (hypothesis's is
    ``accept.<locals>.name``), which parameter errors show."""
    strategy_function.__qualname__ = strategy_function.__name__
    return strategy_function


def _size(low):
    """A size: an int of at least ``low``, or a strategy that draws one."""
    return [Interval(Integral, low, None, closed="left"), st.SearchStrategy]


def _draw_size(draw, value):
    """A size given as an int (fixed) or a hypothesis strategy (drawn)."""
    return draw(value) if isinstance(value, st.SearchStrategy) else int(value)


@validate_params(
    {
        "n_stimuli": _size(1),
        "n_units": _size(0),
        "dtype": [type, str, np.dtype],
        "rank": [Interval(Integral, 1, None, closed="left"), None],
        "sparsity": [Interval(Real, 0, 1, closed="left")],
        "n_constant": [Interval(Integral, 0, None, closed="left")],
        "n_duplicated": [Interval(Integral, 0, None, closed="left")],
        "scale": [Interval(Real, 0, None, closed="neither"), st.SearchStrategy],
    },
    prefer_skip_nested_validation=True,
)
@_named
@st.composite
def response_matrices(draw, n_stimuli=st.integers(8, 40), n_units=st.integers(1, 12), *,
                      dtype=np.float64, rank=None, sparsity=0.0, n_constant=0,
                      n_duplicated=0, scale=st.floats(0.1, 10.0)):
    """Response matrices ``(n_stimuli, n_units)`` with controllable structure.

    Responses are a random low-rank signal plus unit-specific offsets and scales,
    optionally rectified to a fraction of exact zeros (``sparsity``, like post-ReLU
    responses), with some constant units and duplicated columns. The random numbers
    come from a seed drawn by hypothesis, so failing examples shrink and replay.

    Parameters
    ----------
    n_stimuli, n_units : int or strategy
    dtype : numpy dtype, default=float64
    rank : int, optional
        Rank of the signal before rectification (default: full).
    sparsity : float in [0, 1), default=0
        Approximate fraction of exact zeros.
    n_constant : int, default=0
        Units (columns) set to a constant; appended after the random units.
    n_duplicated : int, default=0
        Copies of existing columns appended at the end.
    scale : float or strategy, default=floats(0.1, 10)
        Overall scale of the responses.

    Examples
    --------
    >>> from hypothesis import given
    >>> from sklearn_brainmap.testing import response_matrices
    >>> @given(response_matrices(n_units=5, sparsity=0.5))
    ... def test_shape(X):
    ...     assert X.shape[1] == 5 and (X >= 0).all()
    >>> test_shape()
    """
    n = _draw_size(draw, n_stimuli)
    p = _draw_size(draw, n_units)
    seed = draw(st.integers(0, 2**32 - 1))
    size = draw(scale) if isinstance(scale, st.SearchStrategy) else float(scale)
    rng = np.random.default_rng(seed)
    r = p if rank is None else max(1, min(rank, p))
    X = rng.standard_normal((n, r)) @ rng.standard_normal((r, p))
    X = X * rng.uniform(0.5, 2.0, p) + rng.uniform(-1.0, 1.0, p)
    if sparsity > 0:
        X = np.maximum(X - np.quantile(X, sparsity, axis=0), 0.0)
    if n_constant:
        low = 0.0 if sparsity > 0 else -1.0  # rectified responses stay non-negative
        X = np.hstack([X, np.repeat(rng.uniform(low, 1, (1, n_constant)), n, axis=0)])
    if n_duplicated:
        X = np.hstack([X, X[:, rng.integers(0, X.shape[1], n_duplicated)]])
    return (size * X).astype(dtype)


@validate_params(
    {
        "n_subjects": _size(1),
        "n_areas": _size(1),
        "n_units": _size(1),
        "n_stimuli": _size(1),
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left"), st.SearchStrategy],
    },
    prefer_skip_nested_validation=True,
)
@_named
@st.composite
def populations(draw, n_subjects=st.integers(2, 4), n_areas=st.integers(2, 3),
                n_units=st.integers(3, 8), n_stimuli=st.integers(40, 80), *,
                latent_dim=3, noise=st.floats(0.0, 0.5)):
    """Populations of subjects × areas with a known area structure.

    Each area has its own latent signals (``latent_dim`` per stimulus); each subject's
    profile in that area is a random linear mixture of them plus independent noise of
    relative size ``noise``. Areas are therefore separable by any transform class that
    can undo a mixture (e.g. Ridge): the expected silhouette is high when ``noise`` is
    small.

    Returns
    -------
    population : Bunch
        ``X`` (n_stimuli, n_units_total), ``subjects``, ``areas`` (per column),
        ``latents`` (dict area -> (n_stimuli, latent_dim)).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sklearn_brainmap.testing import populations
    >>> @settings(max_examples=5)
    ... @given(populations(n_subjects=2, n_areas=2, n_units=4))
    ... def test_layout(pop):
    ...     assert pop.X.shape[1] == 2 * 2 * 4 == pop.subjects.size
    >>> test_layout()
    """
    n_s = _draw_size(draw, n_subjects)
    n_a = _draw_size(draw, n_areas)
    n_u = _draw_size(draw, n_units)
    n = _draw_size(draw, n_stimuli)
    level = draw(noise) if isinstance(noise, st.SearchStrategy) else float(noise)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    areas = [f"area{k}" for k in range(n_a)]
    latents = {a: rng.standard_normal((n, latent_dim)) for a in areas}
    blocks, subjects, labels = [], [], []
    for s in range(n_s):
        for a in areas:
            blocks.append(latents[a] @ rng.standard_normal((latent_dim, n_u))
                          + level * np.sqrt(latent_dim) * rng.standard_normal((n, n_u)))
            subjects += [s] * n_u
            labels += [a] * n_u
    return Bunch(X=np.hstack(blocks), subjects=np.array(subjects), areas=np.array(labels),
                 latents=latents)
