"""The catalog: the one place where names of datasets, tasks, models and figures are resolved.

It discovers the built-in systems (the packages under :mod:`mdbench.systems`) and third-party
ones (entry-point group ``mdbench.systems``, each naming a :class:`~mdbench.core.system.System`),
reads their string declarations, and imports a system's modules only when one of its datasets,
tasks, models or figures is asked for.  ``mdbench.load("four-well")`` therefore imports the
four-well dataset module and nothing of OpenMM, torch or MDAnalysis.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import importlib
import pkgutil
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import mdbench.systems
from mdbench.core.errors import MdbenchError, unknown
from mdbench.core.extras import resolve_reference
from mdbench.core.spec import DatasetSpec
from mdbench.core.system import System
from mdbench.core.task import ModelEntry, Task

ENTRY_POINT_GROUP = "mdbench.systems"
#: entry points naming lists of :class:`ModelEntry` that add models to existing tasks (an outside
#: model that `mdbench run` reproduces without an edit of mdbench)
MODELS_ENTRY_POINT_GROUP = "mdbench.models"


def _package_of(module_name: str) -> str:
    """The package a declaring module belongs to (itself if it is a package)."""
    module = importlib.import_module(module_name)
    return module_name if hasattr(module, "__path__") else module_name.rpartition(".")[0]


def _claim(found: dict[str, System], owners: dict[str, str], system: System) -> None:
    """Add ``system``; a system, dataset or task name that another package declared already is an error."""
    for kind, names in (("system", [system.name]), ("dataset", system.datasets), ("task", system.tasks)):
        for name in names:
            key = f"{kind} {name!r}"
            if key in owners:
                raise MdbenchError(f"{key} is declared by both {owners[key]} and {system.package}; rename it in one "
                                   "of them (or uninstall one)")
            owners[key] = system.package
    found[system.name] = system


@functools.cache
def systems() -> dict[str, System]:
    """Every declared system by name: built-in ones first, then installed third-party ones."""
    found: dict[str, System] = {}
    owners: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(mdbench.systems.__path__), key=lambda m: m.name):
        package = f"mdbench.systems.{info.name}"
        system = getattr(importlib.import_module(package), "SYSTEM", None)
        if not isinstance(system, System):
            raise MdbenchError(f"mdbench/systems/{info.name}/__init__.py declares no `SYSTEM = System(...)` "
                               "(see DEVELOPERS.md, 'Adding a system')")
        _claim(found, owners, dataclasses.replace(system, package=system.package or package))
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            system = ep.load()
        except Exception as exc:  # a broken plug-in must not take the built-in systems down
            print(f"mdbench: warning: system {ep.name!r} ({ep.value}) cannot be loaded: {exc}", file=sys.stderr)
            continue
        if not isinstance(system, System):
            print(f"mdbench: warning: entry point {ep.name!r} ({ep.value}) is not an mdbench System", file=sys.stderr)
            continue
        _claim(found, owners, dataclasses.replace(system, package=system.package or _package_of(ep.module)))
    return found


def system(name: str) -> System:
    """The system called ``name`` (see `mdbench list`)."""
    found = systems()
    if name not in found:
        raise unknown("system", name, found)
    return found[name]


def resolve(ref: str) -> Any:
    """The object ``"package.module:attribute"`` names (a missing extra is one line naming it)."""
    return resolve_reference(ref)


@functools.cache
def _build(ref: str, name: str, kind: type) -> Any:
    obj = resolve(ref)
    return obj if isinstance(obj, kind) else obj(name)


def _declarations(kind: str) -> dict[str, tuple[System, str, bool]]:
    """``{name: (system, reference, discovered)}`` of every dataset or task (``kind``)."""
    out: dict[str, tuple[System, str, bool]] = {}
    for system in systems().values():
        for name, ref in getattr(system, kind).items():
            out.setdefault(name, (system, ref, False))
    for system in systems().values():
        if system.discover:  # found at run time (e.g. imports under $MDBENCH_HOME): never cached
            datasets, tasks = resolve(system.discover)()
            for name, ref in (datasets if kind == "datasets" else tasks).items():
                out.setdefault(name, (system, ref, True))
    return out


def _get(kind: str, name: str, cls: type) -> Any:
    if not isinstance(name, str):
        raise MdbenchError(f"a {kind[:-1]} name is a string such as 'four-well', not {type(name).__name__} {name!r}")
    found = _declarations(kind)
    if name not in found:
        raise unknown(kind[:-1], name, found)
    system, ref, discovered = found[name]
    return _build.__wrapped__(ref, name, cls) if discovered else _build(ref, name, cls)


def dataset(name: str) -> DatasetSpec:
    """The dataset spec called ``name``."""
    return _get("datasets", name, DatasetSpec)


def system_of_dataset(name: str) -> System:
    found = _declarations("datasets")
    if name not in found:
        raise unknown("dataset", name, found)
    return found[name][0]


def card_path(name: str) -> Path:
    """The data card of dataset ``name``: ``cards/<name>.md`` of its system's package, or the record a
    discovered dataset (an import) carries itself."""
    own = getattr(dataset(name), "card_path", None)
    return Path(own) if own else system_of_dataset(name).card_path(name)


def task(name: str) -> Task:
    """The task called ``name`` (e.g. ``"four-well/propagator"``)."""
    return _get("tasks", name, Task)


def dataset_names() -> list[str]:
    return sorted(_declarations("datasets"))


def task_names() -> list[str]:
    return sorted(_declarations("tasks"))


def system_of(task_name: str) -> System:
    found = _declarations("tasks")
    if task_name not in found:
        raise unknown("task", task_name, found)
    return found[task_name][0]


def models(task_name: str) -> dict[str, ModelEntry]:
    """Every model and reference of a task, by name (references first, then models)."""
    out: dict[str, ModelEntry] = {}
    for ref in system_of(task_name).models:
        for entry in resolve(ref):
            if fnmatch.fnmatchcase(task_name, entry.task):
                out[entry.name] = entry
    for entry in _plugin_models():
        if fnmatch.fnmatchcase(task_name, entry.task):
            if entry.name in out:
                raise MdbenchError(f"model {entry.name!r} of {entry.code} is already a model of {task_name!r} "
                                   f"({out[entry.name].code}); rename the plug-in's model")
            if entry.role != "model":
                raise MdbenchError(f"{entry.code}: a plug-in adds models, not references ({entry.name!r} is a "
                                   f"{entry.role})")
            out[entry.name] = entry
    return dict(sorted(out.items(), key=lambda kv: kv[1].role == "model"))


@functools.cache
def _plugin_models() -> tuple[ModelEntry, ...]:
    """Models that installed packages add to existing tasks (entry-point group ``mdbench.models``)."""
    found: list[ModelEntry] = []
    for ep in sorted(metadata.entry_points(group=MODELS_ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            entries = list(ep.load())
        except Exception as exc:  # a broken plug-in must not take the built-in models down
            print(f"mdbench: warning: models {ep.name!r} ({ep.value}) cannot be loaded: {exc}", file=sys.stderr)
            continue
        found += [e for e in entries if isinstance(e, ModelEntry)]
    return tuple(found)


def model(task_name: str, name: str) -> ModelEntry:
    found = models(task_name)
    if name not in found:
        raise unknown("model", name, found, of=f"for task {task_name!r}")
    return found[name]


def references(task_name: str) -> list[ModelEntry]:
    return [m for m in models(task_name).values() if m.role != "model"]


def figures(task_name: str) -> Callable | None:
    """The figure function of a task, or ``None`` if its system draws none."""
    for pattern, ref in system_of(task_name).figures.items():
        if fnmatch.fnmatchcase(task_name, pattern):
            return resolve(ref)
    return None
