"""The radiative-convective column of rfmip/rce: its pieces exactly, and a short RRTMGP-driven run (default
tier); the task end to end on tiny and the Manabe–Wetherald validation are slow."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mdbench.systems.rfmip import physics, rce


def _grid(n: int = 3, L: int = 30, p_sfc: float = 1.0e5):
    p_lev = np.tile(np.linspace(100.0, p_sfc, L + 1), (n, 1))
    p_lay = 0.5 * (p_lev[:, 1:] + p_lev[:, :-1])
    return p_lay, p_lev


def test_convective_adjustment_conserves_enthalpy_and_sets_the_lapse_rate():
    rng = np.random.default_rng(0)
    p_lay, p_lev = _grid()
    cap = rce.layer_heat_capacity(p_lev)
    # an isothermal column over a hot surface: unstable near the ground
    t = np.full(p_lay.shape, 220.0) + rng.normal(0, 1, p_lay.shape)
    ts = np.array([300.0, 290.0, 280.0])
    slab = rce.SETUP.slab_heat_capacity
    t2, ts2, top = rce.convective_adjustment(t, ts, p_lay, p_lev[:, -1], cap, slab, 6.5e-3)
    before = (cap * t).sum(1) + slab * ts
    after = (cap * t2).sum(1) + slab * ts2
    np.testing.assert_allclose(after, before, rtol=1e-12)
    kappa = rce.R_DRY * 6.5e-3 / physics.GRAVITY
    for i in range(3):
        block = slice(top[i], None)
        # the block follows T = T_s (p/p_s)^(R Γ/g) exactly, and the layer above it is not colder than that
        np.testing.assert_allclose(t2[i, block], ts2[i] * (p_lay[i, block] / p_lev[i, -1]) ** kappa, rtol=1e-12)
        assert 0 < top[i] < p_lay.shape[1]
        assert t2[i, top[i] - 1] >= ts2[i] * (p_lay[i, top[i] - 1] / p_lev[i, -1]) ** kappa - 1e-9
        np.testing.assert_array_equal(t2[i, : top[i]], t[i, : top[i]])
    # the surface gained no energy from nowhere: it cooled, the air warmed
    assert np.all(ts2 < ts)


def test_a_stable_column_is_left_alone():
    p_lay, p_lev = _grid(1)
    t = np.full(p_lay.shape, 250.0)
    ts = np.array([240.0])  # colder surface than the air: nothing to adjust
    t2, ts2, top = rce.convective_adjustment(t, ts, p_lay, p_lev[:, -1], rce.layer_heat_capacity(p_lev),
                                             rce.SETUP.slab_heat_capacity, 6.5e-3)
    np.testing.assert_array_equal(t2, t)
    assert ts2[0] == 240.0 and top[0] == p_lay.shape[1]


def test_fixed_relative_humidity_follows_manabe_wetherald():
    p_lay, p_lev = _grid(1, 60)
    p_s = p_lev[:, -1]
    t = 288.0 * (p_lay / p_s[:, None]) ** 0.19
    vmr = rce.fixed_rh_h2o(t, p_lay, p_s)
    # at the bottom layer RH = 0.77 (Q − 0.02)/0.98 of saturation (Bolton) exactly
    q = p_lay[0, -1] / p_s[0]
    e = 0.77 * (q - 0.02) / 0.98 * rce.saturation_vapour_pressure(t[0, -1])
    np.testing.assert_allclose(vmr[0, -1], e / (p_lay[0, -1] - e), rtol=1e-12)
    np.testing.assert_allclose(rce.saturation_vapour_pressure(273.15), 611.2)
    # never more water above than below; the stratospheric floor is MW's 3e-6 kg/kg
    assert np.all(np.diff(vmr[0]) >= 0)
    np.testing.assert_allclose(vmr.min(), 3e-6 * physics.M_DRY / physics.M_H2O)
    # a warmer column holds more water at every layer below the floor
    assert np.all(rce.fixed_rh_h2o(t + 2.0, p_lay, p_s) >= vmr)


def test_level_temperatures_interpolate_in_log_pressure_with_the_surface_at_the_bottom():
    p_lay, p_lev = _grid(1, 10)
    t = 200.0 + 10.0 * np.log(p_lay)
    lev = rce.level_temperatures(t, np.array([299.0]), p_lay, p_lev)
    np.testing.assert_allclose(lev[0, 1:-1], 200.0 + 10.0 * np.log(p_lev[0, 1:-1]), rtol=1e-12)
    assert lev[0, 0] == t[0, 0] and lev[0, -1] == 299.0


@pytest.fixture(scope="module")
def short_run():
    """One RFMIP site (0), PI and PI 2×CO2, RRTMGP gas optics, a coarse tolerance (0.05 K/day, 0.5 W/m²)."""
    ds = physics.load_rfmip()
    exps = {0: rce.EXPERIMENTS[0], 1: rce.EXPERIMENTS[1]}
    cols = rce.rfmip_columns(ds, [0], exps)
    go = physics.GasOptics(chunk=cols.n)
    setup = dataclasses.replace(rce.SETUP, tol_k_per_day=0.05, tol_toa=0.5)
    eq = rce.run(cols, lambda state: go.compute(profiles_of(state)), setup)
    return cols, setup, eq


def profiles_of(state):
    from mdbench.systems.rfmip.dataset import profiles_of as of

    return of(state)


def test_rrtmgp_column_reaches_equilibrium_and_warms_under_2xco2(short_run):
    cols, setup, eq = short_run
    assert eq.converged.all(), (eq.steps, eq.max_tendency, eq.toa_imbalance)
    assert np.all(np.abs(eq.toa_imbalance) < setup.tol_toa)
    # a troposphere at the lapse rate below a stratosphere, a surface of a habitable planet
    assert 250.0 < eq.t_sfc[0] < 300.0
    assert 100e2 < eq.tropopause_pressure[0] < 400e2
    warming = eq.t_sfc[1] - eq.t_sfc[0]
    assert 1.0 < warming < 4.0  # coarse tolerance; the slow test holds the stated literature range
    # the classic result: the troposphere warms, the stratosphere (1–10 hPa) cools under more CO2
    strat = (cols.p_lay[0] > 100.0) & (cols.p_lay[0] < 1000.0)
    assert np.all(eq.t_lay[1, strat] < eq.t_lay[0, strat])
    # the column is what the radiation and the adjustment say: equilibrium humidity from its temperatures
    np.testing.assert_allclose(eq.h2o, rce.fixed_rh_h2o(np.clip(eq.t_lay, *physics.T_TABLE), cols.p_lay, cols.p_sfc,
                                                         setup))


#: the validation column: RFMIP site 26 (7.5° S, 343.5° E, ocean; surface pressure 1013.3 hPa, the site closest to
#: 1013.25 hPa), its PI ozone, the PI gases, CO2 × 1, 2, 4
VALIDATION_SITE = 26
#: the stated literature range of the 2×CO2 surface warming of a clear-sky fixed-RH column: Kluft et al. (2019,
#: J. Climate 32(23)) 2.09–2.40 K (RRTMG, moist adiabat, several RH profiles) and Manabe & Wetherald (1967)
#: 2.36 K (fixed RH, 6.5 K/km, average cloudiness), widened by 0.3 K either side for the set-up differences
#: (lapse rate, RH profile, ozone, surface albedo)
ECS_RANGE = (1.8, 2.7)


def validation_columns():
    ds = physics.load_rfmip()
    exps = {0: rce.EXPERIMENTS[0], 1: rce.EXPERIMENTS[1], 2: rce.EXPERIMENTS[2]}
    return rce.rfmip_columns(ds, [VALIDATION_SITE], exps)


@pytest.mark.slow
def test_rrtmgp_column_sensitivity_lies_in_the_literature_range():
    cols = validation_columns()
    go = physics.GasOptics(chunk=cols.n)
    eq = rce.run(cols, lambda state: go.compute(profiles_of(state)))
    assert eq.converged.all()
    ecs2, ecs4 = eq.t_sfc[1] - eq.t_sfc[0], eq.t_sfc[2] - eq.t_sfc[0]
    assert ECS_RANGE[0] < ecs2 < ECS_RANGE[1]
    # CO2 forcing is logarithmic: 4× warms about twice as much as 2× (feedbacks change a little with T_s)
    assert 1.8 < ecs4 / ecs2 < 2.4


@pytest.mark.slow
def test_rce_task_scores_rrtmgp_zero_persistence_its_sensitivity_and_matches_labels(generate_once):
    from helpers import fit_predict, task_data
    from mdbench.benchmark import labels
    from mdbench.core.errors import SubmissionError

    generate_once("rfmip")
    task, data = task_data("rfmip/rce")
    truth, seconds = task.truth(data)
    assert seconds > 0 and truth["t_lay"].shape == (2, 4, physics.N_LAYERS)
    contract = task.contract(data.config)
    # rows matched by label: a shuffled file scores as the ordered one
    shuffled = labels.attach(truth, contract).isel(state=[1, 0], experiment=[3, 1, 0, 2])
    contract.validate(shuffled, "test")
    matched = labels.match(shuffled, contract, "test")
    zero = task.score(matched, data, items_per_second=None, engine_items_per_second=None)
    for name in ("t_profile_rmse", "t_sfc_error", "ecs_2x_error", "ecs_4x_error", "pd_warming_error"):
        assert zero[name].value == 0.0 and zero[name].n == 2
    with pytest.raises(SubmissionError, match="experiment"):
        labels.match(shuffled.isel(experiment=[0, 1, 2]), contract, "test")
    # the static reference predicts no change: its sensitivity error is RRTMGP's sensitivity itself
    static = fit_predict(task, data, "persistence")
    scores = task.score(static, data, items_per_second=None, engine_items_per_second=None)
    sens = task.sensitivities(truth)
    np.testing.assert_allclose(scores["ecs_2x_error"].value, np.abs(sens["ecs_2x"]).mean(), rtol=1e-12)
    assert scores["ecs_2x_error"].value > 1.0
