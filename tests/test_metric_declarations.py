"""Every task declares its metrics once (``Task.declared_metrics``): the primary metric and the leaderboard
columns are among them, and every score reports exactly them (``Task.check_scores``, applied to every
``score`` a task defines).  The scores are checked on synthetic data where a task allows it (no dataset
is generated); every other scoring test goes through the same check."""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from mdbench import catalog
from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.task import TaskData
from mdbench.metrics.kinetics import ImpliedTimescales, TransitionRate
from mdbench.systems.trpcage_like.metrics import FoldingTransitions, MSMTimescales, Novelty

TOY = Path(__file__).resolve().parent / "toy_system"


@pytest.fixture
def ar1(monkeypatch):
    """The toy AR(1) system's module (imported from tests/toy_system, not installed)."""
    monkeypatch.syspath_prepend(str(TOY))
    return importlib.import_module("toy_system.ar1")


def _names(task) -> list[str]:
    return [m.name for m in task.metric_info()]


def _assert_declared_once(task) -> None:
    info = task.metric_info()
    names = [m.name for m in info]
    assert info and len(names) == len(set(names)), f"{task.name}: duplicated metric names"
    assert all(m.units.strip() for m in info), f"{task.name}: a metric without units"
    assert task.primary_metric in names, task.name
    for config in task.spec.configs.values():
        assert set(task.leaderboard_columns_for(config)) <= set(names), (task.name, config.name)
    assert set(task.leaderboard_columns) <= set(names), task.name
    task.check_declaration()


def test_every_task_declares_its_primary_metric_and_leaderboard_columns():
    for name in catalog.task_names():
        task = catalog.task(name)
        assert task.metric_info() == list(task.declared_metrics), name
        _assert_declared_once(task)


def test_a_metric_has_a_name_and_units():
    with pytest.raises(ValueError, match="no units"):
        MetricInfo("mse", "", "mean squared error")
    with pytest.raises(ValueError, match="without spaces"):
        MetricInfo("mean error", "1", "mean error")


def test_a_declaration_names_what_it_lacks(ar1):
    class Broken(ar1.NextStep):
        declared_metrics = (MetricInfo("mse", "1", "a"), MetricInfo("mse", "1", "b"))
        primary_metric = "rmse"
        leaderboard_columns = ("mse", "bias")

    with pytest.raises(ValueError) as err:
        Broken().check_declaration()
    for problem in ("'mse' is declared 2 times", "primary metric 'rmse'", "['bias'] are not declared"):
        assert problem in str(err.value)


def _toy_data(ar1) -> TaskData:
    config = ar1.DATASET.config("tiny")
    x = np.random.default_rng(0).standard_normal((1, config["steps"]))
    test = xr.Dataset({"x": (("replica", "time"), x)})
    return TaskData(config, xr.Dataset(), xr.Dataset(), test)


def test_toy_scores_are_its_declaration(ar1):
    data = _toy_data(ar1)
    _assert_declared_once(ar1.TASK)
    pred = ar1.prediction(data.test["x"].values[0, :-1])
    assert list(ar1.TASK.score(pred, data, items_per_second=None, engine_items_per_second=None)) == _names(ar1.TASK)


def test_a_score_other_than_the_declaration_raises(ar1):
    data = _toy_data(ar1)
    pred = ar1.prediction(data.test["x"].values[0, :-1])

    class Undeclared(ar1.NextStep):
        def score(self, predictions, data, **kwargs):
            return {**super().score(predictions, data, **kwargs), "bias": Estimate(0.0)}

    class Missing(ar1.NextStep):
        declared_metrics = (*ar1.NextStep.declared_metrics, MetricInfo("bias", "1", "mean error"))

    class NotAnEstimate(ar1.NextStep):
        def score(self, predictions, data, **kwargs):
            return {"mse": 0.5}

    with pytest.raises(ValueError, match=r"undeclared \['bias'\]"):
        Undeclared().score(pred, data, items_per_second=None, engine_items_per_second=None)
    with pytest.raises(ValueError, match=r"missing \['bias'\]"):
        Missing().score(pred, data, items_per_second=None, engine_items_per_second=None)
    with pytest.raises(ValueError, match="Estimate"):
        NotAnEstimate().score(pred, data, items_per_second=None, engine_items_per_second=None)


def test_an_override_extending_its_parents_score_is_checked_once_in_declared_order(ar1):
    data = _toy_data(ar1)
    pred = ar1.prediction(data.test["x"].values[0, :-1])

    class WithBias(ar1.NextStep):
        declared_metrics = (MetricInfo("bias", "1", "mean error"), *ar1.NextStep.declared_metrics)

        def score(self, predictions, data, **kwargs):
            scores = super().score(predictions, data, **kwargs)  # not checked against WithBias's declaration
            bias = float(np.mean(predictions["x_next"].values - data.test["x"].values[0, 1:]))
            return {**scores, "bias": Estimate(bias)}

    scores = WithBias().score(pred, data, items_per_second=None, engine_items_per_second=None)
    assert list(scores) == ["bias", "mse"]


