"""Blocking helpers: split work over columns so that temporaries stay within a budget."""


def column_blocks(n_columns, n_rows, itemsize, budget=2**27, minimum=1):
    """Slices over columns so that an ``(n_rows, block)`` array stays under ``budget`` bytes.

    Blocks hold at least ``minimum`` columns whatever the budget.
    """
    block = max(minimum, 1, budget // max(1, n_rows * itemsize))
    return [slice(i, min(i + block, n_columns)) for i in range(0, n_columns, block)]


def index_blocks(indices, bytes_per_index, budget=2**27):
    """Consecutive runs of ``indices`` whose arrays stay under ``budget`` bytes.

    Each index needs ``bytes_per_index`` bytes of temporaries; every run holds at least
    one index whatever the budget.

    Parameters
    ----------
    indices : ndarray of shape (n,)
    bytes_per_index : int
    budget : int

    Returns
    -------
    blocks : list of ndarray
        Views of ``indices``, in order.
    """
    size = max(1, budget // max(1, bytes_per_index))
    return [indices[i:i + size] for i in range(0, indices.size, size)]
