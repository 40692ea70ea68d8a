"""Mills et al., Chem. Sci. 10, 4129 (2019), Ising part: claims checked on the `small` config (slow tier).

Claims (paper section on the Ising model), each tested at the paper's own number and metric:

1. the EDNN with focus 1 and context 1 predicts the 8×8 energy accurately: error 0.028 in the
   paper's "J/L²" (``mdbench/systems/ising/cards/ising.md``, "Units of the paper's numbers": read as the absolute
   error of the *total* energy in J; a per-spin reading would make its c = 3 entry, 14.816, larger
   than the whole −2…+2 J/spin range).  The issue that asked for this test calls it the *median*
   absolute error, the card the *mean*: both are asserted at 0.028 J;
2. the same network, without retraining, predicts 128×128 configurations with error 2.055 J (same
   units), i.e. its error per spin does not grow with the lattice;
3. the accuracy is "sufficient to reproduce the phase transition": the specific heat recovered from
   the predicted energies peaks where the exact one does.

The errors are recomputed here from the run's written predictions and energies counted a second
way (2 × unlike bonds − 2N, not the dataset's labels), so a wrong normalisation or a wrong truth in
the scorer fails as well as a model that misses the paper's number.

Measured (``cpuslot .venv/bin/python -m pytest tests/test_paper_claims_ising.py -m slow -s``, seed 0,
2026-12-04, 113 s on one core including generating `small` and 40 training epochs), next to the paper:

| lattice | mean abs. error of E [J] | median abs. error of E [J] | paper [J] | n |
|---|---|---|---|---|
| 8×8 test | 0.0155 | 0.0054 | 0.028 | 4 500 |
| 128×128 transfer | 0.556 | 0.522 | 2.055 | 40 |

Both readings of the paper's metric are below its numbers on `small` (mean 0.55× and 0.27× of them).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

import mdbench
from mdbench import catalog
from mdbench.benchmark.run import run

pytestmark = pytest.mark.slow

#: the paper's errors of the total energy (J) for EDNN (f = 1, c = 1): 8×8 test set, 128×128 transfer
PAPER_ERROR_8 = 0.028
PAPER_ERROR_128 = 2.055


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    # the run writes to the session's cache (conftest.isolated_session), where the tests below read the spins back
    return run(catalog.task("ising/energy"), catalog.model("ising/energy", "ednn"), config="small", seed=0,
               outdir=tmp_path_factory.mktemp("ednn"), update_leaderboard=False, progress=False)


def _value(results, model, metric):
    return float(results["entries"][model]["metrics"][metric]["value"])


def _unlike_bond_energy(spins: np.ndarray) -> np.ndarray:
    """H = −J Σ⟨ij⟩ σᵢσⱼ (J = 1) counted as 2 × (unlike bonds) − 2N: every one of the 2N bonds of the
    periodic lattice contributes −1 if alike, +1 if not (independent of the dataset's labels)."""
    s = np.asarray(spins)
    unlike = (s != np.roll(s, 1, axis=-1)).sum(axis=(-1, -2)) + (s != np.roll(s, 1, axis=-2)).sum(axis=(-1, -2))
    return 2.0 * unlike - 2.0 * s.shape[-1] * s.shape[-2]


def _errors(small_run, size: int) -> np.ndarray:
    """|predicted − true| total energies (J) of the EDNN on the L×L held-out set, from the run's files."""
    with xr.open_dataset(small_run.directory / "predictions" / "ednn.nc") as sub:
        pred = sub[f"energy_{size}"].values
    split = "test" if size == 8 else f"transfer_{size}"
    spins = mdbench.load("ising", "small", split)["spins"].values
    return np.abs(pred - _unlike_bond_energy(spins))


@pytest.mark.parametrize("size, paper", [(8, PAPER_ERROR_8), (128, PAPER_ERROR_128)])
def test_ednn_total_energy_error_is_at_or_below_the_papers_number(small_run, size, paper):
    err = _errors(small_run, size)
    results = small_run.results
    # the scorer's numbers are the ones recomputed here (mean total, median per spin × N)
    assert _value(results, "ednn", f"mae_total_{size}") == pytest.approx(err.mean(), rel=1e-9)
    assert _value(results, "ednn", f"median_ae_per_spin_{size}") * size * size == pytest.approx(np.median(err), rel=1e-9)
    print(f"\n{size}×{size}: mean |ΔE| {err.mean():.4f} J, median {np.median(err):.4f} J, paper {paper} J, n = {err.size}")
    assert err.mean() <= paper and np.median(err) <= paper
    # and far from trivial: the static reference (training-mean) misses by more than 100× the paper's error
    assert _value(results, "training-mean", f"mae_total_{size}") > 100 * paper


def test_error_per_spin_does_not_grow_when_transferred_to_large_lattices(small_run):
    e8 = _value(small_run.results, "ednn", "mae_per_spin_8")
    for size in (16, 32, 64, 128, 256):
        assert _value(small_run.results, "ednn", f"mae_per_spin_{size}") <= 1.5 * e8


def test_predicted_energies_reproduce_the_specific_heat_peak(small_run):
    results = small_run.results
    rec = results["entries"]["ednn"]["metrics"]["cv_peak_temperature_error"]
    floor = results["entries"]["hamiltonian"]["metrics"]["cv_peak_temperature_error"]
    # within the sampling floor of the exact energies (same samples, same reweighting) plus 3 SE
    assert float(rec["value"]) <= float(floor["value"]) + 3 * max(float(rec["stderr"]), float(floor["stderr"])) + 0.01
    assert _value(results, "ednn", "cv_curve_rmse") < 2 * _value(results, "hamiltonian", "cv_curve_rmse") + 0.02
    assert math.isnan(_value(results, "training-mean", "cv_peak_temperature"))
