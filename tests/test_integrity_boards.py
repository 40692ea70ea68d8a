"""Leaderboard fields that something re-checks: an edit, even one whose entry hash was recomputed
("resealed"), fails `--check` or `--rescore` (issue 22)."""

from __future__ import annotations

import json
import shutil

import pytest

from mdbench import catalog
from mdbench.benchmark import leaderboard
from mdbench.cli import main

TASK = "four-well/propagator"


@pytest.fixture
def board(tiny_four_well_board, capsys):
    capsys.readouterr()
    shutil.copytree(tiny_four_well_board, leaderboard.run_dir())  # $MDBENCH_LEADERBOARDS of this test
    return leaderboard.path_for(TASK)


def _edit(path, change, *, reseal=True, manifest=False):
    board = json.loads(path.read_text())
    change(board["entries"])
    if reseal:
        for entry in board["entries"]:
            entry["sha256"] = leaderboard.entry_hash(entry)
    if manifest:
        board["entries_sha256"] = leaderboard.entries_hash(board["entries"])
    path.write_text(json.dumps(board, indent=1, ensure_ascii=False) + "\n")
    if reseal:  # the forger re-renders the table too
        leaderboard.write_table(catalog.task(TASK), path.parent)


def _entry(entries, model="msm"):
    return next(e for e in entries if e["model"] == model)


def _fails(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err


def test_an_untouched_board_passes(board, capsys):
    assert main(["leaderboard", "--check"]) == 0 and main(["leaderboard", "--rescore"]) == 0


def test_the_entry_hash_is_required(board, capsys):
    _edit(board, lambda es: _entry(es).pop("sha256"), reseal=False)
    _fails(["leaderboard", "--check"], "'sha256' is a required property", capsys)


@pytest.mark.parametrize("change, message", [
    (lambda e: e["metrics"]["free_energy_rmse"].update(n=100), "free_energy_rmse"),          # n edited
    (lambda e: e["metrics"]["free_energy_rmse"].update(value=0.001), "free_energy_rmse"),    # value edited
    (lambda e: e.update(seed=7), "the entry was relabelled"),
    (lambda e: e.update(model="persistence2"), "the entry was relabelled"),
    (lambda e: e.update(role="physics reference"), "but 'msm' is a model"),
    (lambda e: e.update(dataset_version="0.9.0"), "recorded on dataset version '0.9.0'"),  # found by test_fuzz
    (lambda e: e.update(command=e["command"].replace("--seed 0", "--seed 3")), "does not reproduce it"),  # idem
])
def test_a_resealed_edit_fails_the_rescore(board, change, message, capsys):
    _edit(board, lambda es: change(_entry(es)), manifest=True)
    assert main(["leaderboard", "--check"]) == 0  # sealed and consistent on its face …
    _fails(["leaderboard", "--rescore"], message, capsys)  # … but not what its predictions say


def test_a_deleted_duplicated_or_added_entry_fails_the_check(board, capsys):
    _edit(board, lambda es: es.remove(_entry(es, "persistence")))
    _fails(["leaderboard", "--check"], "differs from the board's manifest", capsys)
    _edit(board, lambda es: es.append(dict(_entry(es))), manifest=True)
    _fails(["leaderboard", "--check"], "appear more than once", capsys)


def test_a_hand_edited_table_fails_the_check(board, capsys):
    table = board.with_suffix(".md")
    table.write_text(table.read_text().replace("| **msm** |", "| **msm (best)** |"))
    _fails(["leaderboard", "--check"], "differs from a fresh render", capsys)
    assert main(["leaderboard", "--render", TASK]) == 0 and main(["leaderboard", "--check"]) == 0


def test_a_prediction_path_outside_the_board_is_refused(board, tmp_path, capsys):
    outside = tmp_path / "elsewhere.nc"
    outside.write_bytes((board.parent / _entry(json.loads(board.read_text())["entries"])["predictions"]["file"]).read_bytes())
    _edit(board, lambda es: _entry(es)["predictions"].update(file="predictions/../../elsewhere.nc"), manifest=True)
    _fails(["leaderboard", "--check"], "points outside", capsys)
