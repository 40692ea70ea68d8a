"""FFNN, LSTM and GRU forecasters of Cα coordinates (Gupta et al., bioRxiv 2020.07.28.225490).

Two modes, as in the paper and the authors' code:

* ``whole`` — all 3N coordinates form one vector per frame; one network maps the history to all
  3N coordinates at the lead.
* ``atom`` — the "Kirchhoff decomposition": every atom's x, y and z series goes separately through
  the same shared network (one scalar series in, one scalar out), so the network is tiny and sees
  3N times more training samples.

Changes from the paper, documented in the data cards: the networks predict the displacement
X(t+L) − X(t) (scaled), not X(t+L) itself, so an untrained network is the static model rather
than noise; early stopping on validation replicas; one network per (h, L); an epoch is a random
subset of at most 20 000 training windows (per-atom mode has 3N windows per frame).  Adam with lr 0.01 and
MSE as the paper recommends; 32 hidden units (the paper's LSTM size) for every architecture.
"""

from __future__ import annotations


import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from baselines.estimators.training import EarlyStopping
from mdbench.core.task import TrainingReport
from mdbench.data.windows import history_windows

HIDDEN = 32


class Forecaster(nn.Module):
    """(batch, h, features) → (batch, out)."""

    def __init__(self, arch: str, history: int, features: int, out: int):
        super().__init__()
        self.arch = arch
        if arch == "ffnn":
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(history * features, HIDDEN), nn.ReLU(),
                                     nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, out))
        elif arch in ("lstm", "gru"):
            self.rnn = (nn.LSTM if arch == "lstm" else nn.GRU)(features, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, out)
        else:
            raise ValueError(f"unknown architecture {arch!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.arch == "ffnn":
            return self.net(x)
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def windows(trajs: list[np.ndarray], history: int, lead: int) -> tuple[np.ndarray, np.ndarray]:
    """Histories (n, h, N, 3) and displacement targets X(t+L) − X(t) (n, N, 3) from (T, N, 3) arrays."""
    hist, future = history_windows(trajs, history, lead)
    return hist, future - hist[:, -1]


class CoordinateForecaster:
    """Estimator for one (h, L): ``fit(train_trajs, val_trajs)`` then ``predict(histories)``.

    Parameters
    ----------
    arch
        ``"ffnn"``, ``"lstm"`` or ``"gru"``.
    mode
        ``"whole"`` or ``"atom"`` (Kirchhoff decomposition).
    """

    def __init__(self, arch: str, mode: str, history: int, lead: int, *, learning_rate: float = 0.01,
                 batch_size: int = 512, max_epochs: int = 40, patience: int = 5, samples_per_epoch: int = 20_000,
                 seed: int = 0, device: str = "cpu"):
        self.device = device
        if mode not in ("whole", "atom"):
            raise ValueError(f"unknown mode {mode!r}")
        self.arch, self.mode, self.history, self.lead = arch, mode, history, lead
        self.learning_rate, self.batch_size = learning_rate, batch_size
        self.max_epochs, self.patience, self.seed = max_epochs, patience, seed
        # per-atom mode multiplies the samples by 3N (≈ 10⁶ on small): an epoch is a random subset
        self.samples_per_epoch = samples_per_epoch
        self._report = TrainingReport()

    def _features(self, x: np.ndarray) -> torch.Tensor:
        """(n, h, N, 3) Å → network input, standardised with the training statistics."""
        z = (x - self.mean) / self.scale
        if self.mode == "atom":
            z = z.transpose(0, 2, 3, 1).reshape(-1, self.history, 1)
        else:
            z = z.reshape(len(x), self.history, -1)
        return torch.as_tensor(z, dtype=torch.float32)

    def _targets(self, y: np.ndarray) -> torch.Tensor:
        z = y / self.step_scale
        return torch.as_tensor(z.reshape(-1, 1) if self.mode == "atom" else z.reshape(len(y), -1), dtype=torch.float32)

    def fit(self, train: list[np.ndarray], val: list[np.ndarray]) -> "CoordinateForecaster":
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        frames = np.concatenate(train)
        self.mean = frames.mean(axis=0)
        self.scale = float(frames.std()) or 1.0
        x, y = windows(train, self.history, self.lead)
        if len(x) == 0:
            raise ValueError(f"training trajectories are too short for h={self.history}, L={self.lead}")
        self.step_scale = float(np.sqrt(np.mean(y**2))) or 1.0
        vx, vy = windows(val, self.history, self.lead)
        xt, yt = self._features(x).to(self.device), self._targets(y).to(self.device)
        vxt, vyt = ((self._features(vx).to(self.device), self._targets(vy).to(self.device)) if len(vx)
                    else (None, None))
        if vxt is not None and len(vxt) > self.samples_per_epoch:  # a fixed validation subset
            keep = torch.as_tensor(rng.choice(len(vxt), self.samples_per_epoch, replace=False))
            vxt, vyt = vxt[keep], vyt[keep]
        n_atoms = x.shape[2]
        features, out = (1, 1) if self.mode == "atom" else (3 * n_atoms, 3 * n_atoms)
        self.net = Forecaster(self.arch, self.history, features, out).to(self.device)
        opt = torch.optim.Adam(self.net.parameters(), lr=self.learning_rate)
        stopper = EarlyStopping(self.patience, min_delta=1e-6)
        for _ in range(self.max_epochs):
            self.net.train()
            order = torch.as_tensor(rng.permutation(len(xt))[: self.samples_per_epoch])
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                loss = nn.functional.mse_loss(self.net(xt[idx]), yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            if vxt is None:  # no validation windows for this (h, L): train for the full budget
                continue
            self.net.eval()
            with torch.no_grad():
                val = nn.functional.mse_loss(self.net(vxt), vyt).item()
            if stopper.step(val, self.net):
                break
        stopper.restore(self.net)
        self._report = stopper.report
        self.net.cpu()  # forecasts run on the CPU
        self.val_mse = stopper.best_score
        return self

    def training_report(self) -> TrainingReport:
        """Epochs of the last :meth:`fit` and their seconds (early stopping's count)."""
        return self._report

    @torch.inference_mode()
    def predict(self, histories: np.ndarray) -> np.ndarray:
        """X(t+L) (n, N, 3) Å from histories (n, h, N, 3) Å whose last frame is X(t)."""
        self.net.eval()
        step = self.net(self._features(histories)).numpy().reshape(histories.shape[0], histories.shape[2], 3)
        return histories[:, -1] + step * self.step_scale


def fit_grid(arch: str, mode: str, train: list[np.ndarray], val: list[np.ndarray], grid: list[tuple[int, int]],
             seed: int, progress: bool = True, device: str = "cpu") -> dict[tuple[int, int], CoordinateForecaster]:
    """One forecaster per (h, L) of ``grid``."""
    models = {}
    for k, (h, lead) in enumerate(tqdm(grid, desc=f"{arch}-{mode} h×L sweep", disable=not progress)):
        models[(h, lead)] = CoordinateForecaster(arch, mode, h, lead, seed=seed + k, device=device).fit(train, val)
    return models
