"""References of the forecasting tasks, scored by the same code as any model.

* ``static`` — X(t+L) = X(t); every forecasting task, imported trajectories included.
* ``langevin-mean`` — the physics floor of the simulated datasets: the mean of ``members``
  independent Langevin continuations from the full saved state at t (positions and velocities of
  every atom).  For the conditional mean no forecaster can do better in expectation; with finitely
  many members its RMSD is slightly above the floor.  Imported trajectories have no saved states.
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.md_forecast.task import forecast_dataset


class StaticForecast:
    """Static reference: X(t+L) = X(t)."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "StaticForecast":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        cfg = data.config
        now = data.inputs["history"]["history_ca"].values[:, -1]
        values = np.broadcast_to(now, (len(cfg["histories"]), len(cfg["leads"]), *now.shape))
        return forecast_dataset(np.array(values), cfg)


class LangevinMean:
    """Physics reference: the mean of independent Langevin continuations from the full saved state."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "LangevinMean":
        if data.test is None or "continuation_ca" not in data.test:
            raise ValueError("the Langevin-mean reference needs the test split's continuations")
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        cont = data.test["continuation_ca"].values  # (replica, restart, member, lead, atom, 3)
        mean = cont.mean(axis=2).reshape(-1, *cont.shape[3:]).transpose(1, 0, 2, 3)  # (lead, window, atom, 3)
        values = np.broadcast_to(mean, (len(data.config["histories"]), *mean.shape))
        return forecast_dataset(np.array(values), data.config)


REFERENCES = [ModelEntry("static", "*/forecast", "static reference", "X(t+L) = X(t)", StaticForecast)] + [
    ModelEntry("langevin-mean", f"{dataset}/forecast", "physics reference",
               "mean of independent Langevin continuations from the saved full state", LangevinMean)
    for dataset in ("adk", "ala100-smd")  # the datasets with saved full states and continuations
]
