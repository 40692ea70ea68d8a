"""The sheets engine (LAMMPS Tersoff), the cell builders and the image renderer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mdbench.systems.sheets import images, physics


def test_paper_cell_has_60_atoms_in_12_50_by_12_99_angstrom():
    sheet = physics.graphene_sheet()
    assert sheet.n_atoms == 60
    assert sheet.cell == pytest.approx((12.50, 12.99), abs=0.005)
    # every atom of pristine graphene has exactly 3 neighbours at a/√3 = 1.443 Å (periodic)
    d = _distances(sheet)
    assert np.all((np.abs(d - physics.LATTICE_CONSTANT / math.sqrt(3)) < 1e-6).sum(axis=1) == 3)


def _distances(sheet):
    xy = sheet.positions[:, :2]
    d = xy[:, None] - xy[None]
    d -= np.round(d / sheet.cell) * sheet.cell
    return np.hypot(d[..., 0], d[..., 1])


def test_hbn_alternates_boron_and_nitrogen():
    sheet = physics.hbn_sheet()
    assert (sheet.numbers == 5).sum() == (sheet.numbers == 7).sum() == 30
    near = _distances(sheet) < 1.6
    np.fill_diagonal(near, False)
    for i in range(sheet.n_atoms):
        assert set(sheet.numbers[near[i]]) == {12 - sheet.numbers[i]}


def test_lammps_energies_per_atom_match_the_values_measured_independently():
    """−7.98 eV/atom (graphene) and −7.51 eV/atom (h-BN) with BNC.tersoff in the paper's cell,
    measured on this machine with a separate LAMMPS script (issue 9)."""
    for sheet, per_atom in ((physics.graphene_sheet(), -7.98), (physics.hbn_sheet(), -7.51)):
        energy, forces = physics.energy_forces(sheet)
        assert energy / sheet.n_atoms == pytest.approx(per_atom, abs=0.006)
        assert np.abs(forces).max() < 1e-8  # a perfect lattice is in mechanical equilibrium


def test_forces_are_minus_the_gradient_of_the_energy():
    rng = np.random.default_rng(0)
    sheet = physics.heterostructure(rng)
    sheet.positions += rng.normal(0, 0.05, sheet.positions.shape)
    _, forces = physics.energy_forces(sheet)
    h = 1e-5
    for atom, axis in ((3, 0), (17, 1), (42, 2)):
        plus, minus = sheet.copy(), sheet.copy()
        plus.positions[atom, axis] += h
        minus.positions[atom, axis] -= h
        grad = (physics.energy_forces(plus)[0] - physics.energy_forces(minus)[0]) / (2 * h)
        assert -grad == pytest.approx(forces[atom, axis], abs=1e-5 + 1e-5 * abs(grad))


def test_nvt_holds_the_temperature_and_its_energies_are_the_engines():
    engine = physics.Tersoff.shared()
    sheet = physics.graphene_sheet()
    out = engine.nvt(sheet, 1000.0, seed=3, n_snapshots=10, interval=50, equilibration=500)
    # 60 atoms: instantaneous T fluctuates by ~T√(2/3N) ≈ 100 K; the mean of 10 is within 150 K
    assert abs(out["temperature"].mean() - 1000.0) < 150
    # equipartition: ⟨E_pot⟩ − E_min ≈ (3/2) N k_B T for a harmonic-ish solid (within 40 %)
    excess = out["energy"].mean() - physics.energy_forces(sheet)[0]
    assert 0.6 < excess / (1.5 * 60 * 8.617e-5 * 1000) < 1.4
    e, f = physics.energy_forces(physics.Sheet(out["positions"][-1], sheet.numbers, sheet.cell))
    assert e == pytest.approx(out["energy"][-1], abs=1e-8)
    np.testing.assert_allclose(f, out["forces"][-1], atol=1e-8)


def test_vacancies_and_porous_sheets_remove_atoms():
    rng = np.random.default_rng(1)
    assert physics.with_vacancies(physics.graphene_sheet(), 3, rng).n_atoms == 57
    porous = physics.porous_sheet(rng)
    assert porous.n_atoms < 540 and porous.cell == pytest.approx((37.5, 38.97), abs=0.01)
    big = physics.porous_sheet_fast(rng, (80, 48))  # 200 × 208 Å, 15 360 atoms before the pores
    assert 0.85 * 15360 < big.n_atoms < 0.99 * 15360
    # no atom is left closer than 1.2 Å to another (the lattice is untouched, only atoms removed)
    sub = big.positions[:2000, :2]
    d = np.hypot(*(sub[:, None] - sub[None]).transpose(2, 0, 1))
    assert np.sort(d, axis=1)[:, 1].min() > 1.4


# --- images ------------------------------------------------------------------------------------
PIXEL = (12.5 / 64, 12.990381056766578 / 64)


def test_image_integral_is_sum_of_z_times_2_pi_gamma_squared():
    rng = np.random.default_rng(2)
    sheet = physics.heterostructure(rng)
    sheet.positions += rng.normal(0, 0.1, sheet.positions.shape)
    img = images.render(sheet.positions[None], sheet.numbers[None], sheet.cell, (64, 64), dtype=torch.float64)[0]
    integral = float(img.sum()) * PIXEL[0] * PIXEL[1]
    assert integral == pytest.approx(sheet.numbers.sum() * 2 * math.pi * images.GAMMA**2, rel=1e-6)
    # the brightest pixel cannot exceed the brightest atom's peak plus the tails of its neighbours
    assert float(img.max()) < 7 * 1.05


def test_image_is_translation_covariant():
    sheet = physics.hbn_sheet()
    img = images.render(sheet.positions[None], sheet.numbers[None], sheet.cell, (64, 64), dtype=torch.float64)[0]
    moved = sheet.positions + np.array([3 * PIXEL[0], -5 * PIXEL[1], 0.7])  # z is ignored
    img2 = images.render(moved[None], sheet.numbers[None], sheet.cell, (64, 64), dtype=torch.float64)[0]
    torch.testing.assert_close(img2, torch.roll(img, shifts=(3, -5), dims=(0, 1)), atol=1e-10, rtol=0)


def test_tiles_rendered_from_nearby_atoms_equal_the_padded_full_image():
    rng = np.random.default_rng(3)
    sheet = physics.heterostructure(rng).tiled(2, 2)
    sheet.positions += rng.normal(0, 0.1, sheet.positions.shape)
    f, c = 16, 8
    full = images.render(sheet.positions[None], sheet.numbers[None], sheet.cell, (128, 128), dtype=torch.float64)[0]
    padded = torch.nn.functional.pad(full[None, None], (c, c, c, c), mode="circular")[0, 0]
    renderer = images.TileRenderer(sheet.positions, sheet.numbers, sheet.cell, PIXEL, f, c)
    ids = [(0, 0), (3, 7), (7, 0), (5, 5)]
    tiles = renderer.tiles(ids, dtype=torch.float64)
    for k, (i, j) in enumerate(ids):
        torch.testing.assert_close(tiles[k, 0], padded[i * f:i * f + f + 2 * c, j * f:j * f + f + 2 * c],
                                   atol=1e-10, rtol=0)


def test_mirroring_the_atoms_mirrors_the_image_about_pixel_zero():
    """The map SymmetryAugment uses (flip, then roll by one pixel) is rendering the mirrored atoms."""
    rng = np.random.default_rng(6)
    sheet = physics.heterostructure(rng)
    sheet.positions += rng.normal(0, 0.1, sheet.positions.shape)
    img = images.render(sheet.positions[None], sheet.numbers[None], sheet.cell, (64, 64), dtype=torch.float64)[0]
    for axis in (0, 1):
        mirrored = sheet.positions.copy()
        mirrored[:, axis] = -mirrored[:, axis] % sheet.cell[axis]
        img2 = images.render(mirrored[None], sheet.numbers[None], sheet.cell, (64, 64), dtype=torch.float64)[0]
        torch.testing.assert_close(img2, torch.roll(torch.flip(img, (axis,)), 1, axis), atol=1e-10, rtol=0)


def test_a_sheet_off_the_pixel_grid_is_refused_with_one_actionable_line():
    from mdbench.core.errors import MdbenchError

    sheet = physics.graphene_sheet((4, 3))  # 10 Å: not a whole number of 0.195 Å pixels
    with pytest.raises(MdbenchError, match="whole 60-atom cells"):
        images.TileRenderer(sheet.positions, sheet.numbers, sheet.cell, PIXEL, 16, 8)
