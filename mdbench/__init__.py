"""mdbench: versioned datasets and honest benchmarks for machine-learned simulation surrogates.

>>> import mdbench
>>> ds = mdbench.load("four-well", config="tiny", split="train")   # doctest: +SKIP
"""

from mdbench.data.store import generate, load, verify

__version__ = "0.1.0"
__all__ = ["generate", "load", "verify", "__version__"]
