"""Baselines of ``flybys/sequence``: learned encounter maps applied encounter after encounter, and an LSTM.

* ``mlp`` — the encounter task's MLP (:class:`baselines.flybys.models.MLPBaseline`), trained on the training
  flybys of the ``flybys`` dataset (the config named by ``encounter_config``), applied K times as a
  deterministic map: its mean Δa/a and Δe at every encounter, its P(ejection) carried as a survival weight.
* ``prob-mlp`` — the encounter task's probabilistic MLP (:class:`baselines.flybys.models.ProbMLPBaseline`), same
  training, applied K times as a *sampled* map: Δ drawn from its Gaussian (in asinh space), the loss drawn
  from its P(ejection).  Against ``mlp``: whether predicting the spread, and not only the mean, of every
  encounter keeps the accumulated distribution right.
* ``lstm`` — the paper's first mapping: an LSTM over the element time series of the training sequences
  (input at step k: the encounter features of the planet's current orbit and perturber k, plus
  log₁₀(a/a₀); output: asinh-scaled Δa/a and Δe and a loss logit), teacher-forced on REBOUND's series,
  rolled out on its own states (deterministic, survival as a weight) with its hidden state carrying the
  history.

Every rollout (:func:`mdbench.systems.flybys.sequence_task.rollout`) draws the planet's unknown phases at
encounters 2 … K uniformly.  They are declared (with :data:`~baselines.flybys.LSTM_HYPER`) in
:mod:`baselines.flybys`, which `mdbench list` reads without importing torch.
"""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr
from torch import nn

from baselines.estimators.training import EarlyStopping
from baselines.flybys import LSTM_HYPER, SCALE
from baselines.flybys.models import MLPBaseline, ProbMLPBaseline, features, untransform
from mdbench.core.task import TaskData, TrainingReport
from mdbench.systems.flybys.sequence_task import encounter_rows, encounter_training_data, inputs_of, rollout


class SequenceMLP:
    """The encounter MLP applied K times, deterministically (survival as a weight)."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SequenceMLP":
        self.map = MLPBaseline().fit(encounter_training_data(data.config), seed=seed, progress=progress)
        return self

    def training_report(self) -> TrainingReport:
        return self.map.training_report()

    def step(self, rows: xr.Dataset):
        d, p = self.map.changes(rows)
        return d[:, 0], d[:, 1], p

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return rollout(data.inputs["test"], self.step, seed=seed, sample=False)


class SequenceProbMLP:
    """The encounter task's probabilistic MLP applied K times, sampled: Δ from its Gaussian, loss from P(ej)."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SequenceProbMLP":
        self.map = ProbMLPBaseline().fit(encounter_training_data(data.config), seed=seed, progress=progress)
        return self

    def training_report(self) -> TrainingReport:
        return self.map.training_report()

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        rng = np.random.default_rng([seed, 1])

        def step(rows):
            mu, sigma, p = self.map.distribution(rows)
            z = mu + sigma * rng.standard_normal(mu.shape)
            d = untransform(z, self.map.lo, self.map.hi)
            return d[:, 0], d[:, 1], p

        return rollout(data.inputs["test"], step, seed=seed, sample=True)


class _Net(nn.Module):
    def __init__(self, n_in: int, hidden: int):
        super().__init__()
        self.cell = nn.LSTMCell(n_in, hidden)
        self.head = nn.Linear(hidden, 3)

    def forward(self, x, state=None):
        h, c = self.cell(x, state)
        return self.head(h), (h, c)


def _step_features(rows: xr.Dataset, config) -> np.ndarray:
    """The encounter map's features plus log₁₀(a/a₀) (the LSTM sees the planet's drift in a)."""
    return np.column_stack([features(rows, config), np.log10(rows["a_before"].values / config["a_planet"])])


