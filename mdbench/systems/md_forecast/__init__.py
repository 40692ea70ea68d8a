"""Protein MD forecasting (Gupta et al. 2020): adenylate kinase and a steered 100-alanine helix in
OpenMM, and any trajectory a user imports; one forecasting task per dataset."""

from mdbench.core.system import System

SYSTEM = System(
    name="md-forecast",
    datasets={"adk": "mdbench.systems.md_forecast.adk:ADK_DATASET",
              "ala100-smd": "mdbench.systems.md_forecast.ala100_smd:ALA100_SMD"},
    tasks={"adk/forecast": "mdbench.systems.md_forecast.adk:TASK",
           "ala100-smd/forecast": "mdbench.systems.md_forecast.ala100_smd:TASK"},
    models=("mdbench.systems.md_forecast.references:REFERENCES", "baselines.md_forecast:MODELS"),
    figures={"*/forecast": "mdbench.systems.md_forecast.figures:plot_all"},
    discover="mdbench.systems.md_forecast.imported:discover",
    commands={"data import": "mdbench.systems.md_forecast.commands:add_import_command"},
)
