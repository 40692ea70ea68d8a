"""The subgrid models of the ``channel`` tasks declared in :mod:`baselines.channel` (see its docstring),
imported with torch when one is fitted."""

from __future__ import annotations

import numpy as np
import torch
import xarray as xr

from baselines.channel import HYPER
from baselines.estimators.training import EarlyStopping
from mdbench.core.task import TaskData, TrainingReport
from mdbench.systems.channel import closures
from mdbench.systems.channel.physics import LOCATIONS, Ops
from mdbench.systems.channel.task import les_grid, submission, tau_of, velocities

HALF = 2  # 5×5×5 patches
KEYS = list(LOCATIONS)
#: array axis of the flux direction j of τ_ij ([x, y, z] → 0, 1, 2)
DIRECTION = {k: k[1] for k in KEYS}


class SmagorinskyModel:
    """Classical reference (see the module docstring)."""

    def __init__(self, cs: float = 0.1):
        self.cs = cs

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "SmagorinskyModel":
        return self

    def closure(self, ops: Ops, nu: float):
        return closures.Smagorinsky(ops, nu, self.cs)

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        ds = data.inputs["test"]
        fields = velocities(ds)
        with torch.no_grad():
            tau = self.closure(Ops(les_grid(ds)), float(ds.attrs["nu"]))(*fields)
        return submission(tau)


# --------------------------------------------------------------------------------------------------
# patches
# --------------------------------------------------------------------------------------------------
def _pad(a: torch.Tensor, face_y: bool) -> torch.Tensor:
    """[N, x, y, z] → padded by HALF periodically in x, z and by no-slip ghosts in y (odd mirror about
    the wall: about the wall face for v, about the wall between the first centre and its ghost for u, w)."""
    h = HALF
    a = torch.cat([a[:, -h:], a, a[:, :h]], dim=1)
    a = torch.cat([a[..., -h:], a, a[..., :h]], dim=3)
    if face_y:  # v: v[-m] = −v[m], v[n + m] = −v[n − m]
        lo = -torch.flip(a[:, :, 1:h + 1], dims=[2])
        hi = -torch.flip(a[:, :, -h - 1:-1], dims=[2])
    else:  # u, w: u[-m] = −u[m − 1]
        lo = -torch.flip(a[:, :, :h], dims=[2])
        hi = -torch.flip(a[:, :, -h:], dims=[2])
    return torch.cat([lo, a, hi], dim=2)


def patches(u, v, w) -> torch.Tensor:
    """[N, x, y, z, 375]: the 5×5×5 index neighbourhood of u, v, w around every LES cell."""
    out = []
    for a, face in ((u, False), (v, True), (w, False)):
        p = _pad(a, face)
        ny = u.shape[2]
        p = p[:, :, : ny + 2 * HALF]  # v has one more level; cell j sees v[j − 2 … j + 2]
        p = p.unfold(1, 5, 1).unfold(2, 5, 1).unfold(3, 5, 1)
        out.append(p.reshape(*p.shape[:4], 125))
    return torch.cat(out, dim=-1)


