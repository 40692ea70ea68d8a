"""Baselines of ``rfmip/gas-optics``: the machine-learned gas optics of Veerman, van Heerwaarden et
al. (SURF white paper 2020, appendix "Machine-learned radiation in next-generation weather models").

``mlp`` — eight shallow MLPs, one per optical property (LW τ, LW Planck source, SW τ, SW ssa) and
atmosphere part (lower: p > 9 948.431 Pa, RRTMGP's tropopause reference pressure; upper: the rest),
each 2 hidden layers × 64 neurons (the paper's choice among 1–3 layers of 32–128).  Per layer:

* inputs: ln p, T, ln h2o, ln o3 and the volume mixing ratios of the other gases that vary in the
  data (co2, ch4, n2o, co and the halocarbons; constants such as o2, n2, no2 drop out by their zero
  spread), standardised;
* targets: ln(τ / N_dry) (optical depth per dry-air molecule, so layer thickness is not learned),
  ln(Planck source) and ssa, standardised; τ = exp(·) × N_dry at prediction.

Training (our choices for the `small` budget on one core; the appendix gives no training recipe):
Adam, lr 10⁻³ cosine-decayed to 10⁻⁵, batch 256, MSE, best validation epoch kept, the epochs of
:data:`HYPER` (per config).  Inference is a plain batched matrix product in numpy float32
(:class:`baselines.estimators.mlp_regressor.MLPRegressor`).
"""

from __future__ import annotations

import functools

import numpy as np
import xarray as xr

from baselines.estimators.hyper import ByConfig
from baselines.estimators.mlp_regressor import MLPRegressor
from mdbench.core.task import ModelEntry, TaskData, TrainingReport
from mdbench.systems.rfmip.dataset import GASES, PROPERTIES
from mdbench.systems.rfmip.task import TASK, TAU_FLOOR, submission

PAPER = "Veerman, van Heerwaarden et al., SURF white paper (2020), appendix on machine-learned radiation"
#: RRTMGP's lower/upper atmosphere boundary (press_ref_trop of the k-distributions), Pa
P_TROP = 9948.431
#: training epochs of every one of the eight MLPs, per config
HYPER = ByConfig("mlp/mlp-3x128", "rfmip", {
    "tiny": {"epochs": 2},
    "small": {"epochs": 40},
    "full": {"epochs": 100},
})
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


MODELS = [
    ModelEntry("mlp", TASK.name, "model", "eight MLPs (4 properties × lower/upper atmosphere), 2×64, leaky ReLU",
               GasOpticsMLP, PAPER),
    ModelEntry("mlp-3x128", TASK.name, "model",
               "eight MLPs, 3×128 (the largest of the paper's search), otherwise as mlp",
               functools.partial(GasOpticsMLP, (128, 128, 128)), PAPER),
]
