"""PyTorch adapters: time-lagged pairs and history/lead windows over stored trajectories.

Windows never cross the boundary between two replicas (independent trajectories); which frames
form a window is decided by :func:`mdbench.data.windows.window_origins`.
"""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr

from mdbench.data.windows import trajectories, window_origins


class HistoryLeadWindows(torch.utils.data.Dataset):
    """``(x[t-h+1 … t], x[t+lead])``: a history of ``history`` frames and the frame ``lead`` later."""

    def __init__(self, ds: xr.Dataset, variable: str, history: int, lead: int, *, time_dim: str = "time",
                 replica_dim: str = "replica"):
        self.trajs = trajectories(ds, variable, time_dim=time_dim, replica_dim=replica_dim, dtype=np.float32)
        self.history, self.lead = history, lead
        self.index = window_origins([len(t) for t in self.trajs], history, lead)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        r, t = self.index[i]
        tr = self.trajs[r]
        return torch.from_numpy(tr[t - self.history + 1 : t + 1]), torch.from_numpy(np.asarray(tr[t + self.lead]))


class TimeLaggedPairs(HistoryLeadWindows):
    """``(x_t, x_{t+lag})`` for every t of every replica; ``lag`` in stored frames."""

    def __init__(self, ds: xr.Dataset, variable: str, lag: int, *, time_dim: str = "time",
                 replica_dim: str = "replica"):
        if lag < 1:
            raise ValueError("lag must be at least one frame")
        super().__init__(ds, variable, 1, lag, time_dim=time_dim, replica_dim=replica_dim)
        self.lag = lag

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = super().__getitem__(i)
        return x[0], y
