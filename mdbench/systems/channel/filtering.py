"""Filtering a DNS field to the LES grid, and the exact subgrid fluxes of the discrete LES.

The filter G is a horizontal top-hat: the mean over a window of r DNS cells in x and r in z
(width Δ_x = r Δx_DNS, Δ_z = r Δz_DNS; r = ``coarsening``, even) centred on each LES staggered
location; y is not filtered (the LES keeps the DNS levels).  With r even every LES location (face or
centre) sits on a DNS face, so a DNS centre quantity is averaged over the r centres inside the
window and a DNS face quantity over the r + 1 faces with weight ½ at the two ends (trapezoid rule
of the same window).

The exact subgrid flux of the discrete LES is ``τ_ij = G(F_ij[u]) − F_ij[G(u)]``: the DNS advective
flux of the second-order scheme (``Ops.advective_fluxes``) filtered to the LES flux location, minus
the same scheme's flux computed on the LES grid from the filtered velocities — the flux the LES
misses (it is the paper's τ_ij = filter(u_i u_j) − filter(u_i) filter(u_j) in the scheme's own
interpolation).  It vanishes identically for a flow that is uniform horizontally, and τ_ij = τ_ji
on a uniform y grid (``tests/test_channel_filter.py``).
"""

from __future__ import annotations

import torch

from mdbench.systems.channel.physics import COMPONENTS, FIELD_LOCATIONS, LOCATIONS, Ops, X, Z

DESCRIPTION = ("horizontal top-hat filter of width {r} DNS cells in x and in z, centred on each LES staggered "
               "location (DNS face values weighted 1/2 at the window ends), none in y; "
               "tau_ij = G(F_ij[u]) - F_ij[G(u)] with F_ij the advective fluxes of the 2nd-order scheme")


def _window(a: torch.Tensor, dim: int, r: int, face: bool) -> torch.Tensor:
    """Top-hat mean over r cells centred on every DNS face (fine face units along ``dim``)."""
    h = r // 2
    if face:
        out = 0.5 * (torch.roll(a, h, dim) + torch.roll(a, -h, dim))
        for m in range(-h + 1, h):
            out = out + torch.roll(a, -m, dim)
    else:  # centres p − h … p + h − 1 around face p
        out = torch.zeros_like(a)
        for m in range(-h, h):
            out = out + torch.roll(a, -m, dim)
    return out / r


def filter_to(a: torch.Tensor, xloc: str, zloc: str, r: int) -> torch.Tensor:
    """G(a) sampled on the LES grid; ``xloc``/``zloc`` are ``"x"``/``"xh"`` and ``"z"``/``"zh"``
    (centre or face: the location of ``a`` on the DNS grid and of the result on the LES grid)."""
    out = a
    for dim, loc in ((X, xloc), (Z, zloc)):
        face = loc.endswith("h")
        w = _window(out, dim, r, face)
        start = 0 if face else r // 2  # LES face I at DNS face rI; LES centre I at DNS face rI + r/2
        idx = torch.arange(start, out.shape[dim], r, device=a.device)
        out = torch.index_select(w, dim % w.ndim, idx)
    return out


def filter_velocity(u, v, w, r: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """G(u), G(v), G(w) on the LES grid."""
    return tuple(filter_to(a, FIELD_LOCATIONS[c][0], FIELD_LOCATIONS[c][2], r) for a, c in zip((u, v, w), COMPONENTS))


def subgrid_fluxes(fine: Ops, coarse: Ops, u, v, w, r: int):
    """The LES velocities and the nine exact subgrid fluxes τ_ij at ``LOCATIONS`` (U_b²)."""
    cu, cv, cw = filter_velocity(u, v, w, r)
    F = fine.advective_fluxes(u, v, w)
    Fc = coarse.advective_fluxes(cu, cv, cw)
    tau = {k: filter_to(F[k], LOCATIONS[k][0], LOCATIONS[k][2], r) - Fc[k] for k in LOCATIONS}
    return (cu, cv, cw), tau


def filter_snapshot(fine: Ops, u, v, w, r: int) -> dict:
    """Everything a snapshot stores: LES velocities, τ_ij, and their dims."""
    coarse = Ops(fine.grid.coarsen(r), fine.device, fine.dtype)
    (cu, cv, cw), tau = subgrid_fluxes(fine, coarse, u, v, w, r)
    return {"u": cu, "v": cv, "w": cw, "tau": tau, "dims": FIELD_LOCATIONS, "tau_dims": LOCATIONS}
