"""Slow: the paper's qualitative claim on the default config (run with `make test-slow`).

Sidky, Chen & Ferguson (2020) §3.1: the MDN propagator reproduces the stationary distribution and
the slowest implied timescale of the four-well system.  Here: on `small`, the MDN's t₁ lies
within 3 standard errors of the exact value and its free-energy RMSE is within 3 standard errors
of the statistical floor set by the exact-propagator reference of the same length.
"""

from __future__ import annotations

import json

import pytest

from mdbench.cli import main


@pytest.mark.slow
def test_mdn_reproduces_the_exact_stationary_density_and_t1(tmp_path):
    assert main(["run", "four-well/propagator", "--model", "mdn", "--config", "small", "--quiet",
                 "--no-leaderboard", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    mdn = results["entries"]["mdn"]["metrics"]
    floor = results["entries"]["exact-propagator"]["metrics"]
    t1_exact = results["targets"]["timescales_binned"][0]
    assert abs(mdn["t1"]["value"] - t1_exact) < 3 * mdn["t1"]["stderr"] + 0.01 * t1_exact
    fe, fe_floor = mdn["free_energy_rmse"], floor["free_energy_rmse"]
    assert fe["value"] < fe_floor["value"] + 3 * (fe["stderr"] + fe_floor["stderr"])
