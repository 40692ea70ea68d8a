"""Baselines of the ``adk/forecast`` and ``ala100-smd/forecast`` tasks: FFNN / LSTM / GRU, whole or per atom."""

from __future__ import annotations

import functools

import numpy as np
import xarray as xr

from baselines.estimators.forecasters import fit_grid
from mdbench.core.task import ModelEntry, TaskData, TrainingReport
from mdbench.data.windows import trajectories
from mdbench.systems.md_forecast.task import forecast_dataset, grid

PAPER = "Gupta et al., bioRxiv 2020.07.28.225490"


class ForecastBaseline:
    def __init__(self, arch: str, mode: str, device: str = "cpu"):
        self.arch, self.mode, self.device = arch, mode, device

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "ForecastBaseline":
        cfg = data.config
        train, val = trajectories(data.train, "ca"), trajectories(data.val, "ca")
        self.models = fit_grid(self.arch, self.mode, train, val, grid(cfg), seed, progress, device=self.device)
        return self

    def training_report(self) -> TrainingReport:
        """The epochs of every (h, L) network of the grid, summed."""
        return sum((m.training_report() for m in self.models.values()), TrainingReport())

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        cfg = data.config
        hist = data.inputs["history"]["history_ca"].values  # (window, h_max, atom, 3)
        out = np.stack([np.stack([self.models[(h, lead)].predict(hist[:, -h:]) for lead in cfg["leads"]])
                        for h in cfg["histories"]])
        return forecast_dataset(out, cfg)


MODES = {"whole": "all 3N coordinates in one vector", "atom": "per-atom Kirchhoff decomposition"}
MODELS = [  # every forecasting task, imported datasets included
    ModelEntry(f"{arch}-{mode}", "*/forecast", "model", f"{arch.upper()}, {what}",
               functools.partial(ForecastBaseline, arch, mode), PAPER, devices=("cpu", "cuda"))
    for arch in ("ffnn", "lstm", "gru") for mode, what in MODES.items()
]
