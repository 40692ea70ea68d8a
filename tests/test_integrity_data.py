"""Wrong data must not verify (issue #22): damaged shards, changed structure, damaged channel restarts, thread-dependent
numerics.  Tiny configs only: four-well (~1 s), ising (session fixture), channel (~3 s per generation)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import mdbench
from helpers import interrupted_four_well_tiny
from mdbench import catalog
from mdbench.core.errors import DatasetCorruptError
from mdbench.data import store

CARDS = Path(__file__).resolve().parents[1] / "mdbench" / "systems"


def _split_hashes(path: Path) -> dict:
    return {k: v["sha256"] for k, v in json.loads((path / "manifest.json").read_text())["splits"].items()}


def _committed(system: str, name: str, config: str) -> dict:
    return json.loads((CARDS / system / "cards" / "generation" / f"{name}__{config}.json").read_text())


def _rewrite(path: Path, change) -> None:
    """Load a netCDF file, apply ``change`` to it and write it back (attributes, shard provenance included)."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        ds = ds.load()
    ds = change(ds)
    path.unlink()
    ds.to_netcdf(path, engine="netcdf4")


# --- 1. finished shards carry their own hash --------------------------------------------------------
def test_an_edited_finished_shard_is_regenerated_not_reused(tmp_path, monkeypatch, tiny_four_well, capsys):
    reference = _split_hashes(store.dataset_dir(catalog.dataset("four-well"), "tiny"))
    shards = interrupted_four_well_tiny(tmp_path, monkeypatch)

    def plus_one(ds):
        ds["x"] = ds["x"] + np.float32(1)
        return ds

    _rewrite(shards / "val-00000.nc", plus_one)
    capsys.readouterr()
    path = mdbench.generate("four-well", "tiny", progress=True)
    captured = capsys.readouterr()
    assert "reusing 1 of 3" in captured.out
    lines = [line for line in captured.err.splitlines() if "val-00000" in line]
    assert len(lines) == 1 and "generating it again" in lines[0]
    assert _split_hashes(path) == reference


def test_a_shard_copied_over_another_is_regenerated_not_reused(tmp_path, monkeypatch, tiny_four_well, capsys):
    reference = _split_hashes(store.dataset_dir(catalog.dataset("four-well"), "tiny"))
    shards = interrupted_four_well_tiny(tmp_path, monkeypatch)
    shutil.copyfile(shards / "train-00000.nc", shards / "val-00000.nc")
    capsys.readouterr()
    path = mdbench.generate("four-well", "tiny", progress=False)
    assert "val-00000" in capsys.readouterr().err
    assert _split_hashes(path) == reference


# --- 2. the manifest records each split's structure --------------------------------------------------
@pytest.fixture
def private_copy(tmp_path, monkeypatch):
    """``private_copy(name)``: a copy of a generated tiny dataset that a test may damage."""

    def copy(name: str) -> Path:
        src = store.dataset_dir(catalog.dataset(name), "tiny")
        dst = tmp_path / "home" / src.relative_to(Path(os.environ["MDBENCH_HOME"]))
        shutil.copytree(src, dst)
        monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
        return dst

    return copy


def test_swapped_dimension_names_fail_verification(private_copy, tiny_ising):
    path = private_copy("ising") / "train.nc"

    def swap(ds):  # the same bytes, shape and sizes: only the lattice axes' names are exchanged
        return ds.assign(spins=(("sample", "x", "y"), ds["spins"].values, ds["spins"].attrs))

    _rewrite(path, swap)
    with pytest.raises(DatasetCorruptError, match=r"'spins'.*dims") as err:
        mdbench.load("ising", "tiny", "train")
    assert "\n" not in str(err.value) and "--force" in str(err.value)
    with pytest.raises(DatasetCorruptError, match="'spins'"):
        mdbench.verify("ising", "tiny")


def test_a_data_variable_turned_coordinate_fails_verification(private_copy, tiny_four_well):
    path = private_copy("four-well") / "val.nc"
    _rewrite(path, lambda ds: ds.set_coords("x"))
    with pytest.raises(DatasetCorruptError, match=r"'x'.*coordinate"):
        mdbench.load("four-well", "tiny", "val")


def test_structure_record_keeps_the_committed_hashes(tiny_four_well):
    """The structure record is beside the split hashes, not under them: the dataset and split sha256 stay the
    committed ones."""
    manifest = store.read_manifest(catalog.dataset("four-well"), "tiny")
    committed = _committed("four_well", "four-well", "tiny")
    assert manifest["sha256"] == committed["sha256"]
    assert {k: v["sha256"] for k, v in manifest["splits"].items()} == \
        {k: v["sha256"] for k, v in committed["splits"].items()}
    assert set(manifest["structure"]) == {"train", "val", "test"}
    assert manifest["structure"]["train"]["variables"]["x"] == {
        "dims": ["replica", "time"], "coord": False, "dtype": "<f4",
        "shape": [1, manifest["splits"]["train"]["sizes"]["time"]], "units": "1"}


