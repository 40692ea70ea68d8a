"""Metric building blocks: estimates with block-averaged standard errors.

Every trajectory metric is computed once on the whole trajectory (the value) and once on each of
``n_blocks`` contiguous blocks; the standard error is ``std(block values, ddof=1)/sqrt(n_blocks)``.
Ten blocks (Sidky et al. 2020 used five): the standard error of a standard error from k blocks is
≈ 1/√(2(k−1)), 35 % with five blocks and 24 % with ten, and fewer than ten independent pieces is
flagged as weak (:data:`mdbench.core.estimate.MIN_INDEPENDENT`).  Blocks must be much longer than
the slowest relaxation time for their values to be independent.  The same code scores models and
references.
"""

from __future__ import annotations

import abc
import math
import warnings

import numpy as np

from mdbench.core.estimate import Estimate, MetricInfo

N_BLOCKS = 10


def block_estimate(fn, traj: np.ndarray, n_blocks: int = N_BLOCKS) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(traj)`` and its block standard error (``fn`` returns a scalar or a 1D array)."""
    value = np.atleast_1d(np.asarray(fn(traj), dtype=float))
    blocks = np.array([np.atleast_1d(fn(b)) for b in np.array_split(traj, n_blocks)], dtype=float)
    with np.errstate(invalid="ignore"):
        stderr = blocks.std(axis=0, ddof=1) / math.sqrt(n_blocks)
    stderr[stderr < 1e-12 * np.abs(value)] = 0.0  # round-off of identical blocks, not an error bar
    return value, stderr


class TrajectoryMetric(abc.ABC):
    """A metric of one trajectory, reported as one or more named :class:`Estimate` values.

    ``info`` is a class attribute where the reported numbers are fixed; a metric whose names or units
    follow its parameters says what it reports through a static ``describe(...)``, so that a task can
    declare its metrics (:attr:`mdbench.core.task.Task.declared_metrics`) without building one.
    """

    n_blocks = N_BLOCKS

    @property
    @abc.abstractmethod
    def info(self) -> list[MetricInfo]:
        """One entry per reported number, in the order :meth:`compute` returns them."""

    @abc.abstractmethod
    def compute(self, traj: np.ndarray) -> float | np.ndarray:
        """The metric on one trajectory (or block); no error estimate."""

    def __call__(self, traj: np.ndarray) -> dict[str, Estimate]:
        values, errors = block_estimate(self.compute, traj, self.n_blocks)
        out = {}
        for info, v, e in zip(self.info, values, errors):
            finite = math.isfinite(v) and math.isfinite(e)
            out[info.name] = (Estimate(float(v), float(e), self.n_blocks, f"{self.n_blocks} contiguous blocks")
                              if finite else Estimate(float(v)))
        return out


def clustered_mean(x: np.ndarray, groups: np.ndarray, pieces: str = "groups") -> Estimate:
    """Mean of per-item values with its cluster-robust (CR1) standard error, n = the number of groups.

    Items in one group (configurations of one MD trajectory, columns perturbed around one site,
    overlapping forecast windows) are not independent: the error is that of the group sums, so a
    set of many correlated items counts as few independent pieces.  ``pieces`` names the groups in
    the estimator's description.
    """
    x = np.asarray(x, dtype=float)
    labels = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
    m, c = float(x.mean()), int(labels.max()) + 1
    if c < 2:
        return Estimate(m, None, c)
    resid = np.bincount(labels, weights=x - m, minlength=c)
    return Estimate(m, float(math.sqrt(c / (c - 1) * np.sum(resid**2)) / len(x)), c,
                    f"cluster-robust over {c} {pieces}")


def over_pieces(compute, pieces, info: list[MetricInfo], what: str = "independent pieces") -> dict[str, Estimate]:
    """Mean of ``compute(piece)`` over independent pieces (e.g. trajectories of equal length), with the
    standard error of that mean and n = the number of pieces.

    Scoring every submission as pieces of the same size ranks them at equal sample size: a long
    submission cannot look better than a short one merely by averaging away its noise.  With one
    piece the value has no standard error (n = 1 is flagged as weak downstream).
    """
    values = np.array([np.atleast_1d(np.asarray(compute(p), dtype=float)) for p in pieces])
    n = len(values)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a metric undefined on some pieces (NaN)
        mean = np.nanmean(values, axis=0)
        counts = np.sum(np.isfinite(values), axis=0)
        sd = np.nanstd(values, axis=0, ddof=1) if n > 1 else np.full(values.shape[1], np.nan)
    out = {}
    for i, item in enumerate(info):
        k = int(counts[i])
        if k > 1 and math.isfinite(sd[i]) and math.isfinite(mean[i]):
            out[item.name] = Estimate(float(mean[i]), float(sd[i] / math.sqrt(k)), k, f"mean over {k} {what}")
        else:
            out[item.name] = Estimate(float(mean[i]) if k else math.nan, None, k or None)
    return out
