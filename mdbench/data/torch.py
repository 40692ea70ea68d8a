"""PyTorch adapters: time-lagged pairs and history/lead windows over stored trajectories.

Windows never cross the boundary between two replicas (independent trajectories); which frames
form a window is decided by :func:`mdbench.data.windows.window_origins`.

Two ways to read them:

* per item, as a :class:`torch.utils.data.Dataset` (``ds[i]`` is one ``(history, target)`` pair), for any
  ``DataLoader``;
* batched, in memory: ``ds.batches(batch_size, shuffle=True, seed=0)`` yields ``(x, y)`` tensors sliced
  from one tensor of every frame with one gather per batch, and ``ds[indices]`` (a list, array or tensor
  of indices) returns a whole batch, so that ``DataLoader(ds, sampler=BatchSampler(...), batch_size=None)``
  fetches a batch per call.  Per item, a ``DataLoader`` spends its time in Python for every pair; the
  batched path does not (``tests/test_loaders.py`` benchmarks the two).
"""

from __future__ import annotations

from typing import Iterator, Sequence

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
        # every frame of every replica in one tensor, and the position of each window's origin t in it
        starts = np.concatenate([[0], np.cumsum([len(t) for t in self.trajs])[:-1]]).astype(np.int64)
        shape = self.trajs[0].shape[1:] if self.trajs else ()
        frames = np.concatenate(self.trajs) if self.trajs else np.empty((0, *shape), dtype=np.float32)
        self._frames = torch.from_numpy(np.ascontiguousarray(frames))
        self.trajs = [frames[s:s + len(t)] for s, t in zip(starts, self.trajs)]  # views: the frames are held once
        self._origin = torch.from_numpy(starts[self.index[:, 0]] + self.index[:, 1]) if len(self.index) else \
            torch.empty(0, dtype=torch.int64)
        self._offsets = torch.arange(-history + 1, 1, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.index)

    def _item(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        r, t = self.index[i]
        tr = self.trajs[r]
        return torch.from_numpy(tr[t - self.history + 1 : t + 1]), torch.from_numpy(np.asarray(tr[t + self.lead]))

    def _batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        origin = self._origin[indices]
        return self._frames[origin[:, None] + self._offsets], self._frames[origin + self.lead]

    def __getitem__(self, i):
        """One window for an integer ``i``; a batch ``(x[n, history, ...], y[n, ...])`` for a sequence of indices."""
        if isinstance(i, (int, np.integer)) or (isinstance(i, torch.Tensor) and i.ndim == 0):
            return self._item(int(i))
        return self._batch(_index_tensor(i, len(self)))

    def batches(self, batch_size: int, *, shuffle: bool = True, seed: int | None = 0,
                drop_last: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch in batches of ``batch_size`` windows, each ``(x, y)`` tensors gathered in one step;
        ``shuffle`` permutes the windows with a ``torch.Generator`` seeded by ``seed`` (``None``: unseeded)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        n = len(self)
        if shuffle:
            generator = torch.Generator()
            if seed is None:
                generator.seed()
            else:
                generator.manual_seed(seed)
            order = torch.randperm(n, generator=generator)
        else:
            order = torch.arange(n)
        stop = n - n % batch_size if drop_last else n
        for start in range(0, stop, batch_size):
            yield self._batch(order[start:start + batch_size])


class TimeLaggedPairs(HistoryLeadWindows):
    """``(x_t, x_{t+lag})`` for every t of every replica; ``lag`` in stored frames."""

    def __init__(self, ds: xr.Dataset, variable: str, lag: int, *, time_dim: str = "time",
                 replica_dim: str = "replica"):
        if lag < 1:
            raise ValueError("lag must be at least one frame")
        super().__init__(ds, variable, 1, lag, time_dim=time_dim, replica_dim=replica_dim)
        self.lag = lag

    def _item(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = super()._item(i)
        return x[0], y

    def _batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        origin = self._origin[indices]
        return self._frames[origin], self._frames[origin + self.lag]


def _index_tensor(indices: Sequence[int] | np.ndarray | torch.Tensor, n: int) -> torch.Tensor:
    index = torch.as_tensor(np.asarray(indices) if not isinstance(indices, torch.Tensor) else indices,
                            dtype=torch.int64)
    if index.ndim != 1:
        raise IndexError(f"a batch is a 1-D sequence of indices, not of shape {tuple(index.shape)}")
    if len(index) and (int(index.min()) < -n or int(index.max()) >= n):
        raise IndexError(f"index out of range for {n} windows")
    return torch.where(index < 0, index + n, index)
