"""``mdbench leaderboard --reproduce TASK``: re-run the entries whose prediction files this machine lacks.

Some prediction files are too large to commit (RFMIP's gas optics: 171 MB per model; the Trp-cage-like
simulators' trajectories: 48 MB), so the recording machine kept them in its prediction store
(``$MDBENCH_HOME/predictions/``) and ``--rescore`` cannot read them anywhere else.  A prediction file can
never be re-made bit for bit (it carries the run's own timings, and a trained network's last bits follow the
CPU's kernels), so this re-runs each such entry on the same code path as ``mdbench run`` (same model, config
and seed, on a dataset with the recorded ``dataset_sha256``) and compares every non-timing metric with the
recorded one: equal to floating-point noise (as ``--rescore`` requires), or within :data:`TOLERANCE_SE`
combined standard errors (a retrained model on another CPU), or, for a metric without an error bar (a
percentile, a single-number fit), within a relative :data:`TOLERANCE_REL` of it; anything else fails.  Nothing is rewritten;
the re-run's prediction files stay in a run directory for inspection.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Callable

from mdbench import catalog
from mdbench.benchmark import leaderboard
from mdbench.core.errors import LeaderboardError
from mdbench.core.estimate import decode_number

#: a re-run metric further than this many combined standard errors from the recorded one fails
TOLERANCE_SE = 2.0
#: a re-run metric without an error bar further than this, relative, from the recorded one fails.  The RFMIP
#: MLP retrained on an AMD EPYC (recorded on another CPU) moved its 95th-percentile flux error, which has
#: no error bar, by 2.7e-6 relative: the last bits of a retrained network, 37× inside this tolerance.
TOLERANCE_REL = 1e-4


def _z(new: dict, old: dict) -> float:
    """|new − old| in units of its tolerance: combined standard errors ÷ :data:`TOLERANCE_SE`, or, without an
    error bar, the relative difference ÷ :data:`TOLERANCE_REL`.  A metric reproduces at ≤ 1."""
    a, b = decode_number(new.get("value")), decode_number(old.get("value"))
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return 0.0 if (a is None or math.isnan(a)) == (b is None or math.isnan(b)) else math.inf
    if a == b:
        return 0.0
    se = math.hypot(decode_number(new.get("stderr")) or 0.0, decode_number(old.get("stderr")) or 0.0)
    if se > 0:
        return abs(a - b) / se / TOLERANCE_SE
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale / TOLERANCE_REL if math.isfinite(scale) and scale > 0 else math.inf


def compare(task, new: dict[str, dict], recorded: dict[str, dict]) -> tuple[int, dict[str, float]]:
    """``(metrics equal to noise, {metric: distance in tolerances (see :func:`_z`)} of the others)`` over the
    non-timing metrics."""
    info = task.info_by_name()
    equal, moved = 0, {}
    for name, old in recorded.items():
        if name not in new or info[name].timing:
            continue
        if leaderboard.close(new[name], old):
            equal += 1
        else:
            moved[name] = _z(new[name], old) if new[name].get("n") == old.get("n") else math.inf
    return equal, moved


def reproduce(directory: Path | None = None, task_name: str | None = None, *, config: str | None = None,
              models: tuple[str, ...] = (), generate_missing: bool = False, progress: bool = False,
              out: Path | None = None, echo: Callable[[str], None] = lambda line: None) -> list[str]:
    """Re-run every entry of the board(s) whose prediction file is not on this machine (``config``, ``models``:
    only those), one line each; raises :class:`LeaderboardError`
    naming every entry that does not reproduce (a metric beyond :data:`TOLERANCE_SE`, a different n, a
    dataset that differs).  ``echo`` is called with each entry's line as soon as it is known (a re-run takes
    minutes per entry)."""
    import torch

    from mdbench.benchmark import run
    from mdbench.data import store

    out = Path(out or tempfile.mkdtemp(prefix="mdbench-reproduce-"))
    report, problems = [], []
    for task, path in leaderboard._boards(directory, task_name):
        data_cache = {}
        for entry in leaderboard.read(task, path.parent):
            where = f"{path.name}: {entry['model']} ({entry['config']}, seed {entry['seed']})"
            present = "predictions" in entry and leaderboard._prediction_path(entry, path.parent).is_file()
            if present or config not in (None, entry["config"]) or \
                    (models and entry["model"] not in models):
                continue
            if entry.get("origin") == "external":
                report.append(f"{where}: an outside submission, not re-run here (its code is not in mdbench)")
                echo(report[-1])
                continue
            cfg = task.spec.config(entry["config"])
            if cfg.name not in data_cache:
                data_cache[cfg.name] = store.load_task_data(task, cfg, generate_missing=generate_missing,
                                                            progress=progress)
            mismatch = leaderboard.dataset_mismatch(task, entry)
            if mismatch:
                problems.append(f"{where}: {mismatch}")
                echo(problems[-1])
                continue
            item = catalog.model(task.name, entry["model"])
            torch.manual_seed(entry["seed"])  # as `mdbench run` seeds before fitting
            start = time.perf_counter()
            _, rerun = run.fit_predict_score(task, item, data_cache[cfg.name], entry["seed"], None,
                                             out / f"{task.name.replace('/', '__')}__{entry['model']}__{cfg.name}",
                                             progress, device="cpu",  # on the recorded torch threads
                                             threads=entry.get("training", {}).get("threads") or run._default_threads())
            equal, moved = compare(task, rerun["metrics"], entry["metrics"])
            worst = max(moved.items(), key=lambda kv: kv[1], default=None)
            line = (f"{where}: re-run in {time.perf_counter() - start:.0f} s: {equal} metrics equal"
                    + (f", {len(moved)} moved (furthest {worst[0]}: {worst[1]:.2g}× its tolerance, "
                       f"recorded {entry['metrics'][worst[0]]['value']}, re-run {rerun['metrics'][worst[0]]['value']})"
                       if worst else ""))
            (problems if worst and worst[1] > 1 else report).append(line)
            echo(line)
    if problems:
        raise LeaderboardError(f"{len(problems)} entries do not reproduce within {TOLERANCE_SE:g} SE (relative "
                               f"{TOLERANCE_REL:g} without an error bar) "
                               f"(re-run files in {out}): " + " | ".join(problems))
    return report + [f"re-run prediction files: {out}"]
