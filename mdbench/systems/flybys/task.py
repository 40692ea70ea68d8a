"""Task ``flybys/encounter``: predict what one flyby does to the planet — Δa/a, Δe, ΔI and the
probability that the planet is lost from its host — from the pre-encounter state and the perturber.

A submission holds ``delta_a_over_a``, ``delta_e``, ``delta_inc`` (rad) and ``p_ejection`` along the
dimension ``flyby`` whose coordinate is the label of each test flyby (given with the inputs,
:meth:`FlybyEncounter.prediction_inputs`); scoring matches predictions to flybys by that label, so the
order of the file does not matter, and a missing, repeated or unknown label is refused.  An optional
``delta_e_std`` (a Gaussian width of the predicted Δe) is scored by its CRPS.

Regimes by q/a (the perturber's pericentre over the planet's initial semi-major axis): close q/a < 2,
intermediate 2 ≤ q/a < 5, distant q/a ≥ 5; and by v∞: slow < 1.5 km/s ≤ fast.  Δa/a, Δe and ΔI are
scored on the flybys after which REBOUND leaves the planet bound to its host (their elements are
undefined otherwise); the ejection Brier score and ROC AUC on all.  The references are in :mod:`mdbench.systems.flybys.references`.
"""

from __future__ import annotations

import math
import time

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, PredictionContract, Task, TaskData, VariableContract
from mdbench.metrics.cost import cost_relative
from mdbench.metrics.regression import estimates, shuffled
from mdbench.systems.flybys import physics
from mdbench.systems.flybys.dataset import FLYBYS, INPUTS, encounters_of, system_params

#: q/a bin edges of the regimes (1): close < 2 ≤ intermediate < 5 ≤ distant
REGIME_EDGES = (2.0, 5.0)
REGIMES = ("close", "intermediate", "distant")
#: v∞ bin edge (km/s), about the median speed of the Maxwellian (σ = 1 km/s: median 1.54 km/s): slow < 1.5 ≤ fast
V_EDGE = 1.5
SPEED_BINS = ("slow", "fast")
#: the predicted changes: variable → (units, long name)
TARGETS = {
    "delta_a_over_a": ("1", "relative change of the semi-major axis (a_after − a_before) / a_before"),
    "delta_e": ("1", "change of the eccentricity e_after − e_before"),
    "delta_inc": ("rad", "change of the inclination I_after − I_before"),
}
#: test flybys REBOUND is timed on for the speed comparison
N_TIMED = 8


def regime_of(q_over_a: np.ndarray) -> np.ndarray:
    """0 close, 1 intermediate, 2 distant, by :data:`REGIME_EDGES`."""
    return np.digitize(np.asarray(q_over_a, dtype=float), REGIME_EDGES)


def _mae_info() -> list[MetricInfo]:
    out = []
    for var, (units, what) in TARGETS.items():
        for regime in ("all",) + REGIMES + SPEED_BINS:
            where = ("all bound test flybys" if regime == "all" else f"bound test flybys of the {regime} regime"
                     if regime in REGIMES else f"bound test flybys with v∞ {'<' if regime == 'slow' else '≥'} "
                                               f"{V_EDGE:g} km/s")
            out.append(MetricInfo(f"mae_{var}_{regime}", units, f"mean |error| of the {what.split(' (')[0]}, {where}"))
    return out


BRIER = MetricInfo("brier_ejection", "1", "Brier score of p_ejection against REBOUND's outcome (lost from the host), "
                                          "all test flybys")
BRIER_CLOSE = MetricInfo("brier_ejection_close", "1", "Brier score of p_ejection, close regime (q/a < 2)")
AUC = MetricInfo("auc_ejection", "1", "ROC AUC of p_ejection against REBOUND's outcome (lost from the host), all "
                                      "test flybys (0.5: no skill; ± bootstrap over flybys)", True)
CRPS = MetricInfo("crps_delta_e_all", "1", "CRPS of the Gaussian N(delta_e, delta_e_std²), bound test flybys "
                                           "(n/a without delta_e_std)")
SPEED = MetricInfo("flybys_per_second", "flybys/s", "test flybys predicted per second, one thread", True, timing=True)
COST = MetricInfo("cost_vs_rebound", "×", "time per flyby ÷ REBOUND IAS15's on test flybys, same run", timing=True)
METRICS = (*_mae_info(), BRIER, BRIER_CLOSE, AUC, CRPS, SPEED, COST)


