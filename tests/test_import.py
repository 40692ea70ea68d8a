"""`mdbench data import`: any MDAnalysis-readable trajectory becomes a forecasting benchmark."""

from __future__ import annotations

import json

import MDAnalysis as mda
import numpy as np
import pytest
import xarray as xr

import mdbench
from mdbench import catalog
from mdbench.cli import main
from mdbench.data.windows import trajectories


def _write(path, frames: np.ndarray, names=None, resname="ALA") -> None:
    """A DCD of ``frames`` (Å) for a 6-atom topology (5 CA + 1 CB), dt = 10 fs."""
    u = mda.Universe.empty(frames.shape[1], trajectory=True)
    u.add_TopologyAttr("name", names or ["CA"] * (frames.shape[1] - 1) + ["CB"])
    u.add_TopologyAttr("resname", [resname])
    u.load_new(frames.astype(np.float32), dt=0.01)  # ps between frames
    if path.suffix == ".pdb":
        with mda.Writer(str(path), n_atoms=frames.shape[1], multiframe=True) as w:
            for _ in u.trajectory:
                w.write(u.atoms)
    else:
        with mda.Writer(str(path), n_atoms=frames.shape[1]) as w:
            for _ in u.trajectory:
                w.write(u.atoms)


def _walk(n: int, seed: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(scale=0.3, size=(n, 6, 3)), axis=0)


@pytest.fixture
def own_md(tmp_path, monkeypatch):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    frames = _walk(300, 0)
    u = mda.Universe.empty(6, trajectory=True)
    u.add_TopologyAttr("name", ["CA"] * 5 + ["CB"])
    u.add_TopologyAttr("resname", ["ALA"])
    u.load_new(frames[:1].astype(np.float32))
    u.atoms.write(tmp_path / "top.pdb")
    _write(tmp_path / "traj.dcd", frames)
    return tmp_path, frames


def _import(path, *files, extra=()):
    return main(["data", "import", str(path / "top.pdb"), *map(str, files), "--name", "my-md",
                 "--histories", "1,5", "--leads", "1,5", *extra])


def test_import_generate_and_run(own_md, capsys):
    path, frames = own_md
    assert _import(path, path / "traj.dcd", extra=["--origins", "12"]) == 0
    assert "mdbench run my-md/forecast" in capsys.readouterr().out
    train = mdbench.load("my-md", "default", "train")
    assert train["ca"].shape == (1, 180 - 5, 5, 3)  # 60 % of 300 frames minus a gap of max(L); CB not selected
    np.testing.assert_allclose(train["ca"].values[0, 0], frames[0, :5], atol=1e-3)
    dt_fs = mda.Universe(str(path / "top.pdb"), str(path / "traj.dcd")).trajectory.dt * 1000.0
    assert train["elapsed"].attrs["units"] == "fs"
    assert train["elapsed"].values[0, 1] == pytest.approx(dt_fs, rel=1e-6)
    assert main(["run", "my-md/forecast", "--model", "ffnn-whole", "--quiet", "--no-leaderboard",
                 "--out", str(path / "run")]) == 0
    results = json.loads((path / "run" / "results.json").read_text())
    assert set(results["entries"]) == {"ffnn-whole", "static"}  # no physics reference for imported data
    static = results["entries"]["static"]["metrics"]
    # 12 origins ~5 frames apart in the 60 test frames: windows of h + L = 2 frames never overlap,
    # windows of h + L = 10 frames all chain together into one piece of evidence
    assert static["rmsd_h1_L1"]["n"] == 12 and static["rmsd_h5_L5"]["n"] == 1
    # the scored RMSDs are those of the frames written to the DCD: locate the test part in the raw walk
    test = mdbench.load("my-md", "default", "test")
    start = int(np.argmin(np.abs(frames[:, :5] - test["ca"].values[0, 0]).max(axis=(1, 2))))
    assert start >= 180  # after the training part (and the gap): nothing of training is scored
    origins = start + np.atleast_1d(test["restart_frame"].values[0])
    assert len(origins) == 12
    with xr.open_dataset(path / "run" / "predictions" / "ffnn-whole.nc") as sub:
        forecasts = sub["ca_forecast"].values.astype(np.float64)

    def rmsd(a, b):
        return np.sqrt(np.mean(np.linalg.norm(a - b, axis=-1) ** 2, axis=-1)).mean()

    model = results["entries"]["ffnn-whole"]["metrics"]
    for i, h in enumerate((1, 5)):
        for j, lead in enumerate((1, 5)):
            future = frames[origins + lead, :5]
            # DCD stores float32: agreement to ~1e-5 relative, far below the ~0.5 Å steps of the walk
            assert static[f"rmsd_h{h}_L{lead}"]["value"] == pytest.approx(rmsd(frames[origins, :5], future), rel=1e-4)
            assert model[f"rmsd_h{h}_L{lead}"]["value"] == pytest.approx(rmsd(forecasts[i, j], future), rel=1e-4)


