"""Label-matched scoring (issue 19): a submission's rows are matched to the test data by label, never by
position; a permutation of the rows scores identically on every task with rows; tasks whose predictions are
trajectories say so in their contract and label nothing."""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr
from helpers import fit_predict, task_data

from mdbench import catalog
from mdbench.benchmark import labels
from mdbench.benchmark.submission import read_submission, write_submission
from mdbench.core.errors import SubmissionError

#: every built-in task: its rows are labelled (True) or its predictions are trajectories (False)
LABELLED = {"ising/energy": True, "sheets/energy": True, "channel/a-priori": True, "rfmip/gas-optics": True,
            "adk/forecast": True, "ala100-smd/forecast": True,
            "four-well/propagator": False, "trpcage-like/simulator": False, "channel/a-posteriori": True}
#: tasks whose contract needs no generated data (the forecast tasks read their window count from the manifest)
NO_DATA = [t for t in LABELLED if not t.endswith("/forecast")]
SOURCE = re.compile(r"coordinate `(\w+)` of prediction input `(\w+)`")


def test_every_task_labels_its_rows_or_says_why_it_has_none():
    """Every task in the catalog (a new one too): its contract labels some dim, or states why it has no rows
    (never both, never neither).  Forecast contracts read the generated manifest and are covered below."""
    from mdbench.core.errors import MdbenchError

    seen = 0
    for name in catalog.task_names():
        task = catalog.task(name)
        try:
            contract = task.contract(task.spec.config("tiny" if "tiny" in task.spec.configs else None))
        except MdbenchError:  # needs its generated data
            continue
        labelled = any(v.labels for v in contract.variables)
        assert labelled != bool(contract.unlabelled), name
        if name in LABELLED:
            assert labelled == LABELLED[name], name
        seen += 1
    assert seen >= len(NO_DATA)


def _contract(name, config="tiny"):
    task = catalog.task(name)
    return task, task.contract(task.spec.config(config))


def _random_submission(contract, rng) -> xr.Dataset:
    """Random predictions of every contract variable, with the task's labels on the labelled dims."""
    wanted = labels.expected(contract)
    data = {v.name: (v.dims, rng.normal(size=[v.sizes.get(d, 3) for d in v.dims]), {"units": v.units})
            for v in contract.variables}
    dims = {d for v in contract.variables for d in v.dims}
    return xr.Dataset(data, coords={d: (d, wanted[d]) for d in wanted if d in dims})


@pytest.mark.parametrize("name", [t for t in NO_DATA if LABELLED[t]])
def test_a_permutation_of_the_rows_is_undone_exactly(name):
    """Seeded property loop: any permutation of every labelled dim (labels moved with their rows) matches back
    to the unpermuted submission exactly, so Task.score sees identical input."""
    rng = np.random.default_rng(19)
    _, contract = _contract(name)
    wanted = labels.expected(contract)
    assert wanted, f"{name} labels no dim"
    original = _random_submission(contract, rng)
    for _ in range(5):
        order = {d: rng.permutation(len(v)) for d, v in wanted.items()}
        while all((p == np.arange(len(p))).all() for p in order.values()):  # two rows (tiny) keep their order often
            order = {d: rng.permutation(len(v)) for d, v in wanted.items()}
        shuffled = original.isel(order)
        assert not shuffled.identical(original)
        assert labels.match(shuffled, contract, "x").identical(original)


@pytest.mark.parametrize("name", [t for t in NO_DATA if not LABELLED[t]])
def test_trajectory_tasks_label_nothing_and_say_why(name):
    _, contract = _contract(name)
    assert contract.unlabelled and not any(v.labels for v in contract.variables)
    assert labels.expected(contract) == {}


@pytest.mark.parametrize("name", [t for t in NO_DATA if LABELLED[t]])
def test_labelled_contracts_say_where_a_model_finds_the_labels(name):
    _, contract = _contract(name)
    assert not contract.unlabelled
    for var in contract.variables:
        for dim, where in var.labels.items():
            assert dim in var.dims and (SOURCE.fullmatch(where) or dim in var.label_values)


def _inputs_carry_the_labels(task, data):
    contract = task.contract(data.config)
    inputs = task.prediction_inputs(data)
    wanted = labels.expected(contract)
    checked = 0
    for var in contract.variables:
        for dim, where in var.labels.items():
            found = SOURCE.fullmatch(where)
            if found:
                coord, name = found.groups()
                np.testing.assert_array_equal(inputs[name][coord].values, wanted[dim])
                checked += 1
    assert checked


