"""Task ``flybys/sequence``: the planet after K encounters in turn — does a learned encounter map,
applied encounter after encounter, give REBOUND's distribution of final states?

A submission holds, for every test sequence (dimension ``sequence``, the labels given with the inputs)
and every encounter k = 1 … K (dimension ``encounter``, coordinate 1 … K), the planet's semi-major axis
``a`` [AU], eccentricity ``e`` [1] and the probability ``p_bound`` [1] that it is still bound to its host
after encounter k (a sampled model writes 0 or 1; a deterministic map may carry a survival weight).
Where ``p_bound`` is 0, ``a`` and ``e`` are ignored (write 0 and 1).

The planet's fate is chaotic, so sequences are not compared one by one: the task compares the
*distributions* over the test sequences with REBOUND's.  Metrics (± from 200 bootstrap resamples of the
test sequences, n = test sequences; survival ± binomial):

* ``d_final`` (primary): the distance between the entry's and REBOUND's distributions of the final state
  after K encounters, D = |f − f_REBOUND| + min(f, f_REBOUND) · W1(e of the bound planets), f the bound
  fractions: an upper bound of the 1-Wasserstein distance on the state space where a lost planet is one
  point at distance 1 from every bound orbit.  Both terms are ≥ 0, so a wrong survival fraction cannot
  be compensated by a shifted eccentricity distribution (as it can in a W1 of e with lost planets at
  e = 1, which an entry losing too many planets with too high e can win).
* ``d_first``: the same after the first encounter (against the final one: how the error grows with k;
  every k is in the results' details and the figure).
* ``w1_e_bound_final``, ``w1_log_a_final`` [dex]: W1 of e and of log₁₀ a among the planets still bound
  after K encounters (weighted by ``p_bound``; a in decades because a few planets end on orbits of
  10²–10³ AU, which would dominate a W1 in AU).
* ``survival_fraction`` and ``survival_error`` = |its difference from REBOUND's|.
* ``encounters_per_second`` and ``cost_vs_rebound`` (REBOUND IAS15 timed on test encounters, same run).

W1 of two finite samples is positive even for the same law: the physics reference ``rebound`` is an
independent REBOUND sample of the same environment (the dataset's ``reference`` split), and its score
is that sampling-noise floor.
"""

from __future__ import annotations

import math
import time

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CoordinateContract, CostModel, PredictionContract, Task, TaskData, VariableContract
from mdbench.metrics.cost import cost_relative
from mdbench.systems.flybys import physics
from mdbench.systems.flybys.dataset import FLYBYS, system_params
from mdbench.systems.flybys.sequences import FLYBYS_SEQUENCES, PERTURBERS

#: bootstrap resamples of the test sequences behind every ± of a distance
N_BOOTSTRAP = 200
#: test encounters REBOUND is timed on for the cost columns
N_TIMED = 8
#: the predicted state after each encounter: variable → (units, long name)
STATE_TARGETS = {
    "a": ("AU", "planet's semi-major axis after encounter k (ignored where p_bound = 0)"),
    "e": ("1", "planet's eccentricity after encounter k (ignored where p_bound = 0)"),
    "p_bound": ("1", "probability that the planet is still bound to its host after encounter k"),
}
_BOOT = f"bootstrap over the test sequences ({N_BOOTSTRAP} resamples)"
D_FINAL = MetricInfo("d_final", "1", "final-state distance after K encounters: |Δ bound fraction| + min bound "
                                     "fraction × W1 of e of the bound planets, vs REBOUND's")
D_FIRST = MetricInfo("d_first", "1", "the same distance after the first encounter")
W1_E_BOUND = MetricInfo("w1_e_bound_final", "1", "W1 of the eccentricity of the planets bound after K encounters "
                                                 "(weights p_bound) vs REBOUND's")
W1_A_BOUND = MetricInfo("w1_log_a_final", "dex", "W1 of log10(a / 1 AU) of the planets bound after K encounters "
                                                 "(weights p_bound) vs REBOUND's")
