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
import json
import os
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .files import exclusive
from .issues import ProgressXLError, issue

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
    state: str
    reason_th: str | None
    reason_en: str | None
    sender: str | None
    received_at: str | None
    message_id: str | None
    superseded_by: int | None


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = None
        self.db = sqlite3.connect(self.path, isolation_level=None)      # explicit transactions only
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    # -- lifecycle -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ProgressXLError([issue("M002", file=self.path.name, version=version, known=SCHEMA_VERSION)])
        for i in range(version, SCHEMA_VERSION):
            with self.transaction():                  # DDL is transactional in SQLite
                for statement in (x.strip() for x in MIGRATIONS[i].split(";")):
                    if statement:
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={i + 1}")

    @contextlib.contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def lock(self) -> None:
        """Refuse a second run on this ledger while one is going (released when the process ends or
        the ledger is closed; re-entrant within one process)."""
        if self._lock is None:
            self._lock = exclusive(self.path.with_name(self.path.name + ".lock"),
                                   lambda: ProgressXLError([issue("M001", file=self.path.name)]))
            self._lock.__enter__()

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

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

    def values(self, submission_id: int) -> dict[int, dict[str, dict]]:
        out: dict[int, dict[str, dict]] = {}
        for report, key, value, raw, sheet, cell, notes in self.db.execute(
                "SELECT report, key, value, raw, sheet, cell, notes FROM submission_values WHERE submission_id=?",
                (submission_id,)):
            out.setdefault(report, {})[key] = {"value": decode(value), "raw": raw, "sheet": sheet, "cell": cell,
                                               "notes": notes}
        return out

    def findings(self, submission_id: int) -> list[tuple]:
        return self.db.execute("SELECT code, severity, sheet, cell, value, th, en FROM findings "
                               "WHERE submission_id=? ORDER BY seq", (submission_id,)).fetchall()

    def receipts(self, fy: int, month: int) -> list[tuple[str, str]]:
        return self.db.execute("SELECT sha256, name FROM receipts WHERE fiscal_year=? AND month=? ORDER BY name",
                               (fy, month)).fetchall()

    def accepted_history(self, project_code: str, fy: int, before_month: int) -> dict[int, dict]:
        """Report k -> values, from the latest accepted submission of each earlier month."""
        rows = self.db.execute(
            "SELECT id, month FROM submissions WHERE project_code=? AND fiscal_year=? AND month<? AND state='accepted' "
            "ORDER BY month, id", (project_code, fy, before_month)).fetchall()
        history: dict[int, dict] = {}
        for sid, month in rows:
            values = self.values(sid)
            for k, row in values.items():
                if k and k <= month and any(v["value"] is not None for v in row.values()):
                    history[k] = {key: v["value"] for key, v in row.items()}
        return history

    # -- writes (inside a transaction) ---------------------------------------------------------
    def record_receipt(self, sha256: str, name: str, fy: int, month: int) -> None:
        self.db.execute("INSERT OR IGNORE INTO receipts (sha256, name, fiscal_year, month) VALUES (?,?,?,?)",
                        (sha256, name, fy, month))

    def record(self, *, sha256: str, name: str, project_code, fy, month, template_version, state,
               reason=None, sender=None, received_at=None, message_id=None, source="workbook",
               values=(), findings=()) -> int:
        cur = self.db.execute(
            "INSERT INTO submissions (sha256, name, project_code, fiscal_year, month, template_version, source, state,"
            " reason_th, reason_en, sender, received_at, message_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha256, name, project_code, fy, month, template_version, source, state,
             reason.th if reason else None, reason.en if reason else None, sender, received_at, message_id))
        sid = cur.lastrowid
        self.db.executemany(
            "INSERT INTO submission_values (submission_id, report, key, value, raw, sheet, cell, notes) "
            "VALUES (?,?,?,?,?,?,?,?)",
            [(sid, k, key, encode(value), None if raw is None else str(raw), sheet, cell, notes)
             for k, key, value, raw, sheet, cell, notes in values])
        self.db.executemany(
            "INSERT INTO findings (submission_id, seq, code, severity, sheet, cell, value, th, en) VALUES (?,?,?,?,?,?,?,?,?)",
            [(sid, i, f.code, f.severity.value, f.sheet, f.cell, f.value, f.th, f.en) for i, f in enumerate(findings)])
        return sid

    def set_state(self, submission_id: int, state: str, superseded_by: int | None = None) -> None:
        self.db.execute("UPDATE submissions SET state=?, superseded_by=? WHERE id=?", (state, superseded_by, submission_id))


_COLUMNS = ("id, sha256, name, project_code, fiscal_year, month, template_version, source, state, reason_th, "
            "reason_en, sender, received_at, message_id, superseded_by")
