"""The channel solver (mdbench.systems.channel.physics): projection, second-order operators, energy
conservation, constant mass flux; and (slow) the Re_τ = 180 DNS against Moser, Kim & Mansour (1999)."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch

from mdbench.systems.channel import physics
from mdbench.systems.channel.physics import Channel, Grid, Ops

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
#: the user's dataset cache, read before the tests isolate it: the slow test reuses its restart files
USER_HOME = os.environ.get("MDBENCH_HOME")


def _random_flow(grid: Grid, seed: int = 0) -> Channel:
    ch = Channel(grid, 2800.0)
    ch.initialise(seed, amplitude=0.3)
    return ch


@pytest.mark.parametrize("stretch", [0.0, 1.8])
def test_projection_is_divergence_free_to_round_off(stretch):
    grid = Grid(12, 10, 8, 2 * math.pi, math.pi, stretch)
    ops = Ops(grid)
    g = torch.Generator().manual_seed(1)
    u, w = torch.randn(12, 10, 8, generator=g, dtype=torch.float64), torch.randn(12, 10, 8, generator=g,
                                                                                   dtype=torch.float64)
    v = ops.pad_y(torch.randn(12, 9, 8, generator=g, dtype=torch.float64))
    assert ops.divergence(u, v, w).abs().max() > 1.0
    pu, pv, pw, _ = ops.project(u, v, w)
    assert ops.divergence(pu, pv, pw).abs().max() < 1e-11
    assert pv[:, 0].abs().max() == 0 and pv[:, -1].abs().max() == 0  # no flow through the walls
    # a projection: applying it again changes nothing
    qu, qv, qw, _ = ops.project(pu, pv, pw)
    assert max(float((qu - pu).abs().max()), float((qv - pv).abs().max()), float((qw - pw).abs().max())) < 1e-11


def _analytic(n: int, plane: str):
    """Discrete minus analytic advection and Laplacian of the divergence-free, no-slip field
    u_h = sin(h) sin(πy), v = −cos(h)(1 − cos πy)/π in the (h, y) plane, h = x or z (max norm)."""
    grid = Grid(n if plane == "x" else 2, n, n if plane == "z" else 2, 2 * math.pi, 2 * math.pi, 1.6)
    ops, c = Ops(grid), grid.coords()
    hh, hc = (c["xh"], c["x"]) if plane == "x" else (c["zh"], c["z"])
    y, yh = c["y"], c["yh"]

    def field(h, yy):
        return np.sin(h)[:, None] * np.sin(np.pi * yy)[None, :]

    def vfield(h, yy):
        return -np.cos(h)[:, None] * (1 - np.cos(np.pi * yy))[None, :] / np.pi

    def shape(a):  # (h, y) → [x, y, z]
        a = torch.as_tensor(a)
        return a[:, :, None].expand(-1, -1, 2) if plane == "x" else a.T[None, :, :].expand(2, -1, -1).contiguous()

    uh, v = shape(field(hh, y)), shape(vfield(hc, yh))
    zero = torch.zeros_like(uh)
    fields = (uh, v, zero) if plane == "x" else (zero, v, uh)
    tu, tv, tw = ops.flux_divergence(ops.advective_fluxes(*fields))
    lu, lv, lw = ops.laplacian(*fields)
    th, lh = (tu, lu) if plane == "x" else (tw, lw)
    s, cy = np.sin(np.pi * y), np.cos(np.pi * y)
    adv_h = np.sin(hh)[:, None] * np.cos(hh)[:, None] * (s ** 2 - (1 - cy) * cy)[None, :]
    sh, ch_ = np.sin(np.pi * yh), np.cos(np.pi * yh)
    adv_v = np.ones_like(hc)[:, None] * (sh * (1 - ch_) / np.pi)[None, :]
    lap_h = -(1 + np.pi ** 2) * field(hh, y)
    lap_v = np.cos(hc)[:, None] * ((1 - ch_) / np.pi - np.pi * ch_)[None, :]
    inner = slice(1, -1)  # v is prescribed (0) on the walls
    return max(
        float((th - shape(-adv_h)).abs().max()), float((tv - shape(-adv_v))[:, inner].abs().max()
                                                      if plane == "x" else (tv - shape(-adv_v))[:, inner].abs().max()),
    ), max(float((lh - shape(lap_h)).abs().max()), float((lv - shape(lap_v))[:, inner].abs().max()))


@pytest.mark.parametrize("plane", ["x", "z"])
def test_operators_converge_at_second_order(plane):
    errors = [_analytic(n, plane) for n in (32, 64, 128)]
    for k in range(2):  # advection, Laplacian
        e = [err[k] for err in errors]
        ratios = [e[i] / e[i + 1] for i in range(2)]
        assert all(3.4 < r < 4.6 for r in ratios), (plane, k, e, ratios)


def test_advection_conserves_kinetic_energy_on_the_stretched_grid():
    ch = _random_flow(Grid(12, 16, 10, 2 * math.pi, math.pi, 1.8))
    o = ch.ops
    assert float(o.divergence(ch.u, ch.v, ch.w).abs().max()) < 1e-11
    ut, vt, wt = o.flux_divergence(o.advective_fluxes(ch.u, ch.v, ch.w))
    work = (ch.u * ut * o.dy).sum() + (ch.w * wt * o.dy).sum() + (ch.v[:, 1:-1] * vt[:, 1:-1] * o.dyh_in).sum()
    scale = float((ch.u.abs() * ut.abs() * o.dy).sum())
    assert abs(float(work)) < 1e-12 * scale
    # an inviscid RK3 run: only the (4th-order in dt) time-integration error changes the energy
    inviscid = Channel(ch.grid, math.inf)
    inviscid.set_state(ch.u, ch.v, ch.w)
    e0 = inviscid.kinetic_energy()
    inviscid.run(10, 0.01)
    assert abs(inviscid.kinetic_energy() - e0) < 1e-6 * e0
    # … whereas viscosity removes energy
    ch.run(10, 0.01)
    assert ch.kinetic_energy() < e0 * (1 - 1e-5)


def test_constant_mass_flux_is_held_and_flow_stays_divergence_free():
    ch = _random_flow(Grid(8, 12, 8, 2 * math.pi, math.pi, 1.6), seed=3)
    ch.run(5, 0.05)
    assert abs(float(ch.ops.bulk(ch.u)) - 1.0) < 1e-12
    assert float(ch.ops.divergence(ch.u, ch.v, ch.w).abs().max()) < 1e-11
    assert ch.forcing > 0  # the mean pressure gradient drives the flow against wall friction


def test_laminar_poiseuille_converges_at_second_order():
    """Steady laminar flow at U_b = 1: exact u = 1.5 y(2 − y).  The discrete steady state of the
    solver's own viscous operator (ν ∇²u = −f, f fixed by the bulk velocity) converges at second
    order on the stretched grid."""
    errors = []
    for n in (8, 16, 32, 64):
        grid = Grid(2, n, 2, 1.0, 1.0, 1.6)
        ops = Ops(grid)
        eye = torch.eye(n, dtype=torch.float64)[:, None, :, None].expand(n, 2, n, 2)  # one unit profile per row
        lap = ops.laplacian(eye, ops.pad_y(torch.zeros(n, 2, n - 1, 2, dtype=torch.float64)), eye)[0][:, 0, :, 0]
        u = np.linalg.solve(lap.numpy().T, -np.ones(n))
        u /= float(np.sum(u * grid.dy) / 2)
        errors.append(np.max(np.abs(u - 1.5 * grid.y * (2 - grid.y))))
    ratios = [errors[i] / errors[i + 1] for i in range(3)]
    assert all(3.5 < r < 4.5 for r in ratios), (errors, ratios)


def test_mkm_reference_profile_is_shipped_and_consistent():
    m = physics.mkm180()
    assert len(m["y"]) == 65 and m["y"][0] == 0 and m["y"][-1] == 1
    # U_b⁺ of the published profile (provenance README: ≈ 15.68) and the viscous sublayer U⁺ = y⁺
    assert abs(physics.mkm_bulk_uplus() - 15.68) < 0.01
    near = (m["yplus"] > 0) & (m["yplus"] < 1)
    assert np.allclose(m["uplus"][near], m["yplus"][near], rtol=0.01)


@pytest.mark.slow
def test_small_dns_matches_moser_kim_mansour_re_tau_180(monkeypatch):
    """The `small` DNS (64³, Re_b = 2800), averaged over its train snapshots: Re_τ, U_b⁺ = √(2/C_f) and
    U⁺(y⁺) against MKM (Re_τ = 178.12, U_b⁺ = 15.68).  Reuses the restart files of `$MDBENCH_HOME`
    (made by `mdbench data generate channel --config small`); without them the run takes ~25 min."""
    from mdbench.systems.channel import run
    from mdbench.systems.channel.dataset import CHANNEL

    if USER_HOME:
        monkeypatch.setenv("MDBENCH_HOME", USER_HOME)
    cfg = CHANNEL.config("small")
    profiles = [run.flow_at(cfg, run.snapshot_step(cfg, n)).mean_profile() for n in range(cfg["train_snapshots"])]
    grid = run.grid_of(cfg)
    wu = physics.wall_units(np.mean(profiles, axis=0), grid.y, 1 / cfg["re_bulk"])
    ub_plus = 1 / wu["u_tau"]
    assert abs(wu["re_tau"] / physics.MKM_RE_TAU - 1) < 0.05, wu["re_tau"]
    assert abs(ub_plus / physics.mkm_bulk_uplus() - 1) < 0.04, ub_plus
    cf, cf_mkm = 2 / ub_plus ** 2, 2 / physics.mkm_bulk_uplus() ** 2
    assert abs(cf / cf_mkm - 1) < 0.08, (cf, cf_mkm)
    m = physics.mkm180()
    ref = np.interp(wu["yplus"], m["yplus"], m["uplus"])
    assert np.max(np.abs(wu["uplus"] / ref - 1)) < 0.05
