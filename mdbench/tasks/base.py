"""Tasks: a dataset config + a prediction contract + metrics + the references every leaderboard shows.

A task never scores anything differently for a reference than for a model: references are
ordinary :class:`SurrogateModel` implementations registered with a reference role, and their
predictions go through the same :meth:`Task.score`.
"""

from __future__ import annotations

import abc
import dataclasses
import fnmatch
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Protocol

import numpy as np
import xarray as xr

from mdbench.data.params import DatasetConfig
from mdbench.data.registry import DatasetSpec, get_dataset
from mdbench.errors import SubmissionError, unknown
from mdbench.metrics.base import Estimate, MetricInfo

ROLES = ("model", "static reference", "physics reference", "data reference")


@dataclass(frozen=True)
class VariableContract:
    """One variable a submission must contain."""

    name: str
    dims: tuple[str, ...]
    units: str
    sizes: dict[str, int] = field(default_factory=dict)
    long_name: str = ""
    #: a submission may leave it out (e.g. predictions a non-extensive model cannot make); its
    #: metrics are then reported as n/a
    optional: bool = False


@dataclass(frozen=True)
class PredictionContract:
    """What a submission for one task and config must contain."""

    variables: tuple[VariableContract, ...]

    def validate(self, ds: xr.Dataset, where: str) -> None:
        """Raise :class:`SubmissionError` (one line, naming ``where``) on the first violation."""
        for var in self.variables:
            if var.name not in ds.data_vars:
                if var.optional:
                    continue
                raise SubmissionError(f"{where}: missing variable {var.name!r} with dims {var.dims}")
            da = ds[var.name]
            if tuple(da.dims) != var.dims:
                raise SubmissionError(f"{where}: variable {var.name!r} has dims {tuple(da.dims)}, expected {var.dims}")
            if da.dtype.kind != "f":
                raise SubmissionError(f"{where}: variable {var.name!r} has dtype {da.dtype}, expected a float type")
            for dim, size in var.sizes.items():
                if da.sizes[dim] != size:
                    raise SubmissionError(
                        f"{where}: variable {var.name!r} has {da.sizes[dim]} entries along {dim!r}, expected {size}"
                    )
            units = da.attrs.get("units")
            if units != var.units:
                raise SubmissionError(f"{where}: variable {var.name!r} has units {units!r}, expected {var.units!r}")
            bad = int(np.size(da.values) - np.count_nonzero(np.isfinite(da.values)))
            if bad:
                raise SubmissionError(f"{where}: variable {var.name!r} has {bad} non-finite values")


@dataclass
class TaskData:
    """What a model may see.

    ``train`` and ``val`` whole; ``inputs`` holds the inputs a prediction needs from held-out data
    with the targets removed (e.g. test configurations without their energies, see
    :meth:`Task.prediction_inputs`).  ``test`` (targets included) and any further splits in
    ``extra`` are only handed to references (trusted code), never to models.
    """

    config: DatasetConfig
    train: xr.Dataset
    val: xr.Dataset
    test: xr.Dataset | None = None
    inputs: dict[str, xr.Dataset] = field(default_factory=dict)
    extra: dict[str, xr.Dataset] = field(default_factory=dict)

    def for_models(self, inputs: dict[str, xr.Dataset]) -> "TaskData":
        return TaskData(self.config, self.train, self.val, inputs=inputs)