def submission(labels: np.ndarray, delta_a_over_a, delta_e, delta_inc, p_ejection,
               delta_e_std=None) -> xr.Dataset:
    """A submission from per-flyby predictions in the order of ``labels``."""
    values = {"delta_a_over_a": delta_a_over_a, "delta_e": delta_e, "delta_inc": delta_inc}
    ds = xr.Dataset({k: (("flyby",), np.asarray(v, dtype=np.float64), {"units": TARGETS[k][0],
                                                                       "long_name": TARGETS[k][1]})
                     for k, v in values.items()},
                    coords={"flyby": ("flyby", np.asarray(labels, dtype=np.int64), {"units": "1",
                                                                                   "long_name": "flyby label"})})
    ds["p_ejection"] = ("flyby", np.asarray(p_ejection, dtype=np.float64),
                        {"units": "1", "long_name": "probability that the planet is lost from its host"})
    if delta_e_std is not None:
        ds["delta_e_std"] = ("flyby", np.asarray(delta_e_std, dtype=np.float64),
                             {"units": "1", "long_name": "Gaussian width of the predicted Δe"})
    return ds


def truth(test: xr.Dataset) -> dict[str, np.ndarray]:
    """REBOUND's changes, outcome and regime of every test flyby (in stored order)."""
    a0, a1 = test["a_before"].values, test["a_after"].values
    return {
        "label": test["flyby"].values.astype(np.int64),
        "delta_a_over_a": (a1 - a0) / a0,
        "delta_e": test["e_after"].values - test["e_before"].values,
        "delta_inc": test["inc_after"].values - test["inc_before"].values,
        "ejected": (test["outcome"].values != 0).astype(float),
        "regime": regime_of(test["q"].values / a0),
        "fast": test["v_inf"].values >= V_EDGE,
    }


