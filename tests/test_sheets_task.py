"""The sheets dataset and the sheets/energy task end to end on the tiny config, and the EDNN's extensivity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import xarray as xr

import mdbench
from baselines.sheets.models import CNNSheets, EDNNSheets
from helpers import fit_predict, task_data
from mdbench import catalog
from mdbench.systems.sheets import images, physics
from mdbench.systems.sheets.physics import composition
from mdbench.systems.sheets.task import SETS, submission

TASK = "sheets/energy"


@pytest.fixture(scope="module")
def tiny_sheets(generate_once):
    return generate_once("sheets")


def test_stored_atoms_reproduce_their_energies_and_forces(tiny_sheets):
    for split in ("train", "transfer_porous"):
        ds = mdbench.load("sheets", "tiny", split)
        assert ds["energy"].attrs["units"] == "eV" and ds["positions"].attrs["units"] == "Å"
        for k in (0, ds.sizes["config"] - 1):
            n = int(ds["n_atoms"][k])
            sheet = physics.Sheet(ds["positions"].values[k, :n], ds["numbers"].values[k, :n], tuple(ds["cell"].values[k]))
            e, f = physics.energy_forces(sheet)
            assert e == pytest.approx(float(ds["energy"][k]), abs=1e-6)
            np.testing.assert_allclose(f, ds["forces"].values[k, :n], atol=1e-6)
            assert np.all(ds["numbers"].values[k, n:] == 0)


def test_no_trajectory_is_in_two_splits(tiny_sheets):
    spec = catalog.dataset("sheets")
    seen: dict[int, str] = {}
    for split in spec.splits:
        ds = mdbench.load("sheets", "tiny", split)
        for t in np.unique(ds["trajectory"].values):
            assert t not in seen, f"trajectory {t} in {seen.get(t)} and {split}"
            seen[t] = split
        # every trajectory's snapshots are contiguous and complete
        counts = np.unique(ds["trajectory"].values, return_counts=True)[1]
        assert len(set(counts)) == 1


def test_transfer_sheets_are_larger_than_the_training_cell(tiny_sheets):
    sizes = {s: mdbench.load("sheets", "tiny", s)["n_atoms"].values.max() for s in ("train", "transfer_2x2", "transfer_5x5")}
    assert sizes["train"] <= 60 < sizes["transfer_2x2"] <= 240 < sizes["transfer_5x5"] <= 1500


def test_a_shard_is_reproducible(tiny_sheets):
    spec = catalog.dataset("sheets")
    cfg = spec.config("tiny")
    shard = [s for s in spec.shards(cfg) if s.split == "val"][0]
    xr.testing.assert_identical(spec.generate_shard(cfg, shard), spec.generate_shard(cfg, shard))


def test_references_score_as_they_must(tiny_sheets):
    task, data = task_data(TASK)
    exact = task.score(fit_predict(task, data, "lammps"), data, items_per_second=None, engine_items_per_second=None)
    for name in SETS:
        assert exact[f"mae_per_area_{name}"].value < 1e-9
    # composition: least-squares μ on train; on test its MAE is that of the residuals, computed here by hand
    comp = task.score(fit_predict(task, data, "composition"), data, items_per_second=None, engine_items_per_second=None)
    counts = composition(data.train["numbers"].values)
    mu = np.linalg.lstsq(counts, data.train["energy"].values, rcond=None)[0]
    test = data.test
    resid = np.abs(composition(test["numbers"].values) @ mu - test["energy"].values)
    area = test["cell"].values.prod(axis=1)
    assert comp["mae_per_area_test"].value == pytest.approx(1e3 * np.mean(resid / area), rel=1e-6)
    assert comp["mae_per_atom_test"].value == pytest.approx(1e3 * np.mean(resid / test["n_atoms"].values), rel=1e-6)
    # the per-species energies are those of the sheets: between h-BN's and graphene's energy per atom ± 1 eV
    assert -9.5 < mu[1] < -7.0


def test_models_see_atoms_but_no_energies(tiny_sheets):
    task, data = task_data(TASK)
    inputs = task.prediction_inputs(data)
    assert set(inputs) == set(SETS)
    for ds in inputs.values():
        assert "energy" not in ds and "forces" not in ds and "temperature" not in ds


def test_the_cnn_without_tiling_predicts_only_the_60_atom_set(tiny_sheets):
    task, data = task_data(TASK)
    pred = fit_predict(task, data, "cnn")
    assert list(pred.data_vars) == ["energy_test"]
    scores = task.score(pred, data, items_per_second=None, engine_items_per_second=None)
    assert np.isnan(scores["mae_per_area_5x5"].value) and np.isfinite(scores["mae_per_area_test"].value)


def _untrained():
    cfg = catalog.dataset("sheets").config("tiny")
    return EDNNSheets().initialise(cfg, seed=0), cfg


def test_ednn_is_extensive_a_tiled_sheet_gets_an_exact_multiple():
    model, cfg = _untrained()
    rng = np.random.default_rng(4)
    sheet = physics.heterostructure(rng)
    sheet.positions += rng.normal(0, 0.1, sheet.positions.shape)
    big = sheet.tiled(3, 2)
    e1 = model.stream_energy(sheet.positions, sheet.numbers, sheet.cell)
    e6 = model.stream_energy(big.positions, big.numbers, big.cell)
    assert e6 == pytest.approx(6 * e1, rel=1e-6)
    # and the network part alone (composition term excluded) is extensive too, and not trivially 0
    net1 = e1 - float(model.comp.predict(composition(sheet.numbers[None]))[0])
    assert abs(net1) > 1e-4
    # the non-tiled CNN has no such property: it cannot even take the larger image
    cnn = CNNSheets().initialise(cfg)
    assert not cnn.accepts(images.grid_shape(big.cell, cnn.pixel))


def test_streaming_tiles_equal_the_whole_image_path():
    model, _ = _untrained()
    rng = np.random.default_rng(5)
    sheet = physics.porous_sheet(rng)
    ds = xr.Dataset({"positions": (("config", "atom", "xyz"), sheet.positions[None]),
                     "numbers": (("config", "atom"), sheet.numbers[None]),
                     "cell": (("config", "axis"), np.array([sheet.cell]))})
    whole = model.energies(ds)[0]
    streamed = model.stream_energy(sheet.positions, sheet.numbers, sheet.cell, tiles_per_batch=7)
    assert streamed == pytest.approx(whole, abs=1e-4 * sheet.n_atoms)


def test_submission_with_wrong_units_is_rejected(tiny_sheets):
    from mdbench.core.errors import SubmissionError

    task, data = task_data(TASK)
    sub = submission({"test": np.zeros(data.test.sizes["config"])})
    sub["energy_test"].attrs["units"] = "kcal/mol"
    with pytest.raises(SubmissionError):
        task.contract(data.config).validate(sub, "bad")


def test_full_config_keeps_the_papers_network_and_grid():
    from baselines.sheets.models import architecture, paper_cnn

    cfg = catalog.dataset("sheets").config("full")
    arch = architecture("full", cfg["image_pixels"])
    assert (cfg["image_pixels"], arch["focus"], arch["context"]) == (256, 64, 32)
    net = paper_cnn(arch["focus"] + 2 * arch["context"])
    layers = [type(m).__name__ for m in net.modules()]
    assert layers.count("Conv2d") == 13 and layers.count("Linear") == 2
    assert all(m.out_channels == 64 for m in net.modules() if isinstance(m, torch.nn.Conv2d))
