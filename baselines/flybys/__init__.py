"""Baselines of the ``flybys/encounter`` task: learned encounter maps (applied encounter after encounter for
``flybys/sequence`` in :mod:`baselines.flybys.sequence`, with the LSTM over the encounter series).

* ``mlp`` — the paper's first kind of mapping, a plain MLP on the encounter parameters
  (:class:`baselines.estimators.mlp_regressor.MLPRegressor`): one network (bound flybys) regresses
  asinh(Δ/s) of Δa/a, Δe and ΔI (s = 10⁻³, so 10⁻⁵ … 1 changes share one scale); a second one regresses
  the 0/1 ejection flag on all flybys with MSE, which minimises the Brier score (clipped to [0, 1]).
  Both models clip their transformed outputs to the range of the training targets before sinh.
* ``prob-mlp`` — a probabilistic head: the same features into one network that outputs a Gaussian
  (mean and width) for each transformed change and an ejection logit; loss = Gaussian NLL on bound
  flybys + binary cross-entropy on all.  Its Δe width (propagated through sinh) is scored by the CRPS.

Features (all from the model-visible inputs): e, log₁₀(q/a), log₁₀ m₃, log₁₀ v∞, log₁₀ of the
slowness (perturber's angular speed at pericentre ÷ planet's mean motion), cos i_p, and sin/cos of
Ω_p − ϖ, 2(Ω_p − ϖ), ω_p, 2ω_p and M (the planet's phase at the start).

A light declaration of both tasks' models (what `mdbench list` shows, with the hyper-parameters): the
encounter maps are in :mod:`baselines.flybys.models`, the sequence models in :mod:`baselines.flybys.sequence`,
each imported with torch when a model is fitted.
"""

from __future__ import annotations

from baselines.estimators.hyper import ByConfig
from mdbench.core.task import ModelEntry

PAPER = "Cai, Portegies Zwart et al., SURF white paper (2020), appendix: ML for planetary dynamics in clusters"
#: asinh scale of the changes (1)
SCALE = 1e-3
HYPER = ByConfig("mlp/prob-mlp", "flybys", {
    "tiny": {"epochs": 20, "hidden": (32, 32)},
    "small": {"epochs": 300, "hidden": (64, 64)},
    "full": {"epochs": 300, "hidden": (128, 128, 128)},
})
#: the LSTM of ``flybys/sequence``
LSTM_HYPER = ByConfig("lstm", "flybys-sequences", {
    "tiny": {"epochs": 10, "hidden": 16},
    "small": {"epochs": 400, "hidden": 32},
    "full": {"epochs": 400, "hidden": 64},
})

MODELS = [
    ModelEntry("mlp", "flybys/encounter", "model",
               "MLP on the encounter parameters (asinh-scaled changes) + ejection MLP",
               "baselines.flybys.models:MLPBaseline", PAPER),
    ModelEntry("prob-mlp", "flybys/encounter", "model",
               "probabilistic MLP: Gaussian head on asinh-scaled changes + ejection logit (NLL + BCE)",
               "baselines.flybys.models:ProbMLPBaseline", PAPER),
]
SEQUENCE_MODELS = [
    ModelEntry("mlp", "flybys/sequence", "model", "the encounter MLP (flybys/encounter) applied K times, "
                                                  "deterministic (survival as a weight)",
               "baselines.flybys.sequence:SequenceMLP", PAPER),
    ModelEntry("prob-mlp", "flybys/sequence", "model", "the encounter task's probabilistic MLP applied K times, "
                                                       "sampled (Δ from its Gaussian, loss from P(ej))",
               "baselines.flybys.sequence:SequenceProbMLP", PAPER),
    ModelEntry("lstm", "flybys/sequence", "model", "LSTM over the encounter series, teacher-forced on REBOUND's "
                                                   "sequences, rolled out on its own states (the paper's time-series "
                                                   "mapping)",
               "baselines.flybys.sequence:SequenceLSTM", PAPER),
]
