"""Baselines of the ``trpcage-like/simulator`` task: a Markov state model (the classical competitor of
the latent space simulator) and, in :mod:`baselines.lss`, the latent space simulator itself."""

from __future__ import annotations

import numpy as np
import xarray as xr
from deeptime.decomposition import TICA

from baselines.msm_propagator import MSMPropagator
from mdbench.datasets.trpcage import N_ATOMS, pairwise_distances
from mdbench.tasks.base import ModelEntry, TaskData, register_model
from mdbench.tasks.trpcage import TASK, lag_frames, n_submission_frames, submission

PAPER = "Sidky, Chen & Ferguson, Chem. Sci. 11, 9459 (2020), §3.2"


def training_trajectories(data: TaskData) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Cα coordinates ``[T, 20, 3]`` (nm) of every training and validation trajectory (all saved frames)."""
    return ([data.train["x"].values[r] for r in range(data.train.sizes["replica"])],
            [data.val["x"].values[r] for r in range(data.val.sizes["replica"])])


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

    def __init__(self, n_clusters: int = 100, dim: int = 5):
        self.n_clusters, self.dim = n_clusters, dim

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MSMBaseline":
        train, _ = training_trajectories(data)
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
        n = n_submission_frames(data.config)
        out = np.empty((self.n_traj, n, N_ATOMS, 3), dtype=np.float32)
        for k in range(self.n_traj):
            # the MSM was fitted on TICA coordinates; its frame indices address the Cα frames alike
            out[k] = self.frames[self.model.sample_indices(n, self.start, int(rng.integers(2**31)))]
        return submission(out)


register_model(ModelEntry("msm", TASK.name, "model",
                          "Markov state model: TICA → 100 k-means states → reversible MSM (deeptime)",
                          MSMBaseline, "baselines/trpcage.py", "Prinz et al., J. Chem. Phys. 134, 174105 (2011)"))
