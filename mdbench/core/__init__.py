"""What every system implements: dataset specs, parameters with units, tasks, contracts, estimates.

The bottom layer of mdbench: it imports nothing else of the project.
"""

from mdbench.core.errors import MdbenchError
from mdbench.core.estimate import Estimate, MetricInfo
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import SPLITS, DatasetSpec, ShardSpec, derive_seed
from mdbench.core.system import System
from mdbench.core.task import (
    ROLES, ModelEntry, PredictionContract, SurrogateModel, Task, TaskData, VariableContract,
)

__all__ = [
    "MdbenchError", "Estimate", "MetricInfo", "DatasetConfig", "Param", "SPLITS", "DatasetSpec", "ShardSpec",
    "derive_seed", "System", "ROLES", "ModelEntry", "PredictionContract", "SurrogateModel", "Task", "TaskData",
    "VariableContract",
]
