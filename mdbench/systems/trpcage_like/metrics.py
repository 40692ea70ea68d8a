"""Metrics of the ``trpcage-like/simulator`` task, each a function of one trajectory's per-frame table
(:func:`mdbench.systems.trpcage_like.features.frame_table`, ``[T, columns]``).

The task scores every submission as trajectories of the training length (pieces) and reports the
mean over pieces with its standard error and n (:func:`mdbench.metrics.base.over_pieces`), so every
entry is compared at the sample size a surrogate learned from.
"""

from __future__ import annotations

import math

import numpy as np

from mdbench.core.estimate import MetricInfo
from mdbench.metrics import structure
from mdbench.metrics.base import TrajectoryMetric
from mdbench.metrics.distribution import FreeEnergyRMSE
from mdbench.metrics.kinetics import discretise, msm_timescales
from mdbench.systems.trpcage_like.features import ANGLES, BONDS, MINPAIR, NOVEL, RG, RMSD, TIC, Q

N_TIMESCALES = 3
Q_FOLDED, Q_UNFOLDED = 0.8, 0.4  # dual cutoff on Q for folding/unfolding transitions
CLASH_DISTANCE = 0.30  # nm; Cα–Cα closer than this for |i − j| ≥ 3 is a clash (σ_rep = 0.4 nm)


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


class MSMTimescales(TrajectoryMetric):
    """t₁…t₃ (ns, model time): implied timescales of a reversible MSM on the reference's fixed states
    (k-means centres in reference TIC 1–3), at the lag where the reference's timescales have converged;
    and their relative errors.  More precise than exponential fits to autocorrelations (≈ 4 % against
    ≈ 24 % on one training-length trajectory), and as a function of lag the convergence test itself.
    """

    def __init__(self, centers: np.ndarray, lag: int, frame_time: float, reference: np.ndarray | None):
        self.centers, self.lag, self.frame_time = np.asarray(centers), int(lag), frame_time
        self.reference = None if reference is None else np.asarray(reference, dtype=float)

    @staticmethod
    def describe(with_reference: bool = True) -> list[MetricInfo]:
        """t₁…t₃ and, against reference timescales, their relative errors."""
        out = [MetricInfo(f"t{i + 1}", "ns", f"implied timescale {i + 1} of an MSM on the reference states")
               for i in range(N_TIMESCALES)]
        if with_reference:
            out += [MetricInfo(f"t{i + 1}_rel_error", "1", f"|t{i + 1}/t{i + 1}(Gō model) − 1|")
                    for i in range(N_TIMESCALES)]
        return out

    @property
    def info(self) -> list[MetricInfo]:
        return self.describe(self.reference is not None)

    def states(self, table: np.ndarray) -> np.ndarray:
        """Nearest reference state of every frame of ``[..., T, columns]``, as ``[..., T]`` (deeptime)."""
        from deeptime.clustering import ClusterModel

        tics = np.asarray(table[..., TIC], dtype=np.float64)
        model = ClusterModel(cluster_centers=self.centers.astype(np.float64))
        return model.transform(tics.reshape(-1, tics.shape[-1])).reshape(tics.shape[:-1])

    def timescales(self, table: np.ndarray, lag: int | None = None) -> np.ndarray:
        dtrajs = list(self.states(table).reshape(-1, table.shape[-2]))
        return msm_timescales(dtrajs, N_TIMESCALES, lag or self.lag) * self.frame_time

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
    """Folding + unfolding transitions per µs of model time (Q dual cutoff), and the rel. error.

    A count depends on the frame spacing and the thresholds: both are in the metric's description,
    and every frame table here is one frame per lag τ.
    """

    def __init__(self, frame_time: float, reference_rate: float | None):
        self.frame_time, self.reference_rate = frame_time, reference_rate

    @staticmethod
    def describe(with_reference: bool = True) -> list[MetricInfo]:
        """The rate and, against a reference rate, its relative error."""
        out = [MetricInfo("transition_rate", "1/µs",
                          f"folding + unfolding transitions per µs (model time): Q ≥ {Q_FOLDED} folded, "
                          f"Q ≤ {Q_UNFOLDED} unfolded, one frame every lag τ")]
        if with_reference:
            out.append(MetricInfo("transition_rate_rel_error", "1", "|rate/rate(Gō model) − 1|"))
        return out

    @property
    def info(self) -> list[MetricInfo]:
        return self.describe(self.reference_rate is not None)

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

    @staticmethod
    def describe(with_reference: bool = True) -> list[MetricInfo]:
        """The novelty and, against the test trajectory's, its ratio."""
        out = [MetricInfo("novelty", "nm", "median distance of generated frames to the nearest training frame", True)]
        if with_reference:
            out.append(MetricInfo("novelty_ratio", "1", "novelty ÷ novelty of the independent test frames", True))
        return out

    @property
    def info(self) -> list[MetricInfo]:
        return self.describe(self.test_novelty is not None)

    def compute(self, table: np.ndarray) -> np.ndarray:
        nov = table[..., NOVEL]
        value = float(np.nanmedian(nov)) if np.isfinite(nov).any() else math.nan
        if self.test_novelty is None:
            return np.array([value])
        return np.array([value, value / self.test_novelty])
