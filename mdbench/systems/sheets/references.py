"""References of ``sheets/energy``, scored by exactly the same code as any model.

* ``composition`` — static reference: E = Σ_Z n_Z μ_Z, the per-species energies μ_B, μ_C, μ_N
  (eV/atom) fitted by least squares on the training energies (scikit-learn ``LinearRegression``
  without intercept).  It sees only how many atoms of each species a sheet has.
* ``lammps`` — physics reference: LAMMPS with ``BNC.tersoff`` re-run on the held-out atoms; exact by
  construction (the labels came from it), so its column that matters is the cost.
"""

from __future__ import annotations

import xarray as xr

from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.sheets import physics
from mdbench.systems.sheets.physics import composition
from mdbench.systems.sheets.task import TASK, submission


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
