"""1D four-well potential: Brownian dynamics and its exact transfer operator (Sidky et al. 2020 §3.1)."""

from mdbench.core.system import System

SYSTEM = System(
    name="four-well",
    datasets={"four-well": "mdbench.systems.four_well.dataset:FOUR_WELL"},
    tasks={"four-well/propagator": "mdbench.systems.four_well.task:TASK"},
    models=("mdbench.systems.four_well.references:REFERENCES", "baselines.four_well:MODELS"),
    figures={"four-well/propagator": "mdbench.systems.four_well.figures:plot_all"},
)
