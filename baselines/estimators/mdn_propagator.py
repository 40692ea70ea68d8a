"""Mixture-density-network propagator: the stochastic time stepper of the latent space simulator.

Sidky, Chen & Ferguson, "Molecular latent space simulators", Chem. Sci. 11, 9459 (2020):
p(x_{t+τ} | x_t) is a mixture of C Gaussians whose weights (softmax), means (sigmoid, so they stay
inside the [0, 1]-scaled data range) and widths are the outputs of a fully connected network.
Used for the 1D four-well coordinate and, later, the Trp-cage latent space (any dimension).

Example
-------
>>> model = MDNPropagator(n_kernels=8).fit([traj], lag=10, validation=[val]).fetch_model()  # doctest: +SKIP
>>> synthetic = model.simulate(10_000, x0=traj[-1], seed=0)                                # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import nn
from tqdm.auto import tqdm

from baselines.estimators.training import EarlyStopping
from mdbench.core.task import TrainingReport
from mdbench.data.windows import lagged_pairs


class MixtureDensityNetwork(nn.Module):
    """x ∈ [0,1]^d ↦ (log weights [C], means [C, d] in (0,1), log std [C, d])."""

    def __init__(self, dim: int, n_kernels: int, hidden: tuple[int, ...]):
        super().__init__()
        layers, width = [], dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.body = nn.Sequential(*layers)
        self.dim, self.n_kernels = dim, n_kernels
        self.head = nn.Linear(width, n_kernels * (1 + 2 * dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out = self.head(self.body(x))
        c, d = self.n_kernels, self.dim
        log_w = torch.log_softmax(out[:, :c], dim=-1)
        mean = torch.sigmoid(out[:, c : c + c * d]).view(-1, c, d)
        log_std = out[:, c + c * d :].view(-1, c, d).clamp(-9.0, 2.0)
        return log_w, mean, log_std

    def nll(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        log_w, mean, log_std = self(x)
        z = (y[:, None, :] - mean) / log_std.exp()
        log_comp = (-0.5 * z**2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        return -torch.logsumexp(log_w + log_comp, dim=-1).mean()


def _as_2d(traj: np.ndarray) -> np.ndarray:
    traj = np.asarray(traj, dtype=np.float32)
    return traj[:, None] if traj.ndim == 1 else traj


@dataclass
class MDNPropagatorModel:
    """A fitted propagator: :meth:`simulate` draws synthetic trajectories at lag τ."""

    network: MixtureDensityNetwork
    lo: np.ndarray
    hi: np.ndarray

    def simulate(self, n_frames: int, x0: np.ndarray, seed: int, n_trajectories: int = 1,
                 chunk_frames: int = 4096) -> np.ndarray:
        """``n_trajectories`` trajectories of ``n_frames`` frames (shape ``[n_traj, n_frames, d]``), batched.

        Sampling is sequential in time, so the per-step overhead is what matters: the network is
        evaluated by a numba kernel (float64) on random numbers drawn in chunks from a numpy
        generator, so the result depends only on ``seed``.
        """
        rng = np.random.default_rng(seed)
        weights, biases = numba.typed.List(), numba.typed.List()
        for m in [*self.network.body, self.network.head]:
            if isinstance(m, nn.Linear):
                weights.append(np.ascontiguousarray(m.weight.detach().numpy().T, dtype=np.float64))
                biases.append(m.bias.detach().numpy().astype(np.float64))
        c, d = self.network.n_kernels, self.network.dim
        scale = self.hi - self.lo
        x = ((np.broadcast_to(np.atleast_1d(x0).astype(np.float64), (n_trajectories, d)) - self.lo) / scale).copy()
        out = np.empty((n_frames, n_trajectories, d))
        # one BLAS thread for the kernel's per-step products (100 × 200 × 200 for 100 trajectories): a second
        # OpenBLAS thread spin-waits for a core on a busy machine (issue 23; with both cores taken by other jobs,
        # 200 frames × 100 trajectories took 0.31 s with two BLAS threads, 0.14 s with one: medians of 5 interleaved)
        with threadpool_limits(1, user_api="blas"):
            for start in range(0, n_frames, chunk_frames):
                n = min(chunk_frames, n_frames - start)
                u = rng.random((n, n_trajectories))
                z = rng.standard_normal((n, n_trajectories, d))
                x = _sample_steps(weights, biases, x, u, z, c, out[start : start + n])
        return out.transpose(1, 0, 2) * scale + self.lo


@numba.njit(cache=True)
def _sample_steps(weights, biases, x, u, z, c, out):
    n_layers = len(weights)
    d = x.shape[1]
    for i in range(u.shape[0]):
        h = x
        for j in range(n_layers):
            h = h @ weights[j] + biases[j]
            if j < n_layers - 1:
                h = np.maximum(h, 0.0)
        for t in range(x.shape[0]):
            o = h[t]
            top = o[:c].max()
            cum = np.cumsum(np.exp(o[:c] - top))
            k = min(np.searchsorted(cum, u[i, t] * cum[-1]), c - 1)
            for a in range(d):
                mean = 1.0 / (1.0 + np.exp(-o[c + k * d + a]))
                log_std = min(max(o[c + c * d + k * d + a], -9.0), 2.0)
                x[t, a] = mean + np.exp(log_std) * z[i, t, a]
        out[i] = x
    return x


class MDNPropagator:
    """Estimator (deeptime style): ``MDNPropagator(...).fit(trajs, lag).fetch_model()``.

    Parameters
    ----------
    n_kernels
        Gaussian kernels C (paper: 8 for the four-well, 24 for Trp-cage).
    hidden
        Hidden layer widths (paper: two layers of 100 ReLU).
    learning_rate, batch_size, max_epochs, patience
        Adam settings and early stopping on the validation negative log-likelihood.
    time_reversed
        Also train on the time-reversed pairs (x_{t+τ} → x_t): for equilibrium data this doubles
        the data and enforces the symmetry of reversible dynamics.
    """

    def __init__(self, n_kernels: int = 8, hidden: tuple[int, ...] = (100, 100), learning_rate: float = 1e-3,
                 batch_size: int = 1000, max_epochs: int = 100, patience: int = 8, time_reversed: bool = True,
                 seed: int = 0, progress: bool = True, device: str = "cpu"):
        self.device = device
        self.n_kernels, self.hidden = n_kernels, tuple(hidden)
        self.learning_rate, self.batch_size = learning_rate, batch_size
        self.max_epochs, self.patience = max_epochs, patience
        self.time_reversed, self.seed, self.progress = time_reversed, seed, progress
        self.history: list[tuple[float, float]] = []
        self._model: MDNPropagatorModel | None = None
        self._report = TrainingReport()

    def _pairs(self, trajs: list[np.ndarray], lag: int, lo, scale) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = lagged_pairs([(_as_2d(t) - lo) / scale for t in trajs], lag, time_reversed=self.time_reversed)
        return torch.as_tensor(x, device=self.device), torch.as_tensor(y, device=self.device)

    def fit(self, trajs: list[np.ndarray], lag: int, validation: list[np.ndarray]) -> "MDNPropagator":
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        data = np.concatenate([_as_2d(t) for t in trajs])
        lo, hi = data.min(axis=0), data.max(axis=0)
        scale = hi - lo
        x, y = self._pairs(trajs, lag, lo, scale)
        vx, vy = self._pairs(validation, lag, lo, scale)
        net = MixtureDensityNetwork(x.shape[1], self.n_kernels, self.hidden).to(self.device)
        opt = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
        stopper = EarlyStopping(self.patience)
        bar = tqdm(range(self.max_epochs), desc="MDN propagator", unit="epoch", disable=not self.progress)
        for _ in bar:
            net.train()
            order = torch.as_tensor(rng.permutation(len(x)))
            total = 0.0
            for start in range(0, len(x), self.batch_size):
                idx = order[start : start + self.batch_size]
                loss = net.nll(x[idx], y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            net.eval()
            with torch.no_grad():
                val = net.nll(vx, vy).item()
            self.history.append((total / len(x), val))
            bar.set_postfix(train_nll=f"{total / len(x):.3f}", val_nll=f"{val:.3f}")
            if stopper.step(val, net):
                break
        stopper.restore(net)
        self._report = stopper.report
        self._model = MDNPropagatorModel(net.cpu(), lo, hi)  # sampling runs in numba, on the CPU
        return self

    def training_report(self) -> TrainingReport:
        """Epochs of the last :meth:`fit` and their seconds (early stopping's count)."""
        return self._report

    def fetch_model(self) -> MDNPropagatorModel:
        if self._model is None:
            raise RuntimeError("call fit() first")
        return self._model
