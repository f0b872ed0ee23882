"""consolidate: one month's inbox -> ledger + returned workbooks + the master workbook.

Every input ends in exactly one place: accepted, has issues, superseded (a newer file for the same
project and month arrived), rejected (with the reason), or a duplicate of a file already received.
Files already in the ledger are not read again; the ledger changes in one transaction; the master
is written to a temp file and renamed. The master is built from the ledger and the inbox alone,
so the same inbox gives a byte-identical master, however many times it runs.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .collect import PROVENANCE, SKIPPED
from .files import input_files, read_json
from .fiscal import month_bounds, month_label
from .issues import Issue, issue
from .ledger import Ledger, Stored, value_rows
from .read import Submission
from .register import Project
from .review import ACCEPTED, HAS_ISSUES, REJECTED, review_file
from .workers import ordered_map

SUPERSEDED, DUPLICATE = "superseded", "duplicate"
PLACES = (ACCEPTED, HAS_ISSUES, SUPERSEDED, REJECTED, DUPLICATE)
LEDGER_NAME = "ledger.sqlite"


@dataclass
class Outcome:
    """Where one input file ended."""
    name: str
    sha256: str
    place: str
    project_code: str | None = None
    detail_th: str = ""
    detail_en: str = ""


@dataclass
class MonthRun:
    fy: int
    month: int
    outcomes: list[Outcome]
    master: Path
    ledger: Path
    headline: dict = field(default_factory=dict)


def _skipped(inbox: Path) -> list[dict]:
    """What `collect` took out of the mail but did not put in the inbox (not a spreadsheet, ...)."""
    found = read_json(Path(inbox) / SKIPPED).get("skipped")
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


def consolidate(inbox: Path, *, projects: list[Project], fy: int, month: int, out_dir: Path,
                ledger_path: Path | None = None, today: dt.date | None = None, progress=None,
                pdf: bool = False, workers: int = 1) -> MonthRun:
    from .master import write_master
    out_dir = Path(out_dir)
    ledger_path = Path(ledger_path or out_dir / LEDGER_NAME)
    register = {p.code: p for p in projects}
    today = today or month_bounds(fy, month)[1]
    provenance = read_json(Path(inbox) / PROVENANCE)
    files = input_files([inbox])
    with Ledger(ledger_path) as ledger:
        ledger.lock()
        for stale in [*out_dir.glob(".*.tmp"), *(out_dir / "returned").glob(".*.tmp")]:
            stale.unlink(missing_ok=True)        # left by a run that was killed mid-write; we hold the lock
        outcomes: list[Outcome | None] = []
        jobs, seen = [], {}
        for path, name in files:
            data = path.read_bytes() if path.is_file() else b""
            sha = hashlib.sha256(data).hexdigest()
            stored = ledger.by_sha(sha) if sha not in seen else None
            if sha in seen:
                outcomes.append(Outcome(name, sha, DUPLICATE, None, *_dup_text(seen[sha])))
            elif stored is not None and (stored.fiscal_year, stored.month) != (fy, month) and stored.state != REJECTED:
                outcomes.append(Outcome(name, sha, DUPLICATE, stored.project_code, *_dup_text(stored.name)))
            elif stored is not None:        # read in an earlier run of this month: its verdict stands
                outcomes.append(Outcome(name, sha, stored.state, stored.project_code,
                                        stored.reason_th or "", stored.reason_en or ""))
            else:
                outcomes.append(None)
                jobs.append((len(outcomes) - 1, str(path), name, sha))
            seen.setdefault(sha, name)
        setup = (register, fy, month, today, str(ledger_path), str(out_dir / "returned"))
        with ledger.transaction():          # each result recorded as it comes; committed whole, or not at all
            try:
                for done, (i, r) in enumerate(ordered_map(_review_one, jobs, workers, initializer=_start_worker,
                                                          initargs=(setup,))):
                    if progress:
                        progress(done, len(jobs), r.file)
                    meta = provenance.get(r.file) or {}
                    first = r.findings[0] if r.state == REJECTED else None
                    ledger.record(sha256=r.sha256, name=r.file, project_code=r.project_code, fy=fy, month=month,
                                  template_version=r.template_version, state=r.state, reason=first,
                                  sender=meta.get("sender"), received_at=meta.get("received_at"),
                                  message_id=meta.get("message_id"), values=r.values, findings=r.findings)
                    outcomes[i] = Outcome(r.file, r.sha256, r.state, r.project_code,
                                          *((first.th, first.en) if first else ("", "")))
            finally:
                if "ledger" in _WORKER:         # the in-process worker's connection (pool workers exit)
                    _WORKER.pop("ledger").close()
            for o in outcomes:
                ledger.record_receipt(o.sha256, o.name, fy, month)
            superseded = _supersede(ledger, fy, month)
        for o in outcomes:
            if o.sha256 in superseded:
                o.place, (o.detail_th, o.detail_en) = SUPERSEDED, superseded[o.sha256]
        master = out_dir / f"master_{fy}_{month:02d}.xlsx"
        headline = write_master(master, ledger=ledger, projects=projects, fy=fy, month=month, outcomes=outcomes,
                                pdf=pdf, skipped=_skipped(inbox))
    return MonthRun(fy, month, outcomes, master, ledger_path, headline)


@dataclass
class Reviewed:
    """What a worker sends back for one file: small (value rows, not the workbook's objects)."""
    file: str
    sha256: str
    state: str
    project_code: str | None
    template_version: int | None
    findings: list[Issue]
    values: list[tuple]


_WORKER: dict = {}


def _start_worker(setup) -> None:
    register, fy, month, today, ledger_path, returned_dir = setup
    _WORKER.update(register=register, fy=fy, month=month, today=today, returned_dir=Path(returned_dir),
                   ledger=Ledger(Path(ledger_path)))


def _review_one(job) -> tuple[int, Reviewed]:
    """Read, validate and (when it has issues) write the returned workbook of one file."""
    i, path, name, sha = job
    w = _WORKER
    review = review_file(Path(path), name=name, projects=w["register"], today=w["today"],
                         accepted=lambda code: w["ledger"].accepted_history(code, w["fy"], w["month"]),
                         returned_dir=w["returned_dir"], returned_for=(HAS_ISSUES,),
                         refuse=lambda sub: _not_this_month(sub, w["register"], w["fy"]),
                         extra=lambda sub: _month_missing(sub, w["fy"], w["month"]))
    sub = review.submission
    return i, Reviewed(name, review.sha256 or sha, review.state, review.project_code,
                       sub.template_version if sub else None, review.findings, value_rows(sub) if sub else [])


def _dup_text(name: str) -> tuple[str, str]:
    found = issue("M004", name=name)
    return found.th, found.en


def _not_this_month(sub: Submission, register: dict, fy: int) -> list[Issue]:
    """A workbook of another fiscal year, or of a project not in the register, is not this month's data."""
    if sub.fiscal_year != fy:
        return [issue("M006", file=sub.file, value=sub.fiscal_year, fy=fy)]
    if sub.project_code not in register:
        return [issue("M007", file=sub.file, value=sub.project_code)]
    return []


def _month_missing(sub: Submission, fy: int, month: int) -> list[Issue]:
    if month in sub.filled_reports():
        return []
    v = sub.reports.get(month, {}).get("progress")
    return [issue("M008", file=sub.file, sheet=v.sheet if v else None, at=v.cell if v else None,
                  month=month_label(fy, month), k=month)]


def _supersede(ledger: Ledger, fy: int, month: int) -> dict[str, tuple[str, str]]:
    """The newest file per project this month is current; the older ones are kept, superseded."""
    by_project: dict[str, list[Stored]] = {}
    for s in ledger.submissions(fy, month):
        if s.state != REJECTED and s.project_code and s.source == "workbook":
            by_project.setdefault(s.project_code, []).append(s)
    out = {}
    for subs in by_project.values():
        subs.sort(key=lambda s: (s.received_at or "", s.id))
        current = subs[-1]
        for old in subs[:-1]:
            if old.state != SUPERSEDED or old.superseded_by != current.id:
                ledger.set_state(old.id, SUPERSEDED, current.id)
            found = issue("M005", name=current.name)
            out[old.sha256] = (found.th, found.en)
    return out


def current_submissions(ledger: Ledger, fy: int, month: int) -> dict[str, Stored]:
    """Project code -> the current (not superseded, not rejected) submission of the month."""
    return {s.project_code: s for s in ledger.submissions(fy, month)
            if s.state in (ACCEPTED, HAS_ISSUES) and s.project_code}
