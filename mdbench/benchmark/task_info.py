"""What a task asks of a submission, in one screen (`mdbench task show`), and a valid submission skeleton
filled with the static reference's predictions (`mdbench task template`).

Everything shown is read from the task itself (its contract, declared metrics, ``item_units``), from the
submission metadata schema and from the committed board of the config, so it cannot drift from what
`mdbench score` checks.
"""

from __future__ import annotations

from pathlib import Path

from mdbench import catalog
from mdbench.benchmark import labels, leaderboard
from mdbench.benchmark.submission import METADATA_SCHEMA, write_submission
from mdbench.core.errors import MdbenchError
from mdbench.core.task import Task

#: what each global attribute of a submission is
ATTRIBUTES = {
    "task": "the task's name",
    "model": "your model's name (letters, digits, . _ + -; at most 80 characters)",
    "code": "where the code that made the predictions is (a URL or path)",
    "config": "the dataset config the predictions are for",
    "seed": "the seed of the run (integer)",
}


def _bounds(var) -> str:
    lo, hi, allowed = getattr(var, "minimum", None), getattr(var, "maximum", None), getattr(var, "allowed", None)
    parts = []
    if lo is not None or hi is not None:
        parts.append(f"within [{'-∞' if lo is None else f'{lo:g}'}, {'∞' if hi is None else f'{hi:g}'}]")
    if allowed is not None:
        parts.append(f"one of {{{', '.join(f'{a:g}' for a in allowed)}}}")
    return "; ".join(parts) or "any finite value"


def show_lines(task: Task, config: str | None = None) -> list[str]:
    """The contract of ``task`` on ``config`` (default: the dataset's default config) in one screen."""
    cfg = task.spec.config(config)
    contract = task.contract(cfg)
    info = task.info_by_name()
    primary = info[task.primary_metric]
    out = [f"{task.name} — {task.summary}",
           f"dataset {task.dataset} v{task.spec.version}, config {cfg.name}: {cfg.description}",
           "", "variables (netCDF4, any float dtype, finite; `mdbench score` checks every line):"]
    for var in contract.variables:
        shape = ", ".join(f"{d}={var.sizes[d]}" if d in var.sizes else d for d in var.dims)
        out.append(f"  {var.name}({shape}) [{var.units}]{' (optional)' if var.optional else ''}"
                   f"{' — ' + var.long_name if var.long_name else ''}; {_bounds(var)}")
        for dim, where in var.labels.items():
            values = var.label_values.get(dim)
            what = f"values {list(values)}" if values is not None else f"the rows' index 0 … {var.sizes[dim] - 1}"
            out.append(f"      labels: coordinate `{dim}` = {what} ({where}); rows are matched by label, any order")
    for coord in getattr(contract, "coordinates", ()):
        out.append(f"  coordinate {coord.name} [{coord.units or '1'}]: absent or exactly the task's "
                   f"{len(coord.values)} values")
    if contract.unlabelled:
        out.append(f"  no labelled rows: {contract.unlabelled}")
    speed = [m.name for m in task.metric_info() if m.timing]
    uses_training = any(m.name == "end_to_end_speedup" for m in task.metric_info())
    out += ["", "global attributes:"]
    out += [f"  {k} (required): {ATTRIBUTES.get(k, '')}" for k in METADATA_SCHEMA["required"]]
    out.append(f"  items_per_second (optional): {task.item_units} per second of prediction on one thread; "
               f"read by {', '.join(speed) or 'no metric of this task'} (n/a without it)")
    out.append("  training_seconds (optional): wall seconds of training; "
               + ("end_to_end_speedup adds it to the generation time (n/a without it)" if uses_training
                  else "recorded, not scored by this task"))
    out += ["", f"primary metric: {primary.name} [{primary.units}] ({'higher' if primary.higher_is_better else 'lower'}"
                f" is better) — {primary.long_name}"]
    out += [""] + reference_lines(task, cfg.name)
    models = [m.name for m in catalog.models(task.name).values() if m.role == "model"]
    out += ["", "built-in baselines: " + (", ".join(models) or "none"),
            f"  run one:     mdbench run {task.name} --model NAME --config {cfg.name}",
            f"  a skeleton:  mdbench task template {task.name} --config {cfg.name} --out submission.nc",
            f"  score it:    mdbench score {task.name} submission.nc",
            f"  submit it:   mdbench submit {task.name} submission.nc --card MODEL.yaml (see CONTRIBUTING.md)"]
    return out


def committed_entries(task: Task, config: str) -> list[dict]:
    """The entries of ``config`` on the task's committed board (none where there is no board)."""
    try:
        directory = leaderboard.committed_dir(task.name)
        return [e for e in leaderboard.read(task, directory, allow_stale=True) if e["config"] == config]
    except MdbenchError:
        return []


def reference_lines(task: Task, config: str) -> list[str]:
    """The static and physics references' primary metric on the committed board of ``config``."""
    entries = [e for e in committed_entries(task, config) if e["role"] in ("static reference", "physics reference")]
    if not entries:
        return [f"references: no committed board for config {config} (`mdbench run {task.name} --model NAME "
                f"--config {config}` scores them beside a model)"]
    units = task.info_by_name()[task.primary_metric].units
    return [f"references on the committed board ({config}), {task.primary_metric} [{units}]:"] + [
        f"  {e['role']:>17}: {e['model']} {leaderboard.format_metric(e['metrics'].get(task.primary_metric))}"
        for e in sorted(entries, key=lambda e: e["role"], reverse=True)]


def template(task: Task, config: str | None, out: Path, *, generate_missing: bool = True,
             progress: bool = True) -> Path:
    """Write a submission skeleton for ``config``: the static reference's predictions (labels included) and
    every required global attribute, which `mdbench score` accepts; replace the values with your model's."""
    from mdbench.data import store

    cfg = task.spec.config(config)
    static = [r for r in catalog.references(task.name) if r.role == "static reference"]
    if not static:
        raise MdbenchError(f"task {task.name!r} has no static reference to fill a template with")
    data = store.load_task_data(task, cfg, generate_missing=generate_missing, progress=progress)
    visible = task.data_for(data, static[0].role)
    pred = static[0].factory().fit(visible, seed=0, progress=False).predict(visible, seed=0)
    pred = labels.attach(pred, task.contract(cfg))
    return write_submission(pred, Path(out), task=task.name, model="my-model", code="https://example.org/my-model",
                            config=cfg.name, seed=0)
