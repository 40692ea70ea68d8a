"""What an MD run is set up with (force field, thermostat, pulling), without OpenMM: the dataset declarations
use these, and a light install lists and loads the MD datasets without importing the engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MDSetup:
    """Force field and thermostat of a run (recorded verbatim in the dataset manifest)."""

    forcefield: tuple[str, ...] = ("amber99sbildn.xml", "amber99_obc.xml")
    cutoff_nm: float | None = 1.0  # None: no cutoff
    temperature_k: float = 310.0
    friction_per_ps: float = 1.0
    timestep_fs: float = 2.0
    constraints: str = "HBonds"
    platform: str = "CPU"
    threads: int = 1


@dataclass(frozen=True)
class Pulling:
    """Constant-velocity steered MD as in NAMD: a spring on one atom along a fixed direction.

    The anchor starts at the pulled atom's position and moves at ``speed_a_per_ps`` along the
    initial ``fixed_atom → pulled_atom`` direction; ``fixed_atom`` is held by a stiff harmonic
    restraint (NAMD fixes it).  Only the component along the direction is restrained.
    """

    pulled_atom: int
    fixed_atom: int
    spring_kcal_per_a2: float = 7.0
    speed_a_per_ps: float = 0.2
    fix_kcal_per_a2: float = 100.0
