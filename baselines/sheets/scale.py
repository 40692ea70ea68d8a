"""O(N) EDNN inference on huge porous graphene sheets: time and peak memory, streaming tiles.

Compute the energy of the paper's 35.2-million-atom porous sheet (1.0 µm²)::

    python -m baselines.sheets.scale --side 10000 --out runs/sheets_scale            # CPU, one thread
    python -m baselines.sheets.scale --side 10000 --device cuda --out runs/sheets_scale

and the atoms/s-vs-N curve (``--sizes 1e3 1e4 1e5 1e6``).  Shard the big sheet over dask workers::

    python -m baselines.sheets.scale --side 10000 --workers 2 --out DIR              # local cluster
    python -m baselines.sheets.scale --side 10000 --scheduler tcp://HOST:8786 --out DIR

(:func:`sharded_energy`).  The sheet is built by
:func:`mdbench.systems.sheets.physics.porous_sheet_fast` (≈ 35.1 M atoms for ``--side 10000`` Å),
binned once, and its tiles (focus + context) are rendered from the atoms overlapping them in
batches of ``--tiles-per-batch`` and summed: the image (2.6·10⁹ pixels at 0.2 Å) never exists, so
memory is that of the atoms plus one batch.  Tiles are independent, so the sharded run splits the
sheet into bands of tile rows: every worker rebuilds only its band (plus a margin as wide as a
tile's reach) from the sheet's seed (:func:`mdbench.systems.sheets.physics.porous_sheet_fast` with
``rows``), sums the network over the band's tiles and returns that number and its species counts;
nothing but the network's weights (≈ 10⁵ numbers) and a few floats travel through the scheduler,
and the client adds the per-species term once at the end.

The network is the ``ednn`` baseline's architecture for ``small`` (f = 16, c = 8 px on the
64 px-per-cell grid) with its initial weights (``--weights FILE`` loads a trained state dict): the
cost of a forward pass does not depend on the weight values, so the time and memory are those of
a trained model; the energy printed is meaningful only with trained weights.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

from baselines.sheets.models import EDNNSheets, species_counts
from mdbench.core.errors import MdbenchError
from mdbench.data.sharding import run_shards
from mdbench.systems.sheets import images, physics
from mdbench.systems.sheets.dataset import SHEETS

A = physics.LATTICE_CONSTANT
H = A * math.sqrt(3)


def repeats_of_side(side: float) -> tuple[int, int]:
    """Orthogonal 4-atom cells (5·m, 3·n) of a sheet about ``side`` × ``side`` Å (whole 60-atom cells,
    so its image tiles exactly)."""
    return max(5, int(round(side / A / 5)) * 5), max(3, int(round(side / H / 3)) * 3)


def porous_of_side(side: float, seed: int = 0) -> physics.Sheet:
    """Porous graphene about ``side`` × ``side`` Å whose image tiles exactly (repeats 5·m × 3·n)."""
    return physics.porous_sheet_fast(np.random.default_rng(seed), repeats_of_side(side))


def porous_of_atoms(n_atoms: float, seed: int = 0) -> physics.Sheet:
    """Porous graphene with about ``n_atoms`` atoms (0.351 atoms/Å² after the pores)."""
    return porous_of_side(math.sqrt(n_atoms / 0.3505), seed)


def model(device: str = "cpu", weights: Path | None = None) -> EDNNSheets:
    m = EDNNSheets(device=device).initialise(SHEETS.config("small"))
    if weights is not None:
        state = load_weights(weights)
        try:
            m.net.load_state_dict(state)
        except RuntimeError as exc:  # keys or shapes of another network
            raise MdbenchError(f"--weights {weights}: not a state dict of the sheets EDNN "
                               f"({str(exc).splitlines()[0]})") from None
    m.net.to(device)
    return m


def load_weights(path: Path) -> dict:
    """A state dict loaded with ``weights_only=True``: tensors and plain containers only, so a file that would
    run code while it is unpickled is refused (one line), never executed."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, EOFError, RuntimeError, ValueError, pickle.UnpicklingError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MdbenchError(f"--weights {path}: not a plain torch state dict ({first}); save one with "
                           "`torch.save(net.state_dict(), path)`") from None
    if not isinstance(state, dict):
        raise MdbenchError(f"--weights {path}: holds a {type(state).__name__}, not a state dict")
    return state


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


# --------------------------------------------------------------------------------------------
# sharding over dask workers
# --------------------------------------------------------------------------------------------
#: rows of 4-atom cells in one 60-atom cell (its height, 3·a√3 = 64 px = 4 focus blocks on small)
CELL_ROWS = 3


def _margin_cells(m: EDNNSheets) -> int:
    """60-atom cell heights covering a tile's reach (context + Gaussian cutoff) beyond its focus."""
    reach = m.context * max(m.pixel) + images.CUTOFF_SIGMAS * images.GAMMA
    return max(1, math.ceil(reach / (CELL_ROWS * H)))