class SurrogateModel(Protocol):
    """What `mdbench run` drives: deeptime-style fit, then predict a submission's variables."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SurrogateModel": ...

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset: ...


@dataclass(frozen=True)
class ModelEntry:
    """A runnable model or reference for a task."""

    name: str
    task: str
    role: str
    summary: str
    factory: Callable[[], SurrogateModel]
    code: str
    citation: str = ""


class Task(abc.ABC):
    name: ClassVar[str]
    dataset: ClassVar[str]
    summary: ClassVar[str]
    primary_metric: ClassVar[str]
    #: columns shown by `mdbench leaderboard` (every metric is in the JSON)
    leaderboard_columns: ClassVar[tuple[str, ...]]
    #: how the ± of this task's metrics is estimated, for the leaderboard header
    error_note: ClassVar[str] = "standard error"

    @property
    def spec(self) -> DatasetSpec:
        return get_dataset(self.dataset)

    @abc.abstractmethod
    def contract(self, config: DatasetConfig) -> PredictionContract: ...

    @abc.abstractmethod
    def metric_info(self) -> list[MetricInfo]:
        """Every number :meth:`score` reports, with units and direction."""

    @abc.abstractmethod
    def score(self, predictions: xr.Dataset, config: DatasetConfig, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        """Score a validated submission; identical for models and references."""

    def details(self, predictions: xr.Dataset, config: DatasetConfig) -> dict[str, Any]:
        """Diagnostics that are not metrics (e.g. count matrices), stored in the results file."""
        return {}

    def count_items(self, predictions: xr.Dataset) -> int:
        """Generated items (frames, configurations, …) in a prediction, for throughput metrics."""
        return max(predictions.sizes.values()) if predictions.sizes else 0

    def engine_items_per_second(self, config: DatasetConfig) -> float | None:
        """Speed of the physics engine (items per second), measured in this process for cost metrics."""
        return None

    def targets(self, config: DatasetConfig) -> dict[str, Any]:
        """Exact values the metrics compare against, for the results file."""
        return {}

    def figures(self, predictions: dict[str, xr.Dataset], results: dict, config: DatasetConfig,
                outdir: Path) -> list[Path]:
        return []

    def load_data(self, config: DatasetConfig, *, verify: bool = True) -> TaskData:
        from mdbench.data.store import load

        splits = {s: load(self.dataset, config.name, s, verify=verify) for s in self.spec.splits}
        train, val, test = (splits.pop(s) for s in ("train", "val", "test"))
        return TaskData(config, train, val, test, extra=splits)

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """Held-out inputs a model needs to predict, with every target variable removed."""
        return {}

    def data_for(self, data: TaskData, role: str) -> TaskData:
        """What an entry sees: models get train, val and the inputs; references (trusted code) everything."""
        inputs = self.prediction_inputs(data)
        return dataclasses.replace(data, inputs=inputs) if role != "model" else data.for_models(inputs)

    def info_by_name(self) -> dict[str, MetricInfo]:
        return {m.name: m for m in self.metric_info()}


_TASKS: dict[str, Task] = {}
_MODELS: dict[str, dict[str, ModelEntry]] = {}


def register_task(task: Task) -> Task:
    _TASKS[task.name] = task
    _MODELS.setdefault(task.name, {})
    return task


def register_model(entry: ModelEntry) -> ModelEntry:
    """Register a model or reference; ``entry.task`` may be a pattern such as ``"*/forecast"``."""
    if entry.role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    _MODELS.setdefault(entry.task, {})[entry.name] = entry
    return entry


#: one task module per system; importing it registers the task and its references
TASK_MODULES = (
    "mdbench.tasks.four_well",
    "mdbench.tasks.forecast",
    "mdbench.tasks.ising",
    "mdbench.tasks.trpcage",
)


def _load_builtin() -> None:
    for module in TASK_MODULES:
        # a task module may also register tasks for datasets that appear at run time (user imports)
        refresh = getattr(importlib.import_module(module), "refresh", None)
        if refresh is not None:
            refresh()

    try:  # the reference implementations live in the sibling `baselines` package
        import baselines  # noqa: F401
    except ImportError:  # pragma: no cover - mdbench used without its baselines
        pass


def get_task(name: str) -> Task:
    _load_builtin()
    if name not in _TASKS:
        raise unknown("task", name, _TASKS)
    return _TASKS[name]


def all_tasks() -> dict[str, Task]:
    _load_builtin()
    return dict(_TASKS)


def models_for(task: str) -> dict[str, ModelEntry]:
    get_task(task)
    out: dict[str, ModelEntry] = {}
    for pattern, entries in _MODELS.items():
        if fnmatch.fnmatchcase(task, pattern):
            out.update(entries)
    return out


def get_model(task: str, name: str) -> ModelEntry:
    models = models_for(task)
    if name not in models:
        raise unknown("model", name, models, of=f"for task {task!r}")
    return models[name]


def references_for(task: str) -> list[ModelEntry]:
    return [m for m in models_for(task).values() if m.role != "model"]
