"""What a task is: a dataset + a prediction contract + metrics + the references every leaderboard shows.

A task never scores anything differently for a reference than for a model: references are
ordinary :class:`SurrogateModel` implementations with a reference role, and their predictions go
through the same :meth:`Task.score`.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Protocol

import numpy as np

from mdbench.core.errors import MdbenchError, SubmissionError
from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.extras import resolve_reference
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig
from mdbench.core.spec import DatasetSpec

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
    #: physical bounds (inclusive, in ``units``): a value below ``minimum`` or above ``maximum`` is refused
    minimum: float | None = None
    maximum: float | None = None
    #: the only values it may take (e.g. ``(0.0, 1.0)`` for a flag); ``None``: any value within the bounds
    allowed: tuple[float, ...] | None = None
    #: dims whose rows a submission is matched by label, never by position: ``{dim: where a model finds the
    #: labels}``; the submission carries them back as the coordinate ``dim`` (see mdbench.benchmark.labels)
    labels: dict[str, str] = field(default_factory=dict)
    #: label values of a labelled dim in the task's order where they are not ``0 … n-1`` (the rows' index)
    label_values: dict[str, tuple] = field(default_factory=dict)


@dataclass(frozen=True)
class CoordinateContract:
    """A coordinate a metric depends on: the task supplies its values; a submission may carry it only if it
    is numeric and equal to them exactly (metrics never read it from the file)."""

    name: str
    values: tuple[float, ...]
    units: str = ""


@dataclass(frozen=True)
class PredictionContract:
    """What a submission for one task and config must contain."""

    variables: tuple[VariableContract, ...]
    coordinates: tuple[CoordinateContract, ...] = ()
    #: why no variable has labelled rows (e.g. a generated trajectory): "" where rows are labelled
    unlabelled: str = ""

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
            _check_range(var, np.asarray(da.values), where)
        for coord in self.coordinates:
            _check_coordinate(coord, ds, where)


def _check_range(var: VariableContract, values: np.ndarray, where: str) -> None:
    """Refuse values outside ``var``'s physical bounds or its allowed set, naming the bound and the count."""
    for bound, broken, word in ((var.minimum, lambda b: values < b, "below its minimum"),
                                (var.maximum, lambda b: values > b, "above its maximum")):
        if bound is not None:
            n = int(np.count_nonzero(broken(bound)))
            if n:
                raise SubmissionError(f"{where}: variable {var.name!r} has {n} of {values.size} values {word} "
                                      f"{bound:g}{'' if var.units == '1' else ' ' + var.units} "
                                      "(a physical bound of the task's contract)")
    if var.allowed is not None:
        n = int(np.count_nonzero(~np.isin(values, np.asarray(var.allowed, dtype=float))))
        if n:
            raise SubmissionError(f"{where}: variable {var.name!r} has {n} of {values.size} values outside "
                                  f"{{{', '.join(f'{a:g}' for a in var.allowed)}}}")


def _check_coordinate(coord: CoordinateContract, ds: xr.Dataset, where: str) -> None:
    """A coordinate the file carries must equal the task's exactly (the task's values are what metrics use)."""
    if coord.name not in ds.variables:
        return
    found = ds.variables[coord.name]
    expected = np.asarray(coord.values, dtype=float)
    what = (f"{where}: coordinate {coord.name!r} must be absent or equal the task's "
            f"{len(expected)} values {_preview(expected)}{' ' + coord.units if coord.units else ''}")
    if found.dtype.kind not in "fiu" or found.shape != expected.shape:
        raise SubmissionError(f"{what}; found dtype {found.dtype} and shape {tuple(found.shape)}")
    values = np.asarray(found.values, dtype=float)
    if not np.array_equal(values, expected):
        n = int(np.count_nonzero(~(values == expected)))
        raise SubmissionError(f"{what}; {n} values differ")


def _preview(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:g}" for v in values[:3])
    return f"[{shown}{', …, ' + format(values[-1], 'g') if len(values) > 3 else ''}]"


