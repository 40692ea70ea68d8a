"""Training utilities shared by the baselines."""

from __future__ import annotations

import copy
import math
import time

from torch import nn

from mdbench.core.task import TrainingReport


class EarlyStopping:
    """Keep the best weights by a validation score; say when ``patience`` epochs brought no gain.

    Every instance also counts the epochs it scored and the seconds they took (from its creation,
    just before its training loop, to each :meth:`step`): :attr:`report`, which the model that
    trains the network hands on through its ``training_report()`` hook.

    Parameters
    ----------
    patience
        Epochs without an improvement larger than ``min_delta`` before stopping.
    higher_is_better
        ``True`` for scores such as VAMP-2, ``False`` for losses.
    """

    def __init__(self, patience: int, min_delta: float = 1e-4, higher_is_better: bool = False):
        self.patience, self.min_delta, self.sign = patience, min_delta, -1.0 if higher_is_better else 1.0
        self.best, self.best_state, self.stale = math.inf, None, 0
        self.epochs, self.epoch_seconds = 0, 0.0
        self._last_step = time.perf_counter()

    @property
    def best_score(self) -> float:
        return self.sign * self.best

    @property
    def report(self) -> TrainingReport:
        """The epochs scored so far by this instance and their seconds."""
        return TrainingReport(self.epochs, self.epoch_seconds)

    def step(self, score: float, model: nn.Module) -> bool:
        """Record this epoch's validation ``score``; returns ``True`` when training should stop."""
        now = time.perf_counter()
        self.epochs += 1
        self.epoch_seconds += now - self._last_step
        self._last_step = now
        if self.sign * score < self.best - self.min_delta:
            self.best, self.best_state, self.stale = self.sign * score, copy.deepcopy(model.state_dict()), 0
            return False
        self.stale += 1
        return self.stale >= self.patience

    def restore(self, model: nn.Module) -> None:
        """Load the best weights seen (the current ones if no score was recorded)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
