"""State-free reversible VAMPnet (SRV): the encoder of the latent space simulator.

Chen, Sidky & Ferguson, J. Chem. Phys. 150, 214114 (2019); Sidky, Chen & Ferguson, Chem. Sci. 11,
9459 (2020).  A network χ maps features to ``n_out`` outputs; the reversible (symmetrised) VAMP-2
score of χ at lag τ,

    C₀₀ = ½⟨χ̄(t)χ̄(t)ᵀ + χ̄(t+τ)χ̄(t+τ)ᵀ⟩,  C₀τ = ½⟨χ̄(t)χ̄(t+τ)ᵀ + χ̄(t+τ)χ̄(t)ᵀ⟩,
    VAMP-2 = 1 + Σᵢ λᵢ²  (λ: eigenvalues of C₀₀^(−½) C₀τ C₀₀^(−½)),

is maximised; the SRV coordinates ψᵢ are the eigenfunctions of the final network, ordered by
eigenvalue, with implied timescales tᵢ = −τ/ln λᵢ.  deeptime has no SRV, so the network and the
loss are written in torch; deeptime's VAMP estimator scores the validation data for early stopping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from deeptime.decomposition import VAMP
from torch import nn
from tqdm.auto import tqdm

from baselines.estimators.training import EarlyStopping
from mdbench.core.task import TrainingReport
from mdbench.data.windows import lagged_pairs


def _inv_sqrt(c: torch.Tensor, eps: float) -> torch.Tensor:
    w, v = torch.linalg.eigh(c)
    w = torch.clamp(w, min=eps)
    return v @ torch.diag(w.rsqrt()) @ v.T


def reversible_eigen(x0: torch.Tensor, x1: torch.Tensor, eps: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Eigenvalues (descending), eigenvectors and mean of the symmetrised VAMP problem of outputs at t and t+τ."""
    mean = 0.5 * (x0.mean(0) + x1.mean(0))
    a, b = x0 - mean, x1 - mean
    n = a.shape[0]
    c00 = 0.5 * (a.T @ a + b.T @ b) / n
    c01 = 0.5 * (a.T @ b + b.T @ a) / n
    s = _inv_sqrt(c00 + eps * torch.eye(c00.shape[0], dtype=c00.dtype), eps)
    k = s @ c01 @ s
    w, v = torch.linalg.eigh(0.5 * (k + k.T))
    order = torch.argsort(w, descending=True)
    return w[order], s @ v[:, order], mean


