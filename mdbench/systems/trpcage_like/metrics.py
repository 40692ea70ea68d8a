"""Metrics of the ``trpcage-like/simulator`` task, all on the per-frame table of
:func:`mdbench.systems.trpcage_like.features.frame_table` (input ``[n, T, columns]``).

Error bars: block standard errors (:func:`mdbench.metrics.base.block_estimate`) over the leading
axis; :func:`as_blocks` makes that axis groups of trajectories, or contiguous time blocks when a
submission has fewer than 5 trajectories.
"""

from __future__ import annotations

import math

import numpy as np

from mdbench.core.estimate import MetricInfo
from mdbench.metrics import structure
from mdbench.metrics.base import N_BLOCKS, TrajectoryMetric
from mdbench.metrics.distribution import FreeEnergyRMSE
from mdbench.metrics.kinetics import discretise
from mdbench.systems.trpcage_like.features import ANGLES, BONDS, MINPAIR, NOVEL, RG, RMSD, Q

N_TIMESCALES = 3
Q_FOLDED, Q_UNFOLDED = 0.8, 0.4  # dual cutoff on Q for folding/unfolding transitions
CLASH_DISTANCE = 0.30  # nm; Cα–Cα closer than this for |i − j| ≥ 3 is a clash (σ_rep = 0.4 nm)


def as_blocks(table: np.ndarray, n_blocks: int = N_BLOCKS) -> np.ndarray:
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
    return discretise(a, e1) * (len(e2) - 1) + discretise(b, e2)


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


class AutocorrelationTimescales(TrajectoryMetric):
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


class FoldingTransitions(TrajectoryMetric):
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
        s = fold_states(table[..., Q])
        changes = np.count_nonzero((s[..., 1:] != s[..., :-1]) & (s[..., :-1] >= 0))
        rate = changes / (s.size * self.frame_time * 1e-3)
        if self.reference_rate is None:
            return np.array([rate])
        return np.array([rate, abs(rate / self.reference_rate - 1.0)])


class StructureStatistics(TrajectoryMetric):
    """Rg mean and std (nm), folded fraction, Cα-RMSD of the folded ensemble (nm), clash fraction."""

    info = [
        MetricInfo("rg_mean", "nm", "mean radius of gyration"),
        MetricInfo("rg_std", "nm", "standard deviation of the radius of gyration"),
        MetricInfo("folded_fraction", "1", "fraction of frames with Q ≥ 0.8"),
        MetricInfo("folded_rmsd", "nm", "mean Cα-RMSD to the native structure of frames with Q ≥ 0.8"),
        MetricInfo("clash_fraction", "1", "fraction of frames with a |i−j| ≥ 3 Cα–Cα distance < 0.3 nm"),
    ]

    def compute(self, table: np.ndarray) -> np.ndarray:
        folded = table[..., Q] >= Q_FOLDED
        rmsd = table[..., RMSD][folded].mean() if folded.any() else math.nan
        return np.array([table[..., RG].mean(), table[..., RG].std(), folded.mean(), rmsd,
                         np.mean(table[..., MINPAIR] < CLASH_DISTANCE)])


class GeometryValidity(TrajectoryMetric):
    """1-Wasserstein distances of the pooled Cα–Cα bond (nm) and bond-angle (°) distributions to the Gō model's."""

    info = [
        MetricInfo("bond_w1", "nm", "W₁ distance of the Cα–Cα bond-length distribution to the Gō model's"),
        MetricInfo("angle_w1", "degree", "W₁ distance of the Cα bond-angle distribution to the Gō model's"),
    ]

    def __init__(self, reference_bonds: np.ndarray, reference_angles: np.ndarray):
        self.bonds, self.angles = reference_bonds, reference_angles

    def compute(self, table: np.ndarray) -> np.ndarray:
        return np.array([structure.w1(table[..., BONDS], self.bonds), structure.w1(table[..., ANGLES], self.angles)])


class Novelty(TrajectoryMetric):
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
        nov = table[..., NOVEL]
        value = float(np.nanmedian(nov)) if np.isfinite(nov).any() else math.nan
        if self.test_novelty is None:
            return np.array([value])
        return np.array([value, value / self.test_novelty])
