"""Run independent shards serially, on a local dask.distributed cluster, or on a remote one.

Shards are pure functions of their arguments (the seed is part of the shard), so the three modes
give bit-identical results; only the wall time differs.  The functions run here return small
records (the shard writes its own data, see :mod:`mdbench.data.store`), so nothing large travels
through the scheduler.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Sequence

from tqdm.auto import tqdm

from mdbench.core.errors import MdbenchError

#: seconds to wait for a dask scheduler before giving up with a one-line error
CONNECT_TIMEOUT = 10


def run_shards(
    fn: Callable[..., Any],
    args: Sequence[tuple],
    *,
    weights: Sequence[float] | None = None,
    unit: str = "shard",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | str = True,
    desc: str = "shards",
) -> list[Any]:
    """Return ``[fn(*a) for a in args]``, in order, computed serially or with dask.distributed.

    Parameters
    ----------
    weights
        Work of each call in ``unit`` (e.g. integrator steps): the progress bar counts it, so its
        rate is the engine's throughput and its ETA is honest when shards differ in size.
    workers
        Start a local cluster with this many single-threaded worker processes (``None`` or 1:
        run in this process).
    scheduler
        Connect to an existing scheduler instead (``tcp://host:port``).
    progress
        ``True``: a progress bar; ``"lines"``: no bar, one line on stdout per finished shard (the CLI's
        ``--quiet``: a long generation still shows that it is alive); ``False``: silent.
    """
    if workers is not None and workers < 1:
        raise MdbenchError(f"--workers must be a positive number of processes, not {workers}")
    weights = list(weights) if weights is not None else [1.0] * len(args)
    bar = tqdm(total=sum(weights), desc=desc, unit=unit, unit_scale=True, disable=not progress or progress == "lines",
               postfix={"shards": f"0/{len(args)}"})
    line = _Lines(desc, unit, len(args)) if progress == "lines" else None
    try:
        if scheduler is None and (workers is None or workers == 1):
            results = []
            for i, (a, w) in enumerate(zip(args, weights)):
                results.append(fn(*a))
                _finished(bar, line, i, i + 1, len(args), w)
            return results
        return _run_dask(fn, args, weights, workers, scheduler, bar, line)
    finally:
        bar.close()


class _Lines:
    """One line per finished shard (``progress="lines"``)."""

    def __init__(self, desc: str, unit: str, total: int):
        self.desc, self.unit, self.total, self.start = desc, unit, total, time.perf_counter()

    def __call__(self, index: int, done: int, work: float) -> None:
        print(f"{self.desc}: shard {index + 1} finished ({work:g} {self.unit}), {done}/{self.total} done, "
              f"{time.perf_counter() - self.start:.1f} s", file=sys.stdout, flush=True)


def _finished(bar, line: _Lines | None, index: int, done: int, total: int, work: float) -> None:
    bar.update(work)
    bar.set_postfix(shards=f"{done}/{total}")
    if line is not None:
        line(index, done, work)


def _unreachable(scheduler: str, why: str) -> MdbenchError:
    return MdbenchError(f"cannot reach the dask scheduler at {scheduler!r} ({why}); start one with "
                        "`dask scheduler` or drop --scheduler")


def _run_dask(fn, args, weights, workers, scheduler, bar, line) -> list[Any]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise MdbenchError("--workers and --scheduler run shards on dask.distributed, which is not installed; "
                           "pip install 'mdbench[dask]'") from None

    if scheduler is not None:  # a malformed address is refused before any client (and its threads) exists
        try:
            protocol, location = parse_address(scheduler)
            if protocol != "inproc":  # in-process clusters (tests, notebooks) have no host:port
                parse_host_port(location)
        except (ValueError, TypeError) as err:
            raise _unreachable(scheduler, f"not an address: {err}") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        client = Client(scheduler or cluster, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        if cluster is not None:
            cluster.close()
        raise _unreachable(scheduler, f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'no answer'}") \
            from None
    try:
        futures = [client.submit(fn, *a, pure=False) for a in args]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, future in enumerate(as_completed(futures), start=1):
            i = index[future.key]
            results[i] = future.result()
            _finished(bar, line, i, done, len(args), weights[i])
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
