"""Trp-cage-like miniprotein: a Cα Gō model in OpenMM and the latent space simulator (Sidky et al. 2020 §3.2)."""

from mdbench.core.system import System

SYSTEM = System(
    name="trpcage-like",
    datasets={"trpcage-like": "mdbench.systems.trpcage_like.dataset:TRPCAGE_LIKE"},
    tasks={"trpcage-like/simulator": "mdbench.systems.trpcage_like.task:TASK"},
    models=("mdbench.systems.trpcage_like.references:REFERENCES", "baselines.trpcage_like:MODELS"),
    figures={"trpcage-like/simulator": "mdbench.systems.trpcage_like.figures:plot_all"},
)
