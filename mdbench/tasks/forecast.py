"""Tasks ``adk/forecast`` and ``ala100-smd/forecast``: forecast Cα coordinates L frames ahead from a
history of h frames (Gupta et al., "Mind reading of the proteins", bioRxiv 2020.07.28.225490).

Forecast origins are the restart frames of the test replicas (never seen in training): for each
origin t, history h and lead L a submission gives X(t+L).  Every (h, L) of the grid below is a
metric; combinations a config does not have are reported as n/a.

References (scored by the same code):

* ``static`` — X(t+L) = X(t).
* ``langevin-mean`` — the physics floor: the mean of ``members`` independent Langevin
  continuations from the full saved state at t (positions and velocities of every atom).  For
  the conditional mean no forecaster can do better in expectation; with finitely many members its
  RMSD is slightly above the floor.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import xarray as xr
from MDAnalysis.analysis.rms import rmsd as kabsch_rmsd

from mdbench.data.params import DatasetConfig
from mdbench.metrics.base import Estimate, MetricInfo
from mdbench.tasks.base import (
    ModelEntry, PredictionContract, Task, TaskData, VariableContract, register_model, register_task,
)

HISTORIES = (1, 5, 10)
LEADS = (1, 5, 15, 60, 120)


def _name(kind: str, h: int, lead: int) -> str:
    return f"{kind}_h{h}_L{lead}"


def grid(config: DatasetConfig) -> list[tuple[int, int]]:
    """The (h, L) pairs of a config, histories outer."""
    return [(h, lead) for h in config["histories"] for lead in config["leads"]]


def windows(data_test: xr.Dataset) -> list[tuple[int, int]]:
    """(test replica, origin frame) of every forecast window."""
    frames = data_test["restart_frame"].values
    return [(r, int(t)) for r in range(data_test.sizes["replica"]) for t in np.atleast_1d(frames[r])]


def rmsd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-window RMSD (Å) without superposition; a, b: (..., atom, 3)."""
    return np.sqrt(np.mean(np.sum((a - b) ** 2, axis=-1), axis=-1))


def ratio_estimate(model: np.ndarray, static: np.ndarray) -> Estimate:
    """mean(model)/mean(static) over paired windows, with its delta-method standard error."""
    m, s = model.mean(), static.mean()
    if s == 0:
        return Estimate(math.nan)
    r = m / s
    if len(model) < 2:
        return Estimate(r)
    resid = (model - r * static) / s
    return Estimate(r, float(resid.std(ddof=1) / math.sqrt(len(model))))


def mean_estimate(x: np.ndarray) -> Estimate:
    return Estimate(float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else None)


