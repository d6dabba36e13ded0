"""The ``brainmap`` command: ``_main`` parses and dispatches, ``_simulated`` runs the
papers' comparison on simulated populations, ``_datasets`` holds one recipe per real
dataset, ``_report`` writes tables, files and figures. Every analysis is a library
function; this package only calls them and writes what they return."""

from ._main import DATASETS, build_parser, main

__all__ = ["DATASETS", "build_parser", "main"]
