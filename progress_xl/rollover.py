"""The turn of the fiscal year: which projects a year has, and next year's register drafted.

`year_activity(projects, fy, ledger)` says, for each project of the register, whether the year has
it (active, delayed, carried over) or not (ended, not begun), with one line each. `rollover` reads
this year's register and ledger and writes next year's register beside it, in its own format and
columns (never over it), with a report of what was carried and why.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .files import atomic_write
from .fiscal import fiscal_bounds, format_be
from .issues import Issue, issue, shown
from .ledger import Ledger
from .register import (SPAN_FIELDS, Project, Table, funding, is_xlsx, read_register, read_table,
                       spans_years)
from .spec import TemplateSpec, load_spec

ACTIVE, DELAYED, CARRIED, ENDED, NOT_STARTED = "active", "delayed", "carried", "ended", "not_started"
INCLUDED = (ACTIVE, DELAYED, CARRIED)
DONE = Decimal(100)


# -- which projects a fiscal year has ------------------------------------------------------------
@dataclass(frozen=True)
class Standing:
    """Where a project stands in a fiscal year, and the line that says so (None: plainly active)."""
    project: Project
    state: str
    line: Issue | None = None

    @property
    def included(self) -> bool:
        return self.state in INCLUDED


def _known_progress(project: Project, fy: int, ledger: Ledger | None) -> tuple[Decimal | None, str, str]:
    """The latest progress known for a project (the ledger's accepted reports, else the register's
    stated start progress), and where it came from (Thai, English)."""
    found = ledger.last_progress(project.code, fy) if ledger is not None else None
    if found:
        year, progress = found
        return progress, f"ตามรายงานที่รับรองแล้วของปีงบประมาณ {year}", f"as accepted in FY {year}"
    if project.stated("start_progress"):
        return Decimal(str(project["start_progress"])), "ตามทะเบียนโครงการ", "as the register gives it"
    return None, "", ""


def standing(project: Project, fy: int, ledger: Ledger | None = None, file: str = "") -> Standing:
    """Active: started by the year's end and planned to end after its start. Past its planned end:
    delayed while its progress (ledger, else register) is below 100 %, else carried when it has
    carried-over funds, else ended. Starting after the year: not begun."""
    first, last = fiscal_bounds(fy)
    start, end, code = project["start_date"], project["end_date"], project.code
    if start > last:
        return Standing(project, NOT_STARTED, issue("P013", file=file, value=code, start=format_be(start), fy=fy))
    if end >= first:
        return Standing(project, ACTIVE)
    progress, source_th, source_en = _known_progress(project, fy, ledger)
    if progress is not None and progress < DONE:
        return Standing(project, DELAYED, issue("P014", file=file, value=code, end=format_be(end), progress=progress,
                                                source_th=source_th, source_en=source_en))
    if funding(project).carryover > 0:
        return Standing(project, CARRIED, issue("P015", file=file, value=code, end=format_be(end),
                                                carryover=funding(project).carryover))
    return Standing(project, ENDED, issue("P012", file=file, value=code, end=format_be(end), fy=fy))


def year_activity(projects: list[Project], fy: int, ledger: Ledger | None = None, file: str = "") -> list[Standing]:
    """Every project's standing in fiscal year `fy`, in the register's order; `file` names the register."""
    return [standing(p, fy, ledger, file) for p in projects]


def activity_summary(standings: list[Standing], fy: int, file: str = "") -> Issue:
    """One line: how many get a workbook (delayed, carried over, multi-year among them), how many not."""
    included = [s for s in standings if s.included]
    return issue("P017", file=file, fy=fy, included=len(included), left=len(standings) - len(included),
                 delayed=sum(s.state == DELAYED for s in included), carried=sum(s.state == CARRIED for s in included),
                 multi=sum(spans_years(s.project) for s in included))


# -- the turn of the year: one decision per project --------------------------------------------
CARRIED_AS = {"multi": "ต่อเนื่อง / multi-year", "delayed": "ล่าช้า / delayed"}
OUTCOME = {"multi": "ยกไป ต่อเนื่อง / carried, multi-year", "delayed": "ยกไป ล่าช้า / carried, delayed",
           "registered": "ยกไปตามทะเบียน / carried as registered", "finished": "ปิด เสร็จแล้ว / closed, finished",
           "ended": "ปิด สิ้นสุดแล้ว / closed, ended", "added": "เพิ่มใหม่ / added"}


@dataclass
class Decision:
    """What happens to one project at the turn of the year."""
    project: Project
    outcome: str                    # a key of OUTCOME
    line: Issue
    changes: dict = field(default_factory=dict)     # field key -> the draft's new value
    progress: Decimal | None = None
    spent: Decimal = Decimal(0)     # disbursed in the accepted reports of the year

    @property
    def carried(self) -> bool:
        return self.outcome in ("multi", "delayed", "registered")


def _carry(project: Project, to: int, progress: Decimal, spent: Decimal) -> dict:
    """The carried project's figures for the new year: progress and money so far; the unspent money
    as carry-over (to be kept only where the funds were reserved); a multi-year project's allocation
    as this year's, never beyond what its total leaves; a delayed one gets no new allocation."""
    money = funding(project)
    before = money.disbursed_before + spent
    unspent = max(money.available - spent, Decimal(0))
    runs_on = project["end_date"] >= fiscal_bounds(to)[0]
    allocation = max(min(money.allocation, money.total - before - unspent), Decimal(0)) if runs_on else Decimal(0)
    return {"fiscal_year": to, "start_progress": progress, "disbursed_before": before, "total_budget": money.total,
            "fy_allocation": allocation, "carryover": unspent, "carryover_deadline": None,
            "carried_as": CARRIED_AS["multi" if runs_on else "delayed"]}


