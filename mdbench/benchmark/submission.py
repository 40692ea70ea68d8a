"""Submission files: a netCDF4 file with the task's variables and metadata as global attributes.

Reading uses the netCDF4 engine only, so nothing in a submission is ever unpickled or executed.  A
submission is a file nobody here wrote: before netCDF reads a byte of data, its HDF5 header is
inspected (:func:`inspect_header`) so that no link or external storage reaches outside the file, no
variable the contract names has another shape than the contract's, and nothing declares more elements
than :data:`MAX_ELEMENTS`; then only the variables the contract names (and their coordinates) are read.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mdbench.benchmark import labels
from mdbench.core.atomic import atomic_output
from mdbench.core.errors import SubmissionError, check_schema
from mdbench.core.lazy import xr
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


#: the most elements one variable of a submission may declare (a 14 kB file can declare 10⁹ and a
#: 4 MB zlib bomb inflate to gigabytes: both are refused from the header, before anything is read)
MAX_ELEMENTS = 200_000_000


def inspect_header(task: Task, path: Path) -> None:
    """Refuse, from the HDF5 header alone, a file that would make the scorer read outside it or allocate
    without bound: external and soft links, external raw storage, virtual datasets, variables of more
    than :data:`MAX_ELEMENTS` elements, and contract variables whose shape differs from the contract of
    the config the file names."""
    import h5py

    try:
        handle = h5py.File(path, "r")
    except OSError:
        raise SubmissionError(f"{path}: not a readable netCDF4 file (no HDF5 header); write it with "
                              "xarray.Dataset.to_netcdf") from None
    with handle:
        config = handle.attrs.get("config")
        config = task.spec.configs.get(config.decode() if isinstance(config, bytes) else str(config))
        contract = task.contract(config).variables if config is not None else ()
        expected = {v.name: v.dims for v in contract}
        sizes = {d: n for v in contract for d, n in v.sizes.items()}
        pending = [handle]
        while pending:
            group = pending.pop()
            for key in group:
                link = group.get(key, getlink=True)
                where = f"{path}: {group.name.rstrip('/')}/{key}"
                if isinstance(link, (h5py.ExternalLink, h5py.SoftLink)):
                    raise SubmissionError(f"{where} is a link to {getattr(link, 'filename', '') or ''}"
                                          f"{link.path}; a submission holds its own data (write it with to_netcdf)")
                obj = group[key]
                if isinstance(obj, h5py.Group):
                    pending.append(obj)
                    continue
                if obj.external or obj.is_virtual:
                    raise SubmissionError(f"{where} keeps its data outside the file (external or virtual storage); "
                                          "a submission holds its own data")
                if obj.size > MAX_ELEMENTS:
                    raise SubmissionError(f"{where} declares {obj.size:.3g} elements, more than a submission may "
                                          f"({MAX_ELEMENTS:.0e})")
                dims = expected.get(key) if group.name == "/" else None
                if dims is not None and len(obj.shape) == len(dims):
                    for dim, n in zip(dims, obj.shape):
                        if sizes.get(dim, n) != n:
                            raise SubmissionError(f"{where} has {n} entries along {dim!r}, expected {sizes[dim]}")


def read_submission(task: Task, path: Path) -> tuple[xr.Dataset, dict, DatasetConfig]:
    """Inspect the header, then open, validate and return ``(predictions, metadata, dataset config)``;
    only the variables the task's contract names are read."""
    path = Path(path)
    try:
        exists = path.is_file()
    except OSError as exc:  # e.g. a name longer than the filesystem allows
        raise SubmissionError(f"{str(path)[:80]}…: {exc.strerror}") from None
    if not exists:
        raise SubmissionError(f"{path}: no such file")
    inspect_header(task, path)  # links, external storage, sizes: before netCDF reads anything
    try:
        with xr.open_dataset(path, engine="netcdf4", decode_times=False) as ds:
            config = task.spec.configs.get(ds.attrs.get("config"))
            if config is not None:  # never read a variable the contract does not name
                ds = ds[[v.name for v in task.contract(config).variables if v.name in ds.data_vars]]
            ds = ds.load()
    except SubmissionError:
        raise
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
    contract = task.contract(config)
    contract.validate(ds, str(path))
    ds = labels.match(ds, contract, str(path))  # rows in the task's label order, never by position
    return ds, meta, config
