"""Export to a Hugging Face ``datasets.Dataset`` with fixed-shape array features.

One row per entry of ``row_dim`` (by default the dataset's replica dimension); every variable
and coordinate becomes a feature whose shape is its remaining dimensions.  Variables without the
row dimension (e.g. the time coordinate) are repeated in every row so each row is self-contained.
Units and long names go into the feature descriptions of ``info.description``.
"""

from __future__ import annotations

import json

import datasets
import numpy as np
import xarray as xr

_ARRAY = {2: datasets.Array2D, 3: datasets.Array3D, 4: datasets.Array4D, 5: datasets.Array5D}


def _feature(dtype: np.dtype, shape: tuple[int, ...]):
    name = np.dtype(dtype).name
    if not shape:
        return datasets.Value(name)
    if len(shape) == 1:
        return datasets.Sequence(datasets.Value(name), length=shape[0])
    return _ARRAY[len(shape)](shape=shape, dtype=name)


def to_hf(ds: xr.Dataset, row_dim: str = "replica") -> datasets.Dataset:
    """Convert ``ds`` to a :class:`datasets.Dataset` (one row per ``row_dim`` entry)."""
    n = ds.sizes[row_dim]
    columns, features, units = {}, {}, {}
    for name in list(ds.coords) + list(ds.data_vars):
        da = ds[name]
        if row_dim in da.dims:
            da = da.transpose(row_dim, ...)
            values = da.values
        else:
            values = np.broadcast_to(da.values, (n, *da.shape))
        columns[str(name)] = list(values)
        features[str(name)] = _feature(values.dtype, values.shape[1:])
        units[str(name)] = {"units": da.attrs.get("units", ""), "long_name": da.attrs.get("long_name", ""),
                            "dims": [d for d in da.dims if d != row_dim]}
    features = datasets.Features(features)
    info = datasets.DatasetInfo(features=features, description=json.dumps(
        {"attrs": {k: str(v) for k, v in ds.attrs.items()}, "variables": units}))
    return datasets.Dataset.from_dict(columns, features=features, info=info)
