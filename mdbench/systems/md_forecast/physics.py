"""All-atom protein MD with OpenMM: structures, systems, Langevin runs, steered MD, continuations.

Used by the forecasting datasets (``adk``, ``ala100-smd``).  Everything a run needs is in a
:class:`MDSetup` record (force field, solvent model, cutoff, temperature, friction, time step), so
the manifest can list it and any deviation from the papers is explicit.

Units: OpenMM's internally (nm, ps, kJ/mol); what this module returns is in Å and fs for
coordinates and time, kcal/mol/Å for the pulling force and kcal/mol for the work, as in the
forecasting paper (Gupta et al. 2020) and NAMD.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

import numpy as np
import openmm as mm
import openmm.app as app
import openmm.unit as unit

from mdbench.systems.md_forecast.setup import MDSetup, Pulling  # noqa: F401 (re-exported)

KCAL_PER_KJ = 1.0 / 4.184


@dataclass
class MDResult:
    ca: np.ndarray  # (frame, atom, xyz) Å
    time_fs: np.ndarray
    force_kcal_per_a: np.ndarray | None = None
    work_kcal: np.ndarray | None = None
    states: list[dict] = field(default_factory=list)  # full states at the restart frames


# --- structures ---------------------------------------------------------------------------------
def _place(a, b, c, bond, angle, torsion):
    """NeRF: the atom d with |cd| = bond (Å), angle bcd and dihedral abcd (degrees)."""
    angle, torsion = np.radians(angle), np.radians(torsion)
    bc = (c - b) / np.linalg.norm(c - b)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    return c - bond * np.cos(angle) * bc + bond * np.sin(angle) * (np.cos(torsion) * m + np.sin(torsion) * n)


def ideal_helix_backbone(n_res: int, phi: float = -57.0, psi: float = -47.0, omega: float = 180.0) -> list[dict]:
    """Heavy atoms (N, CA, C, O, CB; OXT on the last residue) of an ideal L-alanine helix, in Å.

    Engh–Huber bond lengths and angles; CB from the ideal tetrahedral rule for L-amino acids.
    """
    n = np.array([0.0, 0.0, 0.0])
    ca = np.array([1.458, 0.0, 0.0])
    c = _place(np.array([0.0, 1.0, 0.0]), n, ca, 1.525, 111.2, -60.0)
    residues = []
    for i in range(n_res):
        if i:
            p = residues[-1]
            n = _place(p["N"], p["CA"], p["C"], 1.329, 116.2, psi)
            ca = _place(p["CA"], p["C"], n, 1.458, 121.7, omega)
            c = _place(p["C"], n, ca, 1.525, 111.2, phi)
        b, d = ca - n, c - ca
        cb = -0.58273431 * np.cross(b, d) + 0.56802827 * b - 0.54067466 * d + ca
        residues.append({"N": n, "CA": ca, "C": c, "CB": cb})
    for i, r in enumerate(residues):
        nxt = residues[i + 1]["N"] if i + 1 < n_res else _place(r["N"], r["CA"], r["C"], 1.329, 116.2, psi)
        r["O"] = _place(nxt, r["CA"], r["C"], 1.231, 120.5, 180.0)
    last = residues[-1]
    last["OXT"] = last["C"] + 1.25 * (nxt - last["C"]) / np.linalg.norm(nxt - last["C"])
    return residues


@functools.lru_cache(maxsize=4)
def _forcefield(files: tuple[str, ...]) -> app.ForceField:
    return app.ForceField(*files)


def alanine_helix(n_res: int, setup: MDSetup) -> app.Modeller:
    """Ideal α-helix (φ = −57°, ψ = −47°) of ``n_res`` alanines with hydrogens for ``setup``'s force field."""
    top = app.Topology()
    chain = top.addChain()
    positions = []
    for r in ideal_helix_backbone(n_res):
        res = top.addResidue("ALA", chain)
        for name in ("N", "CA", "C", "O", "CB", "OXT"):
            if name in r:
                top.addAtom(name, app.Element.getBySymbol(name[0]), res)
                positions.append(r[name])
    top.createStandardBonds()
    modeller = app.Modeller(top, np.array(positions) * 0.1 * unit.nanometer)
    add_hydrogens(modeller, setup)
    return modeller


