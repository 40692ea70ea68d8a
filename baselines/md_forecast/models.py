"""The forecasters of `*/forecast` declared in :mod:`baselines.md_forecast`, imported with torch when one is
fitted."""

from __future__ import annotations

import numpy as np
import xarray as xr

from baselines.estimators.forecasters import fit_grid
from mdbench.core.task import TaskData, TrainingReport
from mdbench.data.windows import trajectories
from mdbench.systems.md_forecast.task import forecast_dataset, grid


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
