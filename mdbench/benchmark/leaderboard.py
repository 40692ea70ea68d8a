"""Leaderboards: one JSON file of entries per task, written only by `mdbench run`, rendered to Markdown.

``<directory>/<task with / replaced by __>.json`` holds ``{"task": ..., "entries": [...]}``; each
entry has the model, its role (model or one of the references), metrics with standard errors, the
dataset config and version, the seed, the date and the exact command that reproduces it.  An entry
is keyed by (model, config, seed): re-running replaces it instead of piling up duplicates.

Directories: the project's committed leaderboards (``leaderboards/`` of a checkout, or the copy a
non-editable install carries) are what ``mdbench leaderboard`` shows and what ``mdbench run
--record`` writes; a plain ``mdbench run`` writes ``runs/leaderboards/`` in the working directory.
``$MDBENCH_LEADERBOARDS`` replaces both.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from mdbench import catalog
from mdbench.core.atomic import write_text_atomic
from mdbench.core.errors import LeaderboardError, MdbenchError, check_schema
from mdbench.core.estimate import decode_number
from mdbench.core.spec import project_file
from mdbench.core.task import ROLES, Task

_NUMBER = {"oneOf": [{"type": "number"}, {"enum": ["inf", "-inf", "nan"]}, {"type": "null"}]}
ENTRY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["model", "role", "config", "seed", "dataset_version", "mdbench_version", "date",
                 "command", "code", "metrics"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "role": {"enum": list(ROLES)},
        "config": {"type": "string"},
        "seed": {"type": "integer"},
        "dataset_version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        "mdbench_version": {"type": "string"},
        "date": {"type": "string", "format": "date-time"},
        "command": {"type": "string", "pattern": "^mdbench run "},
        "code": {"type": "string"},
        "metrics": {
            "type": "object",
            "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["value", "stderr"],
                "properties": {"value": _NUMBER, "stderr": _NUMBER, "n": {"type": "integer", "minimum": 1},
                               "estimator": {"type": "string"}},
            },
        },
    },
}
FILE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["task", "entries"],
    "properties": {"task": {"type": "string"}, "entries": {"type": "array", "items": ENTRY_SCHEMA}},
}


def _override() -> Path | None:
    return Path(os.environ["MDBENCH_LEADERBOARDS"]) if os.environ.get("MDBENCH_LEADERBOARDS") else None


def default_dir() -> Path:
    """The leaderboards ``mdbench leaderboard`` shows: ``$MDBENCH_LEADERBOARDS`` or the committed ones."""
    return _override() or project_file("leaderboards")


def run_dir() -> Path:
    """Where a plain ``mdbench run`` writes: ``$MDBENCH_LEADERBOARDS`` or ``./runs/leaderboards``."""
    return _override() or Path.cwd() / "runs" / "leaderboards"


def record_dir() -> Path:
    """Where ``mdbench run --record`` writes: ``$MDBENCH_LEADERBOARDS`` or the checkout's ``leaderboards/``."""
    if _override():
        return _override()
    directory = project_file("leaderboards")
    if not directory.parent.joinpath("pyproject.toml").is_file():  # an installed copy, not a checkout
        raise MdbenchError(f"--record writes the committed leaderboards of a source checkout, and {directory} is not "
                           "one; run from a clone of the repository or set MDBENCH_LEADERBOARDS")
    return directory


def path_for(task: str, directory: Path | None = None) -> Path:
    return Path(directory or default_dir()) / f"{task.replace('/', '__')}.json"


def read(task: Task, directory: Path | None = None) -> list[dict]:
    path = path_for(task.name, directory)
    if not path.exists():
        return []
    try:
        board = json.loads(path.read_text())
    except ValueError as exc:
        raise LeaderboardError(f"{path}: not valid JSON ({exc})") from None
    _validate(board, task, path)
    return board["entries"]


