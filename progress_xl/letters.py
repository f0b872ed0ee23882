"""letters: what the coordinator writes to whom, in the form of a Thai official e-mail.

In: the register's projects and the month in the ledger; out: Letters (kickoff, returned, reminder,
receipt), each a Thai letter (เรื่อง, เรียน, purpose, body, closing, ขอแสดงความนับถือ, the officer) and
then one short English part. The texts are `workbook_templates/letters.toml`; outbox.py writes them.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import tomllib
from dataclasses import dataclass, field, replace
from email.utils import formataddr, parseaddr

from .fiscal import BANGKOK, EN_MONTHS_ABBR, be_year, format_be_long, month_bounds, month_label, month_label_en, \
    report_month
from .issues import Severity
from .ledger import Finding
from .spec import templates_dir
from .state import State

KICKOFF, RETURNED, REMINDER, RECEIPT = "kickoff", "returned", "reminder", "receipt"
RECEIPT_STATES = (State.ACCEPTED, State.HAS_ISSUES, State.REJECTED, State.SUPERSEDED)    # the ledger's settled states
MAX_FINDINGS_IN_BODY = 8


@functools.cache
def texts() -> dict:
    with (templates_dir() / "letters.toml").open("rb") as fh:
        return tomllib.load(fh)


def _t(section: str, key: str, **values) -> str:
    return texts()[section][key].format(**values)


@dataclass(frozen=True)
class Sender:
    """The officer who writes: the From address and the signature under ขอแสดงความนับถือ."""
    address: str = ""
    name: str = ""
    position: str = ""
    unit: str = ""
    phone: str = ""

    def completed(self) -> "Sender":
        """Empty fields from the defaults of letters.toml (the coordinator's unit)."""
        defaults = texts()["officer"]
        return replace(self, **{k: getattr(self, k) or defaults.get(k, "") for k in ("name", "position", "unit",
                                                                                      "phone")})

    @property
    def header(self) -> str:
        """The From header: `"name" <address>`, the name RFC 2047-encoded when it is Thai."""
        return formataddr((self.name, self.address), charset="utf-8") if self.name else self.address


Officer = Sender


@dataclass(frozen=True)
class ReplyRule:
    """Replies are due on `day` of the month `months_after` the report month (day 25 of the next)."""
    day: int = 25
    months_after: int = 1

    def __post_init__(self):
        if not (1 <= self.day <= 31 and 0 <= self.months_after <= 12):
            raise ValueError(f"reply-by rule out of range: day {self.day}, {self.months_after} months after")


MIN_NOTICE = dt.timedelta(days=7)


def reply_by(fy: int, month: int, written: dt.date, rule: ReplyRule = ReplyRule()) -> dt.date:
    """The reply-by date of report `month` of `fy` in a letter written on `written`."""
    year, calendar_month = report_month(fy, month)
    index = year * 12 + calendar_month - 1 + rule.months_after
    due_year, due_month = divmod(index, 12)
    due_month += 1
    due = dt.date(due_year, due_month, min(rule.day, calendar.monthrange(due_year, due_month)[1]))
    # A letter written after the rule's day must not ask for a reply by a day already gone (letters
    # written on 1 December asked for replies by 30 November): then a week from the writing day.
    return due if due >= written else written + MIN_NOTICE


@dataclass
class Letter:
    kind: str
    agency: str                  # agency code (the 8 digits of the project codes), or the sender's mailbox
    agency_name: str
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    period: str = ""             # `2563-10` (calendar month, BE) or the fiscal year `2564`: names stay apart
    files: tuple[str, ...] = ()  # sha256 of the received files a receipt answers

    @property
    def filename(self) -> str:
        return f"{self.kind}_{self.period}_{self.agency}.eml" if self.period else f"{self.kind}_{self.agency}.eml"


def calendar_period(fy: int, month: int) -> str:
    """`2564-03` for report 6 of FY 2564 (March 2564): the calendar month, in BE."""
    year, calendar_month = report_month(fy, month)
    return f"{be_year(year)}-{calendar_month:02d}"


# -- the form ------------------------------------------------------------------------------------
@dataclass
class Draft:
    subject_th: str
    subject_en: str
    recipient: str
    purpose: str
    body: list[str]
    closing: str                     # "inform" or "act"
    english: list[str]
    recipient_en: str = ""
    enclosure: str = ""


def _signature(officer: Sender) -> str:
    form = texts()["form"]
    signer = [form["name"].format(name=officer.name) if officer.name else "", officer.position]
    contact = [officer.unit, form["phone"].format(phone=officer.phone) if officer.phone else "",
               form["address"].format(address=officer.address) if officer.address else ""]
    blocks = [[form["regards"]], [line for line in signer if line], [line for line in contact if line]]
    return "\n\n".join("\n".join(block) for block in blocks if block)


def compose(draft: Draft, officer: Sender) -> str:
    """The letter's text: the Thai letter whole, then the short English part after a separator."""
    form = texts()["form"]
    head = [form["subject"].format(subject=draft.subject_th), form["recipient"].format(recipient=draft.recipient)]
    if draft.enclosure:
        head.append(form["enclosure"].format(enclosure=draft.enclosure))
    english = [form["separator"], form["en_subject"].format(subject=draft.subject_en),
               form["en_recipient"].format(recipient=draft.recipient_en or draft.recipient)]
    parts = ["\n".join(head), draft.purpose, *draft.body, form[draft.closing], _signature(officer),
             "\n".join(english), *draft.english, "\n".join([form["en_regards"], officer.name])]
    return "\n\n".join(p for p in parts if p) + "\n"


def _due_en(day: dt.date) -> str:
    return f"{day.day} {EN_MONTHS_ABBR[day.month - 1]} {day.year}"


# -- who gets what -------------------------------------------------------------------------------
def agencies(projects) -> dict[str, list]:
    out: dict[str, list] = {}
    for p in sorted(projects, key=lambda p: p.code):
        out.setdefault(p.agency_code, []).append(p)
    return out


def addresses(projects) -> tuple[list[str], list[str]]:
    """To: the agency's address(es); Cc: the people responsible for the projects concerned."""
    to = sorted({p["agency_email"].strip() for p in projects if p["agency_email"]})
    cc = sorted({p["responsible_email"].strip() for p in projects if p["responsible_email"]} - set(to))
    return (to, cc) if to else (cc, [])


def agency_name(projects) -> str:
    return projects[0]["agency"] or projects[0].agency_code


def head_of(projects) -> str:
    """เรียน whom: the position of the unit's head when the register has it, else the agency's name."""
    positions = [p["head_position"].strip() for p in projects if (p["head_position"] or "").strip()]
    return positions[0] if positions else agency_name(projects)


def person_of(sender: str, projects) -> tuple[str, str]:
    """(Thai, English) form of address for a sender: the display name, a person of the register
    with that e-mail, or ผู้ส่งไฟล์ when we know no name."""
    name, address = parseaddr(sender or "")
    if not name:
        name = next((p["responsible_person"] for p in projects if p["responsible_person"]
                     and (p["responsible_email"] or "").strip().lower() == address.lower()), "")
    form = texts()["form"]
    return (name, name) if name else (form["unknown_sender"], form["en_unknown_sender"])


def mailbox_key(address: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in address)[:60]


def _project_lines(projects) -> str:
    return "\n".join(_t("form", "project", code=p.code, name=p["project_name"]) for p in projects)


def kickoff_letters(projects, workbooks: dict, fy: int, *, officer: Sender | None = None) -> list[Letter]:
    """One letter per agency with its blank workbooks for fiscal year `fy`."""
    from .spec import load_spec
    spec = load_spec()
    officer = (officer or Sender()).completed()
    sheet, (first, last) = spec.sheets["monthly"], spec.reporting_window
    letters = []
    for agency, group in agencies(projects).items():
        to, cc = addresses(group)
        files = [(workbooks[p.code].name, workbooks[p.code].read_bytes()) for p in group if p.code in workbooks]
        name = agency_name(group)
        values = dict(fy=fy, fy_ce=fy - 543, count=len(files), unit=officer.unit, agency=name, sheet=sheet,
                      first=first, last=last)
        draft = Draft(_t(KICKOFF, "subject_th", **values), _t(KICKOFF, "subject_en", **values), head_of(group),
                      _t(KICKOFF, "purpose", **values), [_t(KICKOFF, "body", **values), _project_lines(group)],
                      "act", [_t(KICKOFF, "en", **values)], enclosure=_t(KICKOFF, "enclosure", **values))
        letters.append(Letter(KICKOFF, agency, name, to, cc, f"{draft.subject_th} / {draft.subject_en}: {name}",
                              compose(draft, officer), files, period=str(fy)))
    return letters


# -- the month: returned workbooks, refused files, reminders, receipts ---------------------------
@dataclass
class Month:
    fy: int
    month: int
    officer: Sender
    due: dt.date | None = None

    @property
    def period(self) -> str:
        return calendar_period(self.fy, self.month)

    def th(self, **values) -> dict:
        due = format_be_long(self.due) if self.due else ""
        return dict(label=month_label(self.fy, self.month), due=due, unit=self.officer.unit, **values)

    def en(self, **values) -> dict:
        return dict(label=month_label_en(self.fy, self.month), due=_due_en(self.due) if self.due else "", **values)


def month_letters(projects, *, ledger, fy: int, month: int, returned_dir, written: dt.date | None = None,
                  rule: ReplyRule = ReplyRule(), officer: Sender | None = None) -> list[Letter]:
    """The month's returned workbooks and refused files, and reminders for the projects not heard from.

    `written` is the day the letters are written (the month's last day when not given): the reply-by
    date follows from it and `rule`.
    """
    written = written or month_bounds(fy, month)[1]
    ctx = Month(fy, month, (officer or Sender()).completed(), reply_by(fy, month, written, rule))
    current = ledger.current(fy, month)
    fixes, refused = _sort_month(ledger, fy, month, {p.code: p for p in projects}, current, returned_dir)
    groups = agencies(projects)
    return (_returned_letters(ctx, groups, fixes, refused) + _refused_letters(ctx, projects, groups, refused)
            + _reminder_letters(ctx, groups, current))


def _sort_month(ledger, fy, month, register, current, returned_dir) -> tuple[dict, dict]:
    """agency -> [(project, stored, findings, returned path)] of the files with issues; agency (or the
    sender's address when the file names no project of the register) -> [(project, stored)] refused."""
    from pathlib import Path

    from .returned import returned_name
    from .review import HAS_ISSUES, REJECTED
    fixes: dict[str, list] = {}
    refused: dict[str, list] = {}
    for s in ledger.submissions(fy, month):
        project = register.get(s.project_code or "")
        if s.state == HAS_ISSUES and project and getattr(current.get(s.project_code), "id", None) == s.id:
            path = Path(returned_dir) / returned_name(s.name)
            fixes.setdefault(project.agency_code, []).append((project, s, ledger.findings(s.id), path))
        elif s.state == REJECTED and s.source == "workbook":
            refused.setdefault(project.agency_code if project else (s.sender or ""), []).append((project, s))
    return fixes, refused


def _finding_lines(project, stored, findings: list[Finding]) -> str:
    shown = [f for f in findings if f.severity in (Severity.ERROR, Severity.WARNING)]
    lines = [_t(RETURNED, "item", code=project.code, name=project["project_name"], file=stored.name)]
    for f in shown[:MAX_FINDINGS_IN_BODY]:
        where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else (f.cell or "")
        lines.append(_t(RETURNED, f"finding_{f.severity}", where=f"{where}: " if where else "", text=f.th))
    if len(shown) > MAX_FINDINGS_IN_BODY:
        lines.append(_t(RETURNED, "more", count=len(shown) - MAX_FINDINGS_IN_BODY))
    return "\n".join(lines)


def _returned_letters(ctx: Month, groups, fixes, refused) -> list[Letter]:
    letters = []
    for agency in sorted(set(fixes) | {k for k in refused if k in groups}):
        group, items, bad = groups[agency], fixes.get(agency, []), refused.get(agency, [])
        to, cc = addresses([p for p, *_ in items] + [p for p, _ in bad if p] or group)
        name = agency_name(group)
        files = [(path.name, path.read_bytes()) for *_, path in items if path.is_file()]
        listed = [_finding_lines(p, s, findings) for p, s, findings, _ in items]
        listed += [_t(RETURNED, "refused", file=s.name, reason=s.reason_th or "") for _, s in bad]
        english = [_t(RETURNED, "en", **ctx.en()),
                   "\n".join(_t(RETURNED, "en_refused", file=s.name, reason=s.reason_en or "") for _, s in bad),
                   _t(RETURNED, "en_marks") if files else "", _t(RETURNED, "en_request", **ctx.en())]
        draft = Draft(_t(RETURNED, "subject_th", **ctx.th()), _t(RETURNED, "subject_en", **ctx.en()), head_of(group),
                      _t(RETURNED, "purpose", **ctx.th(agency=name)),
                      [_t(RETURNED, "body", **ctx.th()), "\n".join(listed), _t(RETURNED, "marks") if files else "",
                       _t(RETURNED, "request", **ctx.th())], "act", english,
                      enclosure=_t(RETURNED, "enclosure", count=len(files)) if files else "")
        letters.append(Letter(RETURNED, agency, name, to, cc, f"{draft.subject_th} / {draft.subject_en}: {name}",
                              compose(draft, ctx.officer), files, period=ctx.period))
    return letters


def _refused_letters(ctx: Month, projects, groups, refused) -> list[Letter]:
    """To a sender whose files name no project of the register."""
    letters = []
    for sender in sorted(k for k in refused if k and k not in groups):
        recipient, recipient_en = person_of(sender, projects)
        bad = [s for _, s in refused[sender]]
        listed = "\n".join(_t("refused", "item", file=s.name, reason=s.reason_th or "") for s in bad)
        english = [_t("refused", "en", **ctx.en()),
                   "\n".join(_t("refused", "en_item", file=s.name, reason=s.reason_en or "") for s in bad)]
        draft = Draft(_t("refused", "subject_th", **ctx.th()), _t("refused", "subject_en", **ctx.en()), recipient,
                      _t("refused", "purpose", **ctx.th()),
                      [_t("refused", "body"), listed, _t("refused", "request", **ctx.th())], "act", english,
                      recipient_en=recipient_en)
        address = parseaddr(sender)[1] or sender
        letters.append(Letter(RETURNED, mailbox_key(address), address, [address], [],
                              f"{draft.subject_th} / {draft.subject_en}", compose(draft, ctx.officer),
                              period=ctx.period))
    return letters


def _reminder_letters(ctx: Month, groups, current) -> list[Letter]:
    letters = []
    for agency, group in groups.items():
        missing = [p for p in group if p.code not in current]
        if not missing:
            continue
        to, cc = addresses(missing)
        name = agency_name(group)
        draft = Draft(_t(REMINDER, "subject_th", **ctx.th()), _t(REMINDER, "subject_en", **ctx.en()), head_of(group),
                      _t(REMINDER, "purpose", **ctx.th(agency=name, count=len(missing))),
                      [_project_lines(missing), _t(REMINDER, "request", **ctx.th())], "act",
                      [_t(REMINDER, "en", **ctx.en(count=len(missing)))])
        letters.append(Letter(REMINDER, agency, name, to, cc, f"{draft.subject_th} / {draft.subject_en}: {name}",
                              compose(draft, ctx.officer), period=ctx.period))
    return letters


def receipt_letters(submissions, *, projects, fy: int, month: int, done=frozenset(),
                    officer: Sender | None = None) -> list[Letter]:
    """A receipt to the sender of each incoming message: where each of its files went (accepted, has
    issues, refused with the reason). `submissions` are the ledger's `Stored` rows of the month; a file
    whose sha256 is in `done` (receipted before) is left out, so no receipt is written twice."""
    ctx = Month(fy, month, (officer or Sender()).completed())
    names = {s.id: s.name for s in submissions}
    incoming: dict[tuple[str, str], list] = {}
    for s in submissions:
        # a file in another state (transient: to be read again) gets its receipt once it has settled
        if s.source == "workbook" and s.sender and s.sha256 not in done and s.state in RECEIPT_STATES:
            incoming.setdefault((s.sender, s.message_id or s.sha256), []).append(s)
    return [_receipt(ctx, projects, sender, key, items, names) for (sender, key), items in sorted(incoming.items())]


def _received_on(items) -> dt.date | None:
    stamps = sorted(s.received_at for s in items if s.received_at)
    try:
        when = dt.datetime.fromisoformat(stamps[0]) if stamps else None
    except ValueError:
        return None
    return (when.astimezone(BANGKOK) if when and when.tzinfo else when).date() if when else None


def _receipt_line(s, english: bool, names: dict) -> str:
    prefix = "en_" if english else ""
    project = _t(RECEIPT, f"{prefix}project", code=s.project_code) if s.project_code else ""
    reason = (s.reason_en if english else s.reason_th) or ""
    newer = _t(RECEIPT, "newer", file=names[s.superseded_by]) if s.superseded_by in names else ""
    return _t(RECEIPT, f"{prefix}{s.state}", file=s.name, project=project, reason=reason, newer=newer)


def _receipt(ctx: Month, projects, sender: str, key: str, items, names: dict) -> Letter:
    recipient, recipient_en = person_of(sender, projects)
    day = _received_on(items)
    when_th = _t(RECEIPT, "when", date=format_be_long(day)) if day else ""
    when_en = _t(RECEIPT, "en_when", date=_due_en(day)) if day else ""
    english = [_t(RECEIPT, "en", when=when_en), "\n".join(_receipt_line(s, True, names) for s in items)]
    draft = Draft(_t(RECEIPT, "subject_th", **ctx.th()), _t(RECEIPT, "subject_en", **ctx.en()), recipient,
                  _t(RECEIPT, "purpose", **ctx.th(when=when_th)),
                  [_t(RECEIPT, "body", **ctx.th()), "\n".join(_receipt_line(s, False, names) for s in items)], "inform",
                  english, recipient_en=recipient_en)
    address = parseaddr(sender)[1] or sender
    tag = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return Letter(RECEIPT, f"{mailbox_key(address)}_{tag}", address, [address], [],
                  f"{draft.subject_th} / {draft.subject_en}", compose(draft, ctx.officer), period=ctx.period,
                  files=tuple(s.sha256 for s in items))
