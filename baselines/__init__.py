"""Reference implementations of the models from the literature, one module per task family.

Importing this package registers every baseline with :mod:`mdbench.tasks.base`.
"""

from baselines import forecast  # noqa: F401
from baselines import four_well  # noqa: F401
from baselines import ising  # noqa: F401
from baselines import trpcage  # noqa: F401
from baselines import lss  # noqa: F401
