"""Shared fixtures: every test session gets its own dataset cache and leaderboard directory."""

from __future__ import annotations

import pytest

import mdbench


@pytest.fixture(scope="session")
def session_home(tmp_path_factory):
    return tmp_path_factory.mktemp("mdbench_home")


@pytest.fixture(autouse=True)
def isolated_store(session_home, tmp_path, monkeypatch):
    """Datasets go to a per-session cache; leaderboards to a per-test directory (never the repo's)."""
    monkeypatch.setenv("MDBENCH_HOME", str(session_home))
    monkeypatch.setenv("MDBENCH_LEADERBOARDS", str(tmp_path / "leaderboards"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def tiny_four_well(session_home):
    """The tiny four-well dataset, generated once per session."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MDBENCH_HOME", str(session_home))
    mdbench.generate("four-well", "tiny", progress=False)
    yield "four-well", "tiny"
    mp.undo()


@pytest.fixture(scope="session")
def tiny_trpcage(session_home):
    """The tiny trpcage-like dataset (≈ 20 s of OpenMM), generated once per session."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MDBENCH_HOME", str(session_home))
    mdbench.generate("trpcage-like", "tiny", progress=False)
    yield "trpcage-like", "tiny"
    mp.undo()
