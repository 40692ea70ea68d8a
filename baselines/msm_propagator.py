"""Markov-state-model propagator: the classical competitor of the latent space simulator.

Cluster the training frames (k-means, deeptime), estimate a reversible maximum-likelihood MSM at
lag τ, sample a state sequence from it and map every visited state back to configuration space by
drawing a random training frame of that state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from deeptime.clustering import KMeans
from deeptime.markov import TransitionCountEstimator
from deeptime.markov.msm import MarkovStateModel, MaximumLikelihoodMSM


@dataclass
class MSMPropagatorModel:
    msm: MarkovStateModel
    clustering: object
    frames: np.ndarray
    members: list[np.ndarray]

    def simulate(self, n_frames: int, x0: np.ndarray, seed: int) -> np.ndarray:
        """A synthetic trajectory of ``n_frames`` training frames, one every τ."""
        return self.frames[self.sample_indices(n_frames, x0, seed)]

    def sample_indices(self, n_frames: int, x0: np.ndarray, seed: int) -> np.ndarray:
        """Indices (into the concatenated training frames) of a synthetic trajectory, one every τ."""
        rng = np.random.default_rng(seed)
        symbols = self.msm.count_model.state_symbols
        start_cluster = int(self.clustering.transform(np.atleast_2d(x0).astype(np.float64))[0])
        active = np.flatnonzero(symbols == start_cluster)
        start = int(active[0]) if active.size else int(np.argmax(self.msm.stationary_distribution))
        states = self.msm.simulate(n_frames + 1, start=start, seed=int(rng.integers(2**31)))[1:]
        return np.array([self.members[s][rng.integers(len(self.members[s]))] for s in states])


class MSMPropagator:
    """``MSMPropagator(n_clusters).fit(trajs, lag).fetch_model()``; trajectories are ``[T, d]`` arrays."""

    def __init__(self, n_clusters: int = 50, seed: int = 0):
        self.n_clusters, self.seed = n_clusters, seed
        self._model: MSMPropagatorModel | None = None

    def fit(self, trajs: list[np.ndarray], lag: int) -> "MSMPropagator":
        trajs = [np.asarray(t, dtype=np.float64).reshape(len(t), -1) for t in trajs]
        frames = np.concatenate(trajs)
        clustering = KMeans(self.n_clusters, fixed_seed=self.seed, max_iter=1000).fit_fetch(frames)
        dtrajs = [clustering.transform(t) for t in trajs]
        counts = TransitionCountEstimator(lag, "sliding").fit_fetch(dtrajs).submodel_largest()
        msm = MaximumLikelihoodMSM(reversible=True).fit_fetch(counts)
        labels = np.concatenate(dtrajs)
        members = [np.flatnonzero(labels == s) for s in msm.count_model.state_symbols]
        self._model = MSMPropagatorModel(msm, clustering, frames, members)
        return self

    def fetch_model(self) -> MSMPropagatorModel:
        if self._model is None:
            raise RuntimeError("call fit() first")
        return self._model
