"""Hypothesis strategies for property-based tests of mappings and similarity measures.

Every size and structure argument takes a value (fixed) or a hypothesis strategy
(drawn per example). By default the structure the package warns about is drawn too:
exact zeros (rectified responses), constant and duplicated units, low rank. Random
numbers come from a drawn seed, and values are rounded to a drawn number of decimals:
a failing example shrinks to the smallest sizes, no extra structure, seed 0 and one
decimal, so it prints as a small, readable array.
"""

from numbers import Integral, Real

import numpy as np
from hypothesis import strategies as st
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params


def _named(strategy_function):
    """Give a ``st.composite`` function its own qualified name (hypothesis's is
    ``accept.<locals>.name``), which parameter errors show."""
    strategy_function.__qualname__ = strategy_function.__name__
    return strategy_function


def _integer(low):
    """An int of at least ``low``, or a strategy that draws one."""
    return [Interval(Integral, low, None, closed="left"), st.SearchStrategy]


def _draw(draw, value):
    """A value given as such (fixed) or as a hypothesis strategy (drawn)."""
    return draw(value) if isinstance(value, st.SearchStrategy) else value


def _check_drawn(name, value, low, high=None, *, closed_high=True, integer=False):
    """A drawn value is checked as a fixed one would be: a clear error naming the
    argument when a user's strategy draws out of range."""
    if value is None:
        return value
    bad = (integer and not isinstance(value, Integral)) or value < low or (
        high is not None and (value > high if closed_high else value >= high))
    if bad:
        bound = f"in [{low}, {high}{']' if closed_high else ')'}" if high is not None \
            else f">= {low}"
        kind = "integers" if integer else "numbers"
        raise ValueError(f"The strategy given for {name!r} drew {value!r}; it must "
                         f"draw {kind} {bound}.")
    return value


#: Shared constraints of the structure arguments.
_STRUCTURE = {
    "dtype": [type, str, np.dtype, st.SearchStrategy],
    "rank": [Interval(Integral, 1, None, closed="left"), None, st.SearchStrategy],
    "sparsity": [Interval(Real, 0, 1, closed="left"), st.SearchStrategy],
    "n_constant": _integer(0),
    "n_duplicated": _integer(0),
    "scale": [Interval(Real, 0, None, closed="neither"), st.SearchStrategy],
}

#: Defaults that reach the edge cases (each shrinks to "none of it").
DEFAULT_RANK = st.one_of(st.none(), st.integers(1, 3))
DEFAULT_SPARSITY = st.sampled_from([0.0, 0.5, 0.9])
DEFAULT_N_CONSTANT = st.integers(0, 2)
DEFAULT_N_DUPLICATED = st.integers(0, 2)


def _mix(signal, n_units, rank, rng, decimals):
    """Random units from a latent ``signal`` (n, k): a mixture of its first ``rank``
    dimensions through rounded loadings, with unit offsets and scales."""
    r = max(1, min(n_units if rank is None else rank, signal.shape[1]))
    loadings = np.round(rng.standard_normal((r, n_units)), decimals)
    # a loading rounded to 0 would make a constant unit nobody asked for
    loadings[loadings == 0] = 10.0 ** -decimals
    gains = np.round(rng.uniform(0.5, 2.0, n_units), decimals)
    offsets = np.round(rng.uniform(-1.0, 1.0, n_units), decimals)
    return (signal[:, :r] @ loadings) * gains + offsets


def _add_structure(X, *, sparsity, n_constant, n_duplicated, rng, decimals):
    """Rectify to a fraction ``sparsity`` of zeros per unit; append constant units and
    copies of existing ones."""
    n = X.shape[0]
    if sparsity > 0 and X.shape[1]:
        X = np.maximum(X - np.quantile(X, sparsity, axis=0), 0.0)
    if n_constant:
        low = 0.0 if sparsity > 0 else -1.0  # rectified responses stay non-negative
        levels = np.round(rng.uniform(low, 1, (1, n_constant)), decimals)
        X = np.hstack([X, np.repeat(levels, n, axis=0)])
    if n_duplicated and X.shape[1]:
        X = np.hstack([X, X[:, rng.integers(0, X.shape[1], n_duplicated)]])
    return X


def _structured(signal, n_units, structure, rng, decimals, noise=0.0):
    """One system's responses: mixed units, private noise (relative to each unit's
    spread), the structure drawn, scaled and cast."""
    X = _mix(signal, n_units, structure["rank"], rng, decimals)
    if noise:
        X = X + noise * X.std(axis=0) * np.round(rng.standard_normal(X.shape), decimals)
    X = _add_structure(X, sparsity=structure["sparsity"],
                       n_constant=structure["n_constant"],
                       n_duplicated=structure["n_duplicated"], rng=rng,
                       decimals=decimals)
    return (structure["scale"] * X).astype(structure["dtype"])


