"""The on-disk dataset store: ``$MDBENCH_HOME/<name>/<version>/<config>/{<split>.nc, manifest.json}``.

Guarantees
----------
* **Atomic.** A config is assembled in a private temporary directory and moved into place with
  one ``rename`` only after every split is written, re-read and hashed; the manifest is the last
  file written.  An interrupted generation never leaves a dataset that loads wrong.
* **Resumable.** Every shard is written (atomically) to ``<version>/.shards-<config>/`` by whoever
  computes it — this process or a dask worker, so arrays never travel through the scheduler (a
  remote cluster needs this directory on a filesystem its workers share).  A generation that was
  killed resumes from the shards that were finished, and the result is bit-identical to an
  uninterrupted run: the splits are always assembled from the shard files.  A shard file carries its
  own sha256 (its arrays, structure, the config key and its ``ShardSpec``: split, index, seed), checked
  before it is reused; a shard edited or copied over another is made again, with one line on stderr.
* **Serialised.** Generations of the same config take an exclusive file lock, so two concurrent
  ``mdbench data generate`` calls cannot interleave; the second waits (or fails after ``timeout``).
* **Verified.** Each split's sha256 covers its arrays (names, dtypes, shapes, values) *and* their
  attributes and the global attributes, so it does not depend on the netCDF/HDF5 file layout but a
  changed unit or split label fails.  Beside it the manifest records each split's *structure* (every
  variable's dims in order, coordinate or data variable, dtype, shape, units; see :func:`structure`),
  which the split sha256 does not cover (it predates it, and committed records quote it): dims
  swapped or renamed, or a data variable turned into a coordinate, fail ``load`` and ``verify``.  A
  manifest written before structure records verifies with a note that the structure is unchecked.
  The manifest's own sha256 covers everything that gives the
  data its meaning (name, version, config, seed, every parameter, the platform, the shard seeds, the
  split hashes), and its parameters must equal the config this mdbench defines.  Loading
  re-computes the split hash unless ``verify=False``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import inspect
import json
import os
import platform as _platform
import shutil
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import filelock
import numpy as np
import platformdirs

from mdbench.core import machine
from mdbench.core.atomic import DENIED, atomic_output, write_errors, write_text_atomic
from mdbench.core.hashing import canonical_json, plain, sha256_json
from mdbench.core.errors import DatasetBusyError, DatasetCorruptError, DatasetMissingError, check_schema
from mdbench.core.lazy import netCDF4, xr
from mdbench.core.params import DatasetConfig
from mdbench.core.spec import DatasetSpec, ShardSpec
from mdbench.core.task import Task, TaskData
from mdbench.data.sharding import run_shards

MANIFEST = "manifest.json"
#: version of the manifest and hash layout; a manifest of another format is regenerated
STORE_FORMAT = 2
_TMP_PREFIX = ".tmp-"
_SHARD_ATTR = "mdbench_shard"  # provenance of a shard file, removed before assembly
#: layout of shard files and their key; a shard of another format is made again
_SHARD_FORMAT = 2
#: The HDF5 library under netCDF4 is not thread-safe: two threads of one process reading or writing
#: at once (an in-process dask worker with several threads, a notebook) corrupt its heap and crash
#: the interpreter.  Every netCDF access of the store holds this lock; processes need none.
_HDF5_LOCK = threading.RLock()
_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["store_format", "name", "version", "config", "seed", "params", "notes", "platform", "shards",
                 "splits", "sha256"],
    "properties": {
        "store_format": {"const": STORE_FORMAT},
        "name": {"type": "string"},
        "version": {"type": "string"},
        "config": {"type": "string"},
        "seed": {"type": "integer"},
        "params": {"type": "object"},
        "notes": {"type": "array", "items": {"type": "string"}},
        "platform": {"type": ["string", "null"]},
        "shards": {"type": "array", "items": {
            "type": "object", "required": ["split", "index", "seed"],
            "properties": {"split": {"type": "string"}, "index": {"type": "integer"}, "seed": {"type": "integer"}}}},
        "splits": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "required": ["file", "sha256", "sizes"],
            "properties": {
                # a plain file name: every path stays inside the dataset directory
                "file": {"type": "string", "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.nc$"},
                "sha256": _SHA256,
                "sizes": {"type": "object", "additionalProperties": {"type": "integer"}},
            }}},
        "sha256": _SHA256,
        # each split's structure (see :func:`structure`); beside the identity so that the manifest sha256,
        # which committed records quote, stays what it was; absent in manifests written before it existed
        "structure": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["sha256", "variables"],
            "properties": {"sha256": _SHA256, "variables": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["dims", "coord", "dtype", "shape", "units"],
                "properties": {"dims": {"type": "array", "items": {"type": "string"}}, "coord": {"type": "boolean"},
                               "dtype": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer"}},
                               "units": {"type": ["string", "null"]}}}}}}},
        # provenance: not under the hash, but of the right types so that nothing reading it trips
        "versions": {"type": "object", "additionalProperties": {"type": "string"}},
        "created": {"type": "string"},
        "machine": {"type": "string"},
        "generation_seconds": {"type": "number", "minimum": 0},
        "shards_reused": {"type": "integer", "minimum": 0},
        "shard_runs": {"type": "array", "items": {
            "type": "object", "required": ["seconds", "work"],
            "properties": {"seconds": {"type": "number", "minimum": 0}, "work": {"type": "number", "minimum": 0},
                           "work_per_second": {"type": ["number", "null"]}}}},
    },
}
#: the manifest fields its own sha256 covers (the rest is provenance: dates, versions, timings)
IDENTITY = ("store_format", "name", "version", "config", "seed", "params", "notes", "platform", "shards", "splits")


def home() -> Path:
    """Root of the dataset cache (``$MDBENCH_HOME`` or the user cache directory)."""
    return Path(os.environ.get("MDBENCH_HOME") or platformdirs.user_cache_dir("mdbench"))


def dataset_dir(spec: DatasetSpec, config: str) -> Path:
    return home() / spec.name / spec.version / config


def content_hash(ds: xr.Dataset) -> str:
    """sha256 over every variable's name, dtype, shape, bytes and attributes, and the global attributes."""
    h = hashlib.sha256()
    for name in sorted(map(str, ds.variables)):
        values = np.ascontiguousarray(ds[name].values)
        if values.dtype.kind in "OUS":  # strings: hash their UTF-8 text
            payload = "\x1f".join(map(str, values.ravel())).encode()
        else:
            payload = values.tobytes()
        h.update(f"{name}|{values.dtype.str}|{values.shape}|".encode())
        h.update(payload)
        h.update(f"|attrs|{canonical_json(ds[name].attrs)}|".encode())
    h.update(f"global|{canonical_json(ds.attrs)}".encode())
    return h.hexdigest()


