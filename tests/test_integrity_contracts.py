"""Scores a submission cannot control through its coordinates or unphysical values (issue 22):
``channel/a-posteriori`` takes its output times from the task, never the file's ``time`` coordinate,
and ``valid`` is a 0/1 flag; contracts carry physical bounds (RFMIP optical depths ≥ 0, 0 ≤ ssa ≤ 1)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from helpers import task_data
from mdbench import catalog
from mdbench.benchmark.submission import read_submission, write_submission
from mdbench.core.errors import SubmissionError
from mdbench.core.task import CoordinateContract, PredictionContract, VariableContract
from mdbench.systems.channel.posteriori import FilteredDNSStatistics, output_times

POSTERIORI = "channel/a-posteriori"


@pytest.fixture
def channel(generate_once):
    generate_once("channel")
    task, data = task_data(POSTERIORI)
    return task, data, FilteredDNSStatistics().predict(data, seed=0)


def _submit(task, ds, path):
    write_submission(ds, path, task=task.name, model="edited", code="x.py", config="tiny", seed=0)
    return read_submission(task, path)[0]


def _score(task, data, ds):
    return task.score(ds, data, items_per_second=None, engine_items_per_second=None)["survival_time"].value


def _with_time(ds, values):
    return ds.assign_coords(time=("time", values, {"units": "δ/U_b"}))


def test_the_untouched_submission_survives_the_whole_run(channel, tmp_path):
    task, data, ds = channel
    assert _score(task, data, _submit(task, ds, tmp_path / "s.nc")) == output_times(data.config)[-1] == 2.0


@pytest.mark.parametrize("edit", ["times 1000", "last 1e9", "nan", "reversed", "strings", "shifted by 1 ulp"])
def test_an_edited_time_coordinate_is_refused(channel, tmp_path, edit):
    task, data, ds = channel
    t = ds["time"].values
    new = {"times 1000": t * 1000, "last 1e9": np.r_[t[:-1], 1e9], "nan": np.r_[t[:-1], np.nan],
           "reversed": t[::-1], "strings": np.array([str(x) for x in t]),
           "shifted by 1 ulp": np.nextafter(t, np.inf)}[edit]
    with pytest.raises(SubmissionError, match="coordinate 'time' must be absent or equal the task's"):
        _submit(task, _with_time(ds, new), tmp_path / "s.nc")


def test_without_a_time_coordinate_the_task_supplies_the_times(channel, tmp_path):
    task, data, ds = channel
    dropped = ds.drop_vars("time")
    valid = dropped["valid"].values.copy()
    valid[:, 3:] = 0.0  # every run blown up at the fourth output: survived until the third
    read = _submit(task, dropped.assign(valid=(("snapshot", "time"), valid, {"units": "1"})), tmp_path / "s.nc")
    assert "time" not in read.variables
    assert _score(task, data, read) == output_times(data.config)[2] == 1.5


def test_each_run_is_scored_from_its_own_row_and_averaged_with_its_standard_error(channel, tmp_path):
    """One LES per test snapshot: the survival time is the mean over the runs, ± their standard error,
    n = runs, and the rows are matched by their snapshot labels (a reversed file scores the same)."""
    task, data, ds = channel
    times = output_times(data.config)
    runs = ds.sizes["snapshot"]
    assert runs == data.config["test_snapshots"] >= 2
    valid = ds["valid"].values.copy()
    valid[0, 1:] = 0.0  # run 0 blown up at the second output: survived until the first
    edited = ds.assign(valid=(("snapshot", "time"), valid, {"units": "1"}))
    survival = np.r_[times[0], np.full(runs - 1, times[-1])]
    for name, sub in [("s.nc", edited), ("reversed.nc", edited.isel(snapshot=slice(None, None, -1)))]:
        got = task.score(_submit(task, sub, tmp_path / name), data, items_per_second=None,
                         engine_items_per_second=None)["survival_time"]
        assert got.value == pytest.approx(survival.mean())
        assert got.stderr == pytest.approx(survival.std(ddof=1) / np.sqrt(runs)) and got.n == runs


def test_valid_must_be_a_zero_one_flag(channel, tmp_path):
    task, data, ds = channel
    valid = ds["valid"].values.copy()
    valid[0, 0] = 2.0
    with pytest.raises(SubmissionError, match=r"'valid' has 1 of \d+ values outside \{0, 1\}"):
        _submit(task, ds.assign(valid=(("snapshot", "time"), valid, {"units": "1"})), tmp_path / "s.nc")


def test_a_negative_tke_history_is_refused(channel, tmp_path):
    task, data, ds = channel
    tke = -ds["tke_history"].values
    with pytest.raises(SubmissionError, match="'tke_history' has .* values below its minimum 0 U_b"):
        _submit(task, ds.assign(tke_history=(("snapshot", "time"), tke, {"units": "U_b^2"})), tmp_path / "s.nc")


# --- physical bounds --------------------------------------------------------------------------------

def _rfmip_submission(task, config, **values):
    """A contract-shaped RFMIP submission: every property 0.5, except ``values`` (name → array edit)."""
    out = {}
    for var in task.contract(config).variables:
        shape = [var.sizes.get(d, 3) for d in var.dims]
        out[var.name] = (var.dims, np.full(shape, 0.5, dtype=np.float32), {"units": var.units})
    ds = xr.Dataset(out)
    for name, edit in values.items():
        ds[name].values[edit[0]] = edit[1]
    return ds


@pytest.mark.parametrize("name, edit, message", [
    ("sw_ssa_test", ((0, 0, 0), 2.0), r"'sw_ssa_test' has 1 of \d+ values above its maximum 1 "),
    ("sw_ssa_rfmip", ((slice(None), 0, 0), -0.1), r"'sw_ssa_rfmip' has \d+ of \d+ values below its minimum 0 "),
    ("lw_tau_test", ((0, slice(0, 5), 1), -1e-3), r"'lw_tau_test' has 5 of \d+ values below its minimum 0 "),
    ("sw_tau_rfmip", ((1, 1, 1), -1.0), r"'sw_tau_rfmip' has 1 of \d+ values below its minimum 0 "),
    ("lw_src_test", ((2, 2, 2), -5.0), r"'lw_src_test' has 1 of \d+ values below its minimum 0 W m-2 sr-1"),
])
def test_rfmip_optical_properties_outside_their_physical_range_are_refused(name, edit, message, tmp_path):
    task = catalog.task("rfmip/gas-optics")
    config = task.spec.config("tiny")
    contract = task.contract(config)
    contract.validate(_rfmip_submission(task, config), "ok.nc")  # the boundary values 0.5 pass
    edge = _rfmip_submission(task, config, sw_ssa_test=((0, 0), 1.0), lw_tau_test=((0, 0), 0.0))
    contract.validate(edge, "edge.nc")  # bounds are inclusive
    with pytest.raises(SubmissionError, match=message):
        contract.validate(_rfmip_submission(task, config, **{name: edit}), "bad.nc")
    # and through the file reader, as `mdbench score` sees it
    path = tmp_path / "bad.nc"
    write_submission(_rfmip_submission(task, config, **{name: edit}), path, task=task.name, model="m", code="x.py",
                     config="tiny", seed=0)
    with pytest.raises(SubmissionError, match=message):
        read_submission(task, path)


def test_bounds_allowed_values_and_coordinates_of_a_contract():
    contract = PredictionContract(
        (VariableContract("p", ("k",), "1", {"k": 4}, minimum=0.0, maximum=1.0),
         VariableContract("n", ("k",), "1", {"k": 4}, allowed=(0.0, 1.0, 2.0))),
        coordinates=(CoordinateContract("k", (1.0, 2.0, 3.0, 4.0), "s"),))

    def ds(p=(0.0, 0.5, 1.0, 1.0), n=(0.0, 1.0, 2.0, 2.0), k=None):
        out = xr.Dataset({"p": ("k", np.asarray(p, float), {"units": "1"}), "n": ("k", np.asarray(n, float), {"units": "1"})})
        return out if k is None else out.assign_coords(k=k)

    contract.validate(ds(), "f")
    contract.validate(ds(k=[1, 2, 3, 4]), "f")  # integers equal to the task's values are fine
    for bad, match in [(ds(p=(0, 1.5, 2, 0)), "2 of 4 values above its maximum 1"),
                       (ds(p=(-1, 0, 0, 0)), "1 of 4 values below its minimum 0"),
                       (ds(n=(0, 0.5, 3, 1)), r"2 of 4 values outside \{0, 1, 2\}"),
                       (ds(k=[1.0, 2.0, 3.0, 5.0]), "1 values differ"),
                       (ds(k=["a", "b", "c", "d"]), "found dtype")]:
        with pytest.raises(SubmissionError, match=match):
            contract.validate(bad, "f")
