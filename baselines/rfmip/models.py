"""The learned gas optics of ``rfmip/gas-optics`` declared in :mod:`baselines.rfmip` (see its docstring),
imported with torch when one is fitted."""

from __future__ import annotations

import numpy as np
import xarray as xr

from baselines.estimators.mlp_regressor import MLPRegressor
from baselines.rfmip import HYPER
from mdbench.core.task import TaskData, TrainingReport
from mdbench.systems.rfmip.dataset import GASES, PROPERTIES
from mdbench.systems.rfmip.task import TAU_FLOOR, submission

#: RRTMGP's lower/upper atmosphere boundary (press_ref_trop of the k-distributions), Pa
P_TROP = 9948.431
TAU_PROPS = ("lw_tau", "sw_tau")


def features(ds: xr.Dataset) -> np.ndarray:
    """(n·L, n_features) per-layer inputs, float64."""
    cols = [np.log(ds["p_lay"].values), ds["t_lay"].values,
            np.log(np.maximum(ds["vmr_h2o"].values, 1e-12)), np.log(np.maximum(ds["vmr_o3"].values, 1e-14))]
    cols += [ds[f"vmr_{g}"].values * 1e6 for g in GASES if g not in ("h2o", "o3")]  # ppmv
    return np.stack([c.astype(np.float64).ravel() for c in cols], axis=1)


def targets(ds: xr.Dataset, prop: str) -> np.ndarray:
    v = ds[prop].values.astype(np.float64)
    v = v.reshape(-1, v.shape[-1])
    if prop in TAU_PROPS:
        return np.log(np.maximum(v, TAU_FLOOR) / ds["col_dry"].values.astype(np.float64).ravel()[:, None])
    if prop == "lw_src":
        return np.log(np.maximum(v, TAU_FLOOR))
    return v


class GasOpticsMLP:
    """The paper's eight MLPs (see the module docstring)."""

    def __init__(self, hidden: tuple[int, ...] = (64, 64)):
        self.hidden = hidden

    def fit(self, data: TaskData, *, seed: int, progress: bool = True) -> "GasOpticsMLP":
        x, xv = features(data.train), features(data.val)
        lower, lower_v = data.train["p_lay"].values.ravel() > P_TROP, data.val["p_lay"].values.ravel() > P_TROP
        epochs = HYPER[data.config]["epochs"]
        self.nets = {}
        for k, prop in enumerate(PROPERTIES):
            y, yv = targets(data.train, prop), targets(data.val, prop)
            for part, sel, sel_v in (("lower", lower, lower_v), ("upper", ~lower, ~lower_v)):
                report = (lambda e, tr, va, p=prop, q=part: print(
                    f"  mlp {p}/{q} epoch {e + 1}/{epochs}: train MSE {tr:.4f}, val MSE {va:.4f}", flush=True)
                          ) if progress else None
                self.nets[prop, part] = MLPRegressor(self.hidden, epochs=epochs).fit(
                    x[sel], y[sel], xv[sel_v], yv[sel_v], seed=seed + k, progress=report)
        return self

    def training_report(self) -> TrainingReport:
        """The eight networks' epochs and seconds, summed."""
        return sum((net.training_report() for net in self.nets.values()), TrainingReport())

    def _predict(self, ds: xr.Dataset) -> dict[str, np.ndarray]:
        x = features(ds)
        n, L = ds["p_lay"].shape
        lower = ds["p_lay"].values.ravel() > P_TROP
        col = ds["col_dry"].values.astype(np.float32).ravel()
        out = {}
        for prop in PROPERTIES:
            y = np.empty((n * L, self.nets[prop, "lower"].weights[-1][0].shape[1]), dtype=np.float32)
            y[lower] = self.nets[prop, "lower"].predict(x[lower])
            y[~lower] = self.nets[prop, "upper"].predict(x[~lower])
            if prop in TAU_PROPS:
                y = np.exp(y) * col[:, None]
            elif prop == "lw_src":
                y = np.exp(y)
            else:
                y = np.clip(y, 0.0, 1.0)
            out[prop] = y.reshape(n, L, -1)
        return out

    def predict(self, data: TaskData, *, seed: int) -> xr.Dataset:
        return submission({split: self._predict(ds) for split, ds in data.inputs.items()})
