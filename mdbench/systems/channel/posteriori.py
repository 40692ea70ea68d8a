"""Task ``channel/a-posteriori``: run an LES on the coarse grid with a submitted closure and compare it
with the filtered DNS (Stoffer et al. 2021: their learned closure blew up, TKE growing exponentially).

One LES per test snapshot: each starts from that snapshot's filtered velocities (projected to be
divergence free on the LES grid) and runs for ``les_time`` with the solver of the DNS, the closure's
fluxes added to the advective ones (``Channel(closure=…)``).  The test snapshots are
``snapshot_interval`` ≥ one eddy turnover δ/u_τ apart in the DNS (in ``small`` and ``full``; ``tiny`` is
a smoke test), so the runs start from independent states; every metric is the mean over the runs with its standard error, n = the number of runs
(:func:`mdbench.metrics.base.over_pieces`, the same code for models and references).  A closure is
one function ``(u, v, w) → {(i, j): τ_ij}`` (see :mod:`mdbench.systems.channel.closures`);
:func:`simulate` runs any of them and writes the submission, so a model only has to provide
``closure(ops, nu)``.

Scores, per run and then averaged over the runs: the survival time (the last output time before the
resolved TKE exceeds ``BLOWUP_FACTOR`` × that of the filtered DNS or stops being finite; the run
length if never), and, over the second half of the surviving run, the mean velocity U(y), the
resolved TKE profile and C_f against the filtered DNS test snapshots; the cost of an LES step per
cell relative to the same LES with Smagorinsky, timed in the same process.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from mdbench.core.errors import MdbenchError
from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, CoordinateContract, PredictionContract, Task, TaskData, TrainingReport, \
    VariableContract
from mdbench.metrics.base import over_pieces
from mdbench.metrics.cost import cost_relative
from mdbench.systems.channel.dataset import CHANNEL
from mdbench.systems.channel.numerics import X, Z
from mdbench.systems.channel.task import les_grid, velocities

if TYPE_CHECKING:  # torch and the solver are imported where an LES runs: listing the task imports neither
    from mdbench.systems.channel.physics import Channel, Ops

#: LES time step and length (δ/U_b) and output interval, declared for every config of the dataset
LES = {"tiny": {"dt": 0.1, "time": 2.0, "every": 0.5},
       "small": {"dt": 0.08, "time": 64.0, "every": 2.0},
       "full": {"dt": 0.05, "time": 100.0, "every": 2.0}}
BLOWUP_FACTOR = 10.0
#: the labelled dim of the runs (one per test snapshot), and the independent pieces behind every error bar
RUNS = "snapshot"
PIECES = "LES runs, one from each test snapshot"


def les_settings(config: DatasetConfig) -> dict:
    """The :data:`LES` settings of ``config``; an undeclared config is an error, not another's settings."""
    if config.name not in LES:
        raise MdbenchError(f"task channel/a-posteriori has no LES settings for config {config.name!r} of dataset "
                           f"'channel'; declare them in LES of mdbench/systems/channel/posteriori.py "
                           f"(it declares {', '.join(LES)})")
    return LES[config.name]


def output_times(config: DatasetConfig) -> np.ndarray:
    s = les_settings(config)
    return np.arange(1, int(round(s["time"] / s["every"])) + 1) * s["every"]


def resolved_statistics(u, v, w, ops: Ops) -> dict[str, np.ndarray]:
    """Mean u(y) and resolved TKE(y) = ½⟨u'² + v'² + w'²⟩ at the y centres of (a batch of) LES fields."""
    from mdbench.systems.channel.physics import Ops

    mean = lambda a: a.mean(dim=(X, Z), keepdim=True)  # noqa: E731
    vc = 0.5 * (v[..., 1:, :] + v[..., :-1, :])
    tke = 0.5 * sum(((a - mean(a)) ** 2).mean(dim=(X, Z)) for a in (Ops.to_c(u, X), vc, Ops.to_c(w, Z)))
    return {"u_mean": u.mean(dim=(X, Z)).cpu().numpy(), "tke": tke.cpu().numpy()}


def _volume_mean(profile: np.ndarray, dy: np.ndarray) -> float:
    return float(np.sum(profile * dy) / np.sum(dy))


