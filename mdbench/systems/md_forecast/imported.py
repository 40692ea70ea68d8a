"""Forecasting datasets imported from a user's own MD (`mdbench data import TOPOLOGY TRAJECTORY…`).

An import generates the dataset first and only then writes a small record to
``$MDBENCH_HOME/imports/<name>.json`` (paths, atom selection, task grid), so a failed import leaves
nothing registered.  The catalog finds the record through :func:`discover`; the dataset is an
ordinary spec whose "generator" reads the selected coordinates with MDAnalysis, so `generate`,
`verify`, `load` and `run <name>/forecast` work as for the built-in datasets.

Every trajectory file stays its own trajectory (a replica; never concatenated with another).
Splits: with three or more files, whole files — the last for test, the one before for validation,
the rest for training — no leakage; with two, the first file gives training and validation blocks
(80 / 20 %, separated by a gap of max(L) frames) and the second the test split; with one,
contiguous blocks (60 / 20 / 20 %) separated by gaps of max(L) frames, which reduces but cannot
remove the correlation between neighbouring blocks.  Replicas of unequal length are padded with NaN
and carry their length in ``n_frames``.  A file whose frames jump far beyond thermal motion, that
holds a NaN or infinite coordinate, or whose residue names differ from the topology's, is refused.
A truncated DCD (it ends in a partial frame: a run killed while writing) is imported with its
complete frames and a warning on stderr naming the count.  Imported data have no saved full
states, so their forecasting task has a static reference but no physics reference.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np

from mdbench.core.atomic import write_text_atomic
from mdbench.core.errors import MdbenchError, unknown
from mdbench.core.estimate import MIN_INDEPENDENT
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import DatasetSpec, ShardSpec
from mdbench.data import store
from mdbench.systems.md_forecast.task import HISTORIES, LEADS, ForecastTask

#: a frame-to-frame RMSD this many times the median step (and above JUMP_MIN_ANGSTROM) is not MD
JUMP_FACTOR, JUMP_MIN_ANGSTROM = 10.0, 2.0


def imports_dir() -> Path:
    return store.home() / "imports"


def _blocks(n: int, fractions: tuple[float, ...], gap: int) -> list[slice]:
    """Contiguous blocks of ``n`` frames in the given fractions, each followed by a gap of ``gap`` frames."""
    edges = np.concatenate([[0], np.cumsum(fractions)]) * n
    return [slice(int(a), max(int(a), int(b) - (gap if i < len(fractions) - 1 else 0)))
            for i, (a, b) in enumerate(zip(edges[:-1], edges[1:]))]


class ImportedForecastDataset(DatasetSpec):
    version = "1.1.0"
    default_config = "default"
    shard_dim = "replica"
    work_units = "frames"

    def __init__(self, record: dict):
        self.name = record["name"]
        self.summary = f"imported from {record['topology']} ({len(record['trajectories'])} trajectory file(s))"
        self.record = record
        n_files = len(record["trajectories"])
        self.configs = {"default": DatasetConfig("default", "the imported trajectories", {
            "topology": Param(record["topology"], "1", "topology file (any MDAnalysis format)"),
            "trajectories": Param(tuple(record["trajectories"]), "1", "trajectory files, each its own trajectory"),
            "selection": Param(record["selection"], "1", "MDAnalysis atom selection"),
            "histories": Param(tuple(record["histories"]), "frames", "history lengths h"),
            "leads": Param(tuple(record["leads"]), "frames", "lead times L"),
            "n_origins": Param(record["n_origins"], "1", "forecast origins in the test split"),
            "n_train": Param(max(n_files - 2, 1), "replicas", "training trajectories (files, or one block)"),
            "n_val": Param(1, "replicas", "validation trajectories"),
            "n_test": Param(1, "replicas", "test trajectories"),
        }, seed=0)}

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return config[f"n_{split}"]

    def _parts(self, config: DatasetConfig) -> dict[str, list[tuple[str, slice | None]]]:
        """``{split: [(file, frame block or None for the whole file), ...]}``."""
        files, gap = list(config["trajectories"]), max(config["leads"])
        if len(files) >= 3:
            return {"train": [(f, None) for f in files[:-2]], "val": [(files[-2], None)], "test": [(files[-1], None)]}
        if len(files) == 2:
            train, val = _blocks(self._length(config, files[0]), (0.8, 0.2), gap)
            return {"train": [(files[0], train)], "val": [(files[0], val)], "test": [(files[1], None)]}
        train, val, test = _blocks(self._length(config, files[0]), (0.6, 0.2, 0.2), gap)
        return {"train": [(files[0], train)], "val": [(files[0], val)], "test": [(files[0], test)]}

    def _universe(self, config: DatasetConfig, file: str):
        import MDAnalysis as mda

        with _quiet_mdanalysis():
            try:
                return mda.Universe(config["topology"], file)
            except Exception as exc:  # noqa: BLE001 - MDAnalysis raises many kinds for a bad pairing
                failure = (f"{file} cannot be read with topology {config['topology']} "
                           f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
            # out of the except block: the half-built reader is freed here, its failing __del__ kept quiet
            gc.collect()
        raise MdbenchError(failure)

    def _length(self, config: DatasetConfig, file: str) -> int:
        u = self._universe(config, file)
        with _quiet_mdanalysis():
            n = len(u.trajectory)
            u.trajectory.close()
        return n

    def _frames(self, config: DatasetConfig, file: str) -> tuple[np.ndarray, np.ndarray]:
        u = self._universe(config, file)
        with _quiet_mdanalysis():
            try:
                return self._read(config, file, u)
            finally:
                u.trajectory.close()

    def _read(self, config: DatasetConfig, file: str, u) -> tuple[np.ndarray, np.ndarray]:
        from MDAnalysis.exceptions import SelectionError

        try:
            atoms = u.select_atoms(config["selection"])
        except (SelectionError, ValueError, TypeError) as exc:
            raise MdbenchError(f"--selection {config['selection']!r} is not an MDAnalysis selection "
                               f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); e.g. 'name CA' or "
                               "'protein and name CA'") from None
        if atoms.n_atoms == 0:
            raise MdbenchError(f"selection {config['selection']!r} matches no atom of {config['topology']}")
        _check_residue_names(file, u, config["selection"])
        ca = np.empty((len(u.trajectory), atoms.n_atoms, 3), dtype=np.float32)
        time = np.empty(len(u.trajectory))
        for i, ts in enumerate(u.trajectory):
            ca[i], time[i] = atoms.positions, ts.time * 1000.0  # MDAnalysis time is in ps
        _check_finite(file, ca, time)
        _warn_if_truncated(file, len(ca))
        _check_continuity(file, ca)
        return ca, time

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        return 1.0  # frames are only known once a file is read

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        file, block = self._parts(config)[shard.split][shard.index]
        ca, time = self._frames(config, file)
        if block is not None:
            ca, time = ca[block], time[block]
        h, lead = max(config["histories"]), max(config["leads"])
        if len(ca) <= h + lead:
            raise MdbenchError(f"the {shard.split} part of {self.name} ({Path(file).name}) has {len(ca)} frames; "
                               f"at least {h + lead + 1} are needed for h ≤ {h}, L ≤ {lead}: pass shorter "
                               "--histories/--leads or longer trajectories")
        ds = xr.Dataset(
            {"ca": (("time", "atom", "xyz"), ca, {"units": "angstrom", "long_name": "selected coordinates"}),
             "elapsed": (("time",), time - time[0], {"units": "fs", "long_name": "time since the first frame"}),
             "n_frames": ((), np.int64(len(ca)), {"units": "frames", "long_name": "frames of this trajectory"})},
            coords={"atom": np.arange(ca.shape[1]), "xyz": np.array(["x", "y", "z"])},
            attrs={"source_file": str(file)})
        if shard.split == "test":
            origins = np.unique(np.linspace(h - 1, len(ca) - lead - 1, config["n_origins"]).astype(int))
            ds["restart_frame"] = ("restart", origins, {"units": "frames", "long_name": "forecast origins"})
        return ds

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        """Pad replicas of unequal length with NaN (their length is in ``n_frames``), then join them."""
        n = max(p.sizes["time"] for p in parts)
        padded = [p.pad(time=(0, n - p.sizes["time"]), constant_values=np.nan) if p.sizes["time"] < n else p
                  for p in parts]
        return super().assemble(config, split, padded)

    @property
    def card_path(self) -> Path:
        return imports_dir() / f"{self.name}.json"


@contextlib.contextmanager
def _quiet_mdanalysis():
    """MDAnalysis's warnings (missing elements, zeroed unit cells, …) would drown the one line a refusal prints, and
    a reader that failed half-built reports an AttributeError from ``__del__``: both are silenced here; the
    importer's own checks say what matters."""
    previous = sys.unraisablehook

    def hook(unraisable):
        if not getattr(unraisable.object, "__module__", "").startswith("MDAnalysis"):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.unraisablehook = previous


