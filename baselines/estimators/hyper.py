"""Hyper-parameters that vary by dataset config, declared next to the model for every config.

A baseline whose settings depend on the config (epochs, an architecture) declares them in one
:class:`ByConfig` table beside it::

    HYPER = ByConfig("ednn", "ising", {"tiny": {"epochs": 2}, "small": {"epochs": 40}, "full": {"epochs": 200}})
    epochs = HYPER[data.config]["epochs"]

Looking up a config the table does not declare is a one-line :class:`MdbenchError` naming the model,
the config, the dataset and the file to declare it in — never another config's value, so a new config
cannot silently train with the settings of an old one.  ``tests/test_hyper.py`` checks that every
table declares exactly the configs of its dataset.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Generic, Iterator, Mapping, TypeVar

from mdbench.core.errors import MdbenchError
from mdbench.core.params import DatasetConfig

T = TypeVar("T")


class ByConfig(Generic[T]):
    """Hyper-parameters of ``model`` for every config of ``dataset`` (``table``: config name → value).

    Indexing takes a config name or a :class:`DatasetConfig`.  There is no ``get`` with a default on
    purpose: an undeclared config raises (see the module docstring).
    """

    def __init__(self, model: str, dataset: str, table: Mapping[str, T]):
        self.model, self.dataset, self.table = model, dataset, dict(table)
        #: the file of the declaration (relative to the folder holding its top-level package)
        self.declared_in = _relative(sys._getframe(1).f_globals.get("__file__"))

    def __getitem__(self, config: str | DatasetConfig) -> T:
        name = config.name if isinstance(config, DatasetConfig) else config
        if name not in self.table:
            raise MdbenchError(f"model {self.model!r} has no hyper-parameters for config {name!r} of dataset "
                               f"{self.dataset!r}; declare them in {self.declared_in} (it declares "
                               f"{', '.join(self.table) or 'none'})")
        return self.table[name]

    def __contains__(self, config: object) -> bool:
        return (config.name if isinstance(config, DatasetConfig) else config) in self.table

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"ByConfig({self.model!r}, {self.dataset!r}, {self.table!r})"


def _relative(file: str | None) -> str:
    """``baselines/ising/__init__.py`` for a file of this checkout (or install); the bare name otherwise."""
    if not file:
        return "the model's module"
    path = Path(file).resolve()
    for parent in path.parents:
        if not (parent / "__init__.py").is_file():
            return path.relative_to(parent).as_posix()
    return path.name
