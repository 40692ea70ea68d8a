"""Task ``channel/a-posteriori``: run an LES on the coarse grid with a submitted closure and compare it
with the filtered DNS (Stoffer et al. 2021: their learned closure blew up, TKE growing exponentially).

The LES starts from the first test snapshot's filtered velocities (projected to be divergence free
on the LES grid) and runs for ``les_time`` with the solver of the DNS, the closure's fluxes added to
the advective ones (``Channel(closure=…)``).  A closure is one function ``(u, v, w) → {(i, j): τ_ij}``
(see :mod:`mdbench.systems.channel.closures`); :func:`simulate` runs any of them and writes the
submission, so a model only has to provide ``closure(ops, nu)``.

Scores: the survival time (the first output time at which the resolved TKE exceeds
``BLOWUP_FACTOR`` × that of the filtered DNS or stops being finite; the run length if never), and,
over the second half of the surviving run, the mean velocity U(y), the resolved TKE profile and
C_f against the filtered DNS test snapshots; the cost of an LES step per cell relative to the
same LES with Smagorinsky, timed in the same process.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import xarray as xr

from mdbench.core.errors import MdbenchError
from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, CoordinateContract, PredictionContract, Task, TaskData, TrainingReport, \
    VariableContract
from mdbench.metrics.cost import cost_relative
from mdbench.systems.channel import closures
from mdbench.systems.channel.dataset import CHANNEL
from mdbench.systems.channel.physics import X, Z, Channel, Ops
from mdbench.systems.channel.task import les_grid, velocities

#: LES time step and length (δ/U_b) and output interval, declared for every config of the dataset
LES = {"tiny": {"dt": 0.1, "time": 2.0, "every": 0.5},
       "small": {"dt": 0.08, "time": 64.0, "every": 2.0},
       "full": {"dt": 0.05, "time": 100.0, "every": 2.0}}
BLOWUP_FACTOR = 10.0


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
    mean = lambda a: a.mean(dim=(X, Z), keepdim=True)  # noqa: E731
    vc = 0.5 * (v[..., 1:, :] + v[..., :-1, :])
    tke = 0.5 * sum(((a - mean(a)) ** 2).mean(dim=(X, Z)) for a in (Ops.to_c(u, X), vc, Ops.to_c(w, Z)))
    return {"u_mean": u.mean(dim=(X, Z)).cpu().numpy(), "tke": tke.cpu().numpy()}


def _volume_mean(profile: np.ndarray, dy: np.ndarray) -> float:
    return float(np.sum(profile * dy) / np.sum(dy))


def simulate(closure_factory, data: TaskData, *, progress: bool = False) -> xr.Dataset:
    """The submission of an LES with the closure ``closure_factory(ops, nu)`` (``None``: no model)."""
    ds = data.inputs["test"]
    config = data.config
    s = les_settings(config)
    grid = les_grid(ds)
    nu = float(ds.attrs["nu"])
    ch = Channel(grid, 1.0 / nu)
    if closure_factory is not None:
        ch.closure = closure_factory(ch.ops, nu)
    u, v, w = (a[0] for a in velocities(ds.isel(snapshot=slice(0, 1))))
    u, v, w, _ = ch.ops.project(u, v, w)
    ch.set_state(u, v, w)
    ref_tke = float(ds.attrs["reference_tke"])
    times = output_times(config)
    every = int(round(s["every"] / s["dt"]))
    tke_hist, utau_hist, valid, stats = [], [], [], []
    dy = grid.dy
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
    u_mean = np.mean([k["u_mean"] for k in kept], axis=0) if kept else np.zeros(grid.ny)
    tke_prof = np.mean([k["tke"] for k in kept], axis=0) if kept else np.zeros(grid.ny)
    return xr.Dataset({
        "tke_history": (("time",), np.asarray(tke_hist), {"units": "U_b^2", "long_name": "volume-mean resolved TKE "
                                                          "(0 after a blow-up)"}),
        "u_tau_history": (("time",), np.asarray(utau_hist), {"units": "U_b", "long_name": "friction velocity"}),
        "valid": (("time",), np.asarray(valid), {"units": "1", "long_name": "1 while the LES has not blown up"}),
        "u_mean": (("y",), u_mean, {"units": "U_b", "long_name": "mean u over the second half of the surviving run"}),
        "tke_profile": (("y",), tke_prof, {"units": "U_b^2", "long_name": "resolved TKE profile, same average"}),
    }, coords={"time": ("time", times, {"units": "δ/U_b"})},
        attrs={"cell_steps": int(sum(valid)) * every * grid.nx * grid.ny * grid.nz})


SURVIVAL = MetricInfo("survival_time", "δ/U_b", f"time before the resolved TKE exceeds {BLOWUP_FACTOR:g}× the "
                                               "filtered DNS's (the run length if never)", True)
U_PROFILE = MetricInfo("u_profile_error", "1", "rms over y of (U_LES − U_fDNS)/U_fDNS, second half of the run")
TKE_PROFILE = MetricInfo("tke_profile_error", "1", "rms over y of (k_LES − k_fDNS) ÷ max k_fDNS (resolved TKE)")
CF = MetricInfo("cf_error", "1", "|C_f(LES)/C_f(DNS) − 1|, C_f = 2u_τ²/U_b², second half of the run")
SPEED = MetricInfo("les_cell_steps_per_second", "cells/s", "LES cell-steps per second (closure included)", True,
                   timing=True)
COST = MetricInfo("cost_vs_smagorinsky", "×", "time per cell per LES step ÷ that with Smagorinsky, same run",
                  timing=True)


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
    error_note = "one LES per entry (no standard error)"

    def contract(self, config: DatasetConfig) -> PredictionContract:
        """The histories at the task's output times (a ``time`` coordinate in the file must equal them: the
        survival time is computed from the task's times, never the file's); ``valid`` is a 0/1 flag; TKE and
        u_τ = √(ν ∂U/∂y) are non-negative."""
        times = output_times(config)
        nt, ny = len(times), config["ny"]
        return PredictionContract((
            VariableContract("tke_history", ("time",), "U_b^2", {"time": nt}, minimum=0.0),
            VariableContract("u_tau_history", ("time",), "U_b", {"time": nt}, minimum=0.0),
            VariableContract("valid", ("time",), "1", {"time": nt}, allowed=(0.0, 1.0)),
            VariableContract("u_mean", ("y",), "U_b", {"y": ny}),
            VariableContract("tke_profile", ("y",), "U_b^2", {"y": ny}, minimum=0.0),
        ), coordinates=(CoordinateContract("time", tuple(float(t) for t in times), "δ/U_b"),),
            unlabelled="one LES run by the model's closure: histories in time and profiles in y, no rows to match")

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        test = data.test
        ref = self.reference(data)
        return {"test": test[["u", "v", "w"]].isel(snapshot=slice(0, 1)).assign_attrs(
            grid=test.attrs["grid"], nu=test.attrs["nu"], reference_tke=ref["tke_volume"])}

    def reference(self, data: TaskData) -> dict:
        """Filtered-DNS statistics of the test snapshots: U(y), resolved TKE(y), its volume mean, C_f."""
        test = data.test
        ops = Ops(les_grid(test))
        st = resolved_statistics(*velocities(test), ops)
        tke = st["tke"].mean(axis=0)
        u_tau = test["u_tau"].values
        return {"u_mean": test["dns_mean_u"].values.mean(axis=0), "tke": tke,
                "tke_volume": _volume_mean(tke, ops.grid.dy), "cf": float(np.mean(2 * u_tau ** 2))}

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        ref = self.reference(data)
        times = output_times(data.config)  # the task's output times, never the submission's coordinate
        valid = predictions["valid"].values > 0.5
        survival = float(times[-1]) if valid.all() else (float(times[np.argmin(valid)] - (times[1] - times[0])
                                                                if len(times) > 1 else 0.0))
        u, k = predictions["u_mean"].values, predictions["tke_profile"].values
        ut = predictions["u_tau_history"].values[valid]
        cf = float(np.mean(2 * ut[len(ut) // 2:] ** 2)) if len(ut) else math.nan
        return {
            SURVIVAL.name: Estimate(survival),
            U_PROFILE.name: Estimate(float(np.sqrt(np.mean(((u - ref["u_mean"]) / ref["u_mean"]) ** 2)))),
            TKE_PROFILE.name: Estimate(float(np.sqrt(np.mean((k - ref["tke"]) ** 2)) / ref["tke"].max())),
            CF.name: Estimate(abs(cf / ref["cf"] - 1) if math.isfinite(cf) else math.nan),
            SPEED.name: Estimate(items_per_second or math.nan),
            COST.name: cost_relative(items_per_second, engine_items_per_second),
        }

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        ref = self.reference(data)
        return {"reference_u_mean": ref["u_mean"].tolist(), "reference_tke": ref["tke"].tolist(),
                "reference_tke_volume": ref["tke_volume"], "reference_cf": ref["cf"],
                "y": data.test["y"].values.tolist(), "yplus": data.test["yplus"].values.mean(axis=0).tolist(),
                "note": "filtered-DNS statistics averaged over the test snapshots (U_b, U_b² units)"}

    def count_items(self, predictions: xr.Dataset) -> int:
        """LES cell-steps the submission ran (1 for an entry that ran no LES)."""
        return max(1, int(predictions.attrs.get("cell_steps", 0)))

    def engine_items_per_second(self, data: TaskData) -> float:
        """Cell-steps per second of the same LES with Smagorinsky (20 steps, best of 2)."""
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
    """Physics reference: the filtered-DNS statistics themselves (TKE constant at its mean)."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "FilteredDNSStatistics":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        ref = TASK.reference(data)
        times = output_times(data.config)
        u_tau = float(np.sqrt(ref["cf"] / 2))
        return xr.Dataset({
            "tke_history": (("time",), np.full(len(times), ref["tke_volume"]), {"units": "U_b^2"}),
            "u_tau_history": (("time",), np.full(len(times), u_tau), {"units": "U_b"}),
            "valid": (("time",), np.ones(len(times)), {"units": "1"}),
            "u_mean": (("y",), ref["u_mean"], {"units": "U_b"}),
            "tke_profile": (("y",), ref["tke"], {"units": "U_b^2"}),
        }, coords={"time": ("time", times, {"units": "δ/U_b"})})


TASK = APosteriori()
