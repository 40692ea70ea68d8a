"""One cost model for every board: the engine a surrogate replaces, per item, and when its training pays off.

Every task declares a :class:`~mdbench.core.task.CostModel` (``Task.cost``): the engine a user would otherwise
run (named on the board) and the item one use produces ("frames", "columns", …).  For every entry of a board
this module derives, from what the entry records and nothing else, the same columns on every board:

- ``engine_seconds_per_item``: the engine's seconds per item, timed in the entry's own run (the task's
  yardstick ``engine_items_per_second``), recovered from the entry's ratio metric and its speed;
- ``surrogate_seconds_per_item``: the entry's own seconds per item (its speed metric, else the
  ``items_per_second`` of its committed prediction file), predicted on one thread like the engine;
- ``data_seconds``: the seconds it took to generate the training data (the train and val splits) of the
  entry's config, summed over their shards in the generation record ``cards/generation/<dataset>__<config>.json``
  (a shard reused from an interrupted run keeps the seconds of the run that made it);
- ``training_seconds``: the entry's fit time (``training.seconds``, else the prediction file's
  ``training_seconds``);
- ``speedup`` = engine ÷ surrogate seconds per item (the recorded ratio where only it survives);
- ``breakeven_items`` = (data + training seconds) ÷ (engine − surrogate seconds per item): after how many
  items the surrogate has paid for its training data and its training; ``never`` (∞) when it is not faster.

A part an entry does not record is ``None`` with the reason, shown as "—" and explained under the table;
none is invented.  References get the parts that apply: an entry that *is* the engine
(``CostModel.engine_models``) has speed-up 1 and no breakeven, other references no breakeven (they are not
trained surrogates to be paid off).  Only prediction files committed beside a board are read (their
sha256 is checked by ``mdbench leaderboard --check``), never the machine's prediction store, so a board
renders the same on every machine.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mdbench.core import machine
from mdbench.core.estimate import decode_number
from mdbench.core.task import Task

#: the cost columns, in order, with the same names and definitions on every board
COLUMNS = ("engine_seconds_per_item", "surrogate_seconds_per_item", "data_seconds", "training_seconds", "speedup",
           "breakeven_items")
#: the splits a model fits on: their generation is the training data's cost
TRAINING_SPLITS = ("train", "val")
NOT_APPLICABLE = "n/a"
MISSING = "—"


@dataclass(frozen=True)
class Part:
    """One cost number of an entry: ``value`` (``math.inf`` for a breakeven never reached), or ``None`` with
    ``why``; ``applies=False`` for a part that has no meaning for the entry (shown n/a, not —)."""

    value: float | None
    why: str = ""
    applies: bool = True

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class EntryCost:
    """The cost columns of one board entry (see the module's text)."""

    model: str
    role: str
    config: str
    is_engine: bool
    engine_seconds_per_item: Part
    surrogate_seconds_per_item: Part
    data_seconds: Part
    training_seconds: Part
    speedup: Part
    breakeven_items: Part
    #: the entry's ``timing`` record where its run interleaved engine and surrogate (``None`` for older entries)
    timing: dict | None = None
    seed: int = 0

    @property
    def label(self) -> str:
        """The row's name: the model, and its training seed where it is not 0 (a board with several seeds)."""
        return self.model if not self.seed else f"{self.model} (seed {self.seed})"

    def parts(self) -> dict[str, Part]:
        return {c: getattr(self, c) for c in COLUMNS}

    def cells(self) -> list[str]:
        """The displayed cells, in :data:`COLUMNS` order: the speed-up with the spread of its interleaved pairs
        where the run recorded them."""
        out = []
        for name, part in self.parts().items():
            text = fmt(name, part, self.is_engine)
            pairs = (self.timing or {}).get("speedup")
            if name == "speedup" and pairs and part.known and not self.is_engine:
                # per-pair surrogate ÷ engine speed of the interleaved timings: the measurement's spread
                text += f" ({pairs['min']:.3g}–{pairs['max']:.3g}, n={pairs['n']})"
            out.append(text)
        return out


def speedup(engine_seconds_per_item: float, surrogate_seconds_per_item: float) -> float:
    """Engine ÷ surrogate seconds per item."""
    return engine_seconds_per_item / surrogate_seconds_per_item


def breakeven_items(data_seconds: float, training_seconds: float, engine_seconds_per_item: float,
                    surrogate_seconds_per_item: float) -> float:
    """Items after which the surrogate has paid for its data and training: (data + training) ÷ (engine −
    surrogate per item); ``math.inf`` when it is not faster than the engine."""
    saving = engine_seconds_per_item - surrogate_seconds_per_item
    return (data_seconds + training_seconds) / saving if saving > 0 else math.inf


def _finite_positive(x) -> float | None:
    value = decode_number(x)
    return float(value) if value is not None and math.isfinite(value) and value > 0 else None


def _metric(entry: dict, name: str | None) -> float | None:
    return _finite_positive(entry["metrics"].get(name, {}).get("value")) if name else None


def prediction_attrs(entry: dict, board_dir: Path | None) -> dict:
    """``items_per_second`` and ``training_seconds`` of an entry's prediction file where it is committed beside
    the board (never the machine's prediction store: the board must render the same everywhere); ``{}`` else."""
    record = entry.get("predictions")
    if board_dir is None or not record or record.get("location") == "store" or ".." in Path(record["file"]).parts:
        return {}
    path = Path(board_dir) / record["file"]
    if not path.is_file():
        return {}
    import netCDF4

    try:
        with netCDF4.Dataset(path) as nc:
            return {k: float(nc.getncattr(k)) for k in ("items_per_second", "training_seconds") if k in nc.ncattrs()}
    except (OSError, ValueError, TypeError):  # a damaged file: `--check` names it; here the parts are unknown
        return {}


def data_seconds(task: Task, config: str) -> Part:
    """Seconds of generating the training data of ``config``: Σ shard seconds of its train and val splits in
    the generation record."""
    from mdbench import catalog

    path = catalog.system_of(task.name).generation_record(task.dataset, config)
    if not path.is_file():
        return Part(None, f"no generation record {path.parent.parent.name}/{path.parent.name}/{path.name} for "
                          f"config {config!r} (`mdbench data generate {task.dataset} --config {config} --record`)")
    runs = json.loads(path.read_text()).get("shard_runs") or []
    seconds = [r.get("seconds") for r in runs if r.get("split") in TRAINING_SPLITS]
    if not seconds or any(not isinstance(s, (int, float)) for s in seconds):
        return Part(None, f"the generation record {path.name} has no shard times of the train and val splits")
    return Part(float(sum(seconds)))


def entry_cost(task: Task, entry: dict, board_dir: Path | None = None, *, data: Part | None = None) -> EntryCost:
    """The cost columns of ``entry`` on ``task``'s board in ``board_dir`` (see the module's text)."""
    cm = task.cost
    na = Part(None, applies=False)
    is_engine = cm is not None and entry["model"] in cm.engine_models

    def out(*parts: Part) -> EntryCost:  # engine, surrogate, data, training, speedup, breakeven
        return EntryCost(entry["model"], entry["role"], entry["config"], is_engine, *parts, timing=entry.get("timing"),
                         seed=entry["seed"])

    if cm is None or cm.ratio_metric is None:
        why = cm.unmeasured if cm is not None else f"{task.name} declares no cost model"
        none = Part(None, why)
        data_part = (data or data_seconds(task, entry["config"])) if entry["role"] == "model" else na
        return out(none, none, data_part, _training(entry, prediction_attrs(entry, board_dir)),
                   Part(1.0) if is_engine else none, na if is_engine or entry["role"] != "model" else none)
    attrs = prediction_attrs(entry, board_dir)
    surrogate_speed = _metric(entry, cm.speed_metric) if cm.speed_metric else _finite_positive(
        attrs.get("items_per_second"))
    ratio = _metric(entry, cm.ratio_metric)
    measured_speedup = None if ratio is None else (ratio if cm.ratio == "speedup" else 1.0 / ratio)
    where = (f"`{cm.speed_metric}`" if cm.speed_metric else "the prediction file's `items_per_second`")
    if surrogate_speed is None:
        stored = (entry.get("predictions") or {}).get("location") == "store" and not cm.speed_metric
        surrogate = Part(None, "its prediction file (which holds its speed) is in the prediction store of the machine "
                               "that recorded it" if stored else
                         f"no speed of its own ({where} is n/a: it replays stored items or was not timed)")
    else:
        surrogate = Part(1.0 / surrogate_speed)
    if measured_speedup is not None and surrogate.known:
        engine = Part(surrogate.value * measured_speedup)  # 1/E = (1/S)·(S/E)
    elif surrogate.known:
        engine = Part(None, f"`{cm.ratio_metric}` is n/a for this entry")
    else:
        engine = Part(None, surrogate.why)  # the engine's speed is recorded only relative to the entry's own
    training = _training(entry, attrs)
    if is_engine:
        return out(engine, surrogate, na, training, Part(1.0), na)
    if engine.known and surrogate.known:
        sp = Part(speedup(engine.value, surrogate.value))
    elif measured_speedup is not None:
        sp = Part(measured_speedup)  # the recorded ratio survives where the speeds themselves do not
    else:
        sp = Part(None, engine.why)
    if entry["role"] != "model":
        return out(engine, surrogate, na, training, sp, na)
    data_part = data or data_seconds(task, entry["config"])
    missing = [p for p in (engine, surrogate, data_part, training) if not p.known]
    if engine.known and surrogate.known and engine.value <= surrogate.value:
        be = Part(math.inf)  # not faster: never, whatever the data and training cost
    elif missing:
        be = Part(None, missing[0].why)
    else:
        be = Part(breakeven_items(data_part.value, training.value, engine.value, surrogate.value))
    return out(engine, surrogate, data_part, training, sp, be)


def _training(entry: dict, attrs: dict) -> Part:
    if entry.get("training") and entry["training"].get("seconds") is not None:
        return Part(float(entry["training"]["seconds"]))
    if "training_seconds" in attrs and math.isfinite(attrs["training_seconds"]):
        return Part(float(attrs["training_seconds"]))
    return Part(None, "its fit time is not recorded (the entry predates the `training` record and its prediction "
                      "file carries no `training_seconds`)")


def board_costs(task: Task, entries: list[dict], board_dir: Path | None) -> list[EntryCost]:
    """:func:`entry_cost` of every entry (the generation record read once per config)."""
    data = {}
    out = []
    for e in entries:
        if e["config"] not in data:
            data[e["config"]] = data_seconds(task, e["config"])
        out.append(entry_cost(task, e, board_dir, data=data[e["config"]]))
    return out


# --- measuring: engine and surrogate interleaved ------------------------------------------------------
#: pairs of (engine, surrogate) timings per entry, and the seconds after which no further pair is started
TIMING_PAIRS, TIMING_BUDGET = 5, 10.0


@dataclass(frozen=True)
class Spread:
    """Median, lowest and highest of ``n`` repeated measurements."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        return cls(float(statistics.median(values)), float(min(values)), float(max(values)), len(values))

    def record(self) -> dict:
        return {"median": self.median, "min": self.low, "max": self.high, "n": self.n}


@dataclass(frozen=True)
class Timing:
    """Interleaved timings of an engine and a surrogate in one process: items per second of each (``engine``
    ``None`` where the task has no yardstick), the per-pair ratio surrogate ÷ engine (``speedup``), the threads
    both ran on and the machine."""

    engine: Spread | None
    surrogate: Spread
    speedup: Spread | None
    threads: int
    machine: str

    def record(self) -> dict:
        """The entry's ``timing`` record (:data:`mdbench.benchmark.leaderboard.ENTRY_SCHEMA`)."""
        return {"surrogate_items_per_second": self.surrogate.record(),
                **({"engine_items_per_second": self.engine.record(), "speedup": self.speedup.record()}
                   if self.engine is not None else {}),
                "threads": self.threads, "machine": self.machine}


def interleaved(engine: Callable[[], float | None], surrogate: Callable[[], float], *, threads: int = 1,
                pairs: int = TIMING_PAIRS, budget: float = TIMING_BUDGET,
                clock: Callable[[], float] = time.perf_counter) -> Timing:
    """Time ``engine`` and ``surrogate`` (each returns items per second of one run) alternately, engine first,
    up to ``pairs`` times and until ``budget`` seconds are spent (at least one pair), so that a slow spell of the
    machine hits both alike; medians with their spread and the per-pair ratio.  ``engine`` returning ``None``
    (no yardstick) times the surrogate alone."""
    engines, surrogates, spent = [], [], 0.0
    for _ in range(pairs):
        start = clock()
        speed = engine()
        if speed is not None:
            engines.append(float(speed))
        surrogates.append(float(surrogate()))
        spent += clock() - start
        if spent > budget:
            break
    paired = engines and len(engines) == len(surrogates)
    ratio = Spread.of([s / e for s, e in zip(surrogates, engines)]) if paired else None
    return Timing(Spread.of(engines) if paired else None, Spread.of(surrogates), ratio, threads, machine.describe())


# --- display ----------------------------------------------------------------------------------------
_SINGULAR = {"frames": "frame", "configurations": "configuration", "spins": "spin", "columns": "column",
             "cells": "cell", "cell-steps": "cell-step", "events": "event", "encounters": "encounter"}


def units(task: Task) -> dict[str, str]:
    """Units of each column, with the task's item named."""
    item = task.cost.item if task.cost else "items"
    single = _SINGULAR.get(item, "item")
    return {"engine_seconds_per_item": f"s/{single}", "surrogate_seconds_per_item": f"s/{single}",
            "data_seconds": "s", "training_seconds": "s", "speedup": "×", "breakeven_items": item}


def fmt(column: str, part: Part, is_engine: bool = False) -> str:
    """One cell: the number, ``never``, ``1 (engine)``, n/a or —."""
    if column == "speedup" and is_engine:
        return "1 (engine)"
    if not part.applies:
        return NOT_APPLICABLE
    if part.value is None:
        return MISSING
    if math.isinf(part.value):
        return "never"
    return f"{part.value:.4g}" if column in ("data_seconds", "training_seconds") else f"{part.value:.3g}"


def definition(task: Task) -> str:
    """The sentence above a board's cost table: the engine, the item and how each column is made."""
    cm = task.cost
    if cm is None:
        return f"{task.name} declares no cost model (`Task.cost`)."
    return (f"**Cost** against {cm.engine} (what a user would otherwise run), per {_SINGULAR[cm.item]}: "
            "`speedup` = engine ÷ surrogate seconds per item, both timed in the entry's own run; "
            "`data_seconds` = generating the train and val splits (the generation record's shard times); "
            "`breakeven_items` = (data + training seconds) ÷ (engine − surrogate seconds per item), "
            "\"never\" when the surrogate is not faster; n/a where a part does not apply (references are not "
            "paid off; the engine itself has speed-up 1). Runs that interleave engine and surrogate timings show the "
            "spread of the per-pair speed-up and their number beside it.")


def markdown(task: Task, entries: list[dict], board_dir: Path | None) -> list[str]:
    """The cost table of one config's entries (in the given order) and its notes, as Markdown lines (the
    definitions are :func:`definition`, once per board)."""
    costs = board_costs(task, entries, board_dir)
    u = units(task)
    head = ["model"] + [f"{c} [{u[c]}]" for c in COLUMNS]
    engine = task.cost.engine if task.cost else "no engine declared"
    lines = ["", f"Cost (`{engine}` is the engine; definitions above):", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in costs:
        lines.append("| " + " | ".join([c.label] + c.cells()) + " |")
    reasons = missing(costs)
    if reasons:
        lines += ["", "— not recorded: " + "; ".join(reasons) + "."]
    return lines


def missing(costs: list[EntryCost]) -> list[str]:
    """Why each "—" of a cost table is there: ``"model, model: reason"``, one per reason."""
    reasons: dict[str, list[str]] = {}
    for c in costs:
        for k, p in c.parts().items():
            if p.applies and p.value is None and not (k == "speedup" and c.is_engine):
                models = reasons.setdefault(p.why, [])
                if c.model not in models:
                    models.append(c.model)
    return [f"{', '.join(models)}: {why}" for why, models in reasons.items()]


# --- the README's headline table --------------------------------------------------------------------
def headline(task: Task, entries: list[dict], board_dir: Path | None,
             sort_key: Callable[[dict, str, bool], float]) -> dict | None:
    """The best learned model of a board (``sort_key(entry, primary metric, higher is better)``, lowest first) on
    its headline config (``small`` where the board has it, else the config with most model entries) with its
    speed-up and breakeven; ``None`` without models."""
    models = [e for e in entries if e["role"] == "model" and not (task.cost and e["model"] in task.cost.engine_models)]
    if not models:
        return None
    configs = sorted({e["config"] for e in models})
    config = "small" if "small" in configs else max(configs, key=lambda c: sum(e["config"] == c for e in models))
    better = task.info_by_name()[task.primary_metric].higher_is_better
    best = min((e for e in models if e["config"] == config), key=lambda e: sort_key(e, task.primary_metric, better))
    cost = entry_cost(task, best, board_dir)
    return {"task": task.name, "config": config, "model": best["model"],
            "engine": task.cost.engine if task.cost else "", "item": task.cost.item if task.cost else "",
            "speedup": fmt("speedup", cost.speedup),
            "breakeven_items": fmt("breakeven_items", cost.breakeven_items)}


def headline_table(boards, sort_key: Callable[[dict, str, bool], float]) -> str:
    """The README's cost table from ``boards`` (``(task, entries, board folder)`` of every committed board): one
    line per task with a learned model, the best by ``sort_key`` (``mdbench site cost-table`` prints it)."""
    lines = ["| task | engine | item | best learned model (config) | speedup [×] | breakeven_items |",
             "|---|---|---|---|---|---|"]
    for task, entries, board_dir in boards:
        row = headline(task, entries, board_dir, sort_key)
        if row is None:
            continue
        be = row["breakeven_items"]
        lines.append(f"| `{row['task']}` | {row['engine']} | {row['item']} | {row['model']} (`{row['config']}`) | "
                     f"{row['speedup']} | {be} |")
    return "\n".join(lines)
