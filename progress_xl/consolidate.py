"""consolidate: one month's inbox -> ledger + returned workbooks + the master workbook.

Every input ends in exactly one place: accepted, has issues, superseded (a newer file for the same
project and month arrived), rejected (with the reason), or a duplicate of a file already received.
Files already in the ledger are not read again; the ledger changes in one transaction; the master
is written to a temp file and renamed. The master is built from the ledger and the inbox alone,
so the same inbox gives a byte-identical master, however many times it runs.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .collect import inbox_lock, load_provenance, load_skipped
from .faults import log_internal
from .files import atomic_write, exclusive, input_files
from .fiscal import month_bounds, month_label, month_label_en
from .issues import Issue, ProgressXLError, issue
from .ledger import Ledger, Stored, value_rows
from .master import write_master
from .read import Submission
from .register import Project
from .review import review_file
from .state import State
from .workers import ordered_map

ACCEPTED, HAS_ISSUES, REJECTED, TRANSIENT = State.ACCEPTED, State.HAS_ISSUES, State.REJECTED, State.TRANSIENT
SUPERSEDED, DUPLICATE = State.SUPERSEDED, State.DUPLICATE
PLACES = tuple(s for s in State if s is not State.MISSING)     # where an input file can end
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
    notices: list[Issue] = field(default_factory=list)      # about the inbox itself (a damaged state file)


INBOX_WAIT = 60            # seconds consolidate waits for a `collect` still filling the inbox


@contextlib.contextmanager
def _inbox_settled(inbox: Path):
    """Wait (up to INBOX_WAIT s) for a `collect` still filling the inbox, and keep the next one out
    while the month is read. An inbox nobody may write to cannot be being collected into."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(exclusive(inbox_lock(inbox), lambda: ProgressXLError(
                [issue("M012", file=str(inbox), path=inbox, seconds=INBOX_WAIT)]), wait=INBOX_WAIT))
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
        yield


@contextlib.contextmanager
def run_temp(out_dir: Path):
    """The run's temporary files (xlsxwriter's) in `OUT/.tmp`, removed after the run, and by the
    next run when a killed one left it: nothing lies about in the system's temp folder."""
    folder = Path(out_dir) / ".tmp"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def consolidate(inbox: Path, *, projects: list[Project], fy: int, month: int, out_dir: Path,
                ledger_path: Path | None = None, today: dt.date | None = None, progress=None,
                pdf: bool = False, workers: int = 1) -> MonthRun:
    """The month. The ledger changes in one transaction; the master is written whole (a temp file
    in its folder, flushed) before the ledger commits and renamed into place after, so the two
    agree: if the rename fails, the next run writes the master of the committed month."""
    out_dir, inbox = Path(out_dir), Path(inbox)
    ledger_path = Path(ledger_path or out_dir / LEDGER_NAME)
    today = today or month_bounds(fy, month)[1]
    with _inbox_settled(inbox), Ledger(ledger_path, lock=True) as ledger:
        ledger.backup()
        for stale in [*out_dir.glob(".*.tmp"), *(out_dir / "returned").glob(".*.tmp")]:
            stale.unlink(missing_ok=True)        # left by a run that was killed mid-write; we hold the lock
        provenance, notices = load_provenance(inbox)        # checked: a damaged one is kept aside, rebuilt
        skipped, more = load_skipped(inbox)
        notices += more
        outcomes, jobs = _triage(ledger, input_files([inbox]), fy, month)
        master = out_dir / f"master_{fy}_{month:02d}.xlsx"
        setup = ({p.code: p for p in projects}, fy, month, today, str(ledger_path), str(out_dir / "returned"))
        with run_temp(out_dir) as tmp, atomic_write(master) as fh:
            with ledger.transaction():          # each result recorded as it comes; committed whole, or not at all
                details = _read_all(ledger, jobs, outcomes, provenance, setup, workers, progress)
                _fill_provenance(ledger, outcomes, provenance)
                for o in outcomes:
                    ledger.record_receipt(o.sha256, o.name, fy, month)
                superseded = _supersede(ledger, fy, month)
                for o in outcomes:
                    if o.sha256 in superseded:
                        o.place, (o.detail_th, o.detail_en) = SUPERSEDED, superseded[o.sha256]
                headline = write_master(master, fh=fh, ledger=ledger, projects=_expected(projects, fy, ledger),
                                        fy=fy, month=month,
                                        outcomes=outcomes, skipped=skipped, tmpdir=tmp, pdf=pdf)
                fh.flush()
                os.fsync(fh.fileno())           # on disk before the ledger says the month is done
    for name, detail in details:
        log_internal(out_dir, f"consolidate {fy}/{month}: {name}", detail)
    return MonthRun(fy, month, outcomes, master, ledger_path, headline, notices)


