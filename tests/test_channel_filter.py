"""The LES filter and the exact subgrid fluxes (mdbench.systems.channel.filtering), and the channel
dataset's layout: time-block splits, pure shards, restart files."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mdbench
from mdbench.systems.channel import filtering, run
from mdbench.systems.channel.dataset import CHANNEL
from mdbench.systems.channel.physics import Channel, Grid, Ops

R = 4


def _flow(stretch: float, seed: int = 0) -> Channel:
    ch = Channel(Grid(16, 12, 8, 2 * math.pi, math.pi, stretch), 2800.0)
    ch.initialise(seed, amplitude=0.3)
    return ch


def _fluxes(ch: Channel):
    coarse = Ops(ch.grid.coarsen(R))
    return filtering.subgrid_fluxes(ch.ops, coarse, ch.u, ch.v, ch.w, R)


def test_top_hat_keeps_constants_and_removes_the_mode_of_its_width():
    n = 16
    x = torch.arange(n, dtype=torch.float64)[:, None, None].expand(n, 3, n)
    for xloc in ("x", "xh"):
        const = filtering.filter_to(torch.full((n, 3, n), 2.5, dtype=torch.float64), xloc, "z", R)
        assert torch.allclose(const, torch.full_like(const, 2.5))
        # sin with a wavelength of exactly R cells averages to zero over any window of R cells
        wave = torch.sin(2 * math.pi * (x + (0.5 if xloc == "x" else 0.0)) / R)
        assert float(filtering.filter_to(wave, xloc, "z", R).abs().max()) < 1e-13
        # a wavelength of 4R cells is damped by the top-hat transfer function sin(kΔ/2)/(kΔ/2)
        k = 2 * math.pi / (4 * R)
        long = torch.sin(k * (x + (0.5 if xloc == "x" else 0.0)))
        at = np.arange(0, n, R) + (R / 2 if xloc == "x" else 0)  # LES locations in DNS face units
        got = filtering.filter_to(long, xloc, "z", R)[:, 0, 0].numpy()
        gain = np.sin(k * R / 2) / (k * R / 2)  # continuous top-hat: 2√2/π ≈ 0.900
        np.testing.assert_allclose(got, gain * np.sin(k * at), atol=0.02)


def test_subgrid_fluxes_vanish_for_a_horizontally_uniform_flow():
    ch = _flow(1.6)
    g = torch.Generator().manual_seed(2)
    u = torch.randn(ch.grid.ny, generator=g, dtype=torch.float64)[None, :, None].expand_as(ch.u).clone()
    w = torch.randn(ch.grid.ny, generator=g, dtype=torch.float64)[None, :, None].expand_as(ch.w).clone()
    ch.set_state(u, torch.zeros_like(ch.v), w)
    (cu, cv, cw), tau = _fluxes(ch)
    assert torch.allclose(cu[:, :, 0], u[:R, :, 0].mean(0).expand_as(cu[:, :, 0]))
    assert max(float(t.abs().max()) for t in tau.values()) < 1e-14


def test_subgrid_fluxes_are_symmetric_on_a_uniform_grid_and_nonzero_for_turbulence_like_flow():
    ch = _flow(0.0, seed=4)
    _, tau = _fluxes(ch)
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        assert torch.allclose(tau[i, j], tau[j, i], atol=1e-14, rtol=0)
    assert float(tau[0, 1].abs().max()) > 1e-3
    # the wall faces carry no flux (v = 0 there)
    assert float(tau[0, 1][:, 0].abs().max()) == 0 and float(tau[0, 1][:, -1].abs().max()) == 0


def test_splits_are_consecutive_time_blocks_separated_by_a_gap():
    cfg = CHANNEL.config("small")
    numbers = {s: [CHANNEL.snapshot_number(cfg, sh) for sh in CHANNEL.shards(cfg) if sh.split == s]
               for s in ("train", "val", "test")}
    assert max(numbers["train"]) + 1 + cfg["split_gap"] == min(numbers["val"])
    assert max(numbers["val"]) + 1 + cfg["split_gap"] == min(numbers["test"])
    # snapshots are at least one eddy turnover δ/u_τ apart (MKM: U_b⁺ = 15.68, so δ/u_τ = 15.68 δ/U_b)
    assert cfg["snapshot_interval"] >= 15.68 * 0.99 * 1.0 and cfg["snapshot_interval"] * cfg["split_gap"] > 0
    total = sum(len(v) for v in numbers.values())
    # the shards' work adds up to the whole run, spin-up and gaps included (progress and ETA are honest)
    last = run.snapshot_step(cfg, total - 1 + 2 * cfg["split_gap"])
    assert sum(CHANNEL.work(cfg, sh) for sh in CHANNEL.shards(cfg)) == last == (
        round(cfg["spinup_time"] / cfg["dt"]) + (total - 1 + 2 * cfg["split_gap"]) * round(cfg["snapshot_interval"] / cfg["dt"]))


@pytest.fixture(scope="module")
def tiny_channel(generate_once):
    return generate_once("channel")


def test_tiny_dataset_fields_units_and_time_order(tiny_channel):
    cfg = CHANNEL.config("tiny")
    times = {}
    for split in ("train", "val", "test"):
        ds = mdbench.load("channel", "tiny", split)
        assert ds.sizes["snapshot"] == cfg[f"{split}_snapshots"]
        assert ds["u"].dims == ("snapshot", "xh", "y", "z") and ds["tau_uv"].dims == ("snapshot", "xh", "yh", "z")
        assert ds["u"].attrs["units"] == "U_b" and ds["tau_uv"].attrs["units"] == "U_b^2"
        assert ds.sizes["xh"] == cfg["nx"] // cfg["coarsening"] and ds.sizes["yh"] == cfg["ny"] + 1
        assert np.all(ds["yhplus"].values[:, 0] == 0) and np.all(ds["yplus"].values > 0)
        times[split] = ds["time"].values
    assert times["train"].max() < times["val"].min() <= times["val"].max() < times["test"].min()


def test_shards_are_pure_with_or_without_restart_files(tmp_path, monkeypatch):
    cfg = CHANNEL.config("tiny")
    shard = [s for s in CHANNEL.shards(cfg) if s.split == "val"][0]
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "a"))
    direct = CHANNEL.generate_shard(cfg, shard)  # from the initial state, no restart files
    assert sorted(p.name for p in run.restart_dir(cfg).glob("s*.npz"))
    again = CHANNEL.generate_shard(cfg, shard)  # resumed from its own restart file
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "b"))
    first = [s for s in CHANNEL.shards(cfg) if s.split == "train"][0]
    CHANNEL.generate_shard(cfg, first)  # leaves a restart file earlier on the run
    resumed = CHANNEL.generate_shard(cfg, shard)
    for ds in (again, resumed):
        for name in direct.data_vars:
            np.testing.assert_array_equal(ds[name].values, direct[name].values)


def test_a_dns_that_blows_up_is_one_error_from_the_child_process(tmp_path, monkeypatch):
    """The DNS runs in a child process (MKL's CPU-independent branch); a run that blows up comes back as a
    FloatingPointError in the parent, and a custom config reaches the child intact."""
    import dataclasses

    from mdbench.core.params import Param

    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    cfg = CHANNEL.config("tiny")
    dt = cfg.params["dt"]
    unstable = dataclasses.replace(cfg, params={**cfg.params, "dt": Param(0.5, dt.units, dt.description)})  # CFL ≈ 2
    with pytest.raises(FloatingPointError, match="blew up"):
        run.flow_at(unstable, 40, progress=False)
    assert run.restart_dir(unstable) != run.restart_dir(cfg)  # its own restart files, never the stable run's
