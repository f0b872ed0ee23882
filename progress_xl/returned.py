"""The agency's own workbook back, with every finding on its cell.

Never a re-save of their file (openpyxl drops dropdowns and formats): the same template version
is regenerated from what was read, their values written as they typed them, each finding marked
on its cell (coloured by severity, a Thai/English comment) and listed on a first Checks sheet with
a link to the cell. Reading the returned workbook back gives the values of the original.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .fiscal import fiscal_year_of, format_be
from .values import cut_graphemes

from .generate import CheckLine, Mark, generate_workbook, safe_filename
from .issues import Issue, Severity
from .read import Submission
from .register import Project
from .spec import load_spec

MIN_YEAR, MAX_YEAR = 2400, 2800      # BE years a workbook can be labelled with
MARKED = (Severity.ERROR, Severity.WARNING, Severity.EXPLAINED)


def returned_name(received: str) -> str:
    return safe_filename(f"{Path(received).stem}_ตรวจแล้ว") + ".xlsx"


def _positions(sub: Submission) -> dict[tuple[str | None, str | None], str]:
    """(sheet, cell) in the file as received -> `sheet_key!cell` in the regenerated template."""
    spec = load_spec(sub.template_version)
    out: dict[tuple[str | None, str | None], str] = {}
    for key, v in sub.project.items():
        if v.cell and key in {f.key for f in spec.project_fields}:
            out[(v.sheet, v.cell)] = f"project!{spec.field(key).cell}"
    keys = {f.key for f in spec.monthly_fields}
    for k, row in sub.reports.items():
        for key, v in row.items():
            if v.cell and key in keys:
                out[(v.sheet, v.cell)] = f"monthly!{spec.monthly_cell(key, k)}"
    return out


def write_returned(sub: Submission, findings: list[Issue], out) -> None:
    """Write the returned workbook for `sub` to `out` (a path or a binary file object).

    Each value is written as it was read, in its own type (a date as a date, an amount as a number; a
    v3 report date as the text it asks for, `22/10/2563`), so the workbook's self-check sees what the
    validator saw; what could not be read is written as typed. A cell whose value was normalised keeps
    a comment: what was typed, how it was read."""
    spec = load_spec(sub.template_version)
    project = Project({key: (v.value if v.ok else v.raw) for key, v in sub.project.items()})
    limits = {f.key: f.max_length for f in spec.fields if f.max_length}
    reports = {k: {key: _shown(v.value if v.ok else v.raw, limits.get(key)) for key, v in row.items()
                   if v.raw is not None and v.cell}
               for k, row in sub.reports.items()}
    where = _positions(sub)
    lines: list[CheckLine] = []
    by_cell: dict[str, list[Issue]] = {}
    order = [s.value for s in (*MARKED, Severity.NOTE)]
    for f in sorted(findings, key=lambda f: order.index(f.severity.value)):
        link = where.get((f.sheet, f.cell))
        lines.append(CheckLine(f.severity.value, f.code, link, f.th, f.en))
        if link and (f.severity in MARKED or _normalised(sub, f)):
            by_cell.setdefault(link, []).append(f)
    marks = [_mark(link, found) for link, found in by_cell.items()]
    generate_workbook(spec, project, out, reports=reports, marks=marks, checks=lines, fy=_fiscal_year(sub))


def _mark(link: str, found: list[Issue]) -> Mark:
    """One cell's comment, its colour that of its worst finding (a note alone: a comment, no colour)."""
    key, cell = link.split("!")
    marked = [f for f in found if f.severity in MARKED]
    severity = min(marked, key=lambda f: MARKED.index(f.severity)).severity.value if marked else "note"
    comment = "\n".join(f"[{f.code}] {f.th}\n{f.en}" for f in found)
    return Mark(key, cell, severity, comment)


def _normalised(sub: Submission, note: Issue) -> bool:
    """A note on a value that the returned workbook writes otherwise than it was typed."""
    if note.severity is not Severity.NOTE:
        return False
    for v in (*sub.project.values(), *(v for row in sub.reports.values() for v in row.values())):
        if (v.sheet, v.cell) == (note.sheet, note.cell) and v.ok:
            return _as_text(v.value) != str(v.raw).strip()
    return False


def _as_text(value) -> str:
    """A value as the returned workbook's text cell shows it (dates: DD/MM/BBBB)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_be(value) if isinstance(value, dt.date) else str(value)


def _shown(raw, limit: int | None):
    """Text over the length the template allows is shown cut, with a visible … (its finding says why)."""
    if limit and isinstance(raw, str) and len(raw) > limit:
        return cut_graphemes(raw, limit - 1) + "…"
    return raw


def _fiscal_year(sub: Submission) -> int:
    """The year the returned workbook's months are labelled with: the file's own, else that of its
    first readable report date, else this fiscal year (the file's year cell keeps what was typed)."""
    if isinstance(sub.fiscal_year, int) and MIN_YEAR <= sub.fiscal_year <= MAX_YEAR:
        return sub.fiscal_year
    for k in sorted(sub.reports):
        day = sub.reports[k].get("report_date")
        if day is not None and day.ok and isinstance(day.value, dt.date):
            return fiscal_year_of(day.value)
    return fiscal_year_of(dt.date.today())
