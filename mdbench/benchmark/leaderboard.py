"""Leaderboards: one JSON file of entries per task, written only by `mdbench run`, rendered to Markdown,
and re-scorable from the predictions every entry keeps.

``<directory>/<task with / replaced by __>.json`` holds ``{"task": ..., "entries": [...]}``; each
entry has the model, its role (model or one of the references), metrics with standard errors and
their n, the dataset config, version and content hash (the manifest's sha256), the seed, the date,
the exact command that reproduces it, its prediction file (``predictions/<task>/<config>/…nc``
beside the JSON, with its sha256) and a sha256 of the entry itself.  ``--check`` verifies the
schema and both hashes; ``--rescore`` scores every prediction file again and fails on any
difference beyond floating-point noise.  An entry is keyed by (model, config, seed): re-running
replaces it instead of piling up duplicates.

Directories: a task's committed board lives in its system's package (``<package>/leaderboards/``,
see :class:`~mdbench.core.system.System`), so it travels with an installed package; ``mdbench run
--record`` writes it in the package's source tree.  A plain ``mdbench run`` writes ``runs/leaderboards/``
in the working directory, and ``mdbench leaderboard TASK`` shows that board where one exists (naming
the committed one).  ``$MDBENCH_LEADERBOARDS`` replaces all of them.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from mdbench import catalog
from mdbench.benchmark import cost, seeds
from mdbench.core.atomic import atomic_output, write_text_atomic
from mdbench.core.errors import LeaderboardError, check_schema
from mdbench.core.estimate import MIN_INDEPENDENT, decode_number
from mdbench.core.hashing import sha256_file, sha256_json
from mdbench.core.task import ROLES, Task

#: prediction files larger than this are not copied into the committed leaderboards (git): they go to
#: the prediction store ``$MDBENCH_HOME/predictions/`` of the machine that ran them, and the entry
#: keeps their sha256, so whoever has (or re-creates) the file can re-score the entry
MAX_RECORDED_BYTES = 8 << 20
#: how close a re-scored metric must be to the recorded one
RESCORE_RTOL, RESCORE_ATOL = 1e-6, 1e-10

_NUMBER = {"oneOf": [{"type": "number"}, {"enum": ["inf", "-inf", "nan"]}, {"type": "null"}]}
_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_SPREAD = {"type": "object", "additionalProperties": False, "required": ["median", "min", "max", "n"],
           "properties": {"median": {"type": "number"}, "min": {"type": "number"}, "max": {"type": "number"},
                          "n": {"type": "integer", "minimum": 1}}}
ENTRY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["model", "role", "config", "seed", "dataset_version", "mdbench_version", "date",
                 "command", "code", "metrics", "sha256"],
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "role": {"enum": list(ROLES)},
        "config": {"type": "string"},
        "seed": {"type": "integer"},
        "dataset_version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        "dataset_sha256": _SHA256,
        "mdbench_version": {"type": "string"},
        "date": {"type": "string", "format": "date-time"},
        "command": {"type": "string", "pattern": "^mdbench (run|submit) "},
        # "external": scored from a file and a model card (`mdbench submit`), not reproduced; absent or
        # "reproduced": written by `mdbench run`
        "origin": {"enum": ["external", "reproduced"]},
        "card": {  # an external entry's model card, stored beside its predictions
            "type": "object", "additionalProperties": False, "required": ["file", "sha256"],
            "properties": {"file": {"type": "string", "pattern": r"^predictions/[A-Za-z0-9_./+-]+\.ya?ml$"},
                           "sha256": _SHA256},
        },
        "code": {"type": "string"},
        "device": {"type": "string"},
        "training": {  # throughput of the fit that made the predictions (not re-scored)
            "type": "object", "additionalProperties": False, "required": ["seconds", "epochs", "threads"],
            "properties": {"seconds": {"type": "number", "minimum": 0}, "epochs": {"type": "integer", "minimum": 0},
                           "threads": {"type": "integer", "minimum": 1}, "epochs_per_second": _NUMBER},
        },
        "timing": {  # the interleaved engine and surrogate timings of the run (mdbench.benchmark.cost.Timing)
            "type": "object", "additionalProperties": False,
            "required": ["surrogate_items_per_second", "threads", "machine"],
            "properties": {**{k: _SPREAD for k in ("surrogate_items_per_second", "engine_items_per_second", "speedup")},
                           "threads": {"type": "integer", "minimum": 1}, "machine": {"type": "string"}},
        },
        "metrics": {
            "type": "object",
            "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["value", "stderr"],
                "properties": {"value": _NUMBER, "stderr": _NUMBER, "n": {"type": "integer", "minimum": 1},
                               "estimator": {"type": "string"}},
            },
        },
        "predictions": {
            "type": "object", "additionalProperties": False, "required": ["file", "sha256", "bytes"],
            "properties": {"file": {"type": "string", "pattern": r"^predictions/[A-Za-z0-9_./+-]+\.nc$"},
                           "sha256": _SHA256, "bytes": {"type": "integer", "minimum": 0},
                           "location": {"enum": ["leaderboard", "store"]}},
        },
        "sha256": _SHA256,
    },
}
FILE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["task", "entries"],
    "properties": {"task": {"type": "string"}, "entries": {"type": "array", "items": ENTRY_SCHEMA},
                   # the board's manifest: a hash over its ordered entry hashes, so a deleted, duplicated or
                   # added entry shows even where each remaining entry is sealed
                   "entries_sha256": _SHA256},
}


def _override() -> Path | None:
    return Path(os.environ["MDBENCH_LEADERBOARDS"]) if os.environ.get("MDBENCH_LEADERBOARDS") else None


def committed_dir(task_name: str) -> Path:
    """The committed board of a task: ``leaderboards/`` of its system's package (``$MDBENCH_LEADERBOARDS``
    replaces it)."""
    return _override() or catalog.system_of(task_name).leaderboard_dir


def run_dir() -> Path:
    """Where a plain ``mdbench run`` writes: ``$MDBENCH_LEADERBOARDS`` or ``./runs/leaderboards``."""
    return _override() or Path.cwd() / "runs" / "leaderboards"


def record_dir(task_name: str) -> Path:
    """Where ``mdbench run --record`` writes: ``$MDBENCH_LEADERBOARDS`` or the system's ``leaderboards/``
    in its source tree (an installed copy refuses with one line)."""
    if _override():
        return _override()
    system = catalog.system_of(task_name)
    return system.recording_dir(system.leaderboard_dir, "committed leaderboards")


def existing_dir(directory: Path) -> Path:
    """``directory``, which must exist."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LeaderboardError(f"{directory}: no such leaderboard directory")
    return directory


