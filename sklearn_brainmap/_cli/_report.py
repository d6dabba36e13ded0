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


def _strict(value):
    """``value`` with NaN and ±inf as None and NumPy scalars, arrays and paths as plain
    Python: what strict JSON can hold (``json.dumps`` would write ``NaN``, which
    JavaScript's ``JSON.parse`` and other strict parsers reject)."""
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return _strict(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)  # paths, dtypes: their text


def write_json(path, data):
    """Write ``data`` as indented, strict JSON (missing values as ``null``, never
    ``NaN`` or ``Infinity``); return the path."""
    path.write_text(json.dumps(_strict(data), indent=2, allow_nan=False))
    return path


#: The distributions whose versions every JSON file records.
DEPENDENCIES = ("numpy", "scipy", "scikit-learn", "POT", "statsmodels", "threadpoolctl",
                "joblib", "matplotlib", "dask")


def versions():
    """Python, sklearn_brainmap and its dependencies' versions (None: not installed)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    found = {"python": platform.python_version(), "sklearn_brainmap": __version__}
    for name in DEPENDENCIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def run_record(args, **extra):
    """The ``settings`` (every option of the run, and ``extra``) and ``versions``
    blocks that open every JSON file the command writes."""
    return {"settings": {**vars(args), **extra}, "versions": versions()}


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


def save_figure(figure, path, caption=None):
    """Save and close a figure, with a ``caption`` line under the panels (what was
    run: population, folds, noise gain); return the path."""
    if caption:
        figure.text(0.5, 0.005, caption, ha="center", va="bottom", fontsize=8,
                    color="0.3")
        # leave room for the caption line: about 0.3 inch at the bottom
        figure.tight_layout(rect=(0, 0.3 / figure.get_figheight(), 1, 1))
    else:
        figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot_or_none().close(figure)
    return path
