"""The event generators of the ``*/generate`` tasks declared in :mod:`baselines.particle_events` (see its
docstring), imported with torch when one is fitted."""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr
from torch import nn

from baselines.estimators.training import EarlyStopping
from baselines.particle_events import B_WEIGHT, HYPER_DECAY, HYPER_TT, HYPER_Z, OFFSET_SEED, OFFSETS, SMUDGE
from mdbench.core.errors import MdbenchError
from mdbench.core.task import TaskData, TrainingReport
from mdbench.systems.particle_events.task import (DECAY_TASK, TT_TASK, Z_TASK, EventGenerate, classifier_auc,
                                                  submission)

HIDDEN = 128
GAN_LATENT = 16
BATCH = 256


def hyper(task: EventGenerate, config) -> dict:
    return {DECAY_TASK.name: HYPER_DECAY, Z_TASK.name: HYPER_Z, TT_TASK.name: HYPER_TT}[task.name][config]


def mlp(n_in: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, HIDDEN), nn.LeakyReLU(0.2), nn.Linear(HIDDEN, HIDDEN), nn.LeakyReLU(0.2),
                         nn.Linear(HIDDEN, n_out))


class _Standardised:
    """Feature matrix ↔ standardised tensors, and the submission of generated rows."""

    def setup(self, task: EventGenerate, data: TaskData) -> tuple[torch.Tensor, torch.Tensor]:
        self.task, self.n = task, data.config["test_events"]
        x = np.column_stack([data.train[f].values for f in task.features]).astype(np.float64)
        xv = np.column_stack([data.val[f].values for f in task.features]).astype(np.float64)
        self.mean, self.std = x.mean(0), x.std(0) + 1e-12
        t = lambda a: torch.as_tensor((a - self.mean) / self.std, dtype=torch.float32)  # noqa: E731
        return t(x), t(xv)

    def raw(self, z: torch.Tensor) -> np.ndarray:
        """Standardised rows → the dataset's units."""
        return z.detach().numpy().astype(np.float64) * self.std + self.mean

    def to_submission(self, z: torch.Tensor, attrs: dict | None = None) -> xr.Dataset:
        x = self.raw(z)
        return submission(self.task.spec, {f: x[:, k] for k, f in enumerate(self.task.features)}, attrs)


class GAN(_Standardised):
    def __init__(self, task: EventGenerate):
        self.task = task

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "GAN":
        x, _ = self.setup(self.task, data)
        torch.manual_seed(seed)
        d = x.shape[1]
        self.gen, disc = mlp(GAN_LATENT, d), nn.Sequential(mlp(d, 1))
        opt_g = torch.optim.Adam(self.gen.parameters(), lr=1e-3, betas=(0.5, 0.9))
        opt_d = torch.optim.Adam(disc.parameters(), lr=1e-3, betas=(0.5, 0.9))
        bce = nn.functional.binary_cross_entropy_with_logits
        g = torch.Generator().manual_seed(seed)
        ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)
        for _ in range(hyper(self.task, data.config)["gan_steps"]):
            real = x[torch.randint(len(x), (BATCH,), generator=g)]
            fake = self.gen(torch.randn(BATCH, GAN_LATENT, generator=g))
            loss_d = bce(disc(real), ones) + bce(disc(fake.detach()), zeros)
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = bce(disc(fake), ones)
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            return self.to_submission(self.gen(torch.randn(self.n, GAN_LATENT, generator=g)))


def auc_stderr(auc: float, n_pos: int, n_neg: int) -> float:
    """Standard error of a ROC AUC from n_pos and n_neg scored examples (Hanley & McNeil, Radiology 143,
    29 (1982), eq. 2): 0 at AUC 0 or 1, ≈ √((n_pos + n_neg)/(12 n_pos n_neg)) at 0.5; NaN for a NaN AUC."""
    if not np.isfinite(auc) or n_pos < 1 or n_neg < 1:
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (n_pos * n_neg)
    return float(np.sqrt(max(var, 0.0)))


class _VAENet(nn.Module):
    def __init__(self, d: int, latent: int):
        super().__init__()
        self.enc, self.dec, self.latent = mlp(d, 2 * latent), mlp(latent, d), latent

    def encode(self, x):
        h = self.enc(x)
        return h[:, : self.latent], h[:, self.latent:].clamp(-12, 6)

    def forward(self, x, eps):
        mu, logvar = self.encode(x)
        return self.dec(mu + (0.5 * logvar).exp() * eps), mu, logvar


