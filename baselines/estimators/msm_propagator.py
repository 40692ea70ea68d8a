"""Markov-state-model propagator: the classical competitor of the latent space simulator.

Cluster the training frames (k-means, deeptime), estimate a reversible maximum-likelihood MSM,
sample a state sequence from it and map every visited state back to configuration space by
drawing a random training frame of that state (so it replays training frames: no new structures).

The lag: an MSM is only Markovian at a lag where its implied timescales have converged.  With
``lag_multiples`` the estimator tries lags k·τ, picks the shortest converged one
(:func:`mdbench.metrics.kinetics.converged_lag`) and samples at τ from the k-th root of that
transition matrix (eigenvalues λ^(1/k), so the implied timescales are those of the converged
lag); without, it estimates at τ itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from deeptime.clustering import KMeans
from deeptime.markov import TransitionCountEstimator
from deeptime.markov.msm import MarkovStateModel, MaximumLikelihoodMSM

from mdbench.metrics.kinetics import converged_lag, implied_timescales_vs_lag


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


def _root(msm: MarkovStateModel, k: int) -> MarkovStateModel:
    """The MSM whose k-th power is ``msm`` (reversible: λ → λ^(1/k) in the symmetrised eigenbasis)."""
    if k == 1:
        return msm
    pi = msm.stationary_distribution
    sq = np.sqrt(pi)
    sym = sq[:, None] * msm.transition_matrix / sq[None, :]
    w, v = np.linalg.eigh(0.5 * (sym + sym.T))
    root = (v * np.clip(w, 1e-12, None) ** (1.0 / k)) @ v.T
    t = np.clip(root / sq[:, None] * sq[None, :], 0.0, None)
    return MarkovStateModel(t / t.sum(axis=1, keepdims=True))


class MSMPropagator:
    """``MSMPropagator(n_clusters).fit(trajs, lag).fetch_model()``; trajectories are ``[T, d]`` arrays.

    Parameters
    ----------
    n_clusters
        k-means states.
    lag_multiples
        Lags tried, as multiples of the sampling lag τ (``None``: estimate at τ).
    """

    def __init__(self, n_clusters: int = 50, seed: int = 0, lag_multiples: tuple[int, ...] | None = None):
        self.n_clusters, self.seed, self.lag_multiples = n_clusters, seed, lag_multiples
        self._model: MSMPropagatorModel | None = None
        self.chosen_multiple, self.implied_timescales = 1, None

    def fit(self, trajs: list[np.ndarray], lag: int) -> "MSMPropagator":
        trajs = [np.asarray(t, dtype=np.float64).reshape(len(t), -1) for t in trajs]
        frames = np.concatenate(trajs)
        clustering = KMeans(self.n_clusters, fixed_seed=self.seed, max_iter=1000).fit_fetch(frames)
        dtrajs = [clustering.transform(t) for t in trajs]
        if self.lag_multiples:
            lags = [lag * k for k in self.lag_multiples]
            self.implied_timescales = implied_timescales_vs_lag(dtrajs, lags, 1)  # frames
            self.chosen_multiple = converged_lag(lags, self.implied_timescales) // lag
        counts = TransitionCountEstimator(lag * self.chosen_multiple, "sliding").fit_fetch(dtrajs).submodel_largest()
        msm = _root(MaximumLikelihoodMSM(reversible=True).fit_fetch(counts), self.chosen_multiple)
        labels = np.concatenate(dtrajs)
        members = [np.flatnonzero(labels == s) for s in msm.count_model.state_symbols]
        self._model = MSMPropagatorModel(msm, clustering, frames, members)
        return self

    def fetch_model(self) -> MSMPropagatorModel:
        if self._model is None:
            raise RuntimeError("call fit() first")
        return self._model
