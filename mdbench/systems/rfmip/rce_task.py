"""Task ``rfmip/rce``: gas optics judged a posteriori, by the climate of a radiative-convective column.

Each entry runs the single-column RCE model of :mod:`mdbench.systems.rfmip.rce` (stated set-up
:data:`rce.SETUP`) to equilibrium with its own gas optics, for every base state × experiment:

* base states — the held-out RFMIP sites of the config (:func:`rce_sites`: tiny both test sites,
  small/full every other test site, 10): each site's pressure grid (its surface pressure) and ozone;
* experiments (:data:`rce.EXPERIMENTS`) — 0 PI (the RFMIP pre-industrial gases), 1 PI with 2×CO2,
  2 PI with 4×CO2, 3 PD (the RFMIP present-day gases and ozone).

Submission contract: ``t_lay(state, experiment, layer)`` and ``t_sfc(state, experiment)`` in K, the
equilibrium temperatures of every column, rows matched by the labels ``state`` (the ``state``
coordinate of the prediction input ``columns``) and ``experiment`` (0–3).  A submitter runs
:func:`rce.run` on :func:`columns_of` (prediction input) with their gas-optics function — the
``rfmip/gas-optics`` layer state in, the four optical properties out — as :class:`RceRun` does.

Scored against RRTMGP's own equilibrium (computed by the task, cached per process):
``t_profile_rmse`` (RMS over layers with p ≥ 1 hPa, mean over columns), ``t_sfc_error``, and the
errors of the equilibrium climate sensitivities ΔT_s(2×CO2 − PI), ΔT_s(4×CO2 − PI) and of the PD − PI
warming (K); ± cluster-robust / standard error over the base states (n = states).  Primary:
``ecs_2x_error``.  Cost: seconds per column-equilibrium (items = columns) against RRTMGP's, same run.
"""

from __future__ import annotations

import json
import math

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, ModelEntry, PredictionContract, Task, TaskData, TrainingReport, \
    VariableContract
from mdbench.metrics.base import clustered_mean
from mdbench.metrics.cost import generation_speedup
from mdbench.systems.rfmip import physics, rce
from mdbench.systems.rfmip.dataset import EXTRA_SPLIT, GASES, RFMIP, gas_optics, profiles_of
from mdbench.systems.rfmip.task import HEATING_P_MIN

INPUT = "columns"
#: the experiments' labels and the sensitivities scored: name → (experiment, relative to experiment)
SENSITIVITIES = {"ecs_2x": (1, 0), "ecs_4x": (2, 0), "pd_warming": (3, 0)}
SENSITIVITY_NAMES = {"ecs_2x": "2×CO2 − PI", "ecs_4x": "4×CO2 − PI", "pd_warming": "PD − PI"}

T_PROFILE = MetricInfo("t_profile_rmse", "K", "RMS over layers with p ≥ 1 hPa of the equilibrium temperature "
                       "error, mean over every column (state × experiment)")
T_SFC = MetricInfo("t_sfc_error", "K", "mean |Δ| of the equilibrium surface temperature, every column")
SENS = {k: MetricInfo(f"{k}_error", "K", f"mean over base states of |Δ| of the equilibrium surface warming "
                      f"{SENSITIVITY_NAMES[k]}") for k in SENSITIVITIES}
SECONDS = MetricInfo("seconds_per_column", "s", "wall seconds per column-equilibrium (the batch of every column "
                     "stepped together, one thread)", timing=True)
SPEEDUP = MetricInfo("speedup_vs_rrtmgp", "×", "RRTMGP-driven equilibrium seconds ÷ the entry's, same columns, "
                     "same run", True, timing=True)
METRICS = (T_PROFILE, T_SFC, *SENS.values(), SECONDS, SPEEDUP)


def rce_sites(config: DatasetConfig) -> tuple[int, ...]:
    """The base states' RFMIP sites: tiny both test sites; larger configs every other test site."""
    sites = tuple(config["test_sites"])
    return sites if len(sites) <= 4 else sites[::2]