class ForecastTask(Task):
    primary_metric = "rmsd_ratio_mean"
    error_note = "standard error over the test windows (forecast origins)"
    leaderboard_columns = ("rmsd_ratio_mean", "rmsd_h10_L1", "rmsd_h10_L15", "rmsd_h10_L60", "rmsd_ratio_h10_L15",
                           "rmsd_ratio_h10_L60")

    def __init__(self, dataset: str):
        self.dataset = dataset
        self.name = f"{dataset}/forecast"
        self.summary = "forecast Cα coordinates L frames ahead from h frames of history"

    def contract(self, config: DatasetConfig) -> PredictionContract:
        from mdbench.data.store import read_manifest

        # window and atom counts come from the generated test split (imports choose them at generation)
        test = read_manifest(self.dataset, config.name)["splits"]["test"]["sizes"]
        n_windows = test["replica"] * test["restart"]
        sizes = {"history": len(config["histories"]), "lead": len(config["leads"]), "window": n_windows,
                 "atom": test["atom"], "xyz": 3}
        return PredictionContract((VariableContract(
            "ca_forecast", ("history", "lead", "window", "atom", "xyz"), "angstrom", sizes,
            "forecast Cα coordinates X(t+L) for each history h, lead L and test window"),))

    def metric_info(self) -> list[MetricInfo]:
        out = [MetricInfo("rmsd_ratio_mean", "1", "RMSD ÷ static RMSD, averaged over the (h, L) grid")]
        for h in HISTORIES:
            for lead in LEADS:
                out += [MetricInfo(_name("rmsd", h, lead), "angstrom", f"Cα RMSD at lead {lead}, history {h}"),
                        MetricInfo(_name("rmsd_ratio", h, lead), "1", f"RMSD ÷ static RMSD (h={h}, L={lead})"),
                        MetricInfo(_name("rmsd_aligned", h, lead), "angstrom", f"Kabsch-aligned RMSD (h={h}, L={lead})")]
        return out

    def truth(self, test: xr.Dataset, config: DatasetConfig) -> tuple[np.ndarray, np.ndarray]:
        """True X(t+L) (lead, window, atom, 3) and X(t) (window, atom, 3) of every window."""
        ca = test["ca"].values
        wins = windows(test)
        future = np.stack([[ca[r, t + lead] for r, t in wins] for lead in config["leads"]])
        now = np.stack([ca[r, t] for r, t in wins])
        return future, now

    def score(self, predictions: xr.Dataset, config: DatasetConfig, *, items_per_second=None,
              engine_items_per_second=None) -> dict[str, Estimate]:
        from mdbench.data.store import load

        test = load(self.dataset, config.name, "test", verify=False)
        future, now = self.truth(test, config)
        pred = predictions["ca_forecast"].values
        scores = {m.name: Estimate(math.nan) for m in self.metric_info()}
        ratios = []
        for i, h in enumerate(config["histories"]):
            for j, lead in enumerate(config["leads"]):
                d_model = rmsd(pred[i, j], future[j])
                d_static = rmsd(now, future[j])
                scores[_name("rmsd", h, lead)] = mean_estimate(d_model)
                scores[_name("rmsd_ratio", h, lead)] = ratio_estimate(d_model, d_static)
                aligned = np.array([kabsch_rmsd(p, f, center=True, superposition=True)
                                    for p, f in zip(pred[i, j], future[j])])
                scores[_name("rmsd_aligned", h, lead)] = mean_estimate(aligned)
                ratios.append(scores[_name("rmsd_ratio", h, lead)].value)
        scores["rmsd_ratio_mean"] = Estimate(float(np.mean(ratios)))
        return scores

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """The last max(h) frames before and including each origin, for every test window."""
        h_max = max(data.config["histories"])
        ca = data.test["ca"]
        hist = np.stack([ca.values[r, t - h_max + 1 : t + 1] for r, t in windows(data.test)])
        return {"history": xr.Dataset({"history_ca": (("window", "step", "atom", "xyz"), hist,
                                                      {"units": "angstrom", "long_name": "Cα history, last step = origin t"})})}

    def count_items(self, predictions: xr.Dataset) -> int:
        return int(np.prod([predictions.sizes[d] for d in ("history", "lead", "window")]))

    def figures(self, predictions, results, config, outdir: Path) -> list[Path]:
        from mdbench.figures.forecast import plot_all

        return plot_all(self, predictions, results, config, Path(outdir))


def forecast_dataset(values: np.ndarray, config: DatasetConfig) -> xr.Dataset:
    """Wrap (history, lead, window, atom, 3) forecasts as a submission dataset."""
    return xr.Dataset({"ca_forecast": (("history", "lead", "window", "atom", "xyz"), values.astype(np.float32),
                                       {"units": "angstrom"})},
                      coords={"history": list(config["histories"]), "lead": list(config["leads"])})


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


def register_forecast_task(dataset: str) -> ForecastTask:
    from mdbench.tasks.base import _TASKS

    return _TASKS.get(f"{dataset}/forecast") or register_task(ForecastTask(dataset))


def refresh() -> None:
    """Give every imported dataset (`mdbench data import`) its forecasting task."""
    from mdbench.datasets.imported import load_imports

    for name in load_imports():
        register_forecast_task(name)


_CODE = "mdbench/tasks/forecast.py"
register_model(ModelEntry("static", "*/forecast", "static reference", "X(t+L) = X(t)", StaticForecast, _CODE))
for _dataset in ("adk", "ala100-smd"):  # the datasets with saved full states and continuations
    register_forecast_task(_dataset)
    register_model(ModelEntry("langevin-mean", f"{_dataset}/forecast", "physics reference",
                              "mean of independent Langevin continuations from the saved full state", LangevinMean,
                              _CODE))
