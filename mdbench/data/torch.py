"""PyTorch adapters: time-lagged pairs and history/lead windows over stored trajectories.

Windows never cross the boundary between two replicas (independent trajectories).
"""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr


def _trajectories(ds: xr.Dataset, variable: str, time_dim: str, replica_dim: str) -> list[np.ndarray]:
    da = ds[variable]
    if replica_dim in da.dims:
        da = da.transpose(replica_dim, time_dim, ...)
        return [np.asarray(da.values[r], dtype=np.float32) for r in range(da.sizes[replica_dim])]
    return [np.asarray(da.transpose(time_dim, ...).values, dtype=np.float32)]


class TimeLaggedPairs(torch.utils.data.Dataset):
    """``(x_t, x_{t+lag})`` for every t of every replica; ``lag`` in stored frames."""

    def __init__(self, ds: xr.Dataset, variable: str, lag: int, *, time_dim: str = "time",
                 replica_dim: str = "replica"):
        if lag < 1:
            raise ValueError("lag must be at least one frame")
        self.trajs = _trajectories(ds, variable, time_dim, replica_dim)
        self.index = [(r, t) for r, tr in enumerate(self.trajs) for t in range(len(tr) - lag)]
        self.lag = lag

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        r, t = self.index[i]
        tr = self.trajs[r]
        return torch.from_numpy(np.asarray(tr[t])), torch.from_numpy(np.asarray(tr[t + self.lag]))


class HistoryLeadWindows(torch.utils.data.Dataset):
    """``(x[t-h+1 … t], x[t+lead])``: a history of ``history`` frames and the frame ``lead`` later."""

    def __init__(self, ds: xr.Dataset, variable: str, history: int, lead: int, *, time_dim: str = "time",
                 replica_dim: str = "replica"):
        if history < 1 or lead < 1:
            raise ValueError("history and lead must be at least one frame")
        self.trajs = _trajectories(ds, variable, time_dim, replica_dim)
        self.history, self.lead = history, lead
        self.index = [(r, t) for r, tr in enumerate(self.trajs) for t in range(history - 1, len(tr) - lead)]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        r, t = self.index[i]
        tr = self.trajs[r]
        return torch.from_numpy(tr[t - self.history + 1 : t + 1]), torch.from_numpy(np.asarray(tr[t + self.lead]))
