"""`mdbench run` end to end on tiny data, and the leaderboard it writes."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from mdbench import catalog
from mdbench.benchmark import leaderboard
from mdbench.cli import main
from mdbench.core.errors import LeaderboardError

TASK = "four-well/propagator"


@pytest.fixture
def msm_run(tiny_four_well, tmp_path, capsys):
    assert main(["run", TASK, "--model", "msm", "--config", "tiny", "--seed", "1", "--out", str(tmp_path / "run"),
                 "--quiet"]) == 0
    return tmp_path / "run", capsys.readouterr().out


def test_run_writes_predictions_results_figures_and_leaderboard(msm_run):
    run_dir, out = msm_run
    results = json.loads((run_dir / "results.json").read_text())
    assert set(results["entries"]) == {"msm", "persistence", "exact-propagator", "brownian-dynamics"}
    assert results["units"]["free_energy_rmse"] == "kT"
    counts = results["entries"]["persistence"]["details"]["well_transition_counts"]
    assert len(counts) == 4 and sum(map(sum, counts)) == 1999  # 2000 frames, never leaves its well
    assert sum(counts[i][i] for i in range(4)) == 1999
    for name in results["entries"]:
        assert (run_dir / "predictions" / f"{name}.nc").exists()
    for fig in ("stationary_density.png", "transition_density.png", "implied_timescales.png"):
        assert (run_dir / fig).stat().st_size > 10_000
    assert "| **msm** | model |" in out and "| persistence | static reference |" in out


def test_leaderboard_is_sorted_by_the_primary_metric_with_references(msm_run, capsys):
    entries = leaderboard.read(catalog.task(TASK))
    assert {e["command"] for e in entries} >= {f"mdbench run {TASK} --model msm --config tiny --seed 1"}
    assert main(["leaderboard", TASK]) == 0
    table = capsys.readouterr().out
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| model | role"))
    rows = []
    for line in lines[start + 2:]:  # the metric table only: the cost table follows it
        if not line.startswith("| "):
            break
        rows.append(line)
    values = [float(r.split("|")[3].split("±")[0]) for r in rows]
    assert values == sorted(values) and len(rows) == 4
    assert main(["leaderboard", "--check"]) == 0


def test_rerunning_replaces_the_entry_instead_of_duplicating(msm_run, tmp_path):
    before = len(leaderboard.read(catalog.task(TASK)))
    assert main(["run", TASK, "--model", "msm", "--config", "tiny", "--seed", "1", "--out", str(tmp_path / "again"),
                 "--quiet"]) == 0
    assert len(leaderboard.read(catalog.task(TASK))) == before


def test_hand_edited_entries_fail_the_check(msm_run, capsys):
    path = leaderboard.path_for(TASK)
    board = json.loads(path.read_text())
    board["entries"][0]["command"] = "python my_script.py"
    path.write_text(json.dumps(board))
    assert main(["leaderboard", "--check"]) == 2
    assert "does not match '^mdbench (run|submit) '" in capsys.readouterr().err
    del board["entries"][0]["metrics"]["t1"]
    board["entries"][0]["command"] = "mdbench run x"
    path.write_text(json.dumps(board))
    with pytest.raises(LeaderboardError, match=r"missing \['t1'\]"):
        leaderboard.check()
    path.write_text("{not json")
    with pytest.raises(LeaderboardError, match="not valid JSON"):
        leaderboard.check()


def test_an_entry_with_an_older_metric_set_is_kept_until_re_created_and_fails_the_check(msm_run, tmp_path, capsys):
    """A task that gains a metric leaves old entries stale: a sweep re-creating them one model at a
    time must not be blocked by the others, and --check refuses the board until all are re-created."""
    path = leaderboard.path_for(TASK)
    board = json.loads(path.read_text())
    persistence = next(e for e in board["entries"] if e["model"] == "persistence")
    del persistence["metrics"]["t1"]  # as if scored before t1 existed
    persistence["sha256"] = leaderboard.entry_hash(persistence)
    path.write_text(json.dumps(board))
    with pytest.raises(LeaderboardError, match=r"missing \['t1'\].*--record"):
        leaderboard.check()
    assert main(["run", TASK, "--model", "msm", "--config", "tiny", "--seed", "2", "--out", str(tmp_path / "seed2"),
                 "--quiet"]) == 0
    assert "1 entries were scored with an older metric set" in capsys.readouterr().err
    assert {("msm", 2), ("persistence", 2), ("persistence", 1)} <= {
        (e["model"], e["seed"]) for e in leaderboard.read(catalog.task(TASK), allow_stale=True)}
    assert main(["leaderboard", "--check"]) == 2  # the seed-1 persistence entry is still stale
    assert main(["run", TASK, "--model", "msm", "--config", "tiny", "--seed", "1", "--out", str(tmp_path / "seed1"),
                 "--quiet"]) == 0
    assert "older metric set" not in capsys.readouterr().err
    assert main(["leaderboard", "--check"]) == 0


def test_the_committed_leaderboards_pass_the_check(monkeypatch):
    monkeypatch.delenv("MDBENCH_LEADERBOARDS")  # each system's own board, in its package
    report = leaderboard.check()
    assert len(report) == len(catalog.task_names())  # every built-in task has a committed board
    assert any(line.startswith("four-well__propagator.json") for line in report)
    entries = leaderboard.read(catalog.task(TASK))
    small = {e["model"]: e for e in entries if e["config"] == "small"}
    assert {"mdn", "msm", "persistence", "exact-propagator"} <= set(small)


def test_mdn_runs_on_tiny(tiny_four_well, tmp_path):
    assert main(["run", TASK, "--model", "mdn", "--config", "tiny", "--out", str(tmp_path / "mdn"), "--quiet",
                 "--no-leaderboard"]) == 0
    results = json.loads((tmp_path / "mdn" / "results.json").read_text())
    mdn = results["entries"]["mdn"]["metrics"]
    persistence = results["entries"]["persistence"]["metrics"]
    assert mdn["free_energy_rmse"]["value"] < persistence["free_energy_rmse"]["value"]
    assert not leaderboard.path_for(TASK).exists()
    # the training throughput counts the MDN's epochs (early stopping ends it within max_epochs = 100)
    training = results["entries"]["mdn"]["training"]
    assert 1 <= training["epochs"] <= 100 and training["threads"] >= 1
    # the epochs' own time: no more than the whole fit (which also prepares data and scores)
    assert training["epochs_per_second"] >= training["epochs"] / training["seconds"]
    assert results["entries"]["persistence"]["training"]["epochs"] == 0  # nothing to train


class OwnLoopPersistence:
    """A model with its own training loop and no EarlyStopping: three "epochs" of a running mean of
    the last training frame, timed by the model itself and told through its ``training_report()``."""

    epochs = 3

    def fit(self, data, *, seed: int, progress: bool = True) -> "OwnLoopPersistence":
        from mdbench.core.task import TrainingReport

        x, self.x_last, seconds = data.train["x"].values, 0.0, 0.0
        for _ in range(self.epochs):
            start = time.perf_counter()
            self.x_last = 0.5 * (self.x_last + float(x[-1, -1]))
            seconds += max(time.perf_counter() - start, 1e-6)
        self.report = TrainingReport(self.epochs, seconds)
        return self

    def training_report(self):
        return self.report

    def predict(self, data, *, seed: int):
        from mdbench.data.windows import frames_at_lag
        from mdbench.systems.four_well.references import trajectory

        return trajectory(np.full(frames_at_lag(data.config), self.x_last))


def test_a_model_with_its_own_training_loop_reports_its_epochs_through_the_hook(tiny_four_well, tmp_path):
    from mdbench.benchmark.run import run
    from mdbench.core.task import ModelEntry

    entry = ModelEntry("own-loop", TASK, "model", "persistence behind a 3-epoch loop", OwnLoopPersistence)
    result = run(catalog.task(TASK), entry, config="tiny", outdir=tmp_path / "own", update_leaderboard=False,
                 progress=False)
    training = result.results["entries"]["own-loop"]["training"]
    assert set(training) == {"seconds", "epochs", "threads", "epochs_per_second"}
    assert training["epochs"] == 3 and training["epochs_per_second"] > 0
    # references have no hook: 0 epochs and no throughput
    assert result.results["entries"]["persistence"]["training"]["epochs"] == 0
    assert result.results["entries"]["persistence"]["training"]["epochs_per_second"] is None


def test_entries_keep_their_predictions_and_re_score(msm_run, capsys):
    task = catalog.task(TASK)
    (entry,) = [e for e in leaderboard.read(task) if e["model"] == "msm"]
    directory = leaderboard.path_for(TASK).parent
    assert (directory / entry["predictions"]["file"]).is_file() and len(entry["dataset_sha256"]) == 64
    assert main(["leaderboard", "--rescore"]) == 0
    assert "msm (tiny, seed 1):" in capsys.readouterr().out


def test_a_hand_edited_number_fails_check_and_rescore(msm_run, capsys):
    path = leaderboard.path_for(TASK)
    pristine = path.read_text()
    board = json.loads(pristine)
    entry = next(e for e in board["entries"] if e["model"] == "msm")
    entry["metrics"]["t1"]["value"] = 0.1
    path.write_text(json.dumps(board))
    assert main(["leaderboard", "--check"]) == 2
    assert "changed after `mdbench run` wrote it" in capsys.readouterr().err
    entry["sha256"] = leaderboard.entry_hash(entry)  # re-sealed: the hash is fine, the number is not
    board["entries_sha256"] = leaderboard.entries_hash(board["entries"])
    path.write_text(json.dumps(board))
    leaderboard.write_table(catalog.task(TASK))  # and the table re-rendered
    assert main(["leaderboard", "--check"]) == 0
    assert main(["leaderboard", "--rescore"]) == 2
    err = capsys.readouterr().err
    assert "msm (tiny, seed 1): t1 differ" in err and "recorded 0.1" in err


def test_a_changed_prediction_file_fails_the_check(msm_run, capsys):
    import xarray as xr

    entry = next(e for e in leaderboard.read(catalog.task(TASK)) if e["model"] == "msm")
    pred = leaderboard.path_for(TASK).parent / entry["predictions"]["file"]
    with xr.open_dataset(pred) as ds:
        ds = ds.load()
    ds["x"][0] = ds["x"][0] + 0.5
    ds.to_netcdf(pred)
    assert main(["leaderboard", "--check"]) == 2
    assert "differs from the one recorded" in capsys.readouterr().err


def test_record_writes_entries_predictions_and_figures_that_re_score(tiny_four_well, tmp_path, capsys):
    """`mdbench run --record` (here into $MDBENCH_LEADERBOARDS) keeps figures beside the board."""
    assert main(["run", TASK, "--model", "msm", "--config", "tiny", "--out", str(tmp_path / "rec"), "--quiet",
                 "--record"]) == 0
    directory = leaderboard.path_for(TASK).parent
    figures = sorted(p.name for p in (directory / "figures" / "four-well__propagator").iterdir())
    assert "tiny__msm__stationary_density.png" in figures
    assert main(["leaderboard", "--rescore", TASK]) == 0
    assert "msm (tiny, seed 0): " in capsys.readouterr().out


def test_large_predictions_go_to_the_prediction_store_and_still_re_score(tiny_four_well, tmp_path, monkeypatch,
                                                                          capsys):
    """A prediction file over the committed-size limit is kept in $MDBENCH_HOME/predictions, by hash."""
    monkeypatch.setattr(leaderboard, "MAX_RECORDED_BYTES", 0)
    assert main(["run", TASK, "--model", "msm", "--config", "tiny", "--out", str(tmp_path / "big"), "--quiet",
                 "--record"]) == 0
    (entry,) = [e for e in leaderboard.read(catalog.task(TASK)) if e["model"] == "msm"]
    assert entry["predictions"]["location"] == "store"
    kept = leaderboard.prediction_store().parent / entry["predictions"]["file"]
    assert kept.is_file() and not (leaderboard.path_for(TASK).parent / entry["predictions"]["file"]).exists()
    assert main(["leaderboard", "--rescore", TASK]) == 0
    kept.rename(tmp_path / "elsewhere.nc")  # as on a machine that did not record it
    try:
        assert main(["leaderboard", "--check"]) == 0
        assert "not in this machine's store" in capsys.readouterr().out
        assert main(["leaderboard", "--rescore", TASK]) != 0
        assert "re-create it with: mdbench run" in capsys.readouterr().err
    finally:
        (tmp_path / "elsewhere.nc").rename(kept)
        kept.unlink()


def test_a_new_metric_re_creates_every_entry_without_training(msm_run, monkeypatch, capsys):
    """`--rescore --update TASK` scores the stored predictions with the task's current metric set."""
    from mdbench.benchmark import run as run_module
    from mdbench.core.estimate import Estimate, MetricInfo

    base = type(catalog.task(TASK))

    class WithFrames(base):  # the same task, one metric more
        declared_metrics = (*base.declared_metrics, MetricInfo("frames", "frames", "frames generated"))

        def score(self, predictions, data, **kwargs):
            return {**super().score(predictions, data, **kwargs),
                    "frames": Estimate(float(predictions.sizes["time"]), None)}

    task, find = WithFrames(), catalog.task
    monkeypatch.setattr(catalog, "task", lambda name: task if name == TASK else find(name))
    monkeypatch.setattr(run_module, "fit_predict_score", lambda *a, **k: pytest.fail("nothing may be trained"))
    assert main(["leaderboard", "--check"]) == 2  # every entry lacks the new metric
    assert "metrics differ from the task's" in capsys.readouterr().err
    assert main(["leaderboard", "--rescore", "--update", TASK]) == 0
    assert capsys.readouterr().out.count("updated (added ['frames']") == 4
    entries = leaderboard.read(task)
    assert len(entries) == 4 and all(e["metrics"]["frames"]["value"] == 2000 for e in entries)
    assert main(["leaderboard", "--check"]) == 0 and main(["leaderboard", "--rescore"]) == 0
