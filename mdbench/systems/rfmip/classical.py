"""The classical yardstick: RRTMG's full longwave calculation (gas optics + solver) via climt.

RRTMG (Mlawer et al. 1997; Iacono et al. 2008) is RRTMGP's predecessor, with its own 16-band
k-distribution and solver; climt 0.31 wraps the compiled Fortran.  It cannot submit RRTMGP's
optical properties, so it enters the task as context only: its LW fluxes on the test columns
against RRTMGP's (how far apart two operational schemes are) and its time per column.

climt computes interface temperatures itself (``calculate_interface_temperature=True``) and takes
the gases RRTMG knows (h2o as specific humidity, o3, co2, ch4, n2o, o2, cfc11, cfc12, cfc22, ccl4);
the halocarbons RRTMGP adds (hfc*, cf4) and co are not part of RRTMG.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from mdbench.systems.rfmip import physics

CLIMT_GASES = {"o3": "mole_fraction_of_ozone_in_air", "co2": "mole_fraction_of_carbon_dioxide_in_air",
               "ch4": "mole_fraction_of_methane_in_air", "n2o": "mole_fraction_of_nitrous_oxide_in_air",
               "o2": "mole_fraction_of_oxygen_in_air", "cfc11": "mole_fraction_of_cfc11_in_air",
               "cfc12": "mole_fraction_of_cfc12_in_air", "cfc22": "mole_fraction_of_cfc22_in_air",
               "ccl4": "mole_fraction_of_carbon_tetrachloride_in_air"}


def rrtmg_lw(prof: physics.Profiles) -> tuple[dict[str, np.ndarray], float]:
    """climt's RRTMG LW fluxes (n, L+1) W/m², TOA first, and the seconds of the radiation call."""
    import climt

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    lw = climt.RRTMGLongwave()
    state = climt.get_default_state([lw], grid_state=climt.get_grid(nx=prof.n, ny=1, nz=prof.p_lay.shape[1]))
    col = lambda a: a[:, ::-1].T[:, None, :]  # (n, L) TOA-first → (L, 1, n) surface-first  # noqa: E731
    state["air_pressure"].values[:] = col(prof.p_lay)
    p_lev = prof.p_lev.copy()
    p_lev[:, 0] = np.maximum(p_lev[:, 0], 1.0)  # RRTMG's top interface must be > 0
    state["air_pressure_on_interface_levels"].values[:] = col(p_lev)
    state["air_temperature"].values[:] = col(prof.t_lay)
    state["surface_temperature"].values[:] = prof.t_sfc[None, :]
    ratio = physics.M_H2O / physics.M_DRY * prof.vmr["h2o"]
    state["specific_humidity"].values[:] = col(ratio / (1.0 + ratio))  # kg/kg of moist air
    for gas, name in CLIMT_GASES.items():
        state[name].values[:] = col(prof.vmr[gas])
    state["surface_longwave_emissivity"].values[:] = prof.emis[None, None, :]
    start = time.perf_counter()
    _, diag = lw(state)
    seconds = time.perf_counter() - start
    flip = lambda a: np.asarray(a)[:, 0, :].T[:, ::-1]  # noqa: E731
    return {"lw_up": flip(diag["upwelling_longwave_flux_in_air"]),
            "lw_dn": flip(diag["downwelling_longwave_flux_in_air"])}, seconds
