"""The encounter maps of ``flybys/encounter`` declared in :mod:`baselines.flybys` (see its docstring), imported
with torch when one is fitted; :mod:`baselines.flybys.sequence` applies them encounter after encounter."""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr
from torch import nn

from baselines.estimators.mlp_regressor import MLPRegressor
from baselines.estimators.training import EarlyStopping
from baselines.flybys import HYPER, SCALE
from mdbench.core.task import TaskData, TrainingReport
from mdbench.systems.flybys.physics import G, KMS
from mdbench.systems.flybys.task import TARGETS, submission


def features(ds: xr.Dataset, config) -> np.ndarray:
    """(n, 20) features of the flybys in ``ds`` (see the module docstring)."""
    a = ds["a_before"].values
    m12 = config["m_host"] + config["m_planet"]
    m123 = m12 + ds["m_perturber"].values
    v = ds["v_inf"].values * KMS
    q = ds["q"].values
    ecc_h = 1.0 + q * v**2 / (G * m123)
    slow = np.sqrt(m123 * (1 + ecc_h) / m12) * (a / q) ** 1.5
    node = ds["node_perturber"].values - ds["peri_before"].values
    peri = ds["peri_perturber"].values
    mean = ds["mean_anomaly_before"].values
    cols = [ds["e_before"].values, np.log10(q / a), np.log10(ds["m_perturber"].values), np.log10(ds["v_inf"].values),
            np.log10(slow), np.cos(ds["inc_perturber"].values)]
    for angle in (node, 2 * node, peri, 2 * peri, mean):
        cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols)


def changes(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(asinh-transformed [Δa/a, Δe, ΔI] (n, 3), ejected flag (n,)) of a stored split."""
    a0 = ds["a_before"].values
    y = np.column_stack([(ds["a_after"].values - a0) / a0, ds["e_after"].values - ds["e_before"].values,
                         ds["inc_after"].values - ds["inc_before"].values])
    return np.arcsinh(y / SCALE), (ds["outcome"].values != 0).astype(float)


def untransform(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Δ from asinh(Δ/s), the transformed value clipped to the training range [lo, hi] first (sinh
    amplifies an extrapolated output exponentially)."""
    return SCALE * np.sinh(np.clip(z, lo, hi))


class MLPBaseline:
    """Two MLPs (64×64 LeakyReLU on `small`): asinh(Δ/s) on bound flybys, the ejection flag on all."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MLPBaseline":
        hyper = HYPER[data.config]
        x, xv = features(data.train, data.config), features(data.val, data.config)
        (y, ej), (yv, ejv) = changes(data.train), changes(data.val)
        b, bv = ej == 0, ejv == 0
        kw = dict(epochs=hyper["epochs"], batch_size=64, lr=3e-3, patience=30)
        self.delta = MLPRegressor(hyper["hidden"], **kw).fit(x[b], y[b], xv[bv], yv[bv], seed=seed)
        self.lo, self.hi = y[b].min(0), y[b].max(0)
        self.eject = MLPRegressor(hyper["hidden"], **kw).fit(x, ej[:, None], xv, ejv[:, None], seed=seed + 1)
        self.report = self.delta.training_report() + self.eject.training_report()
        self.config = data.config
        return self

    def training_report(self) -> TrainingReport:
        return self.report

    def changes(self, rows: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
        """([Δa/a, Δe, ΔI] (n, 3), P(ejection) (n,)) of flyby rows (``flybys`` input variables)."""
        x = features(rows, self.config)
        d = untransform(self.delta.predict(x).astype(np.float64), self.lo, self.hi)
        return d, np.clip(self.eject.predict(x)[:, 0].astype(np.float64), 0.0, 1.0)

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        inputs = data.inputs["test"]
        d, p = self.changes(inputs)
        return submission(inputs["flyby"].values, d[:, 0], d[:, 1], d[:, 2], p)


class _ProbNet(nn.Module):
    def __init__(self, n_in: int, hidden: tuple[int, ...]):
        super().__init__()
        layers, width = [], n_in
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, 2 * len(TARGETS) + 1)

    def forward(self, x):
        out = self.head(self.body(x))
        k = len(TARGETS)
        return out[:, :k], out[:, k: 2 * k].clamp(-7, 5), out[:, 2 * k]


class ProbMLPBaseline:
    """Heteroscedastic Gaussian head on asinh(Δ/s) + ejection logit, one network (NLL + BCE)."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "ProbMLPBaseline":
        hyper = HYPER[data.config]
        torch.manual_seed(seed)
        x, xv = features(data.train, data.config), features(data.val, data.config)
        (y, ej), (yv, ejv) = changes(data.train), changes(data.val)
        self.x_mean, self.x_std = x.mean(0), x.std(0) + 1e-12
        self.y_mean, self.y_std = y[ej == 0].mean(0), y[ej == 0].std(0) + 1e-12
        self.lo, self.hi = y[ej == 0].min(0), y[ej == 0].max(0)
        t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
        xt, yt, et = t((x - self.x_mean) / self.x_std), t((y - self.y_mean) / self.y_std), t(ej)
        xvt, yvt, evt = t((xv - self.x_mean) / self.x_std), t((yv - self.y_mean) / self.y_std), t(ejv)
        self.net = _ProbNet(x.shape[1], hyper["hidden"])
        opt = torch.optim.Adam(self.net.parameters(), lr=3e-3)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=hyper["epochs"], eta_min=1e-5)
        stopper = EarlyStopping(30)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(hyper["epochs"]):
            self.net.train()
            perm = torch.randperm(len(xt), generator=gen)
            for start in range(0, len(xt), 64):
                idx = perm[start: start + 64]
                loss = self._loss(xt[idx], yt[idx], et[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()
            self.net.eval()
            with torch.no_grad():
                val = float(self._loss(xvt, yvt, evt))
            if stopper.step(val, self.net):
                break
        stopper.restore(self.net)
        self.report = stopper.report
        self.config = data.config
        return self

    def _loss(self, x, y, ejected):
        mu, log_sigma, logit = self.net(x)
        bound = ejected == 0
        nll = (0.5 * ((y - mu) / log_sigma.exp()) ** 2 + log_sigma)[bound].sum() / max(1, len(x))
        return nll + nn.functional.binary_cross_entropy_with_logits(logit, ejected)

    def training_report(self) -> TrainingReport:
        return self.report

    def distribution(self, rows: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, width) of asinh(Δ/s) of [Δa/a, Δe, ΔI] (n, 3) each, mean clipped to the training range,
        and P(ejection) (n,), of flyby rows (``flybys`` input variables)."""
        x = torch.as_tensor((features(rows, self.config) - self.x_mean) / self.x_std, dtype=torch.float32)
        with torch.no_grad():
            mu, log_sigma, logit = self.net(x)
        mu = np.clip(mu.numpy().astype(np.float64) * self.y_std + self.y_mean, self.lo, self.hi)
        sigma = np.exp(log_sigma.numpy().astype(np.float64)) * self.y_std
        return mu, sigma, 1.0 / (1.0 + np.exp(-logit.numpy().astype(np.float64)))

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        inputs = data.inputs["test"]
        mu, sigma, p = self.distribution(inputs)
        d = untransform(mu, self.lo, self.hi)
        # width of Δe by the delta method through Δ = s·sinh(z): σ_Δ = s·cosh(μ_z)·σ_z
        std_e = SCALE * np.cosh(mu[:, 1]) * sigma[:, 1]
        return submission(inputs["flyby"].values, d[:, 0], d[:, 1], d[:, 2], p, delta_e_std=std_e)
