"""month: the coordinator's month in one go, inside a workspace.

In: a workspace and a report month; out: MonthResult. Fetch the mailbox (when set up), collect
every mail folder into `months/2564-03/inbox`, consolidate with the workspace's one ledger, write
the letters into `months/2564-03/outbox` and, with `send`, deliver them. Running a month again is
safe: collect saves only new files, consolidate lets a resubmission supersede, sent.json (one for
the workspace) keeps anything from going to anyone twice and receipts from being written twice.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .collect import Collected, collect, inbox_lock
from .consolidate import MonthRun, consolidate
from .files import exclusive, input_files
from .fiscal import BANGKOK, format_be_long, month_bounds, month_label, month_label_en, report_number
from .imap import Fetched, fetch
from .issues import Issue, ProgressXLError, issue
from .ledger import Ledger
from .outbox import Delivery, Written, is_placeholder, letters_of_month, send as deliver, write_outbox
from .values import Unreadable, ascii_digits, clean_text, parse_date
from .workspace import Workspace

LATER, OTHER = ".later", ".other"     # hidden in the inbox: consolidate and collect's listing skip them
_YEAR_MONTH = re.compile(r"(\d{4})\s*-\s*(\d{1,2})")


# -- which month -----------------------------------------------------------------------------------
def parse_month(text: str) -> tuple[int, int]:
    """(fiscal year, report number) of a calendar month as people write it: `มี.ค. 2564`,
    `มีนาคม 2564`, `03/2564`, `3/64`, `2564-03`, Thai digits, a CE year (`2021-03`), or a day in it."""
    plain = clean_text(ascii_digits(str(text)))
    if m := _YEAR_MONTH.fullmatch(plain):
        candidates = [f"{m[1]}-{m[2]}-01"]
    else:
        candidates = [plain, f"1/{plain}" if plain[:1].isdigit() else f"1 {plain}"]
    for candidate in candidates:
        try:
            day = parse_date(candidate).value
        except Unreadable:
            continue
        if isinstance(day, dt.date):
            return report_number(day)
    raise ProgressXLError([issue("W009", file="MONTH", value=str(text))])


def default_month(today: dt.date) -> tuple[int, int]:
    """The report month that has just ended: the calendar month before today's (on 6 ธ.ค. 2564,
    พ.ย. 2564 = report 2 of FY 2565)."""
    return report_number(today.replace(day=1) - dt.timedelta(days=1))


def check_begun(fy: int, month: int, today: dt.date) -> None:
    """A month that has not begun is refused: nothing can have been reported for it."""
    first = month_bounds(fy, month)[0]
    if first > today:
        raise ProgressXLError([issue("W008", file="MONTH", month=month_label(fy, month), today=format_be_long(today),
                                     month_en=month_label_en(fy, month), today_en=today.isoformat())])


# -- the run ---------------------------------------------------------------------------------------
@dataclass
class MonthResult:
    fy: int
    month: int
    folder: Path
    run: MonthRun
    collected: Collected
    fetched: Fetched | None = None
    held: list[Issue] = field(default_factory=list)          # files of other months, set aside
    written: list[Written] = field(default_factory=list)
    problems: list[Issue] = field(default_factory=list)      # letters that could not be written
    delivery: Delivery | None = None

    @property
    def outbox(self) -> Path:
        return self.folder / "outbox"

    @property
    def complete(self) -> bool:
        return not self.problems and (self.delivery is None or self.delivery.complete)


def ready_to_send(ws: Workspace) -> None:
    """--send needs a mail server and a real sender: refused before anything is done."""
    if not ws.smtp.host:
        raise ProgressXLError([issue("W012", file=str(ws.settings))])
    if is_placeholder(ws.sender.address):
        raise ProgressXLError([issue("W013", file=str(ws.settings), address=ws.sender.address)])


def sources(ws: Workspace, folder: Path) -> list[Path]:
    """Where the month's mail comes from: the workspace's mail/ (what fetch brings included), the
    settings' mail folders, and the month's own mail/ folder. The workspace's own folders are left out
    while they hold no file (mail/ as init made it, or an empty mail/imap/): an empty one is the usual
    state, not an input refused (C023); a folder the settings name is collected even when empty."""
    own = (ws.mail, folder / "mail")
    return [p for p in (ws.mail, *ws.mail_folders, folder / "mail")
            if p.exists() and (p not in own or _holds_a_file(p))]


def _holds_a_file(folder: Path) -> bool:       # a visible file, as collect sees them (.imap.json is not)
    return any(not any(part.startswith(".") for part in p.relative_to(folder).parts) and p.is_file()
               for p in folder.rglob("*"))


def run_month(ws: Workspace, fy: int, month: int, *, projects: list, today: dt.date, now: dt.datetime,
              send: bool = False, fetch_mail: bool = True, workers: int = 1, progress=None) -> MonthResult:
    """The whole month. The inbox and the ledger stay locked from collect to the last letter sent,
    so a second run of any month waits its turn (C018, M001) and sent.json is never raced."""
    if send:
        ready_to_send(ws)
    folder = ws.month_dir(fy, month)
    inbox = folder / "inbox"
    fetched = fetch_mailbox(ws) if fetch_mail and ws.imap else None
    busy = lambda: ProgressXLError([issue("C018", file=str(inbox))])  # noqa: E731
    with exclusive(inbox_lock(inbox), busy), Ledger(ws.ledger, lock=True) as ledger:
        collected = collect(sources(ws, folder), inbox, workers=workers)
        held = set_aside(inbox, ledger, fy, month, today)
        run = consolidate(inbox, projects=projects, fy=fy, month=month, out_dir=folder, ledger_path=ws.ledger,
                          progress=progress, workers=workers)
        result = MonthResult(fy, month, folder, run, collected, fetched, held)
        _letters(ws, result, projects, today, now)
        if send and result.written:
            result.delivery = deliver([w.path for w in result.written], host=ws.smtp.host, port=ws.smtp.port,
                                      starttls=ws.smtp.security == "starttls", use_ssl=ws.smtp.security == "ssl",
                                      user=ws.smtp.user or None, log=ws.sent_log)
    return result


def fetch_mailbox(ws: Workspace) -> Fetched:
    """The mailbox's new messages into mail/imap/, one fetch at a time per workspace."""
    if ws.imap is None:
        raise ProgressXLError([issue("W011", file=str(ws.settings))])
    busy = lambda: ProgressXLError([issue("W025", file=ws.imap.label)])  # noqa: E731
    with exclusive(ws.mail / ".imap.lock", busy):
        return fetch(ws.imap, ws.fetched, ws.imap_state)


