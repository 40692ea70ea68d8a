"""RFMIP physics: the input file's checksum, the gas mapping, and the LW/SW solvers against analytic cases."""

from __future__ import annotations

from pathlib import Path

import netCDF4
import numpy as np
import pytest

from mdbench.core.errors import MdbenchError
from mdbench.systems.rfmip import physics

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "rfmip" / physics.RFMIP_FILENAME


def test_checksum_is_verified_and_a_wrong_file_is_one_line(tmp_path):
    assert physics.sha256(physics.rfmip_file()) == physics.RFMIP_SHA256
    bad = tmp_path / physics.RFMIP_FILENAME
    bad.write_bytes(b"not the RFMIP file")
    with pytest.raises(physics.RfmipFileError) as err:
        physics.rfmip_file(bad)
    assert isinstance(err.value, MdbenchError) and "\n" not in str(err.value) and "sha256" in str(err.value)
    with pytest.raises(physics.RfmipFileError, match="does not exist"):
        physics.rfmip_file(tmp_path / "missing.nc")
    # a corrupted cache copy is refused too, not silently used
    with pytest.raises(physics.RfmipFileError):
        physics.rfmip_file(cache_dir=tmp_path, packaged=False, download=False)


@pytest.mark.skipif(not SHARED.is_file(), reason="the shared RFMIP copy is not beside the checkout")
def test_download_path_verifies_and_caches(tmp_path):
    cache = tmp_path / "cache"
    got = physics.rfmip_file(cache_dir=cache, packaged=False, url=SHARED.as_uri())
    assert got == cache / physics.RFMIP_FILENAME and physics.sha256(got) == physics.RFMIP_SHA256
    # second call: from the cache, no download (a broken URL is never touched)
    assert physics.rfmip_file(cache_dir=cache, packaged=False, url="file:///nonexistent") == got
    wrong = tmp_path / "wrong.nc"
    wrong.write_bytes(b"x" * 100)
    with pytest.raises(physics.RfmipFileError):
        physics.rfmip_file(cache_dir=tmp_path / "other", packaged=False, url=wrong.as_uri())
    assert not (tmp_path / "other" / physics.RFMIP_FILENAME).exists()


def _kdist_gases(which: str) -> set[str]:
    with netCDF4.Dataset(physics.kdist_paths()[which]) as nc:
        return {b"".join(row).decode().strip() for row in nc["gas_names"][:]}


def test_gas_mapping_covers_every_gas_of_both_kdistributions_and_scales_units():
    ds = physics.load_rfmip()
    vmr = physics.gas_vmrs(ds, physics.PRESENT_DAY, [0, 1])
    assert set(vmr) == _kdist_gases("lw") == _kdist_gases("sw")
    # present day: every gas but no2 is present (nothing silently zero)
    assert all(np.all(v > 0) for g, v in vmr.items() if g != "no2") and np.all(vmr["no2"] == 0)
    # units attribute applied: ppmv / ppbv / pptv → mol/mol (values from the file's *_GM rows)
    assert vmr["co2"][0, 0] == pytest.approx(397.547e-6, rel=1e-5)
    assert vmr["ch4"][0, 0] == pytest.approx(1831.471e-9, rel=1e-5)
    assert vmr["cfc22"][0, 0] == pytest.approx(float(ds["hcfc22_GM"].values[0]) * 1e-12)
    assert vmr["ccl4"][0, 0] == pytest.approx(float(ds["carbon_tetrachloride_GM"].values[0]) * 1e-12)
    four, pi = (physics.gas_vmrs(ds, e, [0]) for e in (physics.FOUR_X_CO2, physics.PRE_INDUSTRIAL))
    assert four["co2"][0, 0] == pytest.approx(4 * pi["co2"][0, 0], rel=1e-5)  # RFMIP: 4× pre-industrial CO2
    assert pi["co2"][0, 0] == pytest.approx(284.317e-6, rel=1e-5) and pi["cfc12"][0, 0] == 0
    with pytest.raises(MdbenchError, match="no volume mixing ratio for n2o"):
        physics.GasOptics().check_gases({g: v for g, v in vmr.items() if g != "n2o"})