def test_metrics_whose_names_follow_parameters_describe_them_without_an_instance():
    assert ImpliedTimescales(np.linspace(0, 1, 3), 0.1, [1.0, 0.5], units="ns").info == \
        ImpliedTimescales.describe(2, "ns")
    assert TransitionRate(np.linspace(0, 1, 3), 0.1, 1.0, units="1/ns").info == TransitionRate.describe("1/ns")
    assert MSMTimescales(np.zeros((2, 3)), 1, 1.0, None).info == MSMTimescales.describe(False)
    assert MSMTimescales(np.zeros((2, 3)), 1, 1.0, np.ones(3)).info == MSMTimescales.describe()
    assert FoldingTransitions(0.02, 1.0).info == FoldingTransitions.describe()
    assert Novelty(None).info == Novelty.describe(False)


# --- the tasks' own scores on synthetic data -----------------------------------------------------


def _score(task, predictions, data) -> dict[str, Estimate]:
    return task.score(predictions, data, items_per_second=2.0, engine_items_per_second=1.0)


def test_four_well_scores_are_its_declaration():
    from mdbench.systems.four_well import physics

    task = catalog.task("four-well/propagator")
    config = task.spec.config("tiny")
    rng = np.random.default_rng(1)
    x = np.clip(np.cumsum(rng.normal(0, 0.1, 5_000)), *physics.DOMAIN)
    scores = _score(task, xr.Dataset({"x": ("time", x)}), TaskData(config, xr.Dataset(), xr.Dataset()))
    assert list(scores) == _names(task)


def test_ising_scores_are_its_declaration_with_transfer_sizes_left_out():
    from mdbench.systems.ising.task import SIZES, split_of, submission

    task = catalog.task("ising/energy")
    config = task.spec.config("tiny")
    rng = np.random.default_rng(2)
    splits = {}
    for size in SIZES:
        n = task.n_items(config, size)
        temps = np.resize(np.asarray(config["temperatures"], float), n)
        energy = -2.0 * size * size * np.tanh(1.0 / temps) + rng.normal(0, size, n)
        splits[split_of(size)] = xr.Dataset({"energy": ("sample", energy), "temperature": ("sample", temps)})
    data = TaskData(config, xr.Dataset(), xr.Dataset(), splits.pop("test"), extra=splits)
    e8 = data.test["energy"].values + rng.normal(0, 1, data.test.sizes["sample"])
    scores = _score(task, submission({8: e8}), data)
    assert list(scores) == _names(task)
    assert math.isnan(scores["mae_per_spin_16"].value) and math.isfinite(scores["mae_per_spin_8"].value)


def test_sheets_scores_are_its_declaration_with_transfer_sets_left_out():
    from mdbench.systems.sheets.task import SETS, submission

    task = catalog.task("sheets/energy")
    config = task.spec.config("tiny")
    rng = np.random.default_rng(3)
    splits = {}
    for split in SETS.values():
        n = 40
        splits[split] = xr.Dataset({"energy": ("config", rng.normal(-400, 5, n)),
                                    "cell": (("config", "axis"), np.full((n, 2), 12.5)),
                                    "n_atoms": ("config", np.full(n, 60)),
                                    "trajectory": ("config", np.arange(n) // 4)})
    data = TaskData(config, xr.Dataset(), xr.Dataset(), splits.pop("test"), extra=splits)
    scores = _score(task, submission({"test": data.test["energy"].values + 0.1}), data)
    assert list(scores) == _names(task)
    assert math.isnan(scores["mae_per_area_porous"].value) and math.isfinite(scores["mae_per_area_test"].value)


def test_forecast_scores_are_its_declaration_on_the_whole_grid():
    from mdbench.systems.md_forecast.task import forecast_dataset, windows

    task = catalog.task("adk/forecast")
    config = task.spec.config("tiny")
    rng = np.random.default_rng(4)
    ca = np.cumsum(rng.normal(0, 0.3, (2, 30, 4, 3)), axis=1)
    test = xr.Dataset({"ca": (("replica", "frame", "atom", "xyz"), ca),
                       "restart_frame": (("replica", "restart"), np.array([[6, 16], [8, 18]]))})
    data = TaskData(config, xr.Dataset(), xr.Dataset(), test)
    future = np.stack([[ca[r, t + lead] for r, t in windows(test)] for lead in config["leads"]])
    values = np.stack([future + rng.normal(0, 0.1, future.shape) for _ in config["histories"]])
    scores = _score(task, forecast_dataset(values, config), data)
    assert list(scores) == _names(task)
    assert math.isfinite(scores["rmsd_h5_L5"].value) and math.isnan(scores["rmsd_h10_L120"].value)
