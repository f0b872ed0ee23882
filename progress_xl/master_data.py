"""The master's content as data: the headline figures, and each sheet's table as (headers, rows).

Built from the ledger, the register and the month's input outcomes, with no clock and no
xlsxwriter. `master.py` writes these tables into the workbook and `export.py` into CSV: a new
export of the master is one module reading a `Table` from here. Columns are found by their
English header (`Table.column`), never by number.

How a table prints is said here in words a reader would use: `widths` is how wide a column may grow
before its text wraps, `kinds` how its numbers show; `master.py` turns them into formats.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from .fiscal import month_bounds, month_label
from .issues import render
from .ledger import Finding, Ledger, Stored
from .register import Project, funding, spans_years
from .spec import TemplateSpec, load_spec
from .state import State

SHEETS = {"summary": "สรุป Summary", "projects": "โครงการ Projects", "matrix": "รายเดือน Monthly",
          "issues": "ประเด็น Issues", "inputs": "ไฟล์ที่ได้รับ Inputs", "rejected": "ไม่รับ Rejected",
          "provenance": "ที่มา Provenance", "changes": "เปลี่ยนแปลง Changes"}
CLAIMS = ("R109", "R112")        # "on plan" while the numbers say otherwise
SHOWN_EVERY_MONTH = ("progress", "disbursed")      # the matrix and the disbursed to date
LATE = "ช้า / late"
MULTI_YEAR = "ต่อเนื่อง / multi-year"
# a finding's severity as the Issues sheet shows it, Thai and English; errors first, then what to look at
SEVERITIES = {"error": ("ข้อผิดพลาด", "error"), "warning": ("คำเตือน", "warning"),
              "explained": ("ชี้แจงแล้ว", "explained"), "note": ("บันทึกการอ่าน", "note")}
# the progress-vs-time chart's series, in legend order: a file with errors apart, the others by their
# own "against plan"; each (Thai, English, colour)
POINTS = {"on plan": ("เป็นไปตามแผน", "on plan", "#548235"),
          "ahead of plan": ("เร็วกว่าแผน", "ahead of plan", "#2E75B6"),
          "behind plan": ("ล่าช้ากว่าแผน", "behind plan", "#C00000"),
          "not stated": ("ไม่ระบุ", "not stated", "#7F7F7F"),
          "has issues": ("มีปัญหา", "has issues", "#ED7D31")}

Header = tuple[str, str]         # (Thai, English)
T = TypeVar("T")


@dataclass(frozen=True)
class Table:
    """One sheet's table: a Thai and an English header row, then the rows. `rows` may be a generator
    (the long tables stream from the ledger: iterate them once). `widths` and `kinds` are keyed by
    English header: a width is the most a column grows to its text (in characters; longer text wraps; a
    streamed table's columns are that wide), a kind says how a number shows ("percent" points, "money",
    "rate", "count")."""
    key: str                                   # the sheet, a key of SHEETS
    headers: tuple[Header, ...]
    rows: Iterable[tuple]
    widths: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    printed: str | None = None                 # the last column a printed page shows (None: all of them)
    printed_rows: int | None = None            # how many of the first rows print (None: all of them)

    def __post_init__(self) -> None:
        english = [en for _, en in self.headers]
        unknown = (set(self.widths) | set(self.kinds) | ({self.printed} if self.printed else set())) - set(english)
        if len(set(english)) != len(english) or unknown:
            raise ValueError(f"table {self.key}: headers {english} (unknown: {sorted(unknown)})")

    def column(self, en: str) -> int:
        """The zero-based column whose English header is `en`."""
        for i, (_, e) in enumerate(self.headers):
            if e == en:
                return i
        raise KeyError(f"table {self.key} has no column {en!r}")

    def by_column(self, mapping: Mapping[str, T]) -> dict[int, T]:
        """`mapping` (English header -> x) re-keyed by column number."""
        return {self.column(en): x for en, x in mapping.items()}


@dataclass
class ProjectRow:
    """One project of the register in the month: its current submission (or none) and its figures."""
    project: Project
    sub: Stored | None
    state: State
    late: bool
    progress: Decimal | None
    series: dict[int, Decimal | None]          # report k -> cumulative progress
    disbursed: Decimal
    budget: Decimal
    plan_status: object
    target_status: object
    report_date: object
    elapsed: Decimal | None                    # % of the project's time gone by the month's end
    findings: list[Finding]
    behind: bool
    claims: bool
    total: Decimal = Decimal(0)                # the project's total budget, every year
    disbursed_before: Decimal = Decimal(0)     # in the fiscal years before this one
    multi_year: bool = False

    @property
    def project_to_date(self) -> Decimal:
        """Disbursed over the project's life: the years before and this year's running total."""
        return self.disbursed_before + self.disbursed

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")


@dataclass
class AgencyRow:
    code: str
    name: str
    expected: int = 0
    received: int = 0
    accepted: int = 0
    has_issues: int = 0
    late: int = 0
    missing: int = 0
    allocated: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    to_date: Decimal = Decimal(0)

    def add(self, r: ProjectRow) -> None:
        self.expected += 1
        self.received += r.state != State.MISSING
        self.accepted += r.state == State.ACCEPTED
        self.has_issues += r.state == State.HAS_ISSUES
        self.late += r.late
        self.missing += r.state == State.MISSING
        self.allocated += r.budget
        self.disbursed += r.disbursed
        self.total += r.total
        self.to_date += r.project_to_date


def severity_label(severity: str) -> str:
    th, en = SEVERITIES.get(severity, (severity, severity))
    return f"{th} / {en}"


def field_label(spec: TemplateSpec, key: str) -> str:
    """A field as people know it (`ความก้าวหน้าสะสม (%) / Cumulative progress (%)`), never its key."""
    try:
        return spec.field(key).label()
    except KeyError:
        return key


@functools.cache
def _labels(version) -> dict[str, str]:
    """Field key -> its label in template `version` (the newest template's for a version not known)."""
    try:
        spec = load_spec(int(version))
    except (TypeError, ValueError, LookupError, OSError):
        spec = load_spec()
    return {f.key: f.label() for f in spec.fields}


def _d(v) -> Decimal | None:
    return Decimal(str(v)) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else None


def _share(part, whole) -> float:
    return float(part / whole) if whole else 0


# -- one project's row --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Month:
    """What every project's row of the month needs to know."""
    fy: int
    month: int
    end: dt.date
    window_end: dt.date
    on_plan: str | None
    behind: str | None

    @classmethod
    def of(cls, spec: TemplateSpec, fy: int, month: int) -> _Month:
        start, end = month_bounds(fy, month)
        return cls(fy, month, end, start.replace(day=spec.reporting_window[1]),
                   spec.choice_by_en("plan_status", "on plan"), spec.choice_by_en("plan_status", "behind plan"))


def _series(values: dict, history: dict, month: int) -> dict[int, Decimal | None]:
    series = {}
    for k in range(1, month + 1):
        row = values.get(k) or {}
        got = row.get("progress", {}).get("value") if row else None
        series[k] = _d(got) if got is not None else _d(history.get(k, {}).get("progress"))
    return series


def _disbursed(sub, values: dict, history: dict, month: int) -> Decimal:
    if sub:
        return sum((_d(v.get("disbursed", {}).get("value")) or Decimal(0) for k, v in values.items() if 0 < k <= month),
                   Decimal(0))
    return sum((_d(h.get("disbursed")) or Decimal(0) for h in history.values()), Decimal(0))


def _late(sub, day, window_end: dt.date) -> bool:
    """Received after the reporting window (by the time it was received, else by its report date)."""
    received = sub.received_at[:10] if sub and sub.received_at else None
    return bool(sub) and ((received is not None and received > window_end.isoformat())
                          or (received is None and isinstance(day, dt.date) and day > window_end))


def _elapsed(p: Project, end: dt.date) -> Decimal | None:
    p_start, p_end = p["start_date"], p["end_date"]
    if isinstance(p_start, dt.date) and isinstance(p_end, dt.date) and p_end > p_start:
        share = (min(max(end, p_start), p_end) - p_start) / (p_end - p_start)
        return (Decimal(share) * 100).quantize(Decimal("0.1"))
    return None


def project_row(ledger: Ledger, p: Project, sub: Stored | None, m: _Month) -> ProjectRow:
    values = ledger.values(sub.id, m.month, SHOWN_EVERY_MONTH) if sub else {}   # this report, and the series
    history = ledger.accepted_history(p.code, m.fy, m.month)
    series = _series(values, history, m.month)
    this = {key: v["value"] for key, v in (values.get(m.month) or {}).items()}
    findings = ledger.findings(sub.id) if sub else []
    plan = this.get("plan_status")
    money = funding(p)          # this year's money is the allocation and the carry-over, apart from the total
    return ProjectRow(
        project=p, sub=sub, state=State(sub.state) if sub else State.MISSING,
        late=_late(sub, this.get("report_date"), m.window_end), progress=series.get(m.month), series=series,
        disbursed=_disbursed(sub, values, history, m.month), budget=money.available,
        plan_status=plan, target_status=this.get("target_status"), report_date=this.get("report_date"),
        elapsed=_elapsed(p, m.end), findings=findings, behind=plan == m.behind,
        claims=plan == m.on_plan and any(f.code in CLAIMS for f in findings),
        total=money.total, disbursed_before=money.disbursed_before, multi_year=spans_years(p))


def _changes(ledger: Ledger, fy: int, month: int) -> list[tuple]:
    """Field by field, what each superseded file of the month said and what its successor says."""
    changes = []
    stored = {s.id: s for s in ledger.submissions(fy, month)}
    for s in stored.values():
        if s.state == State.SUPERSEDED and s.superseded_by in stored:
            new = stored[s.superseded_by]
            old_v, new_v = ledger.values(s.id), ledger.values(new.id)
            for k in sorted(set(old_v) | set(new_v)):
                for key in sorted(set(old_v.get(k, {})) | set(new_v.get(k, {}))):
                    a = old_v.get(k, {}).get(key, {}).get("value")
                    b = new_v.get(k, {}).get(key, {}).get("value")
                    if a != b:
                        changes.append((s.project_code, s.name, s.sha256, new.name, new.sha256,
                                        month_label(fy, k) if k else "-", key, a, b))
    return changes


# -- the month ----------------------------------------------------------------------------------
class MasterData:
    """Everything the master shows, gathered from the ledger once (the provenance streams from it)."""

    def __init__(self, ledger: Ledger, projects: list[Project], fy: int, month: int, outcomes,
                 skipped: Iterable[dict] = ()):
        self.ledger, self.fy, self.month, self.outcomes = ledger, fy, month, list(outcomes)
        self.skipped = list(skipped)
        self.spec = load_spec()
        current = ledger.current(fy, month)
        m = _Month.of(self.spec, fy, month)
        self.rows = [project_row(ledger, p, current.get(p.code), m)
                     for p in sorted(projects, key=lambda p: (p.agency_code, p.code))]
        self.reported = [(r.project.code, r.sub) for r in self.rows if r.sub]
        self.changes = _changes(ledger, fy, month)
        self.agencies: dict[str, AgencyRow] = {}
        for r in self.rows:
            p = r.project
            self.agencies.setdefault(p.agency_code, AgencyRow(p.agency_code, p["agency_short"] or p["agency"])).add(r)
        self.headline = self._headline()

    def _headline(self) -> dict:
        agencies, places = self.agencies.values(), [o.place for o in self.outcomes]
        h: dict = {key: sum(getattr(a, key) for a in agencies)
                   for key in ("expected", "received", "accepted", "has_issues", "missing", "late")}
        h["expected"] = len(self.rows)
        h.update(allocated=sum((a.allocated for a in agencies), Decimal(0)),
                 disbursed=sum((a.disbursed for a in agencies), Decimal(0)),
                 project_totals=sum((a.total for a in agencies), Decimal(0)),
                 disbursed_to_date=sum((a.to_date for a in agencies), Decimal(0)),
                 multi_year=sum(r.multi_year for r in self.rows),
                 behind=sum(r.behind for r in self.rows), claims=sum(r.claims for r in self.rows),
                 inputs=len(self.outcomes))
        h.update({f"inputs_{s}": places.count(s) for s in State if s is not State.MISSING})
        h["disbursed_rate"] = _share(h["disbursed"], h["allocated"])
        h["to_date_rate"] = _share(h["disbursed_to_date"], h["project_totals"])
        h["reporting_rate"] = h["received"] / h["expected"] if h["expected"] else 0
        h["on_time_rate"] = (h["received"] - h["late"]) / h["expected"] if h["expected"] else 0
        return h

    # -- the summary board -----------------------------------------------------------------------
    def kpis(self) -> list[tuple[str, str, object, str | None]]:
        """(Thai, English, value, kind) of each headline figure of the board."""
        h = self.headline
        return [("โครงการที่ต้องรายงาน", "Projects expected", h["expected"], None),
                ("ได้รับรายงาน", "Reports received", h["received"], None),
                ("รับแล้ว", "Accepted", h["accepted"], None),
                ("มีปัญหา", "Has issues", h["has_issues"], None),
                ("ส่งช้า", "Late", h["late"], None),
                ("ยังไม่ส่ง", "Missing", h["missing"], None),
                ("อัตราการรายงาน", "Reporting rate", h["reporting_rate"], "rate"),
                ("ส่งตรงเวลา", "On-time rate", h["on_time_rate"], "rate"),
                ("งบประมาณปีนี้รวมเงินกันเหลื่อมปี (บาท)", "This year's allocation + carry-over (baht)",
                 h["allocated"], "money"),
                ("เบิกใช้สะสมปีนี้ (บาท)", "Disbursed this year to date (baht)", h["disbursed"], "money"),
                ("ร้อยละเบิกจ่ายปีนี้", "Disbursed % this year", h["disbursed_rate"], "rate"),
                ("งบประมาณทั้งโครงการ (บาท)", "Project totals, every year (baht)", h["project_totals"], "money"),
                ("เบิกจ่ายสะสมทั้งโครงการ (บาท)", "Disbursed project to date (baht)", h["disbursed_to_date"], "money"),
                ("ร้อยละเบิกจ่ายทั้งโครงการ", "Disbursed % of the project totals", h["to_date_rate"], "rate"),
                ("โครงการต่อเนื่องหลายปีงบประมาณ", "Multi-year projects", h["multi_year"], None),
                ("ล่าช้ากว่าแผน", "Behind plan", h["behind"], None),
                ("แจ้งตามแผนแต่ตัวเลขไม่สอดคล้อง", "'On plan' but the numbers disagree", h["claims"], None)]

    def points(self) -> dict[str, list[tuple[float, float]]]:
        """The progress-vs-time chart's points (time elapsed %, progress %) by series of `POINTS`, in the
        projects' order: a file with errors apart (its figures wait for the fix), the others by what they
        say against plan."""
        said = {choice: en for en in ("on plan", "behind plan", "ahead of plan")
                if (choice := self.spec.choice_by_en("plan_status", en))}
        series: dict[str, list[tuple[float, float]]] = {key: [] for key in POINTS}
        for r in self.rows:
            if r.progress is not None and r.elapsed is not None:
                key = "has issues" if r.state == State.HAS_ISSUES else said.get(str(r.plan_status), "not stated")
                series[key].append((float(r.elapsed), float(r.progress)))
        return series

    def accounting(self) -> str:
        """Every file received, and where each ended (the line the command prints, W031/W032)."""
        h = self.headline
        ours = h.get("inputs_transient", 0)      # not processed (the moment's or our error): read again next run
        th, en = render("W032" if ours else "W031", inputs=h["inputs"], accepted=h["inputs_accepted"],
                        has_issues=h["inputs_has_issues"], superseded=h["inputs_superseded"],
                        rejected=h["inputs_rejected"], duplicates=h["inputs_duplicate"], transient=ours)
        return f"{th} / {en}"

    def agency_table(self) -> Table:
        """Per agency; the rates are the values of the formulas the sheet carries."""
        rows = [(a.code, str(a.name or ""), a.expected, a.received, a.accepted, a.has_issues, a.late, a.missing,
                 _share(a.received, a.expected), _share(a.received - a.late, a.expected),
                 a.allocated, a.disbursed, _share(a.disbursed, a.allocated))
                for _, a in sorted(self.agencies.items())]
        return Table("summary", AGENCY_HEADERS, rows,
                     kinds={"Reporting rate": "rate", "On-time rate": "rate", "Disbursed %": "rate",
                            "Allocated": "money", "Disbursed": "money"})

    def agency_totals(self) -> tuple:
        """The total row of the agency table. Sums of the cells as a client adds them (floats)."""
        h, agencies = self.headline, [a for _, a in sorted(self.agencies.items())]
        total = lambda key: sum(float(getattr(a, key)) for a in agencies)  # noqa: E731
        return ("รวม", "Total", *(total(k) for k in ("expected", "received", "accepted", "has_issues", "late",
                                                      "missing")),
                h["reporting_rate"], h["on_time_rate"], total("allocated"), total("disbursed"),
                _share(h["disbursed"], h["allocated"]))

    # -- the tables ------------------------------------------------------------------------------
    def projects_table(self) -> Table:
        """Every project of the register in the month; the columns a printed page has room for first (up to
        the phone), those for the screen after them (counts of findings, e-mail, coordinator, file)."""
        rows = [tuple(row[en] for _, en in PROJECT_HEADERS) for row in map(self._project, self.rows)]
        return Table("projects", PROJECT_HEADERS, rows,
                     widths={"Agency": 10, "Project code": 20, "Project": 24, "State": 10, "Late": 6,
                             "Against plan": 10, "Against target": 10, "Responsible": 12, "Multi-year": 9,
                             "E-mail": 24, "Coordinator": 14, "File": 30},
                     kinds={"Progress (%)": "percent", "Time elapsed (%)": "percent", "Allocated": "money",
                            "Disbursed": "money", "Disbursed %": "rate", "Project total": "money",
                            "Project to date": "money", "Errors": "count", "Warnings": "count"},
                     printed="Phone")

    @staticmethod
    def _project(r: ProjectRow) -> dict[str, object]:
        p = r.project
        return {"Agency": p["agency_short"] or p["agency"], "Project code": p.code, "Project": p["project_name"],
                "State": r.state.label, "Late": LATE if r.late else "", "Progress (%)": r.progress,
                "Time elapsed (%)": r.elapsed, "Allocated": r.budget, "Disbursed": r.disbursed,
                "Disbursed %": _share(r.disbursed, r.budget), "Project total": r.total,
                "Project to date": r.project_to_date, "Multi-year": MULTI_YEAR if r.multi_year else "",
                "Against plan": r.plan_status, "Against target": r.target_status, "Report date": r.report_date,
                "Responsible": p["responsible_person"], "Phone": p["responsible_phone"],
                "Errors": r.errors if r.sub else None, "Warnings": r.warnings if r.sub else None,
                "E-mail": p["responsible_email"] or p["agency_email"], "Coordinator": p["coordinator"],
                "File": r.sub.name if r.sub else ""}

    def matrix_table(self) -> Table:
        months = tuple((month_label(self.fy, k), f"report {k}") for k in range(1, 13))
        rows = [(r.project.code, r.project["project_name"], *(r.series.get(k) for k in range(1, 13)))
                for r in self.rows]
        return Table("matrix", (("รหัสโครงการ", "Project code"), ("ชื่อโครงการ", "Project")) + months, rows,
                     widths={"Project": 40}, kinds={en: "percent" for _, en in months})

    def issues_table(self) -> Table:
        """Every finding, errors first (then warnings, explained warnings, reading notes), each severity in
        the projects' order; the severity in Thai and English. The notes on how a value was read (nothing to
        fix) are for the screen: the printed pages end before them."""
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        found = sorted(((r, f) for r in self.rows if r.sub for f in r.findings),
                       key=lambda rf: rank.get(rf[1].severity, len(rank)))
        rows = [(r.project.agency_code, r.project.code, r.sub.name if r.sub else "", f.code,
                 severity_label(f.severity), f.sheet, f.cell, f.value, f.th, f.en) for r, f in found]
        return Table("issues", (("หน่วยงาน", "Agency"), ("รหัสโครงการ", "Project"), ("ไฟล์", "File"), ("รหัส", "Code"),
                                ("ระดับ", "Severity"), ("ชีต", "Sheet"), ("ช่อง", "Cell"), ("ค่า", "Value"),
                                ("รายละเอียด", "Thai"), ("Detail", "English")),
                     rows, widths={"File": 22, "Severity": 12, "Sheet": 10, "Value": 14, "Thai": 40, "English": 40},
                     printed_rows=sum(1 for _, f in found if f.severity != "note"))

    def inputs_table(self) -> Table:
        rows = [(o.name, o.sha256, State(o.place).label, o.project_code, o.detail_th, o.detail_en)
                for o in self.outcomes]
        return Table("inputs", (("ไฟล์", "File"), ("sha256", "sha256"), ("ผล", "Outcome"), ("รหัสโครงการ", "Project"),
                                ("รายละเอียด", "Thai"), ("Detail", "English")),
                     rows, widths={"File": 30, "sha256": 20, "Outcome": 12, "Thai": 40, "English": 40})

    def rejected_table(self) -> Table:
        rows = ([(o.name, o.sha256, o.detail_th, o.detail_en) for o in self.outcomes if o.place == State.REJECTED]
                + [(s.get("file"), "", s.get("th"), s.get("en")) for s in self.skipped])
        return Table("rejected", (("ไฟล์", "File"), ("sha256", "sha256"), ("เหตุผล", "Reason"), ("Reason", "English")),
                     rows, widths={"File": 30, "sha256": 18, "Reason": 40, "English": 40})

    def provenance_table(self) -> Table:
        return Table("provenance", (("รหัสโครงการ", "Project"), ("ครั้งที่", "Report"), ("เดือน", "Month"),
                                    ("ช่อง", "Field"), ("ค่า", "Value"), ("ไฟล์", "File"), ("sha256", "sha256"),
                                    ("ตำแหน่ง", "Sheet!cell"), ("รุ่นแบบฟอร์ม", "Template"), ("การอ่าน", "Parse notes")),
                     self._provenance(), widths={"Field": 44, "Value": 30, "File": 40, "sha256": 20, "Sheet!cell": 24,
                                                 "Parse notes": 60},
                     kinds={"Report": "count", "Template": "count"})

    def _provenance(self) -> Iterator[tuple]:
        """Every value the master shows or adds up, from the month's current submissions: the month's own
        report whole, and progress and disbursed of the months before. Read from the ledger as the sheet is
        written, never all in memory at once. The ledger keeps the provenance of every value read."""
        for code, sub in self.reported:
            labels = _labels(sub.template_version)       # the field as the file's own template called it
            values = self.ledger.values(sub.id, self.month, SHOWN_EVERY_MONTH)
            for k in sorted(values):
                if not 0 < k <= self.month:
                    continue
                for key in sorted(values[k]):
                    if k < self.month and key not in SHOWN_EVERY_MONTH:
                        continue
                    v = values[k][key]
                    where = f"{v['sheet']}!{v['cell']}" if v["cell"] else ""
                    yield (code, k, month_label(self.fy, k), labels.get(key, key), v["value"], sub.name, sub.sha256,
                           where, sub.template_version, v["notes"] or "")

    def changes_table(self) -> Table:
        return Table("changes", (("รหัสโครงการ", "Project"), ("ไฟล์เดิม", "Old file"), ("sha256 เดิม", "Old sha256"),
                                 ("ไฟล์ใหม่", "New file"), ("sha256 ใหม่", "New sha256"), ("เดือน", "Month"),
                                 ("ช่อง", "Field"), ("ค่าเดิม", "Old value"), ("ค่าใหม่", "New value")),
                     [(*c[:6], field_label(self.spec, c[6]), *c[7:]) for c in self.changes],
                     widths={"Old file": 24, "New file": 24, "Old sha256": 18, "New sha256": 18, "Field": 24,
                             "Old value": 20, "New value": 20})


AGENCY_HEADERS: tuple[Header, ...] = (
    ("รหัส", "Code"), ("หน่วยงาน", "Agency"), ("ต้องรายงาน", "Expected"), ("ได้รับ", "Received"),
    ("รับแล้ว", "Accepted"), ("มีปัญหา", "Has issues"), ("ส่งช้า", "Late"), ("ยังไม่ส่ง", "Missing"),
    ("อัตราการรายงาน", "Reporting rate"), ("ตรงเวลา", "On-time rate"), ("งบประมาณปีนี้รวมเงินกัน (บาท)", "Allocated"),
    ("เบิกใช้สะสมปีนี้ (บาท)", "Disbursed"), ("ร้อยละเบิกจ่ายปีนี้", "Disbursed %"))
PROJECT_HEADERS: tuple[Header, ...] = (
    ("หน่วยงาน", "Agency"), ("รหัสโครงการ", "Project code"), ("ชื่อโครงการ", "Project"), ("สถานะไฟล์", "State"),
    ("ส่งช้า", "Late"), ("ความก้าวหน้า (%)", "Progress (%)"), ("เวลาที่ผ่านไป (%)", "Time elapsed (%)"),
    # this year's money (Allocated, Disbursed) and the project's whole span apart
    ("งบประมาณปีนี้รวมเงินกันเหลื่อมปี (บาท)", "Allocated"), ("เบิกใช้สะสมปีนี้ (บาท)", "Disbursed"),
    ("ร้อยละเบิกจ่ายปีนี้", "Disbursed %"), ("งบประมาณทั้งโครงการ (บาท)", "Project total"),
    ("เบิกจ่ายสะสมทั้งโครงการ (บาท)", "Project to date"), ("หลายปีงบประมาณ", "Multi-year"),
    ("เทียบกับแผน", "Against plan"), ("เทียบกับเป้าหมาย", "Against target"), ("วันที่รายงาน", "Report date"),
    ("ผู้รับผิดชอบ", "Responsible"), ("โทรศัพท์", "Phone"),
    # for the screen (the printed page ends at the phone): the findings, whom to write to, the file
    ("ข้อผิดพลาด", "Errors"), ("คำเตือน", "Warnings"), ("อีเมล", "E-mail"), ("ผู้ประสานงาน", "Coordinator"),
    ("ไฟล์", "File"))
