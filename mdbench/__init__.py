"""mdbench: versioned datasets and honest benchmarks for machine-learned simulation surrogates.

>>> import mdbench
>>> ds = mdbench.load("four-well", config="tiny", split="train")   # doctest: +SKIP

Names are resolved here, once, through :mod:`mdbench.catalog`; the store (:mod:`mdbench.data.store`)
works on the resolved :class:`~mdbench.core.spec.DatasetSpec`.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"
__all__ = ["generate", "load", "verify", "__version__"]


def load(name: str, config: str | None = None, split: str = "train", *, verify: bool = True):
    """One split of a generated dataset as an in-memory, hash-verified :class:`xarray.Dataset`."""
    from mdbench import catalog
    from mdbench.data import store

    return store.load(catalog.dataset(name), config, split, verify=verify)


def generate(name: str, config: str | None = None, **kwargs) -> Path:
    """Generate a dataset config into the store (see :func:`mdbench.data.store.generate`)."""
    from mdbench import catalog
    from mdbench.data import store

    return store.generate(catalog.dataset(name), config, **kwargs)


def verify(name: str, config: str | None = None) -> dict[str, str]:
    """Re-hash every split of a config against its manifest; returns ``{split: sha256}``."""
    from mdbench import catalog
    from mdbench.data import store

    return store.verify(catalog.dataset(name), config)
