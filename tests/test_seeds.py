"""The spread of a learned entry over training seeds, and the flag on a run that collapsed to the static reference."""

import math
import statistics

import pytest

from mdbench import catalog
from mdbench.benchmark import seeds

TASK = "four-well/propagator"  # primary metric transition_density_error, lower is better


def _entry(model: str, role: str, seed: int, value: float, stderr: float = 0.002) -> dict:
    return {"model": model, "role": role, "seed": seed, "config": "small",
            "metrics": {"transition_density_error": {"value": value, "stderr": stderr, "n": 10}}}


@pytest.fixture
def rows():
    return [_entry("persistence", "static reference", 0, 0.99),
            _entry("mdn", "model", 0, 0.054), _entry("mdn", "model", 1, 0.060),
            _entry("mdn", "model", 2, 0.985, stderr=0.004),  # within 2 combined SE of the static reference
            _entry("msm", "model", 0, 0.048)]


def test_every_seed_is_kept_and_a_collapsed_one_is_flagged_not_dropped(rows):
    found = {s.model: s for s in seeds.spreads(catalog.task(TASK), rows)}
    mdn, msm = found["mdn"], found["msm"]
    assert mdn.values == {0: 0.054, 1: 0.060, 2: 0.985} and mdn.collapsed == (2,)
    assert mdn.mean == pytest.approx(statistics.fmean([0.054, 0.060, 0.985]))  # the collapse stays in the mean
    assert mdn.sd == pytest.approx(statistics.stdev([0.054, 0.060, 0.985]))
    assert msm.n == 1 and math.isnan(msm.sd) and msm.collapsed == ()
    assert "persistence" not in found  # references are not trained


def test_worse_than_the_static_reference_is_collapsed_and_two_standard_errors_apart_is_not():
    task = catalog.task(TASK)
    static = _entry("persistence", "static reference", 0, 0.5, stderr=0.01)
    assert seeds.no_better_than(_entry("m", "model", 0, 0.7), static, "transition_density_error", False)
    assert seeds.no_better_than(_entry("m", "model", 0, 0.48, 0.01), static, "transition_density_error", False)
    assert not seeds.no_better_than(_entry("m", "model", 0, 0.45, 0.01), static, "transition_density_error", False)
    assert task.info_by_name()["transition_density_error"].higher_is_better is False


def test_the_board_shows_the_seed_table_with_n_and_the_flag(rows):
    text = "\n".join(seeds.markdown(catalog.task(TASK), rows))
    assert "| mdn | 3 | 0.366 ± 0.54 (n=3) | 0: 0.054, 1: 0.06, 2: 0.985 (≤ static) |" in text
    assert "| msm | 1 (fewer than 3) | 0.048 (n=1: spread not measured) | 0: 0.048 |" in text


def test_a_seed_without_a_finite_value_leaves_the_spread_unmeasured_not_an_error():
    rows = [_entry("dense", "model", 0, 0.1), _entry("dense", "model", 1, float("nan"))]
    (dense,) = seeds.spreads(catalog.task(TASK), rows)
    assert math.isnan(dense.mean) and math.isnan(dense.sd)
    assert "| dense | 2 (fewer than 3) | n/a (n=2: a seed has no finite value) | 0: 0.1, 1: nan |" in \
        "\n".join(seeds.markdown(catalog.task(TASK), rows))
