"""Read the coordinator's project register (.xlsx or .csv) -> projects and one issue per bad row.

Headers may be Thai or English (the spec's labels and aliases), matched leniently: case, spaces,
NBSP and zero-width characters, full-width forms, a unit in brackets (`งบประมาณ (บาท)`) and a
trailing `*` or `:` do not matter. CSV may be UTF-8 (with or without BOM) or cp874/TIS-620 as Thai
Excel saves it; amounts like `122,800` or `1.5 ล้านบาท`, dates BE or CE. A bad row is one line and
the other rows still generate; how a value was changed on the way in is a note line (P009).
A project that spans fiscal years has optional columns (SPAN_FIELDS: total budget, this year's
allocation, carried-over funds and their deadline, progress and money before this year) whose
defaults are right for a one-year project; `funding(project)` gives them resolved.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .fiscal import fiscal_bounds, fiscal_year_of, format_be
from .issues import Issue, ProgressXLError, Severity, issue, render, shown
from .spec import FieldSpec, TemplateSpec, all_field_keys
from .values import (EXCEL_CELL_LIMIT, Parsed, Unreadable, clean_text, excel_text, is_blank, parse_field,
                     parse_percent, utf16_len)

PLAN_ALIASES = ("แผนความก้าวหน้า", "แผนความก้าวหน้าสะสม", "planned progress", "planned curve", "plan curve")
# A project across fiscal years: register columns, typed (the template v3 shows them, prefilled).
SPAN_FIELDS = (
    FieldSpec("total_budget", "project", "งบประมาณทั้งโครงการ (บาท)", "Project total budget (baht)", "money",
              aliases=("งบประมาณทั้งโครงการ", "งบประมาณรวมทั้งโครงการ", "วงเงินทั้งโครงการ", "วงเงินงบประมาณทั้งโครงการ",
                       "total budget", "project total", "total project budget")),
    FieldSpec("fy_allocation", "project", "งบประมาณที่ได้รับในปีงบประมาณนี้ (บาท)", "This fiscal year's allocation (baht)",
              "money", aliases=("งบประมาณปีนี้", "งบประมาณปีงบประมาณนี้", "งบประมาณที่ได้รับปีนี้", "งบประมาณประจำปี",
                                "this year's allocation", "allocation this year", "fy allocation", "annual allocation",
                                "this year allocation")),
    FieldSpec("carryover", "project", "เงินกันไว้เบิกเหลื่อมปี (บาท)", "Funds carried over (baht)", "money",
              aliases=("เงินกันไว้เบิกเหลื่อมปี", "เงินกันเหลื่อมปี", "เงินเหลื่อมปี", "กันเงินไว้เบิกเหลื่อมปี",
                       "carried over", "carry-over", "carryover", "funds carried over", "carried-over funds")),
    FieldSpec("carryover_deadline", "project", "เบิกเงินกันเหลื่อมปีได้ถึง", "Carry-over usable until", "date",
              aliases=("กำหนดเบิกเงินกันเหลื่อมปี", "วันสิ้นสุดเงินกันเหลื่อมปี", "ขยายเวลาเบิกจ่ายถึง",
                       "carry-over deadline", "carryover deadline", "carried over until", "carry-over until")),
    FieldSpec("start_progress", "project", "ความก้าวหน้าสะสมต้นปีงบประมาณ (%)", "Progress at the start of the year (%)",
              "percent", min=0, max=100,
              aliases=("ความก้าวหน้าสะสมต้นปี", "ความก้าวหน้าต้นปี", "ความก้าวหน้ายกมา", "progress at start of year",
                       "start progress", "opening progress", "progress brought forward")),
    FieldSpec("disbursed_before", "project", "เบิกจ่ายสะสมก่อนปีงบประมาณนี้ (บาท)", "Disbursed before this year (baht)",
              "money", aliases=("เบิกจ่ายก่อนปีนี้", "เบิกจ่ายสะสมก่อนปีนี้", "เบิกจ่ายยกมา", "disbursed before",
                                "disbursed before this year", "spent before this year", "disbursed brought forward")),
    FieldSpec("carried_as", "project", "สถานะการยกยอด", "Carried as", "text",
              aliases=("ยกยอดเป็น", "ยกยอด", "carried as", "rollover status")),
)
SPAN_KEYS = tuple(f.key for f in SPAN_FIELDS)
# Register columns that no workbook shows (so not in the template spec): read into Project.values.
REGISTER_ONLY = {"head_position": ("ตำแหน่งหัวหน้าหน่วยงาน", "ตำแหน่งหัวหน้า", "ตำแหน่งผู้บริหาร",
                                   "head position", "head of agency position", "position of the head"),
                 **{f.key: (f.th, f.en, *f.aliases, f.key) for f in SPAN_FIELDS}}
REQUIRED = ("project_code", "project_name", "start_date", "end_date", "budget_allocated", "agency")
EMAIL_KEYS = ("agency_email", "responsible_email")
# Notes worth a line at generate: the value was changed in a way the coordinator may want to check
# (a routine `122,800` -> 122800 is not told).
TOLD_NOTES = frozenset({"N009", "N010", "N011", "N012", "N013"})
SHOWN_NAMES, SHOWN_HEADERS = 4, 6
CLOSE = 0.75        # difflib ratio for "closest": short Thai words share endings (รายการ, โครงการ)


@dataclass(frozen=True)
class Project:
    """One row of the register: values keyed by the spec's project field keys."""
    values: dict = field(hash=False)
    planned: tuple[Decimal, ...] | None = None    # planned cumulative % for reports 1..12
    row: int = 0
    defaulted: frozenset = frozenset()            # SPAN_KEYS whose values are defaults, not the register's

    @property
    def code(self) -> str:
        return self.values["project_code"]

    @property
    def agency_code(self) -> str:
        return self.code.split("-")[0]

    def __getitem__(self, key):
        """The value of field `key` (None when the register left it empty); a key that is no field of any
        template version and no register column is a typo: KeyError, never a silent empty value."""
        if key not in self.values and key not in all_field_keys() and key not in REGISTER_ONLY:
            raise KeyError(f"{key!r} is no template field and no register column")
        return self.values.get(key)

    def stated(self, key: str) -> bool:
        """The register gave this value (not a default)."""
        return self.values.get(key) is not None and key not in self.defaulted