def two_sets(tau: dict, ny: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[N, x, y, z, 18] targets (set 0: τ_ij at the cell's index, set 1: at index + 1 along j) and the
    mask of valid set-1 entries (τ_vv has no centre above the top cell)."""
    cols, mask = [], []
    for k in KEYS:
        a = tau[k][:, :, :ny]
        cols.append(a)
        mask.append(torch.ones_like(a))
    for k in KEYS:
        a, d = tau[k], DIRECTION[k]
        if d == 1:
            shifted = a[:, :, 1:ny + 1] if a.shape[2] == ny + 1 else torch.nn.functional.pad(a[:, :, 1:], (0, 0, 0, 1))
            valid = torch.ones_like(shifted)
            if a.shape[2] == ny:
                valid[:, :, -1] = 0
        else:
            shifted = torch.roll(a, -1, dims=1 + d)[:, :, :ny]
            valid = torch.ones_like(shifted)
        cols.append(shifted)
        mask.append(valid)
    return torch.stack(cols, -1), torch.stack(mask, -1)


def merge_sets(out: torch.Tensor) -> dict:
    """[N, x, y, z, 18] → ``{(i, j): τ_ij}`` at LOCATIONS: the mean of the two cells' predictions
    of every flux location (τ_vv of the top cell from one cell); y-face fluxes are 0 on the walls."""
    tau = {}
    for n, k in enumerate(KEYS):
        s0, s1, d = out[..., n], out[..., 9 + n], DIRECTION[k]
        if d != 1:
            t = 0.5 * (s0 + torch.roll(s1, 1, dims=1 + d))
        else:  # y-faces 1 … ny − 1 (or τ_vv's centres): lower flux of cell j, upper flux of cell j − 1
            t = torch.cat([s0[:, :, :1], 0.5 * (s0[:, :, 1:] + s1[:, :, :-1])], dim=2)
        if LOCATIONS[k][1] == "yh":
            t = torch.nn.functional.pad(t[:, :, 1:], (0, 0, 1, 1))  # walls: v = 0, so every y-face flux is 0
        tau[k] = t
    return tau


# --------------------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------------------
class PatchMLP(torch.nn.Module):
    """375 patch values + height → 64 (leaky ReLU) → 18, with standardisation built in."""

    def __init__(self, n_in: int = 376, hidden: int = 64, n_out: int = 18):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(n_in, hidden), torch.nn.LeakyReLU(0.2),
                                       torch.nn.Linear(hidden, n_out))
        self.register_buffer("x_mean", torch.zeros(n_in))
        self.register_buffer("x_std", torch.ones(n_in))
        self.register_buffer("y_std", torch.ones(n_out))

    def forward(self, x):
        return self.net((x - self.x_mean) / self.x_std)


class MLPClosure:
    """The trained network as a closure ``(u, v, w) → τ`` on one LES grid (batched or not)."""

    def __init__(self, net: PatchMLP, ops: Ops, clip_backscatter: bool = False):
        self.net, self.ops, self.clip = net, ops, clip_backscatter
        self.height = torch.as_tensor(ops.grid.y, dtype=torch.float32, device=ops.device)

    def convolved(self, u, v, w) -> torch.Tensor:
        """The network applied to every cell at once: its first layer on 5×5×5 patches is a 3-D
        convolution of the padded (u, v, w) (standardisation folded into the weights), its second a
        per-cell matrix product — the same numbers as ``net(features(…))`` without building patches."""
        lin1, act, lin2 = self.net.net
        w1 = lin1.weight / self.net.x_std
        b1 = lin1.bias - w1 @ self.net.x_mean
        ny = u.shape[2]
        x = torch.stack([_pad(a, face)[:, :, :ny + 2 * HALF] for a, face in ((u, False), (v, True), (w, False))], 1)
        kernel = w1[:, :375].reshape(-1, 3, 5, 5, 5)
        h = torch.nn.functional.conv3d(x.float(), kernel)  # [N, hidden, x, y, z]
        h = h + (b1[:, None] + w1[:, 375:376] * self.height[None, :])[None, :, None, :, None]
        h = act(h)
        return torch.einsum("nhxyz,oh->nxyzo", h, lin2.weight) + lin2.bias

    def features(self, u, v, w) -> torch.Tensor:
        p = patches(u, v, w).float()
        h = self.height[None, None, :, None, None].expand(*p.shape[:4], 1)
        return torch.cat([p, h], -1)

    def __call__(self, u, v, w) -> dict:
        single = u.dim() == 3
        if single:
            u, v, w = u[None], v[None], w[None]
        with torch.no_grad():
            out = self.convolved(u, v, w) * self.net.y_std
        tau = {k: t.to(u.dtype) for k, t in merge_sets(out).items()}
        if self.clip:  # backscatter clipping: damp the fluxes around cells with ε_sgs < 0
            keep = (closures.dissipation(self.ops, u, v, w, tau) >= 0).to(u.dtype)
            tau = {k: t * (closures.from_centres(keep, LOCATIONS[k]) > 0.999).to(u.dtype) for k, t in tau.items()}
        if single:
            tau = {k: t[0] for k, t in tau.items()}
        return tau


def _strain_sets(ops: Ops, u, v, w, ny: int) -> torch.Tensor:
    S = ops.strain(u, v, w)
    full = {k: S[k] for k in KEYS}
    return two_sets(full, ny)[0]


class MLPModel:
    """The paper's shallow patch MLP (``dissipation_weight`` > 0: the backscatter-penalised variant)."""

    def __init__(self, dissipation_weight: float = 0.0, clip_backscatter: bool = False, samples: int = 250_000,
                 hidden: int = 64, device: str = "cpu"):
        self.lam, self.clip, self.samples, self.device = dissipation_weight, clip_backscatter, samples, device
        self.hidden = hidden

    def _arrays(self, ds: xr.Dataset, ops: Ops, rng: np.random.Generator, n_max: int):
        """(features, targets, target mask, strain at the targets) of ≤ n_max random cells, drawn
        evenly from every snapshot (one snapshot at a time, to keep the patches small)."""
        closure = MLPClosure(PatchMLP(), ops)
        n_snap = ds.sizes["snapshot"]
        parts = []
        for i in range(n_snap):
            one = ds.isel(snapshot=slice(i, i + 1))
            u, v, w = velocities(one)
            ny = u.shape[2]
            y, m = two_sets(tau_of(one), ny)
            arrays = [closure.features(u, v, w), y.float(), m.float(), _strain_sets(ops, u, v, w, ny).float()]
            arrays = [a.reshape(-1, a.shape[-1]) for a in arrays]
            idx = torch.as_tensor(rng.permutation(len(arrays[0]))[: max(1, n_max // n_snap)])
            parts.append([a[idx] for a in arrays])
        return tuple(torch.cat([p[k] for p in parts]) for k in range(4))

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MLPModel":
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.ops = Ops(les_grid(data.train))
        x, y, m, s = self._arrays(data.train, self.ops, rng, self.samples)
        xv, yv, mv, sv = self._arrays(data.val, self.ops, rng, self.samples // 4)
        net = PatchMLP(hidden=self.hidden).to(self.device)
        net.x_mean.copy_(x.mean(0))
        net.x_std.copy_(x.std(0).clamp(min=1e-6))
        net.y_std.copy_(((y ** 2 * m).sum(0) / m.sum(0)).sqrt().clamp(min=1e-8))
        epochs = HYPER[data.config]["epochs"]
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        steps = epochs * max(1, len(x) // 512)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=1e-5)

        def loss_of(xb, yb, mb, sb):
            pred = net(xb)
            loss = (((pred - yb / net.y_std) ** 2) * mb).sum() / mb.sum()
            if self.lam:
                # Σ τ S > 0 is backscatter (ε = −τ_ij S_ij < 0): penalise it, in units of the exact ⟨|τS|⟩
                prod = (pred * net.y_std * sb * mb).sum(-1)
                loss = loss + self.lam * torch.relu(prod).mean() / self._scale
            return loss

        self._scale = float((y * s * m).sum(-1).abs().mean()) or 1.0
        best = EarlyStopping(patience=epochs + 1, min_delta=0.0)  # never stops early: keeps the best epoch
        from tqdm.auto import trange

        for _ in trange(epochs, desc="mlp epochs", disable=not progress, leave=False):
            net.train()
            perm = torch.randperm(len(x))
            for b in range(0, len(x) - 511, 512):
                i = perm[b:b + 512]
                opt.zero_grad()
                loss_of(x[i], y[i], m[i], s[i]).backward()
                opt.step()
                sched.step()
            net.eval()
            with torch.no_grad():
                val = float(loss_of(xv, yv, mv, sv))
            best.step(val, net)
        best.restore(net)
        self._report = best.report
        self.net = net.eval()
        return self

    def training_report(self) -> TrainingReport:
        return self._report

    def closure(self, ops: Ops, nu: float | None = None) -> MLPClosure:
        return MLPClosure(self.net, ops, clip_backscatter=self.clip)

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        ds = data.inputs["test"]
        closure = self.closure(Ops(les_grid(ds)))
        return submission(closure(*velocities(ds)))