def column_inputs(data: TaskData) -> xr.Dataset:
    """The prediction input ``columns``: per base state its pressure grid and PI starting temperatures, per
    state × experiment every gas but h2o (fixed relative humidity), from the dataset's ``rfmip`` split."""
    ds = data.split(EXTRA_SPLIT)
    sites, expt = ds["site"].values, ds["expt"].values
    rows = {}
    for s in rce_sites(data.config):
        for e in (physics.PRE_INDUSTRIAL, physics.PRESENT_DAY):
            hit = np.flatnonzero((sites == s) & (expt == e))
            if len(hit) != 1:
                raise rce.RceError(f"the rfmip split has {len(hit)} columns of site {s}, experiment {e}; expected 1")
            rows[s, e] = int(hit[0])
    states = rce_sites(data.config)
    base = [rows[s, physics.PRE_INDUSTRIAL] for s in states]
    f8 = lambda name, idx: ds[name].values[idx].astype(np.float64)  # noqa: E731
    out = {"p_lay": (("state", "layer"), f8("p_lay", base), {"units": "Pa"}),
           "p_lev": (("state", "level"), f8("p_lev", base), {"units": "Pa"}),
           "t_lay_start": (("state", "layer"), f8("t_lay", base), {"units": "K", "long_name": "PI temperatures (start)"}),
           "t_sfc_start": (("state",), f8("t_sfc", base), {"units": "K"}),
           "site": (("state",), np.asarray(states, np.int32), {"units": "1", "long_name": "RFMIP site"})}
    for g in GASES:
        if g == "h2o":
            continue
        arr = np.stack([np.stack([f8(f"vmr_{g}", rows[s, rce.EXPERIMENTS[x][1]]) for x in rce.EXPERIMENTS])
                        for s in states])
        if g == "co2":
            arr = arr * np.array([rce.EXPERIMENTS[x][2] for x in rce.EXPERIMENTS])[None, :, None]
        out[f"vmr_{g}"] = (("state", "experiment", "layer"), arr, {"units": "mol mol-1"})
    return xr.Dataset(out, coords={"state": np.arange(len(states)), "experiment": list(rce.EXPERIMENTS)},
                      attrs={"setup": json.dumps(rce.SETUP.to_record()),
                             "experiments": json.dumps({k: v[0] for k, v in rce.EXPERIMENTS.items()})})


def columns_of(inputs: xr.Dataset) -> rce.Columns:
    """The batch of columns (state-major, experiment-minor) of the prediction input."""
    n, m = inputs.sizes["state"], inputs.sizes["experiment"]
    rep = lambda a: np.repeat(np.asarray(a, np.float64), m, axis=0)  # noqa: E731
    vmr = {g: inputs[f"vmr_{g}"].values.reshape(n * m, -1) for g in GASES if g != "h2o"}
    return rce.Columns(rep(inputs["p_lay"]), rep(inputs["p_lev"]), rep(inputs["t_lay_start"]),
                       rep(inputs["t_sfc_start"]), vmr)


def submission(inputs: xr.Dataset, eq: rce.Equilibrium) -> xr.Dataset:
    n, m = inputs.sizes["state"], inputs.sizes["experiment"]
    return xr.Dataset({
        "t_lay": (("state", "experiment", "layer"), eq.t_lay.reshape(n, m, -1).astype(np.float64),
                  {"units": "K", "long_name": "equilibrium layer temperature"}),
        "t_sfc": (("state", "experiment"), eq.t_sfc.reshape(n, m).astype(np.float64),
                  {"units": "K", "long_name": "equilibrium surface temperature"})})


def rrtmgp_optics(n: int):
    """RRTMGP's gas optics as an RCE gas-optics function (one compile for n columns)."""
    go = gas_optics(n)
    return lambda state: go.compute(profiles_of(state))


