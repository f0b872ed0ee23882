"""Read the coordinator's project register (.xlsx or .csv) -> projects and one issue per bad row.

Headers may be Thai or English (the spec's labels and aliases), matched leniently: case, spaces,
NBSP and zero-width characters, full-width forms, a unit in brackets (`งบประมาณ (บาท)`) and a
trailing `*` or `:` do not matter. CSV may be UTF-8 (with or without BOM) or cp874/TIS-620 as Thai
Excel saves it; amounts like `122,800` or `1.5 ล้านบาท`, dates BE or CE. A bad row is one line and
the other rows still generate; how a value was changed on the way in is a note line (P009).
"""
from __future__ import annotations

import csv
import difflib
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .fiscal import fiscal_year_of
from .issues import Issue, ProgressXLError, Severity, issue, render
from .spec import FieldSpec, TemplateSpec
from .values import (EXCEL_CELL_LIMIT, Parsed, Unreadable, clean_text, excel_text, is_blank, parse_field,
                     parse_percent, utf16_len)

PLAN_ALIASES = ("แผนความก้าวหน้า", "แผนความก้าวหน้าสะสม", "planned progress", "planned curve", "plan curve")
# Register columns that no workbook shows (so not in the template spec): read into Project.values.
REGISTER_ONLY = {"head_position": ("ตำแหน่งหัวหน้าหน่วยงาน", "ตำแหน่งหัวหน้า", "ตำแหน่งผู้บริหาร",
                                   "head position", "head of agency position", "position of the head")}
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
        raise Unreadable("V010", pattern=f.pattern)
    return Parsed(value, notes)


def _planned(raw) -> tuple[Decimal, ...]:
    parts = [p for p in re.split(r"[;,\s|]+", clean_text(str(raw))) if p]
    if len(parts) != 12:
        raise Unreadable("V013")
    values = tuple(parse_percent(p).value for p in parts)
    if any(not 0 <= v <= 100 for v in values) or list(values) != sorted(values):
        raise Unreadable("V003", min=0, max=100)
    return values


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


def _cell(spec: TemplateSpec, row: _Row, key: str, raw, column: str, file: str) -> None:
    f = spec.field(key) if key in {g.key for g in spec.project_fields} else None
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


def _projects(spec: TemplateSpec, rows: list[list], file: str, fy: int | None) -> tuple[list[Project], list[Issue], dict]:
    header_at, columns, headers = _columns(spec, rows, file)
    projects, issues = [], []
    for number, cells in enumerate(rows[header_at + 1:], start=header_at + 2):
        if all(is_blank(c) for c in cells):
            continue
        row = _read_row(spec, number, cells, columns, headers, file)
        if row.bad:
            issues.extend(row.bad)
            continue
        row.values.setdefault("fiscal_year", fy or fiscal_year_of(row.values["start_date"]))
        if not fy or row.values["fiscal_year"] == fy:
            projects.append(Project(row.values, row.planned, number))
            issues.extend(row.told)
    return projects, issues, columns


def read_register(path: Path, spec: TemplateSpec, fy: int | None = None) -> RegisterResult:
    """Every good row becomes a Project; every bad row one Issue (row, column, reason)."""
    path = Path(path)
    rows = _rows_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _rows_csv(path)
    projects, issues, columns = _projects(spec, rows, path.name, fy)
    projects, repeated = _unique(projects, path.name)
    if fy and not projects and not issues and not repeated:
        raise ProgressXLError([issue("P005", file=path.name, fy=fy)])
    issues += repeated + _no_email(spec, projects, columns, path.name)
    return RegisterResult(projects, sorted(issues, key=lambda i: i.context.get("row", 0)))
