"""Baselines of the ``adk/forecast`` and ``ala100-smd/forecast`` tasks: FFNN / LSTM / GRU, whole or per atom."""

from __future__ import annotations

import numpy as np
import xarray as xr

from baselines.forecasters import fit_grid
from mdbench.tasks.base import ModelEntry, TaskData, register_model
from mdbench.tasks.forecast import forecast_dataset, grid

PAPER = "Gupta et al., bioRxiv 2020.07.28.225490"


class ForecastBaseline:
    def __init__(self, arch: str, mode: str):
        self.arch, self.mode = arch, mode

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "ForecastBaseline":
        cfg = data.config
        train = [data.train["ca"].values[r] for r in range(data.train.sizes["replica"])]
        val = [data.val["ca"].values[r] for r in range(data.val.sizes["replica"])]
        self.models = fit_grid(self.arch, self.mode, train, val, grid(cfg), seed, progress)
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        cfg = data.config
        hist = data.inputs["history"]["history_ca"].values  # (window, h_max, atom, 3)
        out = np.stack([np.stack([self.models[(h, lead)].predict(hist[:, -h:]) for lead in cfg["leads"]])
                        for h in cfg["histories"]])
        return forecast_dataset(out, cfg)


for _arch in ("ffnn", "lstm", "gru"):  # every forecasting task, imported datasets included
    for _mode, _what in (("whole", "all 3N coordinates in one vector"), ("atom", "per-atom Kirchhoff decomposition")):
        register_model(ModelEntry(
            f"{_arch}-{_mode}", "*/forecast", "model", f"{_arch.upper()}, {_what}",
            (lambda a=_arch, m=_mode: ForecastBaseline(a, m)), "baselines/forecast.py", PAPER))