def _draw_structure(draw, *, dtype, rank, sparsity, n_constant, n_duplicated, scale):
    values = {"dtype": np.dtype(_draw(draw, dtype)),
              "rank": _check_drawn("rank", _draw(draw, rank), 1, integer=True),
              "sparsity": _check_drawn("sparsity", _draw(draw, sparsity), 0, 1,
                                       closed_high=False),
              "n_constant": _check_drawn("n_constant", _draw(draw, n_constant), 0,
                                         integer=True),
              "n_duplicated": _check_drawn("n_duplicated", _draw(draw, n_duplicated), 0,
                                           integer=True),
              "scale": float(_check_drawn("scale", _draw(draw, scale), 1e-300))}
    if not np.issubdtype(values["dtype"], np.floating):
        raise ValueError(f"dtype must be a floating dtype, got {values['dtype']}.")
    return values


def _seeded(draw):
    """A generator from a drawn seed and a drawn rounding (both shrink to 0 / 1)."""
    seed = draw(st.integers(0, 2**32 - 1))
    decimals = draw(st.integers(1, 6))
    return np.random.default_rng(seed), decimals


@validate_params(
    {"n_stimuli": _integer(1), "n_units": _integer(0), **_STRUCTURE},
    prefer_skip_nested_validation=True,
)
@_named
@st.composite
def response_matrices(draw, n_stimuli=st.integers(8, 40), n_units=st.integers(1, 12), *,
                      dtype=np.float64, rank=DEFAULT_RANK, sparsity=DEFAULT_SPARSITY,
                      n_constant=DEFAULT_N_CONSTANT, n_duplicated=DEFAULT_N_DUPLICATED,
                      scale=st.floats(0.1, 10.0)):
    """Response matrices ``(n_stimuli, n_units)`` with controllable structure.

    Responses are a random low-rank signal plus unit-specific offsets and scales,
    optionally rectified to a fraction of exact zeros (``sparsity``, like post-ReLU
    responses), with constant units and duplicated columns appended. Every argument
    takes a value or a hypothesis strategy; the defaults draw the structure the
    package warns about (zeros, constant and duplicated units, low rank), so a measure
    that breaks on it fails by default. For well-behaved data only, pass
    ``rank=None, sparsity=0, n_constant=0, n_duplicated=0``.

    Shrinking: the random numbers come from a drawn seed and are rounded to a drawn
    number of decimals; a failing example shrinks to the smallest sizes, no extra
    structure, seed 0 and one decimal.

    Parameters
    ----------
    n_stimuli : int or strategy, default=integers(8, 40)
    n_units : int or strategy, default=integers(1, 12)
        Units before the constant and duplicated ones are appended: the matrix has
        ``n_units + n_constant + n_duplicated`` columns.
    dtype : numpy floating dtype or strategy, default=float64
    rank : int, None or strategy, default=one_of(none(), integers(1, 3))
        Rank of the signal before rectification (None: full).
    sparsity : float in [0, 1) or strategy, default=sampled_from([0, 0.5, 0.9])
        Approximate fraction of exact zeros of each random unit.
    n_constant : int or strategy, default=integers(0, 2)
        Units set to a constant, appended after the random units.
    n_duplicated : int or strategy, default=integers(0, 2)
        Copies of existing columns, appended at the end.
    scale : float or strategy, default=floats(0.1, 10)
        Overall scale of the responses.

    Returns
    -------
    strategy
        Draws arrays of shape ``(n_stimuli, n_units + n_constant + n_duplicated)``.

    See Also
    --------
    paired_response_matrices : ``(X, Y)`` of two systems on the same stimuli.

    Examples
    --------
    >>> from hypothesis import given
    >>> from sklearn_brainmap.testing import response_matrices
    >>> @given(response_matrices(n_units=5, sparsity=0.5, n_constant=0,
    ...                          n_duplicated=0))
    ... def test_shape(X):
    ...     assert X.shape[1] == 5 and (X >= 0).all()
    >>> test_shape()
    """
    structure = _draw_structure(draw, dtype=dtype, rank=rank, sparsity=sparsity,
                                n_constant=n_constant, n_duplicated=n_duplicated,
                                scale=scale)
    n = _check_drawn("n_stimuli", _draw(draw, n_stimuli), 1, integer=True)
    p = _check_drawn("n_units", _draw(draw, n_units), 0, integer=True)
    rng, decimals = _seeded(draw)
    signal = np.round(rng.standard_normal((n, max(p, 1))), decimals)
    return _structured(signal, p, structure, rng, decimals)


