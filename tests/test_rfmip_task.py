"""The rfmip dataset and the rfmip/gas-optics task end to end on the tiny config (one JAX compile
per session: the dataset, the references and the solver share it)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import mdbench
from helpers import fit_predict, task_data
from mdbench import catalog
from mdbench.core.errors import SubmissionError
from mdbench.systems.rfmip import physics
from baselines.rfmip.models import GasOpticsMLP, features
from mdbench.systems.rfmip.dataset import EXTRA_SPLIT, GASES, PROPERTIES, gas_optics, profiles_of, site_split

TASK = "rfmip/gas-optics"


@pytest.fixture(scope="module")
def tiny_rfmip(generate_once):
    return generate_once("rfmip")


@pytest.fixture(scope="module")
def scored(tiny_rfmip):
    """The task data and the references' predictions and scores (computed once)."""
    task, data = task_data(TASK)
    preds = {name: fit_predict(task, data, name) for name in ("training-mean", "rrtmgp")}
    scores = {name: task.score(p, data, items_per_second=None, engine_items_per_second=None)
              for name, p in preds.items()}
    return task, data, preds, scores


def test_fields_units_and_protocol(tiny_rfmip):
    spec = catalog.dataset("rfmip")
    for split in spec.splits:
        ds = mdbench.load("rfmip", "tiny", split)
        assert ds["lw_tau"].shape[1:] == (60, 256) and ds["sw_ssa"].shape[1:] == (60, 224)
        assert ds["lw_tau"].dtype == np.float32
        assert {f"vmr_{g}" for g in GASES} <= set(ds.data_vars)
        assert ds["lw_src"].attrs["units"] == "W m-2 sr-1" and ds["p_lay"].attrs["units"] == "Pa"
        assert np.all(ds["sw_ssa"].values >= 0) and np.all(ds["sw_ssa"].values <= 1)
        assert np.all(ds["lw_tau"].values >= 0) and np.all(ds["lw_src"].values > 0)
        # independent check of the SW boundary: TOA downward = TSI cos(zenith) by day, 0 by night
        mu = np.cos(np.radians(ds["zenith"].values))
        np.testing.assert_allclose(ds["sw_dn"].values[:, 0], np.where(mu > 0, ds["tsi"].values * mu, 0.0), rtol=1e-4)
        # LW: surface upward flux = ε σ T_s⁴ + (1 − ε) F↓ (within the Planck table's 0.2 %)
        emis, ts = ds["emis"].values, ds["t_sfc"].values
        np.testing.assert_allclose(ds["lw_up"].values[:, -1],
                                   emis * physics.SIGMA * ts**4 + (1 - emis) * ds["lw_dn"].values[:, -1], rtol=3e-3)


def test_splits_are_disjoint_by_site_and_rfmip_split_is_the_real_protocol(tiny_rfmip):
    sites = {s: set(mdbench.load("rfmip", "tiny", s)["site"].values.tolist()) for s in ("train", "val", "test")}
    assert not (sites["train"] & sites["test"]) and not (sites["train"] & sites["val"])
    assert not (sites["val"] & sites["test"])
    cfg = catalog.dataset("rfmip").config("tiny")
    assert sites["test"] <= set(cfg["test_sites"])
    ex = mdbench.load("rfmip", "tiny", EXTRA_SPLIT)
    assert ex.sizes["profile"] == 18 * len(cfg["test_sites"]) and not ex["perturbed"].values.any()
    assert sorted(set(zip(ex["expt"].values.tolist(), ex["site"].values.tolist()))) == \
        sorted((e, s) for e in range(18) for s in cfg["test_sites"])
    raw = physics.load_rfmip()
    row = int(np.flatnonzero((ex["expt"].values == 2) & (ex["site"].values == cfg["test_sites"][0]))[0])
    np.testing.assert_allclose(ex["t_lay"].values[row], raw["temp_layer"].values[2, cfg["test_sites"][0]], rtol=1e-6)
    assert ex["vmr_co2"].values[row, 0] == pytest.approx(1137.268e-6, rel=1e-5)  # 4×CO2 row of the file
    # site sets of every config partition the 100 sites
    for name in ("tiny", "small", "full"):
        parts = site_split(len(catalog.dataset("rfmip").config(name)["test_sites"]),
                           len(catalog.dataset("rfmip").config(name)["val_sites"]))
        assert sum(len(v) for v in parts.values()) == 100 and len(set().union(*parts.values())) == 100


