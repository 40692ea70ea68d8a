"""Baselines of the ``four-well/propagator`` task: the paper's MDN propagator and an MSM."""

from __future__ import annotations

import numpy as np
import xarray as xr

from baselines.mdn_propagator import MDNPropagator
from baselines.msm_propagator import MSMPropagator
from mdbench.tasks.base import ModelEntry, TaskData, register_model
from mdbench.tasks.four_well import TASK, lag_frames, n_submission_frames

PAPER = "Sidky, Chen & Ferguson, Chem. Sci. 11, 9459 (2020), §3.1"


def _submission(x: np.ndarray) -> xr.Dataset:
    return xr.Dataset({"x": (("time",), np.ravel(x).astype(np.float32),
                             {"units": "1", "long_name": "position, one frame every τ"})})


class MDNBaseline:
    """MDN propagator, C = 8 kernels, 2 × 100 ReLU, Adam with early stopping (paper settings)."""

    def __init__(self, n_kernels: int = 8):
        self.n_kernels = n_kernels

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MDNBaseline":
        train = [data.train["x"].values[r] for r in range(data.train.sizes["replica"])]
        val = [data.val["x"].values[r] for r in range(data.val.sizes["replica"])]
        est = MDNPropagator(n_kernels=self.n_kernels, seed=seed, progress=progress)
        self.model = est.fit(train, lag_frames(data.config), validation=val).fetch_model()
        self.history = est.history
        self.x0 = train[-1][-1]
        self.model.simulate(1000, self.x0, seed)  # JIT-compile the sampler now, not inside the timed predict
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return _submission(self.model.simulate(n_submission_frames(data.config), self.x0, seed))


class MSMBaseline:
    """k-means (50 clusters) → reversible MLE MSM at τ → sampled states → random member frames."""

    def __init__(self, n_clusters: int = 50):
        self.n_clusters = n_clusters

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MSMBaseline":
        train = [data.train["x"].values[r] for r in range(data.train.sizes["replica"])]
        est = MSMPropagator(self.n_clusters, seed=seed)
        self.model = est.fit(train, lag_frames(data.config)).fetch_model()
        self.x0 = train[-1][-1]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return _submission(self.model.simulate(n_submission_frames(data.config), self.x0, seed))


register_model(ModelEntry("mdn", TASK.name, "model", "mixture density network propagator (LSS)",
                          MDNBaseline, "baselines/four_well.py", PAPER))
register_model(ModelEntry("msm", TASK.name, "model", "Markov state model, 50 k-means states (deeptime)",
                          MSMBaseline, "baselines/four_well.py", "Prinz et al., J. Chem. Phys. 134, 174105 (2011)"))
