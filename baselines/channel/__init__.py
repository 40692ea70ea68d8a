"""Subgrid models of the ``channel`` tasks (Stoffer et al. 2021; SURF white paper 2020).

* ``smagorinsky`` — the classical reference: Smagorinsky (1963), C_s = 0.1, van Driest damping
  (A⁺ = 26), Δ = (ΔxΔyΔz)^⅓; no training.
* ``mlp`` — the paper's shallow network: for every LES cell, the 5×5×5 neighbourhood of each
  staggered velocity component (3 × 125 inputs, no-slip ghost values beyond the walls) plus the
  cell's height → 64 hidden units (leaky ReLU) → 18 outputs: the 9 fluxes τ_ij at the cell's two
  faces in direction j (two staggered sets, so no flux location is predicted only from one side).
  Every flux location is predicted by the two cells that share it; the prediction is their mean.
* ``mlp-dissipative`` — the same network trained with a penalty on backscatter (λ · mean of
  max(0, Σ τ_ij S_ij) over the 18 outputs, S the resolved strain) and, at inference, its fluxes
  zeroed in cells where the predicted ε_sgs < 0 ("backscatter clipping"): the variant meant to be
  stable a posteriori.

Training: Adam, lr 10⁻³ with cosine decay, batch 512, MSE of standardised outputs, the weights of
the best validation epoch kept; the epochs of :data:`HYPER` (per config).

A light declaration (what `mdbench list` shows, with the hyper-parameters): the models are in
:mod:`baselines.channel.models`, imported with torch when one is fitted.
"""

from __future__ import annotations

from baselines.estimators.hyper import ByConfig
from mdbench.core.task import LazyFactory, ModelEntry

PAPER = "Stoffer et al., Geosci. Model Dev. 14, 3769 (2021); SURF white paper (2020)"
SMAGORINSKY = "Smagorinsky, Mon. Weather Rev. 91, 99 (1963); van Driest, J. Aeronaut. Sci. 23, 1007 (1956)"
#: training epochs of the patch MLPs per config (a priori; the a-posteriori closures are the same fits)
HYPER = ByConfig("mlp/mlp-dissipative/mlp-wide", "channel", {
    "tiny": {"epochs": 2},
    "small": {"epochs": 80},
    "full": {"epochs": 100},
})
MLP = "baselines.channel.models:MLPModel"

MODELS = [
    ModelEntry("smagorinsky", "channel/a-priori", "model",
               "Smagorinsky eddy viscosity, C_s = 0.1, van Driest damping A⁺ = 26 (classical reference)",
               "baselines.channel.models:SmagorinskyModel", SMAGORINSKY),
    ModelEntry("mlp", "channel/a-priori", "model",
               "shallow MLP on 5×5×5 patches of u, v, w (+height) → 64 → 18 (τ_ij on both faces)", MLP, PAPER),
    ModelEntry("mlp-dissipative", "channel/a-priori", "model",
               "the same MLP trained with a backscatter penalty (λ = 1) and backscatter clipping at inference",
               LazyFactory(MLP, 1.0, True), PAPER),
    ModelEntry("mlp-wide", "channel/a-priori", "model",
               "the paper's MLP with 256 instead of 64 hidden units (is capacity the limit?)",
               LazyFactory(MLP, hidden=256), PAPER),
]

#: the same models as LES closures (fitted a priori on the train split, then run inside the LES)
MODELS += [ModelEntry(e.name, "channel/a-posteriori", e.role, f"LES closure: {e.summary}",
                      LazyFactory("mdbench.systems.channel.posteriori:LESWith", e.factory), e.citation)
           for e in list(MODELS) if e.name != "mlp-wide"]