def _training_series(ds: xr.Dataset, config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features (K, n, f), asinh targets (K, n, 2), lost flag (K, n), integrated mask (K, n)) of a split,
    each encounter's features with REBOUND's state before it (teacher forcing)."""
    x = inputs_of(ds)
    k_max = ds.sizes["encounter"]
    feats, targets, lost, mask = [], [], [], []
    for k in range(1, k_max + 1):
        done = ds["outcome"].values[:, k - 1] >= 0
        a0 = np.where(done, ds["a_before"].values[:, k - 1], config["a_planet"])
        rows = encounter_rows(x, k, a0, np.where(done, ds["e_before"].values[:, k - 1], 0.1),
                              np.nan_to_num(ds["peri_before"].values[:, k - 1]),
                              np.nan_to_num(ds["mean_anomaly_before"].values[:, k - 1]))
        feats.append(_step_features(rows, config))
        ok = done & (ds["outcome"].values[:, k - 1] == 0)
        da = np.where(ok, ds["a"].values[:, k] / a0 - 1.0, 0.0)
        de = np.where(ok, ds["e"].values[:, k] - ds["e_before"].values[:, k - 1], 0.0)
        targets.append(np.arcsinh(np.column_stack([da, de]) / SCALE))
        lost.append((done & ~ok).astype(float))
        mask.append(done.astype(float))
    return np.array(feats), np.array(targets), np.array(lost), np.array(mask)


class SequenceLSTM:
    """LSTM over the encounter series (the paper's time-series mapping); see the module docstring."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SequenceLSTM":
        hyper = LSTM_HYPER[data.config]
        torch.manual_seed(seed)
        self.config = data.config
        x, y, lost, mask = _training_series(data.train, data.config)
        xv, yv, lostv, maskv = _training_series(data.val, data.config)
        flat, bound = x.reshape(-1, x.shape[-1]), ((mask == 1) & (lost == 0)).reshape(-1)
        self.x_mean, self.x_std = flat.mean(0), flat.std(0) + 1e-12
        ys = y.reshape(-1, 2)[bound]
        self.y_mean, self.y_std = ys.mean(0), ys.std(0) + 1e-12
        self.lo, self.hi = ys.min(0), ys.max(0)
        t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
        train = [t((x - self.x_mean) / self.x_std), t((y - self.y_mean) / self.y_std), t(lost), t(mask)]
        val = [t((xv - self.x_mean) / self.x_std), t((yv - self.y_mean) / self.y_std), t(lostv), t(maskv)]
        self.net = _Net(x.shape[-1], hyper["hidden"])
        opt = torch.optim.Adam(self.net.parameters(), lr=3e-3)
        stopper = EarlyStopping(30)
        for _ in range(hyper["epochs"]):  # whole-split batches: a few hundred short sequences
            self.net.train()
            loss = self._loss(*train)
            opt.zero_grad()
            loss.backward()
            opt.step()
            self.net.eval()
            with torch.no_grad():
                score = float(self._loss(*val))
            if stopper.step(score, self.net):
                break
        stopper.restore(self.net)
        self.report = stopper.report
        return self

    def _loss(self, x, y, lost, mask):
        state, total = None, 0.0
        for k in range(x.shape[0]):
            out, state = self.net(x[k], state)
            bound = mask[k] * (1 - lost[k])
            mse = (((out[:, :2] - y[k]) ** 2).sum(1) * bound).sum() / bound.sum().clamp(min=1)
            bce = nn.functional.binary_cross_entropy_with_logits(out[:, 2], lost[k], weight=mask[k], reduction="sum")
            total = total + mse + bce / mask[k].sum().clamp(min=1)
        return total / x.shape[0]

    def training_report(self) -> TrainingReport:
        return self.report

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        state = [None]

        def step(rows):
            x = torch.as_tensor((_step_features(rows, self.config) - self.x_mean) / self.x_std, dtype=torch.float32)
            with torch.no_grad():
                out, state[0] = self.net(x, state[0])
            out = out.numpy().astype(np.float64)
            d = untransform(out[:, :2] * self.y_std + self.y_mean, self.lo, self.hi)
            return d[:, 0], d[:, 1], 1.0 / (1.0 + np.exp(-out[:, 2]))

        return rollout(data.inputs["test"], step, seed=seed, sample=False)
