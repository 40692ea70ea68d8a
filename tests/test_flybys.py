"""The flybys system: REBOUND energy conservation on stored flybys, Heggie & Rasio (1996) against
REBOUND in its own regime, the environment samplers, the encounter task's label matching and scoring
(references through the same code), the baselines, and the tiny round trip of `mdbench check-system`."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mdbench import catalog
from mdbench.core.errors import SubmissionError
from mdbench.data import store
from mdbench.systems.flybys import physics
from mdbench.systems.flybys.dataset import FLYBYS, encounters_of, system_params
from mdbench.systems.flybys.references import HeggieRasio, NoChange, Rebound
from mdbench.systems.flybys.task import TASK, truth

SYSTEM = dict(m_host=1.0, m_planet=physics.M_JUPITER, a_planet=5.2)
#: IAS15 keeps the relative energy error of a flyby at 10⁻¹⁵…10⁻¹³, up to 8.4×10⁻¹¹ for the closest
#: encounters of `small`; we require < 10⁻⁸
ENERGY_TOLERANCE = 1e-8


@pytest.fixture(scope="module")
def tiny(generate_once):
    generate_once("flybys")
    return store.load_task_data(catalog.task("flybys/encounter"), FLYBYS.config("tiny"))


def test_rebound_conserves_energy_on_every_stored_flyby(tiny):
    for ds in (tiny.train, tiny.val, tiny.test):
        err = ds["energy_error"].values
        assert np.all(np.isfinite(err)) and err.max() < ENERGY_TOLERANCE, err.max()
        # the stored elements before are REBOUND's osculating ones of the drawn orbit
        np.testing.assert_allclose(ds["e_before"].values, ds["e_drawn"].values, atol=1e-9)
        np.testing.assert_allclose(ds["a_before"].values, 5.2, rtol=1e-9)


def _distant_slow_encounters(n: int, q: float, v_kms: float, seed: int = 7) -> list[physics.Encounter]:
    """Encounters with pericentre ``q`` (AU) and speed ``v_kms``, random orientation and phase."""
    rng = np.random.default_rng(seed)
    m3 = 0.5
    mu = physics.G * (1.0 + physics.M_JUPITER + m3)
    v = v_kms * physics.KMS
    b = math.sqrt(q * q + 2 * mu * q / v**2)
    return [physics.Encounter(e=0.3, omega=rng.uniform(0, 2 * math.pi), mean_anomaly=rng.uniform(0, 2 * math.pi),
                              m_perturber=m3, v_inf=v_kms, b=b, inc_p=math.acos(rng.uniform(-1, 1)),
                              Omega_p=rng.uniform(0, 2 * math.pi), omega_p=rng.uniform(0, 2 * math.pi))
            for _ in range(n)]


def test_heggie_rasio_agrees_with_rebound_for_distant_slow_encounters():
    """q = 40 AU (q/a = 7.7), v∞ = 0.5 km/s (slowness 0.08): |Δe_REBOUND − Δe_HR| ≤ 0.2 |Δe_HR| + 1.5×10⁻³
    for each of 6 encounters, and the summed error is below 15 % of the summed |Δe_HR|."""
    encounters = _distant_slow_encounters(6, q=40.0, v_kms=0.5)
    assert all(physics.slowness(enc, **SYSTEM) < 0.1 for enc in encounters)
    reb = np.array([(lambda r: r["after"]["e"] - r["before"]["e"])(physics.simulate(enc, r_start=1000.0, **SYSTEM))
                    for enc in encounters])
    hr = np.array([physics.heggie_rasio_delta_e(enc, **SYSTEM) for enc in encounters])
    assert np.abs(hr).max() > 5e-3  # the test is not passed by two tiny numbers
    assert np.all(np.abs(reb - hr) <= 0.2 * np.abs(hr) + 1.5e-3), np.column_stack([reb, hr])
    assert np.abs(reb - hr).sum() < 0.15 * np.abs(hr).sum()


def test_heggie_rasio_has_the_parabolic_limit_and_the_q_scaling():
    enc = physics.Encounter(e=0.4, omega=0.3, mean_anomaly=0.0, m_perturber=0.7, v_inf=1e-4, b=0.0, inc_p=1.1,
                            Omega_p=0.9, omega_p=2.0)
    m12, m123 = 1.0 + physics.M_JUPITER, 1.7 + physics.M_JUPITER
    mu, v = physics.G * m123, 1e-4 * physics.KMS
    for q in (30.0, 60.0):
        b = math.sqrt(q * q + 2 * mu * q / v**2)
        case = physics.Encounter(**{**enc.__dict__, "b": b})
        i, node, _ = physics.hr96_angles(case)
        # eq. (5): −(15π/16)·√(2 m₃² a³ / (M₁₂ M₁₂₃ q³))·e√(1−e²)·sin²i·sin2Ω
        parabolic = (-15 * math.pi / 16 * math.sqrt(2 * 0.7**2 * 5.2**3 / (m12 * m123 * q**3))
                     * 0.4 * math.sqrt(1 - 0.16) * math.sin(i) ** 2 * math.sin(2 * node))
        assert physics.heggie_rasio_delta_e(case, **SYSTEM) == pytest.approx(parabolic, rel=1e-4)


def test_environment_samplers_follow_their_distributions():
    rng = np.random.default_rng(3)
    m = physics.sample_kroupa(rng, 200_000, 0.08, 2.0)
    assert m.min() >= 0.08 and m.max() <= 2.0
    # fraction below the break: ∫ m^-1.3 over [0.08, 0.5] against the whole (continuous at 0.5)
    w1 = (0.5**-0.3 - 0.08**-0.3) / -0.3
    w2 = 0.5 * (2.0**-1.3 - 0.5**-1.3) / -1.3
    assert np.mean(m < 0.5) == pytest.approx(w1 / (w1 + w2), abs=0.005)
    v = physics.sample_maxwellian(rng, 200_000, 1.0)
    assert v.mean() == pytest.approx(2 * math.sqrt(2 / math.pi), rel=0.01)


def test_predictions_are_matched_by_label_and_bad_labels_refused(tiny):
    """The contract labels the `flyby` rows: mdbench's one label matcher reorders a submission to the test
    split before scoring, and the bounds refuse an impossible probability."""
    from mdbench.benchmark.labels import match

    contract = TASK.contract(tiny.config)
    visible = TASK.data_for(tiny, "model")
    assert "e_after" not in visible.inputs["test"] and "outcome" not in visible.inputs["test"]
    ref = TASK.data_for(tiny, "static reference")
    pred = NoChange().fit(ref, seed=0).predict(ref, seed=0)
    pred["delta_e"].values[:] = np.arange(pred.sizes["flyby"]) * 1e-3  # distinct values: order matters

    def score(ds):
        return TASK.score(match(ds, contract, "sub.nc"), tiny, items_per_second=None, engine_items_per_second=None)

    scores = score(pred)
    shuffled = pred.isel(flyby=np.random.default_rng(0).permutation(pred.sizes["flyby"]))
    assert score(shuffled)["mae_delta_e_all"].value == scores["mae_delta_e_all"].value
    # a submission whose labels are shifted by one is scored against other flybys: different numbers
    relabelled = pred.assign_coords(flyby=np.roll(pred["flyby"].values, 1))
    assert score(relabelled)["mae_delta_e_all"].value != scores["mae_delta_e_all"].value
    labels = pred["flyby"].values.copy()
    labels[1] = labels[0]
    with pytest.raises(SubmissionError, match="repeats labels"):
        score(pred.assign_coords(flyby=labels))
    labels = pred["flyby"].values.copy()
    labels[-1] = 10_000
    with pytest.raises(SubmissionError, match="labels not in the test data"):
        score(pred.assign_coords(flyby=labels))
    bad = pred.copy(deep=True)
    bad["p_ejection"].values[0] = 1.5
    with pytest.raises(SubmissionError, match="p_ejection"):
        contract.validate(bad, "sub.nc")


def test_references_are_scored_by_the_same_code(tiny):
    ref = TASK.data_for(tiny, "physics reference")
    t = truth(tiny.test)
    bound = t["ejected"] == 0
    # static: its MAE of Δe is the mean |Δe| of the bound test flybys, its Brier score that of the base rate
    static = TASK.score(NoChange().fit(ref, seed=0).predict(ref, seed=0), tiny, items_per_second=None,
                        engine_items_per_second=None)
    assert static["mae_delta_e_all"].value == pytest.approx(np.mean(np.abs(t["delta_e"][bound])))
    p = np.mean(tiny.train["outcome"].values != 0)
    assert static["brier_ejection"].value == pytest.approx(np.mean((p - t["ejected"]) ** 2))
    # REBOUND integrating the test flybys again reproduces the stored targets bit for bit: error 0
    reb = TASK.score(Rebound().fit(ref, seed=0).predict(ref, seed=0), tiny, items_per_second=None,
                     engine_items_per_second=None)
    assert all(reb[k].value == 0 for k in ("mae_delta_e_all", "mae_delta_a_over_a_all", "mae_delta_inc_all",
                                           "brier_ejection"))
    # the analytic reference beats the static one where its theory holds (distant flybys)
    hr = TASK.score(HeggieRasio().fit(ref, seed=0).predict(ref, seed=0), tiny, items_per_second=None,
                    engine_items_per_second=None)
    assert hr["mae_delta_e_distant"].value < static["mae_delta_e_distant"].value
    assert np.isnan(static["crps_delta_e_all"].value)


def test_ejection_auc_is_the_mann_whitney_statistic():
    from mdbench.systems.flybys.task import auc

    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    assert auc(np.full(5, 0.3), np.array([0, 1, 0, 1, 0])) == 0.5  # a constant forecast: ties count ½
    assert math.isnan(auc(np.array([0.2, 0.4]), np.array([0, 0])))


def test_engine_speed_is_measured_on_test_flybys(tiny):
    speed = TASK.engine_items_per_second(tiny)
    assert 0.5 < speed < 1e4  # REBOUND takes milliseconds to a second per flyby
    assert len(encounters_of(tiny.test)) == tiny.test.sizes["flyby"]
    assert system_params(tiny.config)["a_planet"] == 5.2


@pytest.mark.parametrize("name", ["mlp", "prob-mlp"])
def test_baselines_train_and_submit_valid_predictions(tiny, name):
    entry = catalog.models("flybys/encounter")[name]
    visible = TASK.data_for(tiny, "model")
    pred = entry.factory().fit(visible, seed=0, progress=False).predict(visible, seed=0)
    TASK.contract(tiny.config).validate(pred, name)
    scores = TASK.score(pred, tiny, items_per_second=1.0, engine_items_per_second=1.0)
    assert math.isfinite(scores["mae_delta_e_all"].value) and 0 <= scores["brier_ejection"].value <= 1
    assert math.isfinite(scores["crps_delta_e_all"].value) == (name == "prob-mlp")


def test_check_system_round_trip_on_tiny(tiny, monkeypatch):
    from mdbench.benchmark.check_system import check_system

    monkeypatch.delenv("MDBENCH_LEADERBOARDS")
    report = check_system("flybys")
    assert any(line.startswith("round trip of flybys/encounter: config tiny") for line in report.passed)