class VAE(_Standardised):
    """``buffer=False``: the VAE (prior sampling, ELBO); ``buffer=True``: the B-VAE, its buffer offset γ
    chosen from ``offsets`` (latent units) on the validation split (see the module docstring)."""

    def __init__(self, task: EventGenerate, buffer: bool, offsets: tuple[float, ...] = OFFSETS):
        self.task, self.buffer, self.offsets = task, buffer, tuple(float(o) for o in offsets)
        if buffer and (not self.offsets or min(self.offsets) < 0):
            raise MdbenchError(f"the B-VAE's buffer offsets γ must be a non-empty grid of values ≥ 0 (latent "
                               f"units), not {offsets!r}; declare them in baselines/particle_events/__init__.py "
                               "(OFFSETS)")
        self.offset = 0.0

    def _loss(self, x, eps):
        rec, mu, logvar = self.net(x, eps)
        sq = ((rec - x) ** 2).sum(1)
        kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)
        if self.buffer:
            return ((1 - B_WEIGHT) * sq + B_WEIGHT * kl).mean()
        return (0.5 * sq + kl).mean()

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "VAE":
        x, xv = self.setup(self.task, data)
        hp = hyper(self.task, data.config)
        torch.manual_seed(seed)
        d = x.shape[1]
        self.net = _VAENet(d, d)
        opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        g = torch.Generator().manual_seed(seed)
        eps_val = torch.randn(xv.shape, generator=g)
        stopper = EarlyStopping(hp["patience"])
        for _ in range(hp["epochs"]):
            self.net.train()
            perm = torch.randperm(len(x), generator=g)
            for start in range(0, len(x), BATCH):
                batch = x[perm[start: start + BATCH]]
                loss = self._loss(batch, torch.randn(batch.shape, generator=g))
                opt.zero_grad()
                loss.backward()
                opt.step()
            self.net.eval()
            with torch.no_grad():
                val = float(self._loss(xv, eps_val))
            if stopper.step(val, self.net):
                break
        stopper.restore(self.net)
        self.report = stopper.report
        self.net.eval()
        with torch.no_grad():
            mu, logvar = self.net.encode(x)
            self.mu, self.sigma = mu, (0.5 * logvar).exp()
            # the noise test: held-out events against uniform noise in the training box
            noise = x.min(0).values + (x.max(0).values - x.min(0).values) * torch.rand(xv.shape, generator=g)
            err = lambda a: float(((self.net.dec(self.net.encode(a)[0]) - a) ** 2).mean())  # noqa: E731
            self.recon = {"recon_mse_events": err(xv), "recon_mse_noise": err(noise)}
            self.recon["recon_noise_over_events"] = self.recon["recon_mse_noise"] / self.recon["recon_mse_events"]
        if self.buffer:
            self.choose_offset(xv)
        return self

    def buffer_latent(self, n: int, g: torch.Generator, offset: float) -> torch.Tensor:
        """n latent codes z = μᵢ + α (σᵢ + γ) ε of uniformly drawn training events i (γ = ``offset``)."""
        i = torch.randint(len(self.mu), (n,), generator=g)
        return self.mu[i] + SMUDGE * (self.sigma[i] + offset) * torch.randn(n, self.mu.shape[1], generator=g)

    def choose_offset(self, xv: torch.Tensor) -> None:
        """γ of :attr:`offsets` by the task's primary metric, the classifier AUC of generated against
        validation events (the test split is never seen): the smallest γ whose AUC is within one standard
        error of the lowest.  Every γ decodes the same buffer indices and ε (seed :data:`OFFSET_SEED`), so
        the grid is compared on common random numbers; the one-standard-error rule keeps a γ > 0 from
        winning on noise (a saturated AUC, ≈ 1 for every γ, would otherwise pick γ by its 5th decimal)."""
        val = self.raw(xv)
        with torch.no_grad():
            scores = [classifier_auc(self.raw(self.net.dec(
                self.buffer_latent(len(xv), torch.Generator().manual_seed(OFFSET_SEED), o))), val)
                for o in self.offsets]
        # the classifier scores its held-out half: ≈ half of the generated and half of the validation events
        stderr = [auc_stderr(a, len(xv) // 2, len(xv) // 2) for a in scores]
        finite = [k for k in range(len(scores)) if np.isfinite(scores[k])]
        if finite:  # a NaN AUC (a degenerate sample) never wins
            best = min(finite, key=lambda k: scores[k])
            pick = min((k for k in finite if scores[k] <= scores[best] + stderr[best]), key=lambda k: self.offsets[k])
        else:
            pick = min(range(len(scores)), key=lambda k: self.offsets[k])
        self.offset, self.offset_scores, self.offset_stderr = self.offsets[pick], scores, stderr

    def attrs(self) -> dict:
        """What the submission carries about the model: the noise test, and the B-VAE's γ with its grid."""
        if not self.buffer:
            return dict(self.recon)
        return {**self.recon, "buffer_offset": self.offset,
                "buffer_offset_grid": np.asarray(self.offsets, dtype=np.float64),
                "buffer_offset_val_auc": np.asarray(self.offset_scores, dtype=np.float64),
                "buffer_offset_val_auc_stderr": np.asarray(self.offset_stderr, dtype=np.float64)}

    def training_report(self) -> TrainingReport:
        return self.report

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            if self.buffer:
                z = self.buffer_latent(self.n, g, self.offset)
            else:
                z = torch.randn(self.n, self.net.latent, generator=g)
            return self.to_submission(self.net.dec(z), self.attrs())
