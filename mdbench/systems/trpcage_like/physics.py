"""A Cα structure-based (Gō) model of a Trp-cage-like 20-residue miniprotein, simulated with OpenMM.

Model (Clementi, Nymeyer & Onuchic, J. Mol. Biol. 298, 937 (2000)), energies in ε, lengths in nm::

    V = Σ_bonds K_r (r − r₀)² + Σ_angles K_θ (θ − θ₀)²
      + Σ_dihedrals K_φ¹ [1 − cos(φ − φ₀)] + K_φ³ [1 − cos 3(φ − φ₀)]
      + Σ_native i<j−3 ε [5 (σ_ij/r)¹² − 6 (σ_ij/r)¹⁰] + Σ_non-native i<j−3 ε (σ_rep/r)¹²

with K_r = 100 ε/Å², K_θ = 20 ε/rad², K_φ¹ = ε, K_φ³ = ε/2, σ_rep = 4 Å and r₀, θ₀, φ₀, σ_ij
taken from the native structure (:func:`native_structure`).

Units
-----
OpenMM needs real units, so the model is run with ε = 1 kJ/mol, bead mass m = 110 amu (an average
residue) and lengths in nm.  The temperature is given in reduced units T* = k_B T/ε and converted
to kelvin as T = T*·ε/R = T*·120.27 K.  Model time is reported in ps of this unit system (the
Lennard-Jones time σ·√(m/ε) with σ = 0.38 nm is 3.99 ps); the dataset card documents how model time
maps onto real Trp-cage time (by matching the slowest relaxation time to the DESRES trajectory).

Contents
--------
* :func:`build_native` — build the native Cα trace from ideal secondary-structure geometry plus a
  relaxation of the loop torsions (deterministic); :func:`native_structure` loads the shipped copy.
* :func:`native_contacts` — native contact list (Cα–Cα distance ≤ ``cutoff``, |i − j| ≥ 4).
* :func:`make_system` — the OpenMM ``System`` of the Gō model.
* :func:`simulate` — Langevin dynamics in chunks, returning Cα coordinates and Q.
* :func:`fraction_native_contacts` — Q of any set of frames.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

#: Trp-cage TC5b sequence (NLYIQWLKDGGPSSGRPPPS), for the PDB residue names only: the Gō model is
#: sequence-agnostic
SEQUENCE = ("ASN", "LEU", "TYR", "ILE", "GLN", "TRP", "LEU", "LYS", "ASP", "GLY",
            "GLY", "PRO", "SER", "SER", "GLY", "ARG", "PRO", "PRO", "PRO", "SER")
N_RESIDUES = len(SEQUENCE)
#: secondary structure used to build the native trace (H α-helix, G 3₁₀-helix, P polyproline II, - loop)
SECONDARY = "-HHHHHHH--GGGG--PPP-"
BEAD_MASS = 110.0  # amu
EPSILON = 1.0  # kJ/mol
MOLAR_GAS_CONSTANT = 8.314462618e-3  # kJ/(mol K)
BOND_LENGTH = 0.38  # nm, Cα–Cα virtual bond (trans peptide)

# Ideal Cα virtual bond angles θ and dihedrals φ (degrees) of each secondary-structure element
# (Cα-trace values of ideal α, 3₁₀ and PPII helices).
_IDEAL = {"H": (91.0, 50.0), "G": (85.0, 75.0), "P": (120.0, -110.0)}
NATIVE_FILE = "native.json"


def reduced_to_kelvin(t_reduced: float, epsilon: float = EPSILON) -> float:
    """T = T*·ε/R (K) for reduced temperature T* = k_B T/ε."""
    return t_reduced * epsilon / MOLAR_GAS_CONSTANT


# --- native structure ---------------------------------------------------------------------------
def _place(a: np.ndarray, b: np.ndarray, c: np.ndarray, bond: float, angle: float, torsion: float) -> np.ndarray:
    """Natural-extension reference frame: position of d given a, b, c and |cd|, ∠bcd, dihedral abcd."""
    bc = c - b
    bc /= np.linalg.norm(bc)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    d2 = np.array([-bond * math.cos(angle), bond * math.sin(angle) * math.cos(torsion),
                   bond * math.sin(angle) * math.sin(torsion)])
    return c + d2[0] * bc + d2[1] * m + d2[2] * n


def trace_from_internal(angles: np.ndarray, torsions: np.ndarray, bond: float = BOND_LENGTH) -> np.ndarray:
    """Cα coordinates (nm) from N−2 virtual bond angles and N−3 dihedrals (radians)."""
    n = len(angles) + 2
    x = np.zeros((n, 3))
    x[1] = [bond, 0.0, 0.0]
    x[2] = x[1] + bond * np.array([-math.cos(angles[0]), math.sin(angles[0]), 0.0])
    for i in range(3, n):
        x[i] = _place(x[i - 3], x[i - 2], x[i - 1], bond, angles[i - 2], torsions[i - 3])
    return x


def radius_of_gyration(x: np.ndarray) -> np.ndarray:
    """Rg (same units as x) of frames ``[..., n, 3]`` with equal masses."""
    c = x - x.mean(axis=-2, keepdims=True)
    return np.sqrt((c**2).sum(-1).mean(-1))


def _build_objective(free: np.ndarray, angles: np.ndarray, torsions: np.ndarray, slots) -> float:
    a, t = angles.copy(), torsions.copy()
    for value, (kind, i) in zip(free, slots):
        (a if kind == "a" else t)[i] = value
    x = trace_from_internal(a, t)
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    iu = np.triu_indices(len(x), 3)
    clash = np.sum(np.clip(0.45 - d[iu], 0, None) ** 2)
    # the PPII stretch (17–19) packs onto the helix around Trp6 and Tyr3, as in Trp-cage
    pack = sum((d[i, j] - 0.6) ** 2 for i, j in _PACKING)
    return 100.0 * clash + 10.0 * (radius_of_gyration(x) - 0.70) ** 2 + pack


#: residue pairs (0-based) that the loop relaxation brings to ≈ 0.6 nm: the PPII stretch onto Trp6 /
#: Tyr3, the 3₁₀ helix onto the helix C-terminus
_PACKING = ((5, 17), (5, 18), (2, 18), (1, 18), (5, 11), (8, 14))


def build_native(seed: int = 0, restarts: int = 12) -> np.ndarray:
    """Build the native Cα trace (nm, ``[20, 3]``), deterministic for a given seed.

    Secondary-structure elements get ideal Cα angles and dihedrals (:data:`SECONDARY`); the angles
    and dihedrals of the loop residues are then relaxed (Nelder–Mead from ``restarts`` random
    starts) to pack the polyproline stretch onto the helix without clashes at Rg ≈ 0.7 nm.
    """
    import scipy.optimize

    n = N_RESIDUES
    angles = np.full(n - 2, math.radians(110.0))
    torsions = np.full(n - 3, math.radians(-120.0))
    slots = []
    for i in range(1, n - 1):  # angle at residue i
        ss = SECONDARY[i]
        if ss in _IDEAL and SECONDARY[i - 1] == ss and SECONDARY[i + 1] == ss:
            angles[i - 1] = math.radians(_IDEAL[ss][0])
        else:
            slots.append(("a", i - 1))
    for i in range(1, n - 2):  # dihedral about bond i → i+1
        ss = SECONDARY[i]
        if ss in _IDEAL and SECONDARY[i + 1] == ss and (SECONDARY[i - 1] == ss or SECONDARY[i + 2] == ss):
            torsions[i - 1] = math.radians(_IDEAL[ss][1])
        else:
            slots.append(("t", i - 1))
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(restarts):
        start = np.array([rng.uniform(math.radians(80), math.radians(150)) if k == "a"
                          else rng.uniform(-math.pi, math.pi) for k, _ in slots])
        res = scipy.optimize.minimize(_build_objective, start, args=(angles, torsions, slots), method="L-BFGS-B",
                                      bounds=[(math.radians(75), math.radians(150)) if k == "a" else (-4, 4)
                                              for k, _ in slots])
        if best is None or res.fun < best.fun:
            best = res
    for value, (kind, i) in zip(best.x, slots):
        (angles if kind == "a" else torsions)[i] = value
    x = trace_from_internal(angles, torsions)
    return x - x.mean(axis=0)


@functools.lru_cache(maxsize=1)
def native_structure() -> np.ndarray:
    """The shipped native Cα coordinates (nm, ``[20, 3]``, float64)."""
    record = json.loads(resources.files("mdbench.systems.trpcage_like").joinpath("data", NATIVE_FILE).read_text())
    return np.asarray(record["coordinates_nm"], dtype=float)


# --- geometry of the native structure -----------------------------------------------------------
def bond_lengths(x: np.ndarray) -> np.ndarray:
    """Cα–Cα distances of consecutive residues, ``[..., n−1]``."""
    return np.linalg.norm(np.diff(x, axis=-2), axis=-1)


def bond_angles(x: np.ndarray) -> np.ndarray:
    """Virtual bond angles (radians), ``[..., n−2]``."""
    u, v = x[..., :-2, :] - x[..., 1:-1, :], x[..., 2:, :] - x[..., 1:-1, :]
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def dihedrals(x: np.ndarray) -> np.ndarray:
    """Virtual Cα pseudo-dihedrals (radians), ``[..., n−3]``.

    IUPAC sign, the same as OpenMM's ``CustomTorsionForce`` ``theta`` (a right-handed α-helix Cα
    trace has +50°); ``tests/test_physics_go_model.py`` checks the agreement with OpenMM.
    """
    b0 = x[..., 1:-2, :] - x[..., :-3, :]
    b1 = x[..., 2:-1, :] - x[..., 1:-2, :]
    b2 = x[..., 3:, :] - x[..., 2:-1, :]
    n1, n2 = np.cross(b0, b1), np.cross(b1, b2)
    m1 = np.cross(n1, b1 / np.linalg.norm(b1, axis=-1, keepdims=True))
    return -np.arctan2((m1 * n2).sum(-1), (n1 * n2).sum(-1))


def native_contacts(x: np.ndarray, cutoff: float, min_separation: int = 4) -> np.ndarray:
    """Pairs ``[k, 2]`` (i < j, j − i ≥ ``min_separation``) closer than ``cutoff`` nm in ``x``."""
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    i, j = np.triu_indices(len(x), min_separation)
    keep = d[i, j] <= cutoff
    return np.stack([i[keep], j[keep]], axis=1)


def fraction_native_contacts(frames: np.ndarray, contacts: np.ndarray, native_distances: np.ndarray,
                             tolerance: float = 1.2) -> np.ndarray:
    """Q: fraction of native contacts with r < ``tolerance``·σ_ij, for frames ``[..., n, 3]``."""
    r = np.linalg.norm(frames[..., contacts[:, 0], :] - frames[..., contacts[:, 1], :], axis=-1)
    return (r < tolerance * native_distances).mean(-1)


# --- the OpenMM system --------------------------------------------------------------------------
@dataclass(frozen=True)
class GoModel:
    """The Gō model built on a native structure (all energies in ε = :data:`EPSILON` kJ/mol).

    Parameters
    ----------
    native
        Native Cα coordinates (nm), ``[n, 3]``.
    contact_cutoff
        Cα–Cα distance (nm) below which a pair with |i − j| ≥ 4 is a native contact.
    """

    native: np.ndarray
    contact_cutoff: float = 0.65
    k_bond: float = 100.0 * 100.0  # ε/nm² (100 ε/Å²)
    k_angle: float = 20.0  # ε/rad²
    k_dihedral_1: float = 1.0  # ε
    k_dihedral_3: float = 0.5  # ε
    repulsive_radius: float = 0.4  # nm
    #: c of the many-body term −c·N_c·ε·Q̃^p (0: the plain Gō model); Q̃ is a smooth Q
    cooperativity: float = 0.0
    #: p of the many-body term: 2 rewards contacts smoothly; a high power (8–16) rewards only
    #: near-native states, which opens a barrier between an unfolded and a native basin (two-state)
    cooperativity_power: float = 2.0
    q_steepness: float = 50.0  # 1/nm, of the smooth contact switch in Q̃

    @functools.cached_property
    def contacts(self) -> np.ndarray:
        return native_contacts(self.native, self.contact_cutoff)

    @functools.cached_property
    def contact_distances(self) -> np.ndarray:
        return np.linalg.norm(self.native[self.contacts[:, 0]] - self.native[self.contacts[:, 1]], axis=-1)

    def q(self, frames: np.ndarray) -> np.ndarray:
        """Fraction of native contacts of frames ``[..., n, 3]`` (nm)."""
        return fraction_native_contacts(frames, self.contacts, self.contact_distances)

    def make_system(self):
        """The OpenMM ``System``: custom bond, angle, torsion and pair forces, no cutoffs, no PBC."""
        import openmm

        x, n, eps = self.native, len(self.native), EPSILON
        system = openmm.System()
        for _ in range(n):
            system.addParticle(BEAD_MASS)
        bonds = openmm.CustomBondForce("kbond*(r-r0)^2")
        bonds.addGlobalParameter("kbond", self.k_bond * eps)
        bonds.addPerBondParameter("r0")
        for i, r0 in enumerate(bond_lengths(x)):
            bonds.addBond(i, i + 1, [float(r0)])
        angles = openmm.CustomAngleForce("kangle*(theta-theta0)^2")
        angles.addGlobalParameter("kangle", self.k_angle * eps)
        angles.addPerAngleParameter("theta0")
        for i, t0 in enumerate(bond_angles(x)):
            angles.addAngle(i, i + 1, i + 2, [float(t0)])
        torsions = openmm.CustomTorsionForce("k1*(1-cos(theta-phi0)) + k3*(1-cos(3*(theta-phi0)))")
        torsions.addGlobalParameter("k1", self.k_dihedral_1 * eps)
        torsions.addGlobalParameter("k3", self.k_dihedral_3 * eps)
        torsions.addPerTorsionParameter("phi0")
        for i, p0 in enumerate(dihedrals(x)):
            torsions.addTorsion(i, i + 1, i + 2, i + 3, [float(p0)])
        # native 12-10 contacts and repulsive non-native pairs: explicit pair lists (n = 20, so the
        # 136 pairs with |i − j| ≥ 4 are cheaper as bonds than as a nonbonded force with exclusions)
        native = openmm.CustomBondForce("eps*(5*(s/r)^12 - 6*(s/r)^10)")
        native.addGlobalParameter("eps", eps)
        native.addPerBondParameter("s")
        for (i, j), s in zip(self.contacts, self.contact_distances):
            native.addBond(int(i), int(j), [float(s)])
        repulsive = openmm.CustomBondForce("eps*(srep/r)^12")
        repulsive.addGlobalParameter("eps", eps)
        repulsive.addGlobalParameter("srep", self.repulsive_radius)
        is_native = {(int(i), int(j)) for i, j in self.contacts}
        for i, j in zip(*np.triu_indices(n, 4)):
            if (int(i), int(j)) not in is_native:
                repulsive.addBond(int(i), int(j), [])
        for force in (bonds, angles, torsions, native, repulsive):
            system.addForce(force)
        if self.cooperativity:
            system.addForce(self._cooperative_force())
        return system

    def _cooperative_force(self):
        """−c·N_c·ε·Q̃^p: contacts stabilise each other, so the energy is convex in Q (the role side-chain
        packing and desolvation play in real proteins, which a plain Gō model lacks). With p = 2 the
        24-contact model stays downhill; with p = 8–16 the reward is confined to near-native states and
        F(Q) gets two basins (the ``two-state`` config: p = 16, data card). Q̃ = mean over native contacts of 1/(1 + exp(β(r − 1.2σ))),
        the smooth version of the Q used for scoring."""
        import openmm

        q = openmm.CustomBondForce("1/(1+exp(beta*(r-1.2*s)))/ncontacts")
        q.addGlobalParameter("beta", self.q_steepness)
        q.addGlobalParameter("ncontacts", float(len(self.contacts)))
        q.addPerBondParameter("s")
        for (i, j), s in zip(self.contacts, self.contact_distances):
            q.addBond(int(i), int(j), [float(s)])
        cv = openmm.CustomCVForce("-coop*q^power")
        cv.addGlobalParameter("coop", self.cooperativity * len(self.contacts) * EPSILON)
        cv.addGlobalParameter("power", self.cooperativity_power)
        cv.addCollectiveVariable("q", q)
        return cv


@functools.lru_cache(maxsize=4)
def go_model(contact_cutoff: float, cooperativity: float = 0.0, cooperativity_power: float = 2.0) -> GoModel:
    """The Gō model of the shipped native structure (cached)."""
    return GoModel(native_structure(), contact_cutoff, cooperativity=cooperativity,
                   cooperativity_power=cooperativity_power)


def _platform(name: str | None):
    import openmm

    if name is None:  # CUDA when present, CPU otherwise
        names = [openmm.Platform.getPlatform(i).getName() for i in range(openmm.Platform.getNumPlatforms())]
        name = "CUDA" if "CUDA" in names else "CPU"
    platform = openmm.Platform.getPlatformByName(name)
    props = {"Threads": "1"} if name == "CPU" else {}
    return platform, props


def simulate(
    model: GoModel,
    n_frames: int,
    *,
    temperature: float,
    friction: float,
    timestep: float,
    save_every: int,
    seed: int,
    equilibration_steps: int = 0,
    platform: str | None = "CPU",
) -> tuple[np.ndarray, np.ndarray]:
    """Langevin dynamics of the Gō model from the native structure.

    Parameters
    ----------
    model
        The Gō model.
    n_frames
        Saved frames.
    temperature
        Reduced temperature T* = k_B T/ε.
    friction
        Langevin friction coefficient (1/ps).
    timestep
        Integration time step (ps).
    save_every
        Steps between saved frames.
    seed
        Seed of the integrator's random numbers and of the initial velocities (1 ≤ seed < 2³¹).
    equilibration_steps
        Steps discarded before the first saved frame.
    platform
        OpenMM platform name (``"CPU"``, ``"Reference"``, ``"CUDA"``; ``None``: CUDA when present).
        The CPU platform runs single-threaded, which keeps results bitwise reproducible.

    Returns
    -------
    x : ndarray, float32, ``[n_frames, n, 3]``
        Cα coordinates (nm).
    q : ndarray, float32, ``[n_frames]``
        Fraction of native contacts.
    """
    import openmm
    from openmm import unit

    seed = int(seed) % (2**31 - 1) or 1  # OpenMM seeds are positive 32-bit ints; 0 means "random"
    kelvin = reduced_to_kelvin(temperature)
    integrator = openmm.LangevinMiddleIntegrator(kelvin * unit.kelvin, friction / unit.picosecond,
                                                 timestep * unit.picosecond)
    integrator.setRandomNumberSeed(seed)
    plat, props = _platform(platform)
    context = openmm.Context(model.make_system(), integrator, plat, props)
    context.setPositions(model.native * unit.nanometer)
    context.setVelocitiesToTemperature(kelvin * unit.kelvin, seed)
    if equilibration_steps:
        integrator.step(equilibration_steps)
    x = np.empty((n_frames, len(model.native), 3), dtype=np.float32)
    for k in range(n_frames):
        integrator.step(save_every)
        x[k] = context.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    del context
    return x, model.q(x).astype(np.float32)
