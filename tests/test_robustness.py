"""Issue 23: full disks, read-only homes, damaged inputs and busy machines end in one clean line.

A full disk is simulated with a file-size limit (``RLIMIT_FSIZE``, what ``ulimit -f`` sets) in a subprocess:
writes past it fail with EFBIG (Python ignores SIGXFSZ), and HDF5 reports them as "NetCDF: HDF error", as
on a really full filesystem.  A read-only home cannot be made with ``chmod`` (the tests may run as root,
whom permissions do not stop) nor with a read-only mount (no root mounts here): ``os.open`` and
``os.mkdir`` are made to fail with EROFS/EACCES under the home, which is how the kernel answers the lock
file, the first thing a generation creates.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import mdbench
from mdbench import catalog
from mdbench.benchmark import cores
from mdbench.benchmark.submission import write_submission
from mdbench.cli import main
from mdbench.core.atomic import WriteError, atomic_output, write_errors, write_text_atomic
from mdbench.core.errors import DatasetCorruptError, MdbenchError
from mdbench.data import store
from mdbench.systems.ising.physics import _metropolis_sweep, _new_stream, _tables, _wolff_update

TASK = "four-well/propagator"
CLI = [sys.executable, "-m", "mdbench.cli"]


def _one_line(text: str) -> str:
    err = text.strip()
    assert err.startswith("mdbench: error: ") and "\n" not in err and "Traceback" not in text, text
    return err


def _one_line_error(capsys, code: int) -> str:
    captured = capsys.readouterr()
    assert code == 2, captured
    return _one_line(captured.err)


def _hashes(directory: Path) -> dict[str, str]:
    return {k: v["sha256"] for k, v in json.loads((directory / "manifest.json").read_text())["splits"].items()}


# --- 1. a full disk ------------------------------------------------------------------------------
def _with_file_size_limit(limit: int):
    def limit_writes():  # in the child, before exec: writes past `limit` bytes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_writes


def _cli_on_a_full_disk(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + args, capture_output=True, text=True, cwd=cwd, env=dict(os.environ),
                          preexec_fn=_with_file_size_limit(20_000), timeout=300)


def test_generate_on_a_full_disk_is_one_line_and_keeps_the_old_dataset(private_copy, tmp_path):
    before = _hashes(private_copy)
    done = _cli_on_a_full_disk(["data", "generate", "four-well", "--config", "tiny", "--force", "--quiet"], tmp_path)
    assert done.returncode == 2, done.stderr
    err = _one_line(done.stderr)
    assert "no room to write" in err and str(private_copy) in err and "MDBENCH_HOME=" in err
    assert not list(private_copy.parent.glob(".tmp-*"))  # the partial assembly is gone at once
    assert _hashes(private_copy) == before
    assert set(store.verify(catalog.dataset("four-well"), "tiny", quiet=True).values()) == set(before.values())


def test_sheets_under_a_small_file_size_limit_is_one_line_before_mpi_starts(tmp_path):
    """mpich's start-up writes shared-memory files of a few MiB: under `ulimit -f 1024` it killed the whole
    process (rc 143, no Python error, before any work); now the limit is refused in one line first."""
    done = subprocess.run(CLI + ["data", "generate", "sheets", "--config", "tiny", "--quiet"], capture_output=True,
                          text=True, cwd=tmp_path, env={**os.environ, "MDBENCH_HOME": str(tmp_path / "home")},
                          preexec_fn=_with_file_size_limit(2**20), timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    err = _one_line(done.stderr.splitlines()[-1])
    assert "ulimit -f: 1024 KiB" in err and "ulimit -f unlimited" in err, err


def test_export_on_a_full_disk_leaves_no_partial_output(private_copy, tmp_path):
    out = tmp_path / "hf"
    done = _cli_on_a_full_disk(["data", "export", "four-well", "--config", "tiny", "--split", "train", "--out",
                                str(out)], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "no room to write" in _one_line(done.stderr.splitlines()[-1])
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".hf")]


def test_an_export_replaces_an_earlier_one_whole(private_copy, tmp_path, capsys):
    out = tmp_path / "hf"
    out.mkdir()
    (out / "stale.arrow").write_bytes(b"")
    assert main(["data", "export", "four-well", "--config", "tiny", "--split", "val", "--out", str(out)]) == 0
    assert "stale.arrow" not in os.listdir(out) and (out / "dataset_info.json").is_file()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES])
def test_write_failures_become_one_line_naming_the_path(tmp_path, code):
    target = tmp_path / "board.json"
    with pytest.raises(WriteError) as err:
        with write_errors(target):
            raise OSError(code, os.strerror(code), str(target))
    assert str(target) in str(err.value) and "\n" not in str(err.value)
    assert err.value.full == (code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT))
    with pytest.raises(WriteError, match="HDF error.*probably full.*choose another home"):
        with write_errors(target, full_fix="choose another home"):
            raise RuntimeError("NetCDF: HDF error")
    with pytest.raises(FileNotFoundError):  # not a full or unwritable place: left alone
        with write_errors(target):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(target))


def test_a_failed_atomic_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "board.json"
    target.write_text("old")

    def full(self, text, *args, **kwargs):
        Path.write_bytes(self, text[:3].encode())  # a partial write, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(WriteError, match="no room to write"):
        write_text_atomic(target, "new content")
    monkeypatch.undo()
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["board.json"]
    with pytest.raises(ValueError), atomic_output(target) as tmp:
        tmp.write_text("x")
        raise ValueError
    assert os.listdir(tmp_path) == ["board.json"]


# --- 2. a read-only home -------------------------------------------------------------------------
@pytest.fixture
def read_only_home(monkeypatch):
    """``$MDBENCH_HOME`` (the current one) answers every write with ``read_only_home.errno``."""
    home = Path(os.environ["MDBENCH_HOME"]).resolve()
    state = {"errno": errno.EROFS}
    real_open, real_mkdir = os.open, os.mkdir
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def inside(path) -> bool:
        return Path(os.path.abspath(os.fspath(path))).is_relative_to(home)

    def fake_open(path, flags, *args, **kwargs):
        if flags & writing and inside(path):
            raise OSError(state["errno"], os.strerror(state["errno"]), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if inside(path):
            if os.path.exists(path):  # the kernel says EEXIST before EROFS
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(path))
            raise OSError(state["errno"], os.strerror(state["errno"]), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    return state


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
@pytest.mark.parametrize("case", [["--force"], ["--config", "small"], ["--config", "prinz"]])
def test_generate_in_a_read_only_home_is_one_line(private_copy, read_only_home, code, case, capsys):
    read_only_home["errno"] = code
    args = ["data", "generate", "four-well", "--quiet", *(["--config", "tiny"] if case == ["--force"] else []), *case]
    err = _one_line_error(capsys, main(args))
    assert "not writable" in err and "MDBENCH_HOME=/a/writable/dir mdbench data generate four-well" in err, err
    assert os.environ["MDBENCH_HOME"] in err


def test_generate_of_a_verified_dataset_in_a_read_only_home_needs_no_write(private_copy, read_only_home, capsys):
    assert main(["data", "generate", "four-well", "--config", "tiny", "--quiet"]) == 0
    assert "four-well/tiny v" in capsys.readouterr().out


def test_import_into_a_read_only_home_is_one_line(tmp_path, monkeypatch, request, capsys):
    top, traj = _own_md(tmp_path)
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    request.getfixturevalue("read_only_home")
    err = _one_line_error(capsys, main(["data", "import", str(top), str(traj), "--name", "my-md",
                                        "--histories", "1,5", "--leads", "1,5"]))
    assert "not writable" in err and "MDBENCH_HOME=/a/writable/dir mdbench data" in err


def _own_md(tmp_path: Path, frames: int = 120) -> tuple[Path, Path]:
    import MDAnalysis as mda

    walk = np.cumsum(np.random.default_rng(0).normal(scale=0.3, size=(frames, 6, 3)), axis=0).astype(np.float32)
    u = mda.Universe.empty(6, trajectory=True)
    u.add_TopologyAttr("name", ["CA"] * 5 + ["CB"])
    u.add_TopologyAttr("resname", ["ALA"])
    u.add_TopologyAttr("element", ["C"] * 6)
    u.load_new(walk[:1])
    u.dimensions = [50, 50, 50, 90, 90, 90]
    with warnings.catch_warnings():  # MDAnalysis's notes on the fields a PDB leaves at their defaults
        warnings.simplefilter("ignore")
        u.atoms.write(tmp_path / "top.pdb")
        u.load_new(walk, dt=0.01)
        with mda.Writer(str(tmp_path / "traj.dcd"), n_atoms=6) as w:
            for _ in u.trajectory:
                w.write(u.atoms)
    return tmp_path / "top.pdb", tmp_path / "traj.dcd"


# --- 3. damaged inputs ---------------------------------------------------------------------------
def test_a_split_file_that_is_a_symlink_loop_is_one_line_and_generate_repairs_it(private_copy, capsys):
    before = _hashes(private_copy)
    (private_copy / "val.nc").unlink()
    (private_copy / "val.nc").symlink_to("val.nc")
    err = _one_line_error(capsys, main(["data", "verify", "four-well", "--config", "tiny"]))
    assert "symlink loop" in err
    with pytest.raises(DatasetCorruptError, match="symlink loop"):
        mdbench.load("four-well", "tiny", "train")
    assert main(["data", "generate", "four-well", "--config", "tiny", "--quiet"]) == 0  # no --force needed
    assert _hashes(private_copy) == before and not (private_copy / "val.nc").is_symlink()
    assert main(["data", "verify", "four-well", "--config", "tiny"]) == 0


def test_a_dangling_symlink_is_called_dangling(private_copy, tmp_path, capsys):
    (private_copy / "val.nc").unlink()
    (private_copy / "val.nc").symlink_to(tmp_path / "gone.nc")
    err = _one_line_error(capsys, main(["data", "verify", "four-well", "--config", "tiny"]))
    assert "dangling symlink" in err and "outside" not in err
    (private_copy / "val.nc").unlink()
    (private_copy / "val.nc").symlink_to(private_copy / "train.nc")  # inside: a hash mismatch, not a symlink one
    (tmp_path / "elsewhere.nc").write_bytes((private_copy / "test.nc").read_bytes())
    (private_copy / "test.nc").unlink()
    (private_copy / "test.nc").symlink_to(tmp_path / "elsewhere.nc")
    err = _one_line_error(capsys, main(["data", "verify", "four-well", "--config", "tiny"]))
    assert "is a symlink to" in err and "outside its directory" in err


def test_repair_hints_keep_force_inside_the_backticks(private_copy, capsys):
    (private_copy / "train.nc").write_bytes((private_copy / "test.nc").read_bytes())  # same sizes, other content
    err = _one_line_error(capsys, main(["data", "verify", "four-well", "--config", "tiny"]))
    assert "`mdbench data generate four-well --config tiny --force`" in err and "` --force" not in err


DEEP = "[" * 100_000 + "]" * 100_000


def test_a_manifest_nested_too_deep_is_one_line_and_generate_repairs_it(private_copy, capsys):
    before = _hashes(private_copy)
    (private_copy / "manifest.json").write_text(DEEP)
    assert "RecursionError" in _one_line_error(capsys, main(["data", "verify", "four-well", "--config", "tiny"]))
    with pytest.raises(DatasetCorruptError):
        mdbench.load("four-well", "tiny", "train")
    assert main(["data", "generate", "four-well", "--config", "tiny", "--quiet"]) == 0
    assert _hashes(private_copy) == before


@pytest.mark.parametrize("args", [["leaderboard", "--check"], ["leaderboard", "--rescore"], ["leaderboard", TASK],
                                  ["leaderboard", "--render", TASK]])
def test_a_leaderboard_nested_too_deep_is_one_line(args, capsys):
    from mdbench.benchmark import leaderboard

    path = leaderboard.path_for(TASK)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEEP)
    assert "nested too deep" in _one_line_error(capsys, main(args))


_IMPORT_CASES = textwrap.dedent("""
    import sys
    from mdbench.cli import main
    top, good = sys.argv[1], sys.argv[2]
    cases = {"empty": [sys.argv[3]], "text": [sys.argv[4]], "header": [sys.argv[5]],
             "selection": [good, "--selection", "name CA and ("]}
    for case, extra in cases.items():
        print(f"=== {case}", file=sys.stderr, flush=True)
        code = main(["data", "import", top, extra[0], "--name", "my-md", "--histories", "1,5", "--leads", "1,5",
                     *extra[1:]])
        print(f"=== rc {code}", file=sys.stderr, flush=True)
