"""Task ``trpcage-like/simulator``: generate synthetic Cα trajectories at lag τ; score their
thermodynamics, kinetics, structures, novelty and cost against a long independent Gō-model simulation.

Every metric (:mod:`~mdbench.systems.trpcage_like.metrics`) is computed on quantities fixed by the
reference data, identical for every submission: a TICA projection (deeptime, lag τ, Cα pair
distances) fitted on the ``reference`` split, k-means states in it, the MSM lag where the
reference's implied timescales have converged, the native contact list, the native structure.
Nothing uses a model's own latent space.

Equal sample size: a submission holds trajectories of the training length (one frame every τ), and
every metric is the mean over those trajectories of the metric of one trajectory, ± the standard
error of that mean, n = trajectories.  The static reference (the training trajectory) and the data
reference (the held-out test trajectory) are one trajectory each (n = 1: no error bar); the physics
reference is the reference split's trajectories, each scored against targets it is a tenth of (so
its errors are slightly optimistic: the floor an ideal simulator of training length approaches).
The references are in :mod:`mdbench.systems.trpcage_like.references`.
"""

from __future__ import annotations

import math
import time

import numpy as np

from mdbench.core.estimate import Estimate
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.task import CostModel, PredictionContract, Task, TaskData, VariableContract
from mdbench.data.windows import frames_at_lag, lag_frames
from mdbench.metrics.base import TrajectoryMetric, over_pieces
from mdbench.metrics.cost import end_to_end_info, end_to_end_speedup, generation_speedup, speedup_info
from mdbench.metrics.kinetics import converged_lag, implied_timescales_vs_lag
from mdbench.metrics.distribution import histogram
from mdbench.systems.trpcage_like import physics
from mdbench.systems.trpcage_like.dataset import TRPCAGE_LIKE, go_model_of
from mdbench.systems.trpcage_like.features import (
    ANGLES, BONDS, N_ATOMS, N_TICS, NOVEL, Projection, Q, frame_table, pairwise_distances,
)
from mdbench.systems.trpcage_like.metrics import (
    N_TIMESCALES, FoldingTransitions, FreeEnergy1D, FreeEnergy2D, GeometryValidity, MSMTimescales, Novelty,
    StructureStatistics, cell_index, fold_states,
)

FE_BINS_1D = 40
FE_BINS_2D = 25
#: the DESRES Trp-cage t₁ (Sidky et al. 2020 §3.2) that calibrates model time → real time
PAPER_T1_US = 3.00
SPEEDUP = speedup_info("OpenMM")  # frames at τ
END_TO_END = end_to_end_info("OpenMM")
#: k-means states of the reference TICA space that the MSM timescales are estimated on
N_STATES = 50
#: MSM lags tried for the convergence test, in frames at τ
MSM_LAGS = (1, 2, 3, 5, 8, 12, 18, 25)
PIECES = "training-length trajectories"
#: what :meth:`TrpCageSimulator.score` reports: the metrics of :meth:`TrpCageSimulator.metrics`, in
#: their order, each the mean over training-length trajectories, then the cost
METRICS = (*FreeEnergy1D.info, *FreeEnergy2D.info, *MSMTimescales.describe(), *FoldingTransitions.describe(),
           *StructureStatistics.info, *GeometryValidity.info, *Novelty.describe(), SPEEDUP, END_TO_END)


def lag_time(config: DatasetConfig) -> float:
    """τ in ns of model time."""
    return config["lag"] * config["timestep"] * 1e-3


def at_lag(ds: xr.Dataset, config: DatasetConfig) -> np.ndarray:
    """Cα coordinates of a stored split at lag τ, ``[replica, time, atom, xyz]`` (nm, float32)."""
    return ds["x"].values[:, lag_frames(config) - 1 :: lag_frames(config)]


