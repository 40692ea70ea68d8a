"""Run independent shards serially, on a local dask.distributed cluster, or on a remote one.

Shards are pure functions of their arguments (the seed is part of the shard), so the three modes
give bit-identical results; only the wall time differs.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from tqdm.auto import tqdm


def run_shards(
    fn: Callable[..., Any],
    args: Sequence[tuple],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    desc: str = "shards",
) -> list[Any]:
    """Return ``[fn(*a) for a in args]``, in order, computed serially or with dask.distributed.

    Parameters
    ----------
    workers
        Start a local cluster with this many single-threaded worker processes (``None`` or 1:
        run in this process).
    scheduler
        Connect to an existing scheduler instead (``tcp://host:port``).
    """
    if scheduler is None and (workers is None or workers <= 1):
        return [fn(*a) for a in tqdm(args, desc=desc, unit="shard", disable=not progress)]

    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    client = Client(scheduler or cluster)
    try:
        futures = [client.submit(fn, *a, pure=False) for a in args]
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        with tqdm(total=len(futures), desc=desc, unit="shard", disable=not progress) as bar:
            for future in as_completed(futures):
                results[index[future.key]] = future.result()
                bar.update()
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
