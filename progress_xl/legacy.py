"""import-legacy: print-outs of the old monitoring system -> the same schema, into the ledger.

Parsed by what the text says, never by line positions: the header's `label : value` lines, the
section numbers, and in the reports the `รายงานครั้งที่ k` blocks, the `::` markers and the
`(ครั้งที่ n)` numbers. The traps of the format (shared/seeds): the page header repeats in the
middle; from report 10 on the text holds HTML; block k carries report k-1's progress line; the
top of block 10 is the tail of report 9's narrative; `?` stands for characters lost in an
encoding step (kept as is).

The money line `งบประมาณที่เบิกใช้ (ครั้งที่ k) = X บาท` is the amount of report k in some print-outs
and the running total to date in others. It is reconciled with the print-out's own header total
(`งบประมาณที่ใช้ไป`): per-report amounts when they add up to it, running totals when the last equals
it (stored as the template's per-report amounts, each the difference from the report before), a
finding when neither does; without a header total, the figures stay per-report unless only the
running-total reading keeps them within the budget. Each print-out says which reading it took.
Progress lines are cumulative; the validator's rules say when they fall or pass 100.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .issues import Issue, issue
from .ledger import value_rows
from .read import Submission, Value
from .spec import load_spec
from .state import State
from .values import Unreadable, ascii_digits, parse_date, parse_money

TITLE = "แบบแสดงรายงานความก้าวหน้าและข้อมูลเกี่ยวกับโครงการ"
SHEET = "print-out"
HEADER = {                                   # label at the start of a `label : value` line -> field
    "ชื่อโครงการ/กิจกรรม": "project_name", "รหัสโครงการ": "project_code", "ปีงบประมาณ พ.ศ.": "fiscal_year",
    "เริ่มต้นโครงการ": "start_date", "สิ้นสุดโครงการ": "end_date", "งบประมาณที่ได้รับ": "budget_allocated",
    "งบประมาณที่ใช้ไป": "budget_used", "หน่วยงานที่รับผิดชอบ": "agency", "ชื่อผู้รับผิดชอบ": "responsible_person",
    "ผู้ประสานงาน สยป": "coordinator", "ประเด็นยุทธศาสตร์": "strategy", "ประเด็นยุทธศา ย่อย": "sub_strategy",
    "ประเด็นยุทธศาสตร์ย่อย": "sub_strategy", "เป้าหมายที่": "goal", "ตัวชี้วัด": "kpi",
}
SECTIONS = {"1.3": "rationale", "1.4": "objectives", "1.5": "targets"}
PROGRESS = re.compile(r"ความก้าวหน้าของงานฯ\s*=\s*([\d.,]+)\s*%\s*งบประมาณที่เบิกใช้\s*\(ครั้งที่\s*(\d+)\)\s*=\s*"
                      r"([\d,.]+)\s*บาท\s*:\s*([^:\n]+?)\s*:\s*([^:\n]+)")
BLOCK = re.compile(r"รายงานครั้งที่\s*(\d+)")
DATED = re.compile(r"::\s*(\d{1,2}/\d{1,2}/\d{4})\s*:")
TOLERANCE = Decimal(1)                       # baht: the print-outs round to .00
PER_REPORT, RUNNING = "per-report", "running totals"


class NotAPrintout(Exception):
    pass


@dataclass
class Printout:
    file: str
    sha256: str
    project: dict
    reports: dict[int, dict] = field(default_factory=dict)
    reading: str = PER_REPORT                                   # how the money lines were read
    printed: dict[int, Decimal] = field(default_factory=dict)   # report k -> its money line as printed
    issues: list[Issue] = field(default_factory=list)          # the reading's note, and its findings

    @property
    def code(self) -> str | None:
        return self.project.get("project_code")


def _text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NotAPrintout("F014")


def _html_to_lines(text: str) -> str:
    """Paragraphs and list items become lines; numbered items inside a list start a line."""
    def list_items(m):
        inner = re.sub(r"<[^>]+>", " ", m.group(0))
        return "\n" + re.sub(r"\s(?=\d+(?:\.\d+)*\.?\s)(?=\d+\.)", "\n", " " + inner) + "\n"
    text = re.sub(r"<ol\b.*?</ol>|<ol\b.*", list_items, text, flags=re.S)     # nested lists: one region
    text = re.sub(r"</?(p|br|li|div)\b[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def _clean_lines(text: str) -> str:
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def parse_printout(data: bytes, name: str) -> Printout:
    text = ascii_digits(_text(data)).replace("\r\n", "\n").replace("\r", "\n")
    if TITLE not in text or "รหัสโครงการ" not in text or "รายงานครั้งที่" not in text:
        raise NotAPrintout("F015")
    text = re.sub(r"^\s*\*{4}\s*" + TITLE + r"\s*\*{4}\s*$", "", text, flags=re.M)      # the repeated page header
    head, _, body = text.partition("2. รายงานความก้าวหน้าของโครงการ")
    body = body.split("ขอรับรองว่า")[0]
    project = _header(head)
    if not project.get("project_code"):
        raise NotAPrintout("F015")
    printout = Printout(name, hashlib.sha256(data).hexdigest(), project)
    printout.reports = _reports(body)
    if not printout.reports:
        raise NotAPrintout("F015")
    _reconcile(printout)
    return printout


def _label(text: str) -> str:
    return re.sub(r"[\s.]+", "", text)


def _header(head: str) -> dict:
    out: dict = {}
    labels = {_label(k): v for k, v in HEADER.items()}
    for line in head.split("\n"):
        label, sep, value = line.partition(":")
        key = labels.get(_label(label))
        if sep and key and key not in out:
            out[key] = value.strip().strip("*").strip()
    if out.get("agency"):
        parts = [p.strip() for p in out["agency"].split(" / ")]
        out["agency"], out["agency_short"], out["division"] = (parts + ["", ""])[:3]
    for key, parse in (("start_date", _date), ("end_date", _date), ("budget_allocated", parse_money),
                       ("budget_used", parse_money)):
        if out.get(key):
            out[key] = _or_none(parse, out[key])
    if out.get("fiscal_year", "").isdigit():
        out["fiscal_year"] = int(out["fiscal_year"])
    # sections 1.3-1.5: the text between one heading and the next
    marks = [(m.start(), m.end(), m.group(1)) for m in re.finditer(r"^\s*(1\.\d)\s.*$", head, flags=re.M)]
    for i, (_, end, number) in enumerate(marks):
        if number in SECTIONS:
            stop = marks[i + 1][0] if i + 1 < len(marks) else len(head)
            body = _clean_lines(head[end:stop])
            if number == "1.4":
                body = "\n".join(re.sub(r"^-\s*", "", line) for line in body.split("\n"))
            out[SECTIONS[number]] = body
    return out


def _date(text: str):
    return parse_date(text.split(" ")[0])


def _or_none(parse, text: str):
    """The parsed value, or None when the text is not one (the rules then see a missing value)."""
    try:
        return parse(text).value
    except Unreadable:
        return None


def _reports(body: str) -> dict[int, dict]:
    reports: dict[int, dict] = {}
    blocks = [(m.start(), m.end(), int(m.group(1))) for m in BLOCK.finditer(body)]
    last_dated = None
    for i, (_, end, k) in enumerate(blocks):
        stop = blocks[i + 1][0] if i + 1 < len(blocks) else len(body)
        chunk = body[end:stop]
        for m in PROGRESS.finditer(chunk):
            n = int(m.group(2))
            reports.setdefault(n, {}).update({
                "progress": Decimal(m.group(1).replace(",", "")), "disbursed": _or_none(parse_money, m.group(3)),
                "plan_status": m.group(4).strip(), "target_status": re.sub(r"<.*", "", m.group(5)).strip()})
        first_marker = chunk.find("::")
        lead = _clean_lines(_html_to_lines(chunk[:first_marker if first_marker >= 0 else len(chunk)]))
        if lead and last_dated is not None:           # the tail of the previous report, cut by a page break
            reports[last_dated]["narrative"] += " " + lead.replace("\n", " ")
        dated = list(DATED.finditer(chunk))
        for j, m in enumerate(dated):
            nxt = chunk.find("::", m.end())
            narrative = chunk[m.end(): nxt if nxt >= 0 else len(chunk)]
            reports.setdefault(k, {}).update({"report_date": parse_date(m.group(1)).value,
                                              "narrative": _clean_lines(_html_to_lines(narrative))})
            last_dated = k
    return dict(sorted(reports.items()))


# -- the money lines against the header total -----------------------------------------------------
def _reconcile(p: Printout) -> None:
    """Choose the reading of the money lines; store per-report amounts; say which reading, and why."""
    p.printed = {k: row["disbursed"] for k, row in p.reports.items() if row.get("disbursed") is not None}
    figures = list(p.printed.values())
    header, budget = p.project.get("budget_used"), p.project.get("budget_allocated")
    p.reading, code = _reading(figures, header, budget)
    last_k = max(p.printed, default=None)
    p.issues = [issue(code, file=p.file, sheet=SHEET, at="1:budget_used", total=_baht(sum(figures, Decimal(0))),
                      last=_baht(figures[-1] if figures else Decimal(0)), header=_baht(header), budget=_baht(budget),
                      k=last_k)]
    if p.reading == RUNNING:
        amounts, falls = _differences(p.printed, p.file)
        for k, amount in amounts.items():
            p.reports[k]["disbursed"] = amount
        p.issues += falls


def _reading(figures: list[Decimal], header: Decimal | None, budget: Decimal | None) -> tuple[str, str]:
    """(the reading, the code of the issue that says why) for the money lines in report order."""
    total, last = sum(figures, Decimal(0)), figures[-1] if figures else Decimal(0)
    if header is None:
        rising = all(a <= b for a, b in zip(figures, figures[1:]))
        if rising and budget is not None and total > budget + TOLERANCE and last <= budget + TOLERANCE:
            return RUNNING, "N008"
        return PER_REPORT, "N007"
    adds_up, last_equals = abs(total - header) <= TOLERANCE, abs(last - header) <= TOLERANCE
    if adds_up:
        return PER_REPORT, "N006" if last_equals else "N004"
    return (RUNNING, "N005") if last_equals else (PER_REPORT, "R114")


def _differences(totals: dict[int, Decimal], file: str) -> tuple[dict[int, Decimal], list[Issue]]:
    """Running totals -> each report's own amount. A total that falls cannot be differenced: that
    report's amount is 0 and the later ones count from the highest total so far (never a negative
    amount, and the stored sum is the highest total: the reading least wrong), with a finding."""
    amounts, falls, highest = {}, [], Decimal(0)
    for k, total in totals.items():
        if total < highest - TOLERANCE:
            falls.append(issue("R115", file=file, sheet=SHEET, at=f"รายงานครั้งที่{k}:disbursed",
                               value=_baht(total), previous=_baht(highest), k=k))
        amounts[k] = max(total - highest, Decimal(0))
        highest = max(highest, total)
    return amounts, falls


def _baht(amount: Decimal | None) -> str | None:
    """As people write it: 4,560,000 or 1,234.50."""
    if amount is None:
        return None
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def as_submission(p: Printout) -> Submission:
    """The print-out in the reader's shape, so the validator and the ledger take it as it is."""
    spec = load_spec()
    project = {f.key: Value(f.key, p.project.get(f.key), p.project.get(f.key), SHEET, f"1:{f.key}")
               for f in spec.project_fields if p.project.get(f.key) not in (None, "")}
    reports = {k: {key: _value(p, k, key, v) for key, v in row.items()} for k, row in p.reports.items()}
    return Submission(p.file, p.sha256, 0, project, reports)


