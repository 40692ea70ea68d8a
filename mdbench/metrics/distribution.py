"""Metrics of the stationary distribution of a (projected) trajectory against an exact one."""

from __future__ import annotations

import numpy as np

from mdbench.core.estimate import MetricInfo
from mdbench.metrics.base import TrajectoryMetric


def histogram(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin probabilities; values outside the edges are counted in the edge bins, not dropped."""
    idx = np.clip(np.searchsorted(edges, np.ravel(x), side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(idx, minlength=len(edges) - 1).astype(float)
    return counts / max(counts.sum(), 1.0)


class FreeEnergyRMSE(TrajectoryMetric):
    """RMSE (kT) between the trajectory's free-energy profile F = −ln p and the exact one.

    Only bins whose exact probability is at least ``min_probability`` count; F is defined up to
    a constant, so the optimal shift is removed.  Empty bins get half a count, so a model that
    never visits a populated region is penalised by a finite, sample-size-aware amount.
    """

    def __init__(self, edges: np.ndarray, exact_probability: np.ndarray, min_probability: float = 1e-3):
        self.edges = np.asarray(edges)
        self.exact = np.asarray(exact_probability)
        self.mask = self.exact >= min_probability

    info = [MetricInfo("free_energy_rmse", "kT", "free-energy profile RMSE vs exact")]

    def compute(self, traj: np.ndarray) -> float:
        p = histogram(traj, self.edges)
        floor = 0.5 / max(np.size(traj), 1)
        diff = -np.log(np.maximum(p[self.mask], floor)) + np.log(self.exact[self.mask])
        diff -= diff.mean()
        return float(np.sqrt(np.mean(diff**2)))


class StationaryJSD(TrajectoryMetric):
    """Jensen–Shannon divergence (nats) between the binned stationary density and the exact one."""

    def __init__(self, edges: np.ndarray, exact_probability: np.ndarray):
        self.edges = np.asarray(edges)
        self.exact = np.asarray(exact_probability)

    info = [MetricInfo("stationary_jsd", "nats", "Jensen–Shannon divergence of the stationary density")]

    def compute(self, traj: np.ndarray) -> float:
        from scipy.spatial.distance import jensenshannon  # scipy where it computes, not to declare a task

        return float(jensenshannon(histogram(traj, self.edges), self.exact) ** 2)
