"""What every sheet of a generated workbook shares: the xlsxwriter workbook and its formats, the
spec, the project and the values to write, and the few ways every sheet writes (page setup,
protection, data validation, values, the marks of a returned workbook)."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..fiscal import fiscal_bounds
from ..layout import Formats, workbook
from ..register import Project
from ..selfcheck import Check, row_checks
from ..spec import FieldSpec, TemplateSpec, rowcol
from .rows import GrowingSheet
from .twins import absolute, is_num, num, plain, quote


@dataclass(frozen=True)
class Mark:
    """A finding to show on a cell of a returned workbook."""
    sheet_key: str          # "project" or "monthly"
    cell: str
    severity: str           # "error", "warning" or "explained"
    comment: str


@dataclass(frozen=True)
class CheckLine:
    """One line of a returned workbook's Checks sheet; `link` is `sheet_key!cell` or None."""
    severity: str
    code: str
    link: str | None
    th: str
    en: str


SEVERITY_LABEL = {"error": "ข้อผิดพลาด / error", "warning": "คำเตือน / warning",
                  "explained": "ชี้แจงแล้ว / explained", "note": "หมายเหตุ / note"}
MARK_STYLE = {"error": "bad", "warning": "warn"}            # anything else: "explained"
WARN_V3 = {"bg_color": "#F4B183", "font_color": "#5C2800"}    # v3: an orange no one takes for the input yellow
STYLE_SUFFIX = {"date": "_date", "money": "_money", "percent": "_percent", "year": "_int"}


