"""RFMIP clear-sky radiation: machine-learned gas optics against RRTMGP (SURF white paper 2020,
appendix by Veerman, van Heerwaarden et al.), scored a priori on the optical properties and a
posteriori on fluxes, heating rates and the RFMIP forcings, and in a radiative-convective column
(``rfmip/rce``: equilibrium climate and CO2 sensitivity with each gas optics)."""

from mdbench.core.system import System

SYSTEM = System(
    name="rfmip",
    datasets={"rfmip": "mdbench.systems.rfmip.dataset:RFMIP"},
    tasks={"rfmip/gas-optics": "mdbench.systems.rfmip.task:TASK", "rfmip/rce": "mdbench.systems.rfmip.rce_task:TASK"},
    models=("mdbench.systems.rfmip.references:REFERENCES", "baselines.rfmip:MODELS",
            "mdbench.systems.rfmip.rce_task:REFERENCES", "baselines.rfmip.rce:MODELS"),
    figures={"rfmip/gas-optics": "mdbench.systems.rfmip.figures:plot_all"},
)
