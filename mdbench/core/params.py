"""Typed parameter records: every physical parameter of a generator carries its units."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Param:
    """One generator parameter.

    Parameters
    ----------
    value
        The value (a number, string or tuple of numbers).
    units
        Units of ``value``; ``"1"`` for dimensionless quantities, ``"steps"`` for counts of
        integrator steps.
    description
        What the parameter is, in a few words.
    """

    value: Any
    units: str
    description: str

    def to_record(self) -> dict:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"value": value, "units": self.units, "description": self.description}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Param:
        """Inverse of :meth:`to_record` (a list value comes back as a tuple)."""
        value = tuple(record["value"]) if isinstance(record["value"], list) else record["value"]
        return cls(value, record["units"], record["description"])


@dataclass(frozen=True)
class DatasetConfig:
    """A named configuration of a dataset: the full parameter record plus the dataset seed."""

    name: str
    description: str
    params: Mapping[str, Param]
    seed: int
    #: free-form notes that go to the manifest (e.g. deviations from the paper)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Any:
        return self.params[key].value

    def to_record(self) -> dict:
        return {
            "config": self.name,
            "seed": self.seed,
            "params": {k: p.to_record() for k, p in self.params.items()},
            "notes": list(self.notes),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any], description: str) -> DatasetConfig:
        """Inverse of :meth:`to_record`, which does not carry the description."""
        return cls(record["config"], description, {k: Param.from_record(p) for k, p in record["params"].items()},
                   record["seed"], tuple(record["notes"]))
