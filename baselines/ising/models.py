"""The baselines of ``ising/energy`` declared in :mod:`baselines.ising` (see its docstring); imported with
torch when one is fitted."""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr

from baselines.estimators.ednn import EDNN, MLP, paper_mlp, train_extensive
from baselines.ising import HYPER
from mdbench.core.task import TaskData, TrainingReport
from mdbench.systems.ising.task import TRAIN_SIZE, input_spins, submission


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
