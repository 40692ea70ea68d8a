"""O(N) EDNN inference on huge porous graphene sheets: time and peak memory, streaming tiles.

Compute the energy of the paper's 35.2-million-atom porous sheet (1.0 µm²)::

    python -m baselines.sheets_scale --side 10000 --out runs/sheets_scale            # CPU, one thread
    python -m baselines.sheets_scale --side 10000 --device cuda --out runs/sheets_scale

and the atoms/s-vs-N curve (``--sizes 1e3 1e4 1e5 1e6``).  The sheet is built by
:func:`mdbench.systems.sheets.physics.porous_sheet_fast` (≈ 35.1 M atoms for ``--side 10000`` Å),
binned once, and its tiles (focus + context) are rendered from the atoms overlapping them in
batches of ``--tiles-per-batch`` and summed: the image (2.6·10⁹ pixels at 0.2 Å) never exists, so
memory is that of the atoms plus one batch.  Tiles are independent: shards of tile rows could go to
dask workers with only the sum at the end.

The network is the ``ednn`` baseline's architecture for ``small`` (f = 16, c = 8 px on the
64 px-per-cell grid) with its initial weights (``--weights FILE`` loads a trained state dict): the
cost of a forward pass does not depend on the weight values, so the time and memory are those of
a trained model; the energy printed is meaningful only with trained weights.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time
from pathlib import Path

import numpy as np
import torch

from baselines.sheets import EDNNSheets
from mdbench.systems.sheets import physics
from mdbench.systems.sheets.dataset import SHEETS

A = physics.LATTICE_CONSTANT
H = A * math.sqrt(3)


def porous_of_side(side: float, seed: int = 0) -> physics.Sheet:
    """Porous graphene about ``side`` × ``side`` Å whose image tiles exactly (repeats 5·m × 3·n)."""
    nx = max(5, int(round(side / A / 5)) * 5)
    ny = max(3, int(round(side / H / 3)) * 3)
    return physics.porous_sheet_fast(np.random.default_rng(seed), (nx, ny))


def porous_of_atoms(n_atoms: float, seed: int = 0) -> physics.Sheet:
    """Porous graphene with about ``n_atoms`` atoms (0.351 atoms/Å² after the pores)."""
    return porous_of_side(math.sqrt(n_atoms / 0.3505), seed)


def model(device: str = "cpu", weights: Path | None = None) -> EDNNSheets:
    m = EDNNSheets(device=device).initialise(SHEETS.config("small"))
    if weights is not None:
        m.net.load_state_dict(torch.load(weights, map_location="cpu"))
    m.net.to(device)
    return m


def peak_memory() -> dict:
    """Peak resident memory of this process (GiB) and, on CUDA, peak allocated GPU memory (GiB)."""
    out = {"peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}
    if torch.cuda.is_available():
        out["peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return out


def energy_of(sheet: physics.Sheet, m: EDNNSheets, tiles_per_batch: int) -> tuple[float, float]:
    """(energy eV, seconds) of the streamed EDNN on ``sheet`` (binning included in the time)."""
    if m.device != "cpu":
        torch.cuda.synchronize()
    start = time.perf_counter()
    e = m.stream_energy(sheet.positions, sheet.numbers, sheet.cell, tiles_per_batch=tiles_per_batch)
    return e, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=float, help="edge of one square porous sheet (Å); 10000 = 1.0 µm²")
    parser.add_argument("--sizes", type=float, nargs="*", default=(), help="atom counts of a scaling curve")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (CPU)")
    parser.add_argument("--tiles-per-batch", type=int, default=512)
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    m = model(args.device, args.weights)
    report: dict = {"device": args.device, "threads": args.threads, "tiles_per_batch": args.tiles_per_batch,
                    "weights": str(args.weights) if args.weights else "initial (cost only)", "scaling": []}
    if args.device != "cpu":
        report["gpu"] = torch.cuda.get_device_name()
    warm = porous_of_atoms(2000)
    energy_of(warm, m, args.tiles_per_batch)
    for n in args.sizes:
        sheet = porous_of_atoms(n)
        _, seconds = energy_of(sheet, m, args.tiles_per_batch)
        row = {"atoms": sheet.n_atoms, "seconds": seconds, "atoms_per_second": sheet.n_atoms / seconds,
               "atoms_per_second_per_thread": sheet.n_atoms / seconds / (args.threads if args.device == "cpu" else 1)}
        report["scaling"].append(row)
        print(json.dumps(row), flush=True)
    if args.side:
        start = time.perf_counter()
        sheet = porous_of_side(args.side)
        build = time.perf_counter() - start
        e, seconds = energy_of(sheet, m, args.tiles_per_batch)
        report["big"] = {"atoms": sheet.n_atoms, "cell_angstrom": list(sheet.cell), "area_um2": sheet.area * 1e-8,
                         "build_seconds": build, "inference_seconds": seconds, "atoms_per_second": sheet.n_atoms / seconds,
                         "energy_ev": e, **peak_memory()}
        print(json.dumps(report["big"]), flush=True)
    report.update(peak_memory())
    (args.out / "sheets_scale.json").write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
