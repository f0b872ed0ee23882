"""The ledger: every file received and every value read, across months, in one SQLite file.

One row per distinct file (by sha256) in `submissions`, one per arrival in `receipts` (the same
bytes arriving again are a receipt, not a second submission), the values read with their
provenance in `submission_values`, the findings in `findings`. A run changes the ledger in one
transaction; a second run while one is going is refused (an advisory lock beside the file).
The schema version lives in `PRAGMA user_version`; MIGRATIONS bring an older ledger up to date.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from . import faults
from .files import exclusive
from .issues import ProgressXLError, issue
from .state import State

#: Each entry takes the ledger from version i to i + 1. Never edit one that shipped; append.
MIGRATIONS = (
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,                 -- as first received
        project_code TEXT,
        fiscal_year INTEGER,
        month INTEGER,                      -- the reporting month (report k) it was received for
        template_version INTEGER,
        source TEXT NOT NULL DEFAULT 'workbook',   -- or 'legacy' (imported print-outs)
        state TEXT NOT NULL,                -- accepted | has_issues | rejected | superseded
        reason_th TEXT, reason_en TEXT,     -- why it was rejected
        sender TEXT, received_at TEXT, message_id TEXT,
        superseded_by INTEGER REFERENCES submissions(id)
    );
    CREATE TABLE receipts (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        name TEXT NOT NULL,
        fiscal_year INTEGER, month INTEGER,
        UNIQUE (sha256, name, fiscal_year, month)
    );
    CREATE TABLE submission_values (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        report INTEGER NOT NULL,            -- 0 for a project field, else report k
        key TEXT NOT NULL,
        value TEXT,                         -- JSON
        raw TEXT,
        sheet TEXT, cell TEXT,
        notes TEXT,
        PRIMARY KEY (submission_id, report, key)
    );
    CREATE TABLE findings (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        seq INTEGER NOT NULL,
        code TEXT NOT NULL, severity TEXT NOT NULL,
        sheet TEXT, cell TEXT, value TEXT, th TEXT, en TEXT,
        PRIMARY KEY (submission_id, seq)
    );
    CREATE INDEX submissions_project ON submissions (project_code, fiscal_year, month);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def encode(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return json.dumps({"d": str(value)})
    if isinstance(value, dt.datetime):
        return json.dumps({"t": value.isoformat()})
    if isinstance(value, dt.date):
        return json.dumps({"date": value.isoformat()})
    if isinstance(value, float):
        return json.dumps({"d": repr(value)})
    return json.dumps(value, ensure_ascii=False)


def decode(text: str | None):
    if text is None:
        return None
    v = json.loads(text)
    if isinstance(v, dict):
        if "d" in v:
            return Decimal(v["d"])
        if "date" in v:
            return dt.date.fromisoformat(v["date"])
        if "t" in v:
            return dt.datetime.fromisoformat(v["t"])
    return v


def value_rows(sub) -> list[tuple]:
    """A Submission's values as ledger rows: (report, key, value, raw, sheet, cell, notes); report 0 = project."""
    def notes(v) -> str | None:
        lines = [f"[{n.code}] {n.th} / {n.en}" for n in v.notes]
        lines += [f"[{v.error.code}] {v.error.th} / {v.error.en}"] if v.error else []
        return "\n".join(lines) or None
    rows = [(0, key, v.value, v.raw, v.sheet, v.cell, notes(v)) for key, v in sorted(sub.project.items())]
    for k in sorted(sub.reports):
        rows += [(k, key, v.value, v.raw, v.sheet, v.cell, notes(v)) for key, v in sorted(sub.reports[k].items())
                 if v.raw is not None or v.value is not None]
    return rows


@dataclass(frozen=True)
class Stored:
    id: int
    sha256: str
    name: str
    project_code: str | None
    fiscal_year: int | None
    month: int | None
    template_version: int | None
    source: str
    state: str                  # accepted | has_issues | rejected | superseded | transient (read again)
    reason_th: str | None
    reason_en: str | None
    sender: str | None
    received_at: str | None
    message_id: str | None
    superseded_by: int | None


class Finding(NamedTuple):
    """One finding of a submission, as the ledger keeps it (the severity as its value: "error" ...)."""
    code: str
    severity: str
    sheet: str | None
    cell: str | None
    value: str | None
    th: str
    en: str


BACKUPS_KEPT = 3
_DAMAGED = ("not a database", "malformed", "disk image", "corrupt", "quick_check")


