"""A small generic MLP regressor: standardised inputs → standardised multi-output targets, trained in
torch (Adam, cosine learning rate, MSE, best validation epoch kept) and evaluated as a plain batched
matrix product in numpy (float32), so inference needs no framework and is easy to time or port."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from baselines.estimators.training import EarlyStopping
from mdbench.core.task import TrainingReport

ACTIVATIONS = {"leaky_relu": (lambda: nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, np.float32(0.2) * x)),
               "tanh": (nn.Tanh, np.tanh)}


class MLPRegressor:
    """Fully connected network ``n_in → hidden… → n_out`` on standardised data.

    Parameters
    ----------
    hidden
        Widths of the hidden layers (e.g. ``(64, 64)``).
    activation
        ``"leaky_relu"`` (slope 0.2) or ``"tanh"``.
    epochs, batch_size, lr, lr_min, patience
        Adam with a cosine decay from ``lr`` to ``lr_min`` over ``epochs``; training stops after
        ``patience`` epochs without a better validation MSE and keeps the best weights.
    """

    def __init__(self, hidden: Sequence[int] = (64, 64), activation: str = "leaky_relu", *, epochs: int = 20,
                 batch_size: int = 256, lr: float = 1e-3, lr_min: float = 1e-5, patience: int = 5):
        self.hidden, self.activation = tuple(hidden), activation
        self.epochs, self.batch_size, self.lr, self.lr_min, self.patience = epochs, batch_size, lr, lr_min, patience
        self._report = TrainingReport()

    def fit(self, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, *, seed: int = 0,
            progress=None) -> "MLPRegressor":
        """Train on (n, n_in) → (n, n_out); ``progress(epoch, train_mse, val_mse)`` after each epoch."""
        torch.manual_seed(seed)
        self.x_mean, self.x_std = x.mean(0), x.std(0)
        self.x_std[self.x_std == 0] = 1.0
        self.y_mean, self.y_std = y.mean(0), y.std(0)
        self.y_std[self.y_std == 0] = 1.0
        act = ACTIVATIONS[self.activation][0]
        layers, width = [], x.shape[1]
        for h in self.hidden:
            layers += [nn.Linear(width, h), act()]
            width = h
        self.net = nn.Sequential(*layers, nn.Linear(width, y.shape[1]))
        xt = torch.as_tensor(((x - self.x_mean) / self.x_std).astype(np.float32))
        yt = torch.as_tensor(((y - self.y_mean) / self.y_std).astype(np.float32))
        xv = torch.as_tensor(((x_val - self.x_mean) / self.x_std).astype(np.float32))
        yv = torch.as_tensor(((y_val - self.y_mean) / self.y_std).astype(np.float32))
        opt = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, self.epochs), eta_min=self.lr_min)
        stopper = EarlyStopping(self.patience)
        gen = torch.Generator().manual_seed(seed)
        self.history = []
        for epoch in range(self.epochs):
            self.net.train()
            perm, total = torch.randperm(len(xt), generator=gen), 0.0
            for start in range(0, len(xt), self.batch_size):
                idx = perm[start: start + self.batch_size]
                loss = nn.functional.mse_loss(self.net(xt[idx]), yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            sched.step()
            self.net.eval()
            with torch.no_grad():
                val = float(nn.functional.mse_loss(self.net(xv), yv))
            self.history.append((total / len(xt), val))
            if progress is not None:
                progress(epoch, total / len(xt), val)
            if stopper.step(val, self.net):
                break
        stopper.restore(self.net)
        self._report = stopper.report
        self._export()
        return self

    def training_report(self) -> TrainingReport:
        """Epochs of the last :meth:`fit` and their seconds (early stopping's count)."""
        return self._report

    def _export(self) -> None:
        """Weights as float32 numpy arrays, the output scaling folded into the last layer.  The input
        standardisation stays a separate step: folding it into W₁ cancels catastrophically in float32
        when a feature's mean is large against its spread."""
        lin = [m for m in self.net if isinstance(m, nn.Linear)]
        ws = [m.weight.detach().numpy().T.astype(np.float64) for m in lin]
        bs = [m.bias.detach().numpy().astype(np.float64) for m in lin]
        ws[-1], bs[-1] = ws[-1] * self.y_std[None, :], bs[-1] * self.y_std + self.y_mean
        self.weights = [(w.astype(np.float32), b.astype(np.float32)) for w, b in zip(ws, bs)]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, n_in) → (n, n_out) float32: standardisation, then a chain of matrix products and activations."""
        act = ACTIVATIONS[self.activation][1]
        # standardise in the input's precision (float64 features keep their digits), then float32
        h = ((np.asarray(x) - self.x_mean) / self.x_std).astype(np.float32)
        for k, (w, b) in enumerate(self.weights):
            h = h @ w + b
            if k < len(self.weights) - 1:
                h = act(h)
        return h
