"""The ``channel`` dataset: DNS snapshots of turbulent channel flow filtered to an LES grid, with the
exact subgrid fluxes (Stoffer et al. 2021; SURF white paper 2020).

One DNS per config (:mod:`mdbench.systems.channel.run`).  After a spin-up it is sampled every
``snapshot_interval`` (≥ one eddy turnover δ/u_τ ≈ 16 δ/U_b at Re_τ = 180); each shard is one
snapshot.  Splits are consecutive time blocks — train, then val, then test — with ``split_gap``
unused intervals between blocks, so no split holds a frame interleaved with another's.  Every
snapshot stores the coarse resolved velocities on the staggered LES grid and the nine exact
subgrid fluxes τ_ij at their staggered locations (:mod:`mdbench.systems.channel.filtering`).
"""

from __future__ import annotations

import json
import math

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import DatasetSpec, ShardSpec
from mdbench.systems.channel.numerics import MKL_BRANCH, TORCH_THREADS

SPLIT_ORDER = ("train", "val", "test")


def _config(name: str, description: str, *, seed: int, re_bulk: float, lx: float, lz: float, n: tuple[int, int, int],
            stretch: float, dt: float, spinup: float, interval: float, per_split: tuple[int, int, int],
            factor: int, gap: int = 1, perturbation: float = 0.25, notes: tuple[str, ...] = ()) -> DatasetConfig:
    nx, ny, nz = n
    train, val, test = per_split
    return DatasetConfig(name=name, description=description, seed=seed, notes=notes, params={
        "re_bulk": Param(re_bulk, "1", "bulk Reynolds number Re_b = U_b δ/ν (ν = 1/Re_b in δ·U_b units)"),
        "lx": Param(lx, "δ", "streamwise (x) period of the channel"),
        "lz": Param(lz, "δ", "spanwise (z) period of the channel"),
        "nx": Param(nx, "cells", "DNS cells in x (uniform)"),
        "ny": Param(ny, "cells", "DNS cells across the channel (y, walls at 0 and 2δ, tanh-stretched)"),
        "nz": Param(nz, "cells", "DNS cells in z (uniform)"),
        "stretch": Param(stretch, "1", "γ of the wall stretching yh = 1 − tanh(γ(1 − 2j/ny))/tanh(γ)"),
        "dt": Param(dt, "δ/U_b", "RK3 time step"),
        "spinup_time": Param(spinup, "δ/U_b", "time from the perturbed initial state to the first snapshot"),
        "snapshot_interval": Param(interval, "δ/U_b", "time between stored snapshots (≥ one eddy turnover δ/u_τ)"),
        "perturbation": Param(perturbation, "U_b", "rms of the large-scale divergence-free initial perturbation"),
        "coarsening": Param(factor, "1", "LES grid = DNS grid with this many times fewer cells in x and in z "
                                         "(top-hat filter width = coarsening × DNS spacing; y is not filtered)"),
        "train_snapshots": Param(train, "snapshots", "snapshots in the train block"),
        "val_snapshots": Param(val, "snapshots", "snapshots in the val block (after train)"),
        "test_snapshots": Param(test, "snapshots", "snapshots in the test block (after val)"),
        "split_gap": Param(gap, "snapshot intervals", "unused intervals between consecutive split blocks"),
    })


