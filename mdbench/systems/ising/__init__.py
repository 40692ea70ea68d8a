"""2D ferromagnetic Ising model: Metropolis + Wolff Monte Carlo, exact energies (Mills et al. 2019)."""

from mdbench.core.system import System

SYSTEM = System(
    name="ising",
    datasets={"ising": "mdbench.systems.ising.dataset:ISING"},
    tasks={"ising/energy": "mdbench.systems.ising.task:TASK"},
    models=("mdbench.systems.ising.references:REFERENCES", "baselines.ising:MODELS"),
    figures={"ising/energy": "mdbench.systems.ising.figures:plot_all"},
)