@dataclass
class TaskData:
    """The loaded splits of one dataset config, and what a model may see of them.

    ``train`` and ``val`` whole; ``inputs`` holds the inputs a prediction needs from held-out data
    with the targets removed (e.g. test configurations without their energies, see
    :meth:`Task.prediction_inputs`).  ``test`` (targets included) and any further splits in
    ``extra`` are only handed to references (trusted code) and to :meth:`Task.score`, never to
    models.  ``hashes`` are the content hashes of the splits (from the manifest).
    """

    config: DatasetConfig
    train: xr.Dataset
    val: xr.Dataset
    test: xr.Dataset | None = None
    inputs: dict[str, xr.Dataset] = field(default_factory=dict)
    extra: dict[str, xr.Dataset] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_splits(cls, config: DatasetConfig, splits: dict[str, xr.Dataset],
                    hashes: dict[str, str] | None = None) -> "TaskData":
        splits = dict(splits)
        train, val, test = (splits.pop(s) for s in ("train", "val", "test"))
        return cls(config, train, val, test, extra=splits, hashes=dict(hashes or {}))

    def split(self, name: str) -> xr.Dataset:
        """Any loaded split by name (``train``, ``val``, ``test`` or an extra one)."""
        found = {"train": self.train, "val": self.val, "test": self.test, **self.extra}.get(name)
        if found is None:
            raise KeyError(f"split {name!r} is not part of this task data")
        return found

    def for_models(self, inputs: dict[str, xr.Dataset]) -> "TaskData":
        return TaskData(self.config, self.train, self.val, inputs=inputs, hashes=self.hashes)


#: the items a cost model counts in (``CostModel.item``): what one use of a surrogate replaces
COST_ITEMS = ("frames", "configurations", "spins", "columns", "cells", "cell-steps", "events", "encounters")


@dataclass(frozen=True)
class CostModel:
    """What a task's cost columns compare (:mod:`mdbench.benchmark.cost` derives them from each entry): the
    engine a user would otherwise run, the item one use of a surrogate produces, and where an entry of the
    board records the two speeds of the same run.

    ``ratio_metric`` is the timing metric relating the surrogate's and the engine's speed measured in the same
    run: ``ratio="speedup"`` when it is surrogate ÷ engine items per second, ``"cost"`` when it is the time per
    item relative to the engine's (engine ÷ surrogate items per second).  ``speed_metric`` holds the surrogate's
    items per second (``None``: the prediction file's ``items_per_second``).  ``engine_models`` are the board's
    entries that *are* the engine (speed-up 1 by definition, no breakeven).  ``unmeasured`` says why a task
    records no engine speed at all (then ``ratio_metric`` is ``None``).
    """

    engine: str
    item: str
    ratio_metric: str | None = None
    ratio: str = "speedup"
    speed_metric: str | None = None
    engine_models: tuple[str, ...] = ()
    unmeasured: str = ""

    def __post_init__(self):
        if not self.engine.strip():
            raise ValueError("a cost model names its engine")
        if self.item not in COST_ITEMS:
            raise ValueError(f"cost item {self.item!r} is not one of {COST_ITEMS}")
        if self.ratio not in ("speedup", "cost"):
            raise ValueError(f"ratio must be 'speedup' or 'cost', not {self.ratio!r}")
        if (self.ratio_metric is None) == (not self.unmeasured):
            raise ValueError("a cost model names either the ratio metric of its entries or why none is measured")


@dataclass(frozen=True)
class TrainingReport:
    """What a model says of its own training: the epochs of its epoch-trained networks and the seconds
    those epochs took (stages trained otherwise, such as a GAN's steps, count only in the fit time that
    `mdbench run` measures around :meth:`SurrogateModel.fit`)."""

    epochs: int = 0
    epoch_seconds: float = 0.0

    def __add__(self, other: "TrainingReport") -> "TrainingReport":
        return TrainingReport(self.epochs + other.epochs, self.epoch_seconds + other.epoch_seconds)


class SurrogateModel(Protocol):
    """What `mdbench run` drives: deeptime-style fit, then predict a submission's variables.

    The whole contract, every hook optional unless marked:

    - ``fit(data, *, seed, progress=True) -> self`` (required): train on what :meth:`Task.data_for` hands
      the model's role; ``progress`` says whether it may draw progress bars.
    - ``predict(data, *, seed) -> xarray.Dataset`` (required): the submission's variables
      (:meth:`Task.contract`); `mdbench run` times it on one thread.
    - ``training_report() -> TrainingReport``: epochs and their seconds; a model without it reports 0 epochs.
    - ``replays_frames = True``: the model replays stored frames instead of generating them (it then has
      no generation speed).
    - a factory that takes ``device=...`` when its :class:`ModelEntry` lists devices other than ``"cpu"``.
    """

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SurrogateModel": ...

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset: ...


