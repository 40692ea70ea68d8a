"""Trajectories, lagged pairs and history/lead windows over stored splits (numpy; no torch needed).

The one implementation of "which frames pair with which": the torch adapters
(:mod:`mdbench.data.torch`) and every baseline that trains on pairs or windows use it.  Windows
never cross the boundary between two replicas (independent trajectories).
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig


def trajectories(ds: xr.Dataset, variable: str, *, time_dim: str = "time", replica_dim: str = "replica",
                 dtype=None) -> list[np.ndarray]:
    """One ``[time, ...]`` array per replica of ``ds[variable]`` (a single one if there is no replica axis).

    Replicas of unequal length are stored padded, with their lengths in an ``n_frames(replica)``
    variable; each array is cut to its own length.
    """
    da = ds[variable]
    if replica_dim not in da.dims:
        return [np.asarray(da.transpose(time_dim, ...).values, dtype=dtype)]
    values = da.transpose(replica_dim, time_dim, ...).values
    n = da.sizes[replica_dim]
    lengths = ds["n_frames"].values if "n_frames" in ds and ds["n_frames"].dims == (replica_dim,) else [None] * n
    return [np.asarray(values[r][:lengths[r]], dtype=dtype) for r in range(n)]


def window_origins(lengths: list[int], history: int, lead: int) -> np.ndarray:
    """``(trajectory, t)`` of every window with frames t−history+1 … t and t+lead inside one trajectory."""
    if history < 1 or lead < 1:
        raise ValueError("history and lead must be at least one frame")
    rows = [np.stack([np.full(max(n - lead - history + 1, 0), r), np.arange(history - 1, n - lead)], axis=1)
            for r, n in enumerate(lengths)]
    return np.concatenate(rows) if rows else np.empty((0, 2), dtype=int)


def history_windows(trajs: list[np.ndarray], history: int, lead: int) -> tuple[np.ndarray, np.ndarray]:
    """Histories ``(n, history, ...)`` (last frame = origin t) and the frames ``lead`` later ``(n, ...)``."""
    origins = window_origins([len(t) for t in trajs], history, lead)
    shape = trajs[0].shape[1:] if trajs else ()
    if len(origins) == 0:
        return np.empty((0, history, *shape)), np.empty((0, *shape))
    hist = np.stack([trajs[r][t - history + 1 : t + 1] for r, t in origins])
    future = np.stack([trajs[r][t + lead] for r, t in origins])
    return hist, future


def lagged_pairs(trajs: list[np.ndarray], lag: int, *, time_reversed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(x_t, x_{t+lag})`` of every trajectory, concatenated; with ``time_reversed`` each trajectory's
    pairs are followed by the reversed ones ``(x_{t+lag}, x_t)`` (equilibrium data: twice the pairs)."""
    xs, ys = [], []
    for t in trajs:
        xs.append(t[:-lag]), ys.append(t[lag:])
        if time_reversed:
            xs.append(t[lag:]), ys.append(t[:-lag])
    return np.concatenate(xs), np.concatenate(ys)


def lag_frames(config: DatasetConfig) -> int:
    """The lag time τ of a trajectory config in saved frames (``lag`` and ``save_every`` are in steps)."""
    return config["lag"] // config["save_every"]


def frames_at_lag(config: DatasetConfig) -> int:
    """Frames of a synthetic trajectory as long as the training trajectory, one frame every τ."""
    return config["train_steps"] // config["lag"]
