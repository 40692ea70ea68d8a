"""Submission files: a netCDF4 file with the task's variables and metadata as global attributes.

Reading uses the netCDF4 engine only, so nothing in a submission is ever unpickled or executed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import xarray as xr

from mdbench.core.atomic import atomic_output
from mdbench.core.errors import SubmissionError, check_schema
from mdbench.core.params import DatasetConfig
from mdbench.core.task import Task

METADATA_SCHEMA = {
    "type": "object",
    "required": ["task", "model", "code", "config", "seed"],
    "properties": {
        "task": {"type": "string"},
        "model": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$"},
        "code": {"type": "string", "minLength": 1},
        "config": {"type": "string"},
        "seed": {"type": "integer"},
        "items_per_second": {"type": "number", "exclusiveMinimum": 0},
        "training_seconds": {"type": "number", "minimum": 0},
    },
}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def write_submission(ds: xr.Dataset, path: Path, *, task: str, model: str, code: str, config: str,
                     seed: int, items_per_second: float | None = None, training_seconds: float | None = None) -> Path:
    """Write predictions plus metadata atomically (temp file + rename).

    ``items_per_second`` (generation speed) and ``training_seconds`` are what the cost metrics use.
    """
    ds = ds.copy()
    ds.attrs.update(task=task, model=model, code=code, config=config, seed=int(seed))
    if items_per_second is not None:
        ds.attrs["items_per_second"] = float(items_per_second)
    if training_seconds is not None:
        ds.attrs["training_seconds"] = float(training_seconds)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return path


def read_submission(task: Task, path: Path) -> tuple[xr.Dataset, dict, DatasetConfig]:
    """Open, validate and return ``(predictions, metadata, dataset config)``."""
    path = Path(path)
    try:
        exists = path.is_file()
    except OSError as exc:  # e.g. a name longer than the filesystem allows
        raise SubmissionError(f"{str(path)[:80]}…: {exc.strerror}") from None
    if not exists:
        raise SubmissionError(f"{path}: no such file")
    try:
        with xr.open_dataset(path, engine="netcdf4", decode_times=False) as ds:
            ds = ds.load()
    except Exception as exc:
        raise SubmissionError(
            f"{path}: not a readable netCDF4 file ({type(exc).__name__}); write it with xarray.Dataset.to_netcdf"
        ) from None
    meta = {k: _plain(v) for k, v in ds.attrs.items()}
    check_schema(meta, METADATA_SCHEMA, SubmissionError, str(path), field="global attribute ", top="metadata")
    for key in ("items_per_second", "training_seconds"):
        if meta.get(key) is not None and not math.isfinite(meta[key]):
            raise SubmissionError(f"{path}: global attribute {key}: {meta[key]} is not a finite number")
    if meta["task"] != task.name:
        raise SubmissionError(f"{path}: submission is for task {meta['task']!r}, not {task.name!r}")
    if meta["config"] not in task.spec.configs:
        raise SubmissionError(
            f"{path}: unknown config {meta['config']!r}; known: {', '.join(task.spec.configs)}"
        )
    config = task.spec.config(meta["config"])
    task.contract(config).validate(ds, str(path))
    return ds, meta, config
