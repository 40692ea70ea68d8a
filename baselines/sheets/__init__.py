"""Baselines of ``sheets/energy`` (Mills et al., Chem. Sci. 10, 4129 (2019), §3.2–3.4).

* ``ednn`` — the tiling EDNN of :mod:`baselines.estimators.ednn` (periodic padding, focus f,
  context c, sum over tiles) with a CNN inside, on the Gaussian images of
  :mod:`mdbench.systems.sheets.images`.
  On ``small``/``tiny`` (64 × 64 px per 60-atom cell, Δ ≈ 0.20 Å): f = 16, c = 8 px (3.1 Å and
  1.6 Å) and a reduced CNN (4 conv + 2 dense) that trains in minutes on one core; on ``full``
  (256 × 256 px, the paper's grid): f = 64, c = 32 and the paper's 13 conv + 2 dense layers.
  Extensive: predicts every set, including 1 500-atom and porous sheets.
* ``cnn`` — the same CNN on the whole 60-atom image without tiling (the paper's non-EDNN
  comparison).  Its dense layer is sized for that image, so it predicts the ``test`` set only.

Both predict E = Σ_Z n_Z μ_Z + network(image): μ are least-squares per-species energies of the
training set (the static reference's fit, extensive) and the network learns the remainder,
standardised for training.  Adam, lr 10⁻³ → 10⁻⁵ (cosine), batch 16 configurations, MSE of the
total, weights of the best validation epoch kept (:func:`baselines.estimators.ednn.train_extensive`),
the epochs and CNN of :data:`HYPER` (per config); every training image of the EDNN is first moved by
a random exact symmetry (periodic translation by whole pixels, mirrors in x and y:
:class:`SymmetryAugment`); the CNN trains on the images as they are (see :class:`CNNSheets`).

A light declaration (what `mdbench list` shows, with the hyper-parameters): the networks are in
:mod:`baselines.sheets.models`, imported with torch when one is fitted.  The tools beside this module:
:mod:`baselines.sheets.scale` (O(N) inference on huge sheets, sharded over dask workers) and
:mod:`baselines.sheets.mc` (EDNN-driven Monte Carlo against Tersoff).
"""

from __future__ import annotations

import dataclasses

from baselines.estimators.hyper import ByConfig
from mdbench.core.task import ModelEntry

PAPER = "Mills et al., Chem. Sci. 10, 4129 (2019)"
#: training epochs and the CNN inside (:data:`baselines.sheets.models.CNNS`), per config (the paper's CNN on
#: ``full``, its 256 px grid)
HYPER = ByConfig("ednn/cnn", "sheets", {
    "tiny": {"epochs": 2, "cnn": "reduced"},
    "small": {"epochs": 30, "cnn": "reduced"},
    "full": {"epochs": 500, "cnn": "paper"},
})

MODELS = [
    ModelEntry("ednn", "sheets/energy", "model",
               "tiling EDNN, CNN inside (small: 4 conv + 2 dense, f = 16, c = 8 px on 64² px; full: paper's 13 conv + 2 "
               "dense, f = 64, c = 32 on 256² px) + per-species energies", "baselines.sheets.models:EDNNSheets", PAPER,
               devices=("cpu", "cuda")),
    ModelEntry("cnn", "sheets/energy", "model",
               "the same CNN on the whole 60-atom image, no tiling (not extensive) + per-species energies",
               "baselines.sheets.models:CNNSheets", PAPER, devices=("cpu", "cuda")),
]
# the same two networks on the GFN2-xTB labels of sheets-gfn2 (the paper's comparison, with quantum labels)
MODELS += [dataclasses.replace(entry, task="sheets-gfn2/energy") for entry in MODELS]