def decide(project: Project, fy: int, to: int, ledger: Ledger, file: str = "") -> Decision:
    """Carry a project into `to` (unfinished, or not begun), or close it (finished, or ended before `fy`)."""
    place = standing(project, fy, ledger)
    code, end = project.code, format_be(project["end_date"])
    if place.state == NOT_STARTED:
        return Decision(project, "registered", issue("P023", file=file, value=code,
                                                     start=format_be(project["start_date"])), {"fiscal_year": to})
    if place.state == ENDED:
        return Decision(project, "ended", issue("P022", file=file, value=code, end=end, fy=fy, to=to))
    progress, spent, reports = ledger.year_figures(code, fy)
    if progress is None:
        progress = funding(project).start_progress
    if progress >= DONE:
        return Decision(project, "finished", issue("P021", file=file, value=code, progress=progress, to=to),
                        progress=progress, spent=spent)
    changes = _carry(project, to, progress, spent)
    figures = {"file": file, "value": code, "to": to, "end": end, "progress": progress,
               "before": changes["disbursed_before"], "carryover": changes["carryover"]}
    if changes["carried_as"] == CARRIED_AS["multi"]:
        line = issue("P018", allocation=changes["fy_allocation"], **figures)
    elif reports == 0 and not project.stated("start_progress"):
        line = issue("P020", file=file, value=code, end=end, fy=fy)
    else:
        line = issue("P019", **figures)
    outcome = "multi" if changes["carried_as"] == CARRIED_AS["multi"] else "delayed"
    return Decision(project, outcome, line, changes, progress, spent)


# -- the draft: the register's own columns and order, the carried rows changed, new rows added ---
_SPAN_LABELS = {f.key: (f.th, f.en) for f in SPAN_FIELDS}
_THAI = re.compile("[\u0e00-\u0e7f]")
MONEY_KEYS = frozenset({"budget_allocated", "total_budget", "fy_allocation", "carryover", "disbursed_before"})