SURVIVAL = MetricInfo("survival_fraction", "1", "fraction of planets bound after K encounters (descriptive: compare "
                                                "with REBOUND's; ± binomial)", True)
SURVIVAL_ERROR = MetricInfo("survival_error", "1", "|survival fraction − REBOUND's| after K encounters (± binomial "
                                                   "of both)")
SPEED = MetricInfo("encounters_per_second", "encounters/s", "encounters predicted per second (test sequences × K), "
                                                            "one thread", True, timing=True)
COST = MetricInfo("cost_vs_rebound", "×", "time per encounter ÷ REBOUND IAS15's on test encounters, same run",
                  timing=True)
METRICS = (D_FINAL, D_FIRST, W1_E_BOUND, W1_A_BOUND, SURVIVAL, SURVIVAL_ERROR, SPEED, COST)


def submission(labels: np.ndarray, a: np.ndarray, e: np.ndarray, p_bound: np.ndarray) -> xr.Dataset:
    """A submission from (sequences, K) arrays in the order of ``labels``."""
    k = np.shape(a)[1]
    coords = {"sequence": ("sequence", np.asarray(labels, dtype=np.int64), {"units": "1",
                                                                           "long_name": "sequence label"}),
              "encounter": ("encounter", np.arange(1, k + 1), {"units": "1", "long_name": "encounter number"})}
    return xr.Dataset({name: (("sequence", "encounter"), np.asarray(values, dtype=np.float64),
                              {"units": STATE_TARGETS[name][0], "long_name": STATE_TARGETS[name][1]})
                       for name, values in (("a", a), ("e", e), ("p_bound", p_bound))}, coords=coords)


def truth(test: xr.Dataset) -> dict[str, np.ndarray]:
    """REBOUND's state after every encounter, (sequences, K): a, e (NaN once lost), p_bound (0/1)."""
    after = dict(step=slice(1, None))
    return {"a": test["a"].isel(after).values, "e": test["e"].isel(after).values,
            "p_bound": test["bound"].isel(after).values.astype(float)}


def e_with_loss(e: np.ndarray, p_bound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, weights) of the eccentricity distribution with a lost planet at e = 1."""
    e = np.where(p_bound > 0, np.nan_to_num(e, nan=1.0), 1.0)
    return np.concatenate([e, np.ones_like(e)]), np.concatenate([p_bound, 1.0 - p_bound])


def w1(u: np.ndarray, uw: np.ndarray, v: np.ndarray, vw: np.ndarray) -> float:
    """W1 of two weighted samples; NaN where either has no weight."""
    if uw.sum() <= 0 or vw.sum() <= 0:
        return math.nan
    from scipy.stats import wasserstein_distance  # scipy.stats where it computes: listing the task imports none

    keep_u, keep_v = uw > 0, vw > 0
    return float(wasserstein_distance(u[keep_u], v[keep_v], uw[keep_u], vw[keep_v]))


def distances(pred: dict[str, np.ndarray], true: dict[str, np.ndarray], k: int) -> np.ndarray:
    """[D (the final-state distance of the module docstring), W1 e of the bound, W1 log₁₀ a of the bound]
    after encounter ``k`` (1-based).

    a in decades: a few planets are left on orbits of 10²–10³ AU, whose AU would dominate a linear W1."""
    j = k - 1
    p, t = pred["p_bound"][:, j], true["p_bound"][:, j]
    w1_e = w1(np.nan_to_num(pred["e"][:, j]), p, np.nan_to_num(true["e"][:, j]), t)
    f_p, f_t = p.mean(), t.mean()
    out = [abs(f_p - f_t) + (min(f_p, f_t) * w1_e if min(f_p, f_t) > 0 else 0.0), w1_e]
    log_a = lambda a, w: np.where(w > 0, np.log10(np.where(w > 0, np.nan_to_num(a, nan=1.0), 1.0)), 0.0)  # noqa: E731
    out.append(w1(log_a(pred["a"][:, j], p), p, log_a(true["a"][:, j], t), t))
    return np.array(out)


def bootstrap(fn, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``fn(indices)`` on all n rows and its standard deviation over :data:`N_BOOTSTRAP` resamples
    (the same resamples for every entry: fixed seed)."""
    rng = np.random.default_rng(seed)
    value = np.asarray(fn(np.arange(n)), dtype=float)
    boots = np.array([fn(rng.integers(0, n, n)) for _ in range(N_BOOTSTRAP)], dtype=float)
    finite = np.isfinite(boots).sum(axis=0)
    spread = np.nanstd(np.where(finite > 1, boots, 0.0), axis=0, ddof=1)  # NaN-free columns only
    return value, np.where(finite > 1, spread, np.nan)


