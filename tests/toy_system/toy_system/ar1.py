"""Dataset, task, references and one model of the toy AR(1) system (test fixture)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from mdbench.core import (
    DatasetConfig, DatasetSpec, Estimate, MetricInfo, ModelEntry, Param, PredictionContract, ShardSpec, Task,
    TaskData, VariableContract,
)
from mdbench.metrics.base import block_estimate

A = 0.9


class AR1(DatasetSpec):
    name = "toy-ar1"
    version = "0.0.1"
    summary = "AR(1) process (test fixture)"
    default_config = "tiny"
    configs = {"tiny": DatasetConfig("tiny", "a few thousand steps", {
        "a": Param(A, "1", "autoregression coefficient"),
        "steps": Param(2000, "steps", "length of every split"),
    }, seed=7)}

    def n_shards(self, config, split):
        return 1

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        rng = np.random.default_rng(shard.seed)
        x = np.empty(config["steps"])
        x[0] = rng.standard_normal()
        noise = rng.standard_normal(len(x)) * np.sqrt(1 - config["a"] ** 2)
        for t in range(1, len(x)):
            x[t] = config["a"] * x[t - 1] + noise[t]
        return xr.Dataset({"x": (("time",), x, {"units": "1", "long_name": "state"})})


DATASET = AR1()


def prediction(values: np.ndarray) -> xr.Dataset:
    return xr.Dataset({"x_next": (("time",), np.asarray(values, dtype=float), {"units": "1"})})


class NextStep(Task):
    name = "toy-ar1/next"
    spec = DATASET
    summary = "predict x(t+1) from x(t)"
    declared_metrics = (MetricInfo("mse", "1", "mean squared error of x(t+1)"),)
    primary_metric = "mse"
    leaderboard_columns = ("mse",)

    def contract(self, config):
        return PredictionContract((VariableContract("x_next", ("time",), "1", {"time": config["steps"] - 1}),))

    def prediction_inputs(self, data):
        return {"test": xr.Dataset({"x": ("time", data.test["x"].values[0, :-1])})}

    def score(self, predictions, data, *, items_per_second, engine_items_per_second):
        err = (predictions["x_next"].values - data.test["x"].values[0, 1:]) ** 2
        value, stderr = block_estimate(np.mean, err)
        return {"mse": Estimate(float(value[0]), float(stderr[0]))}


TASK = NextStep()


class Persistence:
    def fit(self, data, *, seed, progress=True):
        return self

    def predict(self, data, *, seed):
        return prediction(data.inputs["test"]["x"].values)


class ExactMean:
    def fit(self, data, *, seed, progress=True):
        self.a = data.config["a"]
        return self

    def predict(self, data, *, seed):
        return prediction(self.a * data.inputs["test"]["x"].values)


class LeastSquares:
    def fit(self, data: TaskData, *, seed, progress=True):
        x = data.train["x"].values[0]
        self.a = float(np.dot(x[:-1], x[1:]) / np.dot(x[:-1], x[:-1]))
        return self

    def predict(self, data, *, seed):
        return prediction(self.a * data.inputs["test"]["x"].values)


ENTRIES = [
    ModelEntry("persistence", TASK.name, "static reference", "x(t+1) = x(t)", Persistence),
    ModelEntry("exact-mean", TASK.name, "physics reference", "x(t+1) = a·x(t)", ExactMean),
    ModelEntry("lstsq", TASK.name, "model", "least-squares AR(1) coefficient", LeastSquares),
]
