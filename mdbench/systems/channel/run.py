"""The DNS run behind a ``channel`` config: spin-up and a chain of restart files.

One deterministic DNS per config: a spin-up from the seeded initial state, then snapshots every
``snapshot_interval``.  Every snapshot time is a restart file under
``$MDBENCH_HOME/channel/restarts/<config>-<key>/`` (``key`` hashes every parameter the flow depends
on), so the spin-up is paid once, a shard resumes from the latest restart at or before its time,
and shards generated in any order give the same bytes (the solver is deterministic on one
device in float64).

Integrity: every restart file has a sidecar ``s<step>.json`` with its sha256 and the parameters it
was made from, written with it; a restart whose bytes or parameters do not match (or that has no
sidecar: an older mdbench, or a kill between the two writes) is deleted and recomputed from an
earlier one, with one line on stderr, so a damaged cache never reaches a dataset (``--force``
included).  The bytes depend on torch's intra-op thread count (reductions are split per thread), so
the DNS and the filter run on :data:`TORCH_THREADS` threads whatever the process uses
(:func:`fixed_threads`); the count is in the sidecars, the shard key and the manifest's versions.

CPU independence: the DNS's FFTs and matrix products are MKL's, whose default code path depends on the CPU, and
MKL fixes its path once, when it starts. So the DNS steps always run in a child process started with
``MKL_CBWR=``:data:`MKL_BRANCH` (:func:`advance`, this module's ``__main__``), which leaves its state as restart
files; :func:`flow_at` reads the checked restart file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from tqdm.auto import tqdm

from mdbench.core.atomic import write_text_atomic
from mdbench.core.hashing import plain, sha256_file
from mdbench.core.params import DatasetConfig
from mdbench.data.store import home
from mdbench.systems.channel.numerics import MKL_BRANCH, TORCH_THREADS
from mdbench.systems.channel.physics import Channel, Grid, mkm_profile_on

#: parameters the DNS trajectory depends on (the filter and the splits do not change it)
FLOW_PARAMS = ("re_bulk", "lx", "lz", "nx", "ny", "nz", "stretch", "dt", "spinup_time", "snapshot_interval",
               "perturbation")




@contextmanager
def fixed_threads(n: int = TORCH_THREADS) -> Iterator[None]:
    """Run the block on ``n`` torch threads (bit-reproducible reductions); the caller's count is restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def grid_of(config: DatasetConfig) -> Grid:
    return Grid(config["nx"], config["ny"], config["nz"], config["lx"], config["lz"], config["stretch"])


def steps_of(config: DatasetConfig, time: float) -> int:
    return int(round(time / config["dt"]))


def _restart_params(config: DatasetConfig) -> dict:
    return {k: config[k] for k in FLOW_PARAMS} | {"seed": config.seed, "solver": 1, "mkl_cbwr": MKL_BRANCH}


def restart_dir(config: DatasetConfig) -> Path:
    key = hashlib.sha256(json.dumps(_restart_params(config), sort_keys=True).encode()).hexdigest()[:12]
    return home() / "channel" / "restarts" / f"{config.name}-{key}"


def snapshot_step(config: DatasetConfig, n: int) -> int:
    """RK3 step of snapshot number ``n`` (0, 1, …) along the run."""
    return steps_of(config, config["spinup_time"]) + n * steps_of(config, config["snapshot_interval"])


def _restart_record(config: DatasetConfig, step: int) -> dict:
    """What a restart file at ``step`` must have been made from (its sidecar adds the file's sha256)."""
    return plain({"step": step, "params": _restart_params(config), "torch_threads": TORCH_THREADS})


def _save(path: Path, ch: Channel, step: int, config: DatasetConfig) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **ch.state(), step=step)
    record = {**_restart_record(config, step), "sha256": sha256_file(tmp)}
    path.with_suffix(".json").unlink(missing_ok=True)  # never an old sidecar beside new bytes
    tmp.rename(path)
    write_text_atomic(path.with_suffix(".json"), json.dumps(record, indent=1, sort_keys=True) + "\n")


def _checked_restart(folder: Path, step: int, config: DatasetConfig) -> bool:
    """Whether the restart at ``step`` matches its sidecar; one that does not is reported and deleted."""
    path = folder / f"s{step:09d}.npz"
    sidecar = path.with_suffix(".json")
    try:
        record = json.loads(sidecar.read_text())
    except FileNotFoundError:
        why = "has no sha256 sidecar (an older mdbench, or interrupted)"
    except (OSError, ValueError):
        why = "has an unreadable sha256 sidecar"
    else:
        if not isinstance(record, dict) or {k: record.get(k) for k in ("step", "params", "torch_threads")} != \
                json.loads(json.dumps(_restart_record(config, step))):
            why = "was made from other parameters than its config's"
        elif record.get("sha256") != sha256_file(path):
            why = "does not match the sha256 recorded when it was written"
        else:
            return True
    print(f"channel restart {path} {why}; recomputing it", file=sys.stderr)
    path.unlink(missing_ok=True)
    sidecar.unlink(missing_ok=True)
    return False


