"""Task ``trpcage-like/simulator``: generate synthetic Cα trajectories at lag τ; score their
thermodynamics, kinetics, structures, novelty and cost against a long independent Gō-model simulation.

Every metric is computed on quantities fixed by the reference data, identical for every
submission: a TICA projection (deeptime, lag τ, Cα pair distances) fitted on the ``reference``
split, the native contact list, the native structure.  Nothing uses a model's own latent space.

Error bars: 5-block standard errors (:func:`mdbench.metrics.base.block_estimate`).  A submission
with ≥ 5 trajectories is split into 5 groups of trajectories; one with fewer is cut into 5
contiguous time blocks (and every metric, including its value, is computed on those pieces).

References (scored by exactly the same code as any model):

* ``training-data`` — static reference: the training trajectory at lag τ resubmitted (perfect
  structures, zero novelty, the statistical error of one training-length trajectory).
* ``go-model`` — physics reference: the long independent ``reference`` split at lag τ
  (≥ 10 trajectories of training length); the targets are computed from it, so its errors are ≈ 0
  and its error bars show the precision of the targets.
* ``go-model-test`` — data reference: the held-out test trajectory at lag τ (fresh MD of the
  training length: what an ideal surrogate of the same size would score).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from mdbench.data.params import DatasetConfig
from mdbench.datasets.trpcage import N_ATOMS, pairwise_distances
from mdbench.metrics import structure
from mdbench.metrics.base import Estimate, MetricInfo, TrajectoryMetric
from mdbench.metrics.cost import generation_speedup, speedup_info
from mdbench.metrics.distribution import FreeEnergyRMSE, histogram
from mdbench.physics import go_model as physics
from mdbench.tasks.base import (
    ModelEntry,
    PredictionContract,
    Task,
    TaskData,
    VariableContract,
    register_model,
    register_task,
)

N_TICS = 3
N_TIMESCALES = 3
FE_BINS_1D = 40
FE_BINS_2D = 25
Q_FOLDED, Q_UNFOLDED = 0.8, 0.4  # dual cutoff on Q for folding/unfolding transitions
CLASH_DISTANCE = 0.30  # nm; Cα–Cα closer than this for |i − j| ≥ 3 is a clash (σ_rep = 0.4 nm)
NOVELTY_FRAMES = 2000  # frames per trajectory set whose nearest training frame is searched
#: the DESRES Trp-cage t₁ (Sidky et al. 2020 §3.2) that calibrates model time → real time
PAPER_T1_US = 3.00
SPEEDUP = speedup_info("OpenMM")  # frames at τ

# columns of the per-frame table the metrics read (see Frames)
_TIC = slice(0, N_TICS)
_Q, _RG, _RMSD, _MINPAIR, _NOVEL = N_TICS, N_TICS + 1, N_TICS + 2, N_TICS + 3, N_TICS + 4
_BONDS = slice(N_TICS + 5, N_TICS + 5 + N_ATOMS - 1)
_ANGLES = slice(_BONDS.stop, _BONDS.stop + N_ATOMS - 2)


def lag_frames(config: DatasetConfig) -> int:
    """τ in saved frames."""
    return config["lag"] // config["save_every"]


def lag_time(config: DatasetConfig) -> float:
    """τ in ns of model time."""
    return config["lag"] * config["timestep"] * 1e-3


def n_submission_frames(config: DatasetConfig) -> int:
    """Frames per synthetic trajectory: as long as the training trajectory, one frame every τ."""
    return config["train_steps"] // config["lag"]


def at_lag(ds: xr.Dataset, config: DatasetConfig) -> np.ndarray:
    """Cα coordinates of a stored split at lag τ, ``[replica, time, atom, xyz]`` (nm, float32)."""
    return ds["x"].values[:, lag_frames(config) - 1 :: lag_frames(config)]


def as_blocks(table: np.ndarray, n_blocks: int = 5) -> np.ndarray:
    """``[n_traj, T, ...]`` → array whose leading axis ``block_estimate`` may split into ``n_blocks`` blocks.

    With ≥ ``n_blocks`` trajectories nothing changes (blocks are groups of trajectories); with
    fewer, every trajectory is cut into ``n_blocks`` contiguous pieces, ordered block-major.
    """
    n_traj, n_time = table.shape[:2]
    if n_traj >= n_blocks:
        return table
    piece = n_time // n_blocks
    cut = table[:, : piece * n_blocks].reshape(n_traj, n_blocks, piece, *table.shape[2:])
    return cut.swapaxes(0, 1).reshape(n_blocks * n_traj, piece, *table.shape[2:])


# --- per-frame table ---------------------------------------------------------------------------
@dataclass
class Projection:
    """Everything the metrics need that is fixed by the reference data."""

    tica: object  # deeptime TICA model on Cα pair distances
    model: physics.GoModel
    training_distances: np.ndarray  # pair distances of every saved training frame (novelty pool)
    test_novelty: float  # median nearest-training distance of the test frames (nm)


def frame_table(x: np.ndarray, proj: Projection) -> np.ndarray:
    """Per-frame quantities of trajectories ``x`` ``[n_traj, T, 20, 3]`` (nm) → ``[n_traj, T, columns]``.

    Columns: TIC 1–3, Q, Rg (nm), RMSD to native (nm), smallest |i−j| ≥ 3 Cα–Cα distance (nm),
    nearest-training-frame distance (nm; NaN except on an evenly spaced subset of frames), 19
    bond lengths (nm), 18 bond angles (degrees).
    """
    n_traj, n_time = x.shape[:2]
    flat = np.asarray(x, dtype=np.float64).reshape(-1, N_ATOMS, 3)
    d = pairwise_distances(flat)
    far = np.array([j - i >= 3 for i, j in zip(*np.triu_indices(N_ATOMS, 1))])
    novel = np.full(len(flat), np.nan)
    pick = np.unique(np.linspace(0, len(flat) - 1, min(NOVELTY_FRAMES, len(flat))).astype(int))
    novel[pick] = structure.nearest_distances(d[pick], proj.training_distances)
    cols = [
        proj.tica.transform(d.astype(np.float64))[:, :N_TICS],
        proj.model.q(flat)[:, None],
        structure.radius_of_gyration(flat)[:, None],
        structure.rmsd_to(flat, proj.model.native)[:, None],
        d[:, far].min(axis=1)[:, None],
        novel[:, None],
        physics.bond_lengths(flat),
        np.degrees(physics.bond_angles(flat)),
    ]
    return np.concatenate(cols, axis=1).reshape(n_traj, n_time, -1)


# --- metrics -----------------------------------------------------------------------------------
class _Column(TrajectoryMetric):
    """A metric of the per-frame table (input ``[n, T, columns]``)."""


class FreeEnergy1D(FreeEnergyRMSE):
    """Free-energy RMSE (kT) along TIC 1 of the reference TICA."""

    info = [MetricInfo("free_energy_rmse", "kT", "free-energy profile RMSE along reference TIC 1 vs the Gō model")]

    def compute(self, table: np.ndarray) -> float:
        return super().compute(table[..., 0])


class FreeEnergy2D(FreeEnergyRMSE):
    """Free-energy RMSE (kT) on the TIC 1 × TIC 2 plane (bins flattened)."""

    info = [MetricInfo("free_energy_rmse_2d", "kT", "free-energy surface RMSE on reference TIC 1 × TIC 2")]

    def __init__(self, edges_1: np.ndarray, edges_2: np.ndarray, reference_probability: np.ndarray):
        self.e1, self.e2 = edges_1, edges_2
        n = (len(edges_1) - 1) * (len(edges_2) - 1)
        super().__init__(np.arange(n + 1) - 0.5, reference_probability)

    def cells(self, table: np.ndarray) -> np.ndarray:
        return cell_index(table[..., 0], table[..., 1], self.e1, self.e2)

    def compute(self, table: np.ndarray) -> float:
        return super().compute(self.cells(table))


def cell_index(a: np.ndarray, b: np.ndarray, e1: np.ndarray, e2: np.ndarray) -> np.ndarray:
    """Flattened 2D bin index; values outside the edges go to the edge bins."""
    i = np.clip(np.searchsorted(e1, np.ravel(a), side="right") - 1, 0, len(e1) - 2)
    j = np.clip(np.searchsorted(e2, np.ravel(b), side="right") - 1, 0, len(e2) - 2)
    return i * (len(e2) - 1) + j


def autocorrelation(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalised autocorrelation C(k), k = 0…max_lag, of trajectories ``[n, T]`` (pooled mean and variance)."""
    x = series - series.mean()
    var = np.mean(x**2)
    n, t = x.shape
    max_lag = min(max_lag, t - 1)
    if var <= 0:
        return np.ones(max_lag + 1)
    f = np.fft.rfft(x, n=2 * t, axis=1)
    acov = np.fft.irfft(f * np.conj(f), axis=1)[:, : max_lag + 1].sum(axis=0)
    return acov / (n * (t - np.arange(max_lag + 1))) / var


