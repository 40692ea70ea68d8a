"""Tasks ``adk/forecast`` and ``ala100-smd/forecast``: forecast Cα coordinates L frames ahead from a
history of h frames (Gupta et al., "Mind reading of the proteins", bioRxiv 2020.07.28.225490).

Forecast origins are the restart frames of the test replicas (never seen in training): for each
origin t, history h and lead L a submission gives X(t+L).  Every (h, L) of the grid below is a
metric; combinations a config does not have are reported as n/a.

One :class:`ForecastTask` per dataset: the simulated ones (``adk``, ``ala100-smd``) and every
trajectory a user imports (:mod:`~mdbench.systems.md_forecast.imported`).  The references (static,
Langevin mean) are in :mod:`mdbench.systems.md_forecast.references`.
"""

from __future__ import annotations

import math

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.spec import DatasetSpec
from mdbench.core.task import CostModel, PredictionContract, Task, TaskData, VariableContract
from mdbench.data import store
from mdbench.metrics.base import clustered_mean

HISTORIES = (1, 5, 10)
LEADS = (1, 5, 15, 60, 120)
RATIO_MEAN = MetricInfo("rmsd_ratio_mean", "1", "RMSD ÷ static RMSD, averaged over the (h, L) grid")


def grid_metrics(h: int, lead: int) -> tuple[MetricInfo, MetricInfo, MetricInfo]:
    """The metrics of history ``h`` and lead ``lead``: RMSD, its ratio to the static reference's, aligned RMSD."""
    return (MetricInfo(f"rmsd_h{h}_L{lead}", "angstrom", f"Cα RMSD at lead {lead}, history {h}"),
            MetricInfo(f"rmsd_ratio_h{h}_L{lead}", "1", f"RMSD ÷ static RMSD (h={h}, L={lead})"),
            MetricInfo(f"rmsd_aligned_h{h}_L{lead}", "angstrom", f"Kabsch-aligned RMSD (h={h}, L={lead})"))


def forecast_metrics(histories=HISTORIES, leads=LEADS) -> tuple[MetricInfo, ...]:
    """What a forecast task reports: the mean ratio, then :func:`grid_metrics` of every (h, L) of the
    grid, histories outer.  Every task declares the whole grid; a config's pairs outside its own are n/a."""
    return (RATIO_MEAN, *(m for h in histories for lead in leads for m in grid_metrics(h, lead)))


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


def independent_groups(wins: list[tuple[int, int]], span: int) -> np.ndarray:
    """Group label of every window: windows of one replica whose origins are closer than ``span``
    frames (history + lead: their frames overlap) are chained into one group, never counted apart."""
    labels = np.empty(len(wins), dtype=int)
    order = sorted(range(len(wins)), key=lambda k: wins[k])
    group, last = -1, None
    for k in order:
        r, t = wins[k]
        if last is None or r != last[0] or t - last[1] >= span:
            group += 1
        labels[k], last = group, (r, t)
    return labels


