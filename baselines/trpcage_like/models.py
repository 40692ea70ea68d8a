"""The baselines of ``trpcage-like/simulator`` declared in :mod:`baselines.trpcage_like`, imported with torch
and deeptime when one is fitted."""

from __future__ import annotations

import numpy as np
import xarray as xr
from deeptime.decomposition import TICA

from baselines.estimators.lss import LatentSpaceSimulator
from baselines.estimators.msm_propagator import MSMPropagator
from mdbench.core.task import TaskData, TrainingReport
from mdbench.data.windows import frames_at_lag, lag_frames, trajectories
from mdbench.systems.trpcage_like.features import N_ATOMS, pairwise_distances
from mdbench.systems.trpcage_like.physics import native_structure
from mdbench.systems.trpcage_like.task import submission


class MSMBaseline:
    """TICA (the model's own, fitted on the training data) → k-means → reversible MSM at τ → sampled
    state sequence → a random training frame of each visited state.

    Parameters
    ----------
    n_clusters
        k-means states.
    dim
        TICA dimensions used for clustering.
    """

    #: emits stored training frames (a random member of each visited state): no speed-up is credited
    replays_frames = True

    def __init__(self, n_clusters: int = 100, dim: int = 5):
        self.n_clusters, self.dim = n_clusters, dim

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MSMBaseline":
        train = trajectories(data.train, "x")
        lag = lag_frames(data.config)
        dists = [pairwise_distances(t.astype(np.float64)) for t in train]
        tica = TICA(lagtime=lag, dim=self.dim).fit_fetch(dists)
        self.frames = np.concatenate(train)
        est = MSMPropagator(self.n_clusters, seed=seed)
        self.model = est.fit([tica.transform(d) for d in dists], lag).fetch_model()
        self.start = self.model.frames[-1]
        self.n_traj = int(data.config["n_trajectories"])
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        rng = np.random.default_rng(seed)
        n = frames_at_lag(data.config)
        out = np.empty((self.n_traj, n, N_ATOMS, 3), dtype=np.float32)
        for k in range(self.n_traj):
            # the MSM was fitted on TICA coordinates; its frame indices address the Cα frames alike
            out[k] = self.frames[self.model.sample_indices(n, self.start, int(rng.integers(2**31)))]
        return submission(out)


class LSSBaseline:
    """The latent space simulator on this task's data
    (see :class:`baselines.estimators.lss.LatentSpaceSimulator`)."""

    def __init__(self, device: str = "cpu", **hyper):
        self.hyper, self.device = hyper, device

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "LSSBaseline":
        self.lss = LatentSpaceSimulator(**self.hyper, seed=seed, progress=progress, device=self.device).fit(
            trajectories(data.train, "x"), trajectories(data.train, "features"), trajectories(data.val, "features"),
            lag_frames(data.config), align_reference=native_structure(),
            n_trajectories=int(data.config["n_trajectories"]))
        return self

    def training_report(self) -> TrainingReport:
        return self.lss.training_report()

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.lss.simulate(frames_at_lag(data.config), seed))
