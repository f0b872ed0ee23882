"""faults: what the machine says (an OSError, an SQLite error, a bug of ours) as one catalogue line.

Files people send are judged by the reader (F codes, the sender's to fix). Everything here is the
moment's or ours: the disk, permissions, a folder in a file's place, a damaged ledger, an error in
progress_xl itself. The CLI turns each into one Thai/English line naming the path (no exception
names, no traceback); our own errors leave their detail in `progress_xl.log`.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import tempfile
import traceback
from pathlib import Path

from .issues import Issue, issue

LOG_NAME = "progress_xl.log"
_ACTIONS = {"th": "เข้าถึง", "en": "use"}


def os_issue(exc: OSError, path: Path | str | None = None) -> Issue:
    """One line for an operating-system or storage fault, naming the path it hit."""
    where = str(exc.filename if exc.filename is not None else path if path is not None else "?")
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return issue("O001", file=where, path=where)
    if code == errno.EROFS:
        return issue("O008", file=where, path=where)
    if code in (errno.EACCES, errno.EPERM):
        return issue("O002", file=where, path=where, action_th=_ACTIONS["th"], action_en=_ACTIONS["en"])
    if code == errno.ENOTDIR:
        blocker = _file_in_the_way(Path(where))
        return issue("O003", file=str(blocker), path=str(blocker))
    if code == errno.EISDIR:
        return issue("O004", file=where, path=where)
    if code == errno.ENOENT:
        return issue("O005", file=where, path=where)
    reason = exc.strerror or (os.strerror(code) if code else "")
    return issue("O006", file=where, path=where, reason=reason)


def _file_in_the_way(path: Path) -> Path:
    """The nearest ancestor of `path` that is a file (what makes ENOTDIR), else `path` itself."""
    for parent in [path, *path.parents]:
        if parent.is_file():
            return parent
    return path


def log_internal(folder: Path | None, what: str, detail: str) -> str:
    """Append the detail of an error of ours to `folder/progress_xl.log` (else the current folder,
    else the temp folder); return the log's path as the line should name it."""
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    text = f"--- {stamp} {what}\n{detail.rstrip()}\n"
    for base in [folder, Path.cwd(), Path(tempfile.gettempdir())]:
        if base is None:
            continue
        target = Path(base) / LOG_NAME
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as fh:
                fh.write(text)
            return str(target)
        except OSError:
            continue
    return LOG_NAME


def current_traceback() -> str:
    return traceback.format_exc()