def test_a_manifest_without_structure_still_verifies_with_a_note(private_copy, tiny_four_well, capsys):
    directory = private_copy("four-well")
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest.pop("structure", None)  # as written before structure digests existed
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))
    assert mdbench.verify("four-well", "tiny") == {k: v["sha256"] for k, v in manifest["splits"].items()}
    err = capsys.readouterr().err
    assert "structure" in err and "unchecked" in err and "--force" in err
    assert mdbench.load("four-well", "tiny", "train")["x"].dims == ("replica", "time")


# --- 3 and 4. channel: hashed restart files, numerics independent of the thread count ------------
def test_channel_hashes_do_not_depend_on_the_torch_thread_count(tmp_path, monkeypatch):
    """The committed record of channel/tiny was generated on one thread; two threads give the same bytes."""
    import torch

    before = torch.get_num_threads()
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    torch.set_num_threads(2)
    try:
        path = mdbench.generate("channel", "tiny", progress=False)
        assert torch.get_num_threads() == 2  # restored after each shard
    finally:
        torch.set_num_threads(before)
    committed = _committed("channel", "channel", "tiny")
    assert _split_hashes(path) == {k: v["sha256"] for k, v in committed["splits"].items()}
    assert json.loads((path / "manifest.json").read_text())["versions"]["torch_threads"] == "1"


def test_channel_hashes_do_not_depend_on_mkls_code_path(tmp_path):
    """MKL (torch's FFTs and matrix products) picks its code path by CPU unless MKL_CBWR fixes it, and only when
    it starts: before 1.1.0, `small` made on this AMD EPYC differed from the Intel record, and tiny under
    MKL_CBWR=COMPATIBLE differed from tiny without it. The DNS now runs on the COMPATIBLE branch (same results on
    every x86-64 CPU, Intel's CNR documentation) whatever the process was started with."""
    import subprocess
    import sys

    committed = _committed("channel", "channel", "tiny")
    for branch in ("", "AVX2", "COMPATIBLE"):
        home = tmp_path / (branch or "unset")
        env = {**os.environ, "MDBENCH_HOME": str(home), "MKL_CBWR": branch}
        subprocess.run([sys.executable, "-m", "mdbench.cli", "data", "generate", "channel", "--config", "tiny", "--quiet"],
                       env=env, check=True, capture_output=True)
        path = home / "channel" / committed["version"] / "tiny"
        assert _split_hashes(path) == {k: v["sha256"] for k, v in committed["splits"].items()}, branch
    assert json.loads((path / "manifest.json").read_text())["versions"]["mkl_cbwr"] == "COMPATIBLE"


def test_steered_md_generates_its_committed_record_on_the_reference_platform(tiny_smd, session_home):
    """ala100-smd 0.1.0 ran on OpenMM's CPU platform, whose AVX/AVX2 kernels are chosen by CPU: `small` made on
    an AMD EPYC differed from the record in every split. 0.2.0 generates on the Reference platform by default
    and this machine's copy must be the recorded data."""
    spec = catalog.dataset("ala100-smd")
    assert spec.platforms[0] == "Reference"
    committed = _committed("md_forecast", "ala100-smd", "tiny")
    path = session_home / "ala100-smd" / spec.version / "tiny"
    assert committed["version"] == spec.version and committed["platform"] == "Reference"
    assert _split_hashes(path) == {k: v["sha256"] for k, v in committed["splits"].items()}


def test_channel_numerics_are_part_of_the_shard_key(monkeypatch):
    spec = catalog.dataset("channel")
    cfg = spec.config("tiny")
    key = store._shard_key(spec, cfg)
    monkeypatch.setattr(type(spec), "numerics", {**spec.numerics, "torch_threads": 2})
    assert store._shard_key(spec, cfg) != key


def test_a_damaged_channel_restart_file_is_recomputed(tmp_path, monkeypatch, capsys):
    from mdbench.systems.channel import run

    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    spec = catalog.dataset("channel")
    cfg = spec.config("tiny")
    reference = _split_hashes(mdbench.generate("channel", "tiny", progress=False))
    restarts = sorted(run.restart_dir(cfg).glob("s*.npz"))
    assert restarts
    victim = restarts[len(restarts) // 2]
    with np.load(victim) as f:
        state = dict(f)
    state["u"] = state["u"] * 1.01
    np.savez(victim, **state)
    capsys.readouterr()
    path = mdbench.generate("channel", "tiny", force=True, progress=False)
    err = capsys.readouterr().err
    assert _split_hashes(path) == reference
    assert victim.name in err and "sha256" in err
    assert all(p.with_suffix(".json").is_file() for p in run.restart_dir(cfg).glob("s*.npz"))  # sidecars
