"""The catalog: the one place where names of datasets, tasks, models and figures are resolved.

It discovers the built-in systems (the packages under :mod:`mdbench.systems`) and third-party
ones (entry-point group ``mdbench.systems``, each naming a :class:`~mdbench.core.system.System`),
reads their string declarations, and imports a system's modules only when one of its datasets,
tasks, models or figures is asked for.  ``mdbench.load("four-well")`` therefore imports the
four-well dataset module and nothing of OpenMM, torch or MDAnalysis.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import pkgutil
import sys
from importlib import metadata
from typing import Any, Callable

import mdbench.systems
from mdbench.core.errors import MdbenchError, unknown
from mdbench.core.spec import DatasetSpec
from mdbench.core.system import System
from mdbench.core.task import ModelEntry, Task

ENTRY_POINT_GROUP = "mdbench.systems"


@functools.cache
def systems() -> dict[str, System]:
    """Every declared system by name: built-in ones first, then installed third-party ones."""
    found: dict[str, System] = {}
    for info in sorted(pkgutil.iter_modules(mdbench.systems.__path__), key=lambda m: m.name):
        system = getattr(importlib.import_module(f"mdbench.systems.{info.name}"), "SYSTEM", None)
        if not isinstance(system, System):
            raise MdbenchError(f"mdbench/systems/{info.name}/__init__.py declares no `SYSTEM = System(...)` "
                               "(see DEVELOPERS.md, 'Adding a system')")
        found[system.name] = system
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            system = ep.load()
        except Exception as exc:  # a broken plug-in must not take the built-in systems down
            print(f"mdbench: warning: system {ep.name!r} ({ep.value}) cannot be loaded: {exc}", file=sys.stderr)
            continue
        if not isinstance(system, System):
            print(f"mdbench: warning: entry point {ep.name!r} ({ep.value}) is not an mdbench System", file=sys.stderr)
            continue
        found.setdefault(system.name, system)
    return found


def _resolve(ref: str) -> Any:
    module, _, attribute = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise MdbenchError(f"cannot import {ref} ({type(exc).__name__}: {exc}); is the system installed with its "
                           "dependencies (`make setup`)?") from None


@functools.cache
def _build(ref: str, name: str, kind: type) -> Any:
    obj = _resolve(ref)
    return obj if isinstance(obj, kind) else obj(name)


def _declarations(kind: str) -> dict[str, tuple[System, str, bool]]:
    """``{name: (system, reference, discovered)}`` of every dataset or task (``kind``)."""
    out: dict[str, tuple[System, str, bool]] = {}
    for system in systems().values():
        for name, ref in getattr(system, kind).items():
            out.setdefault(name, (system, ref, False))
    for system in systems().values():
        if system.discover:  # found at run time (e.g. imports under $MDBENCH_HOME): never cached
            datasets, tasks = _resolve(system.discover)()
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
        for entry in _resolve(ref):
            if fnmatch.fnmatchcase(task_name, entry.task):
                out[entry.name] = entry
    return dict(sorted(out.items(), key=lambda kv: kv[1].role == "model"))


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
            return _resolve(ref)
    return None


def refresh() -> None:
    """Forget what was discovered (e.g. after installing a system package in this process)."""
    systems.cache_clear()
    _build.cache_clear()
