"""workers: the same work over every core, results in input order whatever the number of processes.

Workers are separate processes (forkserver where there is one: nothing of the parent's state is
inherited but what `initializer` sets up); each job and each result should be small, since both
are pickled. A library caller with workers > 1 needs the usual `if __name__ == "__main__":` guard.
"""
from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

PR_SET_PDEATHSIG = 1      # <linux/prctl.h>
TEMP_PREFIX = "progress_xl-pid"


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
        context.set_forkserver_preload(sorted({fn.__module__, getattr(initializer, "__module__", fn.__module__),
                                               "progress_xl.deathsig"}))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_orphan_proof,
                             initargs=(initializer, tuple(initargs))) as pool:
        with _process_temp():
            results = pool.map(fn, jobs, chunksize=chunk)     # submits every job: the processes start here
        yield from results


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux for SIGKILL when the parent process dies (prctl's parent-death signal; nothing to
    do elsewhere). Only for the pool's own processes: never call it in a program's main process.
    `parent` is the pid the caller was forked by, when known: a parent that died before the signal
    was asked for is caught too."""
    if sys.platform.startswith("linux"):
        parent = parent or os.getppid()
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:      # the parent died before the signal was asked for
            os._exit(1)


def _orphan_proof(initializer, initargs) -> None:
    """In each worker: die with the forkserver that forked it, then the caller's initializer."""
    server = sys.modules.get("progress_xl.deathsig")
    die_with_parent(getattr(server, "SERVER", None))
    if initializer:
        initializer(*initargs)


@contextlib.contextmanager
def _process_temp():
    """multiprocessing keeps a folder (`pymp-*`, the forkserver's socket) in the temp folder; a
    killed run cannot remove it. Put it in `progress_xl-pid<N>`, and remove those of dead runs."""
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"{TEMP_PREFIX}*"):
        pid = old.name[len(TEMP_PREFIX):]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    mine = base / f"{TEMP_PREFIX}{os.getpid()}"
    mine.mkdir(exist_ok=True)
    previous, tempfile.tempdir = tempfile.tempdir, str(mine)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
