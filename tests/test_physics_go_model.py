"""The Cα Gō model: native structure, OpenMM energy terms, conventions and reproducibility."""

from __future__ import annotations

import math

import numpy as np
import openmm
import pytest
from openmm import unit

from mdbench.systems.trpcage_like.dataset import TRPCAGE_LIKE, go_model_of
from mdbench.systems.trpcage_like import physics as g


def _energy(system, x: np.ndarray) -> float:
    ctx = openmm.Context(system, openmm.VerletIntegrator(0.001), openmm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(x * unit.nanometer)
    return ctx.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)


def test_dihedral_convention_matches_openmm_and_right_handed_helix_is_positive():
    i = np.arange(4)
    helix = np.stack([0.23 * np.cos(np.radians(100) * i), 0.23 * np.sin(np.radians(100) * i), 0.15 * i], 1)
    system = openmm.System()
    for _ in range(4):
        system.addParticle(1.0)
    force = openmm.CustomTorsionForce("theta")
    force.addTorsion(0, 1, 2, 3, [])
    system.addForce(force)
    assert _energy(system, helix) == pytest.approx(g.dihedrals(helix)[0], abs=1e-6)
    assert math.degrees(g.dihedrals(helix)[0]) == pytest.approx(50.0, abs=1.0)


def test_native_structure_has_the_trp_cage_like_fold():
    x = g.native_structure()
    assert x.shape == (20, 3)
    assert g.radius_of_gyration(x) == pytest.approx(0.70, abs=0.02)
    np.testing.assert_allclose(g.bond_lengths(x), g.BOND_LENGTH, atol=1e-4)
    phi = np.degrees(g.dihedrals(x))
    np.testing.assert_allclose(phi[1:6], 50.0, atol=0.5)  # α-helix 2–8
    np.testing.assert_allclose(phi[-2:], -110.0, atol=0.5)  # polyproline II 17–19
    model = g.go_model(0.8)
    contacts = {tuple(map(int, c)) for c in model.contacts}
    assert (5, 17) in contacts and (2, 18) in contacts  # PPII packs onto Trp6 / Tyr3 (0-based)
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)[np.triu_indices(20, 3)]
    assert d.min() > 0.44  # no clashes


def test_native_energy_is_the_sum_of_the_contact_wells():
    model = g.go_model(0.8)
    e_native = _energy(model.make_system(), model.native)
    # bonds, angles, dihedrals vanish at the native; each contact sits at its minimum −ε; the
    # non-native repulsion adds a small positive amount
    n = len(model.contacts)
    assert -n * g.EPSILON < e_native < -n * g.EPSILON + 1.0
    assert model.q(model.native[None])[0] == 1.0
    stretched = model.native * 1.5
    assert _energy(model.make_system(), stretched) > e_native + 10.0


def test_same_seed_reproduces_bitwise_and_different_seeds_differ():
    model = g.go_model(0.8)
    kwargs = dict(temperature=0.78, friction=1.0, timestep=0.02, save_every=100, platform="Reference")
    a, qa = g.simulate(model, 20, seed=5, **kwargs)
    b, qb = g.simulate(model, 20, seed=5, **kwargs)
    c, _ = g.simulate(model, 20, seed=6, **kwargs)
    assert np.array_equal(a, b) and np.array_equal(qa, qb)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32 and np.all(np.isfinite(a))


def test_dataset_shards_are_independent_and_reference_is_ten_times_longer():
    for cfg in TRPCAGE_LIKE.configs.values():
        seeds = [s.seed for s in TRPCAGE_LIKE.shards(cfg)]
        assert len(set(seeds)) == len(seeds)
        assert cfg["reference_replicas"] * cfg["reference_steps"] >= 10 * cfg["train_steps"]
        assert cfg["reference_steps"] >= cfg["train_steps"]  # the physics reference fits the contract


@pytest.mark.slow
def test_shipped_native_structure_is_what_build_native_makes():
    np.testing.assert_allclose(g.build_native(), g.native_structure(), atol=2e-5)


@pytest.mark.parametrize("power", [2.0, 8.0])
def test_cooperative_term_adds_minus_c_n_epsilon_q_to_the_power(power):
    """The many-body term's energy equals −c·N_c·ε·Q̃^p with Q̃ computed here with numpy."""
    plain, coop = g.go_model(0.8), g.go_model(0.8, 0.7, power)
    rng = np.random.default_rng(4)
    x = plain.native + rng.normal(scale=0.05, size=plain.native.shape)  # partly broken contacts
    energies = [_energy(model.make_system(), x) for model in (plain, coop)]
    i, j = plain.contacts.T
    r = np.linalg.norm(x[i] - x[j], axis=-1)
    q = np.mean(1.0 / (1.0 + np.exp(50.0 * (r - 1.2 * plain.contact_distances))))
    assert 0.2 < q < 0.99  # the check is not at a trivial Q
    assert energies[1] - energies[0] == pytest.approx(-0.7 * len(plain.contacts) * g.EPSILON * q**power, rel=1e-6)


def test_only_the_two_state_config_adds_the_many_body_term():
    """The two-state config simulates −c·N_c·ε·Q̃^p; the other configs keep their original parameter
    records (so their content hashes), and so the plain Gō model."""
    for name in ("tiny", "small", "full"):
        config = TRPCAGE_LIKE.config(name)
        assert "cooperativity" not in config.params and go_model_of(config).cooperativity == 0.0
    two_state = TRPCAGE_LIKE.config("two-state")
    model = go_model_of(two_state)
    assert (model.cooperativity, model.cooperativity_power) == (two_state["cooperativity"],
                                                                two_state["cooperativity_power"])
    assert two_state["temperature"] != TRPCAGE_LIKE.config("small")["temperature"]
    assert any(isinstance(f, openmm.CustomCVForce) for f in model.make_system().getForces())


@pytest.mark.slow
def test_the_two_state_config_folds_over_a_barrier():
    """F(Q) of the two-state config (a training-length run, 2×10⁶ steps) has an unfolded basin below
    the unfolded cutoff Q = 0.4, a native basin above the folded cutoff 0.8, a barrier of ≥ 3 kT
    between them, and folds and unfolds about a dozen times in the run (≈ 150 s on one core)."""
    from mdbench.systems.trpcage_like.temperature_scan import free_energy_along_q

    config = TRPCAGE_LIKE.config("two-state")
    r = free_energy_along_q(config["temperature"], cooperativity=config["cooperativity"],
                            power=config["cooperativity_power"])
    f, q = r["free_energy"], np.arange(20) * 0.05 + 0.025
    unfolded, native, between = f[q <= 0.4].min(), f[q >= 0.8].min(), f[(q > 0.4) & (q < 0.8)].max()
    assert between - max(unfolded, native) >= 3.0, f"F(Q) = {np.round(f, 1)}"  # measured: 4.6 kT
    assert r["p_unfolded"] > 0.2 and r["p_folded"] > 0.2
    assert 5 <= r["transitions_at_tau"] <= 30  # the paper's regime: about a dozen (measured: 12)
