"""`mdbench data import`: any MDAnalysis-readable trajectory becomes a forecasting benchmark."""

from __future__ import annotations

import json

import MDAnalysis as mda
import numpy as np
import pytest

import mdbench
from mdbench.cli import main


@pytest.fixture
def own_md(tmp_path, monkeypatch):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    u = mda.Universe.empty(6, trajectory=True)
    u.add_TopologyAttr("name", ["CA"] * 5 + ["CB"])
    u.add_TopologyAttr("resname", ["ALA"])
    rng = np.random.default_rng(0)
    frames = np.cumsum(rng.normal(scale=0.3, size=(300, 6, 3)), axis=0).astype(np.float32)
    u.load_new(frames, dt=0.01)  # ps between frames
    u.atoms.write(tmp_path / "top.pdb")
    with mda.Writer(str(tmp_path / "traj.dcd"), n_atoms=6) as w:
        for _ in u.trajectory:
            w.write(u.atoms)
    return tmp_path, frames


def test_import_generate_and_run(own_md, capsys):
    path, frames = own_md
    assert main(["data", "import", str(path / "top.pdb"), str(path / "traj.dcd"), "--name", "my-md",
                 "--histories", "1,5", "--leads", "1,5", "--origins", "8"]) == 0
    assert "mdbench run my-md/forecast" in capsys.readouterr().out
    train = mdbench.load("my-md", "default", "train")
    assert train["ca"].shape == (1, 180 - 5, 5, 3)  # 60 % of 300 frames minus a gap of max(L); CB not selected
    np.testing.assert_allclose(train["ca"].values[0, 0], frames[0, :5], atol=1e-3)
    dt_fs = mda.Universe(str(path / "top.pdb"), str(path / "traj.dcd")).trajectory.dt * 1000.0
    assert train["time"].attrs["units"] == "fs" and train["time"].values[1] == pytest.approx(dt_fs, rel=1e-6)
    assert main(["run", "my-md/forecast", "--model", "ffnn-whole", "--quiet", "--no-leaderboard",
                 "--out", str(path / "run")]) == 0
    results = json.loads((path / "run" / "results.json").read_text())
    assert set(results["entries"]) == {"ffnn-whole", "static"}  # no physics reference for imported data


@pytest.mark.parametrize("args, message", [
    (["--name", "Bad Name"], "use lower-case letters"),
    (["--name", "four-well"], "built-in dataset"),
    (["--name", "x", "--leads", "1,7"], "leads among"),
])
def test_import_errors(own_md, args, message, capsys):
    path, _ = own_md
    assert main(["data", "import", str(path / "top.pdb"), str(path / "traj.dcd"), *args]) == 2
    assert message in capsys.readouterr().err


def test_missing_file(own_md, capsys):
    path, _ = own_md
    assert main(["data", "import", str(path / "top.pdb"), str(path / "nope.dcd"), "--name", "x"]) == 2
    assert "nope.dcd: no such file" in capsys.readouterr().err
