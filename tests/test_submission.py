"""`mdbench score`: every malformed submission gets one actionable line and exit status 2."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mdbench.benchmark.submission import read_submission, write_submission
from mdbench.cli import main
from mdbench import catalog
from mdbench.data.windows import frames_at_lag

TASK = "four-well/propagator"


def _valid(n: int | None = None) -> xr.Dataset:
    n = n or frames_at_lag(catalog.task(TASK).spec.config("tiny"))
    x = np.random.default_rng(0).uniform(-1, 1, n).astype(np.float32)
    return xr.Dataset({"x": (("time",), x, {"units": "1"})})


def _write(tmp_path, ds=None, **meta):
    """A user-made file: metadata written as plain netCDF global attributes."""
    ds = _valid() if ds is None else ds
    ds.attrs.update(task=TASK, model="my-model", code="https://example.org/code", config="tiny", seed=1)
    ds.attrs.update(meta)
    ds.to_netcdf(tmp_path / "sub.nc")
    return tmp_path / "sub.nc"


def test_a_valid_submission_scores(tmp_path, tiny_four_well, capsys):
    path = write_submission(_valid(), tmp_path / "ok.nc", task=TASK, model="my-model", code="x.py",
                            config="tiny", seed=1, items_per_second=1000.0)
    assert main(["score", TASK, str(path), "--json", str(tmp_path / "s.json")]) == 0
    out = capsys.readouterr().out
    assert "free_energy_rmse" in out and "[kT]" in out
    ds, meta, config = read_submission(catalog.task(TASK), path)
    assert meta["model"] == "my-model" and config.name == "tiny"


def _bad_cases(tmp_path):
    n = frames_at_lag(catalog.task(TASK).spec.config("tiny"))
    nan = _valid()
    nan["x"][3] = np.nan
    yield "missing variable 'x'", _valid().rename({"x": "y"})
    yield "has dims ('frame',)", _valid().rename({"time": "frame"})
    yield f"expected {n}", _valid(n - 1)
    yield "non-finite", nan
    yield "dtype int", _valid().astype(int)
    ds = _valid()
    ds["x"].attrs["units"] = "nm"
    yield "units 'nm'", ds


@pytest.mark.parametrize("case", range(6))
def test_contract_violations(tmp_path, case, capsys):
    message, ds = list(_bad_cases(tmp_path))[case]
    path = _write(tmp_path, ds)
    assert main(["score", TASK, str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("mdbench: error: ")


@pytest.mark.parametrize(
    "meta, message",
    [
        ({"task": "ising/energy"}, "submission is for task 'ising/energy'"),
        ({"config": "enormous"}, "unknown config 'enormous'"),
        ({"seed": "zero"}, "global attribute seed: 'zero' is not of type 'integer'"),
        ({"model": "bad name!"}, "global attribute model"),
    ],
)
def test_metadata_violations(tmp_path, meta, message, capsys):
    path = _write(tmp_path, **meta)
    assert main(["score", TASK, str(path)]) == 2
    assert message in capsys.readouterr().err


def test_missing_metadata_and_non_netcdf_files(tmp_path, capsys):
    bare = tmp_path / "bare.nc"
    _valid().to_netcdf(bare)
    assert main(["score", TASK, str(bare)]) == 2
    assert "'task' is a required property" in capsys.readouterr().err
    pickle = tmp_path / "model.pkl"
    pickle.write_bytes(b"\x80\x04\x95cos\nsystem\n")
    assert main(["score", TASK, str(pickle)]) == 2
    assert "not a readable netCDF4 file" in capsys.readouterr().err
    assert main(["score", TASK, str(tmp_path / "nope.nc")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["score", "no/task", str(bare)]) == 2
    assert "unknown task 'no/task'" in capsys.readouterr().err
