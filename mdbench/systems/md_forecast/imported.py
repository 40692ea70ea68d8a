"""Forecasting datasets imported from a user's own MD (`mdbench data import TOPOLOGY TRAJECTORY…`).

The import writes a small record to ``$MDBENCH_HOME/imports/<name>.json`` (paths, atom selection,
task grid); the catalog finds it through :func:`discover`, and the dataset is an ordinary spec
whose "generator" reads the Cα coordinates with MDAnalysis, so `generate`, `verify`, `load` and
`run <name>/forecast` work as for the built-in datasets.  Splits: with three or more trajectory files, whole files (the last for
test, the one before for validation) — no leakage; with fewer, contiguous blocks of the
concatenated frames (60 / 20 / 20 %) separated by gaps of max(L) frames, which reduces but cannot
remove the correlation between neighbouring blocks.  Imported data have no saved full states, so
their forecasting task has a static reference but no physics reference.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import xarray as xr

from mdbench.core.atomic import write_text_atomic
from mdbench.core.errors import MdbenchError, unknown
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import DatasetSpec, ShardSpec
from mdbench.data.store import home
from mdbench.systems.md_forecast.task import HISTORIES, LEADS, ForecastTask

SPLIT_FRACTIONS = (0.6, 0.2, 0.2)


def imports_dir() -> Path:
    return home() / "imports"


class ImportedForecastDataset(DatasetSpec):
    version = "1.0.0"
    default_config = "default"
    shard_dim = "replica"

    def __init__(self, record: dict):
        self.name = record["name"]
        self.summary = f"imported from {record['topology']} ({len(record['trajectories'])} trajectory file(s))"
        self.record = record
        self.configs = {"default": DatasetConfig("default", "the imported trajectories", {
            "topology": Param(record["topology"], "1", "topology file (any MDAnalysis format)"),
            "trajectories": Param(tuple(record["trajectories"]), "1", "trajectory files, in order"),
            "selection": Param(record["selection"], "1", "MDAnalysis atom selection"),
            "histories": Param(tuple(record["histories"]), "frames", "history lengths h"),
            "leads": Param(tuple(record["leads"]), "frames", "lead times L"),
            "n_origins": Param(record["n_origins"], "1", "forecast origins in the test split"),
            "n_train": Param(1, "replicas", "training blocks"), "n_val": Param(1, "replicas", "validation blocks"),
            "n_test": Param(1, "replicas", "test blocks"),
        }, seed=0)}

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return 1

    def _frames(self, config: DatasetConfig, files: list[str]) -> tuple[np.ndarray, np.ndarray]:
        import MDAnalysis as mda

        u = mda.Universe(config["topology"], *files)
        atoms = u.select_atoms(config["selection"])
        if atoms.n_atoms == 0:
            raise MdbenchError(f"selection {config['selection']!r} matches no atom of {config['topology']}")
        ca = np.empty((len(u.trajectory), atoms.n_atoms, 3), dtype=np.float32)
        time = np.empty(len(u.trajectory))
        for i, ts in enumerate(u.trajectory):
            ca[i], time[i] = atoms.positions, ts.time * 1000.0  # MDAnalysis time is in ps
        return ca, time

    def _split(self, config: DatasetConfig, split: str) -> tuple[np.ndarray, np.ndarray]:
        files = list(config["trajectories"])
        if len(files) >= 3:
            chosen = {"train": files[:-2], "val": files[-2:-1], "test": files[-1:]}[split]
            return self._frames(config, chosen)
        ca, time = self._frames(config, files)
        gap = max(config["leads"])
        n = len(ca)
        a, b = int(SPLIT_FRACTIONS[0] * n), int((SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1]) * n)
        block = {"train": slice(0, a - gap), "val": slice(a, b - gap), "test": slice(b, n)}[split]
        return ca[block], time[block]

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        ca, time = self._split(config, shard.split)
        need = max(config["histories"]) + max(config["leads"])
        if len(ca) <= need:
            raise MdbenchError(f"the {shard.split} part of {self.name} has {len(ca)} frames; "
                               f"at least {need + 1} are needed for h ≤ {max(config['histories'])}, L ≤ {max(config['leads'])}")
        ds = xr.Dataset({"ca": (("time", "atom", "xyz"), ca, {"units": "angstrom", "long_name": "selected coordinates"})},
                        coords={"time": ("time", time - time[0], {"units": "fs"}), "atom": np.arange(ca.shape[1]),
                                "xyz": np.array(["x", "y", "z"])})
        if shard.split == "test":
            first, last = max(config["histories"]) - 1, len(ca) - max(config["leads"]) - 1
            origins = np.unique(np.linspace(first, last, config["n_origins"]).astype(int))
            ds["restart_frame"] = ("restart", origins, {"units": "frames", "long_name": "forecast origins"})
        return ds

    @property
    def card_path(self) -> Path:
        return imports_dir() / f"{self.name}.json"


def import_trajectory(name: str, topology: str, trajectories: list[str], *, selection: str = "name CA",
                      histories=(1, 5, 10), leads=(1, 5, 15, 60, 120), n_origins: int = 20,
                      reserved: frozenset[str] = frozenset()) -> ImportedForecastDataset:
    """Record ``name`` as a forecasting dataset made from the given files (then `mdbench data generate`).

    ``reserved``: names that are taken by built-in datasets.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", name):
        raise MdbenchError(f"dataset name {name!r}: use lower-case letters, digits and '-'")
    if name in reserved:
        raise MdbenchError(f"{name!r} is a built-in dataset; choose another name")
    for path in [topology, *trajectories]:
        if not Path(path).is_file():
            raise MdbenchError(f"{path}: no such file")
    if not set(histories) <= set(HISTORIES) or not set(leads) <= set(LEADS):
        raise MdbenchError(f"histories must be among {HISTORIES} and leads among {LEADS}")
    record = {"name": name, "topology": str(Path(topology).resolve()),
              "trajectories": [str(Path(t).resolve()) for t in trajectories], "selection": selection,
              "histories": sorted(histories), "leads": sorted(leads), "n_origins": n_origins}
    imports_dir().mkdir(parents=True, exist_ok=True)
    write_text_atomic(imports_dir() / f"{name}.json", json.dumps(record, indent=1) + "\n")
    return ImportedForecastDataset(record)


def _records() -> dict[str, dict]:
    """Every readable import record under ``$MDBENCH_HOME/imports``, by dataset name."""
    out = {}
    for path in sorted(imports_dir().glob("*.json")) if imports_dir().is_dir() else []:
        try:
            record = json.loads(path.read_text())
            out[record["name"]] = record
        except (ValueError, KeyError, TypeError):
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
