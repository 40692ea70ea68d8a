"""The trpcage-like task: metric building blocks, references, contract and the MSM baseline."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import FakeClock, score_entry, task_data
from mdbench import catalog
from mdbench.core.errors import SubmissionError
from mdbench.core.task import TaskData
from mdbench.data.windows import frames_at_lag
from mdbench.systems.trpcage_like.metrics import as_blocks, autocorrelation, exponential_timescale, fold_states
from mdbench.systems.trpcage_like.task import submission

TASK = "trpcage-like/simulator"


def test_leaderboard_has_static_and_physics_references_and_baselines():
    roles = {m.role for m in catalog.references(TASK)}
    assert {"static reference", "physics reference", "data reference"} <= roles
    assert "msm" in catalog.models(TASK)


def test_exponential_fit_recovers_the_relaxation_time_of_an_ar1_process():
    rng = np.random.default_rng(0)
    t_true, n = 5.0, 200_000
    a = math.exp(-1 / t_true)
    noise = rng.standard_normal((4, n)) * math.sqrt(1 - a * a)
    x = np.empty((4, n))
    x[:, 0] = rng.standard_normal(4)
    for i in range(1, n):  # vectorised over the 4 trajectories
        x[:, i] = a * x[:, i - 1] + noise[:, i]
    c = autocorrelation(x, 50)
    assert c[0] == pytest.approx(1.0)
    assert exponential_timescale(c, frame_time=2.0) == pytest.approx(2.0 * t_true, rel=0.03)
    assert math.isinf(exponential_timescale(np.ones(10), 1.0))


def test_fold_states_use_the_dual_cutoff():
    q = np.array([0.5, 0.9, 0.6, 0.5, 0.3, 0.7, 0.85])
    np.testing.assert_array_equal(fold_states(q), [-1, 1, 1, 1, 0, 0, 1])


def test_as_blocks_splits_short_submissions_in_time():
    table = np.arange(2 * 10).reshape(2, 10, 1)
    blocks = as_blocks(table, n_blocks=5)
    assert blocks.shape == (10, 2, 1)
    np.testing.assert_array_equal(blocks[0, :, 0], [0, 1])  # block 0 = first piece of trajectory 0
    np.testing.assert_array_equal(blocks[1, :, 0], [10, 11])  # ... then trajectory 1
    assert as_blocks(np.zeros((6, 10, 1)), n_blocks=5).shape == (6, 10, 1)


def test_references_bracket_and_are_scored_by_the_same_code(tiny_trpcage):
    task, data = task_data(TASK)
    static, physics = score_entry(task, data, "training-data"), score_entry(task, data, "go-model")
    # the physics reference is the data the targets come from: zero error, finite error bars
    for name in ("free_energy_rmse", "free_energy_rmse_2d", "t1_rel_error", "transition_rate_rel_error"):
        assert physics[name].value == pytest.approx(0.0, abs=1e-12), name
        assert physics[name].stderr > 0, name
    assert static["free_energy_rmse"].value > 0.1
    # training frames resubmitted: perfect geometry, zero novelty
    assert static["novelty"].value == 0.0 and static["novelty_ratio"].value == 0.0
    assert physics["novelty_ratio"].value > 0.3
    assert static["folded_rmsd"].value < 0.25 and physics["folded_rmsd"].value < 0.25
    assert 0.6 < physics["rg_mean"].value < 1.0
    assert math.isnan(static["generation_speedup"].value)


def test_contract_rejects_wrong_shapes_and_units(tiny_trpcage):
    task = catalog.task(TASK)
    cfg = task.spec.config("tiny")
    n = frames_at_lag(cfg)
    task.contract(cfg).validate(submission(np.zeros((2, n, 20, 3))), "ok")
    with pytest.raises(SubmissionError, match="entries along 'time'"):
        task.contract(cfg).validate(submission(np.zeros((2, n + 1, 20, 3))), "long")
    bad = submission(np.zeros((2, n, 20, 3)))
    bad["x"].attrs["units"] = "angstrom"
    with pytest.raises(SubmissionError, match="units"):
        task.contract(cfg).validate(bad, "units")


def test_models_never_see_the_test_or_reference_split(tiny_trpcage):
    task, data = task_data(TASK)
    assert "reference" in data.extra
    visible = data.for_models(task.prediction_inputs(data))
    assert visible.test is None and visible.extra == {}
    with pytest.raises(ValueError, match="needs the test split"):
        catalog.models(TASK)["go-model-test"].factory().fit(TaskData(data.config, data.train, data.val), seed=0)


def test_msm_baseline_is_reproducible_and_replays_training_frames(tiny_trpcage):
    task, data = task_data(TASK)
    a, b = score_entry(task, data, "msm", 3), score_entry(task, data, "msm", 3)
    assert {k: v.to_record() for k, v in a.items()} == {k: v.to_record() for k, v in b.items()}
    assert a["bond_w1"].value < 1e-3  # training frames: valid geometry
    assert a["novelty"].value == 0.0  # ... and nothing new: every frame is a training frame


def test_engine_speed_counts_frames_at_lag_tau_not_steps(tiny_trpcage, monkeypatch):
    """OpenMM's speed is timed frames (one per τ, as submissions count them) per second."""
    from mdbench.systems.trpcage_like import physics
    from mdbench.systems.trpcage_like import task as task_module

    task, data = task_data(TASK)
    calls = []
    monkeypatch.setattr(physics, "go_model", lambda cutoff: "model")
    monkeypatch.setattr(physics, "simulate", lambda model, n, **kw: calls.append((n, kw["save_every"])))
    monkeypatch.setattr(task_module, "time", FakeClock(4.0))
    speed = task.engine_items_per_second(data)
    n_timed, save_every = calls[-1]
    assert save_every == data.config["lag"]
    assert speed == pytest.approx(n_timed / 4.0)
