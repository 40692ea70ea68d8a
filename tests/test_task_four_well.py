"""The four-well task: references bracket the models, the same scorer serves files and runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import FakeClock, score_entry, task_data
from mdbench import catalog
from mdbench.core.task import TaskData
from mdbench.data.windows import frames_at_lag
from mdbench.systems.four_well.task import coarse_timescales

TASK = "four-well/propagator"


def test_every_leaderboard_has_a_static_and_a_physics_reference():
    roles = {m.role for m in catalog.references(TASK)}
    assert {"static reference", "physics reference"} <= roles
    assert {"mdn", "msm"} <= set(catalog.models(TASK))


def test_binned_exact_timescales_are_close_to_the_continuum():
    task = catalog.task(TASK)
    ex = task.exact(task.spec.config("small"))
    np.testing.assert_allclose(ex["timescales_binned"], ex["timescales_continuum"], rtol=0.01)
    assert ex["timescales_binned"][0] == pytest.approx(0.4712, abs=1e-3)


def test_coarse_timescales_of_a_known_matrix():
    t = np.array([[0.9, 0.1], [0.1, 0.9]])
    assert coarse_timescales(t, np.array([0.5, 0.5]), 1.0, 1)[0] == pytest.approx(-1 / math.log(0.8))


def test_physics_reference_beats_static_reference_on_every_metric(tiny_four_well):
    task, data = task_data(TASK)
    static, physics = score_entry(task, data, "persistence"), score_entry(task, data, "exact-propagator")
    for name in ("free_energy_rmse", "stationary_jsd", "transition_density_error", "t1_rel_error",
                 "well_transition_rate_rel_error"):
        assert physics[name].value < static[name].value, name
    assert math.isinf(static["t1"].value) and static["t1"].stderr is None
    assert math.isnan(static["generation_speedup"].value)  # no timing given


def test_models_never_see_the_test_split(tiny_four_well):
    task, data = task_data(TASK)
    with pytest.raises(ValueError, match="needs the test split"):
        catalog.models(TASK)["brownian-dynamics"].factory().fit(TaskData(data.config, data.train, data.val), seed=0)


def test_msm_baseline_is_reproducible(tiny_four_well):
    task, data = task_data(TASK)
    a, b = score_entry(task, data, "msm", 3), score_entry(task, data, "msm", 3)
    assert {k: v.to_record() for k, v in a.items()} == {k: v.to_record() for k, v in b.items()}
    assert a["t1_rel_error"].value < 0.5  # an MSM of the data recovers the slowest process


def test_engine_speed_counts_frames_at_lag_tau_not_steps(tiny_four_well, monkeypatch):
    """The engine's speed is timed frames (one per τ, as submissions count them) per second."""
    from mdbench.systems.four_well import physics
    from mdbench.systems.four_well import task as task_module

    task, data = task_data(TASK)
    calls = []
    monkeypatch.setattr(physics, "simulate", lambda n, **kw: calls.append((n, kw["save_every"])))
    monkeypatch.setattr(task_module, "time", FakeClock(2.0))
    speed = task.engine_items_per_second(data)
    n_timed, save_every = calls[-1]
    assert save_every == data.config["lag"]  # one frame every τ = lag steps
    assert speed == pytest.approx(n_timed / 2.0)
    assert frames_at_lag(task.spec.config("small")) == 20_000
