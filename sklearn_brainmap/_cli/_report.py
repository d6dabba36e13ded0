"""What the ``brainmap`` command writes: plain-text tables, CSV and JSON files, figures,
and its progress messages (one logger, one matplotlib guard)."""

import csv
import json
import logging
import math
import sys

logger = logging.getLogger("sklearn_brainmap")


class _StderrHandler(logging.StreamHandler):
    """A handler that writes to whatever ``sys.stderr`` is when a record is emitted.

    ``logging.StreamHandler()`` keeps the ``sys.stderr`` of the moment it is created;
    the handler lives on a module-level logger, so a later ``main()`` whose standard
    error was redirected (another test, a notebook) would write its progress to the
    stale stream. (The standard library's own last-resort handler does the same.)
    """

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


def setup_logging():
    """Progress of the library and of the command to standard error, message only."""
    if not any(getattr(h, "_brainmap", False) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._brainmap = True
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def log(message):
    """One progress message of the command."""
    logger.info(message)


def _cell(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def format_table(rows, columns=None, right=()):
    """A plain-text table of ``rows`` (dicts): text left-aligned, numbers and the
    columns named in ``right`` right-aligned, floats with 3 decimals, None as "—"."""
    columns = list(columns or rows[0])
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[k]) for r in cells)) for k, c in enumerate(columns)]
    numeric = [c in right or all(isinstance(row.get(c), (int, float))
                                 or row.get(c) is None for row in rows) for c in columns]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(columns), "  ".join("-" * w for w in widths),
                      *(line(r) for r in cells)])


def write_csv(path, rows, columns=None):
    """Write ``rows`` (dicts) as a CSV file with a header; return the path."""
    columns = list(columns or rows[0])
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_json(path, data):
    """Write ``data`` as indented JSON; return the path."""
    path.write_text(json.dumps(data, indent=2))
    return path


def pyplot_or_none():
    """``matplotlib.pyplot`` on the non-interactive Agg backend, or None (said once)
    when matplotlib is not installed: the command then writes no figures."""
    from ..plotting._displays import pyplot

    try:
        import matplotlib
        matplotlib.use("Agg")
        return pyplot()
    except ImportError:
        if not getattr(pyplot_or_none, "_said", False):
            log("matplotlib is not installed: no figures "
                "(pip install 'sklearn_brainmap[plot]')")
            pyplot_or_none._said = True
        return None


def save_figure(figure, path):
    """Save and close a figure; return the path."""
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot_or_none().close(figure)
    return path
