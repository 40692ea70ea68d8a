"""References of ``sheets/energy``, scored by exactly the same code as any model.

* ``composition`` — static reference: E = Σ_Z n_Z μ_Z, the per-species energies μ_B, μ_C, μ_N
  (eV/atom) fitted by least squares on the training energies (scikit-learn ``LinearRegression``
  without intercept).  It sees only how many atoms of each species a sheet has.
* ``lammps`` — physics reference: LAMMPS with ``BNC.tersoff`` re-run on the held-out atoms; exact by
  construction (the labels came from it), so its column that matters is the cost.
"""

from __future__ import annotations


from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.sheets import physics
from mdbench.systems.sheets.physics import composition
from mdbench.systems.sheets.task import SETS, TASK, submission
from mdbench.systems.sheets.task_gfn2 import TASK as TASK_GFN2


class Composition:
    """Static reference: Σ_Z n_Z μ_Z with μ fitted on the training set."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "Composition":
        from sklearn.linear_model import LinearRegression

        counts = composition(data.train["numbers"].values)
        self.reg = LinearRegression(fit_intercept=False).fit(counts, data.train["energy"].values)
        self.mu = dict(zip(physics.SPECIES, self.reg.coef_))
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission({name: self.reg.predict(composition(ds["numbers"].values))
                           for name, ds in data.inputs.items()})


class Lammps:
    """Physics reference: the Tersoff energy from LAMMPS (error 0 by construction)."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "Lammps":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission({name: physics.energies(ds["positions"].values, ds["numbers"].values, ds["n_atoms"].values,
                                                  ds["cell"].values)
                           for name, ds in data.inputs.items()})


REFERENCES = [
    ModelEntry("composition", TASK.name, "static reference",
               "Σ_Z n_Z μ_Z, per-species energies fitted on train (scikit-learn, no intercept)", Composition),
    ModelEntry("lammps", TASK.name, "physics reference", "LAMMPS Tersoff (BNC.tersoff) on the held-out atoms (error 0)",
               Lammps),
]


# --- sheets-gfn2/energy: the same static reference, GFN2-xTB as the physics reference -------------------
class GFN2:
    """Physics reference of ``sheets-gfn2/energy``: tblite GFN2-xTB re-run on the held-out atoms with the
    dataset's settings (error 0 up to the SCC threshold).  It predicts the sets whose every configuration
    is labelled (a 1 500-atom label takes hours); the others are n/a."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "GFN2":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        from mdbench.systems.sheets import xtb
        from mdbench.systems.sheets.dataset import SHEETS_GFN2

        settings = SHEETS_GFN2.settings(data.config)
        out = {}
        for name, ds in data.inputs.items():
            split = SETS[name]
            if SHEETS_GFN2.labelled(data.config, split) < SHEETS_GFN2.plan(data.config, split)[1]:
                continue
            out[name] = [xtb.evaluate(ds["positions"].values[i, :n], ds["numbers"].values[i, :n], ds["cell"].values[i],
                                      settings).energy for i, n in enumerate(ds["n_atoms"].values.astype(int))]
        return submission(out)


REFERENCES_GFN2 = [
    ModelEntry("composition", TASK_GFN2.name, "static reference",
               "Σ_Z n_Z μ_Z, per-species energies fitted on the GFN2 train labels (scikit-learn, no intercept)",
               Composition),
    ModelEntry("gfn2-xtb", TASK_GFN2.name, "physics reference",
               "tblite GFN2-xTB on the held-out atoms, the labels' settings (error 0 up to the SCC threshold); "
               "fully labelled sets only", GFN2),
]
