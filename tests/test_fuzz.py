"""Property-based fuzzing of what users hand to mdbench: manifests, submission files, command lines.

Each generated bad input must give a one-line error and a non-zero exit (or, through the Python
API, an :class:`~mdbench.core.errors.MdbenchError`) — never a traceback, never a silent success.
About 1 200 inputs in the default tier (derandomised, so a failure reproduces), plus 290 for issue 22:
tampered finished shards, structure edits of a split, hostile HDF5 objects in submissions (links,
external or virtual storage, oversized declarations) and resealed leaderboard edits (counts printed
with `pytest -s`).
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
from helpers import interrupted_four_well_tiny
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


# --- issue 22: wrong data that verifies, scores a submission controls, resealed boards -------------------
#: examples that ran, per family (printed at the end of the module: `pytest -s tests/test_fuzz.py`)
CASES: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _case_counts():
    yield
    if CASES:
        print("\nfuzz cases by family (issue 22): " + ", ".join(f"{k} {v}" for k, v in CASES.items()))


def _count(family: str) -> None:
    CASES[family] = CASES.get(family, 0) + 1


def _rewrite(path: Path, change) -> None:
    with xr.open_dataset(path, engine="netcdf4") as ds:
        ds = ds.load()
    ds = change(ds)
    path.unlink()
    ds.to_netcdf(path, engine="netcdf4")


@pytest.fixture(scope="module")
def finished_shards(tiny_four_well, tmp_path_factory):
    """The two finished shards of a four-well/tiny generation killed on its third, with their keys."""
    spec = catalog.dataset("four-well")
    cfg = spec.config("tiny")
    with pytest.MonkeyPatch.context() as mp:
        directory = interrupted_four_well_tiny(tmp_path_factory.mktemp("fuzz-shards"), mp)
    by_file = {f"{s.split}-{s.index:05d}.nc": s for s in spec.shards(cfg)}
    files = {p.name: (p, by_file[p.name]) for p in sorted(directory.glob("*.nc"))}
    return files, store._shard_key(spec, cfg)


@st.composite
def shard_edits(draw):
    kind = draw(st.sampled_from(["bytes", "value", "attribute", "dims", "other shard", "dtype"]))
    return kind, draw(st.sampled_from(["train-00000.nc", "val-00000.nc"])), draw(st.randoms(use_true_random=False))


@fuzz(100)
@given(case=shard_edits())
def test_a_tampered_finished_shard_is_never_reused(finished_shards, tmp_path, case):
    """Random byte, array, attribute, dimension and dtype edits, and another shard's file: a finished shard
    whose content changed is made again (byte edits that leave the decoded content untouched may be reused)."""
    files, key = finished_shards
    kind, name, rnd = case
    source, shard = files[name]
    raw = source.read_bytes()
    path = tmp_path / name
    path.write_bytes(files["val-00000.nc" if name == "train-00000.nc" else "train-00000.nc"][0].read_bytes()
                     if kind == "other shard" else raw)
    original = store._read_shard(path) if kind == "bytes" else None
    if kind == "bytes":
        data = bytearray(raw)
        for _ in range(rnd.randint(1, 4)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        path.write_bytes(bytes(data))
    elif kind == "value":
        def nudge(ds):
            x = ds["x"].values.copy()
            i = rnd.randrange(x.size)
            x.flat[i] = np.nextafter(x.flat[i], np.float32(np.inf) if rnd.random() < 0.5 else np.float32(-np.inf))
            return ds.assign(x=(ds["x"].dims, x, ds["x"].attrs))
        _rewrite(path, nudge)
    elif kind == "attribute":
        def relabel(ds):
            target = ds["x"].attrs if rnd.random() < 0.5 else ds.attrs
            free = [k for k in target if not str(k).startswith("mdbench_shard")] or ["units"]
            target[rnd.choice(free)] = f"edited-{rnd.randrange(10**6)}"
            return ds
        _rewrite(path, relabel)
    elif kind == "dims":
        _rewrite(path, lambda ds: ds.rename_dims({rnd.choice(list(ds["x"].dims)): f"d{rnd.randrange(100)}"}))
    elif kind == "dtype":
        _rewrite(path, lambda ds: ds.assign(x=ds["x"].astype(rnd.choice([np.float64, np.int32]))))
    note(f"{kind} edit of {name}")
    reused = store._finished_shard(path, key, shard)
    if kind == "bytes" and reused is not None:  # the decoded shard must be exactly the original
        again = store._read_shard(path)
        assert store.content_hash(again) == store.content_hash(original)
        assert store.structure(again) == store.structure(original)
    else:
        assert reused is None
    _count("shard tampering")


@pytest.fixture(scope="module")
def ising_copy(tiny_ising, session_home, tmp_path_factory):
    """A private copy of ising/tiny whose train split each example rewrites (and restores)."""
    relative = Path("ising", catalog.dataset("ising").version, "tiny")
    home = tmp_path_factory.mktemp("fuzz-split")
    shutil.copytree(session_home / relative, home / relative)
    path = home / relative / "train.nc"
    shutil.copyfile(path, home / "train.nc.orig")
    return home, path, home / "train.nc.orig"


@st.composite
def split_edits(draw):
    """One change to the structure of ising/tiny's train split that leaves every array's bytes alone, or
    nearly (a dim renamed or swapped, a variable turned coordinate or dropped or renamed, a transposed or
    retyped array, an extra axis or variable)."""
    kind = draw(st.sampled_from(["rename dim", "swap lattice dims", "transpose", "to coordinate", "drop",
                                 "rename variable", "dtype", "expand", "extra variable"]))
    variable = draw(st.sampled_from(["spins", "temperature", "energy", "magnetisation", "tau_int_energy",
                                     "sampling_interval"]))
    new_name = draw(st.sampled_from(["frame", "config", "z", "replica", "sample2"]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int16, np.int64]))
    return kind, variable, new_name, dtype


def _apply_split_edit(ds: xr.Dataset, kind, variable, new_name, dtype) -> xr.Dataset:
    var = ds[variable]
    if kind == "rename dim":
        return ds.assign({variable: ((new_name, *var.dims[1:]), var.values, var.attrs)})
    if kind == "swap lattice dims":
        spins = ds["spins"]
        return ds.assign(spins=(("sample", "x", "y"), spins.values, spins.attrs))
    if kind == "transpose":
        return ds.assign(spins=ds["spins"].transpose("sample", "x", "y"))
    if kind == "to coordinate":
        return ds.set_coords(variable)
    if kind == "drop":
        return ds.drop_vars(variable if variable != "spins" else "sample")
    if kind == "rename variable":
        return ds.rename({variable: f"{variable}_{new_name}"})
    if kind == "dtype":
        return ds.assign({variable: var.astype(dtype)})
    if kind == "expand":
        return ds.assign({variable: var.expand_dims(new_name)})
    return ds.assign({f"extra_{new_name}": var})


@fuzz(60)
@given(edit=split_edits())
def test_dimension_and_coordinate_edits_of_a_split_never_load(ising_copy, edit, monkeypatch):
    home, path, original = ising_copy
    kind, variable, new_name, dtype = edit
    shutil.copyfile(original, path)
    with xr.open_dataset(path, engine="netcdf4") as ds:
        if kind == "dtype" and ds[variable].dtype == dtype:
            dtype = np.int16  # a dtype it does not have
    _rewrite(path, lambda ds: _apply_split_edit(ds, kind, variable, new_name, dtype))
    note(f"{kind} of {variable} ({new_name}, {np.dtype(dtype)})")
    monkeypatch.setenv("MDBENCH_HOME", str(home))
    with pytest.raises(MdbenchError):
        mdbench.load("ising", "tiny", "train")
    _count("split dimension/coordinate edits")


@pytest.fixture(scope="module")
def valid_submission(tiny_four_well, tmp_path_factory):
    """A valid four-well/tiny submission (persistence) and the held-out test split a forger would aim at."""
    from helpers import fit_predict, task_data
    from mdbench.benchmark.submission import write_submission

    task, data = task_data(TASK)
    path = tmp_path_factory.mktemp("fuzz-sub") / "persistence.nc"
    write_submission(fit_predict(task, data, "persistence"), path, task=TASK, model="persistence",
                     code="x.py", config="tiny", seed=0)
    test_split = store.dataset_dir(task.spec, "tiny") / "test.nc"
    return path, test_split


@st.composite
def hostile_objects(draw):
    kind = draw(st.sampled_from(["external link", "soft link", "external storage", "virtual", "oversized"]))
    where = draw(st.lists(st.sampled_from(["g", "h", "deep"]), max_size=2))  # [] = the root group
    name = draw(st.sampled_from(["x", "stolen", "time", "extra"]) | st.text("abcxyz_", min_size=1, max_size=6))
    target = draw(st.sampled_from(["test split", "/etc/passwd", "/dev/zero", "missing", "itself"]))
    size = draw(st.integers(1, 4096))
    excess = draw(st.integers(1, 10**10))
    ndim = draw(st.sampled_from([1, 2]))
    return kind, where, name, target, size, excess, ndim


@fuzz(100)
@given(case=hostile_objects())
def test_links_external_storage_and_oversized_declarations_are_refused(valid_submission, tmp_path, case, capsys):
    import h5py

    from mdbench.benchmark.submission import MAX_ELEMENTS

    valid, test_split = valid_submission
    kind, where, name, target, size, excess, ndim = case
    path = tmp_path / "hostile.nc"
    path.write_bytes(valid.read_bytes())
    target_file = {"test split": str(test_split), "missing": str(tmp_path / "nope.nc"),
                   "itself": str(path)}.get(target, target)
    with h5py.File(path, "r+") as f:
        group = f
        for g in where:
            group = group.require_group(g)
        if name in group:
            del group[name]  # the contract variable itself replaced by the hostile object
        if kind == "external link":
            group[name] = h5py.ExternalLink(target_file, "/x")
        elif kind == "soft link":
            group[name] = h5py.SoftLink("/x" if target == "itself" else f"/{target.strip('/') or 'x'}")
        elif kind == "external storage":
            group.create_dataset(name, shape=(size,), dtype="f8", external=[(target_file, 0, size * 8)])
        elif kind == "virtual":
            layout = h5py.VirtualLayout(shape=(size,), dtype="f4")
            layout[:] = h5py.VirtualSource(target_file, "x", shape=(size,))
            group.create_virtual_dataset(name, layout, fillvalue=0)
        else:
            n = MAX_ELEMENTS + excess
            shape = (n,) if ndim == 1 else (2, n // 2 + 1)
            group.create_dataset(name, shape=shape, dtype="f8", chunks=(1,) * (ndim - 1) + (1 << 20,),
                                 compression="gzip")
    note(f"{kind} {'/'.join([*where, name])} -> {target}")
    capsys.readouterr()
    _one_line(main(["score", TASK, str(path)]), capsys.readouterr().err)
    _count("submission links/external storage/oversized")


# Entry fields that are provenance and re-checked by nothing (date, mdbench_version, training, code, device) are
# not fuzzed here; every other field is, and timing metrics only outside the factor-2 band `--timing` allows.


@st.composite
def entry_edits(draw, entries: list[dict]):
    """One field of one entry changed (the forger then recomputes the entry hash, the board manifest and the
    table)."""
    from mdbench.benchmark.retime import BAND

    i = draw(st.integers(0, len(entries) - 1))
    entry = entries[i]
    info = catalog.task(TASK).info_by_name()
    field = draw(st.sampled_from(["metric value", "metric stderr", "metric n", "timing metric", "drop metric",
                                  "model", "config", "seed", "role", "dataset_sha256", "dataset_version", "command",
                                  "predictions of another entry"]))
    if field.startswith("metric"):
        name = draw(st.sampled_from(sorted(m for m in entry["metrics"] if not info[m].timing)))
        key = {"metric value": "value", "metric stderr": "stderr", "metric n": "n"}[field]
        old = entry["metrics"][name].get(key)
        if key == "n":
            new = draw(st.integers(1, 10**6).filter(lambda n: n != old))
        else:
            new = draw(st.floats(-1e6, 1e6, allow_nan=False).filter(
                lambda v: not isinstance(old, (int, float)) or not np.isclose(v, old, rtol=1e-3, atol=1e-9)))
        return i, ("metrics", name, key), new
    if field == "timing metric":
        name = draw(st.sampled_from(sorted(m for m in entry["metrics"] if info[m].timing)))
        factor = draw(st.floats(BAND * 1.01, 1e4) | st.floats(1e-4, 1 / (BAND * 1.01)))
        old = entry["metrics"][name]["value"]
        return i, ("metrics", name, "value"), (old * factor if isinstance(old, float) else factor)
    if field == "drop metric":
        return i, ("metrics", draw(st.sampled_from(sorted(entry["metrics"])))), None
    if field == "predictions of another entry":
        other = draw(st.sampled_from([e for e in entries if e is not entry]))
        return i, ("predictions",), dict(other["predictions"])
    choices = {"model": st.sampled_from(["mdn", "persistence", "msm2", "exact-propagator"]),
               "config": st.sampled_from(["small", "full"]),
               "seed": st.integers(0, 10**6),
               "role": st.sampled_from(["model", "static reference", "physics reference", "data reference"]),
               "dataset_sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
               "dataset_version": st.sampled_from(["0.9.0", "1.0.1", "2.0.0"]),
               "command": st.sampled_from(["mdbench run four-well/propagator --model mdn --config tiny --seed 0",
                                           "mdbench run four-well/propagator --model msm --config small --seed 3"])}
    new = draw(choices[field].filter(lambda v: v != entry[field]))
    return i, (field,), new


def _all_checks(directory: Path) -> None:
    """--check, --rescore and --rescore --timing (against the recording's 1000 frames/s), in that order."""
    from mdbench.benchmark import leaderboard
    from mdbench.benchmark.retime import rescore_timing

    leaderboard.check(directory, TASK)
    leaderboard.rescore(directory, TASK)
    rescore_timing(directory, TASK, runs=1)


@fuzz(30)
@given(data=st.data())
def test_resealed_board_edits_are_caught(tiny_four_well_board, tmp_path_factory, data, monkeypatch):
    from mdbench.benchmark import leaderboard

    monkeypatch.setattr(type(catalog.task(TASK)), "engine_items_per_second", lambda self, data: 1000.0)
    directory = tmp_path_factory.mktemp("board")
    shutil.copytree(tiny_four_well_board, directory, dirs_exist_ok=True)
    path = leaderboard.path_for(TASK, directory)
    board = json.loads(path.read_text())
    i, place, new = data.draw(entry_edits(board["entries"]))
    note(f"entries/{i}/{'/'.join(place)} = {new!r}")
    parent = board["entries"][i]
    for key in place[:-1]:
        parent = parent[key]
    if new is None:
        del parent[place[-1]]
    else:
        parent[place[-1]] = new
    for entry in board["entries"]:
        entry["sha256"] = leaderboard.entry_hash(entry)
    board["entries_sha256"] = leaderboard.entries_hash(board["entries"])
    path.write_text(json.dumps(board, indent=1, ensure_ascii=False) + "\n")
    try:
        leaderboard.write_table(catalog.task(TASK), directory)  # the forger re-renders the table too
    except MdbenchError:
        pass  # a board that cannot even be rendered is caught below
    with pytest.raises(MdbenchError):
        _all_checks(directory)
    _count("resealed leaderboard edits")


def test_an_untouched_fuzz_board_passes_every_check(tiny_four_well_board, tmp_path, monkeypatch):
    """The family above is not vacuous: the board it edits passes all three checks as recorded."""
    monkeypatch.setattr(type(catalog.task(TASK)), "engine_items_per_second", lambda self, data: 1000.0)
    shutil.copytree(tiny_four_well_board, tmp_path / "board")
    _all_checks(tmp_path / "board")
