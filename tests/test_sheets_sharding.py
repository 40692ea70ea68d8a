"""Streamed EDNN inference sharded over dask workers equals the one-process streamed inference.

Each shard rebuilds only its band of the porous sheet (+ margins) from the seed and sums the
network over its tiles; the reference is the whole sheet built at once and streamed in this
process (:meth:`baselines.sheets.models.EDNNSheets.stream_energy`), an independent code path.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.sheets.models import species_counts
from baselines.sheets.scale import model, porous_of_side, repeats_of_side, sharded_energy
from mdbench.systems.sheets import physics

SIDE = 60.0  # Å: 25 × 15 four-atom cells, 5 rows of 60-atom cells, 1 439 atoms
#: eV per atom: float32 rounding of the tile images
TOL = 1e-8


@pytest.fixture(scope="module")
def reference():
    torch.set_num_threads(1)
    m = model()
    sheet = porous_of_side(SIDE)
    return m, sheet, m.stream_energy(sheet.positions, sheet.numbers, sheet.cell)


def test_rows_of_the_porous_builder_are_the_rows_of_the_whole_sheet():
    reps = repeats_of_side(SIDE)
    whole = physics.porous_sheet_fast(np.random.default_rng(3), reps)
    h = physics.LATTICE_CONSTANT * np.sqrt(3)
    part = physics.porous_sheet_fast(np.random.default_rng(3), reps, rows=(-3, 3))
    # rows −3…−1 are the images of the last three rows, shifted down by the cell height
    top = whole.positions[whole.positions[:, 1] >= (reps[1] - 3) * h - h / 6] - (0, whole.cell[1], 0)
    bottom = whole.positions[whole.positions[:, 1] < 3 * h - h / 6]
    expect = np.concatenate([top, bottom])
    assert part.n_atoms == len(expect)
    np.testing.assert_allclose(np.sort(part.positions[:, 1]), np.sort(expect[:, 1]), atol=1e-9)
    np.testing.assert_allclose(np.sort(part.positions[:, 0]), np.sort(expect[:, 0]), atol=1e-9)


@pytest.mark.parametrize("shards", [1, 2, 5])
def test_sharded_energy_equals_serial_streamed_energy_in_process(reference, shards):
    m, sheet, serial = reference
    out = sharded_energy(repeats_of_side(SIDE), m, shards=shards, progress=False)
    assert out["shards"] == shards
    assert out["atoms"] == sheet.n_atoms
    # float32 tiles rendered in a shifted local box: equal up to float32 rounding of the images
    # (measured: ≤ 8·10⁻⁸ eV on 1 439 atoms)
    assert out["energy_ev"] == pytest.approx(serial, abs=TOL * sheet.n_atoms)
    # and not trivially: the network part of the energy (≈ 48 eV here) is far larger than that tolerance
    assert abs(serial - m.energy_from(0.0, species_counts(sheet.numbers))) > 1e6 * TOL * sheet.n_atoms


def test_sharded_energy_on_a_dask_cluster_equals_serial(reference):
    from dask.distributed import LocalCluster

    m, sheet, serial = reference
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        out = sharded_energy(repeats_of_side(SIDE), m, shards=3, scheduler=cluster.scheduler_address, progress=False)
    assert out["atoms"] == sheet.n_atoms
    assert out["energy_ev"] == pytest.approx(serial, abs=TOL * sheet.n_atoms)
