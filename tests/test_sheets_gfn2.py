"""``sheets-gfn2`` (sheets 2.0.0): GFN2-xTB labels on the Tersoff-NVT geometries of ``sheets`` 1.0.0.

The tiny config (12 GFN2 labels, ≈ 20 s of tblite on one core) is generated once, interrupted on its
third shard and resumed, so the default tier checks the labels, their provenance, the resume and the
task's scoring of labelled rows only.  The slow tier recomputes ≥ 20 stored ``small`` energies with
tblite's ASE calculator (an independent code path from the generator's ``tblite.interface`` calls).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

import mdbench
from helpers import task_data
from mdbench import catalog
from mdbench.data import store
from mdbench.systems.sheets import xtb
from mdbench.systems.sheets.dataset import SHEETS_GFN2
from mdbench.systems.sheets.task import SETS

TASK = "sheets-gfn2/energy"
#: the user's dataset home, read before the fixtures isolate every test in a session cache
USER_HOME = os.environ.get("MDBENCH_HOME")
#: independent recomputation agrees to this (eV per atom): the SCC is converged far below it (the accuracy
#: scan of the card moves energies by < 10⁻⁸ eV/atom), the two paths differ only in float rounding
AGREE_EV_PER_ATOM = 1e-6


@pytest.fixture(scope="module")
def tiny_gfn2(generate_once, session_home):
    """sheets-gfn2/tiny in the session cache, generated through a kill on the third shard and a resume."""
    if not (session_home / "sheets-gfn2").exists():
        calls = []
        original = type(SHEETS_GFN2).generate_shard

        def dies_on_third(self, config, shard):
            calls.append(shard)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return original(self, config, shard)

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MDBENCH_HOME", str(session_home))
            mp.setattr(type(SHEETS_GFN2), "generate_shard", dies_on_third)
            with pytest.raises(KeyboardInterrupt):
                mdbench.generate("sheets-gfn2", "tiny", progress=False)
        finished = sorted(p.name for p in (session_home / "sheets-gfn2" / "2.0.0" / ".shards-tiny").glob("*.nc"))
        assert finished == ["train-00000.nc", "val-00000.nc"]
    generate_once("sheets", "tiny")
    return generate_once("sheets-gfn2", "tiny")


def test_same_geometries_and_tersoff_labels_as_v1(tiny_gfn2):
    for split in ("train", "test", "transfer_porous"):
        new, old = mdbench.load("sheets-gfn2", "tiny", split), mdbench.load("sheets", "tiny", split)
        # v2 tiny keeps the first 2 snapshots of the first trajectories of v1 tiny (same seed, shards and MD)
        rows = np.flatnonzero(np.isin(old["trajectory"].values, new["trajectory"].values) & (old["snapshot"].values < 2))
        np.testing.assert_array_equal(new["positions"].values, old["positions"].values[rows])
        np.testing.assert_array_equal(new["tersoff_energy"].values, old["energy"].values[rows])
        np.testing.assert_array_equal(new["tersoff_forces"].values, old["forces"].values[rows])
        assert new["tersoff_energy"].attrs["units"] == "eV" and new["energy"].attrs["units"] == "eV"


def test_stored_labels_are_gfn2_of_the_stored_atoms(tiny_gfn2):
    ds = mdbench.load("sheets-gfn2", "tiny", "test")
    settings = SHEETS_GFN2.settings(SHEETS_GFN2.config("tiny"))
    assert settings == xtb.SETTINGS  # the config's parameters are the module's settings
    for k in (ds.sizes["config"] - 1,):
        n = int(ds["n_atoms"][k])
        res = xtb.evaluate(ds["positions"].values[k, :n], ds["numbers"].values[k, :n], ds["cell"].values[k], settings)
        assert res.energy == pytest.approx(float(ds["energy"][k]), abs=AGREE_EV_PER_ATOM * n)
        np.testing.assert_allclose(res.forces, ds["forces"].values[k, :n], atol=1e-5)
        assert res.iterations == int(ds["scc_cycles"][k]) > 0
    # GFN2 and Tersoff are different energy scales (≈ −57 vs −7.8 eV/atom) that agree beyond composition
    assert np.all(ds["energy"].values < 6 * ds["tersoff_energy"].values)
    assert np.all(np.abs(ds["scc_energy_change"].values) < 1e-4)


def test_unlabelled_transfer_configurations_are_nan_and_recorded_so(tiny_gfn2):
    for split in ("transfer_2x2", "transfer_5x5", "transfer_porous"):
        ds = mdbench.load("sheets-gfn2", "tiny", split)
        assert SHEETS_GFN2.labelled(SHEETS_GFN2.config("tiny"), split) == 0
        assert np.isnan(ds["energy"].values).all() and (ds["scc_cycles"].values == 0).all()
        assert np.isfinite(ds["tersoff_energy"].values).all()


def test_label_engine_and_settings_are_in_the_manifest(tiny_gfn2):
    manifest = store.read_manifest(SHEETS_GFN2, "tiny")
    assert manifest["version"] == "2.0.0" and manifest["versions"]["tblite"] == xtb.tblite_version()
    params = manifest["params"]
    assert params["label_method"]["value"] == "GFN2-xTB"
    assert params["electronic_temperature"] == {"value": 300.0, "units": "K",
                                                "description": "Fermi smearing of the SCC"}
    assert manifest["shards_reused"] == 2  # the resumed run of the fixture
    ds = mdbench.load("sheets-gfn2", "tiny", "train")
    assert "GFN2-xTB (tblite" in ds.attrs["label_engine"]


def test_v1_manifest_identity_is_unchanged():
    # the committed v1 board quotes the manifest sha256 of sheets/small: its parameter record must not move
    import json

    system = catalog.system("sheets")
    record = json.loads((system.generation_dir / "sheets__small.json").read_text())
    assert record["params"] == catalog.dataset("sheets").config("small").to_record()["params"]
    board = json.loads((system.leaderboard_dir / "sheets__energy.json").read_text())
    small = [e for e in board["entries"] if e["config"] == "small"]
    assert small and {e["dataset_sha256"] for e in small} == {record["sha256"]}
    assert {e["dataset_version"] for e in board["entries"]} == {catalog.dataset("sheets").version} == {"1.0.0"}


def test_task_scores_labelled_configurations_only(tiny_gfn2):
    task, data = task_data(TASK)
    visible = task.data_for(data, "model")  # what `mdbench run` hands a model (no engine timing here)
    model = catalog.model(TASK, "tersoff").factory().fit(visible, seed=0)
    pred = model.predict(visible, seed=0)
    scores = task.score(pred, data, items_per_second=None, engine_items_per_second=None)
    # tiny labels no transfer configuration: those metrics are n/a, the test set's are measured
    assert np.isfinite(scores["mae_per_area_test"].value) and scores["mae_per_area_test"].n == 2
    assert all(np.isnan(scores[f"mae_per_area_{s}"].value) for s in ("2x2", "5x5", "porous"))
    assert "cost_vs_gfn2" in scores and "cost_vs_lammps" not in scores
    # the prediction is Tersoff + per-species offsets fitted on the GFN2 train labels
    from mdbench.systems.sheets import physics
    from mdbench.systems.sheets.physics import composition

    test = data.test
    raw = physics.energies(test["positions"].values, test["numbers"].values, test["n_atoms"].values, test["cell"].values)
    np.testing.assert_allclose(pred["energy_test"].values, raw + composition(test["numbers"].values) @ model.delta_mu)
    # without the offsets the two scales are ≈ 17 eV/Å² apart; with them (3 numbers from 6 tiny train labels) < 1
    assert scores["mae_per_area_test"].value < 1e3


def test_gfn2_reference_reproduces_the_labels(tiny_gfn2):
    task, data = task_data(TASK)
    visible = task.data_for(data, "physics reference")
    reference = catalog.model(TASK, "gfn2-xtb").factory().fit(visible, seed=0)
    # it leaves out the sets tiny does not label; one test configuration keeps the test cheap
    others = reference.predict(dataclasses.replace(visible, inputs={k: v.isel(config=[0]) for k, v in
                                                                  visible.inputs.items() if k != "test"}), seed=0)
    assert not others.data_vars
    one = reference.predict(dataclasses.replace(visible, inputs={"test": visible.inputs["test"].isel(config=[0])}),
                            seed=0)
    assert float(one["energy_test"][0]) == pytest.approx(float(data.test["energy"][0]),
                                                          abs=AGREE_EV_PER_ATOM * int(data.test["n_atoms"][0]))


def ase_energy(positions, numbers, cell, settings=xtb.SETTINGS) -> float:
    """GFN2-xTB energy (eV) through tblite's ASE calculator: the independent path of the recomputation."""
    from ase import Atoms
    from tblite.ase import TBLite

    atoms = Atoms(numbers=np.asarray(numbers, dtype=int), positions=positions,
                  cell=[cell[0], cell[1], settings.lattice_z], pbc=settings.periodic)
    atoms.calc = TBLite(method=settings.method, electronic_temperature=settings.electronic_temperature,
                        accuracy=settings.accuracy, max_iterations=settings.max_iterations, verbosity=0)
    return float(atoms.get_potential_energy())


