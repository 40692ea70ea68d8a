"""Property-based fuzzing of what users hand to mdbench: manifests, submission files, command lines.

Each generated bad input must give a one-line error and a non-zero exit (or, through the Python
API, an :class:`~mdbench.core.errors.MdbenchError`) — never a traceback, never a silent success.
About 1 200 inputs in the default tier (derandomised, so a failure reproduces).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import mdbench
from mdbench import catalog
from mdbench.cli import main
from mdbench.core.errors import MdbenchError
from mdbench.data import store
from mdbench.data.windows import frames_at_lag

TASK = "four-well/propagator"
def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _one_line(code: int, err: str) -> None:
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mdbench: error: "), err


# --- manifests -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def damaged_store(generate_once, session_home):
    """A private copy of four-well/tiny whose manifest each example rewrites."""
    generate_once("four-well")
    home = Path(tempfile.mkdtemp(prefix="fuzz-home-"))
    relative = Path("four-well", catalog.dataset("four-well").version, "tiny")
    src, dst = session_home / relative, home / relative
    shutil.copytree(src, dst)
    yield home, dst, json.loads((dst / "manifest.json").read_text())
    shutil.rmtree(home, ignore_errors=True)


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON value."""
    yield prefix, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_manifests(draw, good: dict):
    """A real manifest with one place of what its hash covers deleted, retyped or replaced (its seal left
    as it was or redone), or its provenance garbled in type."""
    manifest = copy.deepcopy(good)
    places = [p for p, _ in _paths(manifest) if p and (p[0] in store.IDENTITY or p[0] == "sha256" or len(p) == 1)]
    # provenance (dates, versions, timings) is not under the hash: garbling its type must be refused,
    # a plausible other value may load
    identity = False
    place = draw(st.sampled_from(places))
    identity = place[0] in store.IDENTITY or place[0] == "sha256"
    parent = manifest
    for key in place[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["delete", "replace"]))
    if action == "delete" and isinstance(parent, dict):
        del parent[place[-1]]
    else:
        new = draw(json_values)
        if new == parent[place[-1]]:
            new = [new]
        parent[place[-1]] = new
    if draw(st.booleans()) and isinstance(manifest.get("sha256"), str):
        manifest["sha256"] = store.manifest_hash(manifest)  # re-sealed: the content must still be refused
    note(f"mutated {place}")
    return manifest, identity


def _load_refuses(home: Path) -> None:
    os.environ["MDBENCH_HOME"] = str(home)
    with pytest.raises(MdbenchError):
        mdbench.verify("four-well", "tiny")


@fuzz(400)
@given(data=st.data())
def test_mutated_manifests_are_refused(damaged_store, data):
    home, directory, good = damaged_store
    manifest, identity = data.draw(mutated_manifests(good))
    if manifest == good:
        return
    (directory / "manifest.json").write_text(json.dumps(manifest))
    os.environ["MDBENCH_HOME"] = str(home)
    if identity:
        with pytest.raises(MdbenchError):
            mdbench.verify("four-well", "tiny")
    else:
        try:
            mdbench.verify("four-well", "tiny")
        except MdbenchError:
            pass
        assert main(["data", "info", "four-well", "--config", "tiny"]) == 0  # describes it, never a traceback


@fuzz(150)
@given(value=json_values)
def test_arbitrary_json_manifests_are_refused(damaged_store, value):
    home, directory, _ = damaged_store
    (directory / "manifest.json").write_text(json.dumps(value))
    _load_refuses(home)


@fuzz(50)
@given(raw=st.binary(max_size=200))
def test_manifests_that_are_not_json_are_refused_on_the_command_line(damaged_store, raw, capsys):
    home, directory, _ = damaged_store
    (directory / "manifest.json").write_bytes(raw)
    os.environ["MDBENCH_HOME"] = str(home)
    code = main(["data", "verify", "four-well", "--config", "tiny"])
    _one_line(code, capsys.readouterr().err)


# --- submissions -----------------------------------------------------------------------------------
attr_values = (st.integers(-2**31, 2**31) | st.floats() | st.text(max_size=20)
               | st.lists(st.integers(0, 9), min_size=1, max_size=3).map(np.array))


