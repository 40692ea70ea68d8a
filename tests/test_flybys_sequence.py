"""flybys-sequences and flybys/sequence: stored sequences conserve energy and are consistent encounter to
encounter (Kepler drift, frames), REBOUND reproduces a stored sequence, Heggie & Rasio applied along a
sequence of distant slow encounters agrees with REBOUND, the distributional scoring, and the models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mdbench import catalog
from mdbench.data import store
from mdbench.systems.flybys import physics
from mdbench.systems.flybys.references import SequenceNoChange, SequenceRebound
from mdbench.systems.flybys.sequence_task import TASK, rollout, submission, truth
from mdbench.systems.flybys.sequences import FLYBYS_SEQUENCES

SYSTEM = dict(m_host=1.0, m_planet=physics.M_JUPITER, a_planet=5.2)


@pytest.fixture(scope="module")
def tiny(generate_once):
    generate_once("flybys-sequences")
    return store.load_task_data(TASK, FLYBYS_SEQUENCES.config("tiny"))


def _splits(data):
    return (data.train, data.val, data.test, data.split("reference"))


def test_stored_sequences_conserve_energy_and_chain_encounter_to_encounter(tiny):
    m_inner = 1.0 + physics.M_JUPITER
    for ds in _splits(tiny):
        done = ds["outcome"].values >= 0
        err = ds["energy_error"].values
        assert np.all(done[:, 0]) and np.all(np.isfinite(err[done])) and err[done].max() < 1e-8, np.nanmax(err)
        assert np.all(np.isnan(err[~done]))
        bound = ds["bound"].values
        # bound after k encounters ⇔ every encounter so far left it bound; lost ⇒ later ones not integrated
        kept = np.cumprod(ds["outcome"].values == 0, axis=1)
        np.testing.assert_array_equal(bound[:, 1:], kept)
        np.testing.assert_array_equal(done[:, 1:], kept[:, :-1] == 1)
        for i, j in zip(*np.nonzero(done[:, 1:])):
            k = j + 1  # encounter k + 1 starts from the orbit after encounter k
            a_k, e_k = ds["a"].values[i, k], ds["e"].values[i, k]
            assert ds["a_before"].values[i, k] == pytest.approx(a_k, rel=1e-5)  # tidal distortion at r_start
            assert ds["e_before"].values[i, k] == e_k
            drift = physics.mean_motion(a_k, m_inner) * ds["gap"].values[i, k]
            assert math.isclose((ds["mean_anomaly"].values[i, k] + drift) % (2 * math.pi),
                                ds["mean_anomaly_before"].values[i, k], abs_tol=1e-6)
        # after the first encounter the fixed frame is the planet's frame: the inclinations agree
        first = bound[:, 1] == 1
        np.testing.assert_allclose(ds["inc"].values[first, 1], ds["inc_after"].values[first, 0], atol=1e-12)


def test_rebound_reproduces_the_stored_reference_sequences(tiny):
    ref = TASK.data_for(tiny, "physics reference")
    pred = SequenceRebound().fit(ref, seed=0).predict(ref, seed=0)
    stored = truth(tiny.split("reference"))
    np.testing.assert_array_equal(pred["p_bound"].values, stored["p_bound"])
    alive = stored["p_bound"] == 1
    np.testing.assert_array_equal(pred["e"].values[alive], stored["e"][alive])
    np.testing.assert_array_equal(pred["a"].values[alive], stored["a"][alive])


def test_heggie_rasio_along_a_sequence_of_distant_slow_encounters_agrees_with_rebound():
    """Three encounters at q = 40 AU (q/a ≈ 7.7), v∞ = 0.5 km/s: the analytic Δe summed along the sequence,
    each with REBOUND's own state before the encounter, gives REBOUND's total change of e within 20 % +
    2×10⁻³; the first-order errors do not run away over three encounters."""
    rng = np.random.default_rng(11)
    m3, v_kms, q = 0.5, 0.5, 40.0
    mu = physics.G * (1.0 + physics.M_JUPITER + m3)
    b = math.sqrt(q * q + 2 * mu * q / (v_kms * physics.KMS) ** 2)
    totals = []
    for _ in range(4):
        encounters = [physics.Encounter(e=0.3, omega=rng.uniform(0, 2 * math.pi),
                                        mean_anomaly=rng.uniform(0, 2 * math.pi), m_perturber=m3, v_inf=v_kms, b=b,
                                        inc_p=math.acos(rng.uniform(-1, 1)), Omega_p=rng.uniform(0, 2 * math.pi),
                                        omega_p=rng.uniform(0, 2 * math.pi)) for _ in range(3)]
        gaps = np.array([0.0, 1.3e7, 2.9e7])
        integrated, states = physics.simulate_sequence(encounters, gaps, r_start=1000.0, **SYSTEM)
        assert len(states) == 4 and max(row["energy_error"] for _, row in integrated) < 1e-8
        hr = sum(physics.heggie_rasio_delta_e(local, **{**SYSTEM, "a_planet": row["before"]["a"]})
                 for local, row in integrated)
        totals.append((states[-1]["e"] - states[0]["e"], hr))
    reb, hr = np.array(totals).T
    assert np.abs(hr).max() > 5e-3  # not passed by tiny numbers
    assert np.all(np.abs(reb - hr) <= 0.2 * np.abs(hr) + 2e-3), np.column_stack([reb, hr])


def test_distances_are_zero_for_rebound_itself_and_count_lost_planets_at_e_1(tiny):
    t = truth(tiny.test)
    labels = tiny.test["sequence"].values
    exact = submission(labels, np.nan_to_num(t["a"]), np.nan_to_num(t["e"], nan=1.0), t["p_bound"])
    scores = TASK.score(exact, tiny, items_per_second=None, engine_items_per_second=None)
    assert scores["d_final"].value == 0 and scores["survival_error"].value == 0
    assert scores["d_final"].n == len(labels)
    # a map that loses every planet at the first encounter: D = REBOUND's bound fraction (no e term)
    n, k = t["p_bound"].shape
    lost = submission(labels, np.zeros((n, k)), np.ones((n, k)), np.zeros((n, k)))
    scores = TASK.score(lost, tiny, items_per_second=None, engine_items_per_second=None)
    assert scores["d_final"].value == pytest.approx(t["p_bound"][:, -1].mean())
    assert math.isnan(scores["w1_log_a_final"].value) and scores["survival_fraction"].value == 0
    # rows are matched by label: a shuffled file scores the same
    from mdbench.benchmark.labels import match

    contract = TASK.contract(tiny.config)
    static = SequenceNoChange().predict(TASK.data_for(tiny, "static reference"), seed=0)
    static["e"].values[:] += np.arange(n)[:, None] * 1e-3
    shuffled = static.isel(sequence=np.random.default_rng(0).permutation(n))
    a = TASK.score(match(static, contract, "s.nc"), tiny, items_per_second=None, engine_items_per_second=None)
    b = TASK.score(match(shuffled, contract, "s.nc"), tiny, items_per_second=None, engine_items_per_second=None)
    assert a["w1_e_bound_final"].value == b["w1_e_bound_final"].value


def test_a_map_that_changes_nothing_rolls_out_to_the_static_reference(tiny):
    visible = TASK.data_for(tiny, "model")
    x = visible.inputs["test"]
    assert "outcome" not in x and "a_before" not in x and "energy_error" not in x

    def nothing(rows):
        zero = np.zeros(rows.sizes["flyby"])
        return zero, zero, zero

    rolled = rollout(x, nothing, seed=0, sample=True)
    static = SequenceNoChange().predict(visible, seed=0)
    for var in ("a", "e", "p_bound"):
        np.testing.assert_array_equal(rolled[var].values, static[var].values)


@pytest.mark.parametrize("name", ["mlp", "prob-mlp", "lstm"])
def test_sequence_models_train_and_submit_valid_predictions(tiny, generate_once, name):
    generate_once("flybys")  # the encounter maps train on flybys/tiny
    entry = catalog.models("flybys/sequence")[name]
    visible = TASK.data_for(tiny, "model")
    pred = entry.factory().fit(visible, seed=0, progress=False).predict(visible, seed=0)
    TASK.contract(tiny.config).validate(pred, name)
    scores = TASK.score(pred, tiny, items_per_second=1.0, engine_items_per_second=1.0)
    assert math.isfinite(scores["d_final"].value) and 0 <= scores["survival_fraction"].value <= 1
    p = pred["p_bound"].values
    assert np.all(np.diff(p, axis=1) <= 0)  # survival never comes back
    if name == "prob-mlp":  # the sampled map's survival is 0 or 1 per sequence
        assert set(np.unique(p)) <= {0.0, 1.0}
