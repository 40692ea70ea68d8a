"""References of ``trpcage-like/simulator``, scored by exactly the same code as any model.

* ``training-data`` — static reference: the training trajectory at lag τ resubmitted (perfect
  structures, zero novelty, the statistical error of one training-length trajectory).
* ``go-model`` — physics reference: the long independent ``reference`` split at lag τ
  (≥ 10 trajectories of training length).  The targets pool all of them, and each trajectory is
  scored against them on its own: its errors are what an ideal simulator of training length scores
  (slightly optimistic, since each trajectory is a tenth of its own target), ± over trajectories.
* ``go-model-test`` — data reference: the held-out test trajectory at lag τ (fresh MD of the
  training length: what an ideal surrogate of the same size would score).
"""

from __future__ import annotations


from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.data.windows import frames_at_lag
from mdbench.systems.trpcage_like.task import TASK, at_lag, submission


class TrainingData:
    """Static reference: the training trajectory at lag τ, resubmitted."""

    replays_frames = True

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "TrainingData":
        self.x = at_lag(data.train, data.config)[:, : frames_at_lag(data.config)]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.x)


class GoModelReference:
    """Physics reference: the long independent Gō-model simulation (``reference`` split) at lag τ.

    References see every split; the ``reference`` split is never part of a model's :class:`TaskData`.
    """

    replays_frames = True

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "GoModelReference":
        self.x = at_lag(data.split("reference"), data.config)[:, : frames_at_lag(data.config)]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.x)


class GoModelTest:
    """Data reference: the held-out test trajectory at lag τ."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "GoModelTest":
        if data.test is None:
            raise ValueError("the go-model-test reference needs the test split")
        self.x = at_lag(data.test, data.config)[:, : frames_at_lag(data.config)]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.x)


REFERENCES = [
    ModelEntry("training-data", TASK.name, "static reference", "the training trajectory at lag τ resubmitted",
               TrainingData),
    ModelEntry("go-model", TASK.name, "physics reference", "long independent Gō-model simulation (reference split)",
               GoModelReference),
    ModelEntry("go-model-test", TASK.name, "data reference", "held-out Gō-model test trajectory at lag τ",
               GoModelTest),
]