class Ledger:
    """The ledger at `path`. With `lock`, the run's lock is taken before the file is created or
    migrated (two first runs at once are safe); every open checks the file (`PRAGMA quick_check`).
    Every SQLite failure leaves as one ProgressXLError naming the file and what to do."""

    def __init__(self, path: Path, *, lock: bool = False):
        self.path = Path(path)
        self._lock: contextlib.AbstractContextManager[None] | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if lock:
            self.lock()
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)  # explicit transactions only
        except sqlite3.Error as exc:
            self._release()
            raise self.fault(exc) from None
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._check()
            self._migrate()
        except BaseException as exc:
            self.close()
            if isinstance(exc, sqlite3.Error):
                raise self.fault(exc) from None
            raise

    # -- lifecycle -----------------------------------------------------------------------------
    def _check(self) -> None:
        found = [r[0] for r in self.db.execute("PRAGMA quick_check")]
        if found != ["ok"]:
            raise sqlite3.DatabaseError(f"quick_check: {found[0]}"[:200])

    def _migrate(self) -> None:
        if self.db.execute("PRAGMA user_version").fetchone()[0] > SCHEMA_VERSION:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            raise ProgressXLError([issue("M002", file=self.path.name, version=version, known=SCHEMA_VERSION)])
        while (version := self.db.execute("PRAGMA user_version").fetchone()[0]) < SCHEMA_VERSION:
            with self.transaction():                  # DDL is transactional in SQLite
                if self.db.execute("PRAGMA user_version").fetchone()[0] != version:
                    continue                          # another process migrated it meanwhile
                for statement in (x.strip() for x in MIGRATIONS[version].split(";")):
                    if statement:
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={version + 1}")

    def fault(self, exc: sqlite3.Error) -> ProgressXLError:
        """An SQLite failure as one line: damaged (with the command that restores the last good
        copy), full, read-only or unreachable, busy."""
        text = str(exc)
        low = text.lower()
        if any(k in low for k in _DAMAGED):
            good = newest_backup(self.path)
            if good is None:
                return ProgressXLError([issue("M011", file=str(self.path), path=self.path, reason=text)])
            return ProgressXLError([issue("M010", file=str(self.path), path=self.path, reason=text,
                                          command=f"progress-xl restore-ledger {self.path}")])
        if "full" in low:
            return ProgressXLError([faults.os_issue(OSError(errno.ENOSPC, text), self.path)])
        if "readonly" in low or "read-only" in low or "unable to open" in low:
            return ProgressXLError([faults.os_issue(OSError(errno.EACCES, text), self.path)])
        if "locked" in low or "busy" in low:
            return ProgressXLError([issue("M001", file=self.path.name)])
        return ProgressXLError([issue("O006", file=str(self.path), path=self.path, reason=text)])

    @contextlib.contextmanager
    def transaction(self):
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self.fault(exc) from None
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:                # SQLite may have rolled back already (disk full)
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self.fault(exc) from None
            raise

    def lock(self) -> None:
        """Refuse a second run on this ledger while one is going (released when the process ends or
        the ledger is closed; re-entrant within one process)."""
        if self._lock is None:
            self._lock = exclusive(self.path.with_name(self.path.name + ".lock"),
                                   lambda: ProgressXLError([issue("M001", file=self.path.name)]))
            try:
                self._lock.__enter__()
            except BaseException:
                self._lock = None
                raise

    def backup(self) -> Path | None:
        """A good copy beside the ledger (SQLite's backup API), the last BACKUPS_KEPT kept; taken by
        a run before it writes, after the open's check passed."""
        if not self.db.execute("SELECT 1 FROM submissions LIMIT 1").fetchone():
            return None
        folder = backups_folder(self.path)
        folder.mkdir(exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{self.path.stem}-{stamp}.sqlite"
        tmp = target.with_name("." + target.name + ".tmp")
        try:
            with contextlib.closing(sqlite3.connect(tmp)) as copy:
                self.db.backup(copy)
            os.replace(tmp, target)
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            raise self.fault(exc) from None
        finally:
            tmp.unlink(missing_ok=True)
        for old in sorted(folder.glob(f"{self.path.stem}-*.sqlite"))[:-BACKUPS_KEPT]:
            old.unlink(missing_ok=True)
        return target

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

    def close(self) -> None:
        if hasattr(self, "db"):
            self.db.close()
        self._release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- queries -------------------------------------------------------------------------------
    def by_sha(self, sha256: str) -> Stored | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM submissions WHERE sha256=?", (sha256,)).fetchone()
        return Stored(*row) if row else None

    def submissions(self, fy: int, month: int | None = None) -> list[Stored]:
        sql = f"SELECT {_COLUMNS} FROM submissions WHERE fiscal_year=?"
        args: list = [fy]
        if month is not None:
            sql += " AND month=?"
            args.append(month)
        return [Stored(*r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def current(self, fy: int, month: int) -> dict[str, Stored]:
        """Project code -> the month's current submission (accepted or with issues; not superseded,
        not rejected, not waiting to be read again)."""
        return {s.project_code: s for s in self.submissions(fy, month)
                if s.state in (State.ACCEPTED, State.HAS_ISSUES) and s.project_code}

    def values(self, submission_id: int, report: int | None = None,
               every_report: tuple[str, ...] = ()) -> dict[int, dict[str, dict]]:
        """Report k -> key -> the value and where it was read (report 0: the project sheet). With `report`,
        that report's values and, of the others, only the keys `every_report` names."""
        query = "SELECT report, key, value, raw, sheet, cell, notes FROM submission_values WHERE submission_id=?"
        args: tuple[object, ...] = (submission_id,)
        if report is not None:
            query += f" AND (report=? OR key IN ({','.join('?' * len(every_report)) or 'NULL'}))"
            args += (report, *every_report)
        out: dict[int, dict[str, dict]] = {}
        for report, key, value, raw, sheet, cell, notes in self.db.execute(query, args):
            out.setdefault(report, {})[key] = {"value": decode(value), "raw": raw, "sheet": sheet, "cell": cell,
                                               "notes": notes}
        return out

    def findings(self, submission_id: int) -> list[Finding]:
        return [Finding(*row) for row in self.db.execute("SELECT code, severity, sheet, cell, value, th, en FROM "
                                                         "findings WHERE submission_id=? ORDER BY seq", (submission_id,))]

    def accepted_history(self, project_code: str, fy: int, before_month: int) -> dict[int, dict]:
        """Report k -> values, from the latest accepted submission of each earlier month."""
        rows = self.db.execute(
            "SELECT id, month FROM submissions WHERE project_code=? AND fiscal_year=? AND month<? AND state=? "
            "ORDER BY month, id", (project_code, fy, before_month, State.ACCEPTED.value)).fetchall()
        history: dict[int, dict] = {}
        for sid, month in rows:
            values = self.values(sid)
            for k, row in values.items():
                if k and k <= month and any(v["value"] is not None for v in row.values()):
                    history[k] = {key: v["value"] for key, v in row.items()}
        return history

    # -- across fiscal years (queries only) ------------------------------------------------------
    def accepted_across_years(self, project_code: str, fy: int, before_month: int) -> dict[int, dict]:
        """`accepted_history` of this year, and the whole previous fiscal year's under k - 12
        (0 = September of fy - 1, -1 = August ...): what validate needs to judge October."""
        history = {k - 12: values for k, values in self.accepted_history(project_code, fy - 1, 13).items()}
        history.update(self.accepted_history(project_code, fy, before_month))
        return history

    def last_accepted(self, project_code: str, fy: int) -> tuple[int, dict] | None:
        """(report k, values) of the latest accepted report of fiscal year `fy`: report 12, or the
        last month that was accepted; None when nothing of that year was."""
        history = self.accepted_history(project_code, fy, 13)
        return (max(history), history[max(history)]) if history else None

    def year_figures(self, project_code: str, fy: int) -> tuple[Decimal | None, Decimal, int]:
        """(latest accepted cumulative progress, money disbursed in the accepted reports, the number
        of those reports) of fiscal year `fy`."""
        history = self.accepted_history(project_code, fy, 13)
        progress = [_number(v.get("progress")) for _, v in sorted(history.items())]
        money = [_number(v.get("disbursed")) for v in history.values()]
        known = [p for p in progress if p is not None]
        return (known[-1] if known else None), sum((m for m in money if m is not None), Decimal(0)), len(history)

    def last_progress(self, project_code: str, up_to_fy: int) -> tuple[int, Decimal] | None:
        """(fiscal year, progress) of the latest accepted progress in `up_to_fy` or earlier."""
        years = self.db.execute("SELECT DISTINCT fiscal_year FROM submissions WHERE project_code=? AND "
                                "state=? AND fiscal_year<=? ORDER BY fiscal_year DESC",
                                (project_code, State.ACCEPTED.value, up_to_fy)).fetchall()
        for (fy,) in years:
            progress = self.year_figures(project_code, fy)[0]
            if progress is not None:
                return fy, progress
        return None

    # -- writes (inside a transaction) ---------------------------------------------------------
    def record_receipt(self, sha256: str, name: str, fy: int, month: int) -> None:
        self.db.execute("INSERT OR IGNORE INTO receipts (sha256, name, fiscal_year, month) VALUES (?,?,?,?)",
                        (sha256, name, fy, month))

    def record(self, *, sha256: str, name: str, project_code, fy, month, template_version, state,
               reason=None, sender=None, received_at=None, message_id=None, source="workbook",
               values=(), findings=()) -> int:
        """One file's verdict. A file whose earlier verdict was about the moment (transient: not
        found, out of time, an error of ours) is recorded afresh in its place."""
        self._forget_transient(sha256)
        cur = self.db.execute(
            "INSERT INTO submissions (sha256, name, project_code, fiscal_year, month, template_version, source, state,"
            " reason_th, reason_en, sender, received_at, message_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha256, name, project_code, fy, month, template_version, source, state,
             reason.th if reason else None, reason.en if reason else None, sender, received_at, message_id))
        sid = cur.lastrowid
        assert sid is not None                  # set by the INSERT just made
        self.db.executemany(
            "INSERT INTO submission_values (submission_id, report, key, value, raw, sheet, cell, notes) "
            "VALUES (?,?,?,?,?,?,?,?)",
            [(sid, k, key, encode(value), None if raw is None else str(raw), sheet, cell, notes)
             for k, key, value, raw, sheet, cell, notes in values])
        self.db.executemany(
            "INSERT INTO findings (submission_id, seq, code, severity, sheet, cell, value, th, en) VALUES (?,?,?,?,?,?,?,?,?)",
            [(sid, i, f.code, f.severity.value, f.sheet, f.cell, f.value, f.th, f.en) for i, f in enumerate(findings)])
        return sid

    def _forget_transient(self, sha256: str) -> None:
        row = self.db.execute("SELECT id FROM submissions WHERE sha256=? AND state=?",
                              (sha256, State.TRANSIENT.value)).fetchone()
        if row:
            for table in ("submission_values", "findings"):
                self.db.execute(f"DELETE FROM {table} WHERE submission_id=?", row)
            self.db.execute("DELETE FROM submissions WHERE id=?", row)

    def fill_provenance(self, submission_id: int, sender, received_at, message_id) -> bool:
        """Fill in a sender, time or Message-ID learnt after the file was recorded (a run that
        started while `collect` was still writing); never overwrites what is known."""
        cur = self.db.execute(
            "UPDATE submissions SET sender=COALESCE(sender, ?), received_at=COALESCE(received_at, ?), "
            "message_id=COALESCE(message_id, ?) WHERE id=? AND (sender IS NULL AND ? IS NOT NULL OR "
            "received_at IS NULL AND ? IS NOT NULL OR message_id IS NULL AND ? IS NOT NULL)",
            (sender, received_at, message_id, submission_id, sender, received_at, message_id))
        return cur.rowcount > 0

    def set_state(self, submission_id: int, state: str, superseded_by: int | None = None) -> None:
        self.db.execute("UPDATE submissions SET state=?, superseded_by=? WHERE id=?", (state, superseded_by, submission_id))


_COLUMNS = ("id, sha256, name, project_code, fiscal_year, month, template_version, source, state, reason_th, "
            "reason_en, sender, received_at, message_id, superseded_by")


def _number(value) -> Decimal | None:
    """A progress or an amount as stored, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    number = Decimal(str(value))
    return number if number.is_finite() else None


def backups_folder(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".backups")


def newest_backup(path: Path) -> Path | None:
    """The newest backup copy of the ledger at `path` that passes SQLite's check."""
    for candidate in sorted(backups_folder(path).glob(f"{Path(path).stem}-*.sqlite"), reverse=True):
        try:
            with contextlib.closing(sqlite3.connect(f"{candidate.as_uri()}?mode=ro", uri=True)) as db:
                if [r[0] for r in db.execute("PRAGMA quick_check")] == ["ok"]:
                    return candidate
        except sqlite3.Error:
            continue
    return None


def restore(path: Path) -> tuple[Path, Path]:
    """Put the newest good backup in place of a damaged ledger, the damaged one kept aside (with its
    -wal and -shm); (backup used, where the damaged one went). Takes the ledger's lock."""
    path = Path(path)
    good = newest_backup(path)
    if good is None:
        raise ProgressXLError([issue("M011", file=str(path), path=path, reason="no backup")])
    with exclusive(path.with_name(path.name + ".lock"), lambda: ProgressXLError([issue("M001", file=path.name)])):
        aside = path.with_name(f"{path.name}.damaged-{dt.datetime.now().strftime('%Y%m%dT%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(path) + suffix)
            if part.exists():
                os.replace(part, Path(str(aside) + suffix))
        tmp = path.with_name("." + path.name + ".restoring")
        with contextlib.closing(sqlite3.connect(f"{good.as_uri()}?mode=ro", uri=True)) as src, \
                contextlib.closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
        os.replace(tmp, path)
    return good, aside
