"""Blocking helpers: split work over columns so that temporaries stay within a budget."""


def column_blocks(n_columns, n_rows, itemsize, budget=2**27, minimum=1):
    """Slices over columns so that an ``(n_rows, block)`` array stays under ``budget`` bytes.

    Blocks hold at least ``minimum`` columns whatever the budget.
    """
    block = max(minimum, 1, budget // max(1, n_rows * itemsize))
    return [slice(i, min(i + block, n_columns)) for i in range(0, n_columns, block)]
