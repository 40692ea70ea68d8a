"""References of ``rfmip/gas-optics``, scored by exactly the same code as any model.

* ``training-mean`` — static reference: the training-set mean of each optical property per g-point
  in bins of ln p (τ and source averaged in log space, ssa linearly), interpolated in ln p to each
  held-out layer; ignores temperature and composition.
* ``rrtmgp`` — physics reference: RRTMGP's gas optics itself (jax-rrtmgp, the generator's engine;
  error 0 by construction).  Its time per column is the cost the models are compared with.
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.rfmip.dataset import PROPERTIES, gas_optics, profiles_of
from mdbench.systems.rfmip.task import LOG_PROPS, TAU_FLOOR, TASK, submission

#: ln p bins of the static reference
N_PRESSURE_BINS = 40


class PressureMean:
    """Static reference: training-mean optical properties as a function of ln p only."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "PressureMean":
        lnp = np.log(data.train["p_lay"].values).ravel()
        edges = np.quantile(lnp, np.linspace(0, 1, N_PRESSURE_BINS + 1))
        which = np.clip(np.searchsorted(edges, lnp, side="right") - 1, 0, N_PRESSURE_BINS - 1)
        self.centres = np.array([lnp[which == b].mean() for b in range(N_PRESSURE_BINS)])
        self.table = {}
        for p in PROPERTIES:
            v = data.train[p].values.reshape(len(lnp), -1).astype(np.float64)
            if p in LOG_PROPS:
                v = np.log(np.maximum(v, TAU_FLOOR))
            self.table[p] = np.stack([v[which == b].mean(axis=0) for b in range(N_PRESSURE_BINS)])
        return self

    def _predict(self, ds: xr.Dataset) -> dict[str, np.ndarray]:
        lnp = np.log(ds["p_lay"].values)
        out = {}
        for p in PROPERTIES:
            tab = self.table[p]
            vals = np.stack([np.interp(lnp, self.centres, tab[:, g]) for g in range(tab.shape[1])], axis=-1)
            out[p] = np.exp(vals) if p in LOG_PROPS else vals
        return out

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission({split: self._predict(ds) for split, ds in data.inputs.items()})


class RRTMGP:
    """Physics reference: jax-rrtmgp's gas optics on the held-out columns."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "RRTMGP":
        self.optics = gas_optics(data.config["chunk"])
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission({split: self.optics.compute(profiles_of(ds)) for split, ds in data.inputs.items()})


REFERENCES = [
    ModelEntry("training-mean", TASK.name, "static reference",
               "training-mean optical properties per g-point in ln p bins (log space for τ and source)",
               PressureMean),
    ModelEntry("rrtmgp", TASK.name, "physics reference",
               "RRTMGP gas optics (jax-rrtmgp 0.5, g256 LW / g224 SW); error 0, its cost is the yardstick", RRTMGP),
]
