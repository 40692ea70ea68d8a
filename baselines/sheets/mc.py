"""The EDNN in use: Metropolis Monte Carlo of pristine graphene at 1000 K with the EDNN energy,
against the Tersoff potential (LAMMPS), compared through the radial distribution function g(r).

Run (trains the ``ednn`` baseline on ``sheets``/``small`` first unless ``--weights`` is given)::

    MDBENCH_HOME=… python -m baselines.sheets.mc --out mdbench/systems/sheets/leaderboards/figures/sheets__energy

Three ensembles of the 60-atom cell at 1000 K:

* ``ednn-mc`` — Metropolis with single-atom moves in the plane (uniform in a ±δ square) and the
  EDNN energy.  The image ignores z, so the EDNN cannot see out-of-plane moves: the chain is 2D.
  A move re-evaluates only the tiles whose focus + context (+ the Gaussian cutoff) contains the
  atom's old or new position (the paper's remark); the speed-up over re-evaluating the whole
  sheet is measured here on the 60-atom cell and on the 1 500-atom 5 × 5 cell.
* ``tersoff-mc`` — the same Metropolis chain (same moves, 2D) with the Tersoff energy from LAMMPS:
  the exact answer for the ensemble the EDNN chain samples.
* ``tersoff-md`` — LAMMPS NVT MD in 3D (the dataset's sampler), g(r) of the xy projection.

Metric: the L1 distance ∫|g_a(r) − g_b(r)| dr (Å) on 0 < r < 6 Å, with its noise floor measured as
the distance between the two halves of the reference chain.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from baselines.sheets.models import EDNNSheets
from mdbench.systems.sheets import images, physics

KB = 8.617333262e-5  # eV/K
R_MAX, DR = 6.0, 0.05


def gr_2d(frames: np.ndarray, cell: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """g(r) of the xy projection averaged over ``frames`` (F, n, ≥2), minimum image; r bin centres (Å)."""
    edges = np.arange(0.0, R_MAX + DR, DR)
    hist = np.zeros(len(edges) - 1)
    n = frames.shape[1]
    for xy in frames[..., :2]:
        d = xy[:, None] - xy[None]
        d -= np.round(d / cell) * cell
        r = np.hypot(d[..., 0], d[..., 1])[np.triu_indices(n, 1)]
        hist += np.histogram(r, edges)[0]
    rho = n / (cell[0] * cell[1])
    r = 0.5 * (edges[1:] + edges[:-1])
    shell = 2 * math.pi * r * DR
    return r, 2 * hist / (len(frames) * n * rho * shell)


def gr_distance(a: np.ndarray, b: np.ndarray) -> float:
    """∫|g_a − g_b| dr over the histogram range (Å)."""
    return float(np.abs(a - b).sum() * DR)


class LocalEDNN:
    """EDNN energy of one sheet with per-tile energies cached, so a local move re-evaluates only
    the tiles it touches."""

    def __init__(self, model: EDNNSheets, sheet: physics.Sheet):
        self.m, self.cell = model, np.asarray(sheet.cell)
        self.xy = sheet.positions[:, :2] % self.cell
        self.z = sheet.numbers.astype(np.float32)
        self.f, self.c = model.focus, model.context
        self.px = np.asarray(model.pixel)
        self.shape = images.grid_shape(sheet.cell, model.pixel)
        self.nt = (self.shape[0] // self.f, self.shape[1] // self.f)
        self.block = self.f * self.px
        self.reach = self.c * self.px + images.CUTOFF_SIGMAS * images.GAMMA  # Å beyond the focus, per axis
        ij = np.stack(np.meshgrid(np.arange(self.nt[0]), np.arange(self.nt[1]), indexing="ij"), -1).reshape(-1, 2)
        self.all_ids = ij
        self.tile_e = self._tile_energies(self.xy, ij)

    def _tile_energies(self, xy: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner-network outputs of tiles ``ids`` (T, 2) rendered from the atoms ``xy`` near them."""
        edge = self.f + 2 * self.c
        origin = (ids * self.f - self.c) * self.px  # (T, 2) Å
        centre = origin + 0.5 * (edge - 1) * self.px
        d = xy[None] - centre[:, None]
        d -= np.round(d / self.cell) * self.cell
        near = np.all(np.abs(d) <= 0.5 * edge * self.px + images.CUTOFF_SIGMAS * images.GAMMA, axis=-1)
        width = max(1, int(near.sum(1).max()))
        idx = np.full((len(ids), width), len(xy))
        for k, row in enumerate(near):
            sel = np.flatnonzero(row)
            idx[k, : len(sel)] = sel
        xyp = torch.as_tensor(np.vstack([xy, [[0.0, 0.0]]]))[torch.as_tensor(idx)]
        zp = torch.as_tensor(np.append(self.z, 0.0).astype(np.float32))[torch.as_tensor(idx)]
        o = torch.as_tensor(origin)
        gx = images._tile_gaussians(xyp[..., 0], o[:, 0], edge, self.px[0], self.cell[0], images.GAMMA)
        gy = images._tile_gaussians(xyp[..., 1], o[:, 1], edge, self.px[1], self.cell[1], images.GAMMA)
        tiles = torch.einsum("bip,biq->bpq", gx * zp.unsqueeze(-1), gy).unsqueeze(1)
        with torch.no_grad():
            return self.m.net.inner(tiles).double().reshape(-1).numpy()

    def touched(self, points: np.ndarray) -> np.ndarray:
        """Tiles (T, 2) whose focus + reach contains any of ``points`` (k, 2) Å (periodic)."""
        out = set()
        for p in points:
            lo = np.floor((p - self.reach) / self.block).astype(int)
            hi = np.floor((p + self.reach) / self.block).astype(int)
            for i in range(lo[0], hi[0] + 1):
                for j in range(lo[1], hi[1] + 1):
                    out.add((i % self.nt[0], j % self.nt[1]))
        return np.array(sorted(out))

    def energy(self) -> float:
        """Network part of the energy (eV); the composition term is constant under moves."""
        return float(self.tile_e.sum()) * self.m.scale

    def propose(self, atom: int, new: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(ΔE eV, touched tile ids, their new outputs) of moving ``atom`` to ``new`` (not applied)."""
        ids = self.touched(np.stack([self.xy[atom], new]))
        trial = self.xy.copy()
        trial[atom] = new % self.cell
        new_e = self._tile_energies(trial, ids)
        flat = ids[:, 0] * self.nt[1] + ids[:, 1]
        return float(new_e.sum() - self.tile_e[flat].sum()) * self.m.scale, flat, new_e

    def accept(self, atom: int, new: np.ndarray, flat: np.ndarray, new_e: np.ndarray) -> None:
        self.xy[atom] = new % self.cell
        self.tile_e[flat] = new_e

    def full_energy(self, xy: np.ndarray | None = None) -> float:
        """Network energy (eV) re-evaluated over the whole sheet (every tile), for the speed-up yardstick."""
        xy = self.xy if xy is None else xy
        return float(self._tile_energies(xy, self.all_ids).sum()) * self.m.scale


def metropolis(energy_delta, n_atoms: int, cell, xy0: np.ndarray, temperature: float, sweeps: int,
               equilibration: int, step: float, seed: int, every: int = 1):
    """Single-atom in-plane Metropolis; ``energy_delta(atom, new_xy)`` → (ΔE, accept_fn)."""
    rng = np.random.default_rng(seed)
    beta = 1.0 / (KB * temperature)
    xy = xy0.copy()
    frames, accepted = [], 0
    for sweep in range(equilibration + sweeps):
        for _ in range(n_atoms):
            atom = int(rng.integers(n_atoms))
            new = (xy[atom] + rng.uniform(-step, step, 2)) % cell
            de, commit = energy_delta(atom, new)
            if de <= 0 or rng.random() < math.exp(-beta * de):
                xy[atom] = new
                commit()
                accepted += 1
        if sweep >= equilibration and (sweep - equilibration) % every == 0:
            frames.append(xy.copy())
    return np.array(frames), accepted / ((equilibration + sweeps) * n_atoms)


def ednn_chain(model: EDNNSheets, sheet: physics.Sheet, **kw):
    local = LocalEDNN(model, sheet)

    def delta(atom, new):
        de, flat, new_e = local.propose(atom, new)
        return de, lambda: local.accept(atom, new, flat, new_e)

    return metropolis(delta, sheet.n_atoms, np.asarray(sheet.cell), sheet.positions[:, :2].copy(), **kw)


def tersoff_chain(sheet: physics.Sheet, **kw):
    engine = physics.Tersoff.shared()
    current = {"pos": sheet.positions.copy()}
    current["pos"][:, 2] = 0.0
    state = {"e": engine.energy_forces(physics.Sheet(current["pos"], sheet.numbers, sheet.cell))[0]}

    def delta(atom, new):
        trial = current["pos"].copy()
        trial[atom, :2] = new
        e = engine.energy_forces(physics.Sheet(trial, sheet.numbers, sheet.cell))[0]

        def commit():
            current["pos"], state["e"] = trial, e

        return e - state["e"], commit

    return metropolis(delta, sheet.n_atoms, np.asarray(sheet.cell), sheet.positions[:, :2].copy(), **kw)


def speedup(model: EDNNSheets, sheet: physics.Sheet, moves: int = 200, seed: int = 0) -> dict:
    """Seconds per move: local tile update vs whole-sheet re-evaluation (same moves)."""
    local = LocalEDNN(model, sheet)
    rng = np.random.default_rng(seed)
    atoms = rng.integers(sheet.n_atoms, size=moves)
    steps = rng.uniform(-0.1, 0.1, (moves, 2))
    start = time.perf_counter()
    for a, s in zip(atoms, steps):
        local.propose(int(a), local.xy[a] + s)
    t_local = (time.perf_counter() - start) / moves
    start = time.perf_counter()
    for a, s in zip(atoms[: max(5, moves // 10)], steps):
        trial = local.xy.copy()
        trial[a] += s
        local.full_energy(trial)
    t_full = (time.perf_counter() - start) / max(5, moves // 10)
    # check: the local ΔE equals the whole-sheet ΔE (same network, same atoms)
    a, s = int(atoms[0]), steps[0]
    de, _, _ = local.propose(a, local.xy[a] + s)
    trial = local.xy.copy()
    trial[a] = (trial[a] + s) % local.cell
    de_full = local.full_energy(trial) - local.full_energy()
    return {"atoms": sheet.n_atoms, "tiles": int(np.prod(local.nt)), "seconds_per_move_local": t_local,
            "seconds_per_move_full": t_full, "speedup": t_full / t_local, "delta_e_local_ev": de,
            "delta_e_full_ev": de_full}


def train_model(seed: int = 0) -> EDNNSheets:
    """The ``ednn`` baseline trained on ``sheets``/``small`` (generated first if missing)."""
    from mdbench.core.task import TaskData
    from mdbench.data import store
    from mdbench.systems.sheets.dataset import SHEETS
    from mdbench.systems.sheets.task import TASK

    store.generate(SHEETS, "small")
    data = TaskData.from_splits(SHEETS.config("small"), {s: store.load(SHEETS, "small", s) for s in SHEETS.splits})
    return EDNNSheets().fit(TASK.data_for(data, "model"), seed=seed, progress=True)


def main() -> None:
    import matplotlib.pyplot as plt

    from mdbench.plotting import save_figure

    parser = argparse.ArgumentParser(prog=f"python -m {__spec__.name}" if __spec__ else None,
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sweeps", type=int, default=600)
    parser.add_argument("--equilibration", type=int, default=100)
    parser.add_argument("--step", type=float, default=0.08, help="maximum in-plane move per axis (Å)")
    parser.add_argument("--temperature", type=float, default=1000.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    model = train_model()
    report = {"training_seconds": time.perf_counter() - t0, "temperature_K": args.temperature,
              "sweeps": args.sweeps, "equilibration_sweeps": args.equilibration, "step_angstrom": args.step}
    sheet = physics.graphene_sheet()
    kw = dict(temperature=args.temperature, sweeps=args.sweeps, equilibration=args.equilibration, step=args.step)
    runs = {}
    for name, chain in (("ednn-mc", lambda: ednn_chain(model, sheet, seed=1, **kw)),
                        ("tersoff-mc", lambda: tersoff_chain(sheet, seed=2, **kw))):
        start = time.perf_counter()
        frames, acc = chain()
        seconds = time.perf_counter() - start
        runs[name] = frames
        report[name] = {"acceptance": acc, "seconds": seconds,
                        "moves_per_second": (args.sweeps + args.equilibration) * sheet.n_atoms / seconds}
    start = time.perf_counter()
    md = physics.Tersoff.shared().nvt(sheet, args.temperature, seed=3, n_snapshots=args.sweeps, interval=20,
                                      equilibration=2000)
    report["tersoff-md"] = {"seconds": time.perf_counter() - start, "snapshots": args.sweeps, "interval_steps": 20}
    runs["tersoff-md"] = md["positions"]
    gr = {name: gr_2d(frames, sheet.cell) for name, frames in runs.items()}
    half = len(runs["tersoff-mc"]) // 2
    floor = gr_distance(gr_2d(runs["tersoff-mc"][:half], sheet.cell)[1], gr_2d(runs["tersoff-mc"][half:], sheet.cell)[1])
    report["gr_l1_distance_angstrom"] = {
        "ednn-mc vs tersoff-mc": gr_distance(gr["ednn-mc"][1], gr["tersoff-mc"][1]),
        "ednn-mc vs tersoff-md": gr_distance(gr["ednn-mc"][1], gr["tersoff-md"][1]),
        "tersoff-mc vs tersoff-md": gr_distance(gr["tersoff-mc"][1], gr["tersoff-md"][1]),
        "noise floor (tersoff-mc first vs second half)": floor,
    }
    report["local_update_speedup"] = [speedup(model, sheet), speedup(model, physics.graphene_sheet((25, 15)))]
    # energy evaluations per second of a whole 60-atom sheet: EDNN (every tile) vs LAMMPS
    local = LocalEDNN(model, sheet)
    start = time.perf_counter()
    for _ in range(200):
        local.full_energy()
    ednn_rate = 200 / (time.perf_counter() - start)
    engine = physics.Tersoff.shared()
    start = time.perf_counter()
    for _ in range(200):
        engine.energy_forces(sheet)
    report["evaluations_per_second_60_atoms"] = {"ednn": ednn_rate, "lammps": 200 / (time.perf_counter() - start)}
    (args.out / "mc_report.json").write_text(json.dumps(report, indent=1) + "\n")
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (r, g) in gr.items():
        ax.plot(r, g, label=name, lw=1.2, ls="-" if name == "ednn-mc" else "--")
    ax.set(xlabel="r (in-plane) [Å]", ylabel="g(r)", title=f"pristine graphene, 60 atoms, {args.temperature:.0f} K")
    ax.legend()
    save_figure(fig, args.out / "mc_gr.png")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