def _recompute(config: str, n: int) -> None:
    rng = np.random.default_rng(0)
    checked = 0
    for split in SETS.values():
        ds = mdbench.load("sheets-gfn2", config, split)
        rows = np.flatnonzero(np.isfinite(ds["energy"].values) & (ds["n_atoms"].values <= 240))
        for k in rng.permutation(rows)[:max(0, n - checked)]:
            m = int(ds["n_atoms"][k])
            e = ase_energy(ds["positions"].values[k, :m], ds["numbers"].values[k, :m], ds["cell"].values[k])
            assert e == pytest.approx(float(ds["energy"][k]), abs=AGREE_EV_PER_ATOM * m), (split, int(k))
            checked += 1
    assert checked == n


def test_ase_calculator_recomputes_stored_energies(tiny_gfn2):
    _recompute("tiny", 2)


@pytest.mark.slow
def test_ase_calculator_recomputes_24_stored_small_energies(monkeypatch):
    # sheets-gfn2/small is 1.5–2 core-hours of labels: read it from the user's own store, where the card's
    # `mdbench data generate sheets-gfn2 --config small --workers N` puts it (generated here if missing,
    # resuming from its finished shards)
    if USER_HOME:
        monkeypatch.setenv("MDBENCH_HOME", USER_HOME)
    else:
        monkeypatch.delenv("MDBENCH_HOME")
    mdbench.generate("sheets-gfn2", "small", progress=False)
    _recompute("small", 24)


