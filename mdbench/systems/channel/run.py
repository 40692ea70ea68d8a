"""The DNS run behind a ``channel`` config: spin-up and a chain of restart files.

One deterministic DNS per config: a spin-up from the seeded initial state, then snapshots every
``snapshot_interval``.  Every snapshot time is a restart file under
``$MDBENCH_HOME/channel/restarts/<config>-<key>/`` (``key`` hashes every parameter the flow depends
on), so the spin-up is paid once, a shard resumes from the latest restart at or before its time,
and shards generated in any order give the same bytes (the solver is deterministic on one
device in float64).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from mdbench.core.params import DatasetConfig
from mdbench.data.store import home
from mdbench.systems.channel.physics import Channel, Grid, mkm_profile_on

#: parameters the DNS trajectory depends on (the filter and the splits do not change it)
FLOW_PARAMS = ("re_bulk", "lx", "lz", "nx", "ny", "nz", "stretch", "dt", "spinup_time", "snapshot_interval",
               "perturbation")


def grid_of(config: DatasetConfig) -> Grid:
    return Grid(config["nx"], config["ny"], config["nz"], config["lx"], config["lz"], config["stretch"])


def steps_of(config: DatasetConfig, time: float) -> int:
    return int(round(time / config["dt"]))


def restart_dir(config: DatasetConfig) -> Path:
    rec = {k: config[k] for k in FLOW_PARAMS} | {"seed": config.seed, "solver": 1}
    key = hashlib.sha256(json.dumps(rec, sort_keys=True).encode()).hexdigest()[:12]
    return home() / "channel" / "restarts" / f"{config.name}-{key}"


def snapshot_step(config: DatasetConfig, n: int) -> int:
    """RK3 step of snapshot number ``n`` (0, 1, …) along the run."""
    return steps_of(config, config["spinup_time"]) + n * steps_of(config, config["snapshot_interval"])


def _save(path: Path, ch: Channel, step: int) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **ch.state(), step=step)
    tmp.rename(path)


def flow_at(config: DatasetConfig, step: int, *, device: str = "cpu", progress: bool = True) -> Channel:
    """The DNS at RK3 step ``step`` of ``config``'s run, resumed from the latest restart before it."""
    grid = grid_of(config)
    ch = Channel(grid, config["re_bulk"], device=device)
    folder = restart_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    done = sorted(int(p.stem[1:]) for p in folder.glob("s*.npz") if not p.name.endswith(".tmp.npz"))
    done = [s for s in done if s <= step]
    if done:
        with np.load(folder / f"s{done[-1]:09d}.npz") as f:
            ch.set_state(f["u"], f["v"], f["w"], float(f["time"]))
        start = done[-1]
    else:
        ch.initialise(config.seed, amplitude=config["perturbation"], u_profile=mkm_profile_on(grid.y))
        start = 0
    todo = step - start
    if todo:
        # a restart file at every snapshot time on the way (the spin-up is the first stretch)
        spin, interval = steps_of(config, config["spinup_time"]), steps_of(config, config["snapshot_interval"])
        stops = [s for s in range(spin, step, interval) if s > start] + [step]
        bar = tqdm(total=todo, desc=f"channel DNS {config.name} (t = {start * config['dt']:.0f} → "
                   f"{step * config['dt']:.0f} δ/U_b)", unit="step", disable=not progress, leave=False)
        try:
            at = start
            for stop in stops:
                ch.run(stop - at, config["dt"], every=stop - at, progress=bar)
                _save(folder / f"s{stop:09d}.npz", ch, stop)
                at = stop
        finally:
            bar.close()
    if not math.isfinite(ch.kinetic_energy()):
        raise FloatingPointError(f"the channel DNS of config {config.name!r} blew up; lower dt")
    return ch
