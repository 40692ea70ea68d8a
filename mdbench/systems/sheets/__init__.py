"""Graphene / h-BN / B-N-C sheets: LAMMPS Tersoff energies, image EDNN, O(N) inference (Mills et al. 2019)."""

from mdbench.core.system import System

SYSTEM = System(
    name="sheets",
    datasets={"sheets": "mdbench.systems.sheets.dataset:SHEETS"},
    tasks={"sheets/energy": "mdbench.systems.sheets.task:TASK"},
    models=("mdbench.systems.sheets.references:REFERENCES", "baselines.sheets:MODELS"),
    figures={"sheets/energy": "mdbench.systems.sheets.figures:plot_all"},
)
