"""An AR(1) process x_{t+1} = a·x_t + √(1−a²)·ξ: the smallest complete mdbench system."""

from mdbench.core.system import System

SYSTEM = System(
    name="toy-ar1",
    datasets={"toy-ar1": "toy_system.ar1:DATASET"},
    tasks={"toy-ar1/next": "toy_system.ar1:TASK"},
    models=("toy_system.ar1:ENTRIES",),
)