def arrays(predictions: xr.Dataset) -> dict[str, np.ndarray]:
    return {name: predictions[name].values for name in STATE_TARGETS}


class FlybySequence(Task):
    name = "flybys/sequence"
    spec = FLYBYS_SEQUENCES
    summary = "distribution of the planet's state after K encounters applied in turn, vs REBOUND"
    declared_metrics = METRICS
    primary_metric = "d_final"
    error_note = (f"standard deviation over {N_BOOTSTRAP} bootstrap resamples of the test sequences (n = sequences); "
                  "survival: binomial")
    item_units = "encounters (test sequences × K encounters)"
    cost = CostModel("REBOUND (IAS15)", "encounters", ratio_metric="cost_vs_rebound", ratio="cost",
                     speed_metric="encounters_per_second", engine_models=("rebound",))
    cost = CostModel("REBOUND (IAS15)", "encounters", ratio_metric="cost_vs_rebound", ratio="cost",
                     speed_metric="encounters_per_second", engine_models=("rebound",))
    leaderboard_columns = ("d_final", "d_first", "w1_e_bound_final", "w1_log_a_final", "survival_fraction",
                           "survival_error", "encounters_per_second", "cost_vs_rebound")

    def contract(self, config: DatasetConfig) -> PredictionContract:
        sizes = {"sequence": config["test_sequences"], "encounter": config["encounters"]}
        labels = {"sequence": "coordinate `sequence` of prediction input `test`"}
        bounds = {"a": (0.0, None), "e": (0.0, 1.0), "p_bound": (0.0, 1.0)}
        variables = tuple(VariableContract(name, ("sequence", "encounter"), units, sizes, what, minimum=bounds[name][0],
                                           maximum=bounds[name][1], labels=labels)
                          for name, (units, what) in STATE_TARGETS.items())
        return PredictionContract(variables, coordinates=(
            CoordinateContract("encounter", tuple(float(k) for k in range(1, config["encounters"] + 1)), "1"),))

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """The test sequences' initial orbits and all K perturbers (and gaps), labelled; nothing REBOUND did."""
        return {"test": inputs_of(data.test)}

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        pred, true = arrays(predictions), truth(data.test)
        n, k = true["p_bound"].shape

        def final_and_first(rows):
            sub = lambda d: {key: v[rows] for key, v in d.items()}  # noqa: E731
            last = distances(sub(pred), sub(true), k)
            return np.array([last[0], distances(sub(pred), sub(true), 1)[0], last[1], last[2]])

        values, errors = bootstrap(final_and_first, n)
        scores = {info.name: Estimate(float(v), float(s), n, _BOOT) if math.isfinite(v) else Estimate(math.nan)
                  for info, v, s in zip((D_FINAL, D_FIRST, W1_E_BOUND, W1_A_BOUND), values, errors)}
        f_pred, f_true = pred["p_bound"][:, -1].mean(), true["p_bound"][:, -1].mean()
        binomial = lambda f: f * (1 - f) / n  # noqa: E731
        scores[SURVIVAL.name] = Estimate(float(f_pred), math.sqrt(binomial(f_pred)), n, "binomial")
        scores[SURVIVAL_ERROR.name] = Estimate(float(abs(f_pred - f_true)),
                                               math.sqrt(binomial(f_pred) + binomial(f_true)), n, "binomial, both")
        scores[SPEED.name] = Estimate(items_per_second or math.nan)
        scores[COST.name] = cost_relative(items_per_second, engine_items_per_second)
        return scores

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        """The distance D, W1 of e of the bound planets and the survival fraction after every encounter k."""
        pred, true = arrays(predictions), truth(data.test)
        k = true["p_bound"].shape[1]
        per_k = [distances(pred, true, j) for j in range(1, k + 1)]
        return {"d_per_encounter": [float(d[0]) for d in per_k],
                "w1_e_bound_per_encounter": [float(d[1]) for d in per_k],
                "survival_per_encounter": [float(pred["p_bound"][:, j].mean()) for j in range(k)],
                "rebound_survival_per_encounter": [float(true["p_bound"][:, j].mean()) for j in range(k)]}

    def targets(self, data: TaskData) -> dict:
        true = truth(data.test)
        bound = true["p_bound"][:, -1] > 0
        integrated = data.test["outcome"].values >= 0
        return {"survival_fraction": float(bound.mean()),
                "mean_e_bound_final": float(np.mean(true["e"][bound, -1])) if bound.any() else math.nan,
                "integrated_encounters": int(integrated.sum()),
                "max_energy_error": float(np.nanmax(data.test["energy_error"].values)),
                "units": {"survival_fraction": "1", "mean_e_bound_final": "1", "integrated_encounters": "encounters",
                          "max_energy_error": "1"},
                "note": "REBOUND IAS15 on the test sequences (the distributions every entry is compared with)"}

    def count_items(self, predictions: xr.Dataset) -> int:
        return int(predictions.sizes["sequence"] * predictions.sizes["encounter"])

    def engine_items_per_second(self, data: TaskData) -> float:
        """REBOUND IAS15 encounters per second on the first :data:`N_TIMED` integrated test encounters."""
        rows = integrated_encounters(data.test)[:N_TIMED]
        system, r_start = system_params(data.config), data.config["r_start"]
        start = time.perf_counter()
        for enc, a in rows:
            physics.simulate(enc, r_start=r_start, **{**system, "a_planet": a})
        return len(rows) / (time.perf_counter() - start)


