"""Outside models onto the boards: `mdbench submit TASK FILE --card MODEL.yaml [--record]` and the commands
that lead to it (`mdbench task show`, `mdbench task template`).

A submission file is read exactly as `mdbench score` and `mdbench run` read theirs (header inspected, only
contract variables read, rows matched by label), its model card is validated
(:mod:`mdbench.benchmark.model_card`), and it is scored with the same :meth:`Task.score`.  The entry is
marked ``"origin": "external"`` (scored, not reproduced); its prediction file and card are stored beside
the board with their sha256, so `mdbench leaderboard --check` re-validates the card and `--rescore`
re-scores the entry like every other.
"""

from __future__ import annotations

import datetime as _dt
import math
import shlex
from pathlib import Path

import mdbench
from mdbench import catalog
from mdbench.benchmark import leaderboard, model_card, task_info
from mdbench.benchmark.submission import read_submission
from mdbench.core.atomic import atomic_output
from mdbench.core.errors import SubmissionError
from mdbench.core.estimate import decode_number
from mdbench.core.hashing import sha256_file
from mdbench.core.task import Task


def command(task: Task, file: Path, card: Path, record: bool) -> str:
    """The `mdbench submit` line an external entry records."""
    line = f"mdbench submit {task.name} {shlex.quote(Path(file).name)} --card {shlex.quote(Path(card).name)}"
    return line + (" --record" if record else "")


def submit(task: Task, file: Path, card_path: Path, *, record: bool = False, directory: Path | None = None
           ) -> tuple[dict, Path]:
    """Validate ``file`` and its card, score the file, and write an external entry (``record``: into the
    committed board of the system's package, else ``directory`` or ./runs/leaderboards); returns
    ``(entry, board path)``."""
    from mdbench.data import store

    file, card_path = Path(file), Path(card_path)
    target = Path(leaderboard.record_dir(task.name) if record else directory or leaderboard.run_dir())
    ds, meta, config = read_submission(task, file)
    card = model_card.load(card_path)
    model_card.check_against(card, meta, task.dataset, str(card_path))
    if meta["model"] in catalog.models(task.name):
        raise SubmissionError(f"{file}: model {meta['model']!r} is a model mdbench runs for {task.name}; an external "
                              "entry takes a name of its own (global attribute `model` and the card's `name`)")
    data = store.load_task_data(task, config)
    scores = task.score(ds, data, items_per_second=meta.get("items_per_second"),
                        engine_items_per_second=task.engine_items_per_second(data))
    stamp = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    entry = {"model": meta["model"], "role": "model", "config": config.name, "seed": meta["seed"],
             "dataset_version": task.spec.version, "dataset_sha256": store.dataset_hash(task.spec, config.name),
             "mdbench_version": mdbench.__version__, "date": stamp.isoformat(),
             "command": command(task, file, card_path, record), "code": meta["code"], "origin": "external",
             "metrics": {k: v.to_record() for k, v in scores.items()}}
    entry["predictions"] = leaderboard.store_predictions(task, entry, file, target,
                                                         limit=leaderboard.MAX_RECORDED_BYTES if record else None)
    rel = Path(entry["predictions"]["file"]).with_suffix(".yaml")
    card_target = target / rel
    card_target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(card_target) as tmp:
        Path(tmp).write_bytes(card_path.read_bytes())
    entry["card"] = {"file": rel.as_posix(), "sha256": sha256_file(card_target)}
    return entry, leaderboard.upsert(task, [entry], target)


def rank(task: Task, config: str, value: float) -> tuple[int, int] | None:
    """``(rank, entries + 1)`` a primary-metric ``value`` would take on the committed board of ``config``."""
    entries = task_info.committed_entries(task, config)
    if not entries or value is None or math.isnan(value):
        return None
    higher = task.info_by_name()[task.primary_metric].higher_is_better
    better = 0
    for e in entries:
        v = decode_number(e["metrics"].get(task.primary_metric, {}).get("value"))
        if v is not None and not math.isnan(v) and (v > value if higher else v < value):
            better += 1
    return better + 1, len(entries) + 1


def score_context_lines(task: Task, config: str, scores: dict) -> list[str]:
    """What `mdbench score` prints first: the primary metric, the references on the committed board of that
    config and the rank the submission would take there."""
    info = task.info_by_name()[task.primary_metric]
    est = scores[task.primary_metric]
    rec = est.to_record()
    lines = [f"primary metric {task.primary_metric} [{info.units}] ({'higher' if info.higher_is_better else 'lower'}"
             f" is better): {leaderboard.format_metric(rec)}"]
    lines += task_info.reference_lines(task, config)
    where = rank(task, config, est.value)
    if where is not None:
        lines.append(f"rank on the committed board ({config}): {where[0]} of {where[1]}")
    return lines


def _cmd_task_show(args) -> None:
    for line in task_info.show_lines(catalog.task(args.task), args.config):
        print(line)


def _cmd_task_template(args) -> None:
    task = catalog.task(args.task)
    out = Path(args.out)
    if out.is_dir() or not out.parent.is_dir():
        raise SubmissionError(f"{out}: give a file name in an existing directory")
    path = task_info.template(task, args.config, out, progress=not args.quiet)
    print(f"wrote {path}: the static reference's predictions for {task.name} ({args.config or task.spec.default_config})"
          f"; replace the variables' values and the attributes model, code, seed with your own, then "
          f"`mdbench score {task.name} {path}`")


def _cmd_submit(args) -> None:
    task = catalog.task(args.task)
    entry, board = submit(task, Path(args.file), Path(args.card), record=args.record)
    info = task.info_by_name()[task.primary_metric]
    print(f"{task.name}: external entry {entry['model']} (config {entry['config']}, seed {entry['seed']}) — "
          f"{task.primary_metric} {leaderboard.format_metric(entry['metrics'][task.primary_metric])} [{info.units}]")
    print(f"leaderboard: {board}\n")
    print(leaderboard.render(task, entry["config"], directory=board.parent))


def add_parsers(sub, parser_class) -> None:
    """Register `mdbench task show|template` and `mdbench submit` (called by :func:`mdbench.cli.build_parser`)."""
    t = sub.add_parser("task", help="a task's contract in one screen, or a submission skeleton")
    tsub = t.add_subparsers(dest="task_command", required=True, parser_class=parser_class)
    show = tsub.add_parser("show", help="variables, labels, attributes, primary metric, references, baselines")
    show.add_argument("task")
    show.add_argument("--config", help="dataset config (default: the dataset's default)")
    show.set_defaults(fn=_cmd_task_show)
    tpl = tsub.add_parser("template", help="write a valid submission filled with the static reference's predictions")
    tpl.add_argument("task")
    tpl.add_argument("--config", help="dataset config (default: the dataset's default; generated if missing)")
    tpl.add_argument("--out", required=True, help="the submission file to write (netCDF4)")
    tpl.add_argument("--quiet", action="store_true", help="no progress bar")
    tpl.set_defaults(fn=_cmd_task_template)
    s = sub.add_parser("submit", help="score an outside model's predictions with its model card into a board entry")
    s.add_argument("task")
    s.add_argument("file", help="the submission (netCDF4, see `mdbench task show TASK`)")
    s.add_argument("--card", required=True, help="the model card (YAML, see CONTRIBUTING.md)")
    s.add_argument("--record", action="store_true",
                   help="write into the system's committed leaderboards/ (default: ./runs/leaderboards)")
    s.set_defaults(fn=_cmd_submit)