def test_committed_fidelity_table_follows_from_its_energies():
    """The card's fidelity table (fidelity_xtb_small.json) is recomputed from its own per-structure energies with
    the comparison the Tersoff subset uses, and its Tersoff row is the committed Tersoff subset's."""
    from mdbench.systems.sheets import fidelity

    summary = fidelity.load_xtb_summary("small")
    rows = summary["structures"]
    assert len(rows) == 30
    counts, area, atoms = (np.array([r[k] for r in rows], dtype=float) for k in ("counts_BCN", "area_A2", "n_atoms"))
    pbe = np.array([r["pbe_eV"] for r in rows])
    for key in ("tersoff", "gfn2", "gfn1", "chgnet"):
        again = fidelity.compare(pbe, np.array([r[f"{key}_eV"] for r in rows]), counts, area, atoms)
        assert again["mae_per_area"] == summary["table"][key]["mae_per_area"]
    committed = fidelity.load_summary("small")["comparison"]["mae_per_area"]
    for field in ("value", "se"):  # the same energies, rounded differently on their way into the two files
        assert summary["table"]["tersoff"]["mae_per_area"][field] == pytest.approx(committed[field], rel=1e-12)
    # the reason for the new labels: GFN2 is several standard errors closer to PBE than Tersoff
    g, t = summary["table"]["gfn2"]["mae_per_area"], summary["table"]["tersoff"]["mae_per_area"]
    assert t["value"] - g["value"] > 3 * np.hypot(t["se"], g["se"])
