"""Helpers shared by the tests (imported as ``helpers``; pytest puts this folder on the path)."""

from __future__ import annotations

from mdbench import catalog
from mdbench.data.store import load_task_data
from mdbench.core.task import Task, TaskData


def task_data(task_name: str, config: str = "tiny") -> tuple[Task, TaskData]:
    """The task and every loaded split of its (already generated) dataset config."""
    task = catalog.task(task_name)
    return task, load_task_data(task, task.spec.config(config))


def fit_predict(task: Task, data: TaskData, name: str, seed: int = 0):
    """Fit entry ``name`` on what its role may see and return its validated predictions."""
    entry = catalog.model(task.name, name)
    visible = task.data_for(data, entry.role)
    pred = entry.factory().fit(visible, seed=seed, progress=False).predict(visible, seed=seed)
    task.contract(data.config).validate(pred, name)
    return pred


def score_entry(task: Task, data: TaskData, name: str, seed: int = 0) -> dict:
    """Fit, predict and score entry ``name`` exactly as `mdbench run` does (no timing)."""
    return task.score(fit_predict(task, data, name, seed), data, items_per_second=None, engine_items_per_second=None)


class FakeClock:
    """Stands in for the ``time`` module of a task: every ``perf_counter()`` call advances ``tick`` seconds,
    so a throughput a task measures becomes an exact, checkable number."""

    def __init__(self, tick: float):
        self.now, self.tick = 0.0, tick

    def perf_counter(self) -> float:
        self.now += self.tick
        return self.now