def test_band_planck_tables_integrate_to_stefan_boltzmann():
    sp = physics.spectral()
    for t in (200.0, 255.0, 300.0):
        assert np.pi * sp.planck_band(np.array(t)).sum() == pytest.approx(physics.SIGMA * t**4, rel=2e-3)


def _band_fractions(rng, n_gpt_band):
    """Random positive Planck fractions that sum to 1 within each band."""
    band = physics.spectral().lw_gpt_band
    w = rng.uniform(0.1, 1.0, band.size)
    return w / np.bincount(band, w)[band]


def test_lw_isothermal_atmosphere_emits_sigma_t4_at_every_level():
    rng = np.random.default_rng(0)
    n, L, T = 3, 12, 280.0
    tau = rng.lognormal(0.0, 2.0, size=(n, L, 256))
    frac = _band_fractions(rng, 256)
    lay_src = np.broadcast_to(frac * physics.spectral().planck_gpt(np.array(T)), (n, L, 256))
    t_lay, t_lev, t_sfc = np.full((n, L), T), np.full((n, L + 1), T), np.full(n, T)
    out = physics.lw_fluxes(tau, lay_src, t_lay, t_lev, t_sfc, np.ones(n))
    np.testing.assert_allclose(out["lw_up"], physics.SIGMA * T**4, rtol=2e-3)
    assert np.all(out["lw_dn"][:, 0] == 0)
    # below an opaque column the downward flux is the black body too
    thick = physics.lw_fluxes(tau + 50.0, lay_src, t_lay, t_lev, t_sfc, np.ones(n))
    np.testing.assert_allclose(thick["lw_dn"][:, -1], physics.SIGMA * T**4, rtol=2e-3)


def test_lw_transparent_atmosphere_passes_surface_emission_to_toa():
    rng = np.random.default_rng(1)
    n, L = 2, 8
    t_lay = rng.uniform(200, 300, size=(n, L))
    frac = _band_fractions(rng, 256)
    lay_src = frac * physics.spectral().planck_gpt(t_lay)
    t_sfc, emis = np.array([290.0, 300.0]), np.array([1.0, 0.9])
    out = physics.lw_fluxes(np.zeros((n, L, 256)), lay_src, t_lay, rng.uniform(200, 300, (n, L + 1)), t_sfc, emis)
    np.testing.assert_allclose(out["lw_up"][:, 0], emis * physics.SIGMA * t_sfc**4, rtol=2e-3)
    np.testing.assert_allclose(out["lw_dn"], 0.0, atol=1e-12)


def test_lw_single_layer_matches_the_exponential_law():
    """One isothermal layer over a cold black surface: F↓(sfc) = σT⁴(1 − exp(−Dτ)) per g-point."""
    tau = np.full((1, 1, 256), 0.3)
    frac = _band_fractions(np.random.default_rng(2), 256)
    T = 250.0
    b = frac * physics.spectral().planck_gpt(np.array(T))
    out = physics.lw_fluxes(tau, b[None, None], np.array([[T]]), np.array([[T, T]]), np.array([T]), np.ones(1))
    expected = np.pi * b.sum() * (1 - np.exp(-physics.LW_SECANT * 0.3))
    assert out["lw_dn"][0, 1] == pytest.approx(expected, rel=1e-10)


def test_sw_transparent_columns_get_tsi_cos_zenith_and_night_columns_zero():
    n, L, G = 4, physics.N_LAYERS, 224
    zenith = np.array([0.0, 60.0, 89.0, 120.0])
    albedo, tsi = np.array([0.1, 0.3, 0.0, 0.2]), np.full(n, 1360.0)
    out = physics.sw_fluxes(np.full((n, L, G), 1e-9), np.zeros((n, L, G)), zenith, albedo, tsi)
    mu = np.cos(np.radians(zenith[:3]))
    np.testing.assert_allclose(out["sw_dn"][:3], (tsi[:3] * mu)[:, None] * np.ones(L + 1), rtol=1e-4)
    np.testing.assert_allclose(out["sw_up"][:3, -1], albedo[:3] * tsi[:3] * mu, rtol=1e-4, atol=1e-4)
    assert np.all(out["sw_dn"][3] == 0) and np.all(out["sw_up"][3] == 0)
