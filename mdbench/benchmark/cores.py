"""How many threads a training may use: the cores this process may run on, less those other work keeps busy.

``os.cpu_count()`` counts the machine's cores, not this process's: a CPU affinity mask (``taskset``, a batch
scheduler's cpuset) or a cgroup v2 CPU quota (a container's ``--cpus``) gives it fewer, and other processes
may keep some of them busy.  OpenMP threads (torch's) spin-wait at every barrier for threads that the kernel
has preempted: two torch threads on a machine with one free core trained 25× slower than one thread
(issue 23).  So the default is the *free* cores: usable cores (affinity, then the cgroup quota, rounded up
as Go's runtime and .NET do) minus the one-minute load average (runnable processes, the measure
``make -l`` and GNU parallel's ``--load`` use), never less than one.  ``$OMP_NUM_THREADS`` overrides it.

Setting ``OMP_WAIT_POLICY=PASSIVE`` instead would have to happen before torch loads its OpenMP runtime
and makes every barrier a sleep and a wake-up, a cost on an idle machine for the many small parallel
regions of the recurrent networks; not oversubscribing avoids the spinning without that cost.

Every reading is injectable (``affinity``, ``cgroup_root``, ``proc_cgroup``, ``loadavg``): the tests use fakes,
no wall clock.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Callable


def affinity_cores(affinity: Callable[[], set[int]] | None = None) -> int:
    """Cores in this process's affinity mask (``os.cpu_count()`` where the platform has none)."""
    getter = affinity or getattr(os, "sched_getaffinity", None)
    try:
        return max(1, len(getter(0))) if getter else max(1, os.cpu_count() or 1)
    except OSError:
        return max(1, os.cpu_count() or 1)


def parse_cpu_max(text: str) -> float | None:
    """Cores a cgroup v2 ``cpu.max`` (``"<quota> <period>"`` in µs, quota ``max`` for none) allows; ``None``
    for no limit or text that is not such a line."""
    fields = text.split()
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def cgroup_cores(cgroup_root: Path = Path("/sys/fs/cgroup"), proc_cgroup: Path = Path("/proc/self/cgroup")) -> float | None:
    """The tightest cgroup v2 CPU quota on this process's cgroup and its ancestors, in cores; ``None`` if none
    (or no cgroup v2: ``/proc/self/cgroup`` without a ``0::`` line)."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    own = next((line[3:] for line in lines if line.startswith("0::")), None)
    if own is None:
        return None
    parts = [p for p in own.strip().split("/") if p and p != ".."]
    limits = []
    for depth in range(len(parts), -1, -1):  # the process's own cgroup up to the root of the (namespaced) tree
        try:
            limit = parse_cpu_max((cgroup_root.joinpath(*parts[:depth]) / "cpu.max").read_text())
        except OSError:
            continue
        if limit is not None:
            limits.append(limit)
    return min(limits) if limits else None


def usable_cores(*, affinity: Callable[[], set[int]] | None = None, cgroup_root: Path = Path("/sys/fs/cgroup"),
                 proc_cgroup: Path = Path("/proc/self/cgroup")) -> int:
    """Cores this process may run on: its affinity mask, capped by its cgroup quota (rounded up)."""
    cores = affinity_cores(affinity)
    quota = cgroup_cores(cgroup_root, proc_cgroup)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota - 1e-9)))
    return cores


def free_cores(usable: int, load: float | None) -> int:
    """Of ``usable`` cores, those the load average leaves free (rounded to the nearest core), at least one."""
    if load is None or not math.isfinite(load) or load < 0:
        return usable
    return max(1, min(usable, usable - int(load + 0.5)))


def training_threads(environ=None, *, affinity=None, cgroup_root: Path = Path("/sys/fs/cgroup"),
                     proc_cgroup: Path = Path("/proc/self/cgroup"), loadavg: Callable[[], tuple] | None = None) -> int:
    """``$OMP_NUM_THREADS`` where set to a whole number, else the free usable cores (see the module's text)."""
    environ = os.environ if environ is None else environ
    try:
        return max(1, int(environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        pass
    try:
        load = (loadavg or os.getloadavg)()[0]
    except (OSError, AttributeError):  # no load average on this platform
        load = None
    return free_cores(usable_cores(affinity=affinity, cgroup_root=cgroup_root, proc_cgroup=proc_cgroup), load)
