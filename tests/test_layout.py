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
            if entry.code.startswith(("mdbench/", "baselines/")):  # not an installed plug-in's
                assert (REPO / entry.code).is_file(), entry.code  # the source file the leaderboard records


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan): every import circle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_the_import_graph_has_no_circle():
    """lint-imports checks the layers but cannot see a circle inside one layer; this sees every one,
    lazy (function-level) imports included."""
    import grimp

    graph = grimp.build_graph("mdbench", "baselines", include_external_packages=False)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]  # it finds one


def _install(source: Path, target: Path, *extra: str) -> None:
    """``pip install`` of ``source`` (copied first, so no build debris lands in the checkout)."""
    build = target.parent / f"src-{source.name}"
    shutil.copytree(source, build, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "runs"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    *extra, str(build)], check=True, capture_output=True, timeout=600)


def _plug_in(tmp_path: Path) -> tuple[Path, dict]:
    """The example plug-in as a developer has it: its source tree (first on the path, so its package
    resolves there, as with ``pip install -e``) and its installed metadata (the entry point)."""
    source = tmp_path / "toy_system"
    shutil.copytree(REPO / "tests" / "toy_system", source)
    site = tmp_path / "site"
    _install(source, site, "--target", str(site))
    env = {**os.environ, "PYTHONPATH": f"{source}{os.pathsep}{site}", "MDBENCH_HOME": str(tmp_path / "home")}
    env.pop("MDBENCH_LEADERBOARDS", None)
    return source, env


def test_a_third_party_system_plugs_in_through_the_entry_point_group(tmp_path):
    """The out-of-tree example: check-system, generate, run, leaderboard, --record into its own tree,
    --check and --rescore, with no edit of mdbench."""
    source, env = _plug_in(tmp_path)
    assert "toy-ar1/next" in _cli("list", env=env, cwd=tmp_path).stdout
    checked = _cli("check-system", "toy-ar1", env=env, cwd=tmp_path).stdout
    assert "ok  card of toy-ar1" in checked and "ok  round trip of toy-ar1/next: config tiny" in checked
    loaded = subprocess.run([sys.executable, "-c", "import mdbench; print(mdbench.load('toy-ar1').sizes['time'])"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "2000"
    _cli("run", "toy-ar1/next", "--model", "lstsq", "--out", "run", "--quiet", env=env, cwd=tmp_path)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    mse = {name: e["metrics"]["mse"]["value"] for name, e in results["entries"].items()}
    assert mse["exact-mean"] < mse["persistence"] and mse["lstsq"] < mse["persistence"]
    scored = _cli("score", "toy-ar1/next", "run/predictions/lstsq.nc", env=env, cwd=tmp_path).stdout
    assert f"{mse['lstsq']:.4g}" in scored
    table = _cli("leaderboard", "toy-ar1/next", env=env, cwd=tmp_path).stdout  # the run's own board
    assert "| **lstsq** | model |" in table and "| exact-mean | physics reference |" in table
    assert "runs/leaderboards/toy-ar1__next.json" in table

    _cli("run", "toy-ar1/next", "--model", "lstsq", "--record", "--out", "run2", "--quiet", env=env, cwd=tmp_path)
    board = source / "toy_system" / "leaderboards" / "toy-ar1__next.json"
    assert board.is_file() and (board.parent / "predictions" / "toy-ar1__next" / "tiny" / "lstsq__seed0.nc").is_file()
    assert not (REPO / "mdbench" / "systems" / "toy_system").exists()
    assert "toy-ar1__next.json: 3 entries ok" in _cli("leaderboard", "--check", env=env, cwd=tmp_path).stdout
    rescored = _cli("leaderboard", "--rescore", "toy-ar1/next", env=env, cwd=tmp_path).stdout
    assert rescored.count("metrics reproduced") == 3


def test_mdbench_own_checks_still_pass_with_the_plug_in_installed(tmp_path):
    """Installing a plug-in must not break mdbench's own tests (they once assumed every system was built in)."""
    _, env = _plug_in(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                           str(REPO / "tests" / "test_data_cards.py"),
                           f"{REPO / 'tests' / 'test_layout.py'}::test_every_declaration_resolves_and_every_task_has_both_references",
                           "-k", "not round_trip"], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_a_name_two_packages_declare_is_a_one_line_error(tmp_path):
    source, env = _plug_in(tmp_path)
    init = source / "toy_system" / "__init__.py"
    init.write_text(init.read_text().replace('"toy-ar1": "toy_system.ar1:DATASET"', '"four-well": "toy_system.ar1:DATASET"'))
    proc = subprocess.run([sys.executable, "-m", "mdbench.cli", "list"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "dataset 'four-well' is declared by both mdbench.systems.four_well and toy_system" in proc.stderr


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
    assert "| **msm** | model |" in _cli("leaderboard", "four-well/propagator", env=env, cwd=work, python=python).stdout
    committed = _cli("leaderboard", "four-well/propagator", "--config", "small", "--committed", env=env, cwd=work,
                     python=python)
    assert "| **mdn** | model |" in committed.stdout  # the committed leaderboards travel with the install
    # installed ≡ checkout: the board checks, the contract, the data card and generation record all come from
    # the package data (predictions and figures travel with the boards)
    check = _cli("leaderboard", "--check", env=env, cwd=work, python=python).stdout
    installed_board = site / "mdbench" / "systems" / "four_well" / "leaderboards" / "four-well__propagator.json"
    n_entries = len(json.loads(installed_board.read_text())["entries"])
    assert f"four-well__propagator.json: {n_entries} entries ok" in check and "ising__energy.json:" in check, check
    _cli("data", "generate", "four-well", "--config", "small", "--quiet", env=env, cwd=work, python=python)
    rescored = _cli("leaderboard", "--rescore", "four-well/propagator", env=env, cwd=work, python=python).stdout
    assert rescored.count("metrics reproduced") == n_entries, rescored
    info = _cli("data", "info", "four-well", "--config", "tiny", env=env, cwd=work, python=python).stdout
    assert str(site) in info and "four-well__tiny.json" in info, info
    assert "transition_density_error" in _cli("task", "show", "four-well/propagator", env=env, cwd=work,
                                              python=python).stdout
    after = sorted(p.relative_to(venv) for p in venv.rglob("*") if "__pycache__" not in p.parts)
    assert after == before  # nothing was written into the installation
    proc = subprocess.run([python, "-m", "mdbench.cli", "run", "four-well/propagator", "--model", "msm",
                           "--config", "tiny", "--record"], env=env, cwd=work, capture_output=True, text=True)
    assert proc.returncode == 2 and "installed copy" in proc.stderr