def test_ising_reversed_with_correct_labels_scores_zero_and_permutations_score_identically(tiny_ising, tmp_path):
    """The issue's trial: the reversed exact energies with correct sample_8 labels scored 0.91 J/spin; now 0.
    And a noisy submission scores identically under random row permutations (all sizes)."""
    task, data = task_data("ising/energy")
    _inputs_carry_the_labels(task, data)
    exact = fit_predict(task, data, "hamiltonian")
    assert "sample_8" in exact.coords  # the harness writes the labels into the file it scores
    n = exact.sizes["sample_8"]
    reversed_ = exact.isel(sample_8=np.arange(n)[::-1])
    assert reversed_["sample_8"].values[0] == n - 1
    meta = dict(task=task.name, model="rev", code="test", config="tiny", seed=0)
    ds, _, _ = read_submission(task, write_submission(reversed_, tmp_path / "rev.nc", **meta))
    score = task.score(ds, data, items_per_second=None, engine_items_per_second=None)
    assert score["mae_per_spin_8"].value == 0.0 and score["mae_total_16"].value == 0.0
    # positionally, the same values would be far off: the labels did the matching
    assert np.abs(reversed_["energy_8"].values - exact["energy_8"].values).mean() > 1.0

    rng = np.random.default_rng(0)
    noisy = exact.copy(deep=True)
    for v in noisy.data_vars:
        noisy[v].values += rng.normal(scale=2.0, size=noisy[v].shape)
    base = task.score(read_submission(task, write_submission(noisy, tmp_path / "n.nc", **meta))[0], data,
                      items_per_second=None, engine_items_per_second=None)
    assert base["mae_per_spin_8"].value > 0
    for i in range(3):
        perm = noisy.isel({d: rng.permutation(noisy.sizes[d]) for d in noisy.dims})
        got = task.score(read_submission(task, write_submission(perm, tmp_path / f"p{i}.nc", **meta))[0], data,
                         items_per_second=None, engine_items_per_second=None)
        assert {k: v.to_record() for k, v in got.items()} == {k: v.to_record() for k, v in base.items()}


@pytest.mark.parametrize("change, message", [
    (lambda ds: ds.drop_vars("sample_8"), "has no coordinate 'sample_8'"),
    (lambda ds: ds.assign_coords(sample_8=np.r_[0, np.arange(ds.sizes["sample_8"] - 1)]), "repeats labels 0"),
    (lambda ds: ds.assign_coords(sample_8=np.arange(ds.sizes["sample_8"]) + 1), "lacks labels 0"),
    (lambda ds: ds.assign_coords(sample_8=np.arange(ds.sizes["sample_8"]) + 0.5), "non-integer labels"),
])
def test_missing_duplicate_or_extra_labels_are_one_line_errors(tiny_ising, tmp_path, change, message):
    task, data = task_data("ising/energy")
    exact = fit_predict(task, data, "hamiltonian")[["energy_8"]]
    path = write_submission(change(exact), tmp_path / "bad.nc", task=task.name, model="bad", code="t",
                            config="tiny", seed=0)
    with pytest.raises(SubmissionError, match=re.escape(message)) as err:
        read_submission(task, path)
    assert "\n" not in str(err.value)


def test_channel_snapshots_are_matched_by_label(generate_once, tmp_path):
    generate_once("channel")
    _inputs_carry_the_labels(*task_data("channel/a-posteriori"))  # one LES per test snapshot, same labels
    task, data = task_data("channel/a-priori")
    _inputs_carry_the_labels(task, data)
    pred = fit_predict(task, data, "smagorinsky")
    meta = dict(task=task.name, model="p", code="t", config="tiny", seed=0)
    base = task.score(pred, data, items_per_second=None, engine_items_per_second=None)
    perm = pred.isel(snapshot=np.arange(pred.sizes["snapshot"])[::-1])
    got = task.score(read_submission(task, write_submission(perm, tmp_path / "p.nc", **meta))[0], data,
                     items_per_second=None, engine_items_per_second=None)
    assert {k: v.to_record() for k, v in got.items()} == {k: v.to_record() for k, v in base.items()}


def test_forecast_windows_histories_and_leads_are_matched_by_label(tiny_smd, tmp_path):
    task, data = task_data("ala100-smd/forecast")
    _inputs_carry_the_labels(task, data)
    contract = task.contract(data.config)
    assert set(labels.expected(contract)) == {"history", "lead", "window"}
    pred = fit_predict(task, data, "static")
    rng = np.random.default_rng(1)
    pred["ca_forecast"].values += rng.normal(scale=0.3, size=pred["ca_forecast"].shape).astype(np.float32)
    meta = dict(task=task.name, model="p", code="t", config="tiny", seed=0)
    base = task.score(read_submission(task, write_submission(pred, tmp_path / "b.nc", **meta))[0], data,
                      items_per_second=None, engine_items_per_second=None)
    perm = pred.isel({d: rng.permutation(pred.sizes[d]) for d in ("history", "lead", "window")})
    got = task.score(read_submission(task, write_submission(perm, tmp_path / "p.nc", **meta))[0], data,
                     items_per_second=None, engine_items_per_second=None)
    assert {k: v.to_record() for k, v in got.items()} == {k: v.to_record() for k, v in base.items()}
