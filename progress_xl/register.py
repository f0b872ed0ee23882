"""Read the coordinator's project register (.xlsx or .csv) -> projects and one issue per bad row.

Headers may be Thai or English (the spec's labels and aliases); CSV may be UTF-8 (with or
without BOM) or cp874/TIS-620 as Thai Excel saves it; amounts like `122,800`, dates BE or CE.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .fiscal import fiscal_year_of
from .issues import Issue, ProgressXLError, issue, render
from .spec import FieldSpec, TemplateSpec
from .values import Unreadable, clean_text, is_blank, parse_percent, parse_typed

PLAN_ALIASES = ("แผนความก้าวหน้า", "แผนความก้าวหน้าสะสม", "planned progress", "planned curve", "plan curve")
REQUIRED = ("project_code", "project_name", "start_date", "end_date", "budget_allocated", "agency")


@dataclass(frozen=True)
class Project:
    """One row of the register: values keyed by the spec's project field keys."""
    values: dict = field(hash=False)
    planned: tuple[Decimal, ...] | None = None    # planned cumulative % for reports 1..12
    row: int = 0

    @property
    def code(self) -> str:
        return self.values["project_code"]

    @property
    def agency_code(self) -> str:
        return self.code.split("-")[0]

    def __getitem__(self, key):
        return self.values.get(key)


@dataclass
class RegisterResult:
    projects: list[Project]
    issues: list[Issue]


def _norm(header) -> str:
    return re.sub(r"[\s.:*_/()\-]+", " ", clean_text(str(header or "")).lower()).strip()


def _header_map(spec: TemplateSpec) -> dict[str, str]:
    names: dict[str, str] = {}
    for f in spec.project_fields:
        if f.prefill:
            for alias in (f.key, f.th, f.en, *f.aliases):
                names.setdefault(_norm(alias), f.key)
    for alias in PLAN_ALIASES:
        names[_norm(alias)] = "planned"
    return names


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


def _parse(f: FieldSpec, raw):
    value = parse_typed(f.type, raw).value
    if f.pattern and not re.fullmatch(f.pattern, str(value)):
        raise Unreadable("V010", pattern=f.pattern)
    return value


def _planned(raw) -> tuple[Decimal, ...]:
    parts = [p for p in re.split(r"[;,\s|]+", clean_text(str(raw))) if p]
    if len(parts) != 12:
        raise Unreadable("V013")
    values = tuple(parse_percent(p).value for p in parts)
    if any(not 0 <= v <= 100 for v in values) or list(values) != sorted(values):
        raise Unreadable("V003", min=0, max=100)
    return values


def read_register(path: Path, spec: TemplateSpec, fy: int | None = None) -> RegisterResult:
    """Every good row becomes a Project; every bad row one Issue (row, column, reason)."""
    path = Path(path)
    rows = _rows_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _rows_csv(path)
    names = _header_map(spec)
    header_at = next((i for i, row in enumerate(rows[:10])
                      if sum(_norm(c) in names for c in row if c is not None) >= 3), None)
    if header_at is None:
        raise ProgressXLError([issue("P001", file=path.name, column="รหัสโครงการ / project code")])
    columns = {i: names[_norm(c)] for i, c in enumerate(rows[header_at]) if _norm(c) in names}
    headers = {i: str(rows[header_at][i]).strip() for i in columns}
    missing = [k for k in REQUIRED if k not in columns.values()]
    if missing:
        raise ProgressXLError([issue("P001", file=path.name, column=spec.field(k).label()) for k in missing])

    projects, issues, seen = [], [], {}
    for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if all(is_blank(c) for c in row):
            continue
        values, planned, bad = {}, None, []
        for i, key in columns.items():
            raw = row[i] if i < len(row) else None
            column = headers[i]
            if is_blank(raw):
                if key in REQUIRED:
                    bad.append(issue("P002", file=path.name, row=number, column=column))
                continue
            try:
                if key == "planned":
                    planned = _planned(raw)
                else:
                    values[key] = _parse(spec.field(key), raw)
            except Unreadable as exc:
                f = spec.field(key) if key != "planned" else None
                th, en = render(exc.code, label_th=f.th if f else column, label_en=f.en if f else column,
                                value=str(raw), **exc.context)
                bad.append(issue("P003", file=path.name, row=number, column=column,
                                 value=str(raw), reason_th=th, reason_en=en))
        if not bad and values["start_date"] > values["end_date"]:
            bad.append(issue("P003", file=path.name, row=number,
                             column=spec.field("end_date").th, value=values["end_date"].isoformat(),
                             reason_th="ก่อนวันเริ่มต้น", reason_en="before the start date"))
        if bad:
            issues.extend(bad)
            continue
        values.setdefault("fiscal_year", fy or fiscal_year_of(values["start_date"]))
        if fy and values["fiscal_year"] != fy:
            continue
        projects.append(Project(values, planned, number))
        seen.setdefault(values["project_code"], []).append(number)

    duplicates = {code: rows_ for code, rows_ in seen.items() if len(rows_) > 1}
    for code, rows_ in duplicates.items():
        for number in rows_[1:]:
            issues.append(issue("P004", file=path.name, row=number, value=code, first_row=rows_[0]))
    projects = [p for p in projects if p.code not in duplicates or p.row == duplicates[p.code][0]]
    if fy and not projects and not issues:
        raise ProgressXLError([issue("P005", file=path.name, fy=fy)])
    return RegisterResult(projects, sorted(issues, key=lambda i: i.context.get("row", 0)))
