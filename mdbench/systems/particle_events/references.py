"""References of the ``generate`` tasks, scored by exactly the same code as any model.

* ``independent-marginals`` — static reference: each feature resampled independently (with
  replacement, numpy seed = the run's seed) from the training split, N events: the right 1-D marginals,
  no correlations (so no mass peak, no momentum conservation).
* ``mc-reference`` — physics reference: the stored ``reference`` split, an independent Monte Carlo
  sample of the test split's size with its own shard seeds (same engine, same settings).  Its scores are
  the statistical floor at equal sample size; it replays stored events, so it has no generation speed
  (the engine's speed is every entry's ``generation_speedup`` denominator).
"""

from __future__ import annotations

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.task import ModelEntry, TaskData
from mdbench.systems.particle_events.task import DECAY_TASK, TT_TASK, Z_TASK, EventGenerate, submission

PYTHIA = "Bierlich et al., 'A comprehensive guide to the physics and usage of PYTHIA 8.3', SciPost Phys. Codebases 8 (2022)"


class IndependentMarginals:
    """Static reference: every feature resampled on its own from the training split."""

    def __init__(self, task: EventGenerate):
        self.task = task

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "IndependentMarginals":
        self.train = {f: data.train[f].values.astype(np.float64) for f in self.task.features}
        self.n = data.config["test_events"]
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        rng = np.random.default_rng(seed)
        return submission(self.task.spec, {f: rng.choice(v, self.n, replace=True) for f, v in self.train.items()})


class MCReference:
    """Physics reference: the independent MC split ``reference`` (same engine, own seeds)."""

    replays_frames = True

    def __init__(self, task: EventGenerate):
        self.task = task

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "MCReference":
        self.ref = data.split("reference")
        return self

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission(self.task.spec, {f: self.ref[f].values for f in self.task.features})


def _decay_static():
    return IndependentMarginals(DECAY_TASK)


def _decay_mc():
    return MCReference(DECAY_TASK)


def _z_static():
    return IndependentMarginals(Z_TASK)


def _z_mc():
    return MCReference(Z_TASK)


def _tt_static():
    return IndependentMarginals(TT_TASK)


def _tt_mc():
    return MCReference(TT_TASK)


REFERENCES = [
    ModelEntry("independent-marginals", DECAY_TASK.name, "static reference",
               "each feature resampled independently from the training split (right marginals, no correlations)",
               _decay_static),
    ModelEntry("mc-reference", DECAY_TASK.name, "physics reference",
               "independent exact-generator sample of the test size (split `reference`): the statistical floor",
               _decay_mc),
    ModelEntry("independent-marginals", Z_TASK.name, "static reference",
               "each feature resampled independently from the training split (right marginals, no correlations)",
               _z_static),
    ModelEntry("mc-reference", Z_TASK.name, "physics reference",
               "independent Pythia 8 sample of the test size (split `reference`, own seeds): the statistical floor",
               _z_mc, PYTHIA),
    ModelEntry("independent-marginals", TT_TASK.name, "static reference",
               "each feature resampled independently from the training split (right marginals, no correlations)",
               _tt_static),
    ModelEntry("mc-reference", TT_TASK.name, "physics reference",
               "independent Pythia 8 sample of the test size (split `reference`, own seeds): the statistical floor",
               _tt_mc, PYTHIA),
]
