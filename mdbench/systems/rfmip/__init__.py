"""RFMIP clear-sky radiation: machine-learned gas optics against RRTMGP (SURF white paper 2020,
appendix by Veerman, van Heerwaarden et al.), scored a priori on the optical properties and a
posteriori on fluxes, heating rates and the RFMIP forcings."""

from mdbench.core.system import System

SYSTEM = System(
    name="rfmip",
    datasets={"rfmip": "mdbench.systems.rfmip.dataset:RFMIP"},
    tasks={"rfmip/gas-optics": "mdbench.systems.rfmip.task:TASK"},
    models=("mdbench.systems.rfmip.references:REFERENCES", "baselines.rfmip:MODELS"),
    figures={"rfmip/gas-optics": "mdbench.systems.rfmip.figures:plot_all"},
)
