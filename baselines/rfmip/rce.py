"""Baselines of ``rfmip/rce``: the learned gas optics of ``rfmip/gas-optics`` (:mod:`baselines.rfmip`) run in
the radiative-convective column.  Each is fitted exactly as on that task (same code, hyper-parameters per
config and seed, on the train/val splits), then drives :func:`mdbench.systems.rfmip.rce.run`."""

from __future__ import annotations

import functools

from baselines.rfmip import PAPER, GasOpticsMLP
from mdbench.core.task import ModelEntry
from mdbench.systems.rfmip.rce_task import TASK, RceRun

MODELS = [
    ModelEntry("mlp", TASK.name, "model", "the column with the eight 2×64 MLPs of rfmip/gas-optics as its gas optics",
               functools.partial(RceRun, GasOpticsMLP), PAPER),
    ModelEntry("mlp-3x128", TASK.name, "model", "the column with the eight 3×128 MLPs of rfmip/gas-optics",
               functools.partial(RceRun, functools.partial(GasOpticsMLP, (128, 128, 128))), PAPER),
]
