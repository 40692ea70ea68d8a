"""RFMIP's speed yardsticks, timed as measurements: jax-rrtmgp's gas optics and climt's compiled RRTMG LW.

``python -m mdbench.systems.rfmip.yardstick [--repeats 7] [--out FILE]`` times, on the same columns (the
RFMIP present-day column of every site, repeated to ``--columns``):

* jax-rrtmgp's gas optics (:class:`physics.GasOptics`, LW τ + Planck source and SW τ + ssa, float32 —
  jax-rrtmgp's dtype; float64 is not enabled in this suite) for each column batch (``chunk``) in
  ``--batches``, compiled and warmed before any timing;
* climt 0.31's RRTMG LW (:func:`classical.rrtmg_lw`: its gas optics *and* its solver, compiled Fortran),
  the seconds of the radiation call only;

interleaved (every repeat times every candidate once, in turn), and reports per candidate the median
columns/s, the 25–75 % range and the number of repeats, the threads (``XLA_FLAGS`` and
``OMP_NUM_THREADS`` as set) and the machine's load average before and after.  The JSON goes to
``--out`` (atomic write).  Nothing here is scored: the card quotes the file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from mdbench.core.atomic import write_text_atomic
from mdbench.systems.rfmip import physics


def columns(n: int) -> physics.Profiles:
    """The RFMIP present-day column of every site, repeated to ``n`` columns."""
    ds = physics.load_rfmip()
    sites = np.resize(np.arange(physics.N_SITES), n)
    return physics.rfmip_profiles(ds, [physics.PRESENT_DAY] * n, sites)


def measure(n_columns: int = 400, batches: tuple[int, ...] = (16, 64, 256), repeats: int = 7) -> dict:
    from mdbench.systems.rfmip import classical

    prof = columns(n_columns)
    physics.enable_compilation_cache()
    optics = {b: physics.GasOptics(chunk=b) for b in batches}
    for go in optics.values():
        go.compute(prof.take(slice(0, go.chunk)))  # compile and warm outside every timing
    classical.rrtmg_lw(prof.take(slice(0, 8)))  # climt's first call builds its state: not timed either
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {f"jax-rrtmgp gas optics, batch {b}": [] for b in batches}
    times["climt RRTMG LW (gas optics + solver)"] = []
    for _ in range(repeats):
        for b, go in optics.items():
            start = time.perf_counter()
            go.compute(prof)
            times[f"jax-rrtmgp gas optics, batch {b}"].append(time.perf_counter() - start)
        times["climt RRTMG LW (gas optics + solver)"].append(classical.rrtmg_lw(prof)[1])
    out = {}
    for name, secs in times.items():
        speed = n_columns / np.asarray(secs)
        out[name] = {"columns_per_second_median": float(np.median(speed)),
                     "columns_per_second_p25": float(np.percentile(speed, 25)),
                     "columns_per_second_p75": float(np.percentile(speed, 75)), "repeats": len(secs)}
    return {"columns": n_columns, "candidates": out, "interleaved": True,
            "threads": {"XLA_FLAGS": os.environ.get("XLA_FLAGS", ""), "OMP_NUM_THREADS":
                        os.environ.get("OMP_NUM_THREADS", "")},
            "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                        "load_average_before": load_before, "load_average_after": os.getloadavg()},
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=400)
    parser.add_argument("--batches", default="16,64,256")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    result = measure(args.columns, tuple(int(b) for b in args.batches.split(",")), args.repeats)
    text = json.dumps(result, indent=1) + "\n"
    if args.out:
        write_text_atomic(Path(args.out), text)
    print(text)


if __name__ == "__main__":
    main()
