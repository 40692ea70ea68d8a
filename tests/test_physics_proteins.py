"""The OpenMM protein engine: structures, steered MD, determinism, continuations."""

from __future__ import annotations

import numpy as np
import pytest
from MDAnalysis.lib.distances import calc_dihedrals

from mdbench.systems.md_forecast import physics as proteins

SETUP = proteins.MDSetup(temperature_k=300.0, timestep_fs=1.0)


def test_ideal_helix_geometry():
    res = proteins.ideal_helix_backbone(12)
    xyz = lambda name, i: res[i][name][None]
    phi = np.degrees(calc_dihedrals(xyz("C", 4), xyz("N", 5), xyz("CA", 5), xyz("C", 5)))
    psi = np.degrees(calc_dihedrals(xyz("N", 5), xyz("CA", 5), xyz("C", 5), xyz("N", 6)))
    assert phi == pytest.approx(-57.0, abs=0.01) and psi == pytest.approx(-47.0, abs=0.01)
    rise = np.linalg.norm(res[11]["CA"] - res[0]["CA"]) / 11
    assert rise == pytest.approx(1.5, abs=0.1)  # Å per residue of an α-helix
    # L-chirality: improper N–C–CA–CB ≈ +123° (as in adk_open.pdb)
    assert np.degrees(calc_dihedrals(xyz("N", 3), xyz("C", 3), xyz("CA", 3), xyz("CB", 3))) == pytest.approx(122.6, abs=2)


def test_alanine_100_has_1003_atoms():
    modeller = proteins.alanine_helix(100, SETUP)
    assert modeller.topology.getNumAtoms() == 1003
    assert len(proteins.ca_indices(modeller.topology)) == 100


def test_adk_structure_has_3341_atoms_and_214_residues():
    modeller = proteins.adenylate_kinase(proteins.MDSetup())
    assert modeller.topology.getNumAtoms() == 3341
    assert len(proteins.ca_indices(modeller.topology)) == 214


@pytest.fixture(scope="module")
def helix10():
    return proteins.alanine_helix(10, SETUP)


def _pull(helix, seed):
    ca = proteins.ca_indices(helix.topology)
    engine = proteins.Engine(helix, SETUP, seed, proteins.Pulling(int(ca[-1]), int(ca[0]), speed_a_per_ps=20.0))
    engine.minimize_and_equilibrate(50, seed)
    engine.start_pulling()
    return engine, engine.run(60, 10, restart_frames=(30,))


def test_steered_md_pulls_and_does_positive_work(helix10):
    _, result = _pull(helix10, 1)
    end_to_end = np.linalg.norm(result.ca[:, -1] - result.ca[:, 0], axis=-1)
    # the anchor moves 20 Å/ps × 0.6 ps = 12 Å: the helix is stretched and the spring does work on it
    assert end_to_end[-1] > end_to_end[0] + 3.0
    assert result.work_kcal[-1] > 0 and result.force_kcal_per_a[-10:].mean() > 0
    np.testing.assert_allclose(np.diff(result.time_fs), 10.0)


def test_same_seed_same_trajectory_and_independent_continuations(helix10):
    (engine, a), (_, b) = _pull(helix10, 2), _pull(helix10, 2)
    np.testing.assert_array_equal(a.ca, b.ca)
    state = a.states[0]
    c1, c2 = engine.continue_from(state, 5, 10), engine.continue_from(state, 5, 10)
    assert not np.array_equal(c1, c2)  # same full state, different noise
    # both start from the saved frame: one frame later they are within a thermal step of it
    assert np.abs(c1[0] - a.ca[30]).max() < 1.0


def test_the_protein_is_the_same_every_time_it_is_built():
    """OpenMM's `Modeller.addHydrogens` drops new hydrogens at positions from Python's global, unseeded
    `random` and relaxes them on the default platform: before `physics.add_hydrogens`, two builds of the same
    helix differed (E₀ −37.6 against −38.1 kJ/mol in two processes), so no md-forecast dataset regenerated to
    its record. Now the build is a pure function of the structure, whatever the caller's random state."""
    import random

    from mdbench.systems.md_forecast.setup import MDSetup

    setup = MDSetup(temperature_k=300.0, timestep_fs=1.0)
    random.seed(1)
    first = np.array(proteins.alanine_helix(4, setup).positions.value_in_unit(proteins.unit.nanometer))
    random.seed(2)
    state = random.getstate()
    again = np.array(proteins.alanine_helix(4, setup).positions.value_in_unit(proteins.unit.nanometer))
    assert random.getstate() == state  # the caller's random stream is left where it was
    assert first.shape[0] > 4 * 5 and np.array_equal(first, again)