def inputs_of(ds: xr.Dataset) -> xr.Dataset:
    """What a model may see of a split: the perturbers (sequence, encounter) and the initial orbit."""
    out = ds[list(PERTURBERS)]
    for name in ("a", "e", "peri", "mean_anomaly"):
        out[f"{name}_initial"] = ds[name].isel(step=0, drop=True)
        out[f"{name}_initial"].attrs = {**ds[name].attrs, "long_name": f"initial {ds[name].attrs['long_name']}"}
    return out


def integrated_encounters(ds: xr.Dataset) -> list[tuple[physics.Encounter, float]]:
    """(encounter as REBOUND integrated it, the planet's a before it) of every integrated encounter, in
    sequence-major order."""
    out = []
    outcome = ds["outcome"].values
    for i, j in zip(*np.nonzero(outcome >= 0)):
        row = {v: float(ds[v].values[i, j]) for v in ("e_before", "peri_before", "mean_anomaly_before", "m_perturber",
                                                      "v_inf", "b", "inc_perturber", "node_perturber",
                                                      "peri_perturber", "a_before")}
        enc = physics.Encounter(row["e_before"], row["peri_before"], row["mean_anomaly_before"], row["m_perturber"],
                                row["v_inf"], row["b"], row["inc_perturber"], row["node_perturber"],
                                row["peri_perturber"])
        out.append((enc, row["a_before"]))
    return out


