"""References of ``ising/energy``, scored by exactly the same code as any model.

* ``training-mean`` — static reference: the training-set mean energy per spin × N, whatever the
  configuration.
* ``hamiltonian`` — physics reference: H = −J Σ⟨ij⟩ σᵢσⱼ evaluated exactly (error 0); its measured
  spins/s is the cost every model is compared with.
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.ising.task import TASK, input_spins, submission


class TrainingMean:
    """Static reference: ⟨E/N⟩ of the training set × N for every configuration."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "TrainingMean":
        n = data.train.sizes["x"] * data.train.sizes["y"]
        self.per_spin = float(data.train["energy"].values.mean() / n)
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission({size: np.full(len(s), self.per_spin * size * size) for size, s in input_spins(data).items()})


class Hamiltonian:
    """Physics reference: the exact H = −J Σ⟨ij⟩ σᵢσⱼ (J = 1), vectorised numpy."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "Hamiltonian":
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        from mdbench.systems.ising import physics  # numba (the sampler's module): to run, not to list

        return submission({size: physics.energy(s) for size, s in input_spins(data).items()})


REFERENCES = [
    ModelEntry("training-mean", TASK.name, "static reference",
               "training-set mean energy per spin × N (ignores the configuration)", TrainingMean),
    ModelEntry("hamiltonian", TASK.name, "physics reference", "exact Hamiltonian H = −J Σ⟨ij⟩ σᵢσⱼ (error 0)",
               Hamiltonian),
]
