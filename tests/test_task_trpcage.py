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
from mdbench.systems.trpcage_like.features import N_TICS
from mdbench.systems.trpcage_like.metrics import MSMTimescales, fold_states
from mdbench.systems.trpcage_like.task import submission

TASK = "trpcage-like/simulator"


def test_leaderboard_has_static_and_physics_references_and_baselines():
    roles = {m.role for m in catalog.references(TASK)}
    assert {"static reference", "physics reference", "data reference"} <= roles
    assert "msm" in catalog.models(TASK)


def test_msm_timescales_recover_the_relaxation_time_of_a_two_state_chain():
    """A chain that hops between two TIC-space states with probability p per frame relaxes with
    λ₂ = 1 − 2p, i.e. t₁ = −τ / ln(1 − 2p) — at any MSM lag, since the chain is exactly Markovian."""
    rng = np.random.default_rng(0)
    p, n, frame_time = 0.02, 100_000, 0.5
    state = np.cumsum(rng.random((4, n)) < p, axis=1) % 2
    table = np.zeros((4, n, N_TICS + 1))
    table[..., 0] = np.where(state == 1, 1.0, -1.0) + 0.05 * rng.standard_normal((4, n))
    centers = np.array([[-1.0, 0, 0], [1.0, 0, 0]])
    exact = -frame_time / math.log(1 - 2 * p)
    for lag in (1, 5):
        t1 = MSMTimescales(centers, lag, frame_time, None).compute(table)[0]
        assert t1 == pytest.approx(exact, rel=0.05), lag
    with_error = MSMTimescales(centers, 1, frame_time, np.array([exact / 2, 1.0, 1.0])).compute(table)
    assert with_error[3] == pytest.approx(1.0, rel=0.1)  # t₁ twice the "reference": relative error 1


def test_fold_states_use_the_dual_cutoff():
    q = np.array([0.5, 0.9, 0.6, 0.5, 0.3, 0.7, 0.85])
    np.testing.assert_array_equal(fold_states(q), [-1, 1, 1, 1, 0, 0, 1])


def test_references_are_scored_per_training_length_trajectory_by_the_same_code(tiny_trpcage):
    """Equal sample size: every submission is scored as the mean over its training-length
    trajectories, ± the standard error over them, n = trajectories; one trajectory has no error bar."""
    task, data = task_data(TASK)
    static, physics = score_entry(task, data, "training-data"), score_entry(task, data, "go-model")
    n_reference = data.split("reference").sizes["replica"]
    for name in ("free_energy_rmse", "free_energy_rmse_2d", "t1_rel_error"):
        # the reference trajectories each miss the pooled targets by their own sampling noise
        assert physics[name].n == n_reference and physics[name].value > 0 and physics[name].stderr > 0, name
        assert static[name].n == 1 and static[name].stderr is None, name
    # training frames resubmitted: perfect geometry, zero novelty
    assert static["novelty"].value == 0.0 and static["novelty_ratio"].value == 0.0
    assert physics["novelty_ratio"].value > 0.3
    assert static["folded_rmsd"].value < 0.25 and physics["folded_rmsd"].value < 0.25
    assert 0.6 < physics["rg_mean"].value < 1.0
    assert math.isnan(static["generation_speedup"].value) and math.isnan(static["end_to_end_speedup"].value)


def test_msm_lag_is_where_the_reference_timescales_converge(tiny_trpcage):
    task, data = task_data(TASK)
    ref = task.reference(data)
    lags, its = ref["msm_lags"], ref["implied_timescales"]
    chosen = lags.index(ref["msm_lag"])
    t1 = its[chosen:, 0]
    assert np.all(np.abs(t1 / t1[0] - 1) < 0.1) or ref["msm_lag"] == lags[-1]
    assert task.targets(data)["msm_lag_frames"] == ref["msm_lag"]


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
    monkeypatch.setattr(physics, "go_model", lambda *model_parameters: "model")
    monkeypatch.setattr(physics, "simulate", lambda model, n, **kw: calls.append((n, kw["save_every"])))
    monkeypatch.setattr(task_module, "time", FakeClock(4.0))
    speed = task.engine_items_per_second(data)
    n_timed, save_every = calls[-1]
    assert save_every == data.config["lag"]
    assert speed == pytest.approx(n_timed / 4.0)
