"""What a dataset is: a :class:`DatasetSpec` with versioned configs, splits and independent shards.

A spec knows its semantic version, its named configs, its splits, how a config is cut into
independent shards (each with a seed derived deterministically from the dataset seed) and how to
generate one shard with its physics engine.  Storage, hashing, locking and distributed execution
are the store's job (:mod:`mdbench.data.store`), so a new system only writes a spec.
"""

from __future__ import annotations

import abc
import copy
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from mdbench.core.errors import MdbenchError, unknown
from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class ShardSpec:
    """One independently generated piece of a split (a replica or a chunk)."""

    split: str
    index: int
    seed: int

    def to_record(self) -> dict:
        return {"split": self.split, "index": self.index, "seed": self.seed}


def derive_seed(dataset_seed: int, split_index: int, index: int) -> int:
    """Seed of shard ``index`` of the split at ``split_index``: a pure function of the dataset seed.

    ``SeedSequence`` spawn keys give statistically independent streams, so shards can run in any
    order, on any machine, and reproduce the serial result bit for bit.
    """
    seq = np.random.SeedSequence(entropy=dataset_seed, spawn_key=(split_index, index))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


class DatasetSpec(abc.ABC):
    """A versioned dataset: configs, splits, shards and the generator of one shard."""

    name: ClassVar[str]
    version: ClassVar[str]
    #: one-line summary shown by `mdbench list`
    summary: ClassVar[str]
    configs: ClassVar[dict[str, DatasetConfig]]
    default_config: ClassVar[str] = "small"
    #: extra splits (e.g. transfer sets) may follow; the first three are always train, val, test
    splits: ClassVar[tuple[str, ...]] = SPLITS
    #: the dimension along which independent shards of one split are concatenated
    shard_dim: ClassVar[str] = "replica"
    #: compute platforms the engine can run on (e.g. OpenMM's ``Reference``, ``CPU``, ``CUDA``), the
    #: default first; empty: the engine has no choice.  A dataset made on another platform is not
    #: bitwise identical: the manifest records the platform, and ``verify`` checks a dataset against
    #: its own manifest.
    platforms: ClassVar[tuple[str, ...]] = ()
    #: what :meth:`work` counts (``"steps"``, ``"frames"``, ``"sweeps"``): progress and throughput
    work_units: ClassVar[str] = "shards"
    #: the platform this instance generates on (see :meth:`on_platform`)
    platform: str | None = None
    #: a data card of the dataset's own (a discovered dataset's record); ``None``: the card in its
    #: system's package (``catalog.card_path``)
    card_path: Path | None = None

    # --- what a system implements ------------------------------------------------------------
    @abc.abstractmethod
    def n_shards(self, config: DatasetConfig, split: str) -> int:
        """Number of independent shards of ``split``."""

    @abc.abstractmethod
    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        """Run the physics engine for one shard; must depend only on ``config`` and ``shard``."""

    def engine_versions(self) -> dict[str, str]:
        """Versions of the physics engines used, recorded in the manifest."""
        return {}

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        """Engine work of one shard in :attr:`work_units` (for progress, ETA and the throughput record)."""
        return 1.0

    def available_platforms(self) -> list[str]:
        """The platforms of :attr:`platforms` present on this machine (engines override to ask the hardware)."""
        return list(self.platforms)

    def on_platform(self, platform: str | None) -> "DatasetSpec":
        """This spec, generating on ``platform`` (``None``: the default, the first of :attr:`platforms`)."""
        if platform is None:
            platform = self.platform or (self.platforms[0] if self.platforms else None)
        elif not self.platforms:
            raise MdbenchError(f"dataset {self.name!r} has no platform to choose (its engine runs on the CPU only)")
        elif platform not in self.platforms or platform not in self.available_platforms():
            raise MdbenchError(f"platform {platform!r} is not available for {self.name!r} on this machine; available: "
                               f"{', '.join(self.available_platforms()) or '(none)'}")
        clone = copy.copy(self)
        clone.platform = platform
        return clone

    # --- shared behaviour ----------------------------------------------------------------------
    def config(self, name: str | None = None) -> DatasetConfig:
        name = name or self.default_config
        if name not in self.configs:
            raise unknown("config", name, self.configs, of=f"of dataset {self.name!r}")
        return self.configs[name]

    def check_split(self, split: str) -> str:
        if split not in self.splits:
            raise unknown("split", split, self.splits, of=f"of dataset {self.name!r}")
        return split

    def shards(self, config: DatasetConfig) -> list[ShardSpec]:
        return [
            ShardSpec(split, i, derive_seed(config.seed, k, i))
            for k, split in enumerate(self.splits)
            for i in range(self.n_shards(config, split))
        ]

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        """Join the shards of one split (in shard order) and attach the provenance attributes."""
        ds = xr.concat(parts, dim=self.shard_dim, combine_attrs="override")
        ds = ds.assign_coords({self.shard_dim: np.arange(ds.sizes[self.shard_dim])})
        ds[self.shard_dim].attrs.update(long_name=f"independent {self.shard_dim} index", units="1")
        ds.attrs.update(
            dataset=self.name, dataset_version=self.version, config=config.name, split=split,
            seed=config.seed, title=f"{self.name} {self.version} {config.name} {split}",
            Conventions="CF-1.8",
        )
        return ds
