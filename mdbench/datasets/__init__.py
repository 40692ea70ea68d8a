"""Dataset definitions, one module per system; importing a module registers its dataset."""

from mdbench.datasets import adk  # noqa: F401
from mdbench.datasets import ala100_smd  # noqa: F401
from mdbench.datasets import four_well  # noqa: F401
from mdbench.datasets import ising  # noqa: F401
from mdbench.datasets import trpcage  # noqa: F401
