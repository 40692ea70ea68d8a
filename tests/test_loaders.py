"""Loaders: torch windows and the Hugging Face export."""

from __future__ import annotations

import datasets
import numpy as np
import pytest
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


def test_hf_export_keeps_values_shapes_and_units(two_replicas):
    hf = to_hf(two_replicas)
    assert hf.num_rows == 2
    assert hf.features["x"].length == 10
    np.testing.assert_array_equal(np.asarray(hf[1]["x"]), two_replicas["x"].values[1])
    assert '"units": "time"' in hf.info.description


def test_export_cli_round_trip(tiny_four_well, tmp_path):
    out = tmp_path / "hf"
    assert main(["data", "export", "four-well", "--config", "tiny", "--split", "val", "--out", str(out)]) == 0
    hf = datasets.load_from_disk(str(out))
    ds = mdbench.load("four-well", "tiny", "val")
    np.testing.assert_array_equal(np.asarray(hf[0]["x"], dtype=np.float32), ds["x"].values[0])
