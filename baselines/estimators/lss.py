"""The latent space simulator (LSS) of Sidky, Chen & Ferguson, Chem. Sci. 11, 9459 (2020), §3.2.

Three networks trained separately, as in the paper and the authors' code:

1. encoder — an SRV (:mod:`baselines.estimators.srv`) on Cα pair distances + sin/cos of Cα
   pseudo-dihedrals, latent dimension m at the gap of its timescale spectrum;
2. propagator — an MDN (:mod:`baselines.estimators.mdn_propagator`, C = 24 kernels) on the latent
   trajectory at lag τ, trained on the forward and time-reversed pairs;
3. decoder — a cWGAN-GP (:mod:`baselines.estimators.cwgan`) generating aligned Cα coordinates given
   the latent coordinates.

Generation propagates all synthetic trajectories together in the latent space, then decodes every
frame in large batches.
"""

from __future__ import annotations

import numpy as np

from baselines.estimators.cwgan import CWGAN
from baselines.estimators.mdn_propagator import MDNPropagator
from baselines.estimators.srv import SRV
from mdbench.core.task import TrainingReport
from mdbench.metrics.structure import align_to


class LatentSpaceSimulator:
    """SRV encoder → MDN propagator → cWGAN decoder.

    Parameters
    ----------
    n_out
        SRV outputs; the latent dimension m ≤ ``n_out`` is picked at the spectral gap.
    n_kernels
        MDN kernels C (paper: 24).
    generator_steps
        cWGAN generator updates (5 critic updates each).
    latent_dim
        Fix m instead of taking it from the spectral gap (the paper's Trp-cage LSS uses m = 3).
    device
        Torch device the three networks train on (they generate on the CPU).
    """

    def __init__(self, n_out: int = 5, n_kernels: int = 24, generator_steps: int = 4000, latent_dim: int | None = None,
                 *, seed: int = 0, progress: bool = True, device: str = "cpu"):
        self.n_out, self.n_kernels, self.generator_steps = n_out, n_kernels, generator_steps
        self.latent_dim, self.seed, self.progress, self.device = latent_dim, seed, progress, device

    def fit(self, coordinates: list[np.ndarray], features: list[np.ndarray], val_features: list[np.ndarray],
            lag: int, *, align_reference: np.ndarray, n_trajectories: int = 1) -> "LatentSpaceSimulator":
        """Train on trajectories of coordinates ``[T, atoms, 3]`` and their encoder ``features`` ``[T, f]``.

        ``lag`` is τ in frames; decoded structures are aligned to ``align_reference`` ``[atoms, 3]``.
        """
        seed, progress = self.seed, self.progress
        srv_est = SRV(n_out=self.n_out, seed=seed, progress=progress, device=self.device)
        self.srv = srv_est.fit(features, lag, validation=val_features).fetch_model()
        self.m = self.latent_dim or self.srv.latent_dimension(self.n_out - 1)
        latent = [self.srv.transform(f, self.m) for f in features]
        val_latent = [self.srv.transform(f, self.m) for f in val_features]
        mdn_est = MDNPropagator(n_kernels=self.n_kernels, seed=seed, progress=progress, device=self.device)
        self.propagator = mdn_est.fit(latent, lag, validation=val_latent).fetch_model()
        frames = np.concatenate(coordinates)
        self.shape = frames.shape[1:]
        aligned = align_to(frames, align_reference).reshape(len(frames), -1)
        gan = CWGAN(max_generator_steps=self.generator_steps, seed=seed, progress=progress, device=self.device)
        self.decoder = gan.fit(aligned, np.concatenate(latent)).fetch_model()
        self._report = srv_est.training_report() + mdn_est.training_report() + gan.training_report()
        self.start = latent[-1][-1]
        self.n_traj = n_trajectories
        self.propagator.simulate(10, self.start, seed)  # JIT-compile the sampler outside the timed predict
        return self

    def training_report(self) -> TrainingReport:
        """The three networks' reports summed (the encoder's and propagator's epochs; the decoder
        trains in generator steps and adds none)."""
        return self._report

    def latent_trajectories(self, n_frames: int, seed: int) -> np.ndarray:
        """Synthetic latent trajectories ``[n_traj, n_frames, m]`` at lag τ, all propagated together."""
        return self.propagator.simulate(n_frames, self.start, seed, n_trajectories=self.n_traj)

    def simulate(self, n_frames: int, seed: int) -> np.ndarray:
        """Synthetic trajectories ``[n_traj, n_frames, atoms, 3]``: latent propagation, then batched decoding."""
        latent = self.latent_trajectories(n_frames, seed)
        x = self.decoder.sample(latent.reshape(-1, self.m), seed + 1)
        return x.reshape(self.n_traj, n_frames, *self.shape)
