"""The dataset store: atomic, locked, hashed, reproducible generation and verified loading."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import filelock
import numpy as np
import pytest
import xarray as xr

import mdbench
from mdbench.data import store
from mdbench import catalog
from mdbench.core.errors import DatasetBusyError, DatasetCorruptError, DatasetMissingError, UnknownNameError


def _manifest_hashes(path: Path) -> dict:
    return {k: v["sha256"] for k, v in json.loads((path / "manifest.json").read_text())["splits"].items()}


def test_load_returns_documented_xarray(tiny_four_well):
    ds = mdbench.load(*tiny_four_well, split="train")
    assert ds["x"].dims == ("replica", "time")
    assert ds["x"].dtype == np.float32
    assert ds["x"].attrs["units"] == "1" and ds["time"].attrs["units"].startswith("time")
    cfg = catalog.dataset("four-well").config("tiny")
    assert ds.sizes["time"] == cfg["train_steps"] // cfg["save_every"]
    assert ds.attrs["dataset_version"] == catalog.dataset("four-well").version
    params = json.loads(ds.attrs["generator_params"])
    assert params["dt"] == {"value": 1e-3, "units": "time", "description": params["dt"]["description"]}


def test_splits_are_independent_trajectories(tiny_four_well):
    train, test = (mdbench.load(*tiny_four_well, split=s)["x"].values for s in ("train", "test"))
    n = min(train.shape[1], test.shape[1])
    assert not np.allclose(train[0, :n], test[0, :n])
    manifest = store.read_manifest(catalog.dataset("four-well"), "tiny")
    seeds = [s["seed"] for s in manifest["shards"]]
    assert len(set(seeds)) == len(seeds)


def test_manifest_records_parameters_versions_and_hashes(tiny_four_well):
    manifest = store.read_manifest(catalog.dataset("four-well"), "tiny")
    assert manifest["params"]["potential_prefactor"]["units"] == "kT"
    assert {"numpy", "xarray", "numba", "mdbench"} <= set(manifest["versions"])
    assert set(manifest["splits"]) == {"train", "val", "test"}
    assert mdbench.verify(*tiny_four_well) == {k: v["sha256"] for k, v in manifest["splits"].items()}


def test_same_seed_gives_same_hashes_serial_and_dask(tmp_path, monkeypatch, tiny_four_well, session_home):
    reference = _manifest_hashes(store.dataset_dir(catalog.dataset("four-well"), "tiny"))
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "serial"))
    assert _manifest_hashes(mdbench.generate("four-well", "tiny", progress=False)) == reference
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "dask"))
    assert _manifest_hashes(mdbench.generate("four-well", "tiny", workers=2, progress=False)) == reference


def test_existing_scheduler_gives_the_same_hashes(tmp_path, monkeypatch, tiny_four_well):
    from dask.distributed import LocalCluster

    reference = _manifest_hashes(store.dataset_dir(catalog.dataset("four-well"), "tiny"))
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "remote"))
    # several threads in one worker: the shards' netCDF writes must not overlap (HDF5 is not thread-safe)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        path = mdbench.generate("four-well", "tiny", scheduler=cluster.scheduler_address, progress=False)
    assert _manifest_hashes(path) == reference


def test_threads_of_one_process_write_shards_at_once_without_corruption(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    spec = catalog.dataset("four-well")
    cfg = spec.config("tiny")
    shards = spec.shards(cfg) * 20  # unlocked, 4 threads crashed the interpreter within ~100 writes
    paths = [str(tmp_path / f"{i}.nc") for i in range(len(shards))]
    with ThreadPoolExecutor(4) as pool:
        records = list(pool.map(lambda i: store.produce_shard(spec, cfg, shards[i], paths[i], f"k{i}"),
                                range(len(shards))))
    for i, record in enumerate(records):
        assert store._finished_shard(Path(paths[i]), f"k{i}", shards[i]) == record
    first = store._read_shard(Path(paths[0]))
    assert all(store._read_shard(Path(p)).equals(first) for p in paths[:: len(spec.shards(cfg))])


def test_missing_dataset_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    with pytest.raises(DatasetMissingError, match=r"mdbench data generate four-well --config tiny"):
        mdbench.load("four-well", "tiny")


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: mdbench.load("no-such-data"), "unknown dataset 'no-such-data'; known: .*four-well"),
        (lambda: mdbench.load("four-well", "huge"), "unknown config 'huge' of dataset 'four-well'"),
        (lambda: mdbench.load("four-well", "tiny", "training"), "unknown split 'training'"),
    ],
)
def test_unknown_names(call, pattern):
    with pytest.raises(UnknownNameError, match=pattern):
        call()


def test_truncated_file_is_reported_not_loaded(private_copy):
    path = private_copy / "train.nc"
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(DatasetCorruptError, match=r"cannot read .*train\.nc .*--force"):
        mdbench.load("four-well", "tiny", "train")


def test_changed_values_fail_the_content_hash(private_copy):
    path = private_copy / "val.nc"
    with xr.open_dataset(path) as ds:
        ds = ds.load()
    ds["x"][0, 5] = ds["x"][0, 5] + 0.25
    ds.to_netcdf(path)
    with pytest.raises(DatasetCorruptError, match="content hash"):
        mdbench.load("four-well", "tiny", "val")
    assert mdbench.load("four-well", "tiny", "val", verify=False)["x"].shape[1] > 0  # skippable


def test_interrupted_generation_keeps_the_old_dataset(private_copy, monkeypatch):
    """Killed while writing the last split: the old dataset still loads, and no half-written copy is left."""
    before = _manifest_hashes(private_copy)
    spec = catalog.dataset("four-well")
    original = type(spec).assemble

    def dies_on_test_split(self, config, split, parts):
        if split == "test":
            raise KeyboardInterrupt
        return original(self, config, split, parts)

    with monkeypatch.context() as patch:
        patch.setattr(type(spec), "assemble", dies_on_test_split)
        with pytest.raises(KeyboardInterrupt):
            mdbench.generate("four-well", "tiny", force=True, progress=False)
    assert not list(private_copy.parent.glob(".tmp-tiny-*"))  # the half-written generation is removed at once
    assert _manifest_hashes(private_copy) == before
    mdbench.verify("four-well", "tiny")
    mdbench.generate("four-well", "tiny", progress=False)


def test_a_held_lock_makes_generation_wait_then_fail_clearly(private_copy):
    lock = filelock.FileLock(str(private_copy) + ".lock")
    with lock:
        with pytest.raises(DatasetBusyError, match="being generated by another process"):
            mdbench.generate("four-well", "tiny", force=True, progress=False, lock_timeout=0.2)


def test_concurrent_generations_leave_a_valid_dataset(tmp_path):
    env = {**os.environ, "MDBENCH_HOME": str(tmp_path / "concurrent")}
    cmd = [sys.executable, "-m", "mdbench.cli", "data", "generate", "four-well", "--config", "tiny", "--force", "--quiet"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    check = subprocess.run([sys.executable, "-m", "mdbench.cli", "data", "verify", "four-well", "--config", "tiny"],
                           env=env, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": ok") == 3


def _ising_hashes(session_home) -> dict:
    return _manifest_hashes(session_home / "ising" / catalog.dataset("ising").version / "tiny")


def test_an_interrupted_generation_resumes_bit_identically(tmp_path, monkeypatch, tiny_ising, session_home, capsys):
    spec = catalog.dataset("ising")
    reference = _ising_hashes(session_home)
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    original, calls = type(spec).generate_shard, []

    def dies_after_six(self, config, shard):
        calls.append(shard)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return original(self, config, shard)

    with monkeypatch.context() as patch:
        patch.setattr(type(spec), "generate_shard", dies_after_six)
        with pytest.raises(KeyboardInterrupt):
            mdbench.generate("ising", "tiny", progress=False)
    with pytest.raises(DatasetMissingError):  # nothing half-made is visible
        mdbench.load("ising", "tiny")
    path = mdbench.generate("ising", "tiny", progress=True)
    assert f"reusing 6 of {len(spec.shards(spec.config('tiny')))} finished shards" in capsys.readouterr().out
    assert _manifest_hashes(path) == reference
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["shards_reused"] == 6 and not (path.parent / ".shards-tiny").exists()
    run = manifest["shard_runs"][0]
    assert run["units"] == "configurations" and run["seconds"] > 0 and run["work_per_second"] > 0


def test_a_killed_generation_resumes_bit_identically(tmp_path, tiny_ising, session_home):
    """SIGKILL (no clean-up at all) after a few shards, then resume."""
    import signal
    import time

    env = {**os.environ, "MDBENCH_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "mdbench.cli", "data", "generate", "ising", "--config", "tiny",
                             "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    shards = tmp_path / "ising" / catalog.dataset("ising").version / ".shards-tiny"
    deadline = time.monotonic() + 120
    while len(list(shards.glob("*.nc"))) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = len(list(shards.glob("*.nc")))
    assert finished >= 4, "the generation ended before it could be killed"
    resumed = subprocess.run([sys.executable, "-m", "mdbench.cli", "data", "generate", "ising", "--config", "tiny"],
                             env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"reusing {finished} of" in resumed.stdout
    assert _manifest_hashes(shards.parent / "tiny") == _ising_hashes(session_home)
