"""Mills et al., Chem. Sci. 10, 4129 (2019), graphene/h-BN part: claims checked on `small` (slow tier).

1. The EDNN (tiled CNN) is more accurate than the same CNN on the whole image (paper: 1.122 vs
   2.529 meV/Å² on the hexagonal test set, a factor 2.25).  Only the ordering is asserted, by more
   than the two standard errors combined: the factor here is far smaller (see the data card).
2. Both are far better than knowing the composition only (the static reference).
3. The EDNN, trained on 60-atom cells, predicts the 1 500-atom and porous sheets (the CNN cannot);
   its error per area there stays within 3× its test error.
The paper's absolute numbers (DFT labels, 256² images, 13 conv layers) are not asserted: see
the data card for ours beside them.
"""

from __future__ import annotations

import math

import pytest

from mdbench import catalog
from mdbench.benchmark.run import run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory):
    task = catalog.task("sheets/energy")
    return {name: run(task, catalog.model(task.name, name), config="small", seed=0,
                      outdir=tmp_path_factory.mktemp(name), update_leaderboard=False, progress=False).results
            for name in ("ednn", "cnn")}


def _value(results, model, metric):
    return float(results["entries"][model]["metrics"][metric]["value"])


def test_ednn_beats_the_untiled_cnn(small_runs):
    ednn = small_runs["ednn"]["entries"]["ednn"]["metrics"]["mae_per_area_test"]
    cnn = small_runs["cnn"]["entries"]["cnn"]["metrics"]["mae_per_area_test"]
    assert float(cnn["value"]) - float(ednn["value"]) > math.hypot(float(cnn["stderr"]), float(ednn["stderr"]))


def test_both_networks_beat_the_composition_reference(small_runs):
    static = _value(small_runs["ednn"], "composition", "mae_per_area_test")
    assert _value(small_runs["ednn"], "ednn", "mae_per_area_test") < 0.6 * static
    assert _value(small_runs["cnn"], "cnn", "mae_per_area_test") < static


def test_ednn_transfers_to_larger_and_porous_sheets(small_runs):
    test = _value(small_runs["ednn"], "ednn", "mae_per_area_test")
    for name in ("2x2", "5x5", "porous"):
        assert _value(small_runs["ednn"], "ednn", f"mae_per_area_{name}") < 3 * test
    assert math.isnan(_value(small_runs["cnn"], "cnn", "mae_per_area_5x5"))
