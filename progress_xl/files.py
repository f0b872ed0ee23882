"""Atomic writes: a temp file beside the target, fsync, then os.replace."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def input_files(inputs) -> list[tuple[Path, str]]:
    """(path, name) of the files given and of every file inside the folders given (sorted, hidden
    files skipped); a file in a folder is named by its path inside it, so names stay distinct."""
    out = []
    for p in map(Path, inputs):
        if p.is_dir():
            out.extend((x, x.relative_to(p).as_posix()) for x in sorted(p.rglob("*")) if x.is_file() and not any(
                part.startswith(".") for part in x.relative_to(p).parts))
        else:
            out.append((p, p.name))
    return out


@contextlib.contextmanager
def atomic_write(target: Path, mode: str = "wb"):
    """Yield a file object; the target appears whole or not at all."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
