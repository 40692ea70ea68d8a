"""Baselines of the ``ising/energy`` task (Mills et al., Chem. Sci. 10, 4129 (2019)).

* ``ednn`` — EDNN with focus f = 1 and context c = 1 (the paper's optimum), inner network
  (f+2c)² → 32(f+2c)² → 64 → 64 → 1 (ReLU); the focus/context study adds ``ednn-f1c2``,
  ``ednn-f1c3`` and ``ednn-f4c1`` (the authors' tutorial).  Extensive: predicts every lattice size.
* ``dense`` — the same kind of fully connected network on the whole 8×8 lattice (64 → 2048 → 64 →
  64 → 1): the non-extensive comparison.  It cannot take another lattice size, so it leaves the
  transfer variables out of its submission and the leaderboard shows n/a for them.

Training settings (both; deviations from the paper's Adam, lr 10⁻⁴, batch 2 000, 500 epochs on
10⁵ configurations are chosen for the `small` budget on one CPU core and listed in the data card):
Adam, lr 3·10⁻³ decaying along a cosine to 10⁻⁵, batch 20, the epochs of :data:`HYPER` (per
config), MSE of the total energy, weights of the best validation epoch kept.

This module is the light declaration (what `mdbench list` shows, with the hyper-parameters); the networks are
in :mod:`baselines.ising.models`, imported with torch when one is fitted.  :mod:`baselines.ising.scaling`
measures the EDNN's inference cost vs lattice size.
"""

from __future__ import annotations

from baselines.estimators.hyper import ByConfig
from mdbench.core.task import LazyFactory, ModelEntry

PAPER = "Mills et al., Chem. Sci. 10, 4129 (2019)"
TASK = "ising/energy"
#: training epochs per config (the model sees ~9 000 configurations per epoch on `small`)
HYPER = ByConfig("ednn*/dense", "ising", {
    "tiny": {"epochs": 2},
    "small": {"epochs": 40},
    "full": {"epochs": 200},
})

VARIANTS = {"ednn": (1, 1), "ednn-f1c2": (1, 2), "ednn-f1c3": (1, 3), "ednn-f4c1": (4, 1)}
MODELS = [
    ModelEntry(name, TASK, "model",
               f"extensive DNN, focus f = {f}, context c = {c}, inner {(f + 2 * c) ** 2}→{32 * (f + 2 * c) ** 2}→64→64→1",
               LazyFactory("baselines.ising.models:EDNNBaseline", f, c), PAPER, devices=("cpu", "cuda"))
    for name, (f, c) in VARIANTS.items()
] + [ModelEntry("dense", TASK, "model", "fully connected 64→2048→64→64→1 on the whole 8×8 lattice (not extensive)",
                "baselines.ising.models:DenseBaseline", PAPER, devices=("cpu", "cuda"))]
