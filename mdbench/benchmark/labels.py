"""Label-matched scoring: a submission's rows are matched to the test data by their labels, never by position.

A task's contract declares, per variable, the dims whose rows are labelled (:attr:`VariableContract.labels`,
e.g. ising's ``sample_8``).  The labels of a labelled dim are the rows' index ``0 … n-1`` in the held-out
split (the coordinate the prediction inputs carry, named in the contract), or the values the contract gives
(:attr:`VariableContract.label_values`, e.g. the forecast's histories and leads in frames).  A submission
carries them back as the coordinate of that dim; :func:`match` reorders it to the task's order before
:meth:`Task.score` and refuses missing, extra or duplicate labels with one line.  Tasks whose predictions are
trajectories a model generates have no rows to match; their contract says so
(:attr:`PredictionContract.unlabelled`).
"""

from __future__ import annotations

import numpy as np

from mdbench.core.errors import SubmissionError
from mdbench.core.lazy import xr
from mdbench.core.task import PredictionContract


def expected(contract: PredictionContract) -> dict[str, np.ndarray]:
    """``{labelled dim: its labels in the task's order}`` of every labelled dim of ``contract``."""
    out: dict[str, np.ndarray] = {}
    for var in contract.variables:
        for dim in var.labels:
            if dim in var.label_values:
                out[dim] = np.asarray(var.label_values[dim])
            elif dim in var.sizes:
                out[dim] = np.arange(var.sizes[dim])
            else:
                raise ValueError(f"variable {var.name!r}: labelled dim {dim!r} has neither a size nor label values")
    return out


def _preview(values) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:5])
    return f"{shown}{', …' if len(values) > 5 else ''} ({len(values)} in all)"


def match(ds: xr.Dataset, contract: PredictionContract, where: str) -> xr.Dataset:
    """``ds`` with every labelled dim reordered to the task's label order (the coordinate set to the task's
    labels); raises :class:`SubmissionError` on a missing coordinate and on missing, extra or duplicate labels."""
    wanted = expected(contract)
    present = {d for v in contract.variables if v.name in ds.data_vars for d in v.labels}
    order = {}
    for dim in sorted(present):
        labels = wanted[dim]
        if dim not in ds.coords:
            raise SubmissionError(f"{where}: dim {dim!r} has no coordinate {dim!r}: carry the rows' labels back "
                                  f"(see `mdbench task show`); rows are matched by label, never by position")
        got = ds.coords[dim].values
        if got.dtype.kind not in "iuf" or labels.dtype.kind not in "iuf":
            if got.dtype.kind != labels.dtype.kind:
                raise SubmissionError(f"{where}: coordinate {dim!r} has dtype {got.dtype}, expected labels like "
                                      f"{_preview(labels[:5])}")
        elif got.dtype.kind == "f" and not np.all(got == np.round(got)) and labels.dtype.kind in "iu":
            raise SubmissionError(f"{where}: coordinate {dim!r} holds non-integer labels; the labels are the "
                                  "rows' indices 0 … n-1 given with the prediction inputs")
        values, counts = np.unique(got, return_counts=True)
        twice = values[counts > 1]
        if len(twice):
            raise SubmissionError(f"{where}: coordinate {dim!r} repeats labels {_preview(twice)}")
        missing = np.setdiff1d(labels, got)
        extra = np.setdiff1d(got, labels)
        if len(missing) or len(extra):
            raise SubmissionError(f"{where}: coordinate {dim!r} lacks labels {_preview(missing) if len(missing) else '—'}"
                                  f" and has labels not in the test data {_preview(extra) if len(extra) else '—'}")
        index = {v.item() if hasattr(v, "item") else v: i for i, v in enumerate(got)}
        order[dim] = np.array([index[v.item() if hasattr(v, "item") else v] for v in labels])
    if not order:
        return ds
    out = ds.isel(order)
    return out.assign_coords({dim: (dim, wanted[dim]) for dim in order})


def attach(ds: xr.Dataset, contract: PredictionContract) -> xr.Dataset:
    """In-process predictions of a model `mdbench run` drives, in the order of the prediction inputs: the
    labels of every labelled dim that has no coordinate yet are attached (a model that sets its own labels
    keeps them, and they are matched like any file's)."""
    wanted = expected(contract)
    dims = {d for v in contract.variables if v.name in ds.data_vars for d in v.labels}
    new = {d: (d, wanted[d]) for d in dims if d not in ds.coords and ds.sizes.get(d) == len(wanted[d])}
    return ds.assign_coords(new) if new else ds