def exponential_timescale(c: np.ndarray, frame_time: float, floor: float = math.exp(-2)) -> float:
    """t from a least-squares fit of ln C(k) = −k·Δt/t over the lags before C first drops below ``floor``.

    ∞ when C never decays (a frozen trajectory); 0 when C(1) ≤ 0 (decorrelated within one frame).
    """
    if np.all(c[1:] >= 1.0 - 1e-9):
        return math.inf
    below = np.flatnonzero(c[1:] < floor)
    stop = below[0] + 1 if below.size else len(c) - 1
    k = np.arange(1, max(stop, 1) + 1)
    y = c[k]
    good = y > 0
    if not good.any():
        return 0.0
    k, y = k[good], y[good]
    slope = -np.sum(k * np.log(y)) / np.sum(k.astype(float) ** 2)
    return math.inf if slope <= 0 else frame_time / slope


class AutocorrelationTimescales(_Column):
    """t₁…t₃ (ns, model time) from exponential fits to the autocorrelations of TIC 1–3, and rel. errors."""

    def __init__(self, frame_time: float, reference: np.ndarray | None, max_lag: int = 500):
        self.frame_time, self.max_lag = frame_time, max_lag
        self.reference = None if reference is None else np.asarray(reference, dtype=float)
        self._info = [MetricInfo(f"t{i + 1}", "ns", f"relaxation time of reference TIC {i + 1} (exponential fit)")
                      for i in range(N_TIMESCALES)]
        if self.reference is not None:
            self._info += [MetricInfo(f"t{i + 1}_rel_error", "1", f"|t{i + 1}/t{i + 1}(Gō model) − 1|")
                           for i in range(N_TIMESCALES)]

    @property
    def info(self) -> list[MetricInfo]:
        return self._info

    def timescales(self, table: np.ndarray) -> np.ndarray:
        return np.array([exponential_timescale(autocorrelation(table[..., i], self.max_lag), self.frame_time)
                         for i in range(N_TIMESCALES)])

    def compute(self, table: np.ndarray) -> np.ndarray:
        ts = self.timescales(table)
        if self.reference is None:
            return ts
        with np.errstate(invalid="ignore"):
            return np.concatenate([ts, np.abs(ts / self.reference - 1.0)])