def file_name(task: str) -> str:
    return f"{task.replace('/', '__')}.json"


def path_for(task: str, directory: Path | None = None) -> Path:
    return Path(directory or committed_dir(task)) / file_name(task)


def entry_hash(entry: dict) -> str:
    """sha256 of an entry without its own ``sha256`` field (what ``--check`` compares)."""
    return sha256_json({k: v for k, v in entry.items() if k != "sha256"})


def entries_hash(entries: list[dict]) -> str:
    """The board's manifest: sha256 over its entries' hashes in their order."""
    return sha256_json([e.get("sha256") for e in entries])


def read(task: Task, directory: Path | None = None, *, allow_stale: bool = False) -> list[dict]:
    """The entries of ``task``'s leaderboard; ``allow_stale`` accepts entries scored with an older
    metric set (what :func:`upsert` needs while a sweep re-creates them one model at a time)."""
    path = path_for(task.name, directory)
    if not path.exists():
        return []
    try:
        board = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise LeaderboardError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:  # arrays or objects nested thousands deep: no board is like that
        raise LeaderboardError(f"{path}: nested too deep to be a leaderboard; restore it from version control or "
                               "re-create it with `mdbench run`") from None
    _validate(board, task, path, allow_stale=allow_stale)
    return board["entries"]


def _validate(board: dict, task: Task, path: Path, *, allow_stale: bool = False) -> list[str]:
    """Raise on a malformed board; return the commands that re-create stale entries (metrics
    differ from the task's), which raise too unless ``allow_stale``."""
    check_schema(board, FILE_SCHEMA, LeaderboardError, str(path))
    if board["task"] != task.name:
        raise LeaderboardError(f"{path}: holds task {board['task']!r}, expected {task.name!r}")
    known = set(task.info_by_name())
    stale = []
    for i, entry in enumerate(board["entries"]):
        if entry["config"] not in task.spec.configs:
            raise LeaderboardError(f"{path}: entries/{i}: unknown config {entry['config']!r}")
        missing = known - set(entry["metrics"])
        extra = set(entry["metrics"]) - known
        if missing or extra:
            if not allow_stale:
                raise LeaderboardError(
                    f"{path}: entries/{i} ({entry['model']}): metrics differ from the task's "
                    f"(missing {sorted(missing)}, unknown {sorted(extra)}); re-create it with: {entry['command']} --record"
                )
            stale.append(entry["command"])
    return stale


