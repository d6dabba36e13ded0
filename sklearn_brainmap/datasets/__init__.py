"""Simulated model populations and loaders for real recordings."""

from ._allen_neuropixels import HARRIS2019_HIERARCHY_SCORES, load_siegle2021_allen_neuropixels
from ._image_responses import record_model_population
from ._population import make_model_population
from ._real import (COWLEY2023_SESSIONS, get_data_home, load_coggan2024_fmri,
                    load_conwell2021_allen_rdms, load_cowley2023_v4, load_henaff2021_v1)

__all__ = [
    "COWLEY2023_SESSIONS",
    "HARRIS2019_HIERARCHY_SCORES",
    "get_data_home",
    "load_coggan2024_fmri",
    "load_conwell2021_allen_rdms",
    "load_cowley2023_v4",
    "load_henaff2021_v1",
    "load_siegle2021_allen_neuropixels",
    "make_model_population",
    "record_model_population",
]
