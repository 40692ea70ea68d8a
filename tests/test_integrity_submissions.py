"""Scores a submission cannot control: links, external storage and bombs are refused from the HDF5
header, before netCDF reads anything (issue 22)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from helpers import fit_predict, task_data
from mdbench.benchmark.submission import MAX_ELEMENTS, read_submission, write_submission
from mdbench.core.errors import SubmissionError
from mdbench.data import store

TASK = "four-well/propagator"


@pytest.fixture(scope="module")
def valid(tiny_four_well, tmp_path_factory):
    task, data = task_data(TASK)
    path = tmp_path_factory.mktemp("sub") / "persistence.nc"
    write_submission(fit_predict(task, data, "persistence"), path, task=TASK, model="persistence", code="x.py",
                     config="tiny", seed=0)
    return task, path


def _copy(valid, tmp_path):
    task, path = valid
    out = tmp_path / "sub.nc"
    out.write_bytes(path.read_bytes())
    return task, out


def test_the_valid_file_is_read(valid):
    task, path = valid
    ds, meta, config = read_submission(task, path)
    assert meta["model"] == "persistence" and config.name == "tiny"


def test_an_external_link_to_the_held_out_targets_is_refused(valid, tmp_path):
    task, path = _copy(valid, tmp_path)
    test_split = store.dataset_dir(task.spec, "tiny") / "test.nc"
    with h5py.File(path, "r+") as f:
        f["stolen"] = h5py.ExternalLink(str(test_split), "/x")
    with pytest.raises(SubmissionError, match="is a link to"):
        read_submission(task, path)


def test_external_raw_storage_is_refused(valid, tmp_path):
    task, path = _copy(valid, tmp_path)
    with h5py.File(path, "r+") as f:
        f.create_dataset("zeros", shape=(100,), dtype="f8", external=[("/dev/zero", 0, 800)])
    with pytest.raises(SubmissionError, match="outside the file"):
        read_submission(task, path)


def test_a_declared_giant_variable_is_refused_before_anything_is_read(valid, tmp_path):
    task, path = _copy(valid, tmp_path)
    with h5py.File(path, "r+") as f:  # declares 8 GB, stores almost nothing
        f.create_dataset("extra", shape=(MAX_ELEMENTS + 1,), dtype="f8", chunks=(1 << 20,), compression="gzip")
    with pytest.raises(SubmissionError, match="elements, more than a submission may"):
        read_submission(task, path)


def test_a_variable_of_the_wrong_shape_is_refused_from_the_header(valid, tmp_path, monkeypatch):
    task, path = valid
    ds, meta, _ = read_submission(task, path)
    longer = ds.pad(time=(0, 5), constant_values=0.0)
    out = tmp_path / "longer.nc"
    write_submission(longer, out, task=TASK, model="persistence", code="x.py", config="tiny", seed=0)
    monkeypatch.setattr("xarray.open_dataset", lambda *a, **k: pytest.fail("read before the header was checked"))
    with pytest.raises(SubmissionError, match="entries along 'time'"):
        read_submission(task, out)


def test_an_undeclared_variable_is_never_read(valid, tmp_path):
    task, path = _copy(valid, tmp_path)
    with h5py.File(path, "r+") as f:
        f.create_dataset("notes", data=np.arange(10.0))
    ds, _, _ = read_submission(task, path)
    assert "notes" not in ds.variables