def fold_states(q: np.ndarray) -> np.ndarray:
    """Core state per frame along the last axis: 1 folded (Q ≥ 0.8), 0 unfolded (Q ≤ 0.4), the last core
    state in between (−1 before the first core visit)."""
    core = np.where(q >= Q_FOLDED, 1, np.where(q <= Q_UNFOLDED, 0, -1))
    idx = np.where(core >= 0, np.arange(q.shape[-1]), 0)
    idx = np.maximum.accumulate(idx, axis=-1)
    filled = np.take_along_axis(core, idx, axis=-1)
    seen = np.maximum.accumulate(core >= 0, axis=-1)
    return np.where(seen, filled, -1)


class FoldingTransitions(_Column):
    """Folding + unfolding transitions per µs of model time (Q dual cutoff), and the rel. error."""

    def __init__(self, frame_time: float, reference_rate: float | None):
        self.frame_time, self.reference_rate = frame_time, reference_rate

    @property
    def info(self) -> list[MetricInfo]:
        out = [MetricInfo("transition_rate", "1/µs", "folding + unfolding transitions per µs (model time)")]
        if self.reference_rate is not None:
            out.append(MetricInfo("transition_rate_rel_error", "1", "|rate/rate(Gō model) − 1|"))
        return out

    def compute(self, table: np.ndarray) -> np.ndarray:
        s = fold_states(table[..., _Q])
        changes = np.count_nonzero((s[..., 1:] != s[..., :-1]) & (s[..., :-1] >= 0))
        rate = changes / (s.size * self.frame_time * 1e-3)
        if self.reference_rate is None:
            return np.array([rate])
        return np.array([rate, abs(rate / self.reference_rate - 1.0)])