def adenylate_kinase(setup: MDSetup) -> app.Modeller:
    """ADK, open form (PDB 4AKE), as shipped by MDAnalysisTests (``adk_open.pdb``, 214 residues).

    The file uses CHARMM hydrogen names; hydrogens are removed and rebuilt for ``setup``'s force
    field at pH 7 (3341 atoms, the same count as the file).
    """
    from MDAnalysisTests.datafiles import PDB_small

    pdb = app.PDBFile(PDB_small)
    modeller = app.Modeller(pdb.topology, pdb.positions)
    modeller.delete([a for a in modeller.topology.atoms() if a.element is app.element.hydrogen])
    add_hydrogens(modeller, setup)
    return modeller


def add_hydrogens(modeller: app.Modeller, setup: MDSetup) -> None:
    """OpenMM's ``Modeller.addHydrogens`` (pH 7), made a pure function of the structure: it drops the new
    hydrogens at positions drawn from Python's global, unseeded ``random`` and relaxes them on the default
    (fastest, multi-threaded) platform, so two runs built different proteins and the md-forecast data was not
    reproducible even on one machine. Here the draws come from a fixed seed (the caller's ``random`` state is
    restored) and the relaxation runs on the Reference platform."""
    state = random.getstate()
    random.seed(0)
    try:
        modeller.addHydrogens(_forcefield(setup.forcefield), pH=7.0, platform=mm.Platform.getPlatformByName("Reference"))
    finally:
        random.setstate(state)


def ca_indices(topology: app.Topology) -> np.ndarray:
    return np.array([a.index for a in topology.atoms() if a.name == "CA"])


# --- simulation ---------------------------------------------------------------------------------
def build_system(modeller: app.Modeller, setup: MDSetup, pulling: Pulling | None = None) -> mm.System:
    kwargs = {"constraints": getattr(app, setup.constraints)}
    if setup.cutoff_nm is None:
        kwargs["nonbondedMethod"] = app.NoCutoff
    else:
        kwargs.update(nonbondedMethod=app.CutoffNonPeriodic, nonbondedCutoff=setup.cutoff_nm * unit.nanometer)
    system = _forcefield(setup.forcefield).createSystem(modeller.topology, **kwargs)
    if pulling is not None:
        pos = modeller.positions.value_in_unit(unit.nanometer)
        fix = mm.CustomExternalForce("0.5*k_fix*((x-x0)^2+(y-y0)^2+(z-z0)^2)")
        fix.addGlobalParameter("k_fix", pulling.fix_kcal_per_a2 * 418.4)  # kcal/mol/Å² → kJ/mol/nm²
        for p in ("x0", "y0", "z0"):
            fix.addPerParticleParameter(p)
        fix.addParticle(pulling.fixed_atom, list(pos[pulling.fixed_atom]))
        system.addForce(fix)
        spring = mm.CustomExternalForce("0.5*k_smd*(d_smd - ((x-x0)*nx + (y-y0)*ny + (z-z0)*nz))^2")
        for name, value in (("k_smd", pulling.spring_kcal_per_a2 * 418.4), ("d_smd", 0.0),
                            ("nx", 0.0), ("ny", 0.0), ("nz", 0.0)):
            spring.addGlobalParameter(name, value)
        for p in ("x0", "y0", "z0"):
            spring.addPerParticleParameter(p)
        spring.addParticle(pulling.pulled_atom, list(pos[pulling.pulled_atom]))
        system.addForce(spring)
    return system


