"""Subgrid closures on the staggered LES grid, and the quantities every closure is judged by.

A closure is one function ``(u, v, w) → {(i, j): τ_ij}`` (torch tensors on the LES grid, fluxes at
``physics.LOCATIONS``, U_b² units), so the same callable is scored a priori and runs inside
:class:`~mdbench.systems.channel.physics.Channel` a posteriori.
"""

from __future__ import annotations

import numpy as np
import torch

from mdbench.systems.channel.physics import LOCATIONS, Ops, X, Z

#: van Driest damping constant A⁺
VAN_DRIEST_A = 26.0


def to_centres(a: torch.Tensor, loc: tuple[str, str, str]) -> torch.Tensor:
    """A quantity at a staggered location averaged to the cell centres (x, y, z)."""
    if loc[0] == "xh":
        a = Ops.to_c(a, X)
    if loc[1] == "yh":
        a = 0.5 * (a[..., 1:, :] + a[..., :-1, :])
    if loc[2] == "zh":
        a = Ops.to_c(a, Z)
    return a


def from_centres(a: torch.Tensor, loc: tuple[str, str, str]) -> torch.Tensor:
    """A centre quantity interpolated to a staggered location (0 on the wall faces)."""
    if loc[0] == "xh":
        a = Ops.to_f(a, X)
    if loc[1] == "yh":
        a = Ops.pad_y(0.5 * (a[..., 1:, :] + a[..., :-1, :]))
    if loc[2] == "zh":
        a = Ops.to_f(a, Z)
    return a


def deviatoric(tau: dict) -> dict:
    """τ with its trace removed from the diagonal (the trace acts as a pressure and is not modelled)."""
    trace = (tau[0, 0] + tau[1, 1] + tau[2, 2]) / 3.0
    return {k: (v - trace if k[0] == k[1] else v) for k, v in tau.items()}


def dissipation(ops: Ops, u, v, w, tau: dict) -> torch.Tensor:
    """Subgrid dissipation ε_sgs = −τ_ij S_ij (U_b³/δ) at the cell centres, from the deviatoric τ and
    the resolved strain of the LES field; ε < 0 is backscatter."""
    S = ops.strain(u, v, w)
    dev = deviatoric(tau)
    return -sum(to_centres(dev[k] * S[k], LOCATIONS[k]) for k in LOCATIONS)


def strain_magnitude(ops: Ops, S: dict) -> torch.Tensor:
    """|S| = √(2 S_ij S_ij) at the cell centres (1/time)."""
    return torch.sqrt(2 * sum(to_centres(S[k] ** 2, LOCATIONS[k]) for k in LOCATIONS))


def friction_velocity(ops: Ops, u, nu: float) -> torch.Tensor:
    """u_τ = √(ν ∂⟨u⟩/∂y) at the walls, both walls averaged, from the resolved field (U_b); shaped
    [..., 1, 1, 1] to broadcast against a (batch of) field(s)."""
    y = ops.grid.y
    mean = u.mean(dim=(X, Z))
    shear = nu * 0.5 * (mean[..., 0] / y[0] + mean[..., -1] / (2 - y[-1]))
    return torch.sqrt(shear.clamp(min=0))[..., None, None, None]


class Smagorinsky:
    """Smagorinsky (1963) eddy viscosity with van Driest (1956) wall damping, as MicroHH's ``diff_smag2``:
    ν_t = (C_s f Δ)² |S| at the centres, f = 1 − exp(−y⁺/A⁺), Δ = (Δx Δy Δz)^⅓, interpolated to the flux
    locations; τ_ij = −2 ν_t S_ij.

    Parameters
    ----------
    ops
        Operators of the LES grid.
    nu
        Molecular viscosity (δ U_b).
    cs
        Smagorinsky constant C_s (1).
    """

    def __init__(self, ops: Ops, nu: float, cs: float = 0.1):
        self.ops, self.nu, self.cs = ops, nu, cs
        g = ops.grid
        delta = np.cbrt(g.dx * g.dy * g.dz)
        self.delta = torch.as_tensor(delta, dtype=ops.dtype, device=ops.device)[:, None]
        self.wall_distance = torch.as_tensor(np.minimum(g.y, 2 - g.y), dtype=ops.dtype, device=ops.device)[:, None]

    def eddy_viscosity(self, u, v, w) -> tuple[torch.Tensor, dict]:
        S = self.ops.strain(u, v, w)
        u_tau = friction_velocity(self.ops, u, self.nu)
        damping = 1 - torch.exp(-self.wall_distance * u_tau / self.nu / VAN_DRIEST_A)
        return (self.cs * damping * self.delta) ** 2 * strain_magnitude(self.ops, S), S

    def __call__(self, u, v, w) -> dict:
        nut, S = self.eddy_viscosity(u, v, w)
        return {k: -2 * from_centres(nut, LOCATIONS[k]) * S[k] for k in LOCATIONS}
