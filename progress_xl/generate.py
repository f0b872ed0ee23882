"""generate: spec + Project (+ monthly values, for a returned workbook) -> one .xlsx (xlsxwriter).

Sheets, each written by its module in `progress_xl.sheets`: instructions, project (prefilled,
locked labels), monthly (12 rows, dropdowns, validation, running totals, live self-check), print
(the official form by formulas), a hidden list sheet and a veryHidden `_meta`; a returned workbook
has a Checks sheet first. Every formula gets the cached value a client would compute. This module
puts the parts together, names the files, and writes one workbook per project.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from . import __version__
from .files import atomic_write
from .register import Project
from .sheets import checks, hidden, instructions, monthly, print_a4, print_form, project
from .sheets.base import Book, CheckLine, Mark
from .sheets.twins import plain
from .spec import TemplateSpec

__all__ = ["CheckLine", "Mark", "agency_folder", "generate_all", "generate_workbook", "safe_filename",
           "workbook_filename"]

WINDOWS_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
MAX_FILENAME = 120


def safe_filename(text: str, limit: int = MAX_FILENAME) -> str:
    """A file name Windows, Outlook and zip tools accept: no `/\\:*?"<>|`, at most `limit` chars."""
    text = WINDOWS_BAD.sub("_", re.sub(r"\s+", " ", str(text))).strip(" .")
    text = re.sub(r"_+", "_", text)
    while len(text) > limit:
        text = text[:limit].rstrip(" ._")
    return text or "_"


def workbook_filename(project: Project) -> str:
    name = re.sub(r"^[^\u0E00-\u0E7FA-Za-z]*(อ\.\s*\d+/\d+\s*)?", "", project["project_name"] or "")
    short = name[:40].rstrip()
    return safe_filename(f"{project.code}_{short}", MAX_FILENAME - 5) + ".xlsx"


def agency_folder(project: Project) -> str:
    return safe_filename(f"{project.agency_code}_{project['agency_short'] or project['agency']}", 80)


class _Writer(Book):
    """One workbook: its properties, then each sheet in order (one method per part, so a test or a
    later version can wrap one of them)."""

    def write(self) -> None:
        self.properties()
        first = self.checks_sheet() if self.checks_lines is not None else None
        self.instructions()
        self.project_sheet()
        ws = self.monthly_sheet()
        self.print_sheet()
        self.lists_sheet()
        self.meta_sheet()
        (first or ws).activate()
        self.wb.close()

    def properties(self) -> None:
        """Document and custom properties: how the reader knows a workbook of ours and its version."""
        s, p = self.spec, self.project
        self.wb.set_properties({
            "title": plain(f"{p.code or ''} {p['project_name'] or ''}", 255), "subject": f"{s.title_th} / {s.title_en}",
            "author": "progress_xl", "company": "กรุงเทพมหานคร / Bangkok Metropolitan Administration",
            "keywords": plain(f"progress_xl, {p.code or ''}, {self.fy}", 255), "comments": f"{s.id} v{s.version}",
            "created": self.generated})
        for name, value in (("progress_xl_template", s.id), ("progress_xl_version", s.version),
                            ("progress_xl_project_code", p.code), ("progress_xl_fiscal_year", self.fy),
                            ("progress_xl_generator", __version__)):
            if value is not None and value != "":       # a returned workbook whose code cell was emptied
                self.ok(self.wb.set_custom_property(name, value if isinstance(value, int) else plain(value, 255)))

    def checks_sheet(self):
        return checks.write(self)

    def instructions(self) -> None:
        instructions.write(self)

    def project_sheet(self) -> None:
        project.write(self)

    def monthly_sheet(self):
        return monthly.write(self)

    def print_sheet(self) -> None:
        (print_a4 if self.fitted else print_form).write(self)

    def lists_sheet(self) -> None:
        hidden.lists(self)

    def meta_sheet(self) -> None:
        hidden.meta(self)


def generate_workbook(spec: TemplateSpec, project: Project, out, *, reports: dict[int, dict] | None = None,
                      marks: Iterable[Mark] = (), generated: dt.datetime | None = None,
                      checks: Iterable[CheckLine] | None = None, fy: int | None = None) -> None:
    """Write one project's workbook to `out` (a path or a binary file object).

    With `checks` (a returned workbook), a first sheet lists them, linked to their cells; `fy` is
    the fiscal year its months are labelled with when the project's own cell holds no year."""
    _Writer(spec, project, out, reports, marks, generated, checks, fy).write()


def generate_all(spec: TemplateSpec, projects: list[Project], out_dir: Path) -> list[Path]:
    """One workbook per project, in one folder per agency; written atomically."""
    paths = []
    for p in projects:
        target = Path(out_dir) / agency_folder(p) / workbook_filename(p)
        with atomic_write(target) as fh:
            generate_workbook(spec, p, fh)
        paths.append(target)
    return paths
