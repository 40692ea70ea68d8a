"""Turbulent channel flow: DNS filtered to an LES grid, exact subgrid fluxes, learned vs Smagorinsky
closures a priori (SURF white paper 2020, appendix by Stoffer, van Heerwaarden et al.; MicroHH)."""

from mdbench.core.system import System

SYSTEM = System(
    name="channel",
    datasets={"channel": "mdbench.systems.channel.dataset:CHANNEL"},
    tasks={"channel/a-priori": "mdbench.systems.channel.task:TASK",
           "channel/a-posteriori": "mdbench.systems.channel.posteriori:TASK"},
    models=("mdbench.systems.channel.references:REFERENCES", "baselines.channel:MODELS"),
    figures={"channel/a-priori": "mdbench.systems.channel.figures:plot_all",
             "channel/a-posteriori": "mdbench.systems.channel.figures:plot_posteriori"},
)