def structure(ds: xr.Dataset) -> dict[str, dict]:
    """What :func:`content_hash` leaves out: per variable its dims in order, whether it is a coordinate, its
    dtype, shape and ``units`` attribute."""
    coords = set(map(str, ds.coords))
    out = {}
    for name in sorted(map(str, ds.variables)):
        var = ds.variables[name]
        units = var.attrs.get("units")
        out[name] = {"dims": [str(d) for d in var.dims], "coord": name in coords, "dtype": var.dtype.str,
                     "shape": [int(n) for n in var.shape], "units": None if units is None else str(units)}
    return out


def _structure_mismatch(found: dict[str, dict], recorded: dict[str, dict]) -> str | None:
    """The first difference between two :func:`structure` records, as words naming the variable."""
    for name in sorted(set(found) | set(recorded)):
        if name not in recorded:
            return f"variable {name!r} is not in its manifest's structure record"
        if name not in found:
            return f"variable {name!r} of its manifest's structure record is missing"
        a, b = found[name], recorded[name]
        for field in ("dims", "coord", "dtype", "shape", "units"):
            if plain(a[field]) != plain(b[field]):
                if field == "coord":
                    role = {True: "a coordinate", False: "a data variable"}
                    return f"variable {name!r} is {role[a[field]]}, its manifest says {role[b[field]]}"
                return f"variable {name!r} has {field} {_show(a[field])}, its manifest says {_show(b[field])}"
    return None


def _show(value) -> str:
    return f"({', '.join(map(str, value))})" if isinstance(value, list) else repr(value)