def _value(p: Printout, k: int, key: str, value) -> Value:
    """A report's value; a money line read as a running total keeps the printed figure as raw, with the note."""
    if key == "disbursed" and p.reading == RUNNING and k in p.printed:
        notes = tuple(i for i in p.issues if i.code.startswith("N"))
        return Value(key, p.printed[k], value, SHEET, f"รายงานครั้งที่{k}:{key}", notes)
    return Value(key, value, value, SHEET, f"รายงานครั้งที่{k}:{key}")


def import_printout(path: Path, *, ledger, projects: dict | None = None) -> tuple[Printout | None, list[Issue]]:
    """Parse one print-out and record it in the ledger as accepted history; (printout, findings)."""
    from .validate import validate
    path = Path(path)
    data = path.read_bytes()
    try:
        p = parse_printout(data, path.name)
    except NotAPrintout as exc:
        return None, [issue(str(exc.args[0]), file=path.name)]
    sub = as_submission(p)
    fy = p.project.get("fiscal_year")
    register = (projects or {}).get(p.code)
    found = [] if register or projects is None else [issue("M007", file=path.name, value=p.code)]
    found += p.issues + [f for f in validate(sub, project=register, today=dt.date.max) if f.severity.value != "note"]
    if ledger.by_sha(p.sha256) is None:
        with ledger.transaction():
            ledger.record(sha256=p.sha256, name=path.name, project_code=p.code, fy=fy, month=max(p.reports),
                          template_version=None, state=State.ACCEPTED, source="legacy", values=value_rows(sub),
                          findings=found)
    return p, found