def reversible_vamp2(x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """Reversible VAMP-2 score (1 + Σλ², the constant function included)."""
    w, _, _ = reversible_eigen(x0, x1)
    return 1.0 + (w**2).sum()


class SRVNetwork(nn.Module):
    """features → hidden tanh layers with batch norm → ``n_out`` linear outputs."""

    def __init__(self, n_in: int, n_out: int, hidden: tuple[int, ...]):
        super().__init__()
        layers, width = [], n_in
        for h in hidden:
            layers += [nn.Linear(width, h), nn.Tanh(), nn.BatchNorm1d(h)]
            width = h
        layers.append(nn.Linear(width, n_out))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@dataclass
class SRVModel:
    """A fitted SRV: :meth:`transform` gives the SRV coordinates ψ₁…ψ_m (slowest first)."""

    network: SRVNetwork
    feature_mean: np.ndarray
    feature_std: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    output_mean: np.ndarray
    lag: int

    def transform(self, features: np.ndarray, dim: int | None = None) -> np.ndarray:
        self.network.eval()
        with torch.no_grad():
            z = self.network(torch.as_tensor((features - self.feature_mean) / self.feature_std, dtype=torch.float32))
        psi = (z.numpy().astype(np.float64) - self.output_mean) @ self.eigenvectors
        return psi[:, :dim] if dim else psi

    def timescales(self) -> np.ndarray:
        """Implied timescales tᵢ = −τ/ln λᵢ (frames) of the SRV coordinates."""
        lam = np.clip(self.eigenvalues, 1e-12, 1 - 1e-12)
        return -self.lag / np.log(lam)

    def latent_dimension(self, max_dim: int = 5) -> int:
        """m at the largest gap of the implied-timescale spectrum (tᵢ/tᵢ₊₁) among the first ``max_dim``."""
        ts = self.timescales()[: max_dim + 1]
        return int(np.argmax(ts[:-1] / ts[1:]) + 1)


class SRV:
    """Estimator: ``SRV(n_out=5).fit(train_features, lag, validation=val_features).fetch_model()``.

    Parameters
    ----------
    n_out
        Network outputs (upper bound of the latent dimension).
    hidden
        Hidden tanh layers (paper: two of 100, with batch norm).
    learning_rate, batch_size, max_epochs, patience
        Adam settings (paper: lr 0.01, large batches) and early stopping on the validation VAMP-2
        score computed by deeptime.
    """

    def __init__(self, n_out: int = 5, hidden: tuple[int, ...] = (100, 100), learning_rate: float = 0.01,
                 batch_size: int = 5000, max_epochs: int = 100, patience: int = 10, seed: int = 0,
                 progress: bool = True, device: str = "cpu"):
        self.device = device
        self.n_out, self.hidden = n_out, tuple(hidden)
        self.learning_rate, self.batch_size = learning_rate, batch_size
        self.max_epochs, self.patience, self.seed, self.progress = max_epochs, patience, seed, progress
        self.history: list[tuple[float, float]] = []
        self._model: SRVModel | None = None
        self._report = TrainingReport()

    def fit(self, trajs: list[np.ndarray], lag: int, validation: list[np.ndarray]) -> "SRV":
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        data = np.concatenate(trajs)
        mean, std = data.mean(0), data.std(0) + 1e-6
        norm = [((t - mean) / std).astype(np.float32) for t in trajs]
        val_norm = [((t - mean) / std).astype(np.float32) for t in validation]
        x0, x1 = (torch.as_tensor(a, device=self.device) for a in lagged_pairs(norm, lag))
        net = SRVNetwork(data.shape[1], self.n_out, self.hidden).to(self.device)
        opt = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
        stopper = EarlyStopping(self.patience, higher_is_better=True)
        bar = tqdm(range(self.max_epochs), desc="SRV encoder", unit="epoch", disable=not self.progress)
        for _ in bar:
            net.train()
            order = torch.as_tensor(rng.permutation(len(x0)))
            total, batches = 0.0, 0
            for start in range(0, len(x0) - self.batch_size // 2, self.batch_size):
                idx = order[start : start + self.batch_size]
                n = len(idx)
                out = net(torch.cat([x0[idx], x1[idx]]))
                loss = -reversible_vamp2(out[:n].double(), out[n:].double())
                opt.zero_grad()
                loss.backward()
                opt.step()
                total, batches = total - loss.item(), batches + 1
            net.eval()
            with torch.no_grad():
                val_out = [net(torch.as_tensor(v, device=self.device)).cpu().numpy().astype(np.float64) for v in val_norm]
            val = float(VAMP(lagtime=lag, epsilon=1e-6).fit_fetch(val_out).score(2))
            self.history.append((total / max(batches, 1), val))
            bar.set_postfix(train_vamp2=f"{total / max(batches, 1):.3f}", val_vamp2=f"{val:.3f}")
            if stopper.step(val, net):
                break
        stopper.restore(net)
        self._report = stopper.report
        net.eval()
        with torch.no_grad():
            w, v, m = (t.cpu() for t in reversible_eigen(net(x0).double(), net(x1).double()))
        net.cpu()  # the fitted encoder transforms on the CPU
        self._model = SRVModel(net, mean, std, w.numpy(), v.numpy(), m.numpy(), lag)
        return self

    def training_report(self) -> TrainingReport:
        """Epochs of the last :meth:`fit` and their seconds (early stopping's count)."""
        return self._report

    def fetch_model(self) -> SRVModel:
        if self._model is None:
            raise RuntimeError("call fit() first")
        return self._model
