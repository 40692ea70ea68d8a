"""A single-column radiative-convective equilibrium (RCE) model with pluggable gas optics.

The a-posteriori test of a gas-optics surrogate that the SURF appendix names as the next step: run a
column to equilibrium with RRTMGP's gas optics and with the surrogate, and compare the climates.
Manabe & Wetherald (1967) in spirit, with the suite's own radiation:

* **radiation** — a gas-optics function (layer state → the four optical properties per g-point, the
  ``rfmip/gas-optics`` contract) feeding the suite's RTE solvers (:func:`physics.fluxes`: RTE's
  no-scattering LW, jax-rrtmgp's two-stream SW); heating rates from the flux divergence
  (:func:`physics.heating_rate`);
* **convection** — energy-conserving convective adjustment of the surface and the layers above it
  to a fixed lapse rate Γ = 6.5 K/km (Manabe & Strickler 1964; T ∝ p^(R_d Γ / g) in pressure
  coordinates); the surface temperature equals the adjusted profile extrapolated to the surface;
* **humidity** — fixed relative humidity of Manabe & Wetherald: RH = RH_s (Q − 0.02)/(1 − 0.02),
  Q = p/p_s, RH_s = 0.77, saturation vapour pressure over liquid water (Bolton 1980); water vapour
  never increases upward (cold trap) and is at least the stratospheric 3 × 10⁻⁶ kg/kg of Manabe &
  Wetherald; vmr capped at 0.05 (the range of the training perturbations);
* **ozone and the other gases** — prescribed per column, fixed in pressure;
* **surface** — a slab (heat capacity :attr:`Setup.slab_heat_capacity`, emissivity 1, spectrally
  constant albedo :attr:`Setup.albedo` that stands in for the clouds a clear-sky column lacks);
* **sun** — a daily- and annual-mean insolation :attr:`Setup.insolation` at TOA, realised as the
  irradiance insolation / cos θ₀ at the fixed zenith angle θ₀ = :attr:`Setup.zenith` (60°);
* **time stepping** — explicit, :attr:`Setup.dt_days` per step, convective adjustment after every
  step; the energy the convective block (surface + adjusted layers) gains is multiplied by
  :attr:`Setup.block_acceleration` (a smaller effective heat capacity of the block: it changes the
  path to equilibrium, not the equilibrium, where every tendency is zero);
* **equilibrium** — every column has |dT/dt| < :attr:`Setup.tol_k_per_day` in every
  non-convective layer and in the convective block (its energy tendency ÷ its heat capacity, physical
  heat capacities, no acceleration), and |net TOA flux| < :attr:`Setup.tol_toa`.

Every column of a batch steps together (numpy/JAX arrays over columns): one gas-optics call per step for
the whole batch.  Orientation TOA → surface as in :mod:`physics`; units K, Pa, W/m², mol/mol.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from mdbench.core.errors import MdbenchError
from mdbench.core.lazy import xr
from mdbench.systems.rfmip import physics

#: dry-air gas constant (J kg⁻¹ K⁻¹)
R_DRY = 287.04
#: a gas-optics function: the layer state (the ``rfmip/gas-optics`` prediction input variables) → the four
#: optical properties (n, L, G) of :data:`mdbench.systems.rfmip.dataset.PROPERTIES`
GasOpticsFn = Callable[["xr.Dataset"], dict]


class RceError(MdbenchError):
    """A column set-up the RCE model cannot run."""


@dataclass(frozen=True)
class Setup:
    """The stated column set-up (every number with its units in the comment)."""

    lapse_rate: float = 6.5e-3  # K/m, critical lapse rate of the convective adjustment
    rh_surface: float = 0.77  # 1, Manabe–Wetherald surface relative humidity
    rh_q_top: float = 0.02  # 1, p/p_s at which the MW relative humidity reaches zero
    h2o_strat_mmr: float = 3e-6  # kg/kg, stratospheric water vapour (MW 1967)
    h2o_max_vmr: float = 0.05  # mol/mol, cap (the training perturbations' cap)
    albedo: float = 0.3  # 1, surface albedo (clouds folded in), spectrally constant
    emissivity: float = 1.0  # 1, surface LW emissivity
    insolation: float = 340.0  # W/m², daily/annual-mean TOA insolation
    zenith: float = 60.0  # degree, the fixed solar zenith angle realising it
    slab_heat_capacity: float = 4.18e6  # J m⁻² K⁻¹ (1 m of water)
    dt_days: float = 1.0  # day, time step
    block_acceleration: float = 8.0  # 1, energy gain of the convective block × this (path only)
    tol_k_per_day: float = 1e-3  # K/day
    tol_toa: float = 0.1  # W/m²
    max_steps: int = 800  # steps; the RRTMGP-driven columns need ≈ 150
    min_steps: int = 20

    def to_record(self) -> dict:
        return asdict(self)


SETUP = Setup()


# --------------------------------------------------------------------------------------------
# column physics
# --------------------------------------------------------------------------------------------
def saturation_vapour_pressure(t: np.ndarray) -> np.ndarray:
    """Pa, over liquid water (Bolton 1980)."""
    tc = np.asarray(t) - 273.15
    return 611.2 * np.exp(17.67 * tc / (tc + 243.5))


def fixed_rh_h2o(t_lay: np.ndarray, p_lay: np.ndarray, p_sfc: np.ndarray, setup: Setup = SETUP) -> np.ndarray:
    """Water-vapour vmr (mol per mol dry air), (n, L), from Manabe–Wetherald's fixed relative humidity."""
    q = p_lay / p_sfc[:, None]
    rh = np.clip(setup.rh_surface * (q - setup.rh_q_top) / (1.0 - setup.rh_q_top), 0.0, None)
    e = rh * saturation_vapour_pressure(t_lay)
    vmr = e / np.maximum(p_lay - e, 1e-3)
    # cold trap: no more water vapour above than below (arrays are TOA first: accumulate from the surface)
    vmr = np.minimum.accumulate(vmr[:, ::-1], axis=1)[:, ::-1]
    floor = setup.h2o_strat_mmr * physics.M_DRY / physics.M_H2O
    return np.clip(vmr, floor, setup.h2o_max_vmr)