class Engine:
    """One OpenMM context for a system; runs equilibration, production and continuations."""

    def __init__(self, modeller: app.Modeller, setup: MDSetup, seed: int, pulling: Pulling | None = None):
        self.setup, self.pulling = setup, pulling
        self.system = build_system(modeller, setup, pulling)
        self.integrator = mm.LangevinMiddleIntegrator(
            setup.temperature_k * unit.kelvin, setup.friction_per_ps / unit.picosecond,
            setup.timestep_fs * unit.femtoseconds)
        self.integrator.setRandomNumberSeed(int(seed) % 2**31)
        platform = mm.Platform.getPlatformByName(setup.platform)
        props = {"Threads": str(setup.threads)} if setup.platform == "CPU" else {}
        self.context = mm.Context(self.system, self.integrator, platform, props)
        self.context.setPositions(modeller.positions)
        self.ca = ca_indices(modeller.topology)
        self.anchor0 = None

    def minimize_and_equilibrate(self, steps: int, seed: int) -> None:
        mm.LocalEnergyMinimizer.minimize(self.context, 10.0, 1000)
        self.context.setVelocitiesToTemperature(self.setup.temperature_k * unit.kelvin, int(seed) % 2**31)
        self.integrator.step(steps)
        self.context.setTime(0.0)

    def start_pulling(self) -> None:
        """Put the anchor on the pulled atom and aim it along fixed → pulled (at t = 0)."""
        pos = self._positions()
        p = self.pulling
        direction = pos[p.pulled_atom] - pos[p.fixed_atom]
        direction /= np.linalg.norm(direction)
        spring = self.system.getForce(self.system.getNumForces() - 1)
        spring.setParticleParameters(0, p.pulled_atom, list(pos[p.pulled_atom]))
        spring.updateParametersInContext(self.context)
        for name, value in zip(("nx", "ny", "nz"), direction):
            self.context.setParameter(name, float(value))
        self.anchor0 = pos[p.pulled_atom].copy()
        self.direction = direction

    def _positions(self) -> np.ndarray:
        return self.context.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)

    def _pull_force(self, pos: np.ndarray) -> float:
        """Spring force along the pulling direction, kJ/mol/nm."""
        d = self.context.getParameter("d_smd")
        proj = float((pos[self.pulling.pulled_atom] - self.anchor0) @ self.direction)
        return self.context.getParameter("k_smd") * (d - proj)

    def run(self, n_frames: int, save_every: int, restart_frames=(), work0: float = 0.0) -> MDResult:
        """Production: save Cα every ``save_every`` steps; full state at ``restart_frames``."""
        dt_ps = self.setup.timestep_fs * 1e-3
        ca = np.empty((n_frames, len(self.ca), 3), dtype=np.float32)
        time_fs = np.empty(n_frames)
        force = np.empty(n_frames) if self.pulling else None
        work = np.empty(n_frames) if self.pulling else None
        w = work0
        restarts, states = set(restart_frames), []
        speed = self.pulling.speed_a_per_ps * 0.1 if self.pulling else 0.0  # nm/ps
        for i in range(n_frames):
            if self.pulling:
                # the anchor advances once per saved frame (10 fs in the SMD config) and then holds
                t_ps = self.context.getState().getTime().value_in_unit(unit.picosecond)
                self.context.setParameter("d_smd", speed * t_ps)
                f_before = self._pull_force(self._positions())
            self.integrator.step(save_every)
            state = self.context.getState(getPositions=True, getVelocities=i in restarts)
            pos = state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
            ca[i] = pos[self.ca] * 10.0
            time_fs[i] = state.getTime().value_in_unit(unit.femtosecond)
            if self.pulling:
                f_after = self._pull_force(pos)
                w += 0.5 * (f_before + f_after) * speed * save_every * dt_ps  # trapezoid, kJ/mol
                force[i] = f_after * KCAL_PER_KJ / 10.0  # kJ/mol/nm → kcal/mol/Å
                work[i] = w * KCAL_PER_KJ
            if i in restarts:
                states.append({"frame": i, "positions_nm": pos.copy(),
                               "velocities_nm_per_ps": state.getVelocities(asNumpy=True).value_in_unit(
                                   unit.nanometer / unit.picosecond),
                               "time_ps": state.getTime().value_in_unit(unit.picosecond),
                               "d_smd": self.context.getParameter("d_smd") if self.pulling else 0.0})
        return MDResult(ca, time_fs, force, work, states)

    def continue_from(self, state: dict, n_frames: int, save_every: int) -> np.ndarray:
        """Cα trajectory (Å) of a Langevin continuation from a saved full state.

        Consecutive calls from the same state are independent continuations: they share
        positions and velocities and differ only in the integrator's random stream.
        """
        self.context.setPositions(state["positions_nm"])
        self.context.setVelocities(state["velocities_nm_per_ps"])
        self.context.setTime(state["time_ps"])
        if self.pulling:
            self.context.setParameter("d_smd", state["d_smd"])
        return self.run(n_frames, save_every).ca
