"""Every bad input found by hand so far gives one actionable line and a non-zero exit, never a
traceback or a silent success (the reliability issue, items 1–8, one test each)."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import mdbench
from mdbench import catalog
from mdbench.benchmark.submission import write_submission
from mdbench.cli import main
from mdbench.core.errors import DatasetCorruptError, MdbenchError
from mdbench.data import store
from mdbench.data.windows import frames_at_lag

TASK = "four-well/propagator"


def _one_line_error(capsys, code: int) -> str:
    captured = capsys.readouterr()
    assert code == 2, captured
    err = captured.err.strip()
    assert err.startswith("mdbench: error: ") and "\n" not in err and "Traceback" not in captured.err, err
    return err


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def _garble(path: Path, how: str) -> None:
    target = path / "manifest.json"
    if how == "directory":
        target.unlink()
        target.mkdir()
        return
    good = _manifest(path)
    garbled = {
        "list": [], "null": None, "number": 42, "splits-list": {**good, "splits": []},
        "no-sha256": {**good, "splits": {**good["splits"], "val": {"file": "val.nc", "sizes": {}}}},
        "no-file": {**good, "splits": {**good["splits"], "val": {"sha256": "0" * 64, "sizes": {}}}},
        "file-number": {**good, "splits": {**good["splits"], "val": {**good["splits"]["val"], "file": 5}}},
    }[how]
    target.write_text(json.dumps(garbled))


GARBLED = ["list", "null", "number", "splits-list", "no-sha256", "no-file", "file-number", "directory"]


# 1. a structurally garbled manifest -------------------------------------------------------------
@pytest.mark.parametrize("how", GARBLED)
def test_a_garbled_manifest_is_one_line_and_generate_repairs_it(private_copy, how, capsys):
    before = _manifest(private_copy)["splits"]
    _garble(private_copy, how)
    assert "manifest" in _one_line_error(capsys, main(["data", "verify", "four-well", "--config", "tiny"]))
    assert main(["data", "info", "four-well", "--config", "tiny"]) == 0
    assert "status: not generated (manifest" in capsys.readouterr().out
    with pytest.raises(DatasetCorruptError):
        mdbench.load("four-well", "tiny")
    assert main(["data", "generate", "four-well", "--config", "tiny", "--quiet"]) == 0  # repairs, no --force
    assert {k: v["sha256"] for k, v in _manifest(private_copy)["splits"].items()} == \
        {k: v["sha256"] for k, v in before.items()}


# 2. metadata is under the hash ------------------------------------------------------------------
@pytest.mark.parametrize("edit", ["units", "long_name", "global-config", "global-split"])
def test_edited_attributes_fail_verification(private_copy, edit):
    path = private_copy / "val.nc"
    with xr.open_dataset(path) as ds:
        ds = ds.load()
    if edit == "units":
        ds["x"].attrs["units"] = "nm"
    elif edit == "long_name":
        ds["time"].attrs["long_name"] = "something else"
    else:
        ds.attrs[edit.split("-")[1]] = "other"
    ds.to_netcdf(path)
    with pytest.raises(DatasetCorruptError, match="content hash"):
        mdbench.load("four-well", "tiny", "val")


@pytest.mark.parametrize("edit", ["prefactor", "seed", "seed-and-hash"])
def test_a_manifest_that_claims_other_physics_does_not_verify(private_copy, edit, capsys):
    manifest = _manifest(private_copy)
    if edit == "prefactor":
        manifest["params"]["potential_prefactor"]["value"] = 4.0
    else:
        manifest["seed"] += 1
    if edit == "seed-and-hash":  # even a manifest re-sealed with a valid hash is not this mdbench's config
        manifest["sha256"] = store.manifest_hash(manifest)
    (private_copy / "manifest.json").write_text(json.dumps(manifest))
    err = _one_line_error(capsys, main(["data", "verify", "four-well", "--config", "tiny"]))
    assert "changed after generation" in err or "a different seed" in err


def test_ising_coupling_edit_is_caught(tmp_path, monkeypatch, tiny_ising, session_home):
    src = store.dataset_dir(catalog.dataset("ising"), "tiny")
    dst = tmp_path / "home" / src.relative_to(session_home)
    shutil.copytree(src, dst)
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    manifest = _manifest(dst)
    manifest["params"]["coupling"]["value"] = -1.0
    manifest["sha256"] = store.manifest_hash(manifest)
    (dst / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetCorruptError, match="different value of parameter 'coupling'"):
        mdbench.load("ising", "tiny")


# 3. paths stay inside the dataset directory -----------------------------------------------------
@pytest.mark.parametrize("file", ["../../../../etc/passwd.nc", "/etc/x.nc", "sub/val.nc", ".hidden.nc"])
def test_manifest_paths_stay_inside_the_dataset(private_copy, file):
    manifest = _manifest(private_copy)
    manifest["splits"]["val"]["file"] = file
    manifest["sha256"] = store.manifest_hash(manifest)
    (private_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetCorruptError, match="file"):
        mdbench.load("four-well", "tiny", "val")


def test_a_symlink_out_of_the_dataset_is_refused(private_copy, tmp_path):
    outside = tmp_path / "elsewhere.nc"
    shutil.move(private_copy / "val.nc", outside)
    (private_copy / "val.nc").symlink_to(outside)
    with pytest.raises(DatasetCorruptError, match="outside its directory"):
        mdbench.load("four-well", "tiny", "val")


# 4. paths and addresses given on the command line -------------------------------------------------
def _submission(tmp_path: Path, **kw) -> Path:
    n = frames_at_lag(catalog.task(TASK).spec.config("tiny"))
    ds = xr.Dataset({"x": (("time",), np.zeros(n, dtype=np.float32), {"units": "1"})})
    return write_submission(ds, tmp_path / "sub.nc", task=TASK, model="m", code="c", config="tiny", seed=0, **kw)


def test_score_with_a_name_longer_than_the_filesystem_allows(capsys):
    assert "File name too long" in _one_line_error(capsys, main(["score", TASK, "x" * 303 + ".nc"]))


@pytest.mark.parametrize("where", ["missing-dir", "a-dir", "through-a-file"])
def test_score_json_to_a_path_that_cannot_be_written(tmp_path, tiny_four_well, where, capsys):
    sub = _submission(tmp_path)
    target = {"missing-dir": tmp_path / "nope" / "s.json", "a-dir": tmp_path,
              "through-a-file": sub / "s.json"}[where]
    err = _one_line_error(capsys, main(["score", TASK, str(sub), "--json", str(target)]))
    assert str(target.parent if where != "a-dir" else target) in err


def test_export_to_an_impossible_path(tiny_four_well, capsys):
    err = _one_line_error(capsys, main(["data", "export", "four-well", "--config", "tiny", "--out", "/dev/null/x"]))
    assert "cannot write /dev/null/x" in err


def test_a_scheduler_that_is_not_an_address(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    err = _one_line_error(capsys, main(["data", "generate", "four-well", "--config", "tiny", "--quiet",
                                        "--scheduler", "not-an-address"]))
    assert "cannot reach the dask scheduler" in err


def test_an_unreachable_scheduler_fails_fast(tmp_path, monkeypatch, capsys):
    from mdbench.data import sharding

    monkeypatch.setattr(sharding, "CONNECT_TIMEOUT", 2)
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = _one_line_error(capsys, main(["data", "generate", "four-well", "--config", "tiny", "--quiet",
                                        "--scheduler", f"tcp://127.0.0.1:{port}"]))
    assert "cannot reach the dask scheduler" in err


# 5. non-finite speeds ---------------------------------------------------------------------------
@pytest.mark.parametrize("speed", [float("nan"), float("inf")])
def test_a_non_finite_speed_is_refused(tmp_path, tiny_four_well, speed, capsys):
    sub = _submission(tmp_path)
    with xr.open_dataset(sub) as ds:
        ds = ds.load()
    ds.attrs["items_per_second"] = speed
    ds.to_netcdf(tmp_path / "fast.nc")
    assert "items_per_second" in _one_line_error(capsys, main(["score", TASK, str(tmp_path / "fast.nc")]))


# 6. every name checked before any work ------------------------------------------------------------
def test_an_unknown_model_in_a_list_stops_before_any_work(tmp_path, tiny_four_well, capsys):
    err = _one_line_error(capsys, main(["run", TASK, "--model", "persistence,nope", "--config", "tiny",
                                        "--out", str(tmp_path / "run")]))
    assert "unknown model 'nope'" in err
    assert not (tmp_path / "run").exists()


# 7. nonsense that used to exit 0 --------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    (["leaderboard", TASK, "--config", "nope", "--dir",
      str(Path(__file__).parents[1] / "mdbench" / "systems" / "four_well" / "leaderboards")], "unknown config 'nope'"),
    (["leaderboard", TASK, "--dir", "/nonexistent"], "no such leaderboard directory"),
    (["leaderboard", "--check", "--dir", "/nonexistent"], "no such leaderboard directory"),
    (["leaderboard", "--rescore", "--dir", "/nonexistent"], "no such leaderboard directory"),
    (["data", "generate", "four-well", "--workers", "-3"], "not a positive number"),
    (["data", "generate", "four-well", "--workers", "two"], "not a whole number"),
    (["run", TASK, "--model", "msm", "--device", "tpu"], "device 'tpu' is not available"),
    (["data", "generate", "four-well", "--platform", "CUDA"], "no platform to choose"),
    (["data", "generate", "trpcage-like", "--platform", "Metal"], "platform 'Metal' is not available"),
    (["frobnicate"], "invalid choice"),
])
def test_nonsense_exits_non_zero_with_one_line(argv, message, capsys):
    assert message in _one_line_error(capsys, main(argv))


# 8. a name that is not a string -----------------------------------------------------------------
@pytest.mark.parametrize("name", [["four-well"], 3, None])
def test_a_dataset_name_that_is_not_a_string(name):
    with pytest.raises(MdbenchError, match="is a string"):
        mdbench.load(name)