def source_path(obj: Any) -> str:
    """Where ``obj`` (a class, function or ``functools.partial``) is defined, relative to the
    folder holding its top-level package, e.g. ``baselines/four_well/__init__.py``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    if isinstance(obj, LazyFactory):  # found without importing it
        return obj.code
    path = Path(inspect.getsourcefile(obj)).resolve()
    top = sys.modules[obj.__module__.split(".")[0]]
    root = Path(top.__file__).resolve().parent.parent
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


class LazyFactory:
    """A factory named by reference, ``"package.module:attribute"``, imported on its first call: the
    declaration of a model (its name, role and summary, what `mdbench list` shows) then imports neither
    torch nor an engine.  ``args`` and ``kwargs`` are bound first, as by ``functools.partial``; an argument
    may itself be a :class:`LazyFactory` (a factory the model calls).  Name the module that *defines* the
    attribute: :attr:`code` is that module's file, found without importing it."""

    def __init__(self, ref: str, *args: Any, **kwargs: Any):
        module, _, attribute = ref.partition(":")
        if not module or not attribute.isidentifier():
            raise ValueError(f"a lazy factory is 'package.module:attribute', not {ref!r}")
        self.ref, self.args, self.kwargs = ref, args, kwargs

    @functools.cached_property
    def target(self) -> Callable[..., SurrogateModel]:
        """The named callable, imported now (a missing extra is one line naming it)."""
        return resolve_reference(self.ref)

    def __call__(self, *args: Any, **kwargs: Any) -> SurrogateModel:
        return self.target(*self.args, *args, **{**self.kwargs, **kwargs})

    @property
    def code(self) -> str:
        """The source file of the module named, as :func:`source_path` gives it, without importing the
        module itself (only the packages above it, which declare models and stay light)."""
        import importlib.util

        module = self.ref.partition(":")[0]
        try:
            spec, top = importlib.util.find_spec(module), importlib.util.find_spec(module.split(".")[0])
        except ImportError as exc:
            raise MdbenchError(f"model factory {self.ref}: cannot find its module ({exc})") from None
        if spec is None or spec.origin is None or top is None or top.origin is None:
            raise MdbenchError(f"model factory {self.ref}: no module {module!r} is installed")
        path, root = Path(spec.origin).resolve(), Path(top.origin).resolve().parent.parent
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name

    def __repr__(self) -> str:
        bound = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"LazyFactory({', '.join([repr(self.ref), *bound])})"


@dataclass(frozen=True)
class ModelEntry:
    """A runnable model or reference for a task (``task`` may be a pattern such as ``"*/forecast"``).

    ``factory`` is a callable, or ``"package.module:attribute"`` (or a :class:`LazyFactory`) imported on the
    first call: declared so, a model whose code needs torch or an engine is listed without importing them."""

    name: str
    task: str
    role: str
    summary: str
    factory: Callable[..., SurrogateModel] | str
    citation: str = ""
    #: torch devices the model can train and predict on; a factory called with ``device=...`` for any
    #: other than ``"cpu"``
    devices: tuple[str, ...] = ("cpu",)

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {self.role!r}")
        if isinstance(self.factory, str):
            object.__setattr__(self, "factory", LazyFactory(self.factory))

    @property
    def code(self) -> str:
        """The source file of the model, recorded with every prediction and leaderboard entry."""
        return source_path(self.factory)


def _checked_score(score: Callable) -> Callable:
    """``score`` returning :meth:`Task.check_scores` of what it computed."""

    @functools.wraps(score)
    def checked(self, *args, **kwargs):
        # extreme but finite predictions overflow squares and sums: the metric says ∞ or n/a, without numpy's
        # RuntimeWarnings on the terminal
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            scores = score(self, *args, **kwargs)
        # an override that calls super().score() is checked once, by the override its class resolves
        return self.check_scores(scores) if type(self).score is checked else scores

    return checked


