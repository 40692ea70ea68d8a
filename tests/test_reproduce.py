"""``mdbench leaderboard --reproduce``: entries whose prediction files are in another machine's store are re-run
on the same code path as ``mdbench run`` and their metrics compared with the recorded ones."""

from __future__ import annotations

import json
import shutil

import pytest

from mdbench import catalog
from mdbench.benchmark import leaderboard
from mdbench.cli import main

TASK = "four-well/propagator"


@pytest.fixture
def stored_elsewhere(tiny_four_well_board, capsys):
    """The tiny board with the MSM entry's predictions recorded as kept in the prediction store, which on this
    machine does not have them (what a clone sees of RFMIP's and Trp-cage-like's large files)."""
    capsys.readouterr()
    shutil.copytree(tiny_four_well_board, leaderboard.run_dir())
    path = leaderboard.path_for(TASK)

    def reseal(change):
        board = json.loads(path.read_text())
        for entry in board["entries"]:
            if entry["model"] == "msm":
                change(entry)
            entry["sha256"] = leaderboard.entry_hash(entry)
        board["entries_sha256"] = leaderboard.entries_hash(board["entries"])
        path.write_text(json.dumps(board, indent=1, ensure_ascii=False) + "\n")
        leaderboard.write_table(catalog.task(TASK), path.parent)

    def elsewhere(entry):
        (path.parent / entry["predictions"]["file"]).unlink()
        entry["predictions"]["location"] = "store"

    reseal(elsewhere)
    return reseal


def test_rescore_names_the_reproduce_command_for_files_kept_elsewhere(stored_elsewhere, capsys):
    assert main(["leaderboard", "--check", TASK]) == 0
    assert f"--reproduce {TASK}" in capsys.readouterr().out
    assert main(["leaderboard", "--rescore", TASK]) == 2
    assert f"mdbench leaderboard --reproduce {TASK}" in capsys.readouterr().err


def test_a_missing_prediction_file_is_re_run_and_its_metrics_reproduce(stored_elsewhere, capsys):
    assert main(["leaderboard", "--reproduce", TASK]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    n_metrics = sum(not m.timing for m in catalog.task(TASK).metric_info())
    assert "msm (tiny, seed 0): re-run in " in out and f"{n_metrics} metrics equal" in out, out
    assert "persistence" not in out  # present here: re-scored by --rescore, not re-run


def test_an_edited_metric_that_the_re_run_does_not_give_fails(stored_elsewhere, capsys):
    primary = catalog.task(TASK).primary_metric

    def inflate(entry):
        metric = entry["metrics"][primary]
        metric["value"] = metric["value"] * 0.5  # half the error: many standard errors better than it is

    stored_elsewhere(inflate)
    assert main(["leaderboard", "--reproduce", TASK]) == 2
    err = capsys.readouterr().err
    assert "1 entries do not reproduce within 2 SE" in err and f"furthest {primary}" in err, err


def test_a_metric_without_an_error_bar_reproduces_within_a_relative_tolerance():
    """The RFMIP MLP retrained on another CPU moved its 95th-percentile flux error (no error bar) by 2.7e-6
    relative: that reproduces; 1e-3 relative does not."""
    from mdbench.benchmark.reproduce import TOLERANCE_REL, _z

    recorded = {"value": 1.3436854041314636, "stderr": None, "n": None}
    assert _z({"value": 1.3436890228045346, "stderr": None, "n": None}, recorded) < 0.05
    assert _z({"value": 1.3436854041314636 * (1 + 10 * TOLERANCE_REL), "stderr": None, "n": None}, recorded) > 1
    # with an error bar the unit is the combined standard error: 3 SE apart is 1.5× the 2-SE tolerance
    assert _z({"value": 1.3, "stderr": 0.01}, {"value": 1.3 + 3 * 2 ** 0.5 * 0.01, "stderr": 0.01}) == \
        pytest.approx(1.5)
