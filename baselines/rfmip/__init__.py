"""Baselines of ``rfmip/gas-optics``: the machine-learned gas optics of Veerman, van Heerwaarden et
al. (SURF white paper 2020, appendix "Machine-learned radiation in next-generation weather models").

``mlp`` — eight shallow MLPs, one per optical property (LW τ, LW Planck source, SW τ, SW ssa) and
atmosphere part (lower: p > 9 948.431 Pa, RRTMGP's tropopause reference pressure; upper: the rest),
each 2 hidden layers × 64 neurons (the paper's choice among 1–3 layers of 32–128).  Per layer:

* inputs: ln p, T, ln h2o, ln o3 and the volume mixing ratios of the other gases that vary in the
  data (co2, ch4, n2o, co and the halocarbons; constants such as o2, n2, no2 drop out by their zero
  spread), standardised;
* targets: ln(τ / N_dry) (optical depth per dry-air molecule, so layer thickness is not learned),
  ln(Planck source) and ssa, standardised; τ = exp(·) × N_dry at prediction.

Training (our choices for the `small` budget on one core; the appendix gives no training recipe):
Adam, lr 10⁻³ cosine-decayed to 10⁻⁵, batch 256, MSE, best validation epoch kept, the epochs of
:data:`HYPER` (per config).  Inference is a plain batched matrix product in numpy float32
(:class:`baselines.estimators.mlp_regressor.MLPRegressor`).

A light declaration (what `mdbench list` shows, with the hyper-parameters): the models are in
:mod:`baselines.rfmip.models`, imported with torch when one is fitted; :mod:`baselines.rfmip.rce` declares
them again as the gas optics of ``rfmip/rce``.
"""

from __future__ import annotations

from baselines.estimators.hyper import ByConfig
from mdbench.core.task import LazyFactory, ModelEntry

PAPER = "Veerman, van Heerwaarden et al., SURF white paper (2020), appendix on machine-learned radiation"
#: training epochs of every one of the eight MLPs, per config
HYPER = ByConfig("mlp/mlp-3x128", "rfmip", {
    "tiny": {"epochs": 2},
    "small": {"epochs": 40},
    "full": {"epochs": 100},
})
MLP = "baselines.rfmip.models:GasOpticsMLP"

MODELS = [
    ModelEntry("mlp", "rfmip/gas-optics", "model",
               "eight MLPs (4 properties × lower/upper atmosphere), 2×64, leaky ReLU", MLP, PAPER),
    ModelEntry("mlp-3x128", "rfmip/gas-optics", "model",
               "eight MLPs, 3×128 (the largest of the paper's search), otherwise as mlp",
               LazyFactory(MLP, (128, 128, 128)), PAPER),
]
