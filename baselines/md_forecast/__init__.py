"""Baselines of the ``adk/forecast`` and ``ala100-smd/forecast`` tasks: FFNN / LSTM / GRU, whole or per atom.

A light declaration (what `mdbench list` shows): the forecaster is
:class:`baselines.md_forecast.models.ForecastBaseline`, imported with torch when one is fitted.
"""

from __future__ import annotations

from mdbench.core.task import LazyFactory, ModelEntry

PAPER = "Gupta et al., bioRxiv 2020.07.28.225490"

MODES = {"whole": "all 3N coordinates in one vector", "atom": "per-atom Kirchhoff decomposition"}
MODELS = [  # every forecasting task, imported datasets included
    ModelEntry(f"{arch}-{mode}", "*/forecast", "model", f"{arch.upper()}, {what}",
               LazyFactory("baselines.md_forecast.models:ForecastBaseline", arch, mode), PAPER, devices=("cpu", "cuda"))
    for arch in ("ffnn", "lstm", "gru") for mode, what in MODES.items()
]
