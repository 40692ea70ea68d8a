"""Outside models onto the boards (issue 19): `mdbench task show` → `task template` → `submit` with a model card
puts an outside model on a board, marked external, re-scored by `--rescore`; `mdbench score` gives the primary
metric, the references and the rank; an outside package with an `mdbench.models` entry point is reproduced by
`mdbench run`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

import mdbench
from mdbench.benchmark.submission import write_submission
from mdbench.cli import main

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "hist_msm"
TASK = "four-well/propagator"
CARD = {"name": "hist-msm", "version": "1.0", "authors": ["A. Outsider"], "contact": "a@example.org",
        "code": {"url": "https://example.org/hist-msm", "commit": "0123abc"}, "license": "MIT", "paper": "",
        "trained_on": [{"dataset": "four-well", "config": "tiny", "splits": ["train"]}],
        "training": {"seconds": 0.1, "hardware": "1 CPU core"}, "inference": {"hardware": "1 CPU core"},
        "hyperparameters": {"bins": 60}, "saw_test_split": False}


def _hist_msm():
    sys.path.insert(0, str(FIXTURE))
    try:
        import hist_msm
    finally:
        sys.path.remove(str(FIXTURE))
    return hist_msm


@pytest.fixture(scope="module")
def outside(tiny_four_well, tmp_path_factory) -> Path:
    """show → template → the outside model's predictions in the template's file (made once per module)."""
    import contextlib
    import io

    tmp_path = tmp_path_factory.mktemp("outside")
    with contextlib.redirect_stdout(io.StringIO()) as shown:
        assert main(["task", "show", TASK, "--config", "tiny"]) == 0
    shown = shown.getvalue()
    frames = int(re.search(r"x\(time=(\d+)\) \[1\]", shown).group(1))
    assert "primary metric: transition_density_error [1]" in shown and "items_per_second (optional): frames" in shown
    template = tmp_path / "template.nc"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["task", "template", TASK, "--config", "tiny", "--out", str(template), "--quiet"]) == 0
        assert main(["score", TASK, str(template)]) == 0  # the skeleton is valid as it is
    lag = mdbench.catalog.dataset("four-well").config("tiny")["lag"]
    train = mdbench.load("four-well", "tiny", "train")["x"].values[:, ::lag]
    with xr.open_dataset(template, engine="netcdf4") as ds:
        pred = ds.load()
    assert pred.sizes["time"] == frames
    pred["x"].values[:] = _hist_msm().histogram_propagator(train, frames, seed=0)
    return write_submission(pred[["x"]], tmp_path / "hist-msm.nc", task=TASK, model="hist-msm",
                            code="https://example.org/hist-msm", config="tiny", seed=0)


@pytest.fixture
def submission(outside, tmp_path) -> tuple[Path, Path]:
    """The outside model's file (and the template beside it) and its card, in this test's folder."""
    shutil.copy(outside.parent / "template.nc", tmp_path / "template.nc")
    sub = Path(shutil.copy(outside, tmp_path / outside.name))
    card = tmp_path / "hist-msm.yaml"
    card.write_text(yaml.safe_dump(CARD))
    return sub, card


def test_an_outside_model_goes_from_nothing_to_an_external_board_entry_that_rescores(submission, capsys):
    sub, card = submission
    assert main(["submit", TASK, str(sub), "--card", str(card)]) == 0
    out = capsys.readouterr().out
    assert "external entry hist-msm" in out and "**hist-msm** †" in out
    board_dir = Path(os.environ["MDBENCH_LEADERBOARDS"])
    entry = json.loads((board_dir / "four-well__propagator.json").read_text())["entries"][0]
    assert entry["origin"] == "external" and entry["role"] == "model"
    assert entry["command"] == "mdbench submit four-well/propagator hist-msm.nc --card hist-msm.yaml"
    assert (board_dir / entry["card"]["file"]).read_text() == card.read_text()
    table = (board_dir / "four-well__propagator.md").read_text()
    assert "| **hist-msm** † | model |" in table and "external — scored, not reproduced" in table
    assert main(["leaderboard", "--check"]) == 0
    assert main(["leaderboard", "--rescore", TASK]) == 0
    assert "metrics reproduced" in capsys.readouterr().out

    # the card is part of the entry: an edit of it fails the check
    (board_dir / entry["card"]["file"]).write_text(card.read_text().replace("MIT", "GPL"))
    assert main(["leaderboard", "--check"]) == 2
    assert "model card" in capsys.readouterr().err


def test_score_prints_the_primary_metric_first_then_references_and_the_rank(submission, tmp_path, capsys):
    sub, card = submission
    assert main(["submit", TASK, str(sub), "--card", str(card)]) == 0
    capsys.readouterr()
    template = tmp_path / "template.nc"  # persistence: the static reference's predictions
    assert main(["score", TASK, str(template), "--json", str(tmp_path / "s.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    mine = json.loads((tmp_path / "s.json").read_text())["metrics"]["transition_density_error"]["value"]
    board = json.loads((Path(os.environ["MDBENCH_LEADERBOARDS"]) / "four-well__propagator.json").read_text())
    theirs = board["entries"][0]["metrics"]["transition_density_error"]["value"]
    assert mine != theirs
    rank = f"rank on the committed board (tiny): {1 + (theirs < mine)} of 2"
    assert lines[1].startswith("primary metric transition_density_error [1] (lower is better): ")
    assert rank in lines and lines.index(rank) < lines.index("all metrics:")


def test_task_show_gives_the_references_of_the_committed_board(monkeypatch, capsys):
    monkeypatch.delenv("MDBENCH_LEADERBOARDS")
    assert main(["task", "show", "ising/energy", "--config", "small"]) == 0
    out = capsys.readouterr().out
    assert "physics reference: hamiltonian 0 ± 0 (n=10)" in out
    assert "labels: coordinate `sample_8` = the rows' index 0 … 4499" in out
    assert "mdbench run ising/energy --model NAME --config small" in out and "ednn" in out


@pytest.mark.parametrize("change, message", [
    ({"saw_test_split": True}, "saw_test_split: False was expected"),
    ({"name": "other"}, "the card is for model 'other'"),
    ({"trained_on": [{"dataset": "four-well", "config": "tiny", "splits": ["train", "test"]}]}, "'test' is not one of"),
    ({"trained_on": [{"dataset": "four-well", "config": "small", "splits": ["train"]}]}, "names no four-well/tiny"),
    ({"code": {"url": "https://example.org", "commit": "main"}}, "card field code/commit"),
])
def test_a_bad_card_is_a_one_line_error_and_writes_nothing(submission, capsys, change, message):
    sub, card = submission
    card.write_text(yaml.safe_dump({**CARD, **change}))
    assert main(["submit", TASK, str(sub), "--card", str(card)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (Path(os.environ["MDBENCH_LEADERBOARDS"]) / "four-well__propagator.json").exists()


def test_an_external_entry_may_not_take_a_built_in_models_name(submission, tmp_path, capsys):
    sub, card = submission
    with xr.open_dataset(sub, engine="netcdf4") as ds:
        pred = ds.load()
    renamed = write_submission(pred, tmp_path / "msm.nc", task=TASK, model="msm", code="x", config="tiny", seed=0)
    card.write_text(yaml.safe_dump({**CARD, "name": "msm"}))
    assert main(["submit", TASK, str(renamed), "--card", str(card)]) == 2
    assert "is a model mdbench runs" in capsys.readouterr().err


@pytest.mark.slow  # ≈ 30 s: a pip install and a subprocess `mdbench run` with the references
def test_an_outside_model_package_is_reproduced_by_mdbench_run(tiny_four_well, session_home, tmp_path):
    """The fixture package installed with its `mdbench.models` entry point: `mdbench run` trains and scores it
    like a built-in baseline, and its entry is a reproduced one."""
    build, site = tmp_path / "src", tmp_path / "site"
    shutil.copytree(FIXTURE, build)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(build)], check=True, capture_output=True, timeout=600)
    env = {**os.environ, "PYTHONPATH": str(site), "MDBENCH_HOME": str(session_home),
           "MDBENCH_LEADERBOARDS": str(tmp_path / "boards")}
    proc = subprocess.run([sys.executable, "-m", "mdbench.cli", "run", TASK, "--model", "hist-msm", "--config",
                           "tiny", "--quiet"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    board = json.loads((tmp_path / "boards" / "four-well__propagator.json").read_text())
    entry = next(e for e in board["entries"] if e["model"] == "hist-msm")
    assert entry["command"] == "mdbench run four-well/propagator --model hist-msm --config tiny --seed 0"
    assert "origin" not in entry and entry["code"].endswith("hist_msm/__init__.py")
    assert np.isfinite(entry["metrics"]["free_energy_rmse"]["value"])
    check = subprocess.run([sys.executable, "-m", "mdbench.cli", "leaderboard", "--rescore", TASK], env=env,
                           cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stderr