def prediction_store() -> Path:
    """Where prediction files too large for a committed leaderboard are kept: ``$MDBENCH_HOME/predictions``."""
    from mdbench.data import store

    return store.home() / "predictions"


def store_predictions(task: Task, entry: dict, predictions: Path, directory: Path, *, limit: int | None) -> dict:
    """Copy a prediction file beside the leaderboard, or into :func:`prediction_store` when it is larger
    than ``limit``; returns the entry's ``predictions`` record."""
    size = Path(predictions).stat().st_size
    location = "store" if limit is not None and size > limit else "leaderboard"
    rel = Path("predictions") / task.name.replace("/", "__") / entry["config"] / f"{entry['model']}__seed{entry['seed']}.nc"
    target = (prediction_store().parent if location == "store" else Path(directory)) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as tmp:
        shutil.copyfile(predictions, tmp)
    record = {"file": rel.as_posix(), "sha256": sha256_file(target), "bytes": size}
    return {**record, "location": "store"} if location == "store" else record


def write_table(task: Task, directory: Path | None = None) -> Path:
    """(Re-)render the Markdown table of a board from its JSON."""
    path = path_for(task.name, directory).with_suffix(".md")
    write_text_atomic(path, render(task, directory=directory) + "\n")
    return path


def upsert(task: Task, entries: list[dict], directory: Path | None = None) -> Path:
    """Add or replace entries (by model, config, seed), seal each with its hash and re-render the
    Markdown table; atomic."""
    path = path_for(task.name, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    board = {"task": task.name, "entries": read(task, directory, allow_stale=True)}
    keys = {(e["model"], e["config"], e["seed"]) for e in entries}
    board["entries"] = [e for e in board["entries"] if (e["model"], e["config"], e["seed"]) not in keys]
    board["entries"] += [{**e, "sha256": entry_hash(e)} for e in entries]
    board["entries"].sort(key=lambda e: (e["config"], e["model"], e["seed"]))
    board["entries_sha256"] = entries_hash(board["entries"])
    stale = _validate(board, task, path, allow_stale=True)
    if stale:  # kept, shown as n/a where a metric is new, and refused by --check until re-created
        print(f"mdbench: {path.name}: {len(stale)} entries were scored with an older metric set; re-create them "
              f"with: {'; '.join(c + ' --record' for c in stale)}", file=sys.stderr)
    write_text_atomic(path, json.dumps(board, indent=1, ensure_ascii=False) + "\n")
    write_table(task, directory)
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
    if rec.get("n") is not None:  # shown with or without an error bar: n = 1 has none
        text += f" (n={rec['n']}{' ⚠' if rec['n'] < MIN_INDEPENDENT else ''})"
    return text


#: the public name of the one-cell format of a metric record (value ± stderr (n=…))
format_metric = _fmt
#: how the rendered table marks an external entry, and the legend under a table holding one
EXTERNAL_MARK = "†"
EXTERNAL_LEGEND = (f"{EXTERNAL_MARK} external — scored, not reproduced (`mdbench submit` with a model card); every "
                   "other entry is reproduced by `mdbench run` (its command is in the JSON).")


def _sort_key(entry: dict, metric: str, higher_is_better: bool) -> float:
    value = decode_number(entry["metrics"].get(metric, {}).get("value"))
    if value is None or math.isnan(value):
        return math.inf
    return -value if higher_is_better else value


def _fmt_training(training: dict | None) -> str:
    """Fit time, epochs and throughput of an entry, e.g. ``95 s, 40 ep (0.42 ep/s), 2 thr``."""
    if not training:
        return "—"
    if not training["epochs"]:
        return f"{training['seconds']:.3g} s"
    return (f"{training['seconds']:.3g} s, {training['epochs']} ep ({training['epochs_per_second']:.3g} ep/s), "
            f"{training['threads']} thr")


def render(task: Task, config: str | None = None, directory: Path | None = None) -> str:
    """Markdown table(s), one per config, sorted by the primary metric; references included."""
    if config is not None:
        task.spec.config(config)  # an unknown config is an error, not an empty table
    entries = read(task, directory, allow_stale=True)
    info = task.info_by_name()
    primary = info[task.primary_metric]
    configs = [config] if config else sorted({e["config"] for e in entries})
    lines = [f"# {task.name} — {task.summary}", "",
             f"Sorted by `{primary.name}` ({'higher' if primary.higher_is_better else 'lower'} is better). "
             f"Values are estimate ± {task.error_note}; (n=…) is the number of independent pieces behind the "
             f"standard error, ⚠ fewer than {MIN_INDEPENDENT}. Every entry keeps its predictions and is "
             "re-scored by `mdbench leaderboard --rescore`."]
    if task.board_note:
        lines += ["", f"**Where the competition lies.** {task.board_note}"]
    lines += ["", cost.definition(task)]
    if not any(e["config"] in configs for e in entries):
        lines += ["", f"(no entries yet: run `mdbench run {task.name} --model NAME`)"]
    for cfg in configs:
        rows = sorted((e for e in entries if e["config"] == cfg),
                      key=lambda e: _sort_key(e, primary.name, primary.higher_is_better))
        if not rows:
            continue
        cols = task.leaderboard_columns_for(task.spec.config(cfg))
        head = ["model", "role"] + [f"{c} [{info[c].units}]" for c in cols] + ["training", "seed", "date"]
        lines += ["", f"## config `{cfg}` (dataset {task.dataset} v{rows[0]['dataset_version']})", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for e in rows:
            name = f"**{e['model']}**" if e["role"] == "model" else e["model"]
            if e.get("origin") == "external":
                name += f" {EXTERNAL_MARK}"
            cells = [name, e["role"]] + [_fmt(e["metrics"].get(c)) for c in cols] + [
                _fmt_training(e.get("training")), str(e["seed"]), e["date"][:10]]
            lines.append("| " + " | ".join(cells) + " |")
        if any(e.get("origin") == "external" for e in rows):
            lines += ["", EXTERNAL_LEGEND]
        lines += seeds.markdown(task, rows)
        lines += cost.markdown(task, rows, path_for(task.name, directory).parent)
    return "\n".join(lines)


def committed_boards() -> list[tuple[Task, list[dict], Path]]:
    """``(task, entries, folder)`` of every committed board, each read from its system's package (whatever
    ``$MDBENCH_LEADERBOARDS`` says)."""
    out = []
    for system in catalog.systems().values():
        for name in sorted(system.tasks):
            if path_for(name, system.leaderboard_dir).is_file():
                task = catalog.task(name)
                out.append((task, read(task, system.leaderboard_dir, allow_stale=True), system.leaderboard_dir))
    return out


def _boards(directory: Path | None, task_name: str | None) -> list[tuple[Task, Path]]:
    """``(task, board file)`` of one task or of every board: in ``directory`` if given, else the committed
    boards of every system (each in its own package)."""
    directory = directory or _override()
    if task_name is not None:
        task = catalog.task(task_name)  # an unknown task is an error
        path = path_for(task_name, existing_dir(directory) if directory else None)
        if not path.exists():
            raise LeaderboardError(f"{path}: no leaderboard for {task_name!r} in {path.parent}")
        return [(task, path)]
    if directory is not None:
        folders = {existing_dir(directory): catalog.task_names()}
    else:
        folders = {}
        for name in catalog.task_names():
            folders.setdefault(catalog.system_of(name).leaderboard_dir, []).append(name)
    out = []
    for folder, names in folders.items():
        tasks = {file_name(name): name for name in names}
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            if path.name not in tasks:
                raise LeaderboardError(f"{path}: no task of that name (known files: {', '.join(sorted(tasks))})")
            out.append((catalog.task(tasks[path.name]), path))
    return out


def _prediction_path(entry: dict, directory: Path) -> Path:
    """Where an entry's prediction file is: inside the board's folder (or the prediction store), never outside."""
    record = entry["predictions"]
    base = prediction_store().parent if record.get("location") == "store" else Path(directory)
    path = base / record["file"]
    if ".." in Path(record["file"]).parts or not path.resolve().is_relative_to(base.resolve()):
        raise LeaderboardError(f"{entry['model']}: prediction file {record['file']!r} points outside {base}")
    return path


def _check_entry(entry: dict, directory: Path, where: str) -> Path | None:
    """Verify an entry's own hash and its prediction file's; the file's path, or None where there is
    none to check (no predictions recorded, or kept in another machine's prediction store)."""
    if "sha256" in entry and entry["sha256"] != entry_hash(entry):
        raise LeaderboardError(f"{where} ({entry['model']}): the entry was changed after `mdbench run` wrote it "
                               f"(its sha256 does not match); re-create it with: {entry['command']}")
    if "predictions" not in entry:
        return None
    path = _prediction_path(entry, directory)
    if not path.is_file():
        if entry["predictions"].get("location") == "store":
            return None
        raise LeaderboardError(f"{where} ({entry['model']}): prediction file {path} is missing")
    if sha256_file(path) != entry["predictions"]["sha256"]:
        raise LeaderboardError(f"{where} ({entry['model']}): prediction file {path} differs from the one recorded")
    _check_card(entry, directory, where)
    return path


def _check_card(entry: dict, directory: Path, where: str) -> None:
    """An external entry has a model card beside its predictions: present, unchanged and valid."""
    from mdbench.benchmark import model_card

    if entry.get("origin") != "external":
        if "card" in entry:
            raise LeaderboardError(f"{where} ({entry['model']}): a model card on an entry not marked external")
        return
    if "card" not in entry:
        raise LeaderboardError(f"{where} ({entry['model']}): an external entry without its model card; submit it "
                               f"again with: {entry['command']}")
    path = Path(directory) / entry["card"]["file"]
    if ".." in Path(entry["card"]["file"]).parts or not path.is_file():
        raise LeaderboardError(f"{where} ({entry['model']}): model card {path} is missing")
    if sha256_file(path) != entry["card"]["sha256"]:
        raise LeaderboardError(f"{where} ({entry['model']}): model card {path} differs from the one recorded")
    model_card.load(path, error=LeaderboardError)


def check(directory: Path | None = None, task_name: str | None = None) -> list[str]:
    """Validate every leaderboard file: schema, entry hashes, prediction-file hashes.

    Returns one summary line per file; raises on the first error.
    """
    report = []
    for task, path in _boards(directory, task_name):
        directory = path.parent
        entries = read(task, directory)
        elsewhere = sum(_check_entry(entry, directory, f"{path}: entries/{i}") is None
                        and entry.get("predictions", {}).get("location") == "store" for i, entry in enumerate(entries))
        _check_board(task, path, entries)
        note = (f" ({elsewhere} prediction files not in this machine's store {prediction_store()}: "
                f"`mdbench leaderboard --reproduce {task.name}` re-runs them)" if elsewhere else "")
        report.append(f"{path.name}: {len(entries)} entries ok{note}")
    return report


def _check_board(task: Task, path: Path, entries: list[dict]) -> None:
    """What no single entry shows: the board's manifest (deleted, duplicated, added entries), and its
    rendered table equal to a fresh render of the JSON."""
    keys = [(e["model"], e["config"], e["seed"]) for e in entries]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise LeaderboardError(f"{path}: entries {twice} (model, config, seed) appear more than once")
    recorded = json.loads(path.read_text()).get("entries_sha256")
    if recorded != entries_hash(entries):
        raise LeaderboardError(f"{path}: the set of entries differs from the board's manifest (entries_sha256): an "
                               "entry was deleted, added or reordered by hand; re-create the board with `mdbench run`")
    table = path.with_suffix(".md")
    if not table.is_file() or table.read_text() != render(task, directory=path.parent) + "\n":
        raise LeaderboardError(f"{table}: differs from a fresh render of {path.name} (edited by hand, or stale); "
                               f"re-render it with `mdbench leaderboard --render {task.name}`")


def rescore(directory: Path | None = None, task_name: str | None = None, *, generate_missing: bool = False,
            progress: bool = False, update: bool = False) -> list[str]:
    """Score every entry's prediction file again and compare with the recorded metrics.

    Timing metrics (:attr:`MetricInfo.timing`) are reported by the original run and not compared.
    Raises :class:`LeaderboardError` naming every entry and metric that differs.

    ``update``: re-score with the task's *current* metric set and rewrite the entries (re-sealed, the
    table re-rendered), so a metric added to a task costs no re-training.  Timing metrics keep their
    recorded values (a new one is n/a until the entry is re-run); a changed value is reported.
    """
    from mdbench.benchmark.submission import read_submission
    from mdbench.data import store

    report, problems = [], []
    for task, path in _boards(directory, task_name):
        directory = path.parent
        info = task.info_by_name()
        data_cache, updated = {}, []
        for i, entry in enumerate(read(task, directory, allow_stale=update)):
            where = f"{path.name}: {entry['model']} ({entry['config']}, seed {entry['seed']})"
            pred_path = _check_entry(entry, directory, f"{path}: entries/{i}")
            if pred_path is None:
                why = ("its prediction file is kept in the prediction store of the machine that recorded it, not in "
                       f"{prediction_store()}" if "predictions" in entry else "no prediction file recorded")
                rerun = (f"re-run and compare it with `mdbench leaderboard --reproduce {task.name}`, or "
                         if "predictions" in entry else "")
                problems.append(f"{where}: {why}; {rerun}re-create it with: {entry['command']}")
                continue
            ds, meta, config = read_submission(task, pred_path)
            claimed = {k: entry[k] for k in ("model", "config", "seed")}
            if {k: meta[k] for k in claimed} != claimed:
                problems.append(f"{where}: its prediction file says model {meta['model']!r}, config {meta['config']!r}, "
                                f"seed {meta['seed']} (the entry was relabelled)")
                continue
            reproduce = f"mdbench run {task.name} --model {meta['model']} --config {meta['config']} --seed {meta['seed']}"
            if entry.get("origin") != "external" and entry["command"] != reproduce:  # as run.command writes it
                problems.append(f"{where}: its command {entry['command']!r} does not reproduce it ({reproduce!r})")
                continue
            known = catalog.models(task.name).get(entry["model"])
            if known is not None and known.role != entry["role"]:
                problems.append(f"{where}: recorded as a {entry['role']}, but {entry['model']!r} is a {known.role}")
                continue
            if config.name not in data_cache:
                data_cache[config.name] = store.load_task_data(task, config, generate_missing=generate_missing,
                                                               progress=progress)
            mismatch = dataset_mismatch(task, entry)
            if mismatch:
                problems.append(f"{where}: {mismatch}")
                continue
            scores = task.score(ds, data_cache[config.name], items_per_second=meta.get("items_per_second"),
                                engine_items_per_second=None)
            recorded = entry["metrics"]
            differ = [name for name, est in scores.items() if not info[name].timing and name in recorded
                      and not close(est.to_record(), recorded[name])]
            if update:
                added = sorted(set(scores) - set(recorded))
                dropped = sorted(set(recorded) - set(scores))
                metrics = {name: recorded[name] if info[name].timing and name in recorded else est.to_record()
                           for name, est in scores.items()}
                updated.append({**entry, "metrics": metrics})
                report.append(f"{where}: updated (added {added or 'none'}, dropped {dropped or 'none'}"
                              f"{', changed ' + str(differ) if differ else ''})")
            elif differ:
                problems.append(f"{where}: {', '.join(differ)} differ from the recorded value "
                                f"(e.g. {differ[0]}: recorded {recorded[differ[0]]['value']}, "
                                f"re-scored {scores[differ[0]].to_record()['value']})")
            else:
                report.append(f"{where}: {sum(not info[m].timing for m in scores)} metrics reproduced")
        if updated and not problems:
            upsert(task, updated, directory)
    if problems:
        raise LeaderboardError(f"{len(problems)} entries do not re-score{' (nothing was rewritten)' if update else ''}: "
                               + " | ".join(problems))
    return report


def dataset_mismatch(task: Task, entry: dict) -> str | None:
    """Why this machine's copy of the entry's dataset is not the one it was scored on (another version, another
    hash), or ``None``."""
    from mdbench.data import store

    if entry["dataset_version"] != task.spec.version:
        return (f"recorded on dataset version {entry['dataset_version']!r}, but its dataset {task.dataset} is version "
                f"{task.spec.version!r} here; re-create it with: {entry['command']}")
    if entry.get("dataset_sha256") not in (None, store.dataset_hash(task.spec, entry["config"])):
        return (f"the local dataset {task.dataset}/{entry['config']} differs from the one scored (dataset_sha256); "
                "regenerate it with `mdbench data generate --force`")
    return None


def close(new: dict, old: dict) -> bool:
    """A re-scored metric record equals the recorded one: value and stderr to floating-point noise, n exactly."""
    if new.get("n") != old.get("n"):
        return False
    for key in ("value", "stderr"):
        a, b = decode_number(new.get(key)), decode_number(old.get(key))
        if a is None or b is None:
            if (a is None) != (b is None):
                return False
            continue
        if not np.isclose(a, b, rtol=RESCORE_RTOL, atol=RESCORE_ATOL, equal_nan=True) and not a == b:
            return False
    return True
