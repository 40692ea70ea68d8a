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
