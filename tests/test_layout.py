"""The layout: a lazy catalog, systems as plug-ins, and an install that works outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path


from mdbench import catalog

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "openmm", "MDAnalysis")


def _cli(*args: str, env: dict, cwd: Path, python: str = sys.executable) -> subprocess.CompletedProcess:
    proc = subprocess.run([python, "-m", "mdbench.cli", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"mdbench {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_loading_a_dataset_imports_no_heavy_engine(tiny_four_well, session_home):
    code = ("import sys, mdbench; mdbench.load('four-well', config='tiny'); "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "MDBENCH_HOME": str(session_home)},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_every_declaration_resolves_and_every_task_has_both_references():
    for name in catalog.dataset_names():
        assert catalog.dataset(name).name == name
    for name in catalog.task_names():
        task = catalog.task(name)
        assert task.name == name and task.primary_metric in task.info_by_name()
        roles = {m.role for m in catalog.references(name)}
        assert {"static reference", "physics reference"} <= roles, name
        for entry in catalog.models(name).values():
            assert (REPO / entry.code).is_file(), entry.code  # the source file the leaderboard records


def _install(source: Path, target: Path, *extra: str) -> None:
    """``pip install`` of ``source`` (copied first, so no build debris lands in the checkout)."""
    build = target.parent / f"src-{source.name}"
    shutil.copytree(source, build, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "runs"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    *extra, str(build)], check=True, capture_output=True, timeout=600)


def test_a_third_party_system_plugs_in_through_the_entry_point_group(tmp_path):
    site = tmp_path / "site"
    _install(REPO / "tests" / "toy_system", site, "--target", str(site))
    env = {**os.environ, "PYTHONPATH": str(site), "MDBENCH_HOME": str(tmp_path / "home"),
           "MDBENCH_LEADERBOARDS": str(tmp_path / "boards")}
    assert "toy-ar1/next" in _cli("list", env=env, cwd=tmp_path).stdout
    _cli("data", "generate", "toy-ar1", "--config", "tiny", "--quiet", env=env, cwd=tmp_path)
    loaded = subprocess.run([sys.executable, "-c", "import mdbench; print(mdbench.load('toy-ar1').sizes['time'])"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "2000"
    _cli("run", "toy-ar1/next", "--model", "lstsq", "--out", "run", "--quiet", env=env, cwd=tmp_path)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    mse = {name: e["metrics"]["mse"]["value"] for name, e in results["entries"].items()}
    assert mse["exact-mean"] < mse["persistence"] and mse["lstsq"] < mse["persistence"]
    scored = _cli("score", "toy-ar1/next", "run/predictions/lstsq.nc", env=env, cwd=tmp_path).stdout
    assert f"{mse['lstsq']:.4g}" in scored
    table = _cli("leaderboard", "toy-ar1/next", env=env, cwd=tmp_path).stdout
    assert "| **lstsq** | model |" in table and "| exact-mean | physics reference |" in table


def test_a_non_editable_install_works_from_another_directory(tmp_path):
    """``pip install .`` into a fresh environment (dependencies borrowed from this one, not re-installed)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _install(REPO, venv, "--prefix", str(venv), "--ignore-installed")  # never touch this environment
    before = sorted(p.relative_to(venv) for p in venv.rglob("*") if "__pycache__" not in p.parts)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MDBENCH_LEADERBOARDS", "PYTHONPATH")}
    env["MDBENCH_HOME"] = str(tmp_path / "home")
    where = subprocess.run([python, "-c", "import mdbench; print(mdbench.__file__)"], env=env, cwd=work,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site)), where
    assert "four-well/propagator" in _cli("list", env=env, cwd=work, python=python).stdout
    _cli("data", "generate", "four-well", "--config", "tiny", "--quiet", env=env, cwd=work, python=python)
    _cli("run", "four-well/propagator", "--model", "msm", "--config", "tiny", "--out", "run", "--quiet",
         env=env, cwd=work, python=python)
    assert (work / "runs" / "leaderboards" / "four-well__propagator.json").is_file()
    _cli("score", "four-well/propagator", "run/predictions/msm.nc", env=env, cwd=work, python=python)
    committed = _cli("leaderboard", "four-well/propagator", "--config", "small", env=env, cwd=work, python=python)
    assert "| **mdn** | model |" in committed.stdout  # the committed leaderboards travel with the install
    after = sorted(p.relative_to(venv) for p in venv.rglob("*") if "__pycache__" not in p.parts)
    assert after == before  # nothing was written into the installation
    proc = subprocess.run([python, "-m", "mdbench.cli", "run", "four-well/propagator", "--model", "msm",
                           "--config", "tiny", "--record"], env=env, cwd=work, capture_output=True, text=True)
    assert proc.returncode == 2 and "source checkout" in proc.stderr