class RceTask(Task):
    name = "rfmip/rce"
    spec = RFMIP
    summary = ("gas optics a posteriori: the equilibrium of a radiative-convective column (fixed RH, 6.5 K/km) "
               "and its climate sensitivity with each gas optics")
    declared_metrics = METRICS
    primary_metric = "ecs_2x_error"
    item_units = "columns (single-column radiative-convective equilibria: base state × experiment)"
    cost = CostModel("the RCE column with RRTMGP gas optics (jax-rrtmgp)", "columns", ratio_metric="speedup_vs_rrtmgp",
                     engine_models=("rrtmgp",))
    error_note = ("standard error over the base states (RFMIP sites; a state's 4 experiments are one piece); "
                  "timings: one run")
    leaderboard_columns = ("ecs_2x_error", "ecs_4x_error", "pd_warming_error", "t_profile_rmse", "t_sfc_error",
                           "seconds_per_column", "speedup_vs_rrtmgp")

    def __init__(self):
        self._truth: dict = {}

    # --- contract ------------------------------------------------------------------------------
    def contract(self, config: DatasetConfig) -> PredictionContract:
        n = len(rce_sites(config))
        labels = {"state": f"coordinate `state` of prediction input `{INPUT}`",
                  "experiment": f"coordinate `experiment` of prediction input `{INPUT}` (0 PI, 1 2×CO2, 2 4×CO2, 3 PD)"}
        values = {"experiment": tuple(rce.EXPERIMENTS)}
        lo, hi = physics.T_TABLE
        return PredictionContract((
            VariableContract("t_lay", ("state", "experiment", "layer"), "K",
                             {"state": n, "experiment": len(rce.EXPERIMENTS), "layer": physics.N_LAYERS},
                             "equilibrium layer temperature", minimum=lo, maximum=hi, labels=labels,
                             label_values=values),
            VariableContract("t_sfc", ("state", "experiment"), "K", {"state": n, "experiment": len(rce.EXPERIMENTS)},
                             "equilibrium surface temperature", minimum=lo, maximum=hi, labels=labels,
                             label_values=values)))

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        return {INPUT: column_inputs(data)}

    def count_items(self, predictions: xr.Dataset) -> int:
        """Columns brought to equilibrium."""
        return int(predictions.sizes.get("state", 0) * predictions.sizes.get("experiment", 0))

    # --- the reference equilibrium --------------------------------------------------------------------
    def truth(self, data: TaskData) -> tuple[xr.Dataset, float]:
        """RRTMGP's equilibrium of every column and its wall seconds (computed once per config and data)."""
        key = (data.config.name, data.hashes.get(EXTRA_SPLIT), tuple(rce_sites(data.config)))
        if key not in self._truth:
            inputs = column_inputs(data)
            cols = columns_of(inputs)
            optics = rrtmgp_optics(cols.n)
            optics(rce.layer_state(rce.profiles(cols)))  # compile outside the timing
            eq = rce.run(cols, optics)
            if not eq.converged.all():
                raise rce.RceError(f"the RRTMGP-driven columns did not reach equilibrium in {eq.steps} steps "
                                   f"(largest |dT/dt| {eq.max_tendency.max():.2g} K/day)")
            self._truth[key] = (submission(inputs, eq), eq.seconds, eq)
        return self._truth[key][:2]

    def engine_items_per_second(self, data: TaskData) -> float:
        """Column-equilibria per second with RRTMGP's gas optics (compiled before the timing)."""
        truth, seconds = self.truth(data)
        return self.count_items(truth) / seconds

    # --- metrics -------------------------------------------------------------------------------
    @staticmethod
    def sensitivities(ds: xr.Dataset) -> dict[str, np.ndarray]:
        ts = ds["t_sfc"].values
        return {k: ts[:, a] - ts[:, b] for k, (a, b) in SENSITIVITIES.items()}

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        truth, _ = self.truth(data)
        n, m = truth.sizes["state"], truth.sizes["experiment"]
        states = np.repeat(np.arange(n), m)
        keep = column_inputs(data)["p_lay"].values >= HEATING_P_MIN  # (state, layer)
        d = (predictions["t_lay"].values - truth["t_lay"].values)  # (state, experiment, layer)
        rms = np.sqrt(np.array([[np.mean(d[i, j][keep[i]] ** 2) for j in range(m)] for i in range(n)]))
        scores = {T_PROFILE.name: clustered_mean(rms.ravel(), states, "base states"),
                  T_SFC.name: clustered_mean(np.abs(predictions["t_sfc"].values - truth["t_sfc"].values).ravel(),
                                             states, "base states")}
        pred_s, true_s = self.sensitivities(predictions), self.sensitivities(truth)
        for k, metric in SENS.items():
            err = np.abs(pred_s[k] - true_s[k])
            se = float(err.std(ddof=1) / math.sqrt(n)) if n > 1 else None
            scores[metric.name] = Estimate(float(err.mean()), se, n, f"standard error over {n} base states")
        scores[SECONDS.name] = Estimate(1.0 / items_per_second if items_per_second else math.nan)
        scores[SPEEDUP.name] = generation_speedup(items_per_second, engine_items_per_second)
        return scores

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        truth, _ = self.truth(data)
        pred_s, true_s = self.sensitivities(predictions), self.sensitivities(truth)
        d = predictions["t_lay"].values - truth["t_lay"].values
        return {"units": {"temperature": "K", "pressure": "Pa"},
                "sensitivity": {k: {"entry": pred_s[k].tolist(), "rrtmgp": true_s[k].tolist(),
                                    "entry_mean": float(pred_s[k].mean()), "rrtmgp_mean": float(true_s[k].mean()),
                                    "bias": float((pred_s[k] - true_s[k]).mean())} for k in SENSITIVITIES},
                "t_sfc_bias_by_experiment": (predictions["t_sfc"].values - truth["t_sfc"].values).mean(axis=0).tolist(),
                "t_error_mean_by_layer": d.mean(axis=(0, 1)).tolist(),
                "layer_pressure_mean": column_inputs(data)["p_lay"].values.mean(axis=0).tolist(),
                "sites": [int(s) for s in rce_sites(data.config)]}

    def targets(self, data: TaskData) -> dict:
        truth, seconds = self.truth(data)
        eq = self._truth[(data.config.name, data.hashes.get(EXTRA_SPLIT), tuple(rce_sites(data.config)))][2]
        sens = self.sensitivities(truth)
        return {"setup": rce.SETUP.to_record(), "experiments": {k: v[0] for k, v in rce.EXPERIMENTS.items()},
                "sites": [int(s) for s in rce_sites(data.config)],
                "rrtmgp": {**{k: {"mean": float(v.mean()), "per_state": v.tolist()} for k, v in sens.items()},
                           "t_sfc_pi_mean": float(truth["t_sfc"].values[:, 0].mean()),
                           "tropopause_hpa_pi": (eq.tropopause_pressure.reshape(truth.sizes["state"], -1)[:, 0]
                                                 / 100).tolist(),
                           "steps": eq.steps, "seconds": seconds, "columns": self.count_items(truth)},
                "note": "RRTMGP-driven equilibria (K); sensitivities are surface warmings"}


