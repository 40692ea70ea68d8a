"""Graphene / h-BN / B-N-C sheets: LAMMPS Tersoff (v1) and GFN2-xTB (v2, ``sheets-gfn2``) energies, image EDNN,
O(N) inference (Mills et al. 2019)."""

from mdbench.core.system import System

SYSTEM = System(
    name="sheets",
    datasets={"sheets": "mdbench.systems.sheets.dataset:SHEETS",
              "sheets-gfn2": "mdbench.systems.sheets.dataset:SHEETS_GFN2"},
    tasks={"sheets/energy": "mdbench.systems.sheets.task:TASK",
           "sheets-gfn2/energy": "mdbench.systems.sheets.task_gfn2:TASK"},
    models=("mdbench.systems.sheets.references:REFERENCES", "mdbench.systems.sheets.references:REFERENCES_GFN2",
            "baselines.sheets:MODELS", "baselines.sheets.foundation:MODELS"),
    figures={"sheets/energy": "mdbench.systems.sheets.figures:plot_all",
             "sheets-gfn2/energy": "mdbench.systems.sheets.figures:plot_all"},
)