def test_every_file_stays_its_own_trajectory(own_md):
    """Four files of different lengths: two training trajectories, never joined into one series."""
    path, _ = own_md
    lengths = (120, 90, 80, 100)
    files = []
    for i, n in enumerate(lengths):
        frames = _walk(n, i + 1) + 60.0 * i  # far apart: a join would be a 60 Å jump
        files.append(path / f"run{i}.dcd")
        _write(files[-1], frames)
    assert _import(path, *files) == 0
    train = mdbench.load("my-md", "default", "train")
    assert train.sizes["replica"] == 2 and list(train["n_frames"].values) == [120, 90]
    trajs = trajectories(train, "ca")
    assert [len(t) for t in trajs] == [120, 90] and all(np.isfinite(t).all() for t in trajs)
    assert mdbench.load("my-md", "default", "test")["n_frames"].values.tolist() == [100]


def test_a_short_file_gives_the_right_count_and_leaves_nothing_registered(own_md, capsys):
    from MDAnalysisTests.datafiles import DCD, PSF  # the 98-frame adenylate-kinase DIMS trajectory

    path, _ = own_md
    assert main(["data", "import", PSF, DCD, "--name", "adk-dims"]) == 2
    err = capsys.readouterr().err.strip()
    # 60 % of 98 frames is 58; minus the gap of max(L) = 120 frames nothing is left for training
    assert err.startswith("mdbench: error: the train part of adk-dims") and "has 0 frames" in err
    assert "at least 131 are needed" in err and "--histories/--leads" in err and "\n" not in err
    assert "adk-dims" not in catalog.dataset_names()
    assert main(["data", "import", PSF, DCD, "--name", "adk-dims", "--histories", "1,5", "--leads", "1,5"]) == 0
    assert mdbench.load("adk-dims", "default", "train")["ca"].shape == (1, 53, 214, 3)


def test_a_jump_far_beyond_thermal_motion_is_refused(own_md, capsys):
    path, frames = own_md
    joined = np.concatenate([frames[:150], frames[150:] + 61.0])
    _write(path / "joined.dcd", joined)
    assert _import(path, path / "joined.dcd") == 2
    err = capsys.readouterr().err
    assert "frame 150 jumps by" in err and "not one continuous trajectory" in err
    assert "my-md" not in catalog.dataset_names()


def test_residue_names_that_differ_from_the_topology_are_refused(own_md, capsys):
    path, frames = own_md
    _write(path / "other.pdb", frames[:120], resname="GLY")
    assert _import(path, path / "other.pdb") == 2
    assert "belongs to another topology" in capsys.readouterr().err


def test_few_forecast_origins_are_warned_about(own_md, capsys):
    path, _ = own_md
    assert _import(path, path / "traj.dcd", extra=["--origins", "3"]) == 0
    assert "only 3 forecast origins" in capsys.readouterr().err


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