def _check_finite(file: str, frames: np.ndarray, time: np.ndarray) -> None:
    """Refuse a file with a NaN or infinite coordinate or time (a crashed integrator writes such frames)."""
    bad = np.flatnonzero(~(np.isfinite(frames).all(axis=(1, 2)) & np.isfinite(time)))
    if bad.size:
        raise MdbenchError(f"{file}: frame {int(bad[0])} (counting from 0) has non-finite coordinates or time "
                           f"({bad.size} such frame(s) of {len(frames)}); cut the file before it or pass the runs "
                           "before and after it as separate files")


def _dcd_partial_bytes(file: str) -> int:
    """Bytes after the last complete frame of a DCD (0 for a whole file or another format).  The header's
    frame count (NSET) is not used: many writers never update it."""
    import os

    from MDAnalysis.lib.formats.libdcd import DCDFile

    if not str(file).lower().endswith(".dcd"):
        return 0
    try:
        with DCDFile(str(file)) as dcd:
            n, first, rest, header = dcd.n_frames, dcd._firstframesize, dcd._framesize, dcd._header_size
    except (OSError, IOError, ValueError, RuntimeError):
        return 0
    whole = header + (first + (n - 1) * rest if n else 0)
    return max(0, os.path.getsize(file) - whole)


_WARNED: set[tuple[str, int, int]] = set()