def manifest_hash(manifest: dict) -> str:
    return sha256_json({k: manifest.get(k) for k in IDENTITY})


def _encoding(ds: xr.Dataset) -> dict[str, dict]:
    return {
        name: {"zlib": True, "complevel": 4, "shuffle": True}
        for name, var in ds.data_vars.items()
        if var.dtype.kind in "fiub"
    }


def _versions(spec: DatasetSpec) -> dict[str, str]:
    versions = {"python": _platform.python_version()}
    for pkg in ("mdbench", "numpy", "xarray", "netCDF4"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
            versions[pkg] = "unknown"
    versions.update(spec.engine_versions())
    return versions


# --- shards --------------------------------------------------------------------------------------
def _shard_key(spec: DatasetSpec, cfg: DatasetConfig) -> str:
    """What a shard file must have been made from to be reused: dataset, version, config, platform, and
    the numerics the generator fixes (a spec's optional ``numerics``, e.g. its thread count)."""
    return sha256_json({"name": spec.name, "version": spec.version, **cfg.to_record(), "platform": spec.platform,
                        "shard_format": _SHARD_FORMAT, "numerics": getattr(spec, "numerics", None)})


def _shard_digest(ds: xr.Dataset, key: str, shard: ShardSpec) -> str:
    """sha256 of a shard (as read back, provenance attributes removed): arrays, structure, key and identity."""
    return sha256_json({"content": content_hash(ds), "structure": structure(ds), "key": key,
                        "shard": shard.to_record()})


def _shard_path(shard_dir: Path, shard: ShardSpec) -> Path:
    return shard_dir / f"{shard.split}-{shard.index:05d}.nc"


def produce_shard(spec: DatasetSpec, cfg: DatasetConfig, shard: ShardSpec, path: str, key: str,
                  progress: bool = True) -> dict:
    """Generate one shard and write it (atomically) to ``path``; returns its timing record.

    Runs wherever the shard is computed (here or on a dask worker), so only this small record
    travels back.  ``progress`` goes to a ``generate_shard`` that takes it (an engine with its own
    progress bar, e.g. the channel DNS), so ``--quiet`` silences that too.
    """
    start = time.perf_counter()
    if "progress" in inspect.signature(spec.generate_shard).parameters:
        ds = spec.generate_shard(cfg, shard, progress=progress)
    else:
        ds = spec.generate_shard(cfg, shard)
    seconds = time.perf_counter() - start
    work = float(spec.work(cfg, shard))
    record = {"split": shard.split, "index": shard.index, "seconds": round(seconds, 3), "work": work,
              "units": spec.work_units, "work_per_second": work / seconds if seconds > 0 else None}
    ds.attrs.update({f"{_SHARD_ATTR}_key": key, f"{_SHARD_ATTR}_record": json.dumps(record)})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with _HDF5_LOCK, atomic_output(Path(path)) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=_encoding(ds))
        digest = _shard_digest(_read_shard(tmp), key, shard)  # hash what was written
        with netCDF4.Dataset(tmp, "a") as nc:  # before the rename: a shard file never lacks its hash
            nc.setncattr(f"{_SHARD_ATTR}_sha256", digest)
    return record


def _finished_shard(path: Path, key: str, shard: ShardSpec) -> dict | None:
    """The timing record of a complete shard file made from ``key`` for ``shard``, or ``None`` (absent,
    stale, damaged).  A file whose content no longer matches the sha256 written with it (edited, or
    another shard's file) is reported on stderr and made again."""
    if not path.is_file():
        return None
    try:
        with _HDF5_LOCK, xr.open_dataset(path, engine="netcdf4") as ds:
            if ds.attrs.get(f"{_SHARD_ATTR}_key") != key:
                return None  # of another config, version or format: made again silently
            record = json.loads(ds.attrs[f"{_SHARD_ATTR}_record"])
            recorded = ds.attrs.get(f"{_SHARD_ATTR}_sha256")
        digest = _shard_digest(_read_shard(path), key, shard)
    except Exception as exc:  # a damaged file is simply made again
        print(f"finished shard {path} is unreadable ({type(exc).__name__}); generating it again", file=sys.stderr)
        return None
    if digest != recorded:
        print(f"finished shard {path} does not match the sha256 written with it (changed, or another shard's "
              "file); generating it again", file=sys.stderr)
        return None
    return record


