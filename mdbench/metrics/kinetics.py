"""Kinetic metrics: implied timescales, transition densities and transition rates.

All of them discretise the trajectory on fixed bin edges chosen by the task (never by the
model), so every submission is measured on the same states.
"""

from __future__ import annotations

import numpy as np

from mdbench.core.estimate import MetricInfo
from mdbench.metrics.base import TrajectoryMetric


def discretise(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index of every frame; values outside the edges go to the edge bins."""
    return np.clip(np.searchsorted(edges, np.ravel(x), side="right") - 1, 0, len(edges) - 2)


def msm_timescales(dtraj: np.ndarray | list[np.ndarray], k: int, lag: int = 1) -> np.ndarray:
    """Implied timescales (in frames) of a reversible maximum-likelihood MSM (deeptime).

    ``dtraj``: one discrete trajectory or a list of independent ones.  Estimated on the largest
    connected set.  A trajectory that never leaves its state never
    decorrelates: its timescales are infinite.  Timescales the connected set is too small to
    have are NaN.
    """
    from deeptime.markov import TransitionCountEstimator  # deeptime: to score, not to list the tasks
    from deeptime.markov.msm import MaximumLikelihoodMSM

    counts = TransitionCountEstimator(lagtime=lag, count_mode="sliding").fit_fetch(dtraj)
    counts = counts.submodel_largest()
    out = np.full(k, np.nan)
    if counts.n_states == 1:
        out[:] = np.inf
        return out
    msm = MaximumLikelihoodMSM(reversible=True).fit_fetch(counts)
    n = min(k, msm.n_states - 1)
    out[:n] = msm.timescales(n)
    return out


def implied_timescales_vs_lag(dtrajs: list[np.ndarray], lags, k: int) -> np.ndarray:
    """``[len(lags), k]`` implied timescales (frames) of MSMs at each lag: the convergence test."""
    return np.array([msm_timescales(dtrajs, k, int(lag)) for lag in lags])


def converged_lag(lags, timescales: np.ndarray, tol: float = 0.1) -> int:
    """The shortest lag from which the slowest implied timescale changes by less than ``tol``
    (relative) at every longer lag tried; the longest lag if it never settles."""
    t1 = np.asarray(timescales)[:, 0]
    for i in range(len(lags)):
        rest = t1[i:]
        if np.all(np.isfinite(rest)) and np.all(np.abs(rest / rest[0] - 1.0) < tol):
            return int(lags[i])
    return int(lags[-1])


class ImpliedTimescales(TrajectoryMetric):
    """t₁…t_k from an MSM on fixed bins, and their relative errors vs the exact values.

    Parameters
    ----------
    edges
        Bin edges of the fixed discretisation.
    frame_time
        Time between frames (time units); timescales are reported in these units.
    exact
        Exact timescales to compare with — for a fair target, those of the exact propagator
        coarse-grained onto the same bins (the infinite-data limit of this estimator).
    """

    def __init__(self, edges: np.ndarray, frame_time: float, exact: np.ndarray, units: str = "time"):
        self.edges = np.asarray(edges)
        self.frame_time = frame_time
        self.exact = np.asarray(exact, dtype=float)
        self._info = self.describe(len(self.exact), units)

    @staticmethod
    def describe(k: int, units: str = "time") -> list[MetricInfo]:
        """What an instance with ``k`` exact timescales in ``units`` reports: t₁…t_k, then their relative errors."""
        return [MetricInfo(f"t{i + 1}", units, f"implied timescale t{i + 1}") for i in range(k)] + [
            MetricInfo(f"t{i + 1}_rel_error", "1", f"|t{i + 1}/t{i + 1}(exact) − 1|") for i in range(k)
        ]

    @property
    def info(self) -> list[MetricInfo]:
        return self._info

    def compute(self, traj: np.ndarray) -> np.ndarray:
        ts = msm_timescales(discretise(traj, self.edges), len(self.exact)) * self.frame_time
        with np.errstate(invalid="ignore"):
            return np.concatenate([ts, np.abs(ts / self.exact - 1.0)])


class TransitionDensityError(TrajectoryMetric):
    """Stationary-weighted total-variation distance between p_τ(y|x) of the trajectory and the exact one.

    error = Σ_I π_I · ½ Σ_J |P(J|I) − P_exact(J|I)| ∈ [0, 1], with P estimated from sliding
    one-frame transition counts on fixed bins; a bin the trajectory never leaves from counts as
    completely wrong (distance 1).
    """

    def __init__(self, edges: np.ndarray, exact_transfer: np.ndarray, exact_probability: np.ndarray):
        self.edges = np.asarray(edges)
        self.exact = np.asarray(exact_transfer)
        self.weights = np.asarray(exact_probability) / np.sum(exact_probability)

    info = [MetricInfo("transition_density_error", "1", "stationary-weighted TV distance of p_τ(y|x)")]

    def estimate_transfer(self, traj: np.ndarray) -> np.ndarray:
        n = len(self.edges) - 1
        d = discretise(traj, self.edges)
        counts = np.bincount(d[:-1] * n + d[1:], minlength=n * n).reshape(n, n).astype(float)
        rows = counts.sum(axis=1, keepdims=True)
        return np.divide(counts, rows, out=np.full_like(counts, np.nan), where=rows > 0)

    def compute(self, traj: np.ndarray) -> float:
        tv = 0.5 * np.abs(self.estimate_transfer(traj) - self.exact).sum(axis=1)
        return float(np.sum(self.weights * np.nan_to_num(tv, nan=1.0)))


class TransitionRate(TrajectoryMetric):
    """Rate of transitions between basins (per time unit) and its relative error vs exact.

    Basins are the intervals between ``basin_edges``; a transition is a change of basin between
    consecutive frames.
    """

    def __init__(self, basin_edges: np.ndarray, frame_time: float, exact_rate: float, units: str = "1/time"):
        self.edges = np.asarray(basin_edges)
        self.frame_time = frame_time
        self.exact_rate = float(exact_rate)
        self._units = units

    @staticmethod
    def describe(units: str = "1/time") -> list[MetricInfo]:
        """What an instance with rates in ``units`` reports: the rate, then its relative error."""
        return [
            MetricInfo("well_transition_rate", units, "well-to-well transitions per time unit"),
            MetricInfo("well_transition_rate_rel_error", "1", "|rate/rate(exact) − 1|"),
        ]

    @property
    def info(self) -> list[MetricInfo]:
        return self.describe(self._units)

    def transition_counts(self, traj: np.ndarray) -> np.ndarray:
        """Matrix of basin-to-basin transition counts between consecutive frames."""
        n = len(self.edges) - 1
        d = discretise(traj, self.edges)
        return np.bincount(d[:-1] * n + d[1:], minlength=n * n).reshape(n, n)

    def compute(self, traj: np.ndarray) -> np.ndarray:
        d = discretise(traj, self.edges)
        rate = np.count_nonzero(d[1:] != d[:-1]) / ((len(d) - 1) * self.frame_time)
        return np.array([rate, abs(rate / self.exact_rate - 1.0)])