def level_temperatures(t_lay: np.ndarray, t_sfc: np.ndarray, p_lay: np.ndarray, p_lev: np.ndarray) -> np.ndarray:
    """(n, L+1): interior levels linear in ln p between their layers; the top level takes the top layer's
    temperature, the bottom level the surface's."""
    lp, lv = np.log(p_lay), np.log(np.maximum(p_lev, 1e-3))
    w = (lv[:, 1:-1] - lp[:, :-1]) / (lp[:, 1:] - lp[:, :-1])
    inner = t_lay[:, :-1] + w * (t_lay[:, 1:] - t_lay[:, :-1])
    return np.concatenate([t_lay[:, :1], inner, t_sfc[:, None]], axis=1)


def layer_heat_capacity(p_lev: np.ndarray) -> np.ndarray:
    """c_p Δp / g of each layer (J m⁻² K⁻¹), (n, L)."""
    return physics.CP_DRY * np.abs(np.diff(p_lev, axis=1)) / physics.GRAVITY


def convective_adjustment(t_lay: np.ndarray, t_sfc: np.ndarray, p_lay: np.ndarray, p_sfc: np.ndarray,
                          heat_cap: np.ndarray, slab: float,
                          lapse_rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Energy-conserving adjustment of the surface and the unstable layers above it to the lapse rate.

    Scanning up from the surface, layer k joins the convective block while it is colder than the block's
    adjusted profile extended to it (its lapse rate to the layer below exceeds Γ); the block is then set to
    θ (p/p_s)^(R_d Γ/g) with θ fixed by the block's enthalpy (surface slab included), and the surface to θ.
    Returns (t_lay, t_sfc, top): ``top`` the index of the block's highest layer (L: surface only).
    """
    n, L = t_lay.shape
    f = (p_lay / p_sfc[:, None]) ** (R_DRY * lapse_rate / physics.GRAVITY)
    energy, cap = slab * t_sfc, np.full(n, float(slab))
    theta = t_sfc.copy()
    top = np.full(n, L)
    active = np.ones(n, bool)
    for k in range(L - 1, -1, -1):
        unstable = active & (t_lay[:, k] < theta * f[:, k])
        energy = np.where(unstable, energy + heat_cap[:, k] * t_lay[:, k], energy)
        cap = np.where(unstable, cap + heat_cap[:, k] * f[:, k], cap)
        theta = energy / cap
        top = np.where(unstable, k, top)
        active = unstable
        if not active.any():
            break
    block = np.arange(L)[None, :] >= top[:, None]
    return np.where(block, theta[:, None] * f, t_lay), np.where(top < L, theta, t_sfc), top


# --------------------------------------------------------------------------------------------
# the columns
# --------------------------------------------------------------------------------------------
@dataclass
class Columns:
    """A batch of RCE columns (TOA first): fixed pressures and gases, evolving temperatures.

    ``vmr`` holds every gas of the k-distribution but h2o (computed from the temperatures) as (n, L).
    """

    p_lay: np.ndarray
    p_lev: np.ndarray
    t_lay: np.ndarray
    t_sfc: np.ndarray
    vmr: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return self.p_lay.shape[0]

    @property
    def p_sfc(self) -> np.ndarray:
        return self.p_lev[:, -1]


def profiles(cols: Columns, setup: Setup = SETUP) -> physics.Profiles:
    """The radiation's view of the columns: fixed-RH water vapour, level temperatures, the stated sun and surface."""
    n = cols.n
    t_lay = np.clip(cols.t_lay, *physics.T_TABLE)
    t_sfc = np.clip(cols.t_sfc, *physics.T_TABLE)
    vmr = dict(cols.vmr)
    vmr["h2o"] = fixed_rh_h2o(t_lay, cols.p_lay, cols.p_sfc, setup)
    full = lambda v: np.full(n, float(v))  # noqa: E731
    return physics.Profiles(
        p_lay=cols.p_lay, t_lay=t_lay, p_lev=cols.p_lev,
        t_lev=level_temperatures(t_lay, t_sfc, cols.p_lay, cols.p_lev), t_sfc=t_sfc,
        emis=full(setup.emissivity), albedo=full(setup.albedo), zenith=full(setup.zenith),
        tsi=full(setup.insolation / np.cos(np.radians(setup.zenith))), vmr=vmr)


def layer_state(prof: physics.Profiles) -> xr.Dataset:
    """The ``rfmip/gas-optics`` prediction inputs (p, T, level pressures, dry-air column, every vmr) of ``prof``:
    what a gas-optics model sees, so any model of that task plugs in unchanged."""
    from mdbench.systems.rfmip.dataset import GASES

    lay, lev = ("profile", "layer"), ("profile", "level")
    f4 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    data = {"p_lay": (lay, f4(prof.p_lay)), "t_lay": (lay, f4(prof.t_lay)), "p_lev": (lev, f4(prof.p_lev)),
            "col_dry": (lay, f4(physics.col_dry(prof)))}
    data.update({f"vmr_{g}": (lay, f4(prof.vmr[g])) for g in GASES})
    return xr.Dataset(data, coords={"profile": np.arange(prof.n)})


@dataclass
class Equilibrium:
    """The result of :func:`run`: final temperatures and how they were reached."""

    t_lay: np.ndarray  # (n, L) K
    t_sfc: np.ndarray  # (n,) K
    converged: np.ndarray  # (n,) bool
    steps: int  # steps taken (the batch stops when every column converged)
    max_tendency: np.ndarray  # (n,) K/day, the largest |dT/dt| of the last step
    toa_imbalance: np.ndarray  # (n,) W/m², net down at TOA of the last step
    tropopause_pressure: np.ndarray  # (n,) Pa, pressure of the convective block's highest layer
    seconds: float  # wall time
    h2o: np.ndarray  # (n, L) mol/mol of the final state


def tendencies(cols: Columns, prof: physics.Profiles, flux: dict, top: np.ndarray, setup: Setup = SETUP):
    """(layer heating K/day (n, L), surface net flux W/m² (n,), physical |dT/dt| K/day of every layer outside
    the convective block and of the block as a whole, max per column (n,))."""
    heat = (physics.heating_rate(flux["lw_up"], flux["lw_dn"], cols.p_lev)
            + physics.heating_rate(flux["sw_up"], flux["sw_dn"], cols.p_lev))
    f_sfc = (flux["lw_dn"][:, -1] - flux["lw_up"][:, -1]) + (flux["sw_dn"][:, -1] - flux["sw_up"][:, -1])
    cap = layer_heat_capacity(cols.p_lev)
    block = np.arange(cols.p_lay.shape[1])[None, :] >= top[:, None]
    block_power = (np.where(block, cap * heat / 86400.0, 0.0).sum(axis=1) + f_sfc)  # W/m²
    block_rate = block_power / (np.where(block, cap, 0.0).sum(axis=1) + setup.slab_heat_capacity) * 86400.0
    free = np.where(block, 0.0, np.abs(heat)).max(axis=1)
    return heat, f_sfc, np.maximum(free, np.abs(block_rate))


def run(cols: Columns, optics: GasOpticsFn, setup: Setup = SETUP, *, progress: Callable | None = None) -> Equilibrium:
    """Step every column of ``cols`` to equilibrium with the gas optics ``optics``; see the module docstring."""
    start = time.perf_counter()
    cols = Columns(cols.p_lay, cols.p_lev, cols.t_lay.astype(np.float64).copy(), cols.t_sfc.astype(np.float64).copy(),
                   cols.vmr)
    cap = layer_heat_capacity(cols.p_lev)
    dt = setup.dt_days
    cols.t_lay, cols.t_sfc, top = convective_adjustment(cols.t_lay, cols.t_sfc, cols.p_lay, cols.p_sfc, cap,
                                                        setup.slab_heat_capacity, setup.lapse_rate)
    converged = np.zeros(cols.n, bool)
    step = 0
    while True:
        prof = profiles(cols, setup)
        props = optics(layer_state(prof))
        # the suite's solvers (physics.fluxes), the SW one compiled for this batch size: no padding to 64 columns
        flux = physics.lw_fluxes(props["lw_tau"], props["lw_src"], prof.t_lay, prof.t_lev, prof.t_sfc, prof.emis)
        flux.update(physics.sw_fluxes(props["sw_tau"], props["sw_ssa"], prof.zenith, prof.albedo, prof.tsi,
                                      chunk=min(64, cols.n)))
        heat, f_sfc, rate = tendencies(cols, prof, flux, top, setup)
        toa = physics.toa_net(flux)
        converged = (rate < setup.tol_k_per_day) & (np.abs(toa) < setup.tol_toa)
        if progress is not None:
            progress(step, rate, toa)
        if (converged.all() and step >= setup.min_steps) or step >= setup.max_steps:
            break
        block = np.arange(cols.p_lay.shape[1])[None, :] >= top[:, None]
        accel = np.where(block, setup.block_acceleration, 1.0)
        cols.t_lay = np.clip(cols.t_lay + dt * heat * accel, *physics.T_TABLE)
        sfc_accel = setup.block_acceleration  # the surface is always part of the block
        cols.t_sfc = np.clip(cols.t_sfc + dt * 86400.0 * f_sfc / setup.slab_heat_capacity * sfc_accel,
                             *physics.T_TABLE)
        cols.t_lay, cols.t_sfc, top = convective_adjustment(cols.t_lay, cols.t_sfc, cols.p_lay, cols.p_sfc, cap,
                                                            setup.slab_heat_capacity, setup.lapse_rate)
        step += 1
    L = cols.p_lay.shape[1]
    trop = np.where(top < L, np.take_along_axis(cols.p_lay, np.minimum(top, L - 1)[:, None], 1)[:, 0], cols.p_sfc)
    return Equilibrium(cols.t_lay, cols.t_sfc, converged, step, rate, toa, trop, time.perf_counter() - start,
                       prof.vmr["h2o"])


# --------------------------------------------------------------------------------------------
# the columns of the task: RFMIP sites' pressures and ozone under stated greenhouse-gas experiments
# --------------------------------------------------------------------------------------------
#: experiment label → (name, RFMIP experiment whose gases and ozone the column takes, CO2 factor on it)
EXPERIMENTS = {0: ("PI", physics.PRE_INDUSTRIAL, 1.0), 1: ("PI 2xCO2", physics.PRE_INDUSTRIAL, 2.0),
               2: ("PI 4xCO2", physics.PRE_INDUSTRIAL, 4.0), 3: ("PD", physics.PRESENT_DAY, 1.0)}


def rfmip_columns(ds: xr.Dataset, sites, experiments: dict = EXPERIMENTS) -> Columns:
    """One column per (site, experiment), site-major: the site's RFMIP pressure grid, the experiment's
    ozone at that site and global-mean gases (CO2 scaled), started from the site's PI temperatures."""
    sites = np.asarray(sites, int)
    p_lay, p_lev, t_lay, t_sfc, parts = [], [], [], [], []
    for s in sites:
        base = physics.rfmip_profiles(ds, [physics.PRE_INDUSTRIAL], [int(s)])
        for _, expt, co2 in experiments.values():
            vmr = physics.gas_vmrs(ds, expt, [int(s)])
            vmr["co2"] = vmr["co2"] * co2
            vmr.pop("h2o")
            parts.append(vmr)
            p_lay.append(base.p_lay)
            p_lev.append(base.p_lev)
            t_lay.append(base.t_lay)
            t_sfc.append(base.t_sfc)
    cat = np.concatenate
    return Columns(cat(p_lay), cat(p_lev), cat(t_lay), cat(t_sfc), {g: cat([v[g] for v in parts]) for g in parts[0]})
