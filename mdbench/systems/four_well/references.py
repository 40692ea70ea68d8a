"""References of ``four-well/propagator``, scored by exactly the same code as any model.

* ``persistence`` — static reference: x(t+τ) = x(t), i.e. the last training frame repeated.
* ``exact-propagator`` — physics reference: a trajectory sampled from the exact transfer operator
  p_τ(y|x); its errors are the statistical floor for a trajectory of this length.
* ``brownian-dynamics`` — data reference: the held-out test trajectory of the physics engine,
  subsampled at τ and cut to the same length (integrator bias + statistical error).
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.data.windows import frames_at_lag, lag_frames
from mdbench.systems.four_well.task import TASK, lag_time


def trajectory(x: np.ndarray) -> xr.Dataset:
    """A submission from positions at lag τ."""
    return xr.Dataset({"x": (("time",), np.ravel(x).astype(np.float32),
                             {"units": "1", "long_name": "position, one frame every τ"})})


class Persistence:
    """Static reference: nothing moves; x(t+τ) = x(t) from the last training frame."""

    #: repeats one stored frame: nothing is generated, so no speed-up is credited
    replays_frames = True

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "Persistence":
        self.x_last = float(data.train["x"].values[-1, -1])
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return trajectory(np.full(frames_at_lag(data.config), self.x_last))


class ExactPropagatorReference:
    """Physics reference: a Markov chain sampled from the exact p_τ(y|x) on the fine grid."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "ExactPropagatorReference":
        from mdbench.systems.four_well import physics  # numba: imported to run the reference, not to list it

        self.exact = physics.exact_propagator(float(data.config["potential_prefactor"]))
        self.exact.sample(1, lag_time(data.config), np.random.default_rng(0))  # build the sampler outside the timed predict
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        rng = np.random.default_rng(seed)
        return trajectory(self.exact.sample(frames_at_lag(data.config), lag_time(data.config), rng))


class BrownianDynamicsTest:
    """Data reference: the held-out test trajectory of the physics engine at lag τ."""

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "BrownianDynamicsTest":
        if data.test is None:
            raise ValueError("the brownian-dynamics reference needs the test split")
        self.x = data.test["x"].values[0, :: lag_frames(data.config)]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return trajectory(self.x[: frames_at_lag(data.config)])


REFERENCES = [
    ModelEntry("persistence", TASK.name, "static reference", "x(t+τ) = x(t)", Persistence),
    ModelEntry("exact-propagator", TASK.name, "physics reference",
               "sampled from the exact Smoluchowski transfer operator", ExactPropagatorReference),
    ModelEntry("brownian-dynamics", TASK.name, "data reference",
               "held-out Brownian-dynamics test trajectory at lag τ", BrownianDynamicsTest),
]
