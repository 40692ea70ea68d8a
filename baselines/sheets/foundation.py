"""Baselines of ``sheets-gfn2/energy`` that are not trained networks: another physics engine, and a
pretrained universal potential used zero-shot.

* ``tersoff`` — the classical baseline: LAMMPS Tersoff (``BNC.tersoff``), the potential that sampled
  the geometries, as a predictor of the GFN2-xTB energy.
* ``chgnet`` — CHGNet 0.3.0 (Deng et al., Nat. Mach. Intell. 5, 1031 (2023)), the pretrained weights
  shipped inside the ``chgnet`` 0.4.2 wheel (trained on Materials Project PBE(+U) relaxations, no
  download): zero-shot, its network never sees a sheet of this dataset.  The sheet is put in a 3D cell
  with :data:`mdbench.systems.sheets.chgnet.VACUUM` Å along z (CHGNet needs a 3D lattice; its graph cut-off is 5 Å).

The engines' energies have their own zeros (Tersoff: separated atoms; CHGNet: MP's PBE
reference), so both predict E = E_engine + Σ_Z n_Z δμ_Z with the three per-species offsets δμ fitted
by least squares on (at most :data:`OFFSET_CONFIGS` seeded) training configurations — the same
offsets the fidelity table fits (:func:`mdbench.systems.sheets.fidelity.compare`), never a network
weight.
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.sheets import physics
from mdbench.systems.sheets.chgnet import chgnet_energies
from mdbench.systems.sheets.physics import composition
from mdbench.systems.sheets.task import submission
from mdbench.systems.sheets.task_gfn2 import TASK

#: training configurations the per-species offsets are fitted on (three numbers need few)
OFFSET_CONFIGS = 256
CHGNET = "Deng et al., Nat. Mach. Intell. 5, 1031 (2023) (CHGNet 0.3.0 weights, chgnet 0.4.2)"


class _OffsetEngine:
    """E = engine energy + Σ_Z n_Z δμ_Z, δμ fitted on training configurations (see the module docstring)."""

    def raw(self, ds: xr.Dataset) -> np.ndarray:
        raise NotImplementedError

    def fit(self, data: TaskData, *, seed: int, progress: bool = True):
        train = data.train
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.permutation(train.sizes["config"])[:OFFSET_CONFIGS])
        sub = train.isel(config=pick)
        counts = composition(sub["numbers"].values)
        # minimum-norm least squares: n_B ≈ n_N makes μ_B and μ_N nearly collinear (as in fidelity._lstsq)
        self.delta_mu = np.linalg.lstsq(counts, sub["energy"].values - self.raw(sub), rcond=None)[0]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission({name: self.raw(ds) + composition(ds["numbers"].values) @ self.delta_mu
                           for name, ds in data.inputs.items()})


class TersoffOffsets(_OffsetEngine):
    """LAMMPS Tersoff energies + per-species offsets: the classical baseline."""

    def raw(self, ds: xr.Dataset) -> np.ndarray:
        return physics.energies(ds["positions"].values, ds["numbers"].values, ds["n_atoms"].values, ds["cell"].values)


class CHGNetZeroShot(_OffsetEngine):
    """Pretrained CHGNet energies + per-species offsets (zero-shot: no network weight is trained)."""

    def raw(self, ds: xr.Dataset) -> np.ndarray:
        return chgnet_energies(ds)


MODELS = [
    ModelEntry("tersoff", TASK.name, "model",
               "LAMMPS Tersoff (BNC.tersoff), the potential that sampled the geometries, + per-species offsets fitted "
               "on train", TersoffOffsets, "Kınacı et al., Phys. Rev. B 86, 115410 (2012)"),
    ModelEntry("chgnet", TASK.name, "model",
               "CHGNet 0.3.0 pretrained (MP PBE, weights in the chgnet 0.4.2 wheel), zero-shot, + per-species "
               "offsets fitted on train", CHGNetZeroShot, CHGNET),
]


def finetune_step_seconds(ds: xr.Dataset, batch_size: int = 16, batches: int = 3, seed: int = 0) -> dict:
    """Measured cost of fine-tuning CHGNet on sheets, without fine-tuning it: seconds per training structure
    of one Adam step (graph conversion, energy + force forward, backward of the MSE on energy per atom and
    forces, as CHGNet's own ``Trainer`` with ``targets="ef"``), on ``batches`` batches of ``batch_size``
    configurations of ``ds`` (values of the targets do not change the cost; the first batch is a warm-up).

    An epoch of a split costs about ``seconds_per_structure`` × its configurations (one thread here)."""
    import time

    import torch
    from pymatgen.core import Lattice, Structure

    from mdbench.systems.sheets.chgnet import VACUUM, chgnet_model

    model = chgnet_model()
    model.train()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
    rng = np.random.default_rng(seed)
    times = []
    try:
        for b in range(batches + 1):
            rows = rng.choice(ds.sizes["config"], batch_size, replace=False)
            start = time.perf_counter()
            graphs, e_true, f_true = [], [], []
            for i in rows:
                n = int(ds["n_atoms"][i])
                pos = np.array(ds["positions"].values[i, :n], dtype=float)
                pos[:, 2] += VACUUM / 2 - pos[:, 2].mean()
                cell = ds["cell"].values[i]
                s = Structure(Lattice.orthorhombic(cell[0], cell[1], VACUUM), ds["numbers"].values[i, :n].astype(int),
                              pos, coords_are_cartesian=True)
                graphs.append(model.graph_converter(s))
                e_true.append(float(ds["energy"][i]) / n)
                f_true.append(torch.as_tensor(ds["forces"].values[i, :n], dtype=torch.float32))
            out = model(graphs, task="ef")
            loss = torch.nn.functional.mse_loss(out["e"], torch.tensor(e_true, dtype=out["e"].dtype)) \
                + sum(torch.nn.functional.mse_loss(f, t) for f, t in zip(out["f"], f_true)) / len(f_true)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if b:  # the first batch warms up
                times.append((time.perf_counter() - start) / batch_size)
    finally:
        chgnet_model.cache_clear()  # the weights moved: the zero-shot model must be reloaded
    return {"seconds_per_structure": float(np.mean(times)), "spread": float(np.std(times)), "batches": batches,
            "batch_size": batch_size, "threads": torch.get_num_threads()}