@st.composite
def submissions(draw):
    n = frames_at_lag(catalog.task(TASK).spec.config("tiny"))
    attrs = {"task": TASK, "model": "fuzz", "code": "fuzz.py", "config": "tiny", "seed": 0}
    for key in draw(st.lists(st.sampled_from([*attrs, "items_per_second"]), max_size=3, unique=True)):
        if draw(st.booleans()) and key in attrs:
            del attrs[key]
        else:
            attrs[key] = draw(attr_values)
    length = draw(st.sampled_from([n, n - 1, n + 1, 0, 1]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int32]))
    name = draw(st.sampled_from(["x", "y", "X"]))
    dim = draw(st.sampled_from(["time", "frame"]))
    values = np.zeros(length, dtype=dtype)
    if length and draw(st.booleans()) and dtype != np.int32:
        values[draw(st.integers(0, length - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    units = draw(st.sampled_from(["1", "nm", ""]))
    ds = xr.Dataset({name: ((dim,), values, {"units": units} if units else {})}, attrs=attrs)
    expected = {"task": TASK, "model": "fuzz", "code": "fuzz.py", "config": "tiny", "seed": 0}
    valid = (all(type(attrs.get(k)) is type(v) and attrs[k] == v for k, v in expected.items()) and length == n
             and dtype != np.int32 and name == "x" and dim == "time" and np.isfinite(values).all() and units == "1")
    return ds, valid


@fuzz(300)
@given(case=submissions())
def test_malformed_submissions_get_one_line(tiny_four_well, tmp_path, case, capsys):
    ds, valid = case
    path = tmp_path / "fuzz.nc"
    ds.to_netcdf(path)
    code = main(["score", TASK, str(path)])
    captured = capsys.readouterr()
    if valid and "items_per_second" not in ds.attrs:
        assert code == 0, captured.err
    elif code != 0:
        _one_line(code, captured.err)


@fuzz(50)
@given(raw=st.binary(max_size=300))
def test_files_that_are_not_netcdf_get_one_line(tmp_path, raw, capsys):
    path = tmp_path / "junk.nc"
    path.write_bytes(raw)
    _one_line(main(["score", TASK, str(path)]), capsys.readouterr().err)


# --- command lines ---------------------------------------------------------------------------------
junk = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
names = st.sampled_from(["four-well", "ising", "nope", "four-well/propagator", "ising/energy"]) | junk
options = st.sampled_from(["--config", "--split", "--out", "--dir", "--model", "--seed", "--workers", "--platform",
                           "--device", "--json", "--format", "--check", "--rescore", "--force", "--scheduler"])


@st.composite
def command_lines(draw):
    """Commands that cannot succeed: unknown names, configs, options and values, missing files."""
    command = draw(st.sampled_from([
        ["data", "verify"], ["data", "info"], ["data", "export"], ["data", "generate"], ["score"], ["run"],
        ["leaderboard"], ["data"], [], ["data", "import"],
    ]))
    argv = list(command)
    tail = draw(st.lists(names | options | junk, max_size=5))
    if command in (["data", "generate"], ["run"]):  # never a valid dataset/task: nothing heavy runs
        argv.append(draw(st.sampled_from(["nope", "four-well-x", "ising/nope", ""]) | junk.map(lambda t: f"x{t}")))
    elif command == ["data", "import"]:
        argv += ["/nonexistent/top.pdb", "/nonexistent/traj.dcd", "--name", "fuzz"]
    elif command == ["score"]:
        argv += [draw(names), "/nonexistent/sub.nc"]
    elif command == ["leaderboard"]:
        argv += [draw(names), "--dir", "/nonexistent"]
    return argv + tail


@fuzz(250)
@given(argv=command_lines())
def test_bad_command_lines_get_one_line(tmp_path, argv, capsys, monkeypatch):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "empty-home"))
    code = main(argv)
    captured = capsys.readouterr()
    if code == 0:  # `data info` of a known name describes it; `--help` prints usage
        assert argv[:2] == ["data", "info"] or "--help" in argv or "-h" in argv, (argv, captured)
        return
    _one_line(code, captured.err)
