"""`mdbench data import` stores no wrong data silently (issue 22): a frame with a NaN coordinate is refused
with the file and frame named; a truncated DCD keeps its complete frames and says so on stderr."""

from __future__ import annotations

import numpy as np

import mdbench
from mdbench import catalog
from test_import import _import, _write, own_md  # noqa: F401 - the fixture is used by name


def test_a_nan_frame_is_refused_naming_file_and_frame(own_md, capsys):  # noqa: F811
    path, frames = own_md
    bad = frames.copy()
    bad[37, 2, 1] = np.nan
    _write(path / "nan.dcd", bad)
    assert _import(path, path / "nan.dcd") == 2
    err = capsys.readouterr().err
    assert "nan.dcd: frame 37 (counting from 0) has non-finite coordinates" in err and "1 such frame(s) of 300" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "my-md" not in catalog.dataset_names()


def test_an_infinite_frame_in_one_of_several_files_is_refused(own_md, capsys):  # noqa: F811
    path, frames = own_md
    files = []
    for i in range(3):
        part = frames[100 * i: 100 * i + 100].copy()
        if i == 1:
            part[99] = np.inf
        _write(path / f"run{i}.dcd", part)
        files.append(path / f"run{i}.dcd")
    assert _import(path, *files) == 2
    assert "run1.dcd: frame 99 (counting from 0) has non-finite" in capsys.readouterr().err


def test_a_truncated_dcd_keeps_its_complete_frames_and_says_so(own_md, capsys):  # noqa: F811
    path, frames = own_md
    whole = (path / "traj.dcd").read_bytes()
    (path / "cut.dcd").write_bytes(whole[:-30])  # the last frame loses its last 30 bytes
    assert _import(path, path / "cut.dcd") == 0
    err = capsys.readouterr().err
    assert "cut.dcd is truncated: 299 complete frames are imported" in err
    assert err.count("is truncated") == 1  # once, though three splits are read from the one file
    n = sum(int(mdbench.load("my-md", "default", s)["n_frames"].values.sum()) for s in ("train", "val", "test"))
    assert 0 < n < 299  # blocks of the 299 complete frames, minus the gaps between them


def test_a_complete_dcd_gives_no_truncation_warning(own_md, capsys):  # noqa: F811
    path, frames = own_md
    assert _import(path, path / "traj.dcd") == 0
    assert "truncated" not in capsys.readouterr().err


def test_the_truncated_file_reads_its_complete_frames_at_the_spec_level(own_md, capsys):  # noqa: F811
    """The same, without the store: the generator of the imported dataset reads 299 frames and warns once."""
    from mdbench.systems.md_forecast.imported import ImportedForecastDataset

    path, frames = own_md
    whole = (path / "traj.dcd").read_bytes()
    (path / "cut2.dcd").write_bytes(whole[:-30])
    spec = ImportedForecastDataset({"name": "cut", "topology": str(path / "top.pdb"),
                                    "trajectories": [str(path / "cut2.dcd")], "selection": "name CA",
                                    "histories": [1, 5], "leads": [1, 5], "n_origins": 12})
    config = spec.config("default")
    ca, time = spec._frames(config, str(path / "cut2.dcd"))
    assert ca.shape == (299, 5, 3)
    np.testing.assert_allclose(ca, frames[:299, :5].astype(np.float32), rtol=1e-5, atol=1e-4)
    spec._frames(config, str(path / "cut2.dcd"))  # read again: no second warning
    assert capsys.readouterr().err.count("cut2.dcd is truncated: 299 complete frames are imported") == 1
