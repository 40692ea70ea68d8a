"""Baselines of the ``four-well/propagator`` task: the paper's MDN propagator and an MSM.

A light declaration (what `mdbench list` shows): the models themselves are in :mod:`baselines.four_well.models`,
imported with torch and deeptime when one is fitted.
"""

from __future__ import annotations

from mdbench.core.task import ModelEntry

PAPER = "Sidky, Chen & Ferguson, Chem. Sci. 11, 9459 (2020), §3.1"
TASK = "four-well/propagator"

MODELS = [
    ModelEntry("mdn", TASK, "model", "mixture density network propagator (LSS)",
               "baselines.four_well.models:MDNBaseline", PAPER, devices=("cpu", "cuda")),
    ModelEntry("msm", TASK, "model", "Markov state model, 50 k-means states (deeptime)",
               "baselines.four_well.models:MSMBaseline", "Prinz et al., J. Chem. Phys. 134, 174105 (2011)"),
]