def _group_sums(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    return np.bincount(groups, weights=x, minlength=groups.max() + 1)


WINDOW_GROUPS = "groups of non-overlapping forecast windows"


def _how(n: int) -> str:
    return f"cluster-robust over {n} {WINDOW_GROUPS}"


def mean_estimate(x: np.ndarray, groups: np.ndarray) -> Estimate:
    """Mean over windows; its standard error treats overlapping windows (one group) as one piece."""
    return clustered_mean(x, groups, WINDOW_GROUPS)


def ratio_estimate(model: np.ndarray, static: np.ndarray, groups: np.ndarray) -> Estimate:
    """mean(model)/mean(static) over paired windows, with its cluster-robust delta-method standard error."""
    m, s, c = model.sum(), static.sum(), int(groups.max()) + 1
    if s == 0:
        return Estimate(math.nan)
    r = float(m / s)
    if c < 2:
        return Estimate(r, None, c)
    resid = _group_sums(model - r * static, groups)
    return Estimate(r, float(math.sqrt(c / (c - 1) * np.sum(resid**2)) / s), c, _how(c))


class ForecastTask(Task):
    declared_metrics = forecast_metrics()
    primary_metric = "rmsd_ratio_mean"
    item_units = "forecasts (one per history h, lead L and test window)"
    cost = CostModel("OpenMM (the MD that made the data)", "frames",
                     unmeasured="no engine speed is timed: the forecasting tasks do not re-run the MD engine")
    error_note = ("cluster-robust standard error over groups of forecast windows that do not overlap in time "
                  "(n = groups)")
    leaderboard_columns = ("rmsd_ratio_mean",)

    summary = "forecast Cα coordinates L frames ahead from h frames of history"

    def __init__(self, spec: DatasetSpec):
        self.spec = spec
        self.name = f"{spec.name}/forecast"

    def leaderboard_columns_for(self, config: DatasetConfig) -> tuple[str, ...]:
        """The longest history of the config: RMSD at its first lead, ratio to static at every lead."""
        h, leads = max(config["histories"]), config["leads"]
        return (RATIO_MEAN.name, grid_metrics(h, leads[0])[0].name, *(grid_metrics(h, lead)[1].name for lead in leads))

    def contract(self, config: DatasetConfig) -> PredictionContract:
        # window and atom counts come from the generated test split (imports choose them at generation)
        test = store.read_manifest(self.spec, config.name)["splits"]["test"]["sizes"]
        n_windows = test["replica"] * test["restart"]
        sizes = {"history": len(config["histories"]), "lead": len(config["leads"]), "window": n_windows,
                 "atom": test["atom"], "xyz": 3}
        return PredictionContract((VariableContract(
            "ca_forecast", ("history", "lead", "window", "atom", "xyz"), "angstrom", sizes,
            "forecast Cα coordinates X(t+L) for each history h, lead L and test window",
            labels={"history": "the config's histories h (frames)", "lead": "the config's leads L (frames)",
                    "window": "coordinate `window` of prediction input `history`"},
            label_values={"history": tuple(config["histories"]), "lead": tuple(config["leads"])}),))

    def truth(self, test: xr.Dataset, config: DatasetConfig) -> tuple[np.ndarray, np.ndarray]:
        """True X(t+L) (lead, window, atom, 3) and X(t) (window, atom, 3) of every window."""
        ca = test["ca"].values
        wins = windows(test)
        future = np.stack([[ca[r, t + lead] for r, t in wins] for lead in config["leads"]])
        now = np.stack([ca[r, t] for r, t in wins])
        return future, now

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second=None,
              engine_items_per_second=None) -> dict[str, Estimate]:
        from MDAnalysis.analysis.rms import rmsd as kabsch_rmsd

        config = data.config
        future, now = self.truth(data.test, config)
        pred = predictions["ca_forecast"].values
        wins = windows(data.test)
        scores = {m.name: Estimate(math.nan) for m in self.metric_info()}
        ratios = []
        for i, h in enumerate(config["histories"]):
            for j, lead in enumerate(config["leads"]):
                groups = independent_groups(wins, h + lead)
                d_model = rmsd(pred[i, j], future[j])
                d_static = rmsd(now, future[j])
                aligned = np.array([kabsch_rmsd(p, f, center=True, superposition=True)
                                    for p, f in zip(pred[i, j], future[j])])
                by_rmsd, by_ratio, by_aligned = grid_metrics(h, lead)
                scores[by_rmsd.name] = mean_estimate(d_model, groups)
                scores[by_ratio.name] = ratio_estimate(d_model, d_static, groups)
                scores[by_aligned.name] = mean_estimate(aligned, groups)
                ratios.append(scores[by_ratio.name].value)
        scores[RATIO_MEAN.name] = Estimate(float(np.mean(ratios)))
        return scores

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """The last max(h) frames before and including each origin, for every test window."""
        h_max = max(data.config["histories"])
        ca = data.test["ca"]
        hist = np.stack([ca.values[r, t - h_max + 1 : t + 1] for r, t in windows(data.test)])
        return {"history": xr.Dataset({"history_ca": (("window", "step", "atom", "xyz"), hist,
                                                      {"units": "angstrom", "long_name": "Cα history, last step = origin t"})},
                                      coords={"window": np.arange(len(hist))})}

    def count_items(self, predictions: xr.Dataset) -> int:
        return int(np.prod([predictions.sizes[d] for d in ("history", "lead", "window")]))


def forecast_dataset(values: np.ndarray, config: DatasetConfig) -> xr.Dataset:
    """Wrap (history, lead, window, atom, 3) forecasts as a submission dataset."""
    return xr.Dataset({"ca_forecast": (("history", "lead", "window", "atom", "xyz"), values.astype(np.float32),
                                       {"units": "angstrom"})},
                      coords={"history": list(config["histories"]), "lead": list(config["leads"])})