def _warn_if_truncated(file: str, n_read: int) -> None:
    """A DCD that ends in a partial frame (a run killed while writing, a copy cut short) is imported with its
    complete frames, and says so on stderr: every complete frame is valid MD, the partial one is never read."""
    partial = _dcd_partial_bytes(file)
    if partial and (file, n_read, partial) not in _WARNED:
        _WARNED.add((file, n_read, partial))  # once per process, not once per split read from the file
        print(f"mdbench: warning: {file} is truncated: {n_read} complete frames are imported, the {partial} bytes "
              "of a partial last frame are not", file=sys.stderr)


def _check_continuity(file: str, frames: np.ndarray) -> None:
    """Refuse frames that jump far beyond thermal motion (wrong topology, joined runs, periodic images)."""
    if len(frames) < 3:
        return
    steps = np.sqrt(np.mean(np.sum(np.diff(frames, axis=0) ** 2, axis=-1), axis=-1))
    limit = max(JUMP_FACTOR * float(np.median(steps)), JUMP_MIN_ANGSTROM)
    worst = int(np.argmax(steps))
    if steps[worst] > limit:
        raise MdbenchError(
            f"{file}: frame {worst + 1} jumps by {steps[worst]:.1f} Å RMSD from the one before (median step "
            f"{np.median(steps):.2f} Å): not one continuous trajectory of this topology (wrong topology or atom "
            "order, joined runs, or wrapped periodic images); pass each run as its own file")


