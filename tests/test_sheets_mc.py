"""The EDNN-driven Monte Carlo: local tile updates are exact, g(r) is right on a known lattice."""

from __future__ import annotations

import math

import numpy as np
import pytest

from baselines.sheets.mc import LocalEDNN, gr_2d, speedup, tersoff_chain
from baselines.sheets.scale import model
from mdbench.systems.sheets import physics


def test_a_local_move_changes_the_energy_exactly_as_a_whole_sheet_re_evaluation():
    m = model()
    for sheet in (physics.graphene_sheet(), physics.graphene_sheet((15, 9))):
        out = speedup(m, sheet, moves=10)
        assert out["delta_e_local_ev"] == pytest.approx(out["delta_e_full_ev"], abs=1e-5)
        assert abs(out["delta_e_full_ev"]) > 1e-7
    # on the 540-atom cell a move touches a few of its 144 tiles
    local = LocalEDNN(m, physics.graphene_sheet((15, 9)))
    assert len(local.touched(local.xy[:1])) <= 16 < int(np.prod(local.nt))


def test_gr_of_perfect_graphene_peaks_at_the_bond_lengths():
    sheet = physics.graphene_sheet()
    r, g = gr_2d(sheet.positions[None], sheet.cell)
    a = physics.LATTICE_CONSTANT
    # the two highest bins are the first shells, a/√3 (3 neighbours) and a (6); nothing below a/√3
    peaks = np.sort(r[np.argsort(g)[-2:]])
    np.testing.assert_allclose(peaks, [a / math.sqrt(3), a], atol=0.05)
    assert np.all(g[r < a / math.sqrt(3) - 0.05] == 0)
    # coordination numbers: ρ ∫ g 2πr dr = 3 up to 2 Å and 3 + 6 = 9 up to 2.7 Å
    rho = 60 / (sheet.cell[0] * sheet.cell[1])
    count = np.cumsum(rho * g * 2 * math.pi * r * (r[1] - r[0]))
    assert count[np.searchsorted(r, 2.0)] == pytest.approx(3.0, abs=1e-9)
    assert count[np.searchsorted(r, 2.7)] == pytest.approx(9.0, abs=1e-9)


def test_tersoff_metropolis_at_low_temperature_stays_near_the_lattice():
    sheet = physics.graphene_sheet()
    frames, acc = tersoff_chain(sheet, temperature=100.0, sweeps=3, equilibration=1, step=0.05, seed=0)
    assert 0.05 < acc < 1.0 and frames.shape == (3, 60, 2)
    d = frames[-1] - sheet.positions[:, :2]
    d -= np.round(d / sheet.cell) * sheet.cell
    assert np.abs(d).max() < 0.5