TASK = RceTask()


class RceRun:
    """Any gas-optics model of ``rfmip/gas-optics`` (an object with ``fit`` and ``_predict(layer state)``) run
    in the column: fitted exactly as on that task, then :func:`rce.run` with its optics."""

    def __init__(self, make_optics_model):
        self.make = make_optics_model

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "RceRun":
        self.model = self.make().fit(data, seed=seed, progress=progress)
        return self

    def training_report(self):
        hook = getattr(self.model, "training_report", None)
        return hook() if hook is not None else TrainingReport()

    def optics(self, n: int):
        return self.model._predict

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        inputs = data.inputs[INPUT]
        cols = columns_of(inputs)
        return submission(inputs, rce.run(cols, self.optics(cols.n)))


class RrtmgpRun(RceRun):
    """Physics reference: the column with RRTMGP's gas optics (jax-rrtmgp), compiled before the timing."""

    def __init__(self):
        super().__init__(None)

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "RrtmgpRun":
        cols = columns_of(data.inputs[INPUT])
        self._optics = rrtmgp_optics(cols.n)
        self._optics(rce.layer_state(rce.profiles(cols)))  # the compile belongs to no timing
        return self

    def training_report(self):
        return TrainingReport()

    def optics(self, n: int):
        return self._optics


class Persistence:
    """Static reference: no column at all — every experiment's equilibrium is the site's RFMIP PI column as
    observed (the starting state), so every sensitivity is 0.  (The ``rfmip/gas-optics`` static reference,
    training-mean optics in ln p bins, cannot drive the column: its Planck source ignores temperature, so
    layers lose their radiative damping and the column runs to the tables' 160/355 K limits within 50 steps.)"""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "Persistence":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        inputs = data.inputs[INPUT]
        m = inputs.sizes["experiment"]
        t = np.clip(inputs["t_lay_start"].values, *physics.T_TABLE)
        ts = np.clip(inputs["t_sfc_start"].values, *physics.T_TABLE)
        return xr.Dataset({
            "t_lay": (("state", "experiment", "layer"), np.repeat(t[:, None], m, axis=1), {"units": "K"}),
            "t_sfc": (("state", "experiment"), np.repeat(ts[:, None], m, axis=1), {"units": "K"})})


REFERENCES = [
    ModelEntry("persistence", TASK.name, "static reference",
               "no column: the site's observed RFMIP PI temperatures for every experiment (sensitivities 0)",
               Persistence),
    ModelEntry("rrtmgp", TASK.name, "physics reference",
               "the column with RRTMGP's gas optics (jax-rrtmgp); error 0, its cost is the yardstick", RrtmgpRun),
]
