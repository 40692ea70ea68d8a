"""Shared fixtures: every test session gets its own dataset cache and leaderboard directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import mdbench


@pytest.fixture(scope="session")
def session_home(tmp_path_factory):
    return tmp_path_factory.mktemp("mdbench_home")


@pytest.fixture(scope="session", autouse=True)
def isolated_session(session_home, tmp_path_factory):
    """The same isolation for module- and session-scoped fixtures, which run before any test's
    :func:`isolated_store`: without it they read the user's own ~/.cache/mdbench (and passed only on a
    machine whose cache held the dataset) and could record into the repository's boards."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MDBENCH_HOME", str(session_home))
        mp.setenv("MDBENCH_LEADERBOARDS", str(tmp_path_factory.mktemp("session_leaderboards")))
        yield


@pytest.fixture(autouse=True)
def isolated_store(session_home, tmp_path, monkeypatch):
    """Datasets go to a per-session cache; leaderboards to a per-test directory (never the repo's)."""
    monkeypatch.setenv("MDBENCH_HOME", str(session_home))
    monkeypatch.setenv("MDBENCH_LEADERBOARDS", str(tmp_path / "leaderboards"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def generate_once(session_home):
    """``generate_once(name, config)`` generates a dataset into the session cache the first time only."""
    done = set()

    def generate(name: str, config: str = "tiny") -> tuple[str, str]:
        if (name, config) not in done:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("MDBENCH_HOME", str(session_home))
                mdbench.generate(name, config, progress=False)
            done.add((name, config))
        return name, config

    return generate


@pytest.fixture(scope="session")
def tiny_four_well(generate_once):
    return generate_once("four-well")


@pytest.fixture
def private_copy(tmp_path, monkeypatch, tiny_four_well):
    """A private copy of four-well/tiny, in a home of its own, that a test may damage."""
    from mdbench import catalog
    from mdbench.data import store

    src = store.dataset_dir(catalog.dataset("four-well"), "tiny")
    dst = tmp_path / "home" / src.relative_to(Path(os.environ["MDBENCH_HOME"]))
    shutil.copytree(src, dst)
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    return dst


@pytest.fixture(scope="session")
def tiny_trpcage(generate_once):
    """≈ 20 s of OpenMM."""
    return generate_once("trpcage-like")


@pytest.fixture(scope="session")
def tiny_ising(generate_once):
    return generate_once("ising")


@pytest.fixture(scope="session")
def tiny_smd(generate_once):
    """The 10-residue steered-MD helix (≈ 10 s of OpenMM)."""
    return generate_once("ala100-smd")


@pytest.fixture(scope="session")
def tiny_four_well_board(tiny_four_well, session_home, tmp_path_factory):
    """The board of one `mdbench run four-well/propagator --model msm --config tiny`, made once per session
    with the yardstick fixed at 1000 frames/s (so timing checks are exact); tests edit copies of it."""
    from mdbench import catalog
    from mdbench.cli import main

    base = tmp_path_factory.mktemp("four-well-board")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MDBENCH_HOME", str(session_home))
        mp.setenv("MDBENCH_LEADERBOARDS", str(base / "leaderboards"))
        task = "four-well/propagator"
        mp.setattr(type(catalog.task(task)), "engine_items_per_second", lambda self, data: 1000.0)
        assert main(["run", task, "--model", "msm", "--config", "tiny", "--out", str(base / "run"), "--quiet"]) == 0
    return base / "leaderboards"
