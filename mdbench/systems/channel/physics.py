"""A small incompressible channel-flow solver with MicroHH's numerics, written on torch.

Our own solver (no pip-installable engine fits, see the data card), validated against the
Moser–Kim–Mansour Re_τ = 180 DNS in ``tests/test_channel_physics.py``.  The numerics follow
MicroHH (van Heerwaarden et al., GMD 10, 3145 (2017)): ``advec_2``/``diff_2`` (second-order
finite differences), ``pres_2`` (pressure projection, FFTs in the periodic directions and a direct
solve across the channel) and the low-storage third-order Runge–Kutta of Williamson (1980).

Geometry and units
------------------
Half-height δ = 1, bulk velocity U_b = 1 (constant mass flux), so lengths are in δ, velocities in
U_b and times in δ/U_b; ν = 1/Re_b with Re_b = U_b δ/ν.  x is streamwise (periodic, length
``lx``), y wall-normal (walls at y = 0 and y = 2, tanh-stretched), z spanwise (periodic, ``lz``).

Arakawa C grid (MicroHH's names): ``u`` at (xh, y, z), ``v`` at (x, yh, z), ``w`` at (x, y, zh),
pressure at (x, y, z); ``xh[i] = i Δx`` is the face left of the centre ``x[i] = (i + ½) Δx``.
``v`` carries all ``ny + 1`` y-faces with ``v = 0`` on the two walls.  No slip: the ghost value of
``u``/``w`` below a wall is minus the first interior value.  Arrays are ``[..., x, y, z]``.

Fluxes: momentum ``i`` is moved across the faces of its control volume in direction ``j`` by the
flux ``F[i][j]``; the advective and subgrid fluxes live at the same six staggered locations
(``LOCATIONS``), so the subgrid closure of an LES is one function ``fields → τ_ij`` added to them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Callable

import numpy as np
import torch

from mdbench.systems.channel.numerics import COMPONENTS, FIELD_LOCATIONS, LOCATIONS, X, Y, Z  # noqa: F401 - its grid

#: Williamson (1980) low-storage RK3 coefficients, as in MicroHH's timeloop (rk3 ``cA``/``cB``)
RK3_A = (0.0, -5.0 / 9.0, -153.0 / 128.0)
RK3_B = (1.0 / 3.0, 15.0 / 16.0, 8.0 / 15.0)


# --------------------------------------------------------------------------------------------------
# grid
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    """A channel grid.

    Parameters
    ----------
    nx, ny, nz
        Cells in x, y, z.
    lx, lz
        Periodic lengths (δ).
    stretch
        γ of the tanh wall stretching ``yh = 1 − tanh(γ(1 − 2η))/tanh(γ)``, η = j/ny (0: uniform).
    """

    nx: int
    ny: int
    nz: int
    lx: float
    lz: float
    stretch: float = 1.8

    @property
    def dx(self) -> float:
        return self.lx / self.nx

    @property
    def dz(self) -> float:
        return self.lz / self.nz

    @property
    def yh(self) -> np.ndarray:
        """The ny + 1 y-faces (δ), 0 … 2."""
        eta = np.arange(self.ny + 1) / self.ny
        if self.stretch == 0:
            return 2.0 * eta
        return 1.0 - np.tanh(self.stretch * (1.0 - 2.0 * eta)) / np.tanh(self.stretch)

    @property
    def y(self) -> np.ndarray:
        """The ny cell centres (δ)."""
        yh = self.yh
        return 0.5 * (yh[1:] + yh[:-1])

    @property
    def dy(self) -> np.ndarray:
        """Cell heights (δ), ny values."""
        return np.diff(self.yh)

    @property
    def dyh(self) -> np.ndarray:
        """Distances between centres across each y-face (δ), ny + 1 values; at a wall the distance
        between the first centre and its mirror (ghost) centre."""
        y = self.y
        return np.concatenate([[2 * y[0]], np.diff(y), [2 * (2.0 - y[-1])]])

    def coords(self) -> dict[str, np.ndarray]:
        """Coordinates of every staggered location (δ)."""
        return {"x": (np.arange(self.nx) + 0.5) * self.dx, "xh": np.arange(self.nx) * self.dx,
                "y": self.y, "yh": self.yh, "z": (np.arange(self.nz) + 0.5) * self.dz, "zh": np.arange(self.nz) * self.dz}

    def coarsen(self, factor: int) -> "Grid":
        """The LES grid: ``factor`` times fewer cells in x and z, the same y levels."""
        if self.nx % factor or self.nz % factor or factor % 2:
            raise ValueError(f"coarsening factor {factor} must be even and divide nx = {self.nx}, nz = {self.nz}")
        return Grid(self.nx // factor, self.ny, self.nz // factor, self.lx, self.lz, self.stretch)

    def to_record(self) -> dict:
        return {"nx": self.nx, "ny": self.ny, "nz": self.nz, "lx": self.lx, "lz": self.lz, "stretch": self.stretch}


class Ops:
    """The grid's metric arrays on a torch device, and the discrete operators."""

    def __init__(self, grid: Grid, device: str | torch.device = "cpu", dtype=torch.float64):
        self.grid, self.device, self.dtype = grid, torch.device(device), dtype
        t = lambda a: torch.as_tensor(np.asarray(a), dtype=dtype, device=self.device)  # noqa: E731
        self.dx, self.dz = grid.dx, grid.dz
        # y metrics shaped to broadcast against [..., x, y, z]
        self.dy = t(grid.dy)[:, None]
        self.dyh = t(grid.dyh)[:, None]
        self.dyh_in = self.dyh[1:-1]
        dy = grid.dy
        # volume-weighted interpolation of a centre quantity to an interior y-face (keeps the
        # advection term energy conserving on the stretched grid, see `advective_fluxes`)
        self.wlo = t(dy[:-1] / (dy[:-1] + dy[1:]))[:, None]
        self.whi = 1.0 - self.wlo
        self._pressure_basis()

    # --- elementary staggered operations (periodic in x and z) ---------------------------------
    @staticmethod
    def to_c(a, dim):
        """Face values → the centre to their right (mean of faces i and i + 1)."""
        return 0.5 * (a + torch.roll(a, -1, dim))

    @staticmethod
    def to_f(a, dim):
        """Centre values → the face to their left (mean of centres i − 1 and i)."""
        return 0.5 * (a + torch.roll(a, 1, dim))

    def y_to_faces(self, a, weighted: bool = False):
        """Centre values → the ny − 1 interior y-faces (simple mean, or weighted by cell heights)."""
        if weighted:
            return self.wlo * a[..., :-1, :] + self.whi * a[..., 1:, :]
        return 0.5 * (a[..., :-1, :] + a[..., 1:, :])

    @staticmethod
    def pad_y(interior):
        """Interior y-face values → all ny + 1 faces, zero on the walls (v = 0 there)."""
        return torch.nn.functional.pad(interior, (0, 0, 1, 1))

    # --- fluxes and their divergence ------------------------------------------------------------
    def advective_fluxes(self, u, v, w) -> dict[tuple[int, int], torch.Tensor]:
        """The nine advective fluxes F_ij = (u_j)(u_i) of MicroHH's ``advec_2`` at ``LOCATIONS``.

        The advected velocity is always interpolated with the simple mean (skew symmetry); the
        advecting velocity at a y-face is weighted by the cell heights, which makes Σ u·(∇·F) vanish
        for a discretely divergence-free field on the stretched grid (MicroHH uses the simple mean
        there; both are second order).
        """
        F = {}
        F[0, 0] = self.to_c(u, X) ** 2
        F[1, 1] = (0.5 * (v[..., 1:, :] + v[..., :-1, :])) ** 2
        F[2, 2] = self.to_c(w, Z) ** 2
        v_xh = self.to_f(v, X)  # v at (xh, yh, z)
        v_zh = self.to_f(v, Z)  # v at (x, yh, zh)
        F[0, 1] = v_xh * self.pad_y(self.y_to_faces(u))
        F[1, 0] = self.pad_y(self.y_to_faces(u, weighted=True)) * v_xh
        F[2, 1] = v_zh * self.pad_y(self.y_to_faces(w))
        F[1, 2] = self.pad_y(self.y_to_faces(w, weighted=True)) * v_zh
        F[0, 2] = self.to_f(w, X) * self.to_f(u, Z)
        F[2, 0] = self.to_f(u, Z) * self.to_f(w, X)
        return F

    def flux_divergence(self, F) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tendencies −∂F_ij/∂x_j of u, v (interior faces; walls 0) and w from fluxes at ``LOCATIONS``."""
        dx, dz, dy, dyh = self.dx, self.dz, self.dy, self.dyh_in
        ut = -(F[0, 0] - torch.roll(F[0, 0], 1, X)) / dx - (F[0, 1][..., 1:, :] - F[0, 1][..., :-1, :]) / dy \
            - (torch.roll(F[0, 2], -1, Z) - F[0, 2]) / dz
        vt = -(torch.roll(F[1, 0], -1, X) - F[1, 0])[..., 1:-1, :] / dx \
            - (F[1, 1][..., 1:, :] - F[1, 1][..., :-1, :]) / dyh \
            - (torch.roll(F[1, 2], -1, Z) - F[1, 2])[..., 1:-1, :] / dz
        wt = -(torch.roll(F[2, 0], -1, X) - F[2, 0]) / dx - (F[2, 1][..., 1:, :] - F[2, 1][..., :-1, :]) / dy \
            - (F[2, 2] - torch.roll(F[2, 2], 1, Z)) / dz
        return ut, self.pad_y(vt), wt

    def laplacian(self, u, v, w) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """∇² of each component (MicroHH ``diff_2``), no slip through mirrored ghost cells."""
        def horiz(a):
            return ((torch.roll(a, -1, X) - 2 * a + torch.roll(a, 1, X)) / self.dx ** 2
                    + (torch.roll(a, -1, Z) - 2 * a + torch.roll(a, 1, Z)) / self.dz ** 2)

        def cy(a):  # a at y-centres, ghosts −a at the walls
            ap = torch.cat([-a[..., :1, :], a, -a[..., -1:, :]], dim=Y)
            g = (ap[..., 1:, :] - ap[..., :-1, :]) / self.dyh
            return (g[..., 1:, :] - g[..., :-1, :]) / self.dy

        g = (v[..., 1:, :] - v[..., :-1, :]) / self.dy
        lv = self.pad_y((g[..., 1:, :] - g[..., :-1, :]) / self.dyh_in + horiz(v)[..., 1:-1, :])
        return horiz(u) + cy(u), lv, horiz(w) + cy(w)

    def divergence(self, u, v, w):
        """Discrete ∇·u at the cell centres (1/time units)."""
        return ((torch.roll(u, -1, X) - u) / self.dx + (v[..., 1:, :] - v[..., :-1, :]) / self.dy
                + (torch.roll(w, -1, Z) - w) / self.dz)

    def gradient(self, p):
        """Discrete ∇p at the u, v, w points (∂p/∂y = 0 on the walls)."""
        gy = self.pad_y((p[..., 1:, :] - p[..., :-1, :]) / self.dyh_in)
        return (p - torch.roll(p, 1, X)) / self.dx, gy, (p - torch.roll(p, 1, Z)) / self.dz

    # --- pressure -------------------------------------------------------------------------------
    def _pressure_basis(self):
        """Eigen-decomposition of the tridiagonal y part of div∘grad (Neumann walls), once.

        ``A = W⁻¹T`` with ``W = diag(Δy)`` and ``T`` symmetric tridiagonal, so ``A = S⁻¹VΛVᵀS``
        with ``S = W^½``: each (kx, kz) mode is solved by two small matrix products, vectorised
        over all wavenumbers (exact to round-off, and a GEMM on a GPU).
        """
        g = self.grid
        dy, dyh = g.dy, g.dyh
        n = g.ny
        T = np.zeros((n, n))
        for j in range(n):
            if j > 0:
                T[j, j - 1] = 1 / dyh[j]
                T[j, j] -= 1 / dyh[j]
            if j < n - 1:
                T[j, j + 1] = 1 / dyh[j + 1]
                T[j, j] -= 1 / dyh[j + 1]
        s = np.sqrt(dy)
        lam, V = np.linalg.eigh(T / s[:, None] / s[None, :])
        kx = (2 - 2 * np.cos(2 * np.pi * np.arange(g.nx) / g.nx)) / g.dx ** 2
        kz = (2 - 2 * np.cos(2 * np.pi * np.arange(g.nz // 2 + 1) / g.nz)) / g.dz ** 2
        denom = lam[None, :, None] - kx[:, None, None] - kz[None, None, :]  # (nx, ny, nz/2+1)
        inv = np.where(np.abs(denom) > 1e-9 * np.abs(lam).max(), 1.0 / np.where(denom == 0, 1, denom), 0.0)
        t = lambda a: torch.as_tensor(a, dtype=self.dtype, device=self.device)  # noqa: E731
        self._Vt_s = t(V.T * s[None, :])          # Vᵀ S
        self._Sinv_V = t(V / s[:, None])          # S⁻¹ V
        self._inv = t(inv)

    def solve_poisson(self, rhs):
        """φ with div(grad φ) = rhs (zero-mean gauge), rhs at the centres."""
        rh = torch.fft.rfft2(rhs, dim=(X, Z))
        rh = torch.einsum("ab,...xbz->...xaz", self._Vt_s.to(rh.dtype), rh) * self._inv
        rh = torch.einsum("ab,...xbz->...xaz", self._Sinv_V.to(rh.dtype), rh)
        return torch.fft.irfft2(rh, s=(self.grid.nx, self.grid.nz), dim=(X, Z))

    def project(self, u, v, w):
        """The divergence-free part of (u, v, w) and the potential φ removed."""
        phi = self.solve_poisson(self.divergence(u, v, w))
        gx, gy, gz = self.gradient(phi)
        return u - gx, v - gy, w - gz, phi

    # --- diagnostics ----------------------------------------------------------------------------
    def bulk(self, u):
        """Bulk (volume-mean) velocity Σ u Δy / Σ Δy over the whole channel (U_b units)."""
        return (u * self.dy).sum(dim=(X, Y, Z)) / (self.dy.sum() * u.shape[X] * u.shape[Z])

    def strain(self, u, v, w) -> dict[tuple[int, int], torch.Tensor]:
        """Strain-rate tensor S_ij = ½(∂u_i/∂x_j + ∂u_j/∂x_i) at ``LOCATIONS`` (1/time)."""
        S = {(0, 0): (torch.roll(u, -1, X) - u) / self.dx,
             (1, 1): (v[..., 1:, :] - v[..., :-1, :]) / self.dy,
             (2, 2): (torch.roll(w, -1, Z) - w) / self.dz}
        up = torch.cat([-u[..., :1, :], u, -u[..., -1:, :]], dim=Y)
        wp = torch.cat([-w[..., :1, :], w, -w[..., -1:, :]], dim=Y)
        S[0, 1] = 0.5 * ((up[..., 1:, :] - up[..., :-1, :]) / self.dyh + (v - torch.roll(v, 1, X)) / self.dx)
        S[2, 1] = 0.5 * ((wp[..., 1:, :] - wp[..., :-1, :]) / self.dyh + (v - torch.roll(v, 1, Z)) / self.dz)
        S[0, 2] = 0.5 * ((u - torch.roll(u, 1, Z)) / self.dz + (w - torch.roll(w, 1, X)) / self.dx)
        S[1, 0], S[1, 2], S[2, 0] = S[0, 1], S[2, 1], S[0, 2]
        return S


Closure = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], dict]


# --------------------------------------------------------------------------------------------------
# the time loop
# --------------------------------------------------------------------------------------------------
class Channel:
    """Incompressible channel flow at constant mass flux U_b = 1.

    Parameters
    ----------
    grid
        The grid.
    re_bulk
        Re_b = U_b δ/ν (ν = 1/re_bulk in δU_b units).
    closure
        ``None`` (DNS, or no subgrid model), or a function ``(u, v, w) → {(i, j): τ_ij}`` of
        subgrid fluxes at ``LOCATIONS`` (δ²/time² … velocity² units), added to the advective fluxes.
    """

    def __init__(self, grid: Grid, re_bulk: float, *, closure: Closure | None = None,
                 device: str | torch.device = "cpu", dtype=torch.float64):
        self.grid, self.nu, self.closure = grid, 1.0 / re_bulk, closure
        self.ops = Ops(grid, device, dtype)
        shape = (grid.nx, grid.ny, grid.nz)
        z = lambda *s: torch.zeros(s, dtype=dtype, device=self.ops.device)  # noqa: E731
        self.u, self.v, self.w = z(*shape), z(grid.nx, grid.ny + 1, grid.nz), z(*shape)
        self.time = 0.0
        self.forcing = 0.0  # last −dp/dx that held the mass flux (U_b²/δ)

    # --- state ----------------------------------------------------------------------------------
    def set_state(self, u, v, w, time: float = 0.0):
        o = self.ops
        t = lambda a: torch.as_tensor(a, dtype=o.dtype, device=o.device).clone()  # noqa: E731
        self.u, self.v, self.w = t(u), t(v), t(w)
        self.v[..., 0, :] = 0
        self.v[..., -1, :] = 0
        self.time = float(time)

    def state(self) -> dict[str, np.ndarray]:
        return {"u": self.u.cpu().numpy(), "v": self.v.cpu().numpy(), "w": self.w.cpu().numpy(),
                "time": np.float64(self.time)}

    def initialise(self, seed: int, amplitude: float = 0.3, u_profile: np.ndarray | None = None):
        """Mean profile (laminar Poiseuille, or ``u_profile`` at the y centres) plus divergence-free
        random perturbations of rms ≈ ``amplitude`` (U_b) at the largest few horizontal scales,
        projected and rescaled to U_b = 1."""
        g, o = self.grid, self.ops
        y = g.y
        prof = 1.5 * y * (2 - y) if u_profile is None else np.asarray(u_profile, float)
        rng = np.random.default_rng(seed)

        def noise(ny):
            a = rng.standard_normal((g.nx, ny, g.nz))
            f = np.fft.rfft2(a, axes=(0, 2))
            kx = np.abs(np.fft.fftfreq(g.nx) * g.nx)[:, None, None]
            kz = np.arange(g.nz // 2 + 1)[None, None, :]
            f *= (kx <= 4) & (kz <= 4)  # large scales only: smooth, so transition is fast and clean
            return np.fft.irfft2(f, s=(g.nx, g.nz), axes=(0, 2))

        envelope = np.sin(np.pi * y / 2)  # vanishes at the walls
        u = prof[None, :, None] + noise(g.ny) * envelope[None, :, None]
        v = noise(g.ny + 1) * np.sin(np.pi * g.yh / 2)[None, :, None]
        w = noise(g.ny) * envelope[None, :, None]
        self.set_state(u, v, w)
        u, v, w, _ = o.project(self.u, self.v, self.w)
        scale = lambda a, m: (a - a.mean(dim=(X, Z), keepdim=True)) * (amplitude / a.std()) \
            + (m if m is not None else 0)  # noqa: E731
        mean_u = torch.as_tensor(prof, dtype=o.dtype, device=o.device)[:, None]
        self.u, self.v, self.w = scale(u, mean_u), scale(v, None), scale(w, None)
        self.v[..., 0, :] = 0
        self.v[..., -1, :] = 0
        self.u, self.v, self.w, _ = o.project(self.u, self.v, self.w)
        self.u = self.u + (1.0 - o.bulk(self.u))  # a uniform shift keeps ∇·u = 0

    # --- one time step --------------------------------------------------------------------------
    def tendencies(self, u, v, w):
        """Advection + diffusion (+ −∂τ_ij/∂x_j of the closure)."""
        F = self.ops.advective_fluxes(u, v, w)
        if self.closure is not None:
            tau = self.closure(u, v, w)
            F = {k: F[k] + tau[k] for k in F}
        ut, vt, wt = self.ops.flux_divergence(F)
        lu, lv, lw = self.ops.laplacian(u, v, w)
        return ut + self.nu * lu, vt + self.nu * lv, wt + self.nu * lw

    def step(self, dt: float):
        """One RK3 step of ``dt`` (δ/U_b): at each stage the pressure and the mass-flux forcing are
        part of the accumulated tendency, as in MicroHH (``pres_2``, ``force`` with ``uflux``)."""
        o = self.ops
        qu = qv = qw = None
        for a, b in zip(RK3_A, RK3_B):
            tu, tv, tw = self.tendencies(self.u, self.v, self.w)
            if qu is None:
                qu, qv, qw = tu, tv, tw
            else:
                qu, qv, qw = a * qu + tu, a * qv + tv, a * qw + tw
            bdt = b * dt
            # pressure: make u + bdt q divergence free
            phi = o.solve_poisson(o.divergence(self.u + bdt * qu, self.v + bdt * qv, self.w + bdt * qw))
            gx, gy, gz = o.gradient(phi)
            qu, qv, qw = qu - gx / bdt, qv - gy / bdt, qw - gz / bdt
            # constant mass flux: a uniform streamwise force (the mean pressure gradient)
            f = (1.0 - o.bulk(self.u + bdt * qu)) / bdt
            qu = qu + f
            self.u, self.v, self.w = self.u + bdt * qu, self.v + bdt * qv, self.w + bdt * qw
        self.forcing = float(f)
        self.time += dt

    def run(self, steps: int, dt: float, *, every: int = 0, callback=None, progress=None):
        """``steps`` RK3 steps; ``callback(self)`` every ``every`` steps; raises on blow-up."""
        for n in range(1, steps + 1):
            self.step(dt)
            if progress is not None:
                progress.update(1)
            if every and n % every == 0:
                if not torch.isfinite(self.u).all():
                    raise FloatingPointError(f"the flow blew up at t = {self.time:.3f} δ/U_b")
                if callback is not None:
                    callback(self)

    # --- diagnostics ----------------------------------------------------------------------------
    def mean_profile(self) -> np.ndarray:
        return self.u.mean(dim=(X, Z)).cpu().numpy()

    def kinetic_energy(self) -> float:
        """Volume-mean ½|u|² (U_b²)."""
        o = self.ops
        e = (self.u ** 2 * o.dy).sum() + (self.w ** 2 * o.dy).sum() + (self.v[..., 1:-1, :] ** 2 * o.dyh_in).sum()
        return float(0.5 * e / (o.dy.sum() * self.grid.nx * self.grid.nz))


# --------------------------------------------------------------------------------------------------
# reference data
# --------------------------------------------------------------------------------------------------
def mkm180() -> dict[str, np.ndarray]:
    """Moser, Kim & Mansour (1999) Re_τ = 178.12 mean profile (``data/chan180_means.json``):
    ``y`` (δ), ``yplus``, ``uplus`` over the half channel."""
    text = resources.files("mdbench.systems.channel").joinpath("data", "chan180_means.json").read_text()
    d = json.loads(text)
    return {"y": np.asarray(d["y"]), "yplus": np.asarray(d["y+"]), "uplus": np.asarray(d["Umean"])}


MKM_RE_TAU = 178.12


def mkm_bulk_uplus() -> float:
    """U_b⁺ = ∫₀¹ U⁺ dy of MKM (trapezoid, ≈ 15.68)."""
    m = mkm180()
    return float(np.trapezoid(m["uplus"], m["y"]))


def mkm_profile_on(y: np.ndarray) -> np.ndarray:
    """MKM mean velocity in U_b units (U⁺/U_b⁺) at heights y ∈ [0, 2] (δ), mirrored about y = 1."""
    m = mkm180()
    yy = np.minimum(y, 2 - y)
    return np.interp(yy, m["y"], m["uplus"]) / mkm_bulk_uplus()


def wall_units(profile: np.ndarray, y: np.ndarray, nu: float) -> dict[str, np.ndarray | float]:
    """Half-channel (both halves averaged) y⁺, U⁺ and Re_τ of a mean profile on the y centres."""
    ny = len(y)
    half = 0.5 * (profile[: ny // 2] + profile[::-1][: ny // 2])
    u_tau = math.sqrt(nu * half[0] / y[0])
    return {"yplus": y[: ny // 2] * u_tau / nu, "uplus": half / u_tau, "u_tau": u_tau, "re_tau": u_tau / nu}