""")


def test_importer_refusals_are_one_line_without_mdanalysis_noise(tmp_path, monkeypatch):
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    top, traj = _own_md(tmp_path)
    (tmp_path / "empty.dcd").write_bytes(b"")
    (tmp_path / "text.dcd").write_text("this is not a trajectory\n" * 20)
    (tmp_path / "header.dcd").write_bytes(traj.read_bytes()[:276])  # the header, no frame
    script = tmp_path / "cases.py"
    script.write_text(_IMPORT_CASES)
    done = subprocess.run([sys.executable, str(script), str(top), str(traj), *(str(tmp_path / f"{n}.dcd") for n in
                                                                               ("empty", "text", "header"))],
                          capture_output=True, text=True, env=dict(os.environ), timeout=300)
    blocks = done.stderr.split("=== ")[1:]
    assert len(blocks) == 8, done.stderr
    for case, rc in zip(blocks[::2], blocks[1::2]):
        name, _, text = case.partition("\n")
        assert rc.startswith("rc 2"), (name, done.stderr)
        err = _one_line(text)  # no warnings, no "Exception ignored in ... __del__"
        if name == "selection":
            assert "--selection 'name CA and (' is not an MDAnalysis selection" in err
        else:
            assert "cannot be read with topology" in err
    assert not (tmp_path / "home" / "imports").exists()  # nothing registered


def test_run_refuses_an_unwritable_leaderboard_or_run_directory_before_any_work(monkeypatch, capsys, tmp_path):
    import mdbench.benchmark.run as run_module

    def no_work(*args, **kwargs):
        raise AssertionError("trained before checking its outputs")

    monkeypatch.setattr(run_module, "run", no_work)
    base = ["run", TASK, "--model", "msm", "--config", "tiny"]
    err = _one_line_error(capsys, main(base + ["--leaderboard-dir", "/dev/null/x"]))
    assert "--leaderboard-dir /dev/null/x: /dev/null is not a directory" in err
    err = _one_line_error(capsys, main(base + ["--out", "/dev/null/run"]))
    assert "--out /dev/null/run: /dev/null is not a directory" in err
    (tmp_path / "file").write_text("")
    assert "is not a directory" in _one_line_error(capsys, main(base + ["--leaderboard-dir", str(tmp_path / "file")]))


# --- 4. quiet, warnings, pickles -----------------------------------------------------------------
def test_quiet_generation_passes_no_progress_down_to_the_channel_dns(tmp_path, monkeypatch):
    from mdbench.systems.channel import run as channel_run
    from mdbench.systems.channel.dataset import CHANNEL

    seen = []

    class Stop(Exception):
        pass

    def flow_at(config, step, *, device="cpu", progress=True):
        seen.append(progress)
        raise Stop

    monkeypatch.setattr(channel_run, "flow_at", flow_at)
    cfg = CHANNEL.config("tiny")
    shard = CHANNEL.shards(cfg)[0]
    for progress in (False, True):
        with pytest.raises(Stop):
            store.produce_shard(CHANNEL, cfg, shard, str(tmp_path / "s.nc"), "key", progress)
    assert seen == [False, True]
    passed = []

    def no_shards(fn, args, **kwargs):  # what generate hands each shard: --quiet's "lines" is no engine bar
        passed.extend(a[-1] for a in args)
        raise Stop

    monkeypatch.setattr(store, "run_shards", no_shards)
    monkeypatch.setenv("MDBENCH_HOME", str(tmp_path / "home"))
    for progress in ("lines", False, True):
        with pytest.raises(Stop):
            store.generate(CHANNEL, "tiny", progress=progress)
    assert passed[0] is False and set(passed) == {False, True} and passed[-1] is True


def test_extreme_but_finite_predictions_score_without_numpy_warnings(tiny_ising, tmp_path):
    task = catalog.task("ising/energy")
    cfg = task.spec.config("tiny")
    variables, coords = {}, {}
    for v in task.contract(cfg).variables:
        shape = [v.sizes[d] for d in v.dims]
        values = np.full(shape, 1e200)
        values.flat[::2] = -1e200
        variables[v.name] = (v.dims, values, {"units": v.units})
        coords.update({d: np.arange(n) for d, n in v.sizes.items()})
    path = write_submission(xr.Dataset(variables, coords=coords), tmp_path / "sub.nc", task=task.name, model="m",
                            code="c", config="tiny", seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["score", task.name, str(path)]) == 0
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_sheets_weights_load_tensors_only(tmp_path, monkeypatch):
    import torch

    from baselines.sheets import scale

    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"w": _Evil()}))
    with pytest.raises(MdbenchError, match="not a plain torch state dict"):
        scale.load_weights(evil)
    calls = []
    real = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    good = tmp_path / "good.pt"
    torch.save({"w": torch.zeros(2)}, good)
    assert set(scale.load_weights(good)) == {"w"} and calls[-1].get("weights_only") is True


# --- 5. thread choice ----------------------------------------------------------------------------
def _cgroup(tmp_path: Path, own: str, limits: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for path, text in limits.items():
        (root / path).mkdir(parents=True, exist_ok=True)
        (root / path / "cpu.max").write_text(text + "\n")
    proc = tmp_path / "proc-cgroup"
    proc.write_text(f"4:memory:/elsewhere\n0::{own}\n")
    return root, proc


def test_cpu_max_parsing():
    assert cores.parse_cpu_max("max 100000") is None
    assert cores.parse_cpu_max("150000 100000") == 1.5
    assert cores.parse_cpu_max("garbage") is None and cores.parse_cpu_max("0 100000") is None


def test_usable_cores_follow_affinity_and_the_tightest_cgroup_quota(tmp_path):
    four = lambda pid: {0, 1, 2, 3}  # noqa: E731
    root, proc = _cgroup(tmp_path, "/a/b", {"": "max 100000", "a": "250000 100000", "a/b": "max 100000"})
    assert cores.usable_cores(affinity=four, cgroup_root=root, proc_cgroup=proc) == 3  # 2.5 cores, rounded up
    root, proc = _cgroup(tmp_path / "2", "/a/b", {"a": "300000 100000", "a/b": "100000 100000"})
    assert cores.usable_cores(affinity=four, cgroup_root=root, proc_cgroup=proc) == 1
    root, proc = _cgroup(tmp_path / "3", "/", {"": "max 100000"})
    assert cores.usable_cores(affinity=lambda pid: {5, 7}, cgroup_root=root, proc_cgroup=proc) == 2
    assert cores.usable_cores(affinity=four, cgroup_root=tmp_path / "none", proc_cgroup=tmp_path / "none") == 4
    (tmp_path / "v1").write_text("4:cpu:/x\n")  # cgroup v1 only: no v2 line, no quota read
    assert cores.cgroup_cores(root, tmp_path / "v1") is None


def test_training_threads_leave_busy_cores_alone(tmp_path):
    four = lambda pid: {0, 1, 2, 3}  # noqa: E731
    none = dict(cgroup_root=tmp_path / "none", proc_cgroup=tmp_path / "none")
    assert cores.training_threads({}, affinity=four, loadavg=lambda: (0.05, 0, 0), **none) == 4
    assert cores.training_threads({}, affinity=four, loadavg=lambda: (1.2, 0, 0), **none) == 3
    assert cores.training_threads({}, affinity=four, loadavg=lambda: (9.0, 0, 0), **none) == 1
    assert cores.training_threads({"OMP_NUM_THREADS": "6"}, affinity=four, loadavg=lambda: (9.0, 0, 0), **none) == 6
    assert cores.training_threads({"OMP_NUM_THREADS": "x"}, affinity=four, loadavg=lambda: (0.0, 0, 0), **none) == 4


def test_the_default_thread_count_is_not_the_machine_core_count(monkeypatch):
    from mdbench.benchmark import run as run_module

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0))  # one core busy with other work
    assert run_module._default_threads() == 1


# --- 6. the Ising sampler against a compiled yardstick -------------------------------------------
def _xorshift_sweeps(s, thresholds, n_sweeps, state):
    """The yardstick: the same checkerboard Metropolis, compiled, with the cheapest random stream (an inline
    xorshift64 and integer acceptance thresholds, one 32-bit draw per uphill move) — what a sampler that is
    free to choose its stream, and so to change every Ising dataset's hashes, would start from."""
    n = s.shape[0]
    last = n - 1
    x = state
    for _ in range(n_sweeps):
        for parity in range(2):
            for i in range(n):
                row, up, down = s[i], s[i - 1 if i > 0 else last], s[i + 1 if i < last else 0]
                for j in range((i + parity) % 2, n, 2):
                    k = row[j] * (up[j] + down[j] + (row[j - 1] if j > 0 else row[last]) + (row[j + 1] if j < last else row[0]))
                    if k > 0:
                        x ^= x << np.uint64(13)
                        x ^= x >> np.uint64(7)
                        x ^= x << np.uint64(17)
                        if (x >> np.uint64(32)) >= thresholds[k // 2]:
                            continue
                    row[j] = -row[j]
    return x


def _sampler_steps(s2, beta, n_steps, wolff, mt, buf, cur, stack):
    """``n_steps`` of the sampler's own sweep (and Wolff update), set up as ``physics._run`` sets them up."""
    n = s2.shape[0]
    s = s2.reshape(n * n)
    thresholds, p_add, prev, nxt = _tables(n, beta)
    flipped = 0
    for _ in range(n_steps):
        _metropolis_sweep(s, n, thresholds, prev, nxt, mt, buf, cur)
        if wolff:
            flipped += _wolff_update(s, n, p_add, prev, nxt, stack, mt, buf, cur)
    return flipped


@pytest.mark.benchmark(group="ising sampler")
def test_metropolis_sweep_against_a_compiled_yardstick(benchmark):
    """Process CPU time (not wall time: the machine may be shared) of the sampler's checkerboard Metropolis
    sweep, of whole MC steps (sweep + Wolff update), and of the compiled xorshift yardstick above, interleaved,
    median of five, on the 8×8 training lattice at T_c and the 128×128 one at T = 2.3 (both equilibrated).
    The sweep's time must be within 1.3× of the yardstick's: a ratio measured in this process, never an
    absolute rate.  Measured on a shared 2-core AMD EPYC (load 5–7; `pytest tests/test_robustness.py -k
    yardstick`, five runs): sweep 1.6–1.7×10⁸ (8×8) and 1.9–2.1×10⁸ (128×128) spin updates per CPU second,
    yardstick 1.7–1.8×10⁸ and 1.9×10⁸ (sweep/yardstick time 1.02–1.13 and 0.92–1.03; the previous sweep's
    was 2.2), whole MC steps 4.3–4.6×10⁷ and 1.3×10⁸ — the Wolff update is 73–74 % of a step at 8×8 near
    T_c (clusters of ≈ 40 of the 64 sites) and 32–39 % at 128×128.  The sampler's stream is numba's Mersenne Twister word for
    word (the committed Ising hashes), read from its own buffer; calling np.random.random() per site, as
    before, swept at 8.5×10⁷/s (the previous session's measurement on a loaded machine)."""
    import statistics
    import time

    import numba

    yardstick = numba.njit(_xorshift_sweeps)
    sampler = numba.njit(_sampler_steps)

    def cpu(fn) -> float:
        start = time.process_time()
        fn()
        return time.process_time() - start

    info, ratios = {}, {}
    for n, temperature in ((8, 2.269), (128, 2.3)):
        beta, n_sweeps = 1 / temperature, 2_000_000 // (n * n)
        thresholds = np.minimum(np.exp(-4.0 * beta * np.arange(5)) * 2.0**32, 2.0**32).astype(np.uint64)
        lattice = np.ones((n, n), dtype=np.int8)
        stream = _new_stream(0, n)
        sampler(lattice, beta, 500, True, *stream)  # compile, and equilibrate the lattice
        state = np.uint64(yardstick(lattice.copy(), thresholds, 1, np.uint64(88172645463325252)))  # not a Python int:
        # an int64 state would compile another, slower yardstick (mixed int64/uint64 arithmetic)
        times = {"metropolis": [], "mc_step": [], "yardstick": []}
        for _ in range(5):
            times["metropolis"].append(cpu(lambda: sampler(lattice, beta, n_sweeps, False, *stream)))
            times["mc_step"].append(cpu(lambda: sampler(lattice, beta, n_sweeps, True, *stream)))
            copy = lattice.copy()
            times["yardstick"].append(cpu(lambda: yardstick(copy, thresholds, n_sweeps, state)))
        med = {k: max(statistics.median(v), 1e-9) for k, v in times.items()}
        updates = n * n * n_sweeps
        ratios[n] = med["metropolis"] / med["yardstick"]
        info[f"L{n}"] = {
            "metropolis_spin_updates_per_cpu_second": updates / med["metropolis"],
            "mc_step_spin_updates_per_cpu_second": updates / med["mc_step"],
            "yardstick_spin_updates_per_cpu_second": updates / med["yardstick"],
            "wolff_share_of_an_mc_step": max(med["mc_step"] - med["metropolis"], 0.0) / med["mc_step"],
            "metropolis_time_over_yardstick_time": ratios[n],
        }
    lattice, stream = np.ones((128, 128), dtype=np.int8), _new_stream(1, 128)
    benchmark.pedantic(lambda: sampler(lattice, 1 / 2.3, 100, False, *stream), rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    # the sweep that keeps the committed stream is as fast as the cheapest compiled one, within noise
    # (measured 0.92–1.13; with np.random.random() per site it was 2.2)
    assert all(r < 1.3 for r in ratios.values()), info
