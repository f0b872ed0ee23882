"""Atomic writes (a temp file beside the target, fsync, then os.replace), the small JSON files
beside the data, and the list of input files."""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

#: lock path -> [open file, depth]: a lock is re-entrant within one process (a one-command month
#: runs collect and consolidate together), exclusive between processes.
_HELD: dict[str, list] = {}


def input_files(inputs) -> list[tuple[Path, str]]:
    """(path, name) of the files given and of every file inside the folders given (sorted, hidden
    files skipped); a file in a folder is named by its path inside it, so names stay distinct."""
    out: list[tuple[Path, str]] = []
    for p in map(Path, inputs):
        if p.is_dir():
            out.extend((x, x.relative_to(p).as_posix()) for x in sorted(p.rglob("*")) if x.is_file() and not any(
                part.startswith(".") for part in x.relative_to(p).parts))
        else:
            out.append((p, p.name))
    return out


def read_json(path: Path) -> dict:
    """A JSON object from `path`; {} when it is missing, unreadable or not an object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data) -> None:
    """Readable (Thai as text), stable (sorted keys) and atomic."""
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))


@contextlib.contextmanager
def atomic_write(target: Path, mode: str = "wb"):
    """Yield a file object; the target appears whole or not at all."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.fchmod(fd, 0o666 & ~_umask())        # as open() would make it (mkstemp makes 0600)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        cause = exc if isinstance(exc, OSError) else exc.__cause__ or exc.__context__
        if isinstance(cause, OSError) and cause.errno and (cause is not exc or exc.filename is None):
            # a write deep in a library (xlsxwriter wraps it in its FileCreateError): name the target
            raise OSError(cause.errno, cause.strerror or os.strerror(cause.errno), cause.filename or str(target)) from None
        raise


@contextlib.contextmanager
def exclusive(lock_path: Path, refuse: Callable[[], BaseException], *, wait: float = 0.0) -> Iterator[None]:
    """Hold an advisory lock on `lock_path` (created if missing) for the block.

    Re-entrant within this process; another process holding it makes this wait up to `wait`
    seconds, then raise `refuse()` (an exception naming what is busy). The lock goes with the
    process, so a killed run leaves nothing to clean: the file stays, the lock does not."""
    key = os.path.abspath(lock_path)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path, "a+")       # a folder in its place raises IsADirectoryError: the CLI says so
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    if exc.errno in (errno.EAGAIN, errno.EACCES):
                        raise refuse() from None
                    raise
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        _HELD[key] = [fh, 1]
        try:
            yield
        finally:
            del _HELD[key]
    finally:
        fh.close()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
