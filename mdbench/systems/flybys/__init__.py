"""Stellar flybys of a star + Jupiter system in an open cluster: REBOUND (IAS15) encounters, the
Heggie & Rasio (1996) secular theory, learned encounter maps (Cai, Portegies Zwart et al. 2020)."""

from mdbench.core.system import System

SYSTEM = System(
    name="flybys",
    datasets={"flybys": "mdbench.systems.flybys.dataset:FLYBYS",
              "flybys-sequences": "mdbench.systems.flybys.sequences:FLYBYS_SEQUENCES"},
    tasks={"flybys/encounter": "mdbench.systems.flybys.task:TASK",
           "flybys/sequence": "mdbench.systems.flybys.sequence_task:TASK"},
    models=("mdbench.systems.flybys.references:REFERENCES", "baselines.flybys:MODELS",
            "baselines.flybys:SEQUENCE_MODELS"),
    figures={"flybys/encounter": "mdbench.systems.flybys.figures:plot_all",
             "flybys/sequence": "mdbench.systems.flybys.figures:plot_sequence"},
)
