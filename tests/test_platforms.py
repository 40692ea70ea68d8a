"""Compute platforms and devices: `--platform` for the engines, `--device` for training, recorded and
checked; GPU paths run only where a GPU is (they skip cleanly here)."""

from __future__ import annotations

import json
import time

import pytest
import torch

import mdbench
from mdbench import catalog
from mdbench.cli import main
from mdbench.data import store
from mdbench.systems.md_forecast import physics as proteins

GPU = torch.cuda.is_available()


def test_the_platform_is_recorded_and_verify_checks_the_dataset_against_its_own_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    assert main(["data", "generate", "ala100-smd", "--config", "tiny", "--platform", "CPU", "--quiet"]) == 0
    manifest = store.read_manifest(catalog.dataset("ala100-smd"), "tiny")
    assert manifest["platform"] == "CPU"  # not the default (Reference): a CPU-dependent copy says so
    assert json.loads(mdbench.load("ala100-smd", "tiny", "test").attrs["setup"])["platform"] == "CPU"
    assert main(["data", "verify", "ala100-smd", "--config", "tiny"]) == 0


@pytest.mark.skipif(GPU, reason="this machine has a GPU")
def test_a_missing_gpu_is_one_line_naming_what_is_there(capsys):
    assert main(["data", "generate", "trpcage-like", "--platform", "CUDA"]) == 2
    err = capsys.readouterr().err
    assert "platform 'CUDA' is not available" in err and "available: Reference, CPU" in err
    assert main(["run", "four-well/propagator", "--model", "mdn", "--device", "cuda"]) == 2
    assert "device 'cuda' is not available here; available: cpu" in capsys.readouterr().err


def test_a_cpu_only_model_refuses_a_gpu(capsys, monkeypatch):
    from mdbench.data import platforms

    monkeypatch.setattr(platforms, "torch_devices", lambda: ["cpu", "cuda"])  # as on a GPU machine
    assert main(["run", "four-well/propagator", "--model", "msm", "--device", "cuda"]) == 2
    assert "model 'msm' runs on cpu only" in capsys.readouterr().err


@pytest.mark.skipif(not GPU, reason="needs a CUDA GPU")
def test_training_on_the_gpu(tiny_four_well, tmp_path):
    assert main(["run", "four-well/propagator", "--model", "mdn", "--config", "tiny", "--device", "cuda",
                 "--no-leaderboard", "--quiet", "--out", str(tmp_path / "run")]) == 0
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["device"] == "cuda" and results["entries"]["mdn"]["device"] == "cuda"


@pytest.mark.benchmark(group="openmm wrapper")
def test_the_engine_wrapper_costs_under_5_percent_of_raw_integrator_steps(benchmark):
    """`Engine.run` (state reads, Cα copies) against bare `integrator.step` on the same context.

    A 40-residue helix (403 atoms) saved every 10 steps, as the datasets save; the cost of a step
    of a larger protein only shrinks the wrapper's share.
    """
    setup = proteins.MDSetup(temperature_k=300.0, timestep_fs=1.0)
    engine = proteins.Engine(proteins.alanine_helix(40, setup), setup, seed=0)
    engine.minimize_and_equilibrate(100, 0)
    frames, every = 10, 10

    def raw() -> float:
        # the same cadence of `step` calls as a saving run: any engine that reports every `every`
        # steps pays for splitting the stepping; the wrapper's own cost is what comes on top
        start = time.perf_counter()
        for _ in range(frames):
            engine.integrator.step(every)
        return time.perf_counter() - start

    def wrapped() -> float:
        start = time.perf_counter()
        engine.run(frames, every)
        return time.perf_counter() - start

    raw(), wrapped()  # warm up
    raws, wrappeds = [], []
    for _ in range(7):  # interleaved, so a busy neighbour slows both alike
        raws.append(raw())
        wrappeds.append(wrapped())
    benchmark.pedantic(engine.run, args=(frames, every), rounds=3, iterations=1)
    # the fastest of each: load from other processes only ever adds time
    ratio = min(wrappeds) / min(raws)
    benchmark.extra_info["wrapper_over_raw"] = ratio
    assert ratio < 1.05