def _letters(ws: Workspace, result: MonthResult, projects: list, today: dt.date, now: dt.datetime) -> None:
    officer = ws.sender.completed()
    # receipts already delivered are in the workspace's sent.json (letters_of_month reads OUT/sent.json)
    letters = letters_of_month(projects, fy=result.fy, month=result.month, run_dir=result.folder,
                               ledger_path=ws.ledger, out_dir=ws.root, written=today, rule=ws.reply,
                               officer=officer)
    result.written, result.problems = write_outbox(letters, result.outbox, sender=officer, date=now)


# -- files of other months -------------------------------------------------------------------------
def set_aside(inbox: Path, ledger: Ledger, fy: int, month: int, today: dt.date) -> list[Issue]:
    """Every mail folder is collected for every month, so the inbox also receives other months'
    files. A file the ledger holds for another month goes to `.other/`; a new workbook whose latest
    report is of a later month that has begun (an agency answering April before March is closed)
    goes to `.later/` and is consolidated when its own month is run. collect knows them as saved, so
    they do not come back; one line for each file kept for later."""
    held = []
    start, end = month_bounds(fy, month)
    later_begun = end < today           # only then can a workbook hold a later month's report: read it
    for path, name in input_files([inbox]):
        with path.open("rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()
        stored = ledger.by_sha(sha)
        if stored is not None:
            if (stored.fiscal_year, stored.month) != (fy, month):
                _move(path, inbox / OTHER)
            continue
        later = _later_month(path, start, today) if later_begun else None
        if later is not None:
            _move(path, inbox / LATER)
            held.append(issue("W016", file=name, later=month_label(*later), later_en=month_label_en(*later)))
    return held


def _later_month(path: Path, start: dt.date, today: dt.date) -> tuple[int, int] | None:
    """(fy, report) of the latest report in the workbook when that month is after the one being run
    and has begun; None otherwise (a rejected file, or a report for a month to come, which the
    validator flags)."""
    from .read import Submission, read_submission
    sub = read_submission(path)
    if not isinstance(sub, Submission) or not sub.fiscal_year or not sub.filled_reports():
        return None
    latest = (int(sub.fiscal_year), max(sub.filled_reports()))
    first = month_bounds(*latest)[0]
    return latest if start < first <= today else None


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    os.replace(path, folder / path.name)


def now_at(today: dt.date | None) -> dt.datetime:
    """The letters' Date: 09:00 Bangkok time on a given day, else now."""
    return dt.datetime.combine(today, dt.time(9, 0), tzinfo=BANGKOK) if today else dt.datetime.now(BANGKOK)