def _expected(projects: list[Project], fy: int, ledger: Ledger) -> list[Project]:
    """The projects expected to report this year: not those ended or not yet begun (a delayed or
    carried-over one is expected); their files, if any come, are still read and recorded."""
    from .rollover import year_activity
    return [s.project for s in year_activity(projects, fy, ledger) if s.included]


def _triage(ledger: Ledger, files, fy: int, month: int) -> tuple[list, list]:
    """Each input's outcome when it is already known (a duplicate, a verdict that stands), else a
    job to read it. A file that cannot be opened now (moved away mid-run) is not processed this time."""
    outcomes: list[Outcome | None] = []
    jobs: list[tuple[int, str, str, str]] = []
    seen: dict[str, str] = {}             # sha256 -> the name it first came under in this run
    for path, name in files:
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            found = issue("F001", file=name, reason=exc.strerror or "")
            outcomes.append(Outcome(name, "", TRANSIENT, None, found.th, found.en))
            continue
        stored = ledger.by_sha(sha) if sha not in seen else None
        if sha in seen:
            outcomes.append(Outcome(name, sha, DUPLICATE, None, *_dup_text(seen[sha])))
        elif stored is not None and stored.state == TRANSIENT:
            outcomes.append(None)               # about the moment, not the file: read again
            jobs.append((len(outcomes) - 1, str(path), name, sha))
        elif stored is not None and (stored.fiscal_year, stored.month) != (fy, month) and stored.state != REJECTED:
            outcomes.append(Outcome(name, sha, DUPLICATE, stored.project_code, *_dup_text(stored.name)))
        elif stored is not None:        # read in an earlier run of this month: its verdict stands
            outcomes.append(Outcome(name, sha, stored.state, stored.project_code,
                                    stored.reason_th or "", stored.reason_en or ""))
        else:
            outcomes.append(None)
            jobs.append((len(outcomes) - 1, str(path), name, sha))
        seen.setdefault(sha, name)
    return outcomes, jobs


def _read_all(ledger: Ledger, jobs, outcomes, provenance, setup, workers, progress) -> list[tuple[str, str]]:
    """Read the jobs over the workers, recording each result as it comes; (file, detail) of the
    errors of ours, for the log."""
    _, fy, month, *_ = setup
    details = []
    try:
        for done, (i, r) in enumerate(ordered_map(_review_one, jobs, workers, initializer=_start_worker,
                                                  initargs=(setup,))):
            if progress:
                progress(done, len(jobs), r.file)
            meta = provenance.get(r.file) or {}
            first = r.findings[0] if r.state in (REJECTED, TRANSIENT) else None
            ledger.record(sha256=r.sha256, name=r.file, project_code=r.project_code, fy=fy, month=month,
                          template_version=r.template_version, state=r.state, reason=first,
                          sender=meta.get("sender"), received_at=meta.get("received_at"),
                          message_id=meta.get("message_id"), values=r.values, findings=r.findings)
            outcomes[i] = Outcome(r.file, r.sha256, r.state, r.project_code,
                                  *((first.th, first.en) if first else ("", "")))
            if r.detail:
                details.append((r.file, r.detail))
    finally:
        if "ledger" in _WORKER:         # the in-process worker's connection (pool workers exit)
            _WORKER.pop("ledger").close()
    return details


def _fill_provenance(ledger: Ledger, outcomes, provenance: dict) -> None:
    """A sender or time that `collect` wrote after an earlier run recorded the file is filled in."""
    for o in outcomes:
        meta = provenance.get(o.name)
        if meta and o.sha256 and (stored := ledger.by_sha(o.sha256)) is not None:
            ledger.fill_provenance(stored.id, meta.get("sender"), meta.get("received_at"), meta.get("message_id"))


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
    detail: str | None = None


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
                         accepted=lambda code: w["ledger"].accepted_across_years(code, w["fy"], w["month"]),
                         returned_dir=w["returned_dir"], returned_for=(HAS_ISSUES,),
                         refuse=lambda sub: _not_this_month(sub, w["register"], w["fy"]),
                         extra=lambda sub: _month_missing(sub, w["fy"], w["month"]))
    sub = review.submission
    values = value_rows(sub) if sub and review.state != TRANSIENT else []
    return i, Reviewed(name, review.sha256 or sha, review.state, review.project_code,
                       sub.template_version if sub else None, review.findings, values, review.detail)


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
                  month=month_label(fy, month), month_en=month_label_en(fy, month), k=month)]


def _supersede(ledger: Ledger, fy: int, month: int) -> dict[str, tuple[str, str]]:
    """The newest file per project this month is current; the older ones are kept, superseded."""
    by_project: dict[str, list[Stored]] = {}
    for s in ledger.submissions(fy, month):
        if s.state not in (REJECTED, TRANSIENT) and s.project_code and s.source == "workbook":
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
