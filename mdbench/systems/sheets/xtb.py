"""GFN2-xTB (and GFN1-xTB) energies and forces of sheets with ``tblite``: the label engine of ``sheets-gfn2``.

tblite (PyPI ``tblite`` 0.8.0, LGPL) is the reference implementation of the extended tight-binding
methods of Grimme and co-workers: a self-consistent (SCC) density-functional tight-binding model with a
minimal valence basis, 1/30–1/80 of the cost of the committed GPAW PBE subset and 9× closer to PBE than
Tersoff on it (see the ``sheets-gfn2`` data card).  This module calls its Python API
(:class:`tblite.interface.Calculator`, the object behind ``tblite.ase.TBLite``) directly, so that the
SCC cycles of every structure can be recorded (they are read from tblite's own log, which the API
hands to a Python callback).

Periodicity: the sheet is periodic in x and y and open in z (``periodic = (True, True, False)``,
tblite's 2D lattice sums); tblite samples the Γ point only, so the k-point question becomes a
supercell one, answered by :func:`mdbench.systems.sheets.xtb_scans.converge` (the 60-atom cell against
its own 2 × 2 tiling).

Threads: tblite's OpenMP threads are limited to :data:`THREADS` per process (``threadpoolctl``);
on a shared machine more threads made one 60-atom label 2–3× slower, and generation spreads work over
processes (``--workers``) instead.

The convergence scans and the fidelity subset that chose the settings are in
:mod:`mdbench.systems.sheets.xtb_scans` (they read the sheets data; the label engine here reads none).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass

import numpy as np

from mdbench.core.errors import MdbenchError

#: OpenMP threads of one tblite calculation (see the module docstring)
THREADS = 1
#: z edge of the lattice handed to tblite (Å); with z open it only has to be non-singular (checked by
#: :func:`converge`: the energy does not depend on it)
LATTICE_Z = 30.0
#: one SCC cycle line of tblite's log: cycle, total energy (Eh), energy error (Eh), density error
_CYCLE = re.compile(r"^\s*(\d+)\s+(-?\d+\.\d+)\s+(-?[\d.]+E[-+]\d+)\s+(-?[\d.]+E[-+]\d+)\s*$")


class XtbError(MdbenchError):
    """tblite is missing, or an SCC did not converge."""


@dataclass(frozen=True)
class XtbSettings:
    """Settings of one tblite evaluation.

    Parameters
    ----------
    method
        ``"GFN2-xTB"`` or ``"GFN1-xTB"``.
    electronic_temperature
        Fermi smearing temperature of the SCC (K).
    accuracy
        tblite's accuracy factor (1 = default; smaller is tighter SCC and integral thresholds).
    max_iterations
        SCC cycles before tblite gives up (an :class:`XtbError`).
    periodic
        Periodic directions (x, y, z); (True, True, False) is the 2D sheet.
    lattice_z
        z edge of the lattice (Å): a vacuum gap if z is periodic, immaterial if it is not.
    """

    method: str = "GFN2-xTB"
    electronic_temperature: float = 300.0
    accuracy: float = 1.0
    max_iterations: int = 250
    periodic: tuple[bool, bool, bool] = (True, True, False)
    lattice_z: float = LATTICE_Z

    def record(self) -> dict:
        return {**asdict(self), "periodic": list(self.periodic), "units": {"electronic_temperature": "K",
                                                                           "lattice_z": "Å"}}


#: the labelling settings of ``sheets-gfn2`` (chosen from :func:`converge`, see the data card)
SETTINGS = XtbSettings()


def tblite_modules():
    """(``tblite.interface``, ``ase.units``) or a one-line error naming the install."""
    try:
        from ase import units
        from tblite import interface
    except ImportError as err:
        raise XtbError(f"tblite is not installed ({err}); pip install -c constraints.txt 'mdbench[sheets]'") from None
    return interface, units


def tblite_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tblite")
    except metadata.PackageNotFoundError:
        raise XtbError("tblite is not installed; pip install -c constraints.txt 'mdbench[sheets]'") from None


@dataclass
class XtbResult:
    """One evaluation: energy (eV), forces (n, 3) eV/Å, SCC cycles, the last cycle's energy change (eV)
    and density change, wall seconds."""

    energy: float
    forces: np.ndarray
    iterations: int
    energy_change: float
    density_change: float
    seconds: float


def evaluate(positions: np.ndarray, numbers: np.ndarray, cell, settings: XtbSettings = SETTINGS) -> XtbResult:
    """tblite energy and forces of one sheet (padding removed by the caller).

    Raises :class:`XtbError` (one line) when the SCC does not converge in ``settings.max_iterations``.
    """
    from threadpoolctl import threadpool_limits

    interface, units = tblite_modules()
    log: list[str] = []
    lattice = np.diag([float(cell[0]), float(cell[1]), settings.lattice_z])
    start = time.perf_counter()
    with threadpool_limits(THREADS):
        try:
            calc = interface.Calculator(settings.method, np.asarray(numbers, dtype=int),
                                        np.asarray(positions, dtype=float) / units.Bohr, lattice=lattice / units.Bohr,
                                        periodic=np.array(settings.periodic), logger=log.append, color=False)
            calc.set("accuracy", settings.accuracy)
            calc.set("temperature", settings.electronic_temperature * units.kB / units.Hartree)
            calc.set("max-iter", settings.max_iterations)
            calc.set("verbosity", 1)  # the SCC table (cycles, errors) goes to ``log``
            res = calc.singlepoint()
        except Exception as err:  # tblite raises its own RuntimeError subclass for a failed SCC
            raise XtbError(f"{settings.method} failed on a {len(numbers)}-atom sheet "
                           f"({str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__}); "
                           "raise max_iterations or the electronic temperature") from None
        energy = float(res.get("energy")) * units.Hartree
        forces = -np.asarray(res.get("gradient")) * units.Hartree / units.Bohr
    seconds = time.perf_counter() - start
    cycles = [m.groups() for m in map(_CYCLE.match, "\n".join(log).splitlines()) if m]
    last = cycles[-1] if cycles else (0, 0, "nan", "nan")
    return XtbResult(energy, forces, len(cycles), float(last[2]) * units.Hartree, float(last[3]), seconds)
