"""Extensive deep neural networks (EDNN; Mills, Ryczko, Luchak, Domurad, Beeler & Tamblyn,
Chem. Sci. 10, 4129 (2019)), generic over the inner network and the number of spatial dimensions.

A periodic input of shape (L₁, …, L_d) is padded periodically by the context c on every side and
cut into (L₁/f)·…·(L_d/f) overlapping tiles of edge f + 2c whose f-wide *focus* regions tile the
input exactly once.  Every tile goes through the same inner network, and the tile outputs are
summed, so the model is extensive by construction: tiling an input periodically k times multiplies
the prediction by k (up to float rounding) and the cost is O(N).  Training minimises the MSE of the
*summed* value (gradients flow after the summation), as in the paper.

The inner network receives tiles as ``(n_tiles, 1, f+2c, …)`` (a channel axis first, so a CNN can
be dropped in for the graphene datasets); :class:`MLP` flattens them.  ``ndim=3`` works the same
way (circular padding and ``unfold`` along three axes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from baselines.estimators.training import EarlyStopping
from mdbench.core.errors import MdbenchError
from mdbench.core.task import TrainingReport


class TilingError(MdbenchError):
    """An input cannot be tiled with the requested focus (its size is not a multiple of f)."""


class MLP(nn.Module):
    """Fully connected ReLU network on flattened tiles: in → hidden… → 1."""

    def __init__(self, n_in: int, hidden: Sequence[int]):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        for width in hidden:
            layers += [nn.Linear(n_in, width), nn.ReLU()]
            n_in = width
        layers.append(nn.Linear(n_in, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, tiles: torch.Tensor) -> torch.Tensor:
        return self.net(tiles)


class EDNN(nn.Module):
    """Σ over tiles of ``inner(tile)``; see the module docstring.

    Parameters
    ----------
    inner
        Maps ``(n_tiles, 1, f+2c, …)`` to ``(n_tiles, 1)`` (or ``(n_tiles,)``).
    focus
        f, the edge of the region each tile is responsible for (lattice sites).
    context
        c, the extra periodic border each tile sees on every side (lattice sites).
    ndim
        Number of spatial dimensions (2 for lattices and images, 3 for volumes).
    max_tiles
        Tiles evaluated at once in :meth:`predict`; bounds the memory of huge inputs.
    """

    def __init__(self, inner: nn.Module, focus: int, context: int, ndim: int = 2, max_tiles: int = 1 << 16):
        super().__init__()
        if focus < 1 or context < 0 or ndim not in (1, 2, 3):
            raise ValueError("need focus ≥ 1, context ≥ 0 and ndim in (1, 2, 3)")
        self.inner, self.focus, self.context, self.ndim, self.max_tiles = inner, focus, context, ndim, max_tiles

    @property
    def tile(self) -> int:
        """Edge of a tile, f + 2c."""
        return self.focus + 2 * self.context

    def tiles(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, L₁, …, L_d)`` → ``(B, n₁, …, n_d, f+2c, …)`` tile view (periodic padding, no copy of the tiles)."""
        spatial = x.shape[1:]
        if len(spatial) != self.ndim:
            raise TilingError(f"expected inputs of shape (batch, {self.ndim} spatial axes), got {tuple(x.shape)}")
        bad = [n for n in spatial if n % self.focus]
        if bad:
            raise TilingError(f"lattice size {tuple(spatial)} is not a multiple of the focus f = {self.focus}")
        c = self.context
        if c:
            if any(n < c for n in spatial):
                raise TilingError(f"lattice size {tuple(spatial)} is smaller than the context c = {c}")
            # circular padding wants (B, C, *spatial); c ≤ L keeps the wrap-around a single period
            x = nn.functional.pad(x.unsqueeze(1), (c, c) * self.ndim, mode="circular").squeeze(1)
        for axis in range(1, self.ndim + 1):
            x = x.unfold(axis, self.tile, self.focus)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Summed prediction per input, shape ``(B,)`` (differentiable; used for training)."""
        t = self.tiles(x)
        batch = t.shape[0]
        flat = t.reshape(-1, 1, *([self.tile] * self.ndim))
        return self.inner(flat).reshape(batch, -1).sum(dim=1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Like :meth:`forward` without gradients, evaluating at most ``max_tiles`` tiles at a time (O(N) memory-bounded)."""
        t = self.tiles(x)
        batch = t.shape[0]
        per_input = math.prod(t.shape[1 : 1 + self.ndim])
        out = torch.zeros(batch, dtype=x.dtype, device=x.device)
        if per_input <= self.max_tiles:
            step = max(1, self.max_tiles // per_input)
            for b in range(0, batch, step):
                out[b : b + step] = self.forward(x[b : b + step])
            return out
        rows = max(1, self.max_tiles // math.prod(t.shape[2 : 1 + self.ndim]))  # chunks of the first tile axis
        for b in range(batch):
            for r in range(0, t.shape[1], rows):
                chunk = t[b, r : r + rows].reshape(-1, 1, *([self.tile] * self.ndim))
                out[b] += self.inner(chunk).sum()
        return out


def paper_mlp(focus: int, context: int, hidden: Sequence[int] | None = None) -> MLP:
    """The paper's inner network as read here: (f+2c)² inputs → 32(f+2c)² → 64 → 64 → 1, ReLU."""
    n_in = (focus + 2 * context) ** 2
    return MLP(n_in, hidden if hidden is not None else (32 * n_in, 64, 64))


@dataclass
class TrainingHistory:
    """What :func:`train_extensive` did: the MSE of every epoch and the epochs' report."""

    train_mse: list[float] = field(default_factory=list)
    val_mse: list[float] = field(default_factory=list)
    report: TrainingReport = TrainingReport()


def train_extensive(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    *,
    x_val: np.ndarray,
    y_val: np.ndarray,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    lr_min: float | None = None,
    progress: bool = True,
    target_scale: float = 1.0,
    predict: Callable[[torch.Tensor], torch.Tensor] | None = None,
    device: str = "cpu",
) -> TrainingHistory:
    """Adam on the MSE of the summed prediction; keeps the weights of the best validation epoch.

    Parameters
    ----------
    x, y
        Training inputs (n, L, L) and totals (n,); ``x_val``, ``y_val`` likewise for validation.
    epochs, batch_size, lr
        Adam settings; with ``lr_min`` the rate decays along a cosine from ``lr`` to ``lr_min``.
    target_scale
        Targets are divided by it for training (the model then predicts totals / scale); the
        caller multiplies back.  Keeps the loss O(1) whatever the energy unit.
    device
        Torch device to train on; the trained model is returned on the CPU.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model.to(device)
    xt = torch.as_tensor(x, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y / target_scale, dtype=torch.float32, device=device)
    xv = torch.as_tensor(x_val, dtype=torch.float32, device=device)
    yv = torch.as_tensor(y_val / target_scale, dtype=torch.float32, device=device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs, eta_min=lr_min) if lr_min is not None else None)
    evaluate = predict or model
    history = TrainingHistory()
    best = EarlyStopping(patience=epochs + 1, min_delta=0.0)  # never stops early: keeps the best epoch
    for _ in tqdm(range(epochs), desc="training", unit="epoch", disable=not progress):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), batch_size):
            idx = order[i : i + batch_size]
            loss = nn.functional.mse_loss(model(xt[idx]).reshape(len(idx)), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if sched is not None:
            sched.step()
        model.eval()
        with torch.no_grad():
            val = nn.functional.mse_loss(evaluate(xv).reshape(len(yv)), yv).item()
        history.train_mse.append(total / len(xt))
        history.val_mse.append(val)
        best.step(val, model)
    best.restore(model)
    history.report = best.report
    model.cpu()  # predictions run on the CPU
    return history
