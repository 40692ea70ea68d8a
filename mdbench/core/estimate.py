"""What a reported number is: an :class:`Estimate` (value ± standard error) and its :class:`MetricInfo`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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


#: fewer independent pieces than this behind a standard error, and the number is flagged as weak
MIN_INDEPENDENT = 10


@dataclass(frozen=True)
class Estimate:
    """A metric value with its standard error.

    Parameters
    ----------
    value
        The estimate.
    stderr
        Its standard error (``None`` where no error is defined).
    n
        How many independent pieces the standard error rests on (blocks, trajectories, windows,
        configurations); ``None`` where there is no standard error.
    estimator
        How the standard error was computed, e.g. ``"5 blocks"``, ``"bootstrap over trajectories"``.
    """

    value: float
    stderr: float | None = None
    n: int | None = None
    estimator: str | None = None

    @property
    def weak(self) -> bool:
        """The standard error rests on fewer than :data:`MIN_INDEPENDENT` independent pieces."""
        return self.stderr is not None and self.n is not None and self.n < MIN_INDEPENDENT

    def to_record(self) -> dict:
        rec = {"value": encode_number(self.value), "stderr": encode_number(self.stderr)}
        if self.n is not None:
            rec["n"] = int(self.n)
        if self.estimator is not None:
            rec["estimator"] = self.estimator
        return rec

    @classmethod
    def from_record(cls, rec: dict) -> "Estimate":
        return cls(decode_number(rec["value"]), decode_number(rec.get("stderr")), rec.get("n"), rec.get("estimator"))


@dataclass(frozen=True)
class MetricInfo:
    """What a reported number is: name, units, description and which direction is better.

    ``timing``: a speed measured on the machine of the run (reported, never compared when a
    leaderboard entry is re-scored from its predictions).
    """

    name: str
    units: str
    long_name: str
    higher_is_better: bool = False
    timing: bool = False

    def __post_init__(self):
        if not self.name or any(c.isspace() for c in self.name):
            raise ValueError(f"metric name {self.name!r}: a non-empty name without spaces")
        if not self.units.strip():
            raise ValueError(f"metric {self.name!r} has no units (a dimensionless number has units '1')")