def _one_run(closure_factory, ch: Channel, nu: float, state, ref_tke: float, config: DatasetConfig) -> dict:
    """One LES from ``state`` = (u, v, w): histories at the output times and the second-half profiles."""
    import torch

    from mdbench.systems.channel import closures

    s = les_settings(config)
    if closure_factory is not None:
        ch.closure = closure_factory(ch.ops, nu)  # a fresh closure per run: no state carried between runs
    u, v, w, _ = ch.ops.project(*state)
    ch.set_state(u, v, w)
    times = output_times(config)
    every = int(round(s["every"] / s["dt"]))
    tke_hist, utau_hist, valid, stats = [], [], [], []
    dy = ch.ops.grid.dy
    for _ in times:
        ok = bool(valid[-1]) if valid else True
        if ok:
            try:
                with torch.no_grad():
                    ch.run(every, s["dt"])
                st = resolved_statistics(ch.u, ch.v, ch.w, ch.ops)
                tke = _volume_mean(st["tke"], dy)
                ok = math.isfinite(tke) and tke < BLOWUP_FACTOR * ref_tke and np.all(np.isfinite(st["u_mean"]))
            except FloatingPointError:
                ok = False
        if ok:
            stats.append(st)
            tke_hist.append(tke)
            utau_hist.append(float(closures.friction_velocity(ch.ops, ch.u, nu).reshape(())))
        else:
            tke_hist.append(0.0)
            utau_hist.append(0.0)
        valid.append(1.0 if ok else 0.0)
    kept = stats[len(stats) // 2:] or stats[-1:]
    ny = ch.ops.grid.ny
    return {"tke_history": tke_hist, "u_tau_history": utau_hist, "valid": valid,
            "u_mean": np.mean([k["u_mean"] for k in kept], axis=0) if kept else np.zeros(ny),
            "tke_profile": np.mean([k["tke"] for k in kept], axis=0) if kept else np.zeros(ny),
            "cell_steps": int(sum(valid)) * every * ch.ops.grid.nx * ny * ch.ops.grid.nz}


def simulate(closure_factory, data: TaskData, *, progress: bool = False) -> xr.Dataset:
    """The submission of one LES per test snapshot with the closure ``closure_factory(ops, nu)`` (``None``:
    no model), the runs labelled by the snapshots' ``snapshot`` coordinate."""
    from mdbench.systems.channel.physics import Channel

    ds = data.inputs["test"]
    grid = les_grid(ds)
    nu = float(ds.attrs["nu"])
    ref_tke = float(ds.attrs["reference_tke"])
    u, v, w = velocities(ds)
    runs = [_one_run(closure_factory, Channel(grid, 1.0 / nu), nu, (u[i], v[i], w[i]), ref_tke, data.config)
            for i in range(ds.sizes[RUNS])]
    stack = lambda k: np.stack([np.asarray(r[k], dtype=float) for r in runs])  # noqa: E731
    return xr.Dataset({
        "tke_history": ((RUNS, "time"), stack("tke_history"),
                        {"units": "U_b^2", "long_name": "volume-mean resolved TKE (0 after a blow-up)"}),
        "u_tau_history": ((RUNS, "time"), stack("u_tau_history"), {"units": "U_b", "long_name": "friction velocity"}),
        "valid": ((RUNS, "time"), stack("valid"), {"units": "1", "long_name": "1 while the LES has not blown up"}),
        "u_mean": ((RUNS, "y"), stack("u_mean"),
                   {"units": "U_b", "long_name": "mean u over the second half of the surviving run"}),
        "tke_profile": ((RUNS, "y"), stack("tke_profile"),
                        {"units": "U_b^2", "long_name": "resolved TKE profile, same average"}),
    }, coords={RUNS: (RUNS, ds[RUNS].values), "time": ("time", output_times(data.config), {"units": "δ/U_b"})},
        attrs={"cell_steps": sum(r["cell_steps"] for r in runs)})


SURVIVAL = MetricInfo("survival_time", "δ/U_b", f"time before the resolved TKE exceeds {BLOWUP_FACTOR:g}× the "
                                               "filtered DNS's (the run length if never)", True)
U_PROFILE = MetricInfo("u_profile_error", "1", "rms over y of (U_LES − U_fDNS)/U_fDNS, second half of the run")
TKE_PROFILE = MetricInfo("tke_profile_error", "1", "rms over y of (k_LES − k_fDNS) ÷ max k_fDNS (resolved TKE)")
CF = MetricInfo("cf_error", "1", "|C_f(LES)/C_f(DNS) − 1|, C_f = 2u_τ²/U_b², second half of the run")
SPEED = MetricInfo("les_cell_steps_per_second", "cells/s", "LES cell-steps per second (closure included)", True,
                   timing=True)
COST = MetricInfo("cost_vs_smagorinsky", "×", "time per cell per LES step ÷ that with Smagorinsky, same run",
                  timing=True)
#: the metrics of one LES run, averaged over the runs with their standard error
RUN_METRICS = (SURVIVAL, U_PROFILE, TKE_PROFILE, CF)


class APosteriori(Task):
    name = "channel/a-posteriori"
    spec = CHANNEL
    summary = "LES on the coarse grid with the closure: survival (TKE blow-up), U(y), TKE(y), C_f vs filtered DNS"
    declared_metrics = (SURVIVAL, U_PROFILE, TKE_PROFILE, CF, SPEED, COST)
    primary_metric = "survival_time"
    item_units = "LES cell-steps (cells × time steps of the model's LES run, global attribute `cell_steps`)"
    cost = CostModel("the Smagorinsky LES (the same solver and grid)", "cell-steps", ratio_metric="cost_vs_smagorinsky",
                     ratio="cost", speed_metric="les_cell_steps_per_second", engine_models=("smagorinsky",))
    leaderboard_columns = ("survival_time", "u_profile_error", "tke_profile_error", "cf_error", "cost_vs_smagorinsky")
    error_note = ("standard error over the LES runs, one from each test snapshot (n = runs; the snapshots are "
                  "≥ one eddy turnover apart, so the runs start from independent states)")

    def contract(self, config: DatasetConfig) -> PredictionContract:
        """One LES per test snapshot, its rows matched by the snapshot labels: the histories at the task's
        output times (a ``time`` coordinate in the file must equal them: the survival time is computed from
        the task's times, never the file's); ``valid`` is a 0/1 flag; TKE and u_τ = √(ν ∂U/∂y) are
        non-negative."""
        times = output_times(config)
        n, nt, ny = config["test_snapshots"], len(times), config["ny"]
        labels = {RUNS: f"coordinate `{RUNS}` of prediction input `test`"}
        return PredictionContract((
            VariableContract("tke_history", (RUNS, "time"), "U_b^2", {RUNS: n, "time": nt}, minimum=0.0, labels=labels),
            VariableContract("u_tau_history", (RUNS, "time"), "U_b", {RUNS: n, "time": nt}, minimum=0.0,
                             labels=labels),
            VariableContract("valid", (RUNS, "time"), "1", {RUNS: n, "time": nt}, allowed=(0.0, 1.0), labels=labels),
            VariableContract("u_mean", (RUNS, "y"), "U_b", {RUNS: n, "y": ny}, labels=labels),
            VariableContract("tke_profile", (RUNS, "y"), "U_b^2", {RUNS: n, "y": ny}, minimum=0.0, labels=labels),
        ), coordinates=(CoordinateContract("time", tuple(float(t) for t in times), "δ/U_b"),))

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """Every test snapshot's LES velocities (one LES starts from each), labelled by ``snapshot``."""
        test = data.test
        ref = self.reference(data)
        return {"test": test[["u", "v", "w"]].assign_coords({RUNS: np.arange(test.sizes[RUNS])}).assign_attrs(
            grid=test.attrs["grid"], nu=test.attrs["nu"], reference_tke=ref["tke_volume"])}

    def reference(self, data: TaskData) -> dict:
        """Filtered-DNS statistics of the test snapshots: U(y), resolved TKE(y), its volume mean, C_f."""
        from mdbench.systems.channel.physics import Ops

        test = data.test
        ops = Ops(les_grid(test))
        st = resolved_statistics(*velocities(test), ops)
        tke = st["tke"].mean(axis=0)
        u_tau = test["u_tau"].values
        return {"u_mean": test["dns_mean_u"].values.mean(axis=0), "tke": tke,
                "tke_volume": _volume_mean(tke, ops.grid.dy), "cf": float(np.mean(2 * u_tau ** 2))}

    def per_run(self, predictions: xr.Dataset, data: TaskData) -> np.ndarray:
        """The :data:`RUN_METRICS` of every run (rows in the task's snapshot order), from the task's output
        times and reference only."""
        ref = self.reference(data)
        times = output_times(data.config)  # the task's output times, never the submission's coordinate
        rows = []
        for i in range(predictions.sizes[RUNS]):
            run = predictions.isel({RUNS: i})
            valid = run["valid"].values > 0.5
            survival = float(times[-1]) if valid.all() else (float(times[np.argmin(valid)] - (times[1] - times[0]))
                                                             if len(times) > 1 else 0.0)
            u, k = run["u_mean"].values, run["tke_profile"].values
            ut = run["u_tau_history"].values[valid]
            cf = float(np.mean(2 * ut[len(ut) // 2:] ** 2)) if len(ut) else math.nan
            rows.append([survival, float(np.sqrt(np.mean(((u - ref["u_mean"]) / ref["u_mean"]) ** 2))),
                         float(np.sqrt(np.mean((k - ref["tke"]) ** 2)) / ref["tke"].max()),
                         abs(cf / ref["cf"] - 1) if math.isfinite(cf) else math.nan])
        return np.asarray(rows, dtype=float)

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        rows = self.per_run(predictions, data)
        return {
            **over_pieces(lambda row: row, rows, list(RUN_METRICS), PIECES),
            SPEED.name: Estimate(items_per_second or math.nan),
            COST.name: cost_relative(items_per_second, engine_items_per_second),
        }

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        ref = self.reference(data)
        rows = self.per_run(predictions, data)
        return {"reference_u_mean": ref["u_mean"].tolist(), "reference_tke": ref["tke"].tolist(),
                "reference_tke_volume": ref["tke_volume"], "reference_cf": ref["cf"],
                "y": data.test["y"].values.tolist(), "yplus": data.test["yplus"].values.mean(axis=0).tolist(),
                "per_run": {"snapshot": predictions[RUNS].values.tolist(),
                            **{m.name: rows[:, j].tolist() for j, m in enumerate(RUN_METRICS)}},
                "note": "filtered-DNS statistics averaged over the test snapshots (U_b, U_b² units); per_run: the "
                        "metrics of each LES run, by the test snapshot it started from"}

    def count_items(self, predictions: xr.Dataset) -> int:
        """LES cell-steps the submission ran, all runs together (1 for an entry that ran no LES)."""
        return max(1, int(predictions.attrs.get("cell_steps", 0)))

    def engine_items_per_second(self, data: TaskData) -> float:
        """Cell-steps per second of the same LES with Smagorinsky (20 steps, best of 2)."""
        import torch

        from mdbench.systems.channel import closures
        from mdbench.systems.channel.physics import Channel

        ds = self.prediction_inputs(data)["test"]
        grid = les_grid(ds)
        nu = float(ds.attrs["nu"])
        best = math.inf
        for _ in range(2):
            ch = Channel(grid, 1.0 / nu)
            ch.closure = closures.Smagorinsky(ch.ops, nu)
            ch.set_state(*(a[0] for a in velocities(ds)))
            start = time.perf_counter()
            with torch.no_grad():
                ch.run(20, les_settings(data.config)["dt"])
            best = min(best, time.perf_counter() - start)
        return 20 * grid.nx * grid.ny * grid.nz / best


class LESWith:
    """A model of ``channel/a-priori`` (``factory()`` makes it; fitted, it has ``closure(ops, nu)``) run
    as an LES closure; ``factory=None``: no subgrid model."""

    def __init__(self, factory=None):
        self.base = factory() if factory is not None else None

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "LESWith":
        if self.base is not None:
            self.base = self.base.fit(data, seed=seed, progress=progress)
        return self

    def training_report(self) -> TrainingReport:
        """The wrapped model's (0 epochs without one, or if it trains nothing)."""
        hook = getattr(self.base, "training_report", None)
        return hook() if hook is not None else TrainingReport()

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return simulate(self.base.closure if self.base is not None else None, data)


class FilteredDNSStatistics:
    """Physics reference: the filtered-DNS statistics themselves (TKE constant at its mean), the same for
    every run (zero error by construction)."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "FilteredDNSStatistics":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        ref = TASK.reference(data)
        times = output_times(data.config)
        runs = np.arange(data.test.sizes[RUNS])  # the labels of the prediction inputs' runs
        u_tau = float(np.sqrt(ref["cf"] / 2))
        every = lambda a: np.tile(np.asarray(a, dtype=float), (len(runs), 1))  # noqa: E731
        return xr.Dataset({
            "tke_history": ((RUNS, "time"), every(np.full(len(times), ref["tke_volume"])), {"units": "U_b^2"}),
            "u_tau_history": ((RUNS, "time"), every(np.full(len(times), u_tau)), {"units": "U_b"}),
            "valid": ((RUNS, "time"), every(np.ones(len(times))), {"units": "1"}),
            "u_mean": ((RUNS, "y"), every(ref["u_mean"]), {"units": "U_b"}),
            "tke_profile": ((RUNS, "y"), every(ref["tke"]), {"units": "U_b^2"}),
        }, coords={RUNS: (RUNS, runs), "time": ("time", times, {"units": "δ/U_b"})})


TASK = APosteriori()
