"""References of ``channel/a-priori``, scored by exactly the same code as any model.

* ``no-model`` — static reference: no subgrid model, τ_ij = 0 everywhere (an LES that ignores the
  unresolved scales).
* ``filtered-dns`` — physics reference: the exact subgrid fluxes G(F_ij[u]) − F_ij[G(u)] of the
  filtered DNS (perfect scores by construction; its ε_sgs and backscatter are the targets).

For ``channel/a-posteriori`` the same names: ``no-model`` is an LES without a subgrid model and
``filtered-dns`` reports the filtered-DNS statistics themselves.

The classical reference, Smagorinsky with van Driest damping, is an ordinary entry of
``baselines/channel/models.py`` (it needs no training data, and runs through the model code path).
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.channel import posteriori
from mdbench.systems.channel.task import TASK, TAU_NAMES, submission


class NoModel:
    """Static reference: τ_ij = 0."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "NoModel":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        ds = data.inputs["test"]
        shapes = {k: (ds.sizes["snapshot"],) + tuple(ds.sizes[d] for d in TASK.contract(data.config).variables[i].dims[1:])
                  for i, k in enumerate(TAU_NAMES)}
        return submission({k: np.zeros(s) for k, s in shapes.items()})


class FilteredDNS:
    """Physics reference: the exact subgrid fluxes of the test snapshots."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "FilteredDNS":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        test = data.test
        return submission({k: test[name].values for k, name in TAU_NAMES.items()})


REFERENCES = [
    ModelEntry("no-model", TASK.name, "static reference", "no subgrid model: τ_ij = 0", NoModel),
    ModelEntry("filtered-dns", TASK.name, "physics reference",
               "exact subgrid fluxes of the filtered DNS (G(F_ij[u]) − F_ij[G(u)])", FilteredDNS),
    ModelEntry("no-model", posteriori.TASK.name, "static reference", "LES with no subgrid model (τ_ij = 0)",
               posteriori.LESWith),
    ModelEntry("filtered-dns", posteriori.TASK.name, "physics reference",
               "the filtered-DNS statistics of the test snapshots (the target)", posteriori.FilteredDNSStatistics),
]