class ChannelDataset(DatasetSpec):
    name = "channel"
    version = "1.1.0"
    summary = "turbulent channel DNS filtered to an LES grid, exact subgrid fluxes (Stoffer et al. 2021)"
    shard_dim = "snapshot"
    work_units = "steps"
    #: numerics the generator fixes, part of the store's shard key (a shard of other numerics is made again)
    numerics = {"torch_threads": TORCH_THREADS, "mkl_cbwr": MKL_BRANCH}
    configs = {
        "tiny": _config("tiny", "a perturbed laminar flow on a 16×16×8 grid, for tests", seed=21,
                        re_bulk=2800.0, lx=2 * math.pi, lz=math.pi, n=(16, 16, 8), stretch=1.6, dt=0.05,
                        spinup=1.0, interval=0.5, per_split=(3, 1, 2), factor=4, perturbation=0.2),
        "small": _config("small", "default; Re_τ ≈ 180, 64³ DNS (time: mdbench/systems/channel/cards/generation/channel__small.json)",
                         seed=22, re_bulk=2800.0, lx=2 * math.pi, lz=math.pi, n=(64, 64, 64), stretch=1.6,
                         dt=0.045, spinup=160.0, interval=16.0, per_split=(12, 3, 5), factor=4),
        "full": _config("full", "paper scale: Re_τ ≈ 590, 384×256×384 DNS, coarsening 8 (GPU; not generated)",
                        seed=23, re_bulk=10950.0, lx=2 * math.pi, lz=math.pi, n=(384, 256, 384), stretch=1.8,
                        dt=0.01, spinup=300.0, interval=20.0, per_split=(40, 10, 20), factor=8,
                        notes=("paper: MicroHH DNS at Re_τ = 590, LES grid coarser by 8 horizontally",
                               "estimated cost: ~1.5·10⁵ cell-steps per snapshot interval ×3.8·10⁷ cells; "
                               "~12 s per step on one CPU core, so GPU only (not generated here)")),
    }

    # --- layout -----------------------------------------------------------------------------------
    def n_shards(self, config: DatasetConfig, split: str) -> int:
        return config[f"{self.check_split(split)}_snapshots"]

    def snapshot_number(self, config: DatasetConfig, shard: ShardSpec) -> int:
        """Position of the shard's snapshot along the run (gaps between split blocks included)."""
        k = SPLIT_ORDER.index(shard.split)
        before = sum(config[f"{s}_snapshots"] for s in SPLIT_ORDER[:k])
        return before + k * config["split_gap"] + shard.index

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        """RK3 steps this shard adds to the run (the first one carries the spin-up)."""
        from mdbench.systems.channel import run

        n = self.snapshot_number(config, shard)
        prev = run.snapshot_step(config, n - 1) if n else 0
        if shard.split != "train" and shard.index == 0:
            prev = run.snapshot_step(config, n - 1 - config["split_gap"])
        return float(run.snapshot_step(config, n) - prev)

    # --- generation -------------------------------------------------------------------------------
    def generate_shard(self, config: DatasetConfig, shard: ShardSpec, *, progress: bool = True) -> xr.Dataset:
        """``progress``: the DNS's own bar (the store passes ``mdbench data generate --quiet`` down)."""
        import torch

        from mdbench.systems.channel import filtering, run

        n = self.snapshot_number(config, shard)
        with run.fixed_threads():  # bit-identical on any machine: reductions split per thread
            ch = run.flow_at(config, run.snapshot_step(config, n), progress=progress)
            with torch.no_grad():
                coarse = filtering.filter_snapshot(ch.ops, ch.u, ch.v, ch.w, config["coarsening"])
            return snapshot_dataset(config, ch, coarse, n)

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        ds = super().assemble(config, split, parts)
        ds["snapshot"].attrs.update(long_name="snapshot index within the split", units="1")
        return ds

    def engine_versions(self) -> dict[str, str]:
        import torch

        return {"torch": torch.__version__, "torch_threads": str(TORCH_THREADS), "mkl_cbwr": MKL_BRANCH,
                "engine": "mdbench.systems.channel.physics (MicroHH numerics: 2nd-order staggered FD, RK3, FFT+direct "
                          "pressure solve), float64, CPU"}


def snapshot_dataset(config: DatasetConfig, ch, coarse: dict, n: int) -> xr.Dataset:
    """One snapshot as an xarray dataset (LES grid, staggered dims x/xh, y/yh, z/zh)."""
    from mdbench.systems.channel import filtering
    from mdbench.systems.channel.physics import COMPONENTS, wall_units

    grid = ch.grid.coarsen(config["coarsening"])
    coords = grid.coords()
    wu = wall_units(ch.mean_profile(), ch.grid.y, ch.nu)
    data = {}
    for c in COMPONENTS:
        dims = coarse["dims"][c]
        data[c] = (dims, coarse[c].cpu().numpy(),
                   {"units": "U_b", "long_name": f"filtered DNS velocity {c} on the LES grid (top-hat, staggered)"})
    for (i, j), tau in coarse["tau"].items():
        name = f"tau_{COMPONENTS[i]}{COMPONENTS[j]}"
        data[name] = (coarse["tau_dims"][i, j], tau.cpu().numpy(),
                      {"units": "U_b^2", "long_name": f"exact subgrid flux of {COMPONENTS[i]}-momentum in direction "
                                                      f"{'xyz'[j]}: G(F_ij) − F_ij(G(u))"})
    ds = xr.Dataset({k: v for k, v in data.items()}, coords={k: (k, v, {"units": "δ"}) for k, v in coords.items()})
    ds = ds.expand_dims("snapshot")
    nu = ch.nu
    ds["time"] = ("snapshot", [ch.time], {"units": "δ/U_b", "long_name": "DNS time of the snapshot"})
    ds["u_tau"] = ("snapshot", [wu["u_tau"]], {"units": "U_b", "long_name": "friction velocity of the DNS snapshot"})
    ds["dns_mean_u"] = (("snapshot", "y"), ch.mean_profile()[None],
                        {"units": "U_b", "long_name": "horizontal mean u of the DNS at the y centres"})
    ds["snapshot_number"] = ("snapshot", [n], {"units": "1", "long_name": "position along the DNS run"})
    for dim in ("y", "yh"):
        dist = np.minimum(coords[dim], 2 - coords[dim])
        ds[f"{dim}plus"] = (("snapshot", dim), (dist * wu["u_tau"] / nu)[None],
                            {"units": "1", "long_name": f"wall distance of the {dim} levels in wall units (this snapshot's u_τ)"})
    ds.attrs.update(grid=json.dumps(grid.to_record()), dns_grid=json.dumps(ch.grid.to_record()),
                    filter=filtering.DESCRIPTION.format(r=config["coarsening"]), nu=nu)
    return ds


CHANNEL = ChannelDataset()
