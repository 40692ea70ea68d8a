"""Baselines of the ``ising/energy`` task (Mills et al., Chem. Sci. 10, 4129 (2019)).

* ``ednn`` — EDNN with focus f = 1 and context c = 1 (the paper's optimum), inner network
  (f+2c)² → 32(f+2c)² → 64 → 64 → 1 (ReLU); the focus/context study adds ``ednn-f1c2``,
  ``ednn-f1c3`` and ``ednn-f4c1`` (the authors' tutorial).  Extensive: predicts every lattice size.
* ``dense`` — the same kind of fully connected network on the whole 8×8 lattice (64 → 2048 → 64 →
  64 → 1): the non-extensive comparison.  It cannot take another lattice size, so it leaves the
  transfer variables out of its submission and the leaderboard shows n/a for them.

Training settings (both; deviations from the paper's Adam, lr 10⁻⁴, batch 2 000, 500 epochs on
10⁵ configurations are chosen for the `small` budget on one CPU core and listed in the data card):
Adam, lr 3·10⁻³ decaying along a cosine to 10⁻⁵, batch 20, the epochs of :data:`HYPER` (per
config), MSE of the total energy, weights of the best validation epoch kept.

:mod:`baselines.ising.scaling` beside this module measures the EDNN's inference cost vs lattice size.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import xarray as xr

from baselines.estimators.ednn import EDNN, MLP, paper_mlp, train_extensive
from baselines.estimators.hyper import ByConfig
from mdbench.core.task import ModelEntry, TaskData, TrainingReport
from mdbench.systems.ising.task import TASK, TRAIN_SIZE, input_spins, submission

PAPER = "Mills et al., Chem. Sci. 10, 4129 (2019)"
#: training epochs per config (the model sees ~9 000 configurations per epoch on `small`)
HYPER = ByConfig("ednn*/dense", "ising", {
    "tiny": {"epochs": 2},
    "small": {"epochs": 40},
    "full": {"epochs": 200},
})


def _training_arrays(data: TaskData) -> tuple[np.ndarray, ...]:
    return (data.train["spins"].values.astype(np.float32), data.train["energy"].values,
            data.val["spins"].values.astype(np.float32), data.val["energy"].values)


class _TorchEnergyModel:
    """Shared fit/predict: subclasses build ``self.net`` and say which lattice sizes they accept."""

    batch_size, lr, lr_min = 20, 3e-3, 1e-5
    device = "cpu"

    def build(self) -> torch.nn.Module:
        raise NotImplementedError

    def accepts(self, size: int) -> bool:
        raise NotImplementedError

    def evaluate(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def fit(self, data: TaskData, *, seed: int, progress: bool = True):
        torch.manual_seed(seed)
        self.net = self.build()
        x, y, xv, yv = _training_arrays(data)
        self.history = train_extensive(
            self.net, x, y, x_val=xv, y_val=yv, epochs=HYPER[data.config]["epochs"],
            batch_size=self.batch_size, lr=self.lr, lr_min=self.lr_min, seed=seed, progress=progress,
            predict=self.evaluate, device=self.device,
        )
        self.net.eval()
        return self

    def training_report(self) -> TrainingReport:
        return self.history.report

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        out = {}
        with torch.no_grad():
            for size, spins in input_spins(data).items():
                if self.accepts(size):
                    out[size] = self.evaluate(torch.as_tensor(spins, dtype=torch.float32)).double().numpy()
        return submission(out)


class EDNNBaseline(_TorchEnergyModel):
    """EDNN(f, c) with the paper's inner network; see the module docstring."""

    def __init__(self, focus: int = 1, context: int = 1, device: str = "cpu"):
        self.focus, self.context, self.device = focus, context, device

    def build(self) -> EDNN:
        return EDNN(paper_mlp(self.focus, self.context), self.focus, self.context)

    def accepts(self, size: int) -> bool:
        return size % self.focus == 0

    def evaluate(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.predict(x) if not torch.is_grad_enabled() else self.net(x)


class DenseBaseline(_TorchEnergyModel):
    """Fully connected network over the whole 8×8 lattice (not extensive)."""

    def __init__(self, device: str = "cpu"):
        self.device = device

    def build(self) -> MLP:
        n = TRAIN_SIZE * TRAIN_SIZE
        return MLP(n, (32 * n, 64, 64))

    def accepts(self, size: int) -> bool:
        return size == TRAIN_SIZE

    def evaluate(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).reshape(-1)


VARIANTS = {"ednn": (1, 1), "ednn-f1c2": (1, 2), "ednn-f1c3": (1, 3), "ednn-f4c1": (4, 1)}
MODELS = [
    ModelEntry(name, TASK.name, "model",
               f"extensive DNN, focus f = {f}, context c = {c}, inner {(f + 2 * c) ** 2}→{32 * (f + 2 * c) ** 2}→64→64→1",
               functools.partial(EDNNBaseline, f, c), PAPER, devices=("cpu", "cuda"))
    for name, (f, c) in VARIANTS.items()
] + [ModelEntry("dense", TASK.name, "model", "fully connected 64→2048→64→64→1 on the whole 8×8 lattice (not extensive)",
                DenseBaseline, PAPER, devices=("cpu", "cuda"))]