class Book:
    """One project's workbook being written."""

    def __init__(self, spec: TemplateSpec, project: Project, out, reports: dict[int, dict] | None,
                 marks: Iterable[Mark], generated: dt.datetime | None, checks: Iterable[CheckLine] | None = None,
                 fy: int | None = None):
        self.spec, self.project = spec, project
        self.fy = fy or int(project["fiscal_year"])
        # floats (as openpyxl reads numbers) become Decimals, so the formula twins add exactly
        self.reports: dict[int, dict] = {k: {key: Decimal(repr(x)) if isinstance(x, float) and math.isfinite(x) else x
                                             for key, x in v.items()} for k, v in (reports or {}).items()}
        self.marks = list(marks)
        self.checks_lines = None if checks is None else list(checks)
        self.wb = workbook(out, {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "default_format_properties": {"font_name": spec.font, "font_size": spec.font_size},
            "in_memory": True, "nan_inf_to_errors": True})     # an absurd sum shows #NUM!, as Excel would
        self.wb.worksheet_class = GrowingSheet     # rows that grow as the agency types (v3 asks for them)
        self.fmt = Formats(self.wb, spec.font, spec.font_size)
        self.fitted = spec.version >= 3               # v3: heights from text and font, typed dates, A4 blocks
        self.typed_dates = {f.derive.split(":", 1)[1] for f in spec.monthly_fields
                            if f.derive and f.derive.startswith("be_date:")}       # date inputs kept as text
        self.generated = generated or dt.datetime.combine(fiscal_bounds(self.fy)[0], dt.time())
        self.names = spec.sheets
        self.proj_ref = {f.key: f"{quote(self.names['project'])}!{absolute(f.at_cell)}" for f in spec.project_fields}
        budget = project["budget_allocated"]          # a returned workbook shows what was typed; sums use numbers
        self.budget = budget if is_num(budget) and not isinstance(budget, dt.date) else None
        self.checks: list[Check] = row_checks(spec, self.fy, self.proj_ref["budget_allocated"], self.budget)
        self.written: dict[int, dict] = {}             # report k -> the monthly inputs as written (monthly sheet)

    # -- what every sheet does -------------------------------------------------------------------
    def ok(self, ret) -> None:
        if ret not in (0, None):
            raise RuntimeError(f"xlsxwriter refused a write ({ret}): a bug in the spec or the writer")

    def sheet(self, key: str):
        """A new sheet of the spec's sheet `key`: A4, the project in the header, the page in the footer."""
        ws = self.wb.add_worksheet(self.names[key])
        s = self.spec
        ws.set_default_row(s.row_height)
        code = plain(self.project.code or "", 40).replace("&", "&&")      # & starts a header code
        ws.set_header(f'&L&"{s.font},Regular"&12รหัสโครงการ / Project {code}&R&"{s.font},Regular"&12{s.title_th}')
        ws.set_footer(f'&L&"{s.font},Regular"&12progress_xl v{s.version}&R&"{s.font},Regular"&12หน้า / Page &P / &N')
        ws.set_paper(9)
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        return ws

    def protect(self, ws) -> None:
        # A guard rail against typing over labels, not security: no password, and the
        # agency may still format, resize and select every cell.
        ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                        "select_unlocked_cells": True})

    def validate(self, ws, f: FieldSpec, first: str, last: str | None = None) -> None:
        """The data validation of an input field over `first`[:`last`], from its type and constraints."""
        r0, c0 = rowcol(first)
        r1, c1 = rowcol(last or first)
        opts: dict = {"input_title": f.validation_title, "error_title": f.validation_title, "ignore_blank": True}
        if f.prompt:
            opts["input_message"] = f.prompt
            opts["error_message"] = f.prompt
        opts.update(self._rule(f))
        if opts["validate"] == "any":
            opts.pop("error_title"), opts.pop("error_message", None)
        self.ok(ws.data_validation(r0, c0, r1, c1, opts))

    def _rule(self, f: FieldSpec) -> dict:
        lo, hi = fiscal_bounds(self.fy)
        if f.type == "choice":
            return dict(validate="list", source=f"=px_list_{f.choices}", error_type="stop")
        if f.type == "percent":
            return dict(validate="decimal", criteria="between", minimum=f.min, maximum=f.max, error_type="stop")
        if f.type == "money":
            return dict(validate="decimal", criteria=">=", value=f.min or 0, error_type="stop")
        if f.type in ("int", "year") and (f.min is not None or f.max is not None):
            return _whole(f)
        if f.key in self.typed_dates:
            # v3: a text cell (whatever is typed stays as typed); the column beside it reads it
            return dict(validate="any")
        if f.type == "date":
            # A warning, not a stop: a BE year typed in LibreOffice is stored 543 years late,
            # and the reader maps it back with a note instead of losing the entry.
            return dict(validate="date", criteria="between", minimum=lo, maximum=hi, error_type="warning")
        if f.max_length:
            return dict(validate="length", criteria="<=", value=f.max_length, error_type="stop")
        return dict(validate="any")

    def write_value(self, ws, r: int, c: int, value, fmt) -> None:
        if value is None or value == "":
            self.ok(ws.write_blank(r, c, None, fmt))
        elif isinstance(value, dt.date):
            self.ok(ws.write_datetime(r, c, value if isinstance(value, dt.datetime)
                                      else dt.datetime.combine(value, dt.time()), fmt))
        elif is_num(value):
            self.ok(ws.write_number(r, c, num(value), fmt))
        else:
            self.ok(ws.write_string(r, c, str(value), fmt))

    def input_style(self, f: FieldSpec, prefix: str = "input") -> str:
        return prefix + STYLE_SUFFIX.get(f.type, "")

    def marks_on(self, ws, sheet_key: str) -> None:
        """A returned workbook's findings on their cells: coloured by severity, with a comment."""
        for mark in (x for x in self.marks if x.sheet_key == sheet_key):
            if mark.severity == "note":          # a value written otherwise than typed: the comment says how
                ws.write_comment(mark.cell, mark.comment, {"x_scale": 2.5, "y_scale": 2,
                                                           "font_name": self.spec.font, "font_size": 12})
                continue
            ws.conditional_format(mark.cell, {"type": "no_errors",
                                              "format": self.style(MARK_STYLE.get(mark.severity, "explained"))})
            ws.write_comment(mark.cell, mark.comment, {"x_scale": 2.5, "y_scale": 2,
                                                       "font_name": self.spec.font, "font_size": 12})

    def style(self, name: str):
        """A named format; from v3 on the warning colour stands apart from the input yellow."""
        return self.fmt(name, **WARN_V3) if self.fitted and name == "warn" else self.fmt(name)

    def total_cell(self, key: str) -> str:
        """The cell of the monthly block's total row in field `key`'s column."""
        return f"{self.spec.field(key).column}{self.spec.monthly.total_row}"

    def define_name(self, name: str, ref: str) -> None:
        self.wb.define_name(name, f"={ref}")


def _whole(f: FieldSpec) -> dict:
    """A whole number within the field's bounds (either may be open)."""
    if f.min is not None and f.max is not None:
        return dict(validate="integer", criteria="between", minimum=f.min, maximum=f.max, error_type="stop")
    if f.min is not None:
        return dict(validate="integer", criteria=">=", value=f.min, error_type="stop")
    return dict(validate="integer", criteria="<=", value=f.max, error_type="stop")
