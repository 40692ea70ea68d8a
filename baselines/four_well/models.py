"""The baselines of ``four-well/propagator`` (declared in :mod:`baselines.four_well`): the paper's MDN propagator
and an MSM.  Imported only to fit or run one (torch, deeptime)."""

from __future__ import annotations

from baselines.estimators.mdn_propagator import MDNPropagator
from baselines.estimators.msm_propagator import MSMPropagator
from mdbench.core.task import TaskData, TrainingReport
from mdbench.data.windows import frames_at_lag, lag_frames, trajectories
from mdbench.systems.four_well.references import trajectory


class MDNBaseline:
    """MDN propagator, C = 8 kernels, 2 × 100 ReLU, Adam with early stopping (paper settings)."""

    def __init__(self, n_kernels: int = 8, device: str = "cpu"):
        self.n_kernels, self.device = n_kernels, device

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MDNBaseline":
        train, val = trajectories(data.train, "x"), trajectories(data.val, "x")
        est = MDNPropagator(n_kernels=self.n_kernels, seed=seed, progress=progress, device=self.device)
        self.model = est.fit(train, lag_frames(data.config), validation=val).fetch_model()
        self.history, self.report = est.history, est.training_report()
        self.x0 = train[-1][-1]
        self.model.simulate(1000, self.x0, seed)  # JIT-compile the sampler now, not inside the timed predict
        return self

    def training_report(self) -> TrainingReport:
        return self.report

    def predict(self, data: TaskData, *, seed: int):
        return trajectory(self.model.simulate(frames_at_lag(data.config), self.x0, seed))


class MSMBaseline:
    """k-means (50 clusters) → reversible MLE MSM at τ → sampled states → random member frames."""

    #: emits stored training frames (a random member of each visited state): no speed-up is credited
    replays_frames = True

    def __init__(self, n_clusters: int = 50):
        self.n_clusters = n_clusters

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MSMBaseline":
        train = trajectories(data.train, "x")
        est = MSMPropagator(self.n_clusters, seed=seed)
        self.model = est.fit(train, lag_frames(data.config)).fetch_model()
        self.x0 = train[-1][-1]
        return self

    def predict(self, data: TaskData, *, seed: int):
        return trajectory(self.model.simulate(frames_at_lag(data.config), self.x0, seed))
