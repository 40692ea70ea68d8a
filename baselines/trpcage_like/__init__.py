"""Baselines of the ``trpcage-like/simulator`` task: the latent space simulator
(:mod:`baselines.estimators.lss`, with the spectral-gap and the paper's latent dimension) and a Markov
state model, its classical competitor.

A light declaration (what `mdbench list` shows): the models are in :mod:`baselines.trpcage_like.models`,
imported with torch and deeptime when one is fitted.
"""

from __future__ import annotations

from mdbench.core.task import LazyFactory, ModelEntry

PAPER = "Sidky, Chen & Ferguson, Chem. Sci. 11, 9459 (2020), §3.2"
TASK = "trpcage-like/simulator"

MODELS = [
    ModelEntry("lss", TASK, "model",
               "latent space simulator: SRV encoder → MDN propagator (C = 24) → cWGAN-GP decoder",
               "baselines.trpcage_like.models:LSSBaseline", PAPER, devices=("cpu", "cuda")),
    ModelEntry("lss-m3", TASK, "model",
               "latent space simulator with the paper's latent dimension m = 3 (not the spectral gap)",
               LazyFactory("baselines.trpcage_like.models:LSSBaseline", latent_dim=3), PAPER, devices=("cpu", "cuda")),
    ModelEntry("msm", TASK, "model", "Markov state model: TICA → 100 k-means states → reversible MSM (deeptime)",
               "baselines.trpcage_like.models:MSMBaseline", "Prinz et al., J. Chem. Phys. 134, 174105 (2011)"),
]