def _check_residue_names(file: str, universe, selection: str) -> None:
    """A trajectory format that carries residue names (PDB, GRO, …) must agree with the topology."""
    import MDAnalysis as mda

    with _quiet_mdanalysis():
        try:
            own = mda.Universe(file)
        except Exception:  # noqa: BLE001 - the format carries no topology (DCD, XTC, …): nothing to compare
            own = None
        gc.collect()  # a half-built reader is freed while its __del__ stays quiet
    if own is None:
        return
    if own.atoms.n_atoms != universe.atoms.n_atoms or not hasattr(own.atoms, "resnames"):
        return
    mine, theirs = own.atoms.resnames, universe.atoms.resnames
    differ = np.flatnonzero(mine != theirs)
    if differ.size:
        i = int(differ[0])
        raise MdbenchError(f"{file}: atom {i + 1} is in residue {mine[i]!r}, the topology says {theirs[i]!r}; "
                           "this file belongs to another topology")


def import_and_generate(name: str, topology: str, trajectories: list[str], *, selection: str = "name CA",
                        histories=(1, 5, 10), leads=(1, 5, 15, 60, 120), n_origins: int = 20,
                        reserved: frozenset[str] = frozenset()) -> tuple[ImportedForecastDataset, dict]:
    """Generate ``name`` from the given files and, once that worked, record it; returns the spec and manifest.

    ``reserved``: names that are taken by built-in datasets.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", name):
        raise MdbenchError(f"dataset name {name!r}: use lower-case letters, digits and '-'")
    if name in reserved:
        raise MdbenchError(f"{name!r} is a built-in dataset; choose another name")
    for path in [topology, *trajectories]:
        if not Path(path).is_file():
            raise MdbenchError(f"{path}: no such file")
    if not histories or not leads or not set(histories) <= set(HISTORIES) or not set(leads) <= set(LEADS):
        raise MdbenchError(f"histories must be among {HISTORIES} and leads among {LEADS}")
    record = {"name": name, "topology": str(Path(topology).resolve()),
              "trajectories": [str(Path(t).resolve()) for t in trajectories], "selection": selection,
              "histories": sorted(set(histories)), "leads": sorted(set(leads)), "n_origins": n_origins}
    spec = ImportedForecastDataset(record)
    store.generate(spec, "default", force=True, progress=False)
    manifest = store.read_manifest(spec, "default")
    origins = manifest["splits"]["test"]["sizes"].get("restart", 0)
    if origins < MIN_INDEPENDENT:
        print(f"mdbench: warning: only {origins} forecast origins fit the test trajectory of {name}: its standard "
              f"errors rest on fewer than {MIN_INDEPENDENT} windows; import longer or more trajectories",
              file=sys.stderr)
    with store.writing(imports_dir(), f"mdbench data import … --name {name}"):
        imports_dir().mkdir(parents=True, exist_ok=True)
        write_text_atomic(imports_dir() / f"{name}.json", json.dumps(record, indent=1) + "\n")
    return spec, manifest


def _records() -> dict[str, dict]:
    """Every readable import record under ``$MDBENCH_HOME/imports``, by dataset name."""
    out = {}
    for path in sorted(imports_dir().glob("*.json")) if imports_dir().is_dir() else []:
        try:
            record = json.loads(path.read_text())
            out[record["name"]] = record
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged record must not break the built-in datasets; `data import` rewrites it
    return out


def discover() -> tuple[dict[str, str], dict[str, str]]:
    """The imported datasets and their forecasting tasks, as catalog declarations."""
    names = sorted(_records())
    return ({n: f"{__name__}:imported_dataset" for n in names},
            {f"{n}/forecast": f"{__name__}:imported_task" for n in names})


def imported_dataset(name: str) -> ImportedForecastDataset:
    records = _records()
    if name not in records:
        raise unknown("dataset", name, records)
    return ImportedForecastDataset(records[name])


def imported_task(name: str) -> ForecastTask:
    return ForecastTask(imported_dataset(name.removesuffix("/forecast")))