def encounter_rows(x: xr.Dataset, k: int, a: np.ndarray, e: np.ndarray, peri: np.ndarray,
                   mean_anomaly: np.ndarray) -> xr.Dataset:
    """Encounter ``k`` (1-based) of every input sequence as rows of the ``flybys`` dataset (dimension
    ``flyby``), the planet in the given state: what an encounter map of ``flybys/encounter`` takes."""
    j = k - 1
    cols = {name: x[name].values[:, j] for name in PERTURBERS if name != "gap"}
    cols = {"a_before": a, "e_before": e, "inc_before": np.zeros_like(a), "peri_before": peri,
            "node_before": np.zeros_like(a), "mean_anomaly_before": mean_anomaly, **cols}
    return xr.Dataset({name: ("flyby", np.asarray(v, dtype=np.float64)) for name, v in cols.items()},
                      coords={"flyby": np.arange(len(a))})


def rollout(x: xr.Dataset, step, *, seed: int, sample: bool) -> xr.Dataset:
    """Apply an encounter map to every input sequence, encounter after encounter.

    ``step(rows)`` takes :func:`encounter_rows` and returns (Δa/a, Δe, P(lost)) per row.  The planet's
    phases at encounter k ≥ 2 (ω in the encounter's frame, mean anomaly) are what REBOUND's previous
    encounter and ~10⁶ orbits of drift left: a map of (Δa/a, Δe, ΔI) does not know them, and after so many
    orbits they are uniform, so they are drawn uniformly (seeded).  ``sample``: the loss is drawn
    (Bernoulli, a sampled rollout); otherwise the survival probability is carried as a weight
    (a deterministic map).  A planet whose e reaches 1 or a ≤ 0 is lost.
    """
    rng = np.random.default_rng(seed)
    n, k_max = x.sizes["sequence"], x.sizes["encounter"]
    a, e = x["a_initial"].values.astype(float).copy(), x["e_initial"].values.astype(float).copy()
    peri, mean = x["peri_initial"].values.astype(float), x["mean_anomaly_initial"].values.astype(float)
    alive = np.ones(n)
    out = {name: np.zeros((n, k_max)) for name in STATE_TARGETS}
    for k in range(1, k_max + 1):
        if k > 1:
            peri, mean = rng.uniform(0, 2 * math.pi, n), rng.uniform(0, 2 * math.pi, n)
        live = alive > 0
        da, de, p_lost = (np.asarray(v, dtype=float) for v in step(encounter_rows(x, k, a, e, peri, mean)))
        p_lost = np.clip(p_lost, 0.0, 1.0)
        a_new, e_new = a * (1 + da), np.maximum(e + de, 0.0)
        broke = (a_new <= 0) | (e_new >= 1) | ~np.isfinite(a_new) | ~np.isfinite(e_new)
        if sample:
            survive = (rng.random(n) >= p_lost).astype(float)
        else:
            survive = 1.0 - p_lost
        alive = np.where(live & ~broke, alive * survive, 0.0)
        a, e = np.where(alive > 0, a_new, a), np.where(alive > 0, e_new, e)
        out["a"][:, k - 1] = np.where(alive > 0, a, 0.0)
        out["e"][:, k - 1] = np.where(alive > 0, e, 1.0)
        out["p_bound"][:, k - 1] = alive
    return submission(x["sequence"].values, out["a"], out["e"], out["p_bound"])


def encounter_training_data(config: DatasetConfig) -> TaskData:
    """The training and validation flybys of the ``flybys`` config named by ``config``'s ``encounter_config``
    (generated first if missing), the encounter maps' training data; its test split is never loaded."""
    from mdbench.core.errors import DatasetMissingError
    from mdbench.data import store

    flybys = FLYBYS.config(config["encounter_config"])
    try:
        manifest = store.read_manifest(FLYBYS, flybys.name)
    except DatasetMissingError:
        print(f"flybys/{flybys.name} (the encounter maps' training data) is not in the cache; generating it first")
        store.generate(FLYBYS, flybys.name, progress=False)
        manifest = store.read_manifest(FLYBYS, flybys.name)
    train, val = (store.load(FLYBYS, flybys.name, split) for split in ("train", "val"))
    return TaskData(flybys, train, val, hashes={s: manifest["splits"][s]["sha256"] for s in ("train", "val")})

TASK = FlybySequence()
