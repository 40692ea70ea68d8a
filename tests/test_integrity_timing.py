"""Timing metrics that something re-checks (issue 22): `mdbench leaderboard --rescore --timing` re-derives
every timing metric from the entry's prediction file and a fresh yardstick (median of 3 interleaved runs,
with spread), flags ratios outside the spread or a factor-2 band, and never rewrites an entry.  And the
committed four-well board re-scores on this machine, as CI does."""

from __future__ import annotations

import itertools
import json
import re
import shutil

import pytest

from mdbench import catalog
from mdbench.benchmark import leaderboard, retime
from mdbench.cli import main

TASK = "four-well/propagator"


@pytest.fixture
def board(tiny_four_well_board, capsys):
    """This test's own copy of the recorded board (in its $MDBENCH_LEADERBOARDS)."""
    capsys.readouterr()
    shutil.copytree(tiny_four_well_board, leaderboard.run_dir())
    task_class = type(catalog.task(TASK))
    return leaderboard.path_for(TASK), task_class, task_class.engine_items_per_second


def _yardstick(monkeypatch, task_class, values):
    cycle = itertools.cycle(values)
    calls = []
    monkeypatch.setattr(task_class, "engine_items_per_second", lambda self, data: calls.append(1) or next(cycle))
    return calls


def _reseal(path, change):
    board = json.loads(path.read_text())
    change(board["entries"])
    for entry in board["entries"]:
        entry["sha256"] = leaderboard.entry_hash(entry)
    board["entries_sha256"] = leaderboard.entries_hash(board["entries"])
    path.write_text(json.dumps(board, indent=1, ensure_ascii=False) + "\n")
    leaderboard.write_table(catalog.task(TASK), path.parent)


def test_the_same_yardstick_reproduces_every_timing_metric_and_nothing_is_rewritten(board, monkeypatch, capsys):
    path, task_class, _ = board
    before = path.read_bytes(), path.with_suffix(".md").read_bytes()
    calls = _yardstick(monkeypatch, task_class, [900.0, 1000.0, 1100.0])
    assert main(["leaderboard", "--rescore", "--timing", TASK]) == 0
    out = capsys.readouterr().out
    assert len(calls) == retime.RUNS  # one config: three measurements
    assert "median 1000/s, spread 900–1100/s (n=3 runs, interleaved over 1 config(s); units: " in out
    line = next(x for x in out.splitlines() if "exact-propagator (tiny, seed 0): generation_speedup" in x)
    assert "ratio 1," not in line and re.search(r"ratio 1$", line) and "⚠" not in line, line
    assert "exact-propagator (tiny, seed 0): end_to_end_speedup recorded" in out
    assert "persistence (tiny, seed 0): generation_speedup n/a" in out  # it generates nothing: no speed
    assert "msm (tiny, seed 0): generation_speedup n/a" in out  # it replays stored frames: no speed either
    assert (path.read_bytes(), path.with_suffix(".md").read_bytes()) == before


def test_a_yardstick_off_within_the_band_is_noted_not_failed(board, monkeypatch, capsys):
    path, task_class, _ = board
    _yardstick(monkeypatch, task_class, [1400.0, 1500.0, 1600.0])
    assert main(["leaderboard", "--rescore", "--timing", TASK]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "exact-propagator (tiny, seed 0): generation_speedup" in x)
    assert "ratio 1.5 ⚠ outside the spread of the yardstick measured here" in line and "✗" not in line


def test_a_resealed_timing_edit_fails_the_timing_rescore_only(board, monkeypatch, capsys):
    path, task_class, _ = board
    _yardstick(monkeypatch, task_class, [1000.0])

    def inflate(entries):  # speed-up 1.45 → 145: hash, manifest and table recomputed by the forger
        metric = next(e for e in entries if e["model"] == "exact-propagator")["metrics"]["generation_speedup"]
        metric["value"] *= 100

    _reseal(path, inflate)
    before = path.read_bytes()
    assert main(["leaderboard", "--check"]) == 0 and main(["leaderboard", "--rescore", TASK]) == 0
    capsys.readouterr()
    assert main(["leaderboard", "--rescore", "--timing", TASK]) == 2
    err = capsys.readouterr().err
    assert "exact-propagator (tiny, seed 0): generation_speedup recorded" in err and "ratio 100 is outside the factor-2 band" in err
    assert "nothing was rewritten" in err and path.read_bytes() == before


def test_timing_goes_with_rescore_and_never_with_update(board, capsys):
    assert main(["leaderboard", "--timing", TASK]) == 2
    assert main(["leaderboard", "--rescore", "--update", "--timing", TASK]) == 2
    assert "--timing goes with --rescore and never rewrites entries" in capsys.readouterr().err


def test_the_real_yardstick_is_measured_three_times(board, monkeypatch, capsys):
    """The task's own yardstick: the report carries its median and spread over n = 3 runs.  Whether the
    ratios pass depends on how busy this machine is (recorded under a fixed 1000 frames/s here), so only
    the measurement is checked."""
    path, task_class, real = board
    monkeypatch.setattr(task_class, "engine_items_per_second", real)
    main(["leaderboard", "--rescore", "--timing", TASK])
    captured = capsys.readouterr()
    assert re.search(r"yardstick FourWellPropagator\.engine_items_per_second median [\d.e+]+/s, spread "
                     r"[\d.e+]+–[\d.e+]+/s \(n=3 runs", captured.out + captured.err), captured


@pytest.mark.parametrize("task", [TASK, "ising/energy"])
def test_the_committed_boards_of_cheap_datasets_re_score(task, generate_once, monkeypatch, capsys):
    """What CI does for the boards whose datasets are cheap (four-well small: seconds to generate; ising small:
    ≈ 30 s).  Their generators are bit-reproducible on any CPU, so the data made here carries the hash every
    committed entry was scored on."""
    name = catalog.task(task).spec.name
    for config in ("small", "tiny"):
        generate_once(name, config)
    monkeypatch.delenv("MDBENCH_LEADERBOARDS")  # the board committed in the system's package
    assert main(["leaderboard", "--rescore", task]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    entries = json.loads(leaderboard.path_for(task).read_text())["entries"]
    assert {e["config"] for e in entries} == {"small", "tiny"}
    assert out.count("metrics reproduced") == len(entries)
