"""Loaders: torch windows and the Hugging Face export."""

from __future__ import annotations

import time

import datasets
import numpy as np
import pytest
import torch
import xarray as xr

import mdbench
from mdbench.cli import main
from mdbench.data.hf import to_hf
from mdbench.data.torch import HistoryLeadWindows, TimeLaggedPairs


@pytest.fixture
def two_replicas() -> xr.Dataset:
    x = np.stack([np.arange(10.0), 100 + np.arange(10.0)]).astype(np.float32)
    return xr.Dataset({"x": (("replica", "time"), x, {"units": "1"})},
                      coords={"time": ("time", np.arange(10) * 0.5, {"units": "time"})})


def test_lagged_pairs_never_cross_replicas(two_replicas):
    pairs = TimeLaggedPairs(two_replicas, "x", lag=3)
    assert len(pairs) == 2 * 7
    for i in range(len(pairs)):
        a, b = pairs[i]
        assert float(b - a) == 3.0


def test_history_lead_windows(two_replicas):
    windows = HistoryLeadWindows(two_replicas, "x", history=4, lead=2)
    assert len(windows) == 2 * (10 - 3 - 2)
    hist, target = windows[0]
    np.testing.assert_array_equal(hist.numpy(), [0, 1, 2, 3])
    assert float(target) == 5.0
    hist, target = windows[len(windows) - 1]
    np.testing.assert_array_equal(hist.numpy(), [104, 105, 106, 107])
    assert float(target) == 109.0


def test_batches_hold_the_same_windows_as_the_items(two_replicas):
    windows = HistoryLeadWindows(two_replicas, "x", history=3, lead=2)
    items = {(tuple(h.tolist()), float(t)) for h, t in (windows[i] for i in range(len(windows)))}
    seen = []
    for x, y in windows.batches(4, shuffle=True, seed=1):
        assert x.shape[1:] == (3,) and x.dtype == torch.float32 and len(x) == len(y) <= 4
        seen += [(tuple(h.tolist()), float(t)) for h, t in zip(x, y)]
    assert len(seen) == len(windows) and set(seen) == items  # every window once, none across replicas
    again = [x for x, _ in windows.batches(4, shuffle=True, seed=1)]
    assert all(torch.equal(a, b) for a, b in zip(again, (x for x, _ in windows.batches(4, shuffle=True, seed=1))))
    assert sum(len(x) for x, _ in windows.batches(4, drop_last=True)) == len(windows) - len(windows) % 4


def test_a_batch_sampler_fetches_whole_batches(two_replicas):
    pairs = TimeLaggedPairs(two_replicas, "x", lag=3)
    x, y = pairs[[0, 5, -1]]
    torch.testing.assert_close(y - x, torch.full((3,), 3.0))
    assert float(x[2]) == float(pairs[len(pairs) - 1][0])
    loader = torch.utils.data.DataLoader(pairs, batch_size=None, sampler=torch.utils.data.BatchSampler(
        torch.utils.data.SequentialSampler(pairs), batch_size=5, drop_last=False))
    batches = list(loader)
    assert [len(x) for x, _ in batches] == [5, 5, 4]
    torch.testing.assert_close(torch.cat([x for x, _ in batches]), torch.stack([pairs[i][0] for i in range(len(pairs))]))
    with pytest.raises(IndexError):
        pairs[[0, len(pairs)]]


@pytest.mark.benchmark(group="torch loaders")
def test_batched_pairs_are_ten_times_faster_than_per_item(benchmark):
    """One epoch of scalar pairs at batch 1024: the per-item Dataset through a DataLoader (the yardstick,
    timed once in this process) against :meth:`TimeLaggedPairs.batches`, over the same 20 000 pairs."""
    x = np.random.default_rng(0).standard_normal((1, 20_010)).astype(np.float32)
    pairs = TimeLaggedPairs(xr.Dataset({"x": (("replica", "time"), x, {"units": "1"})}), "x", lag=10)
    assert len(pairs) == 20_000
    loader = torch.utils.data.DataLoader(pairs, batch_size=1024, shuffle=True)
    start = time.perf_counter()
    per_item = sum(len(xb) for xb, _ in loader)
    yard = time.perf_counter() - start

    def epoch():
        return sum(len(xb) for xb, _ in pairs.batches(1024, shuffle=True, seed=0))

    assert benchmark.pedantic(epoch, rounds=5, iterations=1) == per_item == len(pairs)
    ratio = yard / benchmark.stats.stats.min
    benchmark.extra_info.update(per_item_seconds=yard, speedup=ratio)
    print(f"per-item epoch {yard:.3f} s, batched {benchmark.stats.stats.min:.4f} s: {ratio:.0f}x")
    assert ratio >= 10


def test_hf_export_keeps_values_shapes_and_units(two_replicas):
    hf = to_hf(two_replicas)
    assert hf.num_rows == 2
    assert hf.features["x"].length == 10
    np.testing.assert_array_equal(np.asarray(hf[1]["x"]), two_replicas["x"].values[1])
    assert "| `time` | time (10) | float64 | time |" in hf.info.description  # units of every feature
    assert "| `x` | time (10) | float32 | 1 |" in hf.info.description


def test_hf_export_without_a_replica_dimension_uses_the_first_dimension():
    ds = xr.Dataset({"e": (("sample",), np.arange(4.0), {"units": "J"}),
                     "s": (("sample", "site"), np.ones((4, 3), np.int8))},
                    coords={"site": ("site", np.array(["a", "b", "c"]))})
    hf = to_hf(ds)
    assert hf.num_rows == 4 and hf.features["s"].length == 3 and hf.features["s"].feature.dtype == "int8"
    assert hf[2]["site"] == ["a", "b", "c"] and hf[2]["e"] == 2.0


def test_export_cli_round_trip(tiny_four_well, tmp_path):
    out = tmp_path / "hf"
    assert main(["data", "export", "four-well", "--config", "tiny", "--split", "val", "--out", str(out)]) == 0
    hf = datasets.load_from_disk(str(out))
    ds = mdbench.load("four-well", "tiny", "val")
    np.testing.assert_array_equal(np.asarray(hf[0]["x"], dtype=np.float32), ds["x"].values[0])
