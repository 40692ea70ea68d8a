"""Forecasting tasks on the tiny 10-residue SMD helix: references, baselines, contract."""

from __future__ import annotations

import numpy as np
import pytest

import mdbench
from baselines.forecasters import CoordinateForecaster, windows
from helpers import fit_predict, task_data
from mdbench import catalog
from mdbench.core.errors import SubmissionError
from mdbench.systems.md_forecast.task import HISTORIES, LEADS, independent_groups, mean_estimate, ratio_estimate

TASK = "ala100-smd/forecast"


@pytest.mark.parametrize("name", ["adk", "ala100-smd"])
def test_configs_fit_the_task_grid_and_their_trajectories(name):
    for cfg in catalog.dataset(name).configs.values():
        assert set(cfg["histories"]) <= set(HISTORIES) and set(cfg["leads"]) <= set(LEADS), cfg.name
        for t in cfg["restart_frames"]:
            assert t >= max(cfg["histories"]) - 1 and t + max(cfg["leads"]) < cfg["n_frames"], cfg.name


def test_dataset_stores_force_work_states_and_continuations(tiny_smd):
    test = mdbench.load("ala100-smd", "tiny", "test")
    cfg = catalog.dataset("ala100-smd").config("tiny")
    assert test["ca"].attrs["units"] == "angstrom" and test["time"].attrs["units"] == "fs"
    assert test["work"].attrs["units"] == "kcal/mol"
    assert test["continuation_ca"].shape[:4] == (1, len(cfg["restart_frames"]), cfg["members"], len(cfg["leads"]))
    assert "continuation_ca" not in mdbench.load("ala100-smd", "tiny", "train")


def _score(name, data, task):
    return task.score(fit_predict(task, data, name), data)


def test_references_and_a_baseline(tiny_smd):
    task, data = task_data(TASK)
    static, floor = _score("static", data, task), _score("langevin-mean", data, task)
    assert static["rmsd_ratio_mean"].value == pytest.approx(1.0)
    assert static["rmsd_h1_L1"].value > 0
    # the mean of continuations from the full state beats "nothing moves" at the longer lead
    assert floor["rmsd_h5_L5"].value < static["rmsd_h5_L5"].value
    assert np.isnan(static["rmsd_h10_L60"].value)  # not in the tiny grid: n/a, not a crash
    gru = _score("gru-atom", data, task)
    assert np.isfinite(gru["rmsd_ratio_mean"].value)


def test_models_get_histories_not_futures(tiny_smd):
    task, data = task_data(TASK)
    visible = task.data_for(data, "model")
    assert visible.test is None and not visible.extra
    hist = visible.inputs["history"]["history_ca"].values
    ca = data.test["ca"].values[0]
    np.testing.assert_array_equal(hist[0, -1], ca[data.config["restart_frames"][0]])


def test_wrong_atom_count_is_a_submission_error(tiny_smd):
    task, data = task_data(TASK)
    pred = catalog.model(TASK, "static").factory().predict(task.data_for(data, "model"), seed=0)
    with pytest.raises(SubmissionError, match="entries along 'atom', expected 10"):
        task.contract(data.config).validate(pred.isel(atom=slice(0, 3)), "forecast.nc")


def test_windows_and_kirchhoff_mode_share_one_network():
    rng = np.random.default_rng(0)
    trajs = [np.cumsum(rng.normal(size=(50, 4, 3)), axis=0)]
    x, y = windows(trajs, 5, 3)
    assert x.shape == (50 - 4 - 3, 5, 4, 3)
    np.testing.assert_array_equal(y[0], trajs[0][4 + 3] - trajs[0][4])
    model = CoordinateForecaster("lstm", "atom", 5, 3, max_epochs=2).fit(trajs, trajs)
    n_params = sum(p.numel() for p in model.net.parameters())
    assert n_params < 5000  # one scalar-series network, independent of the number of atoms
    assert model.predict(x[:2]).shape == (2, 4, 3)


def test_overlapping_windows_count_as_one_piece_of_evidence():
    wins = [(0, 20), (0, 25), (0, 30), (0, 200), (1, 20)]
    np.testing.assert_array_equal(independent_groups(wins, 15), [0, 0, 0, 1, 2])
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    est = ratio_estimate(2 * x, x, independent_groups(wins, 15))
    assert est.value == 2.0 and est.stderr == 0.0 and est.n == 3
    assert ratio_estimate(x, x, independent_groups(wins, 1000)).n == 2  # one group per replica
    one = mean_estimate(x[:3], np.zeros(3, dtype=int))
    assert one.stderr is None and one.n == 1  # three windows of one stretch: no error bar at all


@pytest.mark.slow
def test_adk_tiny_end_to_end(tmp_path, monkeypatch):
    """Generates ADK (3341 atoms, OpenMM) and runs the sweep's first model with both references."""
    import json

    from mdbench.cli import main

    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    assert main(["run", "adk/forecast", "--model", "ffnn-atom", "--config", "tiny", "--quiet", "--no-leaderboard",
                 "--out", str(tmp_path / "run")]) == 0
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert set(results["entries"]) == {"ffnn-atom", "static", "langevin-mean"}
    assert (tmp_path / "run" / "rmsd_vs_lead.png").exists()