def flow_at(config: DatasetConfig, step: int, *, device: str = "cpu", progress: bool = True) -> Channel:
    """The DNS at RK3 step ``step`` of ``config``'s run, read from its checked restart file; a step not yet
    computed is computed first by a child process on MKL's CPU-independent branch (see the module docstring)."""
    folder = restart_dir(config)
    path = folder / f"s{step:09d}.npz"
    if not (path.is_file() and _checked_restart(folder, step, config)):
        _advance_in_child(config, step, device, progress)
        if not (path.is_file() and _checked_restart(folder, step, config)):
            raise RuntimeError(f"the channel DNS child left no valid restart file {path}")
    with fixed_threads():
        ch = Channel(grid_of(config), config["re_bulk"], device=device)
        with np.load(path) as f:
            ch.set_state(f["u"], f["v"], f["w"], float(f["time"]))
    if not math.isfinite(ch.kinetic_energy()):
        raise FloatingPointError(f"the channel DNS of config {config.name!r} blew up; lower dt")
    return ch


#: the DNS child process of this process (started on first need, reused: a torch import costs ~2 s)
_child: subprocess.Popen | None = None
_child_lock = threading.Lock()


def _advance_in_child(config: DatasetConfig, step: int, device: str, progress: bool) -> None:
    """Run :func:`advance` in ``python -m mdbench.systems.channel.run`` started with ``MKL_CBWR=MKL_BRANCH``. The
    child draws its progress bar on this process's stderr and answers each request with one JSON line."""
    global _child
    request = json.dumps({"config": config.to_record(), "description": config.description, "step": step,
                          "device": device, "progress": progress, "home": str(home())}) + "\n"
    with _child_lock:
        if _child is None or _child.poll() is not None:
            _child = subprocess.Popen([sys.executable, "-m", "mdbench.systems.channel.run"], text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      env={**os.environ, "MKL_CBWR": MKL_BRANCH})
        try:
            _child.stdin.write(request)
            _child.stdin.flush()
            reply = _child.stdout.readline()
        except BrokenPipeError:
            reply = ""
    if not reply:
        raise RuntimeError(f"the channel DNS child process ended (exit {_child.wait()}); see its output above")
    failure = json.loads(reply)
    if failure is None:
        return
    if failure["type"] == "FloatingPointError":
        raise FloatingPointError(failure["message"])
    if failure["type"] == "OSError":
        raise OSError(failure["errno"], failure["message"], failure["filename"])
    raise RuntimeError(f"the channel DNS child process failed: {failure['type']}: {failure['message']}")


def advance(config: DatasetConfig, step: int, *, device: str = "cpu", progress: bool = True) -> None:
    """Compute ``config``'s run up to ``step`` from the latest verified restart before it, leaving restart files
    on the way and at ``step``. Bit-reproducible on any x86-64 CPU only in a process whose MKL started on
    :data:`MKL_BRANCH`, which is why :func:`flow_at` calls it in a child."""
    with fixed_threads():
        _advance(config, step, device=device, progress=progress)


def _advance(config: DatasetConfig, step: int, *, device: str, progress: bool) -> None:
    grid = grid_of(config)
    ch = Channel(grid, config["re_bulk"], device=device)
    folder = restart_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    done = sorted(int(p.stem[1:]) for p in folder.glob("s*.npz") if not p.name.endswith(".tmp.npz"))
    done = [s for s in done if s <= step]
    while done and not _checked_restart(folder, done[-1], config):
        done.pop()
    if done:
        with np.load(folder / f"s{done[-1]:09d}.npz") as f:
            ch.set_state(f["u"], f["v"], f["w"], float(f["time"]))
        start = done[-1]
    else:
        ch.initialise(config.seed, amplitude=config["perturbation"], u_profile=mkm_profile_on(grid.y))
        start = 0
    todo = step - start
    if not todo and not done:  # the initial state itself (a spin-up shorter than one step)
        _save(folder / f"s{step:09d}.npz", ch, step, config)
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
                _save(folder / f"s{stop:09d}.npz", ch, stop, config)
                at = stop
        finally:
            bar.close()


def _child_main() -> int:
    """Serve :func:`_advance_in_child`: one JSON request per line on stdin, one JSON line back (null: done)."""
    try:
        for line in sys.stdin:
            request = json.loads(line)
            os.environ["MDBENCH_HOME"] = request["home"]
            failure = None
            try:
                config = DatasetConfig.from_record(request["config"], request["description"])
                advance(config, int(request["step"]), device=request["device"], progress=request["progress"])
            except OSError as e:
                failure = {"type": "OSError", "errno": e.errno, "message": e.strerror or str(e), "filename": e.filename}
            except Exception as e:  # noqa: BLE001 - reported to the parent in one line, which re-raises it
                failure = {"type": type(e).__name__, "message": str(e)}
            print(json.dumps(failure, default=str), flush=True)
    except KeyboardInterrupt:  # the parent got it too and says so
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