@dataclass
class Draft:
    above: list[list]               # rows above the header, kept as they were
    header: list
    keys: dict[str, int]            # field key -> column index
    rows: list[list] = field(default_factory=list)
    thai: bool = True               # new columns get Thai headers (else English), as the register's

    @classmethod
    def of(cls, table: Table) -> "Draft":
        width = _used_width(table.rows)         # an xlsx sheet's rows come padded to the columns read
        header = table.header()[:width]
        return cls([list(r)[:width] for r in table.rows[:table.header_at]], header + [None] * (width - len(header)),
                   {k: i for i, k in table.columns.items()}, thai=bool(_THAI.search(" ".join(map(str, header)))))

    def column(self, key: str, label: str | None = None) -> int:
        if key not in self.keys:
            th, en = _SPAN_LABELS.get(key, (label or key, label or key))
            self.keys[key] = len(self.header)
            self.header.append(label or (th if self.thai else en))
        return self.keys[key]

    def put(self, cells: list, key: str, value) -> None:
        """Set a field's cell; a column is added only for a value (never for fiscal_year: without
        that column a register's year is the one it is read for)."""
        if key not in self.keys and (value is None or key == "fiscal_year"):
            return
        i = self.column(key)
        cells.extend([None] * (i + 1 - len(cells)))
        cells[i] = value


def _used_width(rows: list[list]) -> int:
    return max((i + 1 for row in rows for i, v in enumerate(row) if v is not None and str(v).strip() != ""), default=0)


def _carried_rows(draft: Draft, table: Table, decisions: list[Decision]) -> dict[str, list]:
    rows = {}
    for d in decisions:
        if d.carried:
            cells = list(table.rows[d.project.row - 1])[:len(draft.header)]
            for key, value in d.changes.items():
                draft.put(cells, key, value)
            rows[d.project.code] = cells
    return rows


def _add(draft: Draft, rows: dict[str, list], table: Table, project: Project) -> bool:
    """Put a new register's row in: its known columns, by field; over a carried row's cells where it
    gives a value. True when the project was carried already (merged)."""
    source, header = table.rows[project.row - 1], table.header()
    merged = project.code in rows
    cells = rows.setdefault(project.code, [])
    for i, key in sorted(table.columns.items()):
        value = source[i] if i < len(source) else None
        if value is not None and str(value).strip() != "" or not merged:
            draft.column(key, str(header[i]).strip() if key not in draft.keys else None)
            draft.put(cells, key, value)
    return merged


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_be(value)
    return shown(value) if isinstance(value, Decimal) else str(value)


def _write_csv(path: Path, draft: Draft) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    width = len(draft.header)
    for row in draft.above + [draft.header] + draft.rows:
        writer.writerow([_text(v) for v in list(row) + [None] * (width - len(row))])
    with atomic_write(path) as fh:           # UTF-8 with a BOM: Thai Excel opens it as Thai
        fh.write(out.getvalue().encode("utf-8-sig"))