def _read_shard(path: Path) -> xr.Dataset:
    with _HDF5_LOCK, xr.open_dataset(path, engine="netcdf4") as ds:
        ds = ds.load()
    for attr in [a for a in ds.attrs if a.startswith(_SHARD_ATTR)]:
        del ds.attrs[attr]
    return ds


# --- generation ----------------------------------------------------------------------------------
def generate(
    spec: DatasetSpec,
    config: str | None = None,
    *,
    force: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    platform: str | None = None,
    progress: bool = True,
    lock_timeout: float = -1,
) -> Path:
    """Generate ``spec``/``config`` into the store and return its directory.

    Parameters
    ----------
    force
        Regenerate even when a verified copy exists (finished shards of an interrupted run are
        discarded too).
    workers
        Run shards on a local ``dask.distributed`` cluster with this many worker processes.
    scheduler
        Address of an existing ``dask.distributed`` scheduler (``tcp://host:8786``); its workers
        must have mdbench installed and share the store's filesystem.  Results are identical to a
        serial run.
    platform
        Compute platform of the engine (see :attr:`DatasetSpec.platforms`); recorded in the manifest.
    lock_timeout
        Seconds to wait for a concurrent generation of the same config (``-1``: wait forever).
    """
    spec = spec.on_platform(platform)
    cfg = spec.config(config)
    target = dataset_dir(spec, cfg.name)
    # a full disk or a read-only home is one line naming the path, and what to do (the old dataset stays intact)
    with writing(target, f"mdbench data generate {spec.name} --config {cfg.name}"):
        lock = filelock.FileLock(str(target) + ".lock")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire(timeout=lock_timeout)  # creates the lock file: a read-only home fails here
        except filelock.Timeout:
            raise DatasetBusyError(
                f"{spec.name}/{cfg.name} is being generated by another process (lock {lock.lock_file}); "
                "wait for it to finish and retry"
            ) from None
        except OSError as exc:
            if force or exc.errno not in DENIED:
                raise
            try:  # an unwritable home that already holds a verified copy: nothing needs writing
                verify(spec, cfg.name, quiet=True)
            except (DatasetMissingError, DatasetCorruptError):
                raise exc from None
            return target
        return _generate_under_lock(spec, cfg, target, lock, force=force, workers=workers, scheduler=scheduler,
                                    progress=progress)


def writing(path: Path, command: str):
    """:func:`~mdbench.core.atomic.write_errors` with the store's advice: a full disk or a read-only home is one
    line naming the path, how to free or choose another home, and ``command`` to rerun."""
    full = (f"free space on that disk or choose a home on another one (`MDBENCH_HOME=/other/disk {command}`); "
            "a dataset already there is intact and a rerun resumes from the finished shards")
    denied = (f"the dataset home {home()} is not writable (read-only or not yours): choose another, "
              f"e.g. `MDBENCH_HOME=/a/writable/dir {command}`")
    return write_errors(path, full_fix=full, denied_fix=denied)


