"""Metric building blocks: estimates with block-averaged standard errors.

Every trajectory metric is computed once on the whole trajectory (the value) and once on each of
``n_blocks`` contiguous blocks; the standard error is ``std(block values, ddof=1)/sqrt(n_blocks)``
(5 blocks, as in Sidky et al. 2020).  The same code scores models and references.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

N_BLOCKS = 5


def encode_number(x: float | None) -> Any:
    """JSON-safe number: non-finite values become the strings 'inf', '-inf', 'nan'."""
    if x is None:
        return None
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def decode_number(x: Any) -> float | None:
    if x is None:
        return None
    return float(x)  # float('inf') / float('nan') parse the encoded strings


@dataclass(frozen=True)
class Estimate:
    """A metric value with its standard error (``None`` where no error is defined)."""

    value: float
    stderr: float | None = None

    def to_record(self) -> dict:
        return {"value": encode_number(self.value), "stderr": encode_number(self.stderr)}

    @classmethod
    def from_record(cls, rec: dict) -> "Estimate":
        return cls(decode_number(rec["value"]), decode_number(rec.get("stderr")))


@dataclass(frozen=True)
class MetricInfo:
    """What a reported number is: name, units, description and which direction is better."""

    name: str
    units: str
    long_name: str
    higher_is_better: bool = False


def block_estimate(fn, traj: np.ndarray, n_blocks: int = N_BLOCKS) -> tuple[np.ndarray, np.ndarray | None]:
    """``fn(traj)`` and its block standard error (``fn`` returns a scalar or a 1D array)."""
    value = np.atleast_1d(np.asarray(fn(traj), dtype=float))
    blocks = np.array([np.atleast_1d(fn(b)) for b in np.array_split(traj, n_blocks)], dtype=float)
    with np.errstate(invalid="ignore"):
        stderr = blocks.std(axis=0, ddof=1) / math.sqrt(n_blocks)
    stderr[stderr < 1e-12 * np.abs(value)] = 0.0  # round-off of identical blocks, not an error bar
    return value, stderr


class TrajectoryMetric(abc.ABC):
    """A metric of one trajectory, reported as one or more named :class:`Estimate` values."""

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
            out[info.name] = Estimate(float(v), float(e) if finite else None)
        return out
