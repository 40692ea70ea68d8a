"""channel/a-priori and channel/a-posteriori end to end on the tiny config; the MLP's patch and
two-set bookkeeping; the closure cost against Smagorinsky (pytest-benchmark)."""

from __future__ import annotations

import math
import time

import pytest
import torch

from baselines.channel.models import MLPClosure, PatchMLP, merge_sets, patches, two_sets
from helpers import score_entry, task_data
from mdbench.cli import main
from mdbench.systems.channel import closures
from mdbench.systems.channel.physics import Channel, Grid
from mdbench.systems.channel.task import tau_of, velocities


@pytest.fixture
def tiny(generate_once):
    generate_once("channel")
    return task_data("channel/a-priori")


def test_references_score_as_they_must(tiny):
    task, data = tiny
    exact = score_entry(task, data, "filtered-dns")
    assert exact["corr_uv_outer"].value == pytest.approx(1.0) and exact["relative_mse"].value == pytest.approx(0.0)
    assert exact["dissipation_ratio"].value == pytest.approx(1.0)
    none = score_entry(task, data, "no-model")
    assert none["relative_mse"].value == pytest.approx(1.0) and none["corr_mean"].value == 0.0
    assert none["dissipation_ratio"].value == 0.0


def test_smagorinsky_is_purely_dissipative(tiny):
    task, data = tiny
    s = score_entry(task, data, "smagorinsky")
    # ε = 2 ν_t S_ij S_ij ≥ 0 for an eddy viscosity: no backscatter, positive mean dissipation
    assert s["backscatter_fraction"].value == 0.0 and s["dissipation_ratio"].value > 0


def test_two_staggered_sets_merge_back_to_the_fluxes(tiny):
    _, data = tiny
    tau = tau_of(data.train)
    ny = data.train.sizes["y"]
    sets, mask = two_sets(tau, ny)
    assert sets.shape[-1] == 18 and float(mask.sum()) < mask.numel()  # τ_vv above the top cell is missing
    merged = merge_sets(sets)
    for k, t in tau.items():
        torch.testing.assert_close(merged[k], t, rtol=0, atol=1e-15)


def test_patches_hold_the_neighbourhood_and_no_slip_ghosts(tiny):
    _, data = tiny
    u, v, w = velocities(data.train)
    p = patches(u, v, w).reshape(*u.shape, 3, 5, 5, 5)
    torch.testing.assert_close(p[..., 0, 2, 2, 2], u)  # patch centre = the cell's own u
    torch.testing.assert_close(p[:, 3, :, :, 0, 1, 2, 2], u[:, 2])  # one cell back in x
    torch.testing.assert_close(p[:, 0, :, :, 0, 1, 2, 2], u[:, -1])  # … periodic
    # below the wall: u ghost = −u[0] (u = 0 on the wall); v ghost below the wall face = −v[1]
    torch.testing.assert_close(p[:, :, 0, :, 0, 2, 1, 2], -u[:, :, 0])
    torch.testing.assert_close(p[:, :, 0, :, 1, 2, 1, 2], -v[:, :, 1])


def test_mlp_runs_both_tasks_through_the_cli(tiny, capsys):
    for task in ("channel/a-priori", "channel/a-posteriori"):
        assert main(["run", task, "--model", "mlp", "--config", "tiny"]) == 0
    assert main(["run", "channel/a-posteriori", "--model", "no-model", "--config", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "survival_time" in out and "corr_uv_outer" in out


def test_les_closure_is_called_inside_the_solver():
    """A closure that returns −(advective flux) cancels advection: the LES then only diffuses."""
    grid = Grid(8, 12, 8, 2 * math.pi, math.pi, 1.6)
    free, cancelled = Channel(grid, 2800.0), Channel(grid, 2800.0)
    free.initialise(5)
    cancelled.closure = lambda u, v, w: {k: -f for k, f in cancelled.ops.advective_fluxes(u, v, w).items()}
    cancelled.set_state(free.u, free.v, free.w)
    viscous = Channel(grid, 2800.0)
    viscous.set_state(free.u, free.v, free.w)
    viscous.ops.advective_fluxes = lambda u, v, w: {k: torch.zeros_like(f) for k, f in
                                                     Channel(grid, 1.0).ops.advective_fluxes(u, v, w).items()}
    cancelled.run(3, 0.05)
    viscous.run(3, 0.05)
    torch.testing.assert_close(cancelled.u, viscous.u, rtol=0, atol=1e-12)


@pytest.mark.benchmark(group="channel closure cost")
def test_mlp_closure_cost_per_cell_relative_to_smagorinsky(benchmark):
    """Time per LES cell of the paper's MLP closure ÷ Smagorinsky's on the `small` LES grid (16×64×16),
    both in this process.  The paper: the network was slower than Smagorinsky even after a 60× C++/MKL
    speed-up; 375 × 64 multiply-adds per cell against Smagorinsky’s ~10² flops make it so here too
    (evaluated as a 3-D convolution: measured ≈ 20× on one core; the issue’s goal of ≤ 3× is not met)."""
    grid = Grid(16, 64, 16, 2 * math.pi, math.pi, 1.6)
    ch = Channel(grid, 2800.0)
    ch.initialise(0)
    smag = closures.Smagorinsky(ch.ops, ch.nu)
    torch.manual_seed(0)
    mlp = MLPClosure(PatchMLP().eval(), ch.ops)
    fields = (ch.u, ch.v, ch.w)
    with torch.no_grad():
        smag(*fields), mlp(*fields)
        yard = min(_timed(lambda: smag(*fields)) for _ in range(5))
        benchmark.pedantic(lambda: mlp(*fields), rounds=5, iterations=1)
    ratio = benchmark.stats.stats.min / yard
    benchmark.extra_info["smagorinsky_seconds"] = yard
    benchmark.extra_info["ratio"] = ratio
    print(f"MLP closure / Smagorinsky, per cell: {ratio:.2f}")
    assert ratio > 1


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_convolutional_evaluation_equals_the_patch_network(tiny):
    _, data = tiny
    u, v, w = velocities(data.train)
    torch.manual_seed(1)
    net = PatchMLP().eval()
    with torch.no_grad():
        net.x_mean.normal_()
        net.x_std.uniform_(0.5, 2)
        from mdbench.systems.channel.task import les_grid
        from mdbench.systems.channel.physics import Ops

        closure = MLPClosure(net, Ops(les_grid(data.train)))
        direct = net(closure.features(u, v, w))
        torch.testing.assert_close(closure.convolved(u, v, w), direct, rtol=1e-4, atol=1e-4)
