"""Run independent shards serially, on a local dask.distributed cluster, or on a remote one.

Shards are pure functions of their arguments (the seed is part of the shard), so the three modes
give bit-identical results; only the wall time differs.  The functions run here return small
records (the shard writes its own data, see :mod:`mdbench.data.store`), so nothing large travels
through the scheduler.
"""

from __future__ import annotations

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
    progress: bool = True,
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
    """
    if workers is not None and workers < 1:
        raise MdbenchError(f"--workers must be a positive number of processes, not {workers}")
    weights = list(weights) if weights is not None else [1.0] * len(args)
    bar = tqdm(total=sum(weights), desc=desc, unit=unit, unit_scale=True, disable=not progress,
               postfix={"shards": f"0/{len(args)}"})
    try:
        if scheduler is None and (workers is None or workers == 1):
            results = []
            for i, (a, w) in enumerate(zip(args, weights)):
                results.append(fn(*a))
                bar.update(w)
                bar.set_postfix(shards=f"{i + 1}/{len(args)}")
            return results
        return _run_dask(fn, args, weights, workers, scheduler, bar)
    finally:
        bar.close()


def _unreachable(scheduler: str, why: str) -> MdbenchError:
    return MdbenchError(f"cannot reach the dask scheduler at {scheduler!r} ({why}); start one with "
                        "`dask scheduler` or drop --scheduler")


def _run_dask(fn, args, weights, workers, scheduler, bar) -> list[Any]:
    from dask.distributed import Client, LocalCluster, as_completed
    from distributed.comm.addressing import parse_address, parse_host_port

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
            bar.update(weights[i])
            bar.set_postfix(shards=f"{done}/{len(args)}")
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