class Task(abc.ABC):
    """A benchmark task on one dataset (:attr:`spec`).

    Its metrics are declared once, in :attr:`declared_metrics`: :meth:`metric_info` reads them, every
    :meth:`score` of a subclass is checked against them (:meth:`check_scores`), and the primary metric
    and the leaderboard columns name some of them (:meth:`check_declaration`).
    """

    name: ClassVar[str]
    spec: ClassVar[DatasetSpec]
    summary: ClassVar[str]
    #: every number :meth:`score` reports, in its order: name, units, description, direction
    declared_metrics: ClassVar[tuple[MetricInfo, ...]]
    #: the declared metric the leaderboard sorts by
    primary_metric: ClassVar[str]
    #: declared metrics shown by `mdbench leaderboard` (every metric is in the JSON)
    leaderboard_columns: ClassVar[tuple[str, ...]]
    #: how the ± of this task's metrics is estimated, for the leaderboard header
    error_note: ClassVar[str] = "standard error"
    #: where the competition lies when simple models already reach the floor of the primary metric
    #: (shown under the board's header; empty: nothing to say)
    board_note: ClassVar[str] = ""
    #: what one item of ``items_per_second`` is (the unit of :meth:`count_items`), e.g. "spins"
    item_units: ClassVar[str] = "items (entries along the longest dimension of the prediction)"
    #: the engine a surrogate replaces and the item it counts, for the cost columns every board shows
    #: (:mod:`mdbench.benchmark.cost`); ``None``: the task declares none (its boards say so)
    cost: ClassVar[CostModel | None] = None

    def __init_subclass__(cls, **kwargs):
        """Every :meth:`score` a subclass defines returns :meth:`check_scores` of its result."""
        super().__init_subclass__(**kwargs)
        score = cls.__dict__.get("score")
        if inspect.isfunction(score) and not getattr(score, "__isabstractmethod__", False):
            cls.score = _checked_score(score)

    @property
    def dataset(self) -> str:
        return self.spec.name

    @abc.abstractmethod
    def contract(self, config: DatasetConfig) -> PredictionContract: ...

    def metric_info(self) -> list[MetricInfo]:
        """Every number :meth:`score` reports, with units and direction (:attr:`declared_metrics`)."""
        return list(self.declared_metrics)

    @abc.abstractmethod
    def score(self, predictions: xr.Dataset, data: TaskData, *, items_per_second: float | None,
              engine_items_per_second: float | None) -> dict[str, Estimate]:
        """Score a validated submission against the loaded ``data``; identical for models and references.

        One :class:`Estimate` per declared metric (n/a as NaN), keyed by its name; a subclass's
        override is checked by :meth:`check_scores`.
        """

    def check_scores(self, scores: dict[str, Estimate]) -> dict[str, Estimate]:
        """``scores`` in the declared order; raises ``ValueError`` when its names are not exactly the
        declared metrics' or a value is not an :class:`Estimate`."""
        names = [m.name for m in self.metric_info()]
        declared = set(names)
        missing = [n for n in names if n not in scores]
        undeclared = [n for n in scores if n not in declared]
        if missing or undeclared:
            raise ValueError(f"{self.name}: score() reports metrics other than the declared ones "
                             f"(missing {missing}, undeclared {undeclared}); declare every metric once, in "
                             f"{type(self).__name__}.declared_metrics")
        wrong = [n for n in names if not isinstance(scores[n], Estimate)]
        if wrong:
            raise ValueError(f"{self.name}: score() reports {wrong} as something other than an Estimate")
        return {n: scores[n] for n in names}

    def check_declaration(self) -> None:
        """Raise ``ValueError`` (one line listing every problem) unless the declared metrics have unique
        names (units: :class:`MetricInfo` requires them) and the primary metric and the leaderboard columns
        of every config are declared."""
        names = [m.name for m in self.metric_info()]
        problems = [f"metric {n!r} is declared {names.count(n)} times" for n in dict.fromkeys(names)
                    if names.count(n) > 1]
        if self.primary_metric not in names:
            problems.append(f"primary metric {self.primary_metric!r} is not declared")
        columns = {self.leaderboard_columns, *(self.leaderboard_columns_for(c) for c in self.spec.configs.values())}
        undeclared = sorted({c for cols in columns for c in cols} - set(names))
        if undeclared:
            problems.append(f"leaderboard columns {undeclared} are not declared")
        if problems:
            raise ValueError(f"{self.name}: {'; '.join(problems)}")

    def details(self, predictions: xr.Dataset, data: TaskData) -> dict[str, Any]:
        """Diagnostics that are not metrics (e.g. count matrices), stored in the results file."""
        return {}

    def count_items(self, predictions: xr.Dataset) -> int:
        """Generated items (frames, configurations, …) in a prediction, for throughput metrics."""
        return max(predictions.sizes.values()) if predictions.sizes else 0

    def engine_items_per_second(self, data: TaskData) -> float | None:
        """Speed of the physics engine (items per second), measured in this process for cost metrics."""
        return None

    def targets(self, data: TaskData) -> dict[str, Any]:
        """Exact values the metrics compare against, for the results file."""
        return {}

    def prediction_inputs(self, data: TaskData) -> dict[str, xr.Dataset]:
        """Held-out inputs a model needs to predict, with every target variable removed."""
        return {}

    def data_for(self, data: TaskData, role: str) -> TaskData:
        """What an entry sees: models get train, val and the inputs; references (trusted code) everything."""
        inputs = self.prediction_inputs(data)
        return dataclasses.replace(data, inputs=inputs) if role != "model" else data.for_models(inputs)

    def info_by_name(self) -> dict[str, MetricInfo]:
        return {m.name: m for m in self.metric_info()}

    def leaderboard_columns_for(self, config: DatasetConfig) -> tuple[str, ...]:
        """The columns of ``config``'s table (tasks whose metric grid follows the config override this)."""
        return self.leaderboard_columns