def gaussian_crps(mu: np.ndarray, sigma: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS of N(μ, σ²) at y (Gneiting & Raftery 2007), σ → 0: |y − μ|."""
    from scipy.stats import norm

    sigma = np.maximum(sigma, 1e-300)
    z = (y - mu) / sigma
    return sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))


class FlybyEncounter(Task):
    name = "flybys/encounter"
    cost = CostModel("REBOUND (IAS15)", "encounters", ratio_metric="cost_vs_rebound", ratio="cost",
                     speed_metric="flybys_per_second", engine_models=("rebound",))
    spec = FLYBYS
    summary = "Δa/a, Δe, ΔI and P(ejection) of one stellar flyby, vs REBOUND and Heggie & Rasio (1996)"
    declared_metrics = METRICS
    primary_metric = "mae_delta_e_all"
    error_note = "standard error from 10 random blocks of the test flybys (n = blocks)"
    leaderboard_columns = (
        "mae_delta_e_all", "mae_delta_e_distant", "mae_delta_e_intermediate", "mae_delta_e_close",
        "mae_delta_e_slow", "mae_delta_e_fast", "mae_delta_a_over_a_all", "mae_delta_inc_all", "brier_ejection",
        "auc_ejection", "crps_delta_e_all",
        "flybys_per_second", "cost_vs_rebound",
    )

    def contract(self, config: DatasetConfig) -> PredictionContract:
        n = {"flyby": config["test_flybys"]}
        labels = {"flyby": "coordinate `flyby` of prediction input `test`"}  # rows matched by label
        variables = [VariableContract(k, ("flyby",), units, n, what, labels=labels)
                     for k, (units, what) in TARGETS.items()]
        variables.append(VariableContract("p_ejection", ("flyby",), "1", n,
                                          "probability that the planet is lost from its host (0…1)",
                                          minimum=0.0, maximum=1.0, labels=labels))
        variables.append(VariableContract("delta_e_std", ("flyby",), "1", n, "Gaussian width of the predicted Δe",
                                          optional=True, minimum=0.0, labels=labels))
        return PredictionContract(tuple(variables))

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """The test flybys' pre-encounter elements and perturber parameters, with their labels; no results."""
        return {"test": data.test[list(INPUTS)]}

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        t = truth(data.test)
        pred = predictions  # in the test split's order: read_submission matched its rows by label
        bound = t["ejected"] == 0
        scores: dict[str, Estimate] = {}
        for var in TARGETS:
            info = [m for m in METRICS if m.name.startswith(f"mae_{var}_")]
            err = np.abs(pred[var].values - t[var])
            for m in info:
                regime = m.name.rsplit("_", 1)[1]
                mask = (bound if regime == "all" else bound & (t["fast"] == (regime == "fast")) if regime in SPEED_BINS
                        else bound & (t["regime"] == REGIMES.index(regime)))
                scores.update(_mean(err[mask], m))
        brier = (pred["p_ejection"].values - t["ejected"]) ** 2
        scores.update(_mean(brier, BRIER))
        scores.update(_mean(brier[t["regime"] == 0], BRIER_CLOSE))
        scores[AUC.name] = auc_estimate(pred["p_ejection"].values, t["ejected"], AUC)
        if "delta_e_std" in pred:
            crps = gaussian_crps(pred["delta_e"].values, pred["delta_e_std"].values, t["delta_e"])
            scores.update(_mean(crps[bound], CRPS))
        else:
            scores[CRPS.name] = Estimate(math.nan)
        scores[SPEED.name] = Estimate(items_per_second or math.nan)
        scores[COST.name] = cost_relative(items_per_second, engine_items_per_second)
        return scores

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        t = truth(data.test)
        bound = t["ejected"] == 0
        return {"test_flybys_per_regime": {r: int(np.sum(t["regime"] == k)) for k, r in enumerate(REGIMES)},
                "bound_test_flybys_per_regime": {r: int(np.sum(bound & (t["regime"] == k)))
                                                 for k, r in enumerate(REGIMES)},
                "ejected_test_flybys": int(np.sum(~bound)),
                "bound_test_flybys_per_speed_bin": {"slow": int(np.sum(bound & ~t["fast"])),
                                                    "fast": int(np.sum(bound & t["fast"]))},
                "regime_edges_q_over_a": list(REGIME_EDGES), "speed_edge_km_s": V_EDGE}

    def targets(self, data: TaskData) -> dict:
        t = truth(data.test)
        bound = t["ejected"] == 0
        return {"mean_abs_delta_e_bound": float(np.mean(np.abs(t["delta_e"][bound]))),
                "ejection_fraction": float(np.mean(t["ejected"])),
                "max_energy_error": float(data.test["energy_error"].values.max()),
                "units": {"mean_abs_delta_e_bound": "1", "ejection_fraction": "1", "max_energy_error": "1"},
                "note": "REBOUND IAS15 on the test flybys (the targets every entry is scored against)"}

    def count_items(self, predictions: xr.Dataset) -> int:
        return int(predictions.sizes["flyby"])

    def engine_items_per_second(self, data: TaskData) -> float:
        """REBOUND IAS15 flybys per second on the first :data:`N_TIMED` test flybys, here, now."""
        encounters = encounters_of(data.test)[:N_TIMED]
        system, r_start = system_params(data.config), data.config["r_start"]
        start = time.perf_counter()
        for enc in encounters:
            physics.simulate(enc, r_start=r_start, **system)
        return len(encounters) / (time.perf_counter() - start)


def _mean(values: np.ndarray, info: MetricInfo) -> dict[str, Estimate]:
    """Mean of ``values`` with a block standard error over 10 fixed random blocks (n = blocks); a set too
    small for blocks gets the mean alone, an empty set NaN."""
    if len(values) == 0:
        return {info.name: Estimate(math.nan)}
    return estimates(lambda rows: np.array([rows[:, 0].mean()]), shuffled([values]), [info])


TASK = FlybyEncounter()


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC of scores ``p`` for 0/1 labels ``y`` (Mann–Whitney: ties count ½); NaN without both classes."""
    from scipy.stats import rankdata

    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = rankdata(p)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auc_estimate(p: np.ndarray, y: np.ndarray, info: MetricInfo) -> Estimate:
    """AUC with the standard deviation over bootstrap resamples of the flybys (blocks of 40 flybys hold too
    few ejections for an AUC each)."""
    from mdbench.systems.flybys.sequence_task import bootstrap

    value, err = bootstrap(lambda rows: np.array([auc(p[rows], y[rows])]), len(p))
    if not math.isfinite(value[0]):
        return Estimate(math.nan)
    return Estimate(float(value[0]), float(err[0]), len(p), "bootstrap over the test flybys (200 resamples)")