def test_references_score_as_expected(scored):
    task, data, preds, scores = scored
    exact, static = scores["rrtmgp"], scores["training-mean"]
    for p in PROPERTIES:
        key = f"{p}_log_mae" if p != "sw_ssa" else "sw_ssa_mae"
        assert exact[key].value == 0.0 and static[key].value > 0.005
    # RRTMGP's properties through the solvers give back the stored fluxes (float32 storage only)
    for k in ("lw_flux_mae", "sw_flux_mae", "lw_heating_mae", "forcing_4xco2_error"):
        assert exact[k].value < 1e-3, k
        assert static[k].value > 100 * max(exact[k].value, 1e-5), k
    # a composition-blind model has no forcing at all: its error is RRTMGP's forcing itself
    forcing = task.forcings(preds["training-mean"], data)["4xco2"]
    assert forcing["predicted"] == pytest.approx(0.0, abs=1e-6)
    assert static["forcing_4xco2_error"].value == pytest.approx(abs(forcing["rrtmgp"]), rel=1e-6)
    assert 2.0 < forcing["rrtmgp"] < 12.0  # 4×CO2 instantaneous TOA forcing, W/m²
    targets = task.targets(data)
    assert targets["rrtmgp_forcing_4xco2"] == pytest.approx(forcing["rrtmgp"], rel=1e-9)


def test_submission_contract_rejects_missing_and_wrong_units(scored):
    task, data, preds, _ = scored
    contract = task.contract(data.config)
    bad = preds["training-mean"].drop_vars("lw_src_test")
    with pytest.raises(SubmissionError, match="lw_src_test"):
        contract.validate(bad, "x")
    wrong = preds["training-mean"].copy()
    wrong["sw_tau_rfmip"].attrs["units"] = "m"
    with pytest.raises(SubmissionError, match="units"):
        contract.validate(wrong, "x")


@pytest.fixture(scope="module")
def mlp(scored):
    """The paper's eight MLPs fitted on tiny (2 epochs) and what a model may see."""
    task, data, _, _ = scored
    visible = task.data_for(data, "model")
    return GasOpticsMLP().fit(visible, seed=0, progress=False), visible


def test_mlp_runs_end_to_end_on_tiny(scored, mlp):
    task, data, _, _ = scored
    model, visible = mlp
    pred = model.predict(visible, seed=0)
    task.contract(data.config).validate(pred, "mlp")
    s = task.score(pred, data, items_per_second=None, engine_items_per_second=None)
    assert np.isfinite(s["lw_flux_mae"].value) and np.isfinite(s["forcing_pi_error"].value)
    assert set(pred.data_vars) == {f"{p}_{s}" for p in PROPERTIES for s in ("test", EXTRA_SPLIT)}
    # the numpy matrix-product inference equals the trained torch networks
    net = model.nets["lw_tau", "lower"]
    x = features(visible.inputs["test"])[:50]
    with torch.no_grad():
        ref = net.net(torch.as_tensor(((x - net.x_mean) / net.x_std).astype(np.float32))).numpy() * net.y_std + net.y_mean
    np.testing.assert_allclose(net.predict(x), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.benchmark(group="rfmip gas optics")
def test_mlp_is_at_least_5x_faster_than_rrtmgp_gas_optics(scored, mlp, benchmark):
    """Goal of the issue (paper: ≈ 5×): the eight MLPs against jax-rrtmgp's gas optics (compiled,
    the same columns, one thread, best of 5 interleaved pairs), measured in this process."""
    task, data, _, _ = scored
    model, visible = mlp
    optics = gas_optics(data.config["chunk"])
    profs = physics.Profiles.concat([profiles_of(visible.inputs[s]) for s in ("test", EXTRA_SPLIT)])
    import torch

    optics.compute(profs)  # compiled already by the dataset; make sure
    # the MLPs on one torch thread like the yardstick, interleaved: on a busy machine a second thread
    # spin-waits for a core that is not free (issue 23) and a slow spell then hits both alike
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        pairs = [(_timed(optics.compute, profs), _timed(lambda: model.predict(visible, seed=0))) for _ in range(5)]
        benchmark.pedantic(model.predict, args=(visible,), kwargs={"seed": 0}, rounds=1, iterations=1)
    finally:
        torch.set_num_threads(before)
    best = min(p[0] for p in pairs)
    ratio = best / min([p[1] for p in pairs] + [benchmark.stats.stats.min])
    benchmark.extra_info["rrtmgp_seconds"] = best
    benchmark.extra_info["speedup"] = ratio
    assert ratio >= 5.0, f"MLP only {ratio:.1f}× faster than RRTMGP's gas optics"


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def test_shards_are_pure_functions_of_config_and_seed(tiny_rfmip, scored):
    """Regenerating a shard in this process gives the stored values bit for bit (seeded perturbations,
    deterministic gas optics and solvers)."""
    spec = catalog.dataset("rfmip")
    cfg = spec.config("tiny")
    shard = next(s for s in spec.shards(cfg) if s.split == "test" and s.index == 0)
    again = spec.generate_shard(cfg, shard)
    stored = mdbench.load("rfmip", "tiny", "test").isel(profile=slice(0, again.sizes["profile"]))
    for var in ("t_lay", "vmr_h2o", "lw_tau", "sw_ssa", "lw_up", "sw_dn"):
        np.testing.assert_array_equal(again[var].values, stored[var].values)
