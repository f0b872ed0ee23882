"""workers: the same work over every core, results in input order whatever the number of processes.

Workers are separate processes (forkserver where there is one: nothing of the parent's state is
inherited but what `initializer` sets up); each job and each result should be small, since both
are pickled. A library caller with workers > 1 needs the usual `if __name__ == "__main__":` guard.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor


def cores() -> int:
    """The cores this process may run on (a container's limit, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def ordered_map(fn: Callable, jobs: list, workers: int, *, initializer: Callable | None = None,
                initargs: Iterable = ()) -> Iterator:
    """fn(job) for every job, in order; in this process when one worker is asked for or the jobs are
    too few to pay for a pool."""
    if workers <= 1 or len(jobs) < 4 * workers:
        if initializer:
            initializer(*initargs)
        yield from map(fn, jobs)
        return
    chunk = max(1, min(16, len(jobs) // (workers * 4)))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:     # the server imports the work's modules once; each worker forks with them
        context.set_forkserver_preload(sorted({fn.__module__, getattr(initializer, "__module__", fn.__module__)}))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=tuple(initargs)) as pool:
        yield from pool.map(fn, jobs, chunksize=chunk)