@dataclass(frozen=True)
class Funding:
    """A project's money and progress for one fiscal year, defaults resolved."""
    budget: Decimal                 # the register's budget column
    total: Decimal                  # the whole project, every year
    allocation: Decimal             # this fiscal year's
    carryover: Decimal              # funds carried over from last year (เงินกันไว้เบิกเหลื่อมปี)
    carryover_deadline: dt.date | None
    start_progress: Decimal         # cumulative progress at the start of the year
    disbursed_before: Decimal       # disbursed in earlier fiscal years

    @property
    def available(self) -> Decimal:
        """The money this year may disburse."""
        return self.allocation + self.carryover


def _money(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    number = Decimal(str(value))
    return number if number.is_finite() else None


def funding(project: Project) -> Funding:
    """The project's figures for its year: this year's allocation defaults to the budget column,
    carry-over, start progress and money before to 0, and the total to the larger of the budget
    column and all the money the project has had (so a one-year project's total is its budget)."""
    def get(key):
        return _money(project[key])
    budget = get("budget_allocated") or Decimal(0)
    allocation = budget if get("fy_allocation") is None else get("fy_allocation")
    carryover, before = get("carryover") or Decimal(0), get("disbursed_before") or Decimal(0)
    total = get("total_budget") if get("total_budget") is not None else max(budget, allocation + carryover + before)
    deadline = project["carryover_deadline"]
    if isinstance(deadline, dt.datetime):
        deadline = deadline.date()
    deadline = deadline if isinstance(deadline, dt.date) else None
    return Funding(budget, total, allocation, carryover, deadline, get("start_progress") or Decimal(0), before)


def spans_years(project: Project) -> bool:
    """A multi-year project: its dates cross a fiscal year's end, or it brings money or progress
    from an earlier year."""
    start, end, money = project["start_date"], project["end_date"], funding(project)
    crosses = isinstance(start, dt.date) and isinstance(end, dt.date) and fiscal_year_of(start) != fiscal_year_of(end)
    return crosses or money.total > money.available or bool(money.carryover or money.disbursed_before
                                                             or money.start_progress)


@dataclass
class RegisterResult:
    projects: list[Project]
    issues: list[Issue]
    other_years: list[Project] = field(default_factory=list)    # rows whose fiscal-year column names another year

    @property
    def skipped_rows(self) -> int:
        """Register rows refused (each has at least one error among the issues)."""
        return len({i.context.get("row") for i in self.issues if i.severity is Severity.ERROR})


# -- headers ----------------------------------------------------------------------------------
_UNIT = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_BRACKETS = re.compile(r"[(\[][^()\[\]]*[)\]]")
_MULTIPLIER = re.compile(r"ล้าน|แสน|หมื่น|พัน|million|thousand|\bk\b|\bm\b", re.I)


def header_key(header, *, drop_unit: bool = False) -> str:
    """A header or an alias as compared: NFKC (full-width forms), invisible characters, case, spaces
    and punctuation folded; with `drop_unit`, a trailing unit in brackets is dropped as well, unless
    it scales the values (`(ล้านบาท)`: reading 1.5 as 1.5 baht would be a silent error)."""
    text = clean_text(unicodedata.normalize("NFKC", str(header if header is not None else ""))).casefold()
    text = re.sub(r"[\s*:]+$", "", text)
    unit = _UNIT.search(text) if drop_unit else None
    if unit and not _MULTIPLIER.search(unit[1]):
        text = text[:unit.start()]
    return re.sub(r"[\s.:*_/()\[\]\-]+", "", text)


def _names(spec: TemplateSpec) -> dict[str, tuple[str, ...]]:
    """Field key -> every name accepted for its column, the spec's labels first."""
    names = {f.key: (f.th, f.en, *f.aliases, f.key) for f in spec.project_fields if f.prefill}
    names["planned"] = PLAN_ALIASES
    names.update(REGISTER_ONLY)
    return names


def _header_map(names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for drop_unit in (False, True):            # an exact name wins over one found without its unit
        for key, aliases in names.items():
            for alias in aliases:
                keys.setdefault(header_key(alias, drop_unit=drop_unit), key)
    keys.pop("", None)
    return keys


def column_of(keys: dict[str, str], header) -> str | None:
    """The field key a header names, or None."""
    if header is None or is_blank(str(header)):
        return None
    return keys.get(header_key(header)) or keys.get(header_key(header, drop_unit=True))


def _first(items, count: int) -> str:
    items = list(dict.fromkeys(items))
    return ", ".join(items[:count]) + (", …" if len(items) > count else "")


def _closest(aliases: tuple[str, ...], headers: list[str]) -> str | None:
    """The header most like one of the names (a misspelling, pyxform-style), if any is close;
    compared without anything in brackets (`งบประมาณ (ล้านบาท)` is close to `งบประมาณ`)."""
    bare = lambda text: header_key(_BRACKETS.sub("", unicodedata.normalize("NFKC", text)))  # noqa: E731
    by_key = {bare(h): h for h in headers}
    scored = []
    for alias in aliases:
        for hit in difflib.get_close_matches(bare(alias), list(by_key), n=1, cutoff=CLOSE):
            scored.append((difflib.SequenceMatcher(None, bare(alias), hit).ratio(), hit))
    return f"'{by_key[max(scored)[1]]}'" if scored else None


def _missing(spec: TemplateSpec, names: dict, file: str, header: list, columns: dict) -> list[Issue]:
    found = [str(c).strip() for c in header if c is not None and not is_blank(str(c))]
    unmatched = [str(c).strip() for i, c in enumerate(header) if i not in columns and c is not None and not is_blank(str(c))]
    return [issue("P001", file=file, column=spec.field(k).label(), accepted=_first(names[k], SHOWN_NAMES),
                  found=_first(found, SHOWN_HEADERS) or "-", closest=_closest(names[k], unmatched) or "-")
            for k in REQUIRED if k not in columns.values()]


def _header_row(rows: list[list], keys: dict) -> int:
    """The row (of the first ten) that names the most columns."""
    counts = [sum(column_of(keys, c) is not None for c in row) for row in rows[:10]]
    return max(range(len(counts)), key=lambda i: (counts[i], -i)) if counts else 0


# -- files ------------------------------------------------------------------------------------
def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ProgressXLError([issue("F014", file=name)])


def _rows_csv(path: Path) -> list[list]:
    text = _decode(path.read_bytes(), path.name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _rows_xlsx(path: Path) -> list[list]:
    from .safety import open_workbook
    wb = open_workbook(path)
    try:
        ws = wb.worksheets[0]
        return [list(row) for row in ws.iter_rows(values_only=True, max_col=60, max_row=20000)]
    finally:
        wb.close()


# -- values -----------------------------------------------------------------------------------
def _parse(f: FieldSpec, raw) -> Parsed:
    parsed = parse_field(f, raw)
    value, notes = parsed.value, parsed.notes
    if isinstance(value, str):
        value, cleaned = excel_text(value, sys.maxsize)        # control characters out, with a note
        notes += tuple(cleaned)
        if utf16_len(value) > EXCEL_CELL_LIMIT:
            raise Unreadable("P008", length=f"{utf16_len(value):,}", limit=f"{EXCEL_CELL_LIMIT:,}")
    if f.pattern and not re.fullmatch(f.pattern, str(value)):
        raise Unreadable("V010", example=f.example)
    return Parsed(value, notes)


def _planned(raw) -> tuple[Decimal, ...]:
    # a mark that shows nothing (a right-to-left mark, a control character) separates, like a space
    parts = [p for p in re.split(r"[;,\s|]+", clean_text(str(raw))) if not is_blank(p)]
    if len(parts) != 12:
        raise Unreadable("V013")
    values = tuple(_points(p) for p in parts)
    if any(not 0 <= v <= 100 for v in values) or list(values) != sorted(values):
        raise Unreadable("V003", min=0, max=100)
    return values


def _points(text: str) -> Decimal:
    value = parse_percent(text).value
    assert isinstance(value, Decimal)           # text that shows something: a number, or Unreadable raised
    return value


@dataclass
class _Row:
    number: int
    values: dict = field(default_factory=dict)
    planned: tuple[Decimal, ...] | None = None
    bad: list[Issue] = field(default_factory=list)
    told: list[Issue] = field(default_factory=list)


def _refusal(exc: Unreadable, f: FieldSpec | None, file: str, row: int, column: str, raw) -> Issue:
    if exc.code == "P008":
        return issue("P008", file=file, row=row, column=column, **exc.context)
    # the parser's context (V006's formatted value) overrides the raw text, never collides with it
    th, en = render(exc.code, **{"label_th": f.th if f else column, "label_en": f.en if f else column,
                                 "value": str(raw), **exc.context})
    return issue("P003", file=file, row=row, column=column, value=str(raw), reason_th=th, reason_en=en)


_SPAN = {f.key: f for f in SPAN_FIELDS}


def _cell(spec: TemplateSpec, row: _Row, key: str, raw, column: str, file: str) -> None:
    f = spec.field(key) if key in {g.key for g in spec.project_fields} else _SPAN.get(key)
    try:
        if key == "planned":
            row.planned = _planned(raw)
            return
        parsed = _parse(f, raw) if f else Parsed(clean_text(str(raw)))
    except Unreadable as exc:
        row.bad.append(_refusal(exc, f, file, row.number, column, raw))
        return
    row.values[key] = parsed.value
    for note in parsed.notes:
        if note.code in TOLD_NOTES:
            assert f is not None                # notes come from a field's parser only
            th, en = render(note.code, label_th=f.th, label_en=f.en, **note.context)
            row.told.append(issue("P009", file=file, row=row.number, column=column, value=str(raw),
                                  note_th=th, note_en=en))


def _read_row(spec: TemplateSpec, number: int, cells: list, columns: dict, headers: dict, file: str) -> _Row:
    row = _Row(number)
    for i, key in columns.items():
        raw = cells[i] if i < len(cells) else None
        if is_blank(raw):
            if key in REQUIRED:
                row.bad.append(issue("P002", file=file, row=number, column=headers[i]))
            continue
        _cell(spec, row, key, raw, headers[i], file)
    if not row.bad and row.values["start_date"] > row.values["end_date"]:
        row.bad.append(issue("P003", file=file, row=number, column=spec.field("end_date").th,
                             value=row.values["end_date"].isoformat(),
                             reason_th="ก่อนวันเริ่มต้น", reason_en="before the start date"))
    return row


# -- a project across fiscal years ------------------------------------------------------------
def _spanned(project: Project, told: list[Issue], file: str, headers: dict) -> tuple[Project, list[Issue]]:
    """The project with its SPAN_KEYS defaults filled in, and the row's lines: a start progress
    outside 0-100 refuses the row (no workbook can be checked against it); money that does not add
    up, or a project begun before the year without its figures from before, is a warning (the row is
    usable, the coordinator should look)."""
    values, row = project.values, project.row
    found = list(told)
    progress = values.get("start_progress")
    if progress is not None and not 0 <= progress <= 100:
        f = _SPAN["start_progress"]
        th, en = render("V003", label_th=f.th, label_en=f.en, value=progress, min=0, max=100)
        return project, [issue("P003", file=file, row=row, column=headers.get(f.key, f.th), value=shown(progress),
                               reason_th=th, reason_en=en)]
    money = funding(project)
    if project.stated("total_budget") and money.available > money.total - money.disbursed_before:
        found.append(issue("P010", file=file, row=row, value=project.code, allocation=money.allocation,
                           carryover=money.carryover, total=money.total, before=money.disbursed_before))
    fy = values.get("fiscal_year")
    start = values["start_date"]
    if isinstance(fy, int) and start < fiscal_bounds(fy)[0] and not (
            project.stated("start_progress") or project.stated("disbursed_before")):
        found.append(issue("P011", file=file, row=row, value=project.code, start=format_be(start), fy=fy,
                           progress=_SPAN["start_progress"].th, before=_SPAN["disbursed_before"].th))
    defaults = {"total_budget": money.total, "fy_allocation": money.allocation, "carryover": money.carryover,
                "start_progress": money.start_progress, "disbursed_before": money.disbursed_before}
    filled = frozenset(k for k in defaults if values.get(k) is None)
    return Project({**values, **{k: defaults[k] for k in filled}}, project.planned, row, filled), found


# -- the register -----------------------------------------------------------------------------
def _no_email(spec: TemplateSpec, projects: list[Project], columns: dict, file: str) -> list[Issue]:
    """Whom generate cannot e-mail: one line for a register without e-mail columns, else one a project."""
    if not any(k in columns.values() for k in EMAIL_KEYS):
        return [issue("P007", file=file, column=", ".join(spec.field(k).label() for k in EMAIL_KEYS))]
    return [issue("P006", file=file, row=p.row, value=p.code) for p in projects
            if not any(p[k] for k in EMAIL_KEYS)]


def _unique(projects: list[Project], file: str) -> tuple[list[Project], list[Issue]]:
    """A repeated project code keeps its first row; every later row is one line."""
    seen: dict[str, list[int]] = {}
    for p in projects:
        seen.setdefault(p.code, []).append(p.row)
    repeated = [issue("P004", file=file, row=number, value=code, first_row=rows[0])
                for code, rows in seen.items() for number in rows[1:]]
    return [p for p in projects if p.row == seen[p.code][0]], repeated


def _columns(spec: TemplateSpec, rows: list[list], file: str) -> tuple[int, dict[int, str], dict[int, str]]:
    """(header row index, column index -> field key, column index -> the header as written)."""
    names = _names(spec)
    keys = _header_map(names)
    header_at = _header_row(rows, keys)
    header = rows[header_at] if rows else []
    columns = {i: k for i, c in enumerate(header) if (k := column_of(keys, c))}
    if missing := _missing(spec, names, file, header, columns):
        # no header row at all (fewer than 3 names anywhere): one line, for the first column, not six
        raise ProgressXLError(missing if len(columns) >= 3 else missing[:1])
    return header_at, columns, {i: str(header[i]).strip() for i in columns}


def _projects(spec: TemplateSpec, rows: list[list], file: str, fy: int | None) -> tuple[list, list[Issue], dict, list]:
    header_at, columns, headers = _columns(spec, rows, file)
    projects, issues, others = [], [], []
    by_key = {key: headers[i] for i, key in columns.items()}
    for number, cells in enumerate(rows[header_at + 1:], start=header_at + 2):
        if all(is_blank(c) for c in cells):
            continue
        row = _read_row(spec, number, cells, columns, headers, file)
        if row.bad:
            issues.extend(row.bad)
            continue
        row.values.setdefault("fiscal_year", fy or fiscal_year_of(row.values["start_date"]))
        project, told = _spanned(Project(row.values, row.planned, number), row.told, file, by_key)
        if any(i.severity is Severity.ERROR for i in told):
            issues.extend(i for i in told if i.severity is Severity.ERROR)
        elif not fy or row.values["fiscal_year"] == fy:
            projects.append(project)
            issues.extend(told)
        else:
            others.append(project)
    return projects, issues, columns, others


def is_xlsx(path: Path) -> bool:
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Table:
    """The register's first sheet as read (cells as the file holds them), and which column is which."""
    rows: list[list]
    header_at: int                  # index of the header row
    columns: dict[int, str]         # column index -> field key

    def header(self) -> list:
        return list(self.rows[self.header_at]) if self.rows else []


def read_table(path: Path, spec: TemplateSpec) -> Table:
    """The register's rows untouched (Project.row is a row's number here, from 1), for writing a
    register again in its own columns and order."""
    path = Path(path)
    rows = _rows_xlsx(path) if is_xlsx(path) else _rows_csv(path)
    header_at, columns, _ = _columns(spec, rows, path.name)
    return Table(rows, header_at, columns)


def read_register(path: Path, spec: TemplateSpec, fy: int | None = None) -> RegisterResult:
    """Every good row becomes a Project; every bad row one Issue (row, column, reason)."""
    path = Path(path)
    rows = _rows_xlsx(path) if is_xlsx(path) else _rows_csv(path)
    projects, issues, columns, others = _projects(spec, rows, path.name, fy)
    projects, repeated = _unique(projects, path.name)
    if fy and not projects and not issues and not repeated:
        raise ProgressXLError([issue("P005", file=path.name, fy=fy)])
    issues += repeated + _no_email(spec, projects, columns, path.name)
    return RegisterResult(projects, sorted(issues, key=lambda i: i.context.get("row", 0)), others)
