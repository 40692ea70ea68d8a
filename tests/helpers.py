"""Helpers shared by the tests (imported as ``helpers``; pytest puts this folder on the path)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from mdbench import catalog
from mdbench.benchmark.run import fit_predict_score
from mdbench.core.estimate import Estimate
from mdbench.data.store import load_task_data
from mdbench.core.task import Task, TaskData


def task_data(task_name: str, config: str = "tiny") -> tuple[Task, TaskData]:
    """The task and every loaded split of its (already generated) dataset config."""
    task = catalog.task(task_name)
    return task, load_task_data(task, task.spec.config(config))


def _run_entry(task: Task, data: TaskData, name: str, seed: int) -> tuple:
    """Entry ``name`` through `mdbench run`'s own path: fit on what its role may see, predict, write the
    submission, read it back and score that file."""
    import torch

    with tempfile.TemporaryDirectory(prefix="mdbench-entry-") as tmp:
        return fit_predict_score(task, catalog.model(task.name, name), data, seed, None, Path(tmp), False,
                                 device="cpu", threads=torch.get_num_threads())


def fit_predict(task: Task, data: TaskData, name: str, seed: int = 0):
    """The validated predictions of entry ``name``, as `mdbench run` scores them (read back from the file)."""
    return _run_entry(task, data, name, seed)[0]


def score_entry(task: Task, data: TaskData, name: str, seed: int = 0) -> dict:
    """The scores of entry ``name``, exactly as `mdbench run` records them."""
    return {k: Estimate.from_record(v) for k, v in _run_entry(task, data, name, seed)[1]["metrics"].items()}


class FakeClock:
    """Stands in for the ``time`` module of a task: every ``perf_counter()`` call advances ``tick`` seconds,
    so a throughput a task measures becomes an exact, checkable number."""

    def __init__(self, tick: float):
        self.now, self.tick = 0.0, tick

    def perf_counter(self) -> float:
        self.now += self.tick
        return self.now


def interrupted_four_well_tiny(home: Path, patch) -> Path:
    """Generate four-well/tiny into ``home`` and kill it (KeyboardInterrupt) on its third shard, as a
    ``kill`` would; ``patch`` is a pytest MonkeyPatch. Returns the shard folder with its two finished shards."""
    import pytest

    import mdbench

    spec = catalog.dataset("four-well")
    original, calls = type(spec).generate_shard, []

    def dies_on_third(self, config, shard):
        calls.append(shard)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(self, config, shard)

    patch.setenv("MDBENCH_HOME", str(home))
    with patch.context() as inner:
        inner.setattr(type(spec), "generate_shard", dies_on_third)
        with pytest.raises(KeyboardInterrupt):
            mdbench.generate("four-well", "tiny", progress=False)
    shards = home / "four-well" / spec.version / ".shards-tiny"
    assert sorted(p.name for p in shards.glob("*.nc")) == ["train-00000.nc", "val-00000.nc"]
    return shards
