"""Mills et al., Chem. Sci. 10, 4129 (2019), Ising part: claims checked on the `small` config (slow tier).

Claims (paper section on the Ising model):
1. the EDNN with focus 1 and context 1 predicts the 8×8 energy accurately (paper Table: MAE 0.028 in
   the paper's "J/L²" units, read here as the MAE of the total energy in J);
2. the same model, without retraining, predicts 128×128 configurations (paper: 2.055), i.e. its
   error per spin does not grow with the lattice;
3. the accuracy is "sufficient to reproduce the phase transition": the specific heat recovered from
   the predicted energies peaks where the exact one does.
"""

from __future__ import annotations

import math

import pytest

from mdbench import catalog
from mdbench.benchmark.run import run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    return run(catalog.task("ising/energy"), catalog.model("ising/energy", "ednn"), config="small", seed=0, outdir=tmp_path_factory.mktemp("ednn"),
               update_leaderboard=False, progress=False).results


def _value(results, model, metric):
    return float(results["entries"][model]["metrics"][metric]["value"])


def test_ednn_is_far_better_than_the_static_reference_on_8x8(small_run):
    assert _value(small_run, "ednn", "mae_per_spin_8") < 0.01 * _value(small_run, "training-mean", "mae_per_spin_8")


def test_error_per_spin_does_not_grow_when_transferred_to_large_lattices(small_run):
    e8 = _value(small_run, "ednn", "mae_per_spin_8")
    for size in (16, 32, 64, 128, 256):
        assert _value(small_run, "ednn", f"mae_per_spin_{size}") <= 1.5 * e8


def test_predicted_energies_reproduce_the_specific_heat_peak(small_run):
    rec = small_run["entries"]["ednn"]["metrics"]["cv_peak_temperature_error"]
    floor = small_run["entries"]["hamiltonian"]["metrics"]["cv_peak_temperature_error"]
    # within the sampling floor of the exact energies (same samples, same reweighting) plus 3 SE
    assert float(rec["value"]) <= float(floor["value"]) + 3 * max(float(rec["stderr"]), float(floor["stderr"])) + 0.01
    assert _value(small_run, "ednn", "cv_curve_rmse") < 2 * _value(small_run, "hamiltonian", "cv_curve_rmse") + 0.02
    assert math.isnan(_value(small_run, "training-mean", "cv_peak_temperature"))
