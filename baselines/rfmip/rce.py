"""Baselines of ``rfmip/rce``: the learned gas optics of ``rfmip/gas-optics`` (:mod:`baselines.rfmip`) run in
the radiative-convective column.  Each is fitted exactly as on that task (same code, hyper-parameters per
config and seed, on the train/val splits), then drives :func:`mdbench.systems.rfmip.rce.run`.  A light
declaration: the column and the MLPs are imported when one is fitted."""

from __future__ import annotations

from baselines.rfmip import MLP, PAPER
from mdbench.core.task import LazyFactory, ModelEntry

RUN = "mdbench.systems.rfmip.rce_task:RceRun"

MODELS = [
    ModelEntry("mlp", "rfmip/rce", "model", "the column with the eight 2×64 MLPs of rfmip/gas-optics as its gas optics",
               LazyFactory(RUN, LazyFactory(MLP)), PAPER),
    ModelEntry("mlp-3x128", "rfmip/rce", "model", "the column with the eight 3×128 MLPs of rfmip/gas-optics",
               LazyFactory(RUN, LazyFactory(MLP, (128, 128, 128))), PAPER),
]
