"""`mdbench run`: train a model, write its predictions, score it and the task's references with the
same code, write results + figures into a run directory and update a leaderboard.

The leaderboard a run writes is the local one (``runs/leaderboards/`` unless
``$MDBENCH_LEADERBOARDS`` or ``leaderboard_dir`` say otherwise); recording into the committed board
in the system's package (``<package>/leaderboards/``) is the explicit ``record=True`` (``mdbench run … --record``).
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import mdbench
from mdbench import catalog
from mdbench.benchmark import cost, labels, leaderboard
from mdbench.benchmark.submission import read_submission, write_submission
from mdbench.core.atomic import write_text_atomic
from mdbench.core.errors import MdbenchError
from mdbench.core.task import ModelEntry, Task, TaskData, TrainingReport
from mdbench.data import store


@dataclass
class RunResult:
    directory: Path
    results: dict
    figures: list[Path]
    leaderboard: Path | None


def command(task: str, model: str, config: str, seed: int) -> str:
    """The command that reproduces a leaderboard entry."""
    return f"mdbench run {task} --model {model} --config {config} --seed {seed}"


def run(
    task: Task,
    entry: ModelEntry,
    *,
    config: str | None = None,
    seed: int = 0,
    outdir: Path | None = None,
    leaderboard_dir: Path | None = None,
    update_leaderboard: bool = True,
    record: bool = False,
    device: str = "cpu",
    threads: int | None = None,
    generate_missing: bool = True,
    progress: bool = True,
) -> RunResult:
    """Run ``entry`` and the task's references on ``config``; see the module docstring.

    ``device`` is the torch device the model trains and predicts on (references run on the CPU);
    ``threads`` the torch threads for training (default: ``$OMP_NUM_THREADS`` where set, else the cores
    this process may use, by affinity and cgroup quota, less the load average: more threads than free
    cores make torch's spinning thread pool many times slower; see :mod:`mdbench.benchmark.cores`).
    Predictions are timed with one thread, like the engines they are compared with.
    """
    torch = _torch()
    cfg = task.spec.config(config)
    _check_device(entry, device)
    threads = threads or _default_threads()
    if torch is not None:
        torch.manual_seed(seed)
    data = store.load_task_data(task, cfg, generate_missing=generate_missing, progress=progress)
    dataset_sha256 = store.dataset_hash(task.spec, cfg.name)
    stamp = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    outdir = Path(outdir or Path("runs") / f"{task.name.replace('/', '__')}__{entry.name}__{cfg.name}__seed{seed}")
    outdir.mkdir(parents=True, exist_ok=True)

    engine_speed = task.engine_items_per_second(data)
    runs = [entry] + [r for r in catalog.references(task.name) if r.name != entry.name]
    predictions, scored = {}, {}
    for item in runs:
        predictions[item.name], scored[item.name] = fit_predict_score(
            task, item, data, seed, engine_speed, outdir, progress, device=device if item is entry else "cpu",
            threads=threads)
    results = {
        "task": task.name,
        "config": cfg.name,
        "seed": seed,
        "dataset": task.dataset,
        "dataset_version": task.spec.version,
        "dataset_sha256": dataset_sha256,
        "mdbench_version": mdbench.__version__,
        "date": stamp.isoformat(),
        "engine_items_per_second": engine_speed,
        "device": device,
        "training_threads": threads,
        "timing_threads": 1,
        "targets": task.targets(data),
        "units": {m.name: m.units for m in task.metric_info()},
        "entries": scored,
    }
    write_text_atomic(outdir / "results.json", json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    plot = catalog.figures(task.name)
    figures = plot(task, data, predictions, results, outdir) if plot else []
    board = None
    if update_leaderboard:
        directory = Path(leaderboard.record_dir(task.name) if record else leaderboard_dir or leaderboard.run_dir())
        entries = []
        for name, res in scored.items():
            if record and seed != 0 and name != entry.name:
                # a committed board keeps its references at seed 0; another seed re-trains the model for its
                # spread over training runs (mdbench.benchmark.seeds), which the references have no part in
                continue
            row = {"model": name, "role": res["role"], "config": cfg.name, "seed": seed,
                   "dataset_version": task.spec.version, "dataset_sha256": dataset_sha256,
                   "mdbench_version": mdbench.__version__, "date": stamp.isoformat(), "command": res["command"],
                   "code": res["code"], "training": res["training"], "metrics": res["metrics"]}
            if "timing" in res:
                row["timing"] = res["timing"]
            row["predictions"] = leaderboard.store_predictions(
                task, row, outdir / "predictions" / f"{name}.nc", directory,
                limit=leaderboard.MAX_RECORDED_BYTES if record else None)
            entries.append(row)
        board = leaderboard.upsert(task, entries, directory)
        if record:
            _record_figures(task, cfg.name, entry.name, figures, directory)
    return RunResult(outdir, results, figures, board)


def _default_threads() -> int:
    """``$OMP_NUM_THREADS``, else the free cores of those this process may use (affinity, cgroup quota, load)."""
    from mdbench.benchmark.cores import training_threads

    return training_threads()


def _record_figures(task: Task, config: str, model: str, figures: list[Path], directory: Path) -> None:
    """Copy a recorded run's figures beside the leaderboard: ``figures/<task>/<config>__<model>__<name>``."""
    target = Path(directory) / "figures" / task.name.replace("/", "__")
    target.mkdir(parents=True, exist_ok=True)
    for fig in figures:
        shutil.copyfile(fig, target / f"{config}__{model}__{Path(fig).name}")


def _timed_predict(task: Task, model, visible: TaskData, data: TaskData, seed: int, *, replays: bool):
    """Predictions and the timing of the model against the task's engine (the same for every model): the
    yardstick ``task.engine_items_per_second(data)`` and the prediction alternately, median of up to
    :data:`~mdbench.benchmark.cost.TIMING_PAIRS` pairs with their spread (:func:`mdbench.benchmark.cost.interleaved`),
    so that a slow spell of a shared machine hits both alike.  Prediction is deterministic given the seed, so
    repeating it changes nothing but the timing.  A model that replays stored items is not timed (``None``)."""
    if replays:
        return model.predict(visible, seed=seed), None
    made = {}

    def predict_once() -> float:
        start = time.perf_counter()
        made["pred"] = model.predict(visible, seed=seed)
        # a prediction within the clock's resolution is bounded by it, not infinitely fast
        elapsed = max(time.perf_counter() - start, time.get_clock_info("perf_counter").resolution)
        return task.count_items(made["pred"]) / elapsed

    timing = cost.interleaved(lambda: task.engine_items_per_second(data), predict_once, threads=1)
    return made["pred"], timing


def _torch():
    """torch, or ``None`` in an install without it (no ``[ml]``): a model that needs none, such as the references
    of ``ising/energy`` with ``[ising]`` alone, runs without it (a model that needs it says which extra)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def _check_device(entry: ModelEntry, device: str) -> None:
    from mdbench.data.platforms import torch_devices

    if device != "cpu" and device not in torch_devices():
        raise MdbenchError(f"device {device!r} is not available here; available: {', '.join(torch_devices())}")
    if device not in entry.devices:
        raise MdbenchError(f"model {entry.name!r} runs on {', '.join(entry.devices)} only, not {device!r}")


def _training_report(model) -> TrainingReport:
    """What a fitted model says of its training (its ``training_report()`` hook; 0 epochs without one)."""
    hook = getattr(model, "training_report", None)
    return hook() if hook is not None else TrainingReport()


def fit_predict_score(task: Task, item: ModelEntry, data: TaskData, seed: int, engine_speed, outdir: Path,
                      progress: bool, *, device: str, threads: int):
    """Fit ``item`` on what its role may see, time its prediction, write the submission file, read it
    back and score that file: one entry of :func:`run`, returning ``(predictions, entry record)``."""
    torch = _torch()
    visible = task.data_for(data, item.role)
    if torch is not None:
        torch.set_num_threads(threads)
    start = time.perf_counter()
    model = (item.factory(device=device) if device != "cpu" else item.factory()).fit(visible, seed=seed,
                                                                                     progress=progress)
    fit_seconds = time.perf_counter() - start
    report = _training_report(model)
    epochs, epoch_seconds = report.epochs, report.epoch_seconds
    # a data reference (or any model marked `replays_frames`) replays stored frames: it generates
    # nothing, so it has no generation speed
    replays = item.role == "data reference" or getattr(model, "replays_frames", False)
    if torch is not None:
        torch.set_num_threads(1)  # the engines are timed on one thread: so are the models
    try:
        pred, timing = _timed_predict(task, model, visible, data, seed, replays=replays)
    finally:
        if torch is not None:
            torch.set_num_threads(threads)
    speed = timing.surrogate.median if timing is not None else None
    if timing is not None and timing.engine is not None:
        engine_speed = timing.engine.median  # the yardstick interleaved with this model, not the run's first
    pred = labels.attach(pred, task.contract(data.config))  # in the inputs' order: the file carries the labels
    path = write_submission(pred, outdir / "predictions" / f"{item.name}.nc", task=task.name, model=item.name,
                            code=item.code, config=data.config.name, seed=seed, items_per_second=speed,
                            training_seconds=fit_seconds)
    pred, _, _ = read_submission(task, path)  # score the file itself: what `--rescore` will read again
    scores = task.score(pred, data, items_per_second=speed, engine_items_per_second=engine_speed)
    return pred, {
        "role": item.role,
        "code": item.code,
        "device": device,
        # training on `threads` torch threads: the whole fit, and the epochs of its epoch-trained
        # networks with their throughput (other stages, such as a GAN's steps, are in `seconds` only)
        "training": {"seconds": round(fit_seconds, 3), "epochs": epochs, "threads": threads,
                     "epochs_per_second": round(epochs / epoch_seconds, 4) if epochs and epoch_seconds > 0 else None},
        "items_per_second": speed,
        # the interleaved engine and surrogate timings behind the speeds (median, spread, n, threads, machine)
        **({"timing": timing.record()} if timing is not None else {}),
        "metrics": {k: v.to_record() for k, v in scores.items()},
        "details": task.details(pred, data),
        "command": command(task.name, item.name, data.config.name, seed),
    }