class StructureStatistics(_Column):
    """Rg mean and std (nm), folded fraction, Cα-RMSD of the folded ensemble (nm), clash fraction."""

    info = [
        MetricInfo("rg_mean", "nm", "mean radius of gyration"),
        MetricInfo("rg_std", "nm", "standard deviation of the radius of gyration"),
        MetricInfo("folded_fraction", "1", "fraction of frames with Q ≥ 0.8"),
        MetricInfo("folded_rmsd", "nm", "mean Cα-RMSD to the native structure of frames with Q ≥ 0.8"),
        MetricInfo("clash_fraction", "1", "fraction of frames with a |i−j| ≥ 3 Cα–Cα distance < 0.3 nm"),
    ]

    def compute(self, table: np.ndarray) -> np.ndarray:
        folded = table[..., _Q] >= Q_FOLDED
        rmsd = table[..., _RMSD][folded].mean() if folded.any() else math.nan
        return np.array([table[..., _RG].mean(), table[..., _RG].std(), folded.mean(), rmsd,
                         np.mean(table[..., _MINPAIR] < CLASH_DISTANCE)])


class GeometryValidity(_Column):
    """1-Wasserstein distances of the pooled Cα–Cα bond (nm) and bond-angle (°) distributions to the Gō model's."""

    info = [
        MetricInfo("bond_w1", "nm", "W₁ distance of the Cα–Cα bond-length distribution to the Gō model's"),
        MetricInfo("angle_w1", "degree", "W₁ distance of the Cα bond-angle distribution to the Gō model's"),
    ]

    def __init__(self, reference_bonds: np.ndarray, reference_angles: np.ndarray):
        self.bonds, self.angles = reference_bonds, reference_angles

    def compute(self, table: np.ndarray) -> np.ndarray:
        return np.array([structure.w1(table[..., _BONDS], self.bonds), structure.w1(table[..., _ANGLES], self.angles)])


class Novelty(_Column):
    """Median distance (nm, RMS over the 190 Cα pair distances) to the nearest training frame, and its
    ratio to that of the independent test trajectory (1: as new as fresh MD; 0: copies of training frames)."""

    def __init__(self, test_novelty: float | None):
        self.test_novelty = test_novelty

    @property
    def info(self) -> list[MetricInfo]:
        out = [MetricInfo("novelty", "nm", "median distance of generated frames to the nearest training frame", True)]
        if self.test_novelty is not None:
            out.append(MetricInfo("novelty_ratio", "1", "novelty ÷ novelty of the independent test frames", True))
        return out

    def compute(self, table: np.ndarray) -> np.ndarray:
        nov = table[..., _NOVEL]
        value = float(np.nanmedian(nov)) if np.isfinite(nov).any() else math.nan
        if self.test_novelty is None:
            return np.array([value])
        return np.array([value, value / self.test_novelty])


