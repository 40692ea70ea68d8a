"""xarray and netCDF4 for the modules that `mdbench list`, `--help` and the catalog import: loaded on first use.

Those commands only read declarations (datasets, configs, tasks, models), but importing xarray, and pandas
under it, took 0.7–2 s here, several times everything else `mdbench list` does (issue 20).  So the modules on
that path bind ``xr`` and ``netCDF4`` from here: ``lazy_loader``'s module proxies, which import the real
module on the first attribute access (``xr.Dataset``, ``netCDF4.Dataset``).  A plain ``import xarray`` on
that path would load it at once (Python's import machinery touches the proxy's spec);
``tests/test_light_install.py`` checks that listing loads neither.
"""

from __future__ import annotations

import lazy_loader

xr = lazy_loader.load("xarray")
netCDF4 = lazy_loader.load("netCDF4")
