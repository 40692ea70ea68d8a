"""Export to a Hugging Face ``datasets.Dataset`` with typed, fixed-shape features.

One row per entry of the row dimension: the dataset's shard dimension (the CLI passes the spec's
``shard_dim``) or, when none is given, the first dimension of the first data variable, so every
dataset exports whatever its dimensions are called (``replica``, ``sample``, ``snapshot``, ``config``,
``profile``).  Every variable and coordinate becomes a feature whose shape is its remaining
dimensions, typed from its dtype (``float32``, ``int64``, ``bool``; string coordinates such as the
``<U1`` ``xyz`` of the MD datasets become ``string`` features).  Variables without the row dimension
(e.g. the time coordinate) are repeated in every row so that each row is self-contained.

The export's ``DatasetInfo`` carries the data card (``description``: the card's text followed by a table
of every exported variable with its dimensions, dtype and units), the card's ``license`` and
``citation``, and the dataset name, config and version (``mdbench data export`` saves it atomically: a
failed export leaves nothing behind).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from mdbench.core.errors import MdbenchError
from mdbench.data.card import Card, read_card


def _hf():
    try:
        import datasets
    except ImportError:
        raise MdbenchError("the Hugging Face export needs the `datasets` package; "
                           "pip install 'mdbench[hf]'") from None
    return datasets


def row_dim_of(ds: xr.Dataset, row_dim: str | None = None) -> str | None:
    """The row dimension of ``ds``: ``row_dim`` if given (it must be a dimension of ``ds``), else the first
    dimension of the first data variable that has one; ``None`` for a dataset of scalars (one row)."""
    if row_dim is not None:
        if row_dim not in ds.dims:
            raise MdbenchError(f"the dataset has no dimension {row_dim!r} to make rows of; its dimensions: "
                               f"{', '.join(map(str, ds.dims)) or '(none)'}")
        return row_dim
    for var in ds.data_vars.values():
        if var.dims:
            return str(var.dims[0])
    return str(next(iter(ds.dims))) if ds.dims else None


def _value_type(dtype: np.dtype) -> str:
    kind = dtype.kind
    if kind in "USO":
        return "string"
    if kind == "M":
        return "timestamp[ns]"
    if kind == "m":
        return "duration[ns]"
    if kind in "biuf":
        return dtype.name
    raise MdbenchError(f"cannot export values of dtype {dtype} to Hugging Face datasets")


def _feature(datasets, dtype: np.dtype, shape: tuple[int, ...]):
    value = _value_type(dtype)
    if not shape:
        return datasets.Value(value)
    if value == "string" or len(shape) == 1 or len(shape) > 5:  # Array2D…5D hold numbers only
        feature = datasets.Value(value)
        for n in reversed(shape):
            feature = datasets.List(feature, length=n)
        return feature
    arrays = {2: datasets.Array2D, 3: datasets.Array3D, 4: datasets.Array4D, 5: datasets.Array5D}
    return arrays[len(shape)](shape=shape, dtype=value)


def _column(values: np.ndarray) -> list:
    kind = values.dtype.kind
    if kind in "USO":
        return values.astype(str).tolist()
    if kind == "M":
        return list(values.astype("datetime64[ns]"))
    if kind == "m":
        return list(values.astype("timedelta64[ns]"))
    return list(values)


def _variables_table(ds: xr.Dataset, row_dim: str | None) -> str:
    lines = ["## This export", "",
             f"One row per `{row_dim}`; every other variable is repeated in each row." if row_dim else
             "One row: the dataset has no dimension.", "",
             "| feature | dimensions (after the row) | dtype | units | meaning |", "|---|---|---|---|---|"]
    for name in list(ds.coords) + list(ds.data_vars):
        da = ds[name]
        dims = ", ".join(f"{d} ({ds.sizes[d]})" for d in da.dims if d != row_dim) or "scalar"
        meaning = str(da.attrs.get("long_name", da.attrs.get("description", ""))).replace("|", "\\|")
        lines.append(f"| `{name}` | {dims} | {da.dtype} | {da.attrs.get('units', '')} | {meaning} |")
    if ds.attrs:
        lines += ["", "Global attributes: " + "; ".join(f"{k} = {v}" for k, v in ds.attrs.items())]
    return "\n".join(lines) + "\n"


def to_hf(ds: xr.Dataset, row_dim: str | None = None, *, card: Card | Path | str | None = None):
    """Convert ``ds`` to a :class:`datasets.Dataset` (one row per ``row_dim`` entry, see :func:`row_dim_of`).

    ``card`` (a :class:`~mdbench.data.card.Card` or the path of the data card) fills the export's
    description, license and citation.
    """
    datasets = _hf()
    card = card if isinstance(card, Card) else read_card(card)
    row_dim = row_dim_of(ds, row_dim)
    n = ds.sizes[row_dim] if row_dim is not None else 1
    columns, features = {}, {}
    for name in list(ds.coords) + list(ds.data_vars):
        da = ds[name]
        if row_dim is not None and row_dim in da.dims:
            values = da.transpose(row_dim, ...).values
        else:
            values = np.broadcast_to(da.values, (n, *da.shape))
        columns[str(name)] = _column(values)
        features[str(name)] = _feature(datasets, values.dtype, values.shape[1:])
    features = datasets.Features(features)
    description = (card.text.rstrip() + "\n\n" if card.text else "") + _variables_table(ds, row_dim)
    version = ds.attrs.get("dataset_version")
    try:
        version = datasets.Version(str(version)) if version else None
    except ValueError:  # a version that is not x.y.z (an imported dataset's own) stays in the description
        version = None
    info = datasets.DatasetInfo(
        description=description, citation=card.citation, license=card.license, features=features,
        dataset_name=str(ds.attrs["dataset"]) if "dataset" in ds.attrs else None,
        config_name=str(ds.attrs["config"]) if "config" in ds.attrs else None, version=version)
    return datasets.Dataset.from_dict(columns, features=features, info=info,
                                      split=str(ds.attrs["split"]) if "split" in ds.attrs else None)