# --- the task ----------------------------------------------------------------------------------
class TrpCageSimulator(Task):
    name = "trpcage-like/simulator"
    dataset = "trpcage-like"
    summary = "synthetic Cα trajectories at lag τ vs a long independent Gō-model simulation"
    primary_metric = "free_energy_rmse"
    leaderboard_columns = ("free_energy_rmse", "free_energy_rmse_2d", "t1", "t1_rel_error", "transition_rate",
                           "rg_mean", "folded_rmsd", "clash_fraction", "novelty_ratio", "generation_speedup")

    def contract(self, config: DatasetConfig) -> PredictionContract:
        return PredictionContract((
            VariableContract("x", ("trajectory", "time", "atom", "xyz"), "nm",
                             {"time": n_submission_frames(config), "atom": N_ATOMS, "xyz": 3},
                             "Cα coordinates, one frame every τ"),
        ))

    def count_items(self, predictions: xr.Dataset) -> int:
        return int(predictions.sizes["trajectory"] * predictions.sizes["time"])

    def __init__(self):
        self._references: dict[tuple, dict] = {}
        self._tables: dict[int, tuple[xr.Dataset, np.ndarray]] = {}

    def reference(self, config: DatasetConfig) -> dict:
        """Reference quantities of ``config``, computed once per store and config from the stored splits."""
        from mdbench.data.store import home, read_manifest

        manifest = read_manifest(self.dataset, config.name)
        key = (str(home()), config.name, manifest["splits"]["reference"]["sha256"])
        if key not in self._references:
            self._references[key] = self._compute_reference(config)
        return self._references[key]

    def _compute_reference(self, config: DatasetConfig) -> dict:
        from deeptime.decomposition import TICA

        from mdbench.data.store import load

        ref = load(self.dataset, config.name, "reference", verify=False)
        train = load(self.dataset, config.name, "train", verify=False)
        test = load(self.dataset, config.name, "test", verify=False)
        x = ref["x"].values  # TICA is fitted on every saved frame of the reference split
        tica = TICA(lagtime=lag_frames(config), dim=N_TICS).fit_fetch(
            [pairwise_distances(t.astype(np.float64)) for t in x])
        model = physics.go_model(float(config["contact_cutoff"]))
        # novelty pool: every saved training frame (what a model may have memorised)
        train_d = pairwise_distances(train["x"].values.reshape(-1, N_ATOMS, 3).astype(np.float64))
        proj = Projection(tica, model, train_d, math.nan)
        test_table = frame_table(at_lag(test, config), proj)
        proj.test_novelty = float(np.nanmedian(test_table[..., _NOVEL]))
        table = frame_table(at_lag(ref, config), proj)
        # the targets use the reference frames at lag τ: exactly what the physics reference submits,
        # so its errors are 0 and its block errors show the precision of the targets
        tics = table[..., :2].reshape(-1, 2)
        lo, hi = np.percentile(tics, [0.05, 99.95], axis=0)
        e1 = np.linspace(lo[0], hi[0], FE_BINS_1D + 1)
        e2 = (np.linspace(lo[0], hi[0], FE_BINS_2D + 1), np.linspace(lo[1], hi[1], FE_BINS_2D + 1))
        p1 = histogram(tics[:, 0], e1)
        p2 = np.bincount(cell_index(tics[:, 0], tics[:, 1], *e2), minlength=FE_BINS_2D**2) / len(tics)
        frame_time = lag_time(config)
        ts = AutocorrelationTimescales(frame_time, None).timescales(table)
        rate = float(FoldingTransitions(frame_time, None).compute(table)[0])
        return {
            "projection": proj, "table": table, "edges_1d": e1, "p_1d": p1, "edges_2d": e2, "p_2d": p2,
            "timescales": ts, "transition_rate": rate,
            "bonds": table[..., _BONDS].ravel(), "angles": table[..., _ANGLES].ravel(),
        }

    def metrics(self, config: DatasetConfig) -> list[TrajectoryMetric]:
        ref, frame_time = self.reference(config), lag_time(config)
        return [
            FreeEnergy1D(ref["edges_1d"], ref["p_1d"]),
            FreeEnergy2D(*ref["edges_2d"], ref["p_2d"]),
            AutocorrelationTimescales(frame_time, ref["timescales"]),
            FoldingTransitions(frame_time, ref["transition_rate"]),
            StructureStatistics(),
            GeometryValidity(ref["bonds"], ref["angles"]),
            Novelty(ref["projection"].test_novelty),
        ]

    def metric_info(self) -> list[MetricInfo]:
        # names and units do not depend on the config or on the reference data
        metrics = [FreeEnergy1D(np.arange(2.0), np.ones(1)), FreeEnergy2D(np.arange(2.0), np.arange(2.0), np.ones(1)),
                   AutocorrelationTimescales(1.0, np.ones(N_TIMESCALES)), FoldingTransitions(1.0, 1.0),
                   StructureStatistics(), GeometryValidity(np.zeros(1), np.zeros(1)), Novelty(1.0)]
        return [i for m in metrics for i in m.info] + [SPEEDUP]

    def table(self, predictions: xr.Dataset, config: DatasetConfig) -> np.ndarray:
        """The per-frame table of a submission; the last few are cached (score, details and figures share them)."""
        hit = self._tables.get(id(predictions))
        if hit is None or hit[0] is not predictions:
            hit = (predictions, frame_table(predictions["x"].values, self.reference(config)["projection"]))
            self._tables[id(predictions)] = hit
            while len(self._tables) > 8:
                self._tables.pop(next(iter(self._tables)))
        return hit[1]

    def score(self, predictions: xr.Dataset, config: DatasetConfig, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        table = as_blocks(self.table(predictions, config))
        scores: dict[str, Estimate] = {}
        for metric in self.metrics(config):
            scores.update(metric(table))
        scores[SPEEDUP.name] = generation_speedup(items_per_second, engine_items_per_second)
        return scores

    def engine_items_per_second(self, config: DatasetConfig) -> float:
        """OpenMM Gō-model frames (one per τ) per second, on this machine, now."""
        model, n = physics.go_model(float(config["contact_cutoff"])), 100
        kwargs = dict(temperature=config["temperature"], friction=config["friction"], timestep=config["timestep"],
                      save_every=config["lag"], seed=1, platform=config["platform"])
        physics.simulate(model, 1, **kwargs)  # context creation and kernel compilation outside the timing
        start = time.perf_counter()
        physics.simulate(model, n, **kwargs)
        return n / (time.perf_counter() - start)

    def targets(self, config: DatasetConfig) -> dict:
        ref = self.reference(config)
        t1 = float(ref["timescales"][0])
        return {
            "timescales": ref["timescales"].tolist(),
            "transition_rate": ref["transition_rate"],
            "lag_time": lag_time(config),
            "test_novelty": ref["projection"].test_novelty,
            "ns_real_per_ns_model": PAPER_T1_US * 1e3 / t1,
            "units": {"timescales": "ns (model time)", "transition_rate": "1/µs (model time)", "lag_time": "ns",
                      "test_novelty": "nm"},
            "note": ("targets come from the reference split (independent Gō-model trajectories); "
                     "ns_real_per_ns_model maps model time onto the DESRES Trp-cage by t₁ = 3.00 µs (paper §3.2)"),
        }

    def details(self, predictions: xr.Dataset, config: DatasetConfig) -> dict:
        table = self.table(predictions, config)
        counts = np.bincount(fold_states(table[..., _Q]).ravel() + 1, minlength=3)
        return {"n_trajectories": int(predictions.sizes["trajectory"]),
                "frames_unassigned_folded_unfolded": counts.tolist()}

    def figures(self, predictions: dict[str, xr.Dataset], results: dict, config: DatasetConfig,
                outdir: Path) -> list[Path]:
        from mdbench.figures.trpcage import plot_all

        return plot_all(self, predictions, results, config, outdir)


TASK = register_task(TrpCageSimulator())


def submission(x: np.ndarray) -> xr.Dataset:
    """A submission from Cα trajectories ``[n_traj, T, 20, 3]`` (nm)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    return xr.Dataset({"x": (("trajectory", "time", "atom", "xyz"), x,
                             {"units": "nm", "long_name": "Cα coordinates, one frame every τ"})})


class TrainingData:
    """Static reference: the training trajectory at lag τ, resubmitted."""

    replays_frames = True

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "TrainingData":
        self.x = at_lag(data.train, data.config)[:, : n_submission_frames(data.config)]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.x)


class GoModelReference:
    """Physics reference: the long independent Gō-model simulation (``reference`` split) at lag τ.

    It is read from the store by the reference itself: the split is never part of a model's
    :class:`TaskData`.
    """

    replays_frames = True

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "GoModelReference":
        from mdbench.data.store import load

        ref = load(TASK.dataset, data.config.name, "reference", verify=False)
        self.x = at_lag(ref, data.config)[:, : n_submission_frames(data.config)]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.x)


class GoModelTest:
    """Data reference: the held-out test trajectory at lag τ."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "GoModelTest":
        if data.test is None:
            raise ValueError("the go-model-test reference needs the test split")
        self.x = at_lag(data.test, data.config)[:, : n_submission_frames(data.config)]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.x)


_CODE = "mdbench/tasks/trpcage.py"
register_model(ModelEntry("training-data", TASK.name, "static reference",
                          "the training trajectory at lag τ resubmitted", TrainingData, _CODE))
register_model(ModelEntry("go-model", TASK.name, "physics reference",
                          "long independent Gō-model simulation (reference split)", GoModelReference, _CODE))
register_model(ModelEntry("go-model-test", TASK.name, "data reference",
                          "held-out Gō-model test trajectory at lag τ", GoModelTest, _CODE))