def _validate(board: dict, task: Task, path: Path) -> None:
    check_schema(board, FILE_SCHEMA, LeaderboardError, str(path))
    if board["task"] != task.name:
        raise LeaderboardError(f"{path}: holds task {board['task']!r}, expected {task.name!r}")
    known = set(task.info_by_name())
    for i, entry in enumerate(board["entries"]):
        missing = known - set(entry["metrics"])
        extra = set(entry["metrics"]) - known
        if missing or extra:
            raise LeaderboardError(
                f"{path}: entries/{i} ({entry['model']}): metrics differ from the task's "
                f"(missing {sorted(missing)}, unknown {sorted(extra)}); re-create it with: {entry['command']}"
            )
        if entry["config"] not in task.spec.configs:
            raise LeaderboardError(f"{path}: entries/{i}: unknown config {entry['config']!r}")


def upsert(task: Task, entries: list[dict], directory: Path | None = None) -> Path:
    """Add or replace entries (by model, config, seed) and re-render the Markdown table; atomic."""
    path = path_for(task.name, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    board = {"task": task.name, "entries": read(task, directory)}
    keys = {(e["model"], e["config"], e["seed"]) for e in entries}
    board["entries"] = [e for e in board["entries"] if (e["model"], e["config"], e["seed"]) not in keys]
    board["entries"] += entries
    board["entries"].sort(key=lambda e: (e["config"], e["model"], e["seed"]))
    _validate(board, task, path)
    write_text_atomic(path, json.dumps(board, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(path.with_suffix(".md"), render(task, directory=directory) + "\n")
    return path


def _fmt(rec: dict | None) -> str:
    if rec is None:
        return "—"
    value, err = decode_number(rec["value"]), decode_number(rec["stderr"])
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:.3g}"
    if err is not None and math.isfinite(err):
        text += f" ± {err:.2g}"
    return text


def _sort_key(entry: dict, metric: str, higher_is_better: bool) -> float:
    value = decode_number(entry["metrics"].get(metric, {}).get("value"))
    if value is None or math.isnan(value):
        return math.inf
    return -value if higher_is_better else value


def render(task: Task, config: str | None = None, directory: Path | None = None) -> str:
    """Markdown table(s), one per config, sorted by the primary metric; references included."""
    entries = read(task, directory)
    info = task.info_by_name()
    primary = info[task.primary_metric]
    configs = [config] if config else sorted({e["config"] for e in entries})
    lines = [f"# {task.name} — {task.summary}", "",
             f"Sorted by `{primary.name}` ({'higher' if primary.higher_is_better else 'lower'} is better). "
             f"Values are estimate ± {task.error_note}. Every entry is reproduced by its command."]
    if not entries:
        lines += ["", f"(no entries yet: run `mdbench run {task.name} --model NAME`)"]
    for cfg in configs:
        rows = sorted((e for e in entries if e["config"] == cfg),
                      key=lambda e: _sort_key(e, primary.name, primary.higher_is_better))
        if not rows:
            continue
        cols = task.leaderboard_columns
        head = ["model", "role"] + [f"{c} [{info[c].units}]" for c in cols] + ["seed", "date"]
        lines += ["", f"## config `{cfg}` (dataset {task.dataset} v{rows[0]['dataset_version']})", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for e in rows:
            name = f"**{e['model']}**" if e["role"] == "model" else e["model"]
            cells = [name, e["role"]] + [_fmt(e["metrics"].get(c)) for c in cols] + [str(e["seed"]), e["date"][:10]]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def check(directory: Path | None = None) -> list[str]:
    """Validate every leaderboard file; returns one summary line per file, raises on the first error."""
    directory = Path(directory or default_dir())
    tasks = {path_for(name, directory).name: name for name in catalog.task_names()}
    report = []
    for path in sorted(directory.glob("*.json")):
        if path.name not in tasks:
            raise LeaderboardError(f"{path}: no task of that name (known files: {', '.join(sorted(tasks))})")
        report.append(f"{path.name}: {len(read(catalog.task(tasks[path.name]), directory))} entries ok")
    return report