def _write_xlsx(path: Path, draft: Draft) -> None:
    from .layout import BE_DATE_SHORT, MONEY, workbook
    with atomic_write(path) as fh:
        wb = workbook(fh, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        ws = wb.add_worksheet()
        date, money, bold = wb.add_format({"num_format": BE_DATE_SHORT}), wb.add_format({"num_format": MONEY}), \
            wb.add_format({"bold": True})
        money_columns = {i for k, i in draft.keys.items() if k in MONEY_KEYS}
        for r, row in enumerate(draft.above + [draft.header] + draft.rows):
            for c, value in enumerate(row):
                _write_cell(ws, r, c, value, date, money if c in money_columns else None,
                            bold if r == len(draft.above) else None)
        wb.close()


def _write_cell(ws, r: int, c: int, value, date, money, header) -> None:
    if value is None or value == "":
        return
    if isinstance(value, (dt.date, dt.datetime)):
        when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        ws.write_datetime(r, c, when, date)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        ws.write_number(r, c, float(value), money)
    else:
        ws.write_string(r, c, str(value), header)


REPORT_HEADER = ("รหัสโครงการ / project code", "ชื่อโครงการ / project", "หน่วยงาน / agency", "ผล / outcome",
                 "ความก้าวหน้าสะสม (%) / progress (%)", "เบิกจ่ายในปี (บาท) / disbursed in the year (baht)",
                 "เบิกจ่ายสะสมยกไป (บาท) / disbursed so far (baht)", "เงินกันไว้เบิกเหลื่อมปี (บาท) / carry-over (baht)",
                 "เหตุผล / reason (Thai)", "reason (English)")


def _write_report(path: Path, decisions: list[Decision]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    for d in decisions:
        p = d.project
        writer.writerow([p.code, p["project_name"], p["agency_short"] or p["agency"], OUTCOME[d.outcome],
                         _text(d.progress), _text(d.spent), _text(d.changes.get("disbursed_before")),
                         _text(d.changes.get("carryover")), d.line.th, d.line.en])
    with atomic_write(path) as fh:
        fh.write(out.getvalue().encode("utf-8-sig"))


def draft_paths(register: Path, to: int) -> tuple[Path, Path]:
    """(the draft, its report) beside the register: `register_2565.csv` for `register.csv` or
    `register_2564.csv`; numbered (`register_2565-2.csv`) when taken, never the register itself."""
    register = Path(register)
    stem = re.sub(r"[_\-\s]*\d{4}$", "", register.stem) or register.stem
    suffix = ".xlsx" if is_xlsx(register) else ".csv"
    n = 1
    while True:
        name = f"{stem}_{to}" + (f"-{n}" if n > 1 else "")
        draft, report = register.with_name(name + suffix), register.with_name(name + "_rollover.csv")
        if not (draft.exists() or report.exists() or draft == register):
            return draft, report
        n += 1


# -- the command ---------------------------------------------------------------------------------
@dataclass
class Rollover:
    draft: Path
    report: Path
    decisions: list[Decision]
    problems: list[Issue]           # the registers' own lines, and a ledger that knows nothing of the year
    summary: Issue


def _other_years(result, file: str, fy: int) -> list[Issue]:
    return [issue("P016", file=file, row=p.row, value=p.code, other=p["fiscal_year"], fy=fy)
            for p in result.other_years]


def _new_projects(draft: Draft, rows: dict, paths, spec: TemplateSpec, to: int, fy: int) -> tuple[list, list]:
    decisions, problems = [], []
    for path in map(Path, paths):
        result, table = read_register(path, spec, to), read_table(path, spec)
        problems += result.issues + _other_years(result, path.name, to)
        for p in result.projects:
            merged = _add(draft, rows, table, p)
            line = issue("P025" if merged else "P024", file=path.name, value=p.code, source=path.name, fy=fy)
            decisions.append(Decision(p, "added", line))
    return decisions, problems


def rollover(register: Path, to: int, ledger_path: Path, added=(), spec: TemplateSpec | None = None) -> Rollover:
    """Draft fiscal year `to`'s register from fiscal year `to - 1`'s register and ledger (and the
    projects of new registers `added`), beside the register; the register itself is never written."""
    spec, register, fy = spec or load_spec(), Path(register), to - 1
    result, table = read_register(register, spec, fy), read_table(register, spec)
    problems = result.issues + _other_years(result, register.name, fy)
    with Ledger(ledger_path) as ledger:
        decisions = [decide(p, fy, to, ledger, register.name) for p in result.projects]
        if not any(ledger.last_accepted(p.code, fy) for p in result.projects):
            problems.append(issue("P027", file=Path(ledger_path).name, path=ledger_path, fy=fy))
    draft = Draft.of(table)
    rows = _carried_rows(draft, table, decisions)
    new, more = _new_projects(draft, rows, added, spec, to, fy)
    draft.rows = list(rows.values())
    target, report = draft_paths(register, to)
    (_write_xlsx if target.suffix == ".xlsx" else _write_csv)(target, draft)
    _write_report(report, decisions + new)
    carried = [d for d in decisions if d.carried]
    summary = issue("P026", file=register.name, to=to, path=target, report=report, carried=len(carried),
                    delayed=sum(d.outcome == "delayed" for d in carried), closed=len(decisions) - len(carried),
                    added=sum(d.line.code == "P024" for d in new))
    return Rollover(target, report, decisions + new, problems + more, summary)
