"""``mdbench leaderboard --rescore --timing``: re-measure what a board's timing metrics rest on.

A timing metric (:attr:`MetricInfo.timing`: a speed, a speed-up, a relative cost) comes from two
measurements of the recording run: the model's prediction speed, stored in its prediction file as
``items_per_second`` (and ``training_seconds``), and the task's yardstick
``Task.engine_items_per_second(data)`` (the physics engine on the same machine, same run).  Re-timing
the model would mean re-training and re-running every entry; this check does what is honest without
that: for every entry it re-derives each timing metric with :meth:`Task.score` from the prediction
file's own attributes and a **fresh** measurement of the yardstick here — :data:`RUNS` runs,
interleaved over the configs of the board so that a slow spell of the machine hits each alike — and
reports the recorded value against the re-derived one at the median yardstick, with the spread of
the re-derived value over the runs.

A ratio recorded ÷ re-derived outside that spread is noted (the yardstick here is not the recording
machine's); outside a factor-:data:`BAND` band it fails: an edited timing metric (a speed-up of 1.45
made 145), an entry whose metric does not follow from its own prediction file, or a recording machine
so unlike this one that the claim cannot be checked here.  Nothing is rewritten.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from mdbench.benchmark import leaderboard
from mdbench.core.errors import LeaderboardError
from mdbench.core.estimate import decode_number

#: yardstick measurements per config (interleaved over the board's configs)
RUNS = 3
#: recorded ÷ re-derived beyond this factor either way fails
BAND = 2.0


def _yardstick(task, data_by_config: dict, runs: int) -> dict[str, list[float | None]]:
    """``runs`` measurements of the task's engine speed per config, interleaved across the configs."""
    speeds: dict[str, list[float | None]] = {c: [] for c in data_by_config}
    for _ in range(runs):
        for name, data in data_by_config.items():
            speed = task.engine_items_per_second(data)
            speeds[name].append(None if speed is None else float(speed))
    return speeds


def _recorded_timing(where: str, timing: dict, here: float) -> str:
    """The interleaved timings an entry's run recorded (median, spread, n, threads, machine) beside the median
    yardstick measured here; whether it falls inside the recorded engine spread."""
    eng, sur = timing["engine_items_per_second"], timing["surrogate_items_per_second"]
    inside = eng["min"] <= here <= eng["max"]
    return (f"{where}: recorded interleaved timing on {timing['machine']} ({timing['threads']} thread(s)): engine "
            f"median {eng['median']:.4g}/s ({eng['min']:.4g}–{eng['max']:.4g}, n={eng['n']}), surrogate median "
            f"{sur['median']:.4g}/s ({sur['min']:.4g}–{sur['max']:.4g}, n={sur['n']}); the yardstick here "
            f"{here:.4g}/s is {'inside' if inside else 'outside'} the recorded engine spread")


def _value(record: dict | None) -> float:
    value = decode_number((record or {}).get("value"))
    return math.nan if value is None else float(value)


def rescore_timing(directory: Path | None = None, task_name: str | None = None, *, generate_missing: bool = False,
                   progress: bool = False, runs: int = RUNS) -> list[str]:
    """Re-derive every entry's timing metrics from its prediction file and a fresh yardstick (median of
    ``runs`` interleaved measurements, with their spread); one line per board and config (the yardstick) and
    per entry and timing metric.  Raises :class:`LeaderboardError` naming every entry outside the
    factor-:data:`BAND` band (or whose timing cannot be re-derived here); never rewrites an entry."""
    from mdbench.benchmark.submission import read_submission
    from mdbench.data import store

    report, problems, yardsticks = [], [], []
    for task, path in leaderboard._boards(directory, task_name):
        board_dir = path.parent
        timing = [m.name for m in task.metric_info() if m.timing]
        if not timing:
            report.append(f"{path.name}: {task.name} declares no timing metric")
            continue
        readable = []
        for i, entry in enumerate(leaderboard.read(task, board_dir)):
            where = f"{path.name}: {entry['model']} ({entry['config']}, seed {entry['seed']})"
            pred_path = leaderboard._check_entry(entry, board_dir, f"{path}: entries/{i}")
            if pred_path is None:
                problems.append(f"{where}: no prediction file here to re-derive its timing from; re-create it with: "
                                f"{entry['command']}")
                continue
            ds, meta, config = read_submission(task, pred_path)
            if (meta["model"], meta["config"], meta["seed"]) != (entry["model"], entry["config"], entry["seed"]):
                problems.append(f"{where}: its prediction file says model {meta['model']!r}, config "
                                f"{meta['config']!r}, seed {meta['seed']} (the entry was relabelled)")
                continue
            readable.append((where, entry, ds, meta, config))
        data = {}
        for _, entry, _, _, config in readable:
            if config.name not in data:
                data[config.name] = store.load_task_data(task, config, generate_missing=generate_missing,
                                                         progress=progress)
        speeds = _yardstick(task, data, runs)
        engine = {}
        for name, values in speeds.items():
            known = [v for v in values if v is not None]
            engine[name] = (min(known), statistics.median(known), max(known)) if known else (None, None, None)
            yardsticks.append(f"{path.name} ({name}): yardstick {type(task).__name__}.engine_items_per_second "
                              + (f"median {engine[name][1]:.4g}/s, spread {engine[name][0]:.4g}–{engine[name][2]:.4g}/s "
                                 f"(n={len(known)} runs, interleaved over {len(speeds)} config(s); units: "
                                 f"{getattr(task, 'item_units', 'items')} per second)" if known
                                 else "none (the task has no yardstick)"))
            report.append(yardsticks[-1])
        for where, entry, ds, meta, config in readable:
            lo, med, hi = engine[config.name]
            if "timing" in entry and "engine_items_per_second" in entry["timing"] and med is not None:
                report.append(_recorded_timing(where, entry["timing"], med))
            derived = {}
            for speed in dict.fromkeys((med, lo, hi)):  # each distinct yardstick value once
                derived[speed] = task.score(ds, data[config.name], items_per_second=meta.get("items_per_second"),
                                            engine_items_per_second=speed)
            for name in timing:
                recorded = _value(entry["metrics"].get(name))
                values = [derived[s][name].value for s in (lo, med, hi)]
                new, low, high = values[1], min(values), max(values)
                line = f"{where}: {name} recorded {recorded:.4g}, re-derived {new:.4g} (spread {low:.4g}–{high:.4g})"
                if math.isnan(recorded) and math.isnan(new):
                    report.append(f"{where}: {name} n/a (no speed recorded, none re-derived)")
                elif math.isnan(recorded) or math.isnan(new) or new == 0:
                    problems.append(f"{line}: one of them is not a number")
                else:
                    ratio = recorded / new
                    inside = low * (1 - 1e-9) <= recorded <= high * (1 + 1e-9)
                    if not 1 / BAND <= ratio <= BAND:
                        problems.append(f"{line}: ratio {ratio:.3g} is outside the factor-{BAND:g} band")
                    report.append(f"{line}, ratio {ratio:.3g}"
                                  + ("" if inside else " ⚠ outside the spread of the yardstick measured here")
                                  + ("" if 1 / BAND <= ratio <= BAND else f" ✗ outside the factor-{BAND:g} band"))
    if problems:
        raise LeaderboardError(f"{len(problems)} timing metrics do not follow from their prediction files and the "
                               f"yardstick measured here (nothing was rewritten): " + " | ".join(problems)
                               + " || " + " | ".join(yardsticks))
    return report