@validate_params(
    {"n_stimuli": _integer(2), "n_units_x": _integer(1), "n_units_y": _integer(1),
     "shared_rank": _integer(1), "noise": [Interval(Real, 0, None, closed="left"),
                                           st.SearchStrategy],
     "y_structure": [StrOptions({"same", "none"})], **_STRUCTURE},
    prefer_skip_nested_validation=True,
)
@_named
@st.composite
def paired_response_matrices(draw, n_stimuli=st.integers(10, 40),
                             n_units_x=st.integers(1, 10), n_units_y=st.integers(1, 10),
                             *, shared_rank=st.integers(1, 4),
                             noise=st.floats(0.0, 1.0), dtype=np.float64,
                             rank=DEFAULT_RANK, sparsity=DEFAULT_SPARSITY,
                             n_constant=DEFAULT_N_CONSTANT,
                             n_duplicated=DEFAULT_N_DUPLICATED,
                             scale=st.floats(0.1, 10.0), y_structure="same"):
    """Pairs ``(X, Y)``: two systems' responses to the same stimuli, sharing a signal.

    Both matrices mix one latent signal of ``shared_rank`` dimensions per stimulus
    (each through its own loadings, offsets and scales); ``Y`` adds independent
    Gaussian noise of relative size ``noise``. Use it for a measure of two
    representations (``measure(X, Y)``) or a mapping (``fit(X, Y)``): with small noise
    every transform class that can undo a mixture predicts ``Y`` well.

    Parameters
    ----------
    n_stimuli : int or strategy, default=integers(10, 40)
        Rows of both matrices (the same stimuli).
    n_units_x, n_units_y : int or strategy, default=integers(1, 10)
        Random units of each system (before constant and duplicated ones).
    shared_rank : int or strategy, default=integers(1, 4)
        Dimensions of the shared signal.
    noise : float or strategy, default=floats(0, 1)
        Standard deviation of ``Y``'s private noise relative to its signal.
    dtype, rank, sparsity, n_constant, n_duplicated, scale : value or strategy
        As in :func:`response_matrices`, drawn once per pair; ``rank`` limits how many
        of the shared dimensions each system uses.
    y_structure : {"same", "none"}, default="same"
        ``"none"``: ``Y`` gets no zeros, constant or duplicated units (e.g. a mapping's
        well-behaved targets) while ``X`` has the structure drawn.

    Returns
    -------
    strategy
        Draws tuples ``(X, Y)`` with ``X.shape[0] == Y.shape[0]``.

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from sklearn_brainmap.testing import paired_response_matrices
    >>> @settings(max_examples=20)
    ... @given(paired_response_matrices(n_units_x=4, n_units_y=3))
    ... def test_same_stimuli(XY):
    ...     X, Y = XY
    ...     assert X.shape[0] == Y.shape[0] and X.shape[1] >= 4 and Y.shape[1] >= 3
    >>> test_same_stimuli()
    """
    structure = _draw_structure(draw, dtype=dtype, rank=rank, sparsity=sparsity,
                                n_constant=n_constant, n_duplicated=n_duplicated,
                                scale=scale)
    n = _check_drawn("n_stimuli", _draw(draw, n_stimuli), 2, integer=True)
    p = _check_drawn("n_units_x", _draw(draw, n_units_x), 1, integer=True)
    q = _check_drawn("n_units_y", _draw(draw, n_units_y), 1, integer=True)
    k = _check_drawn("shared_rank", _draw(draw, shared_rank), 1, integer=True)
    level = float(_check_drawn("noise", _draw(draw, noise), 0))
    rng, decimals = _seeded(draw)
    signal = np.round(rng.standard_normal((n, k)), decimals)
    X = _structured(signal, p, structure, rng, decimals)
    if y_structure == "none":
        structure = {**structure, "sparsity": 0.0, "n_constant": 0, "n_duplicated": 0}
    return X, _structured(signal, q, structure, rng, decimals, noise=level)


@validate_params(
    {
        "n_subjects": _integer(1),
        "n_areas": _integer(1),
        "n_units": _integer(1),
        "n_stimuli": _integer(1),
        "latent_dim": _integer(1),
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
    small. Every argument takes a value or a strategy; the random numbers come from a
    drawn seed (shrinking to 0).

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
    n_s = _check_drawn("n_subjects", _draw(draw, n_subjects), 1, integer=True)
    n_a = _check_drawn("n_areas", _draw(draw, n_areas), 1, integer=True)
    n_u = _check_drawn("n_units", _draw(draw, n_units), 1, integer=True)
    n = _check_drawn("n_stimuli", _draw(draw, n_stimuli), 1, integer=True)
    k = _check_drawn("latent_dim", _draw(draw, latent_dim), 1, integer=True)
    level = float(_check_drawn("noise", _draw(draw, noise), 0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    areas = [f"area{a}" for a in range(n_a)]
    latents = {a: rng.standard_normal((n, k)) for a in areas}
    blocks, subjects, labels = [], [], []
    for s in range(n_s):
        for a in areas:
            blocks.append(latents[a] @ rng.standard_normal((k, n_u))
                          + level * np.sqrt(k) * rng.standard_normal((n, n_u)))
            subjects += [s] * n_u
            labels += [a] * n_u
    return Bunch(X=np.hstack(blocks), subjects=np.array(subjects), areas=np.array(labels),
                 latents=latents)