def submission(x: np.ndarray) -> xr.Dataset:
    """A submission from Cα trajectories ``[n_traj, T, 20, 3]`` (nm)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    return xr.Dataset({"x": (("trajectory", "time", "atom", "xyz"), x,
                             {"units": "nm", "long_name": "Cα coordinates, one frame every τ"})})



class TrpCageSimulator(Task):
    name = "trpcage-like/simulator"
    spec = TRPCAGE_LIKE
    summary = "synthetic Cα trajectories at lag τ vs a long independent Gō-model simulation"
    declared_metrics = METRICS
    primary_metric = "free_energy_rmse"
    item_units = "frames (generated Cα configurations, one every τ, all trajectories)"
    cost = CostModel("OpenMM (the Gō model)", "frames", ratio_metric="generation_speedup",
                     engine_models=("go-model", "go-model-test"))
    leaderboard_columns = ("free_energy_rmse", "free_energy_rmse_2d", "t1", "t1_rel_error", "transition_rate",
                           "rg_mean", "folded_rmsd", "clash_fraction", "novelty_ratio", "generation_speedup",
                           "end_to_end_speedup")

    def contract(self, config: DatasetConfig) -> PredictionContract:
        return PredictionContract((
            VariableContract("x", ("trajectory", "time", "atom", "xyz"), "nm",
                             {"time": frames_at_lag(config), "atom": N_ATOMS, "xyz": 3},
                             "Cα coordinates, one frame every τ"),
        ), unlabelled="trajectories the model generates (independent samples, any order): no rows to match")

    def count_items(self, predictions: xr.Dataset) -> int:
        return int(predictions.sizes["trajectory"] * predictions.sizes["time"])

    def __init__(self):
        self._references: dict[tuple, dict] = {}
        self._tables: dict[int, tuple[xr.Dataset, np.ndarray]] = {}

    def reference(self, data: TaskData) -> dict:
        """Reference quantities of the loaded ``data``, computed once per content (the splits' hashes)."""
        splits = ("train", "test", "reference")
        key = ((data.config.name, *(data.hashes[s] for s in splits)) if all(s in data.hashes for s in splits)
               else tuple(id(data.split(s)) for s in splits))
        if key not in self._references:
            self._references[key] = self._compute_reference(data)
        return self._references[key]

    def _compute_reference(self, data: TaskData) -> dict:
        from deeptime.decomposition import TICA

        config, ref, train, test = data.config, data.split("reference"), data.train, data.test
        x = ref["x"].values  # TICA is fitted on every saved frame of the reference split
        tica = TICA(lagtime=lag_frames(config), dim=N_TICS).fit_fetch(
            [pairwise_distances(t.astype(np.float64)) for t in x])
        model = go_model_of(config)
        # novelty pool: every saved training frame (what a model may have memorised)
        train_d = pairwise_distances(train["x"].values.reshape(-1, N_ATOMS, 3).astype(np.float64))
        proj = Projection(tica, model, train_d, math.nan)
        test_table = frame_table(at_lag(test, config), proj)
        proj.test_novelty = float(np.nanmedian(test_table[..., NOVEL]))
        table = frame_table(at_lag(ref, config), proj)
        # the targets pool every reference trajectory at lag τ
        tics = table[..., :2].reshape(-1, 2)
        lo, hi = np.percentile(tics, [0.05, 99.95], axis=0)
        e1 = np.linspace(lo[0], hi[0], FE_BINS_1D + 1)
        e2 = (np.linspace(lo[0], hi[0], FE_BINS_2D + 1), np.linspace(lo[1], hi[1], FE_BINS_2D + 1))
        p1 = histogram(tics[:, 0], e1)
        p2 = np.bincount(cell_index(tics[:, 0], tics[:, 1], *e2), minlength=FE_BINS_2D**2) / len(tics)
        frame_time = lag_time(config)
        from deeptime.clustering import KMeans

        centers = KMeans(N_STATES, fixed_seed=1, max_iter=500).fit_fetch(
            table[..., :N_TICS].reshape(-1, N_TICS).astype(np.float64)).cluster_centers
        states = MSMTimescales(centers, 1, frame_time, None)
        lags = [lag for lag in MSM_LAGS if lag < table.shape[1] // 10]
        its = implied_timescales_vs_lag(list(states.states(table)), lags, N_TIMESCALES) * frame_time
        msm_lag = converged_lag(lags, its)
        # the timescale targets are the mean of the very estimator every submission is scored with,
        # on pieces of the same size: a 2 000-frame MSM overestimates t₁ (0.33 against 0.29 ns pooled
        # on `small`), and that bias must cancel instead of counting as a model's error
        per_piece = MSMTimescales(centers, msm_lag, frame_time, None)
        ts = np.nanmean([per_piece.compute(t[None]) for t in table], axis=0)
        rate = float(FoldingTransitions(frame_time, None).compute(table)[0])
        return {
            "projection": proj, "table": table, "edges_1d": e1, "p_1d": p1, "edges_2d": e2, "p_2d": p2,
            "centers": centers, "msm_lags": lags, "implied_timescales": its, "msm_lag": msm_lag,
            "timescales": ts, "timescales_pooled": its[lags.index(msm_lag)], "transition_rate": rate,
            "bonds": table[..., BONDS].ravel(), "angles": table[..., ANGLES].ravel(),
        }

    def metrics(self, data: TaskData) -> list[TrajectoryMetric]:
        ref, frame_time = self.reference(data), lag_time(data.config)
        return [
            FreeEnergy1D(ref["edges_1d"], ref["p_1d"]),
            FreeEnergy2D(*ref["edges_2d"], ref["p_2d"]),
            MSMTimescales(ref["centers"], ref["msm_lag"], frame_time, ref["timescales"]),
            FoldingTransitions(frame_time, ref["transition_rate"]),
            StructureStatistics(),
            GeometryValidity(ref["bonds"], ref["angles"]),
            Novelty(ref["projection"].test_novelty),
        ]

    def table(self, predictions: xr.Dataset, data: TaskData) -> np.ndarray:
        """The per-frame table of a submission; the last few are cached (score, details and figures share them)."""
        hit = self._tables.get(id(predictions))
        if hit is None or hit[0] is not predictions:
            hit = (predictions, frame_table(predictions["x"].values, self.reference(data)["projection"]))
            self._tables[id(predictions)] = hit
            while len(self._tables) > 8:
                self._tables.pop(next(iter(self._tables)))
        return hit[1]

    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        pieces = list(self.table(predictions, data))  # one training-length trajectory each
        scores: dict[str, Estimate] = {}
        for metric in self.metrics(data):
            scores.update(over_pieces(metric.compute, pieces, metric.info, PIECES))
        scores[SPEEDUP.name] = generation_speedup(items_per_second, engine_items_per_second)
        scores[END_TO_END.name] = end_to_end_speedup(self.count_items(predictions), items_per_second,
                                                     predictions.attrs.get("training_seconds"),
                                                     engine_items_per_second)
        return scores

    def engine_items_per_second(self, data: TaskData) -> float:
        """OpenMM Gō-model frames (one per τ) per second, on this machine, now."""
        config = data.config
        model, n = go_model_of(config), 100
        kwargs = dict(temperature=config["temperature"], friction=config["friction"], timestep=config["timestep"],
                      save_every=config["lag"], seed=1, platform=self.spec.platforms[0])
        physics.simulate(model, 1, **kwargs)  # context creation and kernel compilation outside the timing
        start = time.perf_counter()
        physics.simulate(model, n, **kwargs)
        return n / (time.perf_counter() - start)

    def targets(self, data: TaskData) -> dict:
        config, ref = data.config, self.reference(data)
        t1 = float(ref["timescales_pooled"][0])  # the best estimate of the model's t₁: every reference frame
        return {
            "timescales": ref["timescales"].tolist(),
            "timescales_pooled": ref["timescales_pooled"].tolist(),
            "msm_lag_frames": ref["msm_lag"],
            "msm_lags_tried": list(ref["msm_lags"]),
            "implied_timescales_vs_lag": ref["implied_timescales"].tolist(),
            "transition_rate": ref["transition_rate"],
            "transition_definition": f"Q ≥ 0.8 folded, Q ≤ 0.4 unfolded, one frame every {lag_time(config) * 1e3:g} ps",
            "lag_time": lag_time(config),
            "test_novelty": ref["projection"].test_novelty,
            "ns_real_per_ns_model": PAPER_T1_US * 1e3 / t1,
            "units": {"timescales": "ns (model time)", "timescales_pooled": "ns (model time)",
                      "implied_timescales_vs_lag": "ns (model time)",
                      "msm_lag_frames": "frames at τ", "transition_rate": "1/µs (model time)", "lag_time": "ns",
                      "test_novelty": "nm"},
            "note": ("targets come from the reference split (independent Gō-model trajectories); timescales from a "
                     f"reversible MSM on {N_STATES} k-means states of reference TIC 1–3 at the shortest lag from which "
                     "t₁ changes by < 10 %; `timescales` (the targets) is the mean of that MSM estimated on each "
                     "training-length reference trajectory alone, the estimator every submission is scored with; "
                     "`timescales_pooled` one MSM on all of them; ns_real_per_ns_model maps the pooled t₁ onto the "
                     "DESRES Trp-cage t₁ = 3.00 µs (paper §3.2)"),
        }

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict:
        table = self.table(predictions, data)
        counts = np.bincount(fold_states(table[..., Q]).ravel() + 1, minlength=3)
        return {"n_trajectories": int(predictions.sizes["trajectory"]),
                "frames_unassigned_folded_unfolded": counts.tolist()}


TASK = TrpCageSimulator()