def band_sum(repeats: tuple[int, int], seed: int, band: tuple[int, int], state: dict, tiles_per_batch: int = 512,
             device: str = "cpu") -> dict:
    """Network sum over the tiles of one band of the porous sheet ``porous_sheet_fast(seed, repeats)``.

    ``band`` = (c0, c1) in 60-atom cell heights (rows 3·c0 … 3·c1 of 4-atom cells).  The worker
    builds those rows plus a margin on each side from the seed, in a local box of the sheet's
    width and the band's height + margins (periodic in x as the sheet; in y the margins hold the
    real neighbours, so no tile of the band sees the box's artificial period), and sums the network
    over the band's tiles only.  Returns ``{"sum", "counts" (B, C, N of the band's own atoms),
    "atoms", "seconds"}``.
    """
    start = time.perf_counter()
    m = model(device)
    m.net.load_state_dict(state)
    mc = _margin_cells(m)
    c0, c1 = band
    r0 = CELL_ROWS * (c0 - mc)
    sheet = physics.porous_sheet_fast(np.random.default_rng(seed), repeats, rows=(r0, CELL_ROWS * (c1 + mc)))
    pos = sheet.positions.copy()
    pos[:, 1] -= r0 * H
    box = (sheet.cell[0], CELL_ROWS * H * (c1 - c0 + 2 * mc))
    # the band's own atoms: between its row boundaries (no atom lies within a√3/6 below a row start)
    lo, hi = CELL_ROWS * H * mc - H / 6, CELL_ROWS * H * (mc + c1 - c0) - H / 6
    own = (pos[:, 1] >= lo) & (pos[:, 1] < hi)
    blocks = int(round(CELL_ROWS * H / m.pixel[1])) // m.focus  # focus blocks per 60-atom cell height
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core per worker (and this process's setting back when run in it)
    try:
        total = m.stream_sum(pos, sheet.numbers, box, tiles_per_batch, tile_rows=(blocks * mc, blocks * (mc + c1 - c0)))
    finally:
        torch.set_num_threads(threads)
    return {"sum": total, "counts": species_counts(sheet.numbers[own]).tolist(), "atoms": int(own.sum()),
            "seconds": time.perf_counter() - start}


def sharded_energy(repeats: tuple[int, int], m: EDNNSheets, *, seed: int = 0, shards: int | None = None,
                   workers: int | None = None, scheduler: str | None = None, tiles_per_batch: int = 512,
                   device: str = "cpu", progress: bool = True) -> dict:
    """EDNN energy (eV) of ``porous_sheet_fast(seed, repeats)``, its bands computed by dask workers.

    Parameters
    ----------
    shards
        Bands of whole 60-atom cell rows (default: 4 per worker, at most one per cell row).
    workers, scheduler
        As ``mdbench data generate``: a local cluster of ``workers`` single-threaded processes, an
        existing scheduler's address, or (neither) this process.

    Returns
    -------
    dict with ``energy_ev``, ``atoms``, ``shards``, ``seconds`` (wall) and ``worker_seconds`` (sum).
    """
    cells = repeats[1] // CELL_ROWS
    shards = min(cells, shards or 4 * max(1, workers or 1))
    edges = np.linspace(0, cells, shards + 1).round().astype(int)
    bands = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    state = {k: v.detach().cpu() for k, v in m.net.state_dict().items()}
    start = time.perf_counter()
    parts = run_shards(band_sum, [(tuple(repeats), seed, b, state, tiles_per_batch, device) for b in bands],
                       weights=[(b - a) * CELL_ROWS * 4 * repeats[0] for a, b in bands], unit="lattice site",
                       workers=workers, scheduler=scheduler, progress=progress, desc="sheet bands")
    seconds = time.perf_counter() - start
    counts = np.sum([p["counts"] for p in parts], axis=0)
    return {"energy_ev": m.energy_from(math.fsum(p["sum"] for p in parts), counts),
            "atoms": int(sum(p["atoms"] for p in parts)), "shards": len(bands), "seconds": seconds,
            "worker_seconds": sum(p["seconds"] for p in parts)}


def main() -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}" if __spec__ else None,
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=float, help="edge of one square porous sheet (Å); 10000 = 1.0 µm²")
    parser.add_argument("--sizes", type=float, nargs="*", default=(), help="atom counts of a scaling curve")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (CPU)")
    parser.add_argument("--tiles-per-batch", type=int, default=512)
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--workers", type=int, help="shard --side over a local dask cluster of N processes")
    parser.add_argument("--scheduler", help="shard --side over an existing dask scheduler (tcp://host:port)")
    parser.add_argument("--shards", type=int, help="bands of the sharded sheet (default 4 per worker)")
    parser.add_argument("--serial", action="store_true", help="with --workers/--scheduler: also time the one-process run")
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
    if args.side and (args.workers or args.scheduler):
        report["sharded"] = sharded_energy(repeats_of_side(args.side), m, shards=args.shards, workers=args.workers,
                                           scheduler=args.scheduler, tiles_per_batch=args.tiles_per_batch,
                                           device=args.device)
        report["sharded"].update(workers=args.workers, scheduler=args.scheduler)
        print(json.dumps(report["sharded"]), flush=True)
    if args.side and (args.serial or not (args.workers or args.scheduler)):
        start = time.perf_counter()
        sheet = porous_of_side(args.side)
        build = time.perf_counter() - start
        e, seconds = energy_of(sheet, m, args.tiles_per_batch)
        report["big"] = {"atoms": sheet.n_atoms, "cell_angstrom": list(sheet.cell), "area_um2": sheet.area * 1e-8,
                         "build_seconds": build, "inference_seconds": seconds, "atoms_per_second": sheet.n_atoms / seconds,
                         "energy_ev": e, **peak_memory()}
        print(json.dumps(report["big"]), flush=True)
    report.update(peak_memory())
    name = "sheets_scale_sharded.json" if "sharded" in report else "sheets_scale.json"
    (args.out / name).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    try:
        main()
    except MdbenchError as err:
        print(f"mdbench: error: {err}", file=sys.stderr)
        raise SystemExit(err.exit_code) from None