def _generate_under_lock(spec: DatasetSpec, cfg: DatasetConfig, target: Path, lock, *, force: bool, workers,
                         scheduler, progress: bool) -> Path:
    try:
        for stale in target.parent.glob(f"{_TMP_PREFIX}{cfg.name}-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by an interrupted assembly
        if not force:
            try:
                verify(spec, cfg.name, quiet=True)
                shutil.rmtree(target.parent / f".shards-{cfg.name}", ignore_errors=True)  # of an abandoned --force
                return target
            except (DatasetMissingError, DatasetCorruptError):
                pass
        _generate_locked(spec, cfg, target, force=force, workers=workers, scheduler=scheduler, progress=progress)
        return target
    finally:
        lock.release()


def _generate_locked(spec: DatasetSpec, cfg: DatasetConfig, target: Path, *, force: bool, workers, scheduler,
                     progress: bool) -> None:
    start = time.perf_counter()
    shard_dir = target.parent / f".shards-{cfg.name}"
    if force:
        shutil.rmtree(shard_dir, ignore_errors=True)
    key = _shard_key(spec, cfg)
    shards = spec.shards(cfg)
    records = {(s.split, s.index): _finished_shard(_shard_path(shard_dir, s), key, s) for s in shards}
    todo = [s for s in shards if records[(s.split, s.index)] is None]
    if len(todo) < len(shards) and progress:
        print(f"{spec.name}/{cfg.name}: resuming an interrupted generation, reusing {len(shards) - len(todo)} "
              f"of {len(shards)} finished shards")
    done = run_shards(
        # an engine's own bar only with the live bar (not with --quiet's "lines")
        produce_shard, [(spec, cfg, s, str(_shard_path(shard_dir, s)), key, progress is True) for s in todo],
        weights=[spec.work(cfg, s) for s in todo], unit=spec.work_units, workers=workers, scheduler=scheduler,
        progress=progress, desc=f"generating {spec.name}/{cfg.name}",
    )
    records.update({(s.split, s.index): r for s, r in zip(todo, done)})
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{cfg.name}-", dir=target.parent))
    try:
        _assemble_into(spec, cfg, target, tmp, shard_dir, shards, records, todo, start)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # at once: on a full disk its partial splits hold the space
        raise
    shutil.rmtree(shard_dir, ignore_errors=True)


def _assemble_into(spec: DatasetSpec, cfg: DatasetConfig, target: Path, tmp: Path, shard_dir: Path, shards, records,
                   todo, start: float) -> None:
    """Write every split and the manifest into ``tmp``, then move it to ``target``."""
    manifest: dict[str, Any] = {
        "store_format": STORE_FORMAT,
        "name": spec.name,
        "version": spec.version,
        **cfg.to_record(),
        "platform": spec.platform,
        "shards": [s.to_record() for s in shards],
        "splits": {},
    }
    structures = {}
    for split in spec.splits:
        parts = [_read_shard(_shard_path(shard_dir, s)) for s in shards if s.split == split]
        ds = spec.assemble(cfg, split, parts)
        path = tmp / f"{split}.nc"
        with _HDF5_LOCK:
            ds.to_netcdf(path, engine="netcdf4", encoding=_encoding(ds))
            with xr.open_dataset(path, engine="netcdf4") as back:  # hash what was written
                back = back.load()
            digest = content_hash(back)
            layout = structure(back)
        structures[split] = {"sha256": sha256_json(layout), "variables": layout}
        manifest["splits"][split] = {"file": path.name, "sha256": digest,
                                     "sizes": {str(k): int(v) for k, v in ds.sizes.items()}}
    manifest["sha256"] = manifest_hash(manifest)
    manifest["structure"] = structures  # not under the manifest sha256 (see MANIFEST_SCHEMA)
    manifest.update({
        "versions": _versions(spec),
        "machine": machine.describe(),  # the CPU a hash that differs elsewhere was made on
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "generation_seconds": round(time.perf_counter() - start, 3),
        "shard_runs": [records[(s.split, s.index)] for s in shards],
        "shards_reused": len(shards) - len(todo),
    })
    _write_croissant(spec, cfg, manifest, tmp)
    write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    _replace_dir(tmp, target)


def _write_croissant(spec: DatasetSpec, cfg: DatasetConfig, manifest: dict, directory: Path) -> None:
    """The Croissant 1.0 JSON-LD of the new dataset (``croissant.json``, file sha256s and sizes, every
    variable, the generator parameters, the card's license and citation), beside its splits."""
    from mdbench.data import croissant
    from mdbench.data.card import card_beside

    doc = croissant.build(spec, cfg, manifest, directory, card=card_beside(spec), lock=_HDF5_LOCK)
    doc["url"] = dataset_dir(spec, cfg.name).resolve().as_uri()  # where it lies once moved into place
    croissant.write(directory / croissant.FILE_NAME, doc)


def _replace_dir(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``; an old ``target`` is moved aside first and then deleted."""
    old = None
    if target.exists() or target.is_symlink():
        old = target.with_name(f"{_TMP_PREFIX}{target.name}-old-{os.getpid()}")
        os.rename(target, old)
    os.rename(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- reading -------------------------------------------------------------------------------------
def read_manifest(spec: DatasetSpec, config: str | None = None) -> dict:
    """The validated manifest of a generated config.

    Raises
    ------
    DatasetMissingError
        Never generated (or its generation did not finish).
    DatasetCorruptError
        Unreadable, malformed, edited, of another store format, or made with other parameters
        than this mdbench's config.
    """
    cfg = spec.config(config)
    directory = dataset_dir(spec, cfg.name)
    path = directory / MANIFEST
    fix = f"run `mdbench data generate {spec.name} --config {cfg.name}`"
    fix_force = f"run `mdbench data generate {spec.name} --config {cfg.name} --force`"
    if not path.exists():
        raise DatasetMissingError(f"dataset {spec.name}/{cfg.name} v{spec.version} is not at {directory}; {fix}")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise DatasetCorruptError(f"manifest {path} is unreadable ({type(exc).__name__}); {fix}") from None
    if isinstance(manifest, dict) and manifest.get("store_format") != STORE_FORMAT and "splits" in manifest:
        raise DatasetCorruptError(f"{directory} was written by another store format "
                                  f"({manifest.get('store_format', 1)!r}, this mdbench reads {STORE_FORMAT}); {fix}")
    try:
        check_schema(manifest, MANIFEST_SCHEMA, DatasetCorruptError, f"manifest {path}", top="manifest")
    except DatasetCorruptError as err:
        raise DatasetCorruptError(f"{err}; {fix}") from None
    if manifest["sha256"] != manifest_hash(manifest):
        raise DatasetCorruptError(f"manifest {path} was changed after generation (its sha256 does not match); {fix}")
    expected = {"name": spec.name, "version": spec.version, **cfg.to_record(),
                "shards": [s.to_record() for s in spec.shards(cfg)]}
    changed = sorted(k for k, v in expected.items() if plain(manifest.get(k)) != plain(v))
    if changed:
        what = {"seed": "seed", "shards": "list of shards (seeds)", "notes": "notes", "config": "config name",
                "name": "dataset name", "version": "version"}
        detail = what.get(changed[0], changed[0])
        if changed[0] == "params":
            name = next(p for p in sorted(set(manifest["params"]) | set(expected["params"]))
                        if manifest["params"].get(p) != plain(expected["params"].get(p)))
            detail = f"value of parameter {name!r}"
        raise DatasetCorruptError(f"{directory} was generated with a different {detail} than this mdbench's "
                                  f"{spec.name}/{cfg.name}; {fix_force}")
    if set(manifest["splits"]) != set(spec.splits):
        raise DatasetCorruptError(f"manifest {path} lists splits {sorted(manifest['splits'])}, "
                                  f"expected {sorted(spec.splits)}; {fix}")
    if "structure" in manifest:
        if set(manifest["structure"]) != set(manifest["splits"]):
            raise DatasetCorruptError(f"manifest {path} records the structure of splits "
                                      f"{sorted(manifest['structure'])}, expected {sorted(manifest['splits'])}; "
                                      f"{fix_force}")
        for split, record in manifest["structure"].items():
            if record["sha256"] != sha256_json(record["variables"]):
                raise DatasetCorruptError(f"manifest {path}: the structure record of split {split!r} was changed "
                                          f"after generation (its sha256 does not match); {fix_force}")
    for entry in manifest["splits"].values():
        problem = _outside(directory / entry["file"], directory)
        if problem:
            raise DatasetCorruptError(f"{problem}; {fix}")
    return manifest


def _outside(file: Path, directory: Path) -> str | None:
    """Why a split file (a plain name, the schema checks that) does not lead to a file inside ``directory``: a
    symlink loop, a dangling symlink or one to a file elsewhere; ``None`` if it stays inside (or is missing)."""
    try:
        resolved = file.resolve()
    except (RuntimeError, OSError):  # a symlink loop: RuntimeError before Python 3.13, OSError (ELOOP) after
        return f"split file {file} is a symlink loop"
    if resolved.is_relative_to(directory.resolve()):
        return None
    if not resolved.exists():
        return f"split file {file} is a dangling symlink (to {resolved}, which does not exist)"
    return f"split file {file} is a symlink to {resolved}, outside its directory"


def load(
    spec: DatasetSpec, config: str | None = None, split: str = "train", *, verify: bool = True
) -> xr.Dataset:
    """Load one split of a generated dataset as an in-memory :class:`xarray.Dataset`.

    Parameters
    ----------
    spec, config, split
        Dataset spec, config (default: the dataset's default config) and split.
    verify
        Re-compute the content hash and compare it with the manifest (skip for speed).

    Raises
    ------
    DatasetMissingError
        The config was never generated (or its generation did not finish).
    DatasetCorruptError
        A file cannot be read, its content hash differs from the manifest, its structure (dims, coordinates,
        dtypes, shapes, units; checked even with ``verify=False``, it is cheap) differs from the manifest's
        record, or the manifest is bad.
    """
    cfg = spec.config(config)
    spec.check_split(split)
    manifest = read_manifest(spec, cfg.name)
    entry = manifest["splits"][split]
    fix = f"run `mdbench data generate {spec.name} --config {cfg.name}`"
    fix_force = f"run `mdbench data generate {spec.name} --config {cfg.name} --force`"
    path = dataset_dir(spec, cfg.name) / entry["file"]
    if not path.is_file():
        raise DatasetMissingError(f"{path} is missing; {fix}")
    try:
        with _HDF5_LOCK, xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except Exception as exc:  # netCDF4/HDF5 raise many types for damaged files
        raise DatasetCorruptError(f"cannot read {path} ({type(exc).__name__}); {fix_force}") from None
    if verify and content_hash(ds) != entry["sha256"]:
        raise DatasetCorruptError(f"content hash of {path} does not match its manifest; {fix_force}")
    if {str(k): int(v) for k, v in ds.sizes.items()} != entry["sizes"]:
        raise DatasetCorruptError(f"{path} has sizes {dict(ds.sizes)}, its manifest says {entry['sizes']}; {fix_force}")
    recorded = manifest.get("structure", {}).get(split)
    if recorded is not None:  # cheap (no bytes read), so checked with verify=False too
        problem = _structure_mismatch(structure(ds), recorded["variables"])
        if problem:
            raise DatasetCorruptError(f"{path}: {problem}; {fix_force}")
    return ds


def verify(spec: DatasetSpec, config: str | None = None, *, quiet: bool = False) -> dict[str, str]:
    """Check every split of a config against its manifest; returns ``{split: sha256}``.

    A manifest written before structure records (dims, coordinates) verifies its content hashes only;
    a note on stderr says so (unless ``quiet``) and how to add them.
    """
    cfg = spec.config(config)
    hashes = load_splits(spec, cfg.name, verify=True)[1]
    if not quiet and "structure" not in read_manifest(spec, cfg.name):
        print(f"note: {spec.name}/{cfg.name}: structure (dimension names and order, coordinates) unchecked: the "
              f"manifest predates structure records; `mdbench data generate {spec.name} --config {cfg.name} --force` "
              "adds them (the content hashes stay the same)", file=sys.stderr)
    return hashes


def load_splits(spec: DatasetSpec, config: str | None = None, *,
                verify: bool = True) -> tuple[dict[str, xr.Dataset], dict[str, str]]:
    """Every split of a config, and the content hash of each from the manifest."""
    cfg = spec.config(config)
    manifest = read_manifest(spec, cfg.name)
    splits = {split: load(spec, cfg.name, split, verify=verify) for split in spec.splits}
    return splits, {split: manifest["splits"][split]["sha256"] for split in spec.splits}


def dataset_hash(spec: DatasetSpec, config: str | None = None) -> str:
    """The manifest's sha256: one hash for everything that gives a generated config its meaning."""
    return read_manifest(spec, config)["sha256"]


def load_task_data(task: Task, config: DatasetConfig, *, generate_missing: bool = False,
                   progress: bool = True) -> TaskData:
    """Every split of the task's dataset config (hash-verified), generating it first if asked to."""
    try:
        read_manifest(task.spec, config.name)
    except DatasetMissingError:
        if not generate_missing:
            raise
        print(f"{task.dataset}/{config.name} is not in the cache; generating it first")
        generate(task.spec, config.name, progress=progress)
    splits, hashes = load_splits(task.spec, config.name)
    return TaskData.from_splits(config, splits, hashes)
