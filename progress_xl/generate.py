"""generate: spec + Project (+ monthly values, for a returned workbook) -> one .xlsx (xlsxwriter).

Sheets: instructions, project (prefilled, locked labels), monthly (12 rows, dropdowns,
validation, running totals, live self-check), print (the official form by formulas), a hidden
list sheet and a veryHidden `_meta`. Every formula gets the cached value a client would compute.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Context, Decimal, ROUND_HALF_UP
from pathlib import Path
from typing import Iterable


from . import __version__
from .fiscal import fiscal_bounds, format_be, month_label
from .layout import Formats, column_width, row_height, workbook
from .register import Project
from .selfcheck import (problems_formula, problems_value, row_checks, row_formula, row_value, running_total_formula,
                        workbook_formula, workbook_value)
from .values import excel_text
from .spec import FieldSpec, TemplateSpec, column_index, column_letter, rowcol

WINDOWS_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
MAX_FILENAME = 120
PRINT_WIDTH = 66


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


def quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def absolute(cell: str) -> str:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    return f"${m[1]}${m[2]}"


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


# -- Excel arithmetic twins: what a client computes for the formulas we write ------------------
def _excel_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):              # a date shows as its serial number in a text formula
        return str(((value.date() if isinstance(value, dt.datetime) else value) - dt.date(1899, 12, 30)).days)
    if isinstance(value, (int, Decimal, float)) and not isinstance(value, bool):
        d = Decimal(str(value))
        if not d.is_finite():
            return "#NUM!"
        return str(int(d)) if d == d.to_integral() else format(d.normalize(), "f")
    return str(value)


WIDE = Context(prec=800)      # any float (up to 1.8E+308) quantizes whole, however absurd


def _plain(value, limit: int = 32767) -> str:
    """Text legal for XML 1.0 and Excel: what `values.excel_text` keeps of it (document
    properties, names, cached text of formulas: places xlsxwriter does not escape)."""
    return excel_text(str(value), limit)[0]


def _fixed(value, places: int) -> str:
    q = Decimal(1).scaleb(-places)
    d = _amount(value or 0)
    if not d.is_finite():
        return "#NUM!"
    d = d.quantize(q, rounding=ROUND_HALF_UP, context=WIDE)
    return f"{d:,.{places}f}" if places == 0 else f"{d:.{places}f}"


def _is_num(v) -> bool:
    return isinstance(v, (int, float, Decimal, dt.date)) and not isinstance(v, bool)


def _amount(v) -> Decimal:
    """A number cell as Excel adds it: dates count as their serial number."""
    if isinstance(v, dt.date):
        d = v.date() if isinstance(v, dt.datetime) else v
        return Decimal((d - dt.date(1899, 12, 30)).days)
    return Decimal(str(v))


def _be_formula(ref: str) -> str:
    return (f'IF(ISNUMBER({ref}),TEXT(DAY({ref}),"00")&"/"&TEXT(MONTH({ref}),"00")&"/"&(YEAR({ref})+543),'
            f'{ref}&"")')


def _be_value(v) -> str:
    if isinstance(v, dt.datetime):
        v = v.date()
    return format_be(v) if isinstance(v, dt.date) else _excel_text(v)


def _lit(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class _Writer:
    def __init__(self, spec: TemplateSpec, project: Project, out, reports, marks, generated, checks=None, fy=None):
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
        self.fmt = Formats(self.wb, spec.font, spec.font_size)
        self.generated = generated or dt.datetime.combine(fiscal_bounds(self.fy)[0], dt.time())
        self.names = spec.sheets
        self.proj_ref = {f.key: f"{quote(self.names['project'])}!{absolute(f.cell)}" for f in spec.project_fields}
        budget = project["budget_allocated"]          # a returned workbook shows what was typed; sums use numbers
        self.budget = budget if _is_num(budget) and not isinstance(budget, dt.date) else None
        self.checks = row_checks(spec, self.fy, self.proj_ref["budget_allocated"], self.budget)

    # -- helpers ---------------------------------------------------------------------------
    def _ok(self, ret) -> None:
        if ret not in (0, None):
            raise RuntimeError(f"xlsxwriter refused a write ({ret}): a bug in the spec or the writer")

    def _sheet(self, key: str):
        ws = self.wb.add_worksheet(self.names[key])
        ws.set_default_row(self.spec.row_height)
        code = _plain(self.project.code or "", 40).replace("&", "&&")      # & starts a header code
        header = f'&L&"{self.spec.font},Regular"&12รหัสโครงการ / Project {code}&R&"{self.spec.font},Regular"&12{self.spec.title_th}'
        footer = f'&L&"{self.spec.font},Regular"&12progress_xl v{self.spec.version}&R&"{self.spec.font},Regular"&12หน้า / Page &P / &N'
        ws.set_header(header)
        ws.set_footer(footer)
        ws.set_paper(9)
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        return ws

    def _protect(self, ws) -> None:
        # A guard rail against typing over labels, not security: no password, and the
        # agency may still format, resize and select every cell.
        ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                        "select_unlocked_cells": True})

    def _validate(self, ws, f: FieldSpec, first: str, last: str | None = None) -> None:
        r0, c0 = rowcol(first)
        r1, c1 = rowcol(last or first)
        opts = {"input_title": f.validation_title, "error_title": f.validation_title,
                "ignore_blank": True}
        if f.prompt:
            opts["input_message"] = f.prompt
            opts["error_message"] = f.prompt
        lo, hi = fiscal_bounds(self.fy)
        if f.type == "choice":
            opts.update(validate="list", source=f"=px_list_{f.choices}", error_type="stop")
        elif f.type == "percent":
            opts.update(validate="decimal", criteria="between", minimum=f.min, maximum=f.max, error_type="stop")
        elif f.type == "money":
            opts.update(validate="decimal", criteria=">=", value=f.min or 0, error_type="stop")
        elif f.type == "date":
            # A warning, not a stop: a BE year typed in LibreOffice is stored 543 years late,
            # and the reader maps it back with a note instead of losing the entry.
            opts.update(validate="date", criteria="between", minimum=lo, maximum=hi, error_type="warning")
        elif f.max_length:
            opts.update(validate="length", criteria="<=", value=f.max_length, error_type="stop")
        else:
            opts.update(validate="any")
            opts.pop("error_title"), opts.pop("error_message", None)
        self._ok(ws.data_validation(r0, c0, r1, c1, opts))

    # -- sheets ----------------------------------------------------------------------------
    def write(self) -> None:
        s, p = self.spec, self.project
        self.wb.set_properties({
            "title": _plain(f"{p.code or ''} {p['project_name'] or ''}", 255), "subject": f"{s.title_th} / {s.title_en}",
            "author": "progress_xl", "company": "กรุงเทพมหานคร / Bangkok Metropolitan Administration",
            "keywords": _plain(f"progress_xl, {p.code or ''}, {self.fy}", 255), "comments": f"{s.id} v{s.version}",
            "created": self.generated})
        for name, value in (("progress_xl_template", s.id), ("progress_xl_version", s.version),
                            ("progress_xl_project_code", p.code), ("progress_xl_fiscal_year", self.fy),
                            ("progress_xl_generator", __version__)):
            if value is not None and value != "":       # a returned workbook whose code cell was emptied
                self._ok(self.wb.set_custom_property(name, value if isinstance(value, int) else _plain(value, 255)))
        checks = self.checks_sheet() if self.checks_lines is not None else None
        self.instructions()
        self.project_sheet()
        monthly = self.monthly_sheet()
        self.print_sheet()
        self.lists_sheet()
        self.meta_sheet()
        (checks or monthly).activate()
        self.wb.close()

    def checks_sheet(self):
        """First sheet of a returned workbook: every finding, with a link to its cell."""
        s, f, lines = self.spec, self.fmt, self.checks_lines
        ws = self._sheet("checks")
        for col, width in enumerate((6, 20, 8, 24, 60, 60)):
            ws.set_column(col, col, width)
        count = {k: sum(1 for x in lines if x.severity == k) for k in SEVERITY_LABEL}
        ws.merge_range(0, 0, 0, 5, f"ผลการตรวจ / Checks — {self.project.code}", f("title"))
        ws.merge_range(1, 0, 1, 5, f"ข้อผิดพลาด {count['error']} · คำเตือน {count['warning']} · ชี้แจงแล้ว {count['explained']}"
                       f" / {count['error']} errors · {count['warning']} warnings · {count['explained']} explained."
                       f" แก้ช่องที่มีสี แล้วส่งไฟล์นี้กลับ / Fix the coloured cells and send this file back.", f("subtitle"))
        headers = [("ลำดับ", "No."), ("ระดับ", "Severity"), ("รหัส", "Code"), ("ตำแหน่ง", "Cell"),
                   ("รายละเอียด", "ภาษาไทย"), ("Detail", "English")]
        for col, (th, en) in enumerate(headers):
            ws.write_string(2, col, th, f("header"))
            ws.write_string(3, col, en, f("header_en"))
        for i, line in enumerate(lines):
            r = 4 + i
            ws.write_number(r, 0, i + 1, f("fixed"))
            ws.write_string(r, 1, SEVERITY_LABEL[line.severity],
                            f({"error": "bad", "warning": "warn", "explained": "explained"}.get(line.severity, "plain")))
            ws.write_string(r, 2, line.code, f("fixed_text"))
            if line.link:
                key, cell = line.link.split("!")
                self._ok(ws.write_url(r, 3, f"internal:{quote(s.sheets[key])}!{cell}",
                                      string=f"{s.sheets[key]}!{cell}", tip="ไปที่ช่อง / go to the cell"))
            else:
                ws.write_string(r, 3, "-", f("fixed_text"))
            ws.write_string(r, 4, line.th, f("value"))
            ws.write_string(r, 5, line.en, f("value"))
            ws.set_row(r, row_height(max(line.th, line.en, key=len), 60, s.row_height))
        ws.autofilter(3, 0, 3 + max(len(lines), 1), 5)
        ws.freeze_panes(4, 0)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2, 3)
        return ws

    def instructions(self) -> None:
        s, p = self.spec, self.project
        ws = self._sheet("instructions")
        ws.set_column("A:A", 4)
        ws.set_column("B:B", 100)
        lo, hi = s.reporting_window
        contact = p["coordinator"] or "ผู้ประสานงาน สยป. / the coordinator"
        lines = [
            ("title", f"{s.title_th}"),
            ("subtitle", f"{s.title_en} · {p.code} · ปีงบประมาณ / FY {self.fy}"),
            ("heading", "วิธีกรอก / How to fill"),
            ("text", f"1. กรอกรายงานเดือนละครั้งในชีต '{self.names['monthly']}' ในแถวของเดือนนั้น ระหว่างวันที่ {lo}-{hi} ของเดือน\n"
                     f"   Fill one row a month on the '{self.names['monthly']}' sheet, in that month's row, between days {lo} and {hi} of the month."),
            ("text", "2. ช่องสีเหลืองคือช่องที่ต้องกรอก ช่องอื่นล็อกไว้ (ไม่มีรหัสผ่าน ป้องกันการพิมพ์ทับโดยไม่ตั้งใจ)\n"
                     "   Yellow cells are yours to fill; the others are locked (no password: a guard against typing over labels)."),
            ("text", "3. วันที่: พิมพ์ เช่น 22/10/2563 หรือ 22/10/2020 ระบบอ่านได้ทั้ง พ.ศ. และ ค.ศ.\n"
                     "   Dates: type e.g. 22/10/2563 or 22/10/2020; both Buddhist-era and Gregorian years are read."),
            ("text", "4. ความก้าวหน้าสะสม: ตัวเลข 0 ถึง 100 เช่น 45 (ไม่ต้องพิมพ์ %) เป็นค่าสะสมตั้งแต่ต้นโครงการ ห้ามลดลง\n"
                     "   Cumulative progress: a number 0 to 100, e.g. 45 (no % sign); it counts from the start and never falls."),
            ("text", "5. งบประมาณที่เบิกใช้ครั้งนี้: จำนวนเงินเป็นบาทที่เบิกในเดือนนี้ ใส่ 0 หากไม่มี ระบบรวมยอดสะสมให้\n"
                     "   Disbursed this report: baht disbursed this month, 0 if none; the running total is computed for you."),
            ("text", "6. หากมีคำเตือน ให้ชี้แจงในช่องหมายเหตุของแถวนั้น\n"
                     "   If a check warns you, explain it in that row's remark."),
            ("text", f"7. ดูผลตรวจในคอลัมน์ผลตรวจ เมื่อทุกแถวขึ้น '{s.ready}' บันทึกไฟล์ (.xlsx) แล้วส่งอีเมลกลับ อย่าเปลี่ยนชื่อชีต\n"
                     f"   Check the self-check column; when every row says '{s.ready}', save (.xlsx) and email it back. Do not rename sheets."),
            ("text", "8. ผลตรวจในไฟล์ตรวจได้บางส่วน ผู้ประสานงานจะตรวจอีกครั้ง เช่น เทียบกับเดือนที่รับรองแล้วและกับแผน แล้วส่งไฟล์คืนพร้อมจุดที่ต้องแก้\n"
                     "   The self-check checks less than the coordinator's validation (e.g. against months already accepted and the plan);\n"
                     "   you get the file back with each problem marked on its cell."),
            ("heading", "ความหมายของสถานะ / What the statuses mean"),
        ]
        for name in s.choices:
            for c in s.choices[name]:
                lines.append(("text", f"• {c.value} / {c.en}"))
        lines += [
            ("heading", "ติดต่อ / Contact"),
            ("text", f"ผู้ประสานงาน สยป. / Coordinator: {contact}"),
            ("text", f"อีเมลหน่วยงาน / Agency e-mail: {p['agency_email'] or '-'}"),
        ]
        for row, (style, text) in enumerate(lines):
            ws.write_string(row, 1, text, self.fmt(style))
            if "\n" in text:
                ws.set_row(row, self.spec.row_height * (text.count("\n") + 1))
        ws.hide_gridlines(2)
        ws.fit_to_pages(1, 0)
        ws.print_area(0, 0, len(lines), 1)
        self._protect(ws)

    def project_sheet(self) -> None:
        s, p, f = self.spec, self.project, self.fmt
        ws = self._sheet("project")
        th_col, en_col = (column_index(c) for c in s.project_label_columns)
        value_col = column_index(s.project_fields[0].cell.rstrip("0123456789"))
        ws.set_column(th_col, th_col, column_width([x.th for x in s.project_fields], maximum=34))
        ws.set_column(en_col, en_col, column_width([x.en for x in s.project_fields], maximum=30))
        ws.set_column(value_col, value_col, 70)
        ws.merge_range(0, 0, 0, value_col, f"ข้อมูลโครงการ / Project information — {s.title_th}", f("title"))
        ws.write_string(1, 0, s.title_en, f("subtitle"))
        ws.write_string(2, th_col, "รายการ", f("header"))
        ws.write_string(2, en_col, "Field", f("header_en"))
        ws.write_string(2, value_col, "ข้อมูล / Value", f("header"))
        for field in s.project_fields:
            r, c = rowcol(field.cell)
            ws.write_string(r, th_col, field.th + (" *" if field.required else ""), f("label"))
            ws.write_string(r, en_col, field.en, f("label_en"))
            value = p[field.key] if field.prefill else None
            if field.derive == "total:disbursed":
                total = sum((_amount(v["disbursed"]) for v in self.reports.values() if _is_num(v.get("disbursed"))), Decimal(0))
                ref = f"{quote(self.names['monthly'])}!{absolute(self._total_cell('disbursed'))}"
                self._ok(ws.write_formula(r, c, f"={ref}", f("formula_money"), _num(total)))
                self.wb.define_name(field.defined_name, f"={self.proj_ref[field.key]}")
                continue
            style = ("input" if field.is_input else "value") + {"date": "_date", "money": "_money",
                                                                  "year": "_int"}.get(field.type, "")
            self._write_value(ws, r, c, value, f(style))
            if field.is_input:
                self._validate(ws, field, field.cell)
            if field.type == "longtext" and value:
                ws.set_row(r, row_height(value, 70, s.row_height))
            self.wb.define_name(field.defined_name, f"={self.proj_ref[field.key]}")
        self._marks(ws, "project")
        ws.freeze_panes(3, 0)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2)
        self._protect(ws)

    def _write_value(self, ws, r, c, value, fmt) -> None:
        if value is None or value == "":
            self._ok(ws.write_blank(r, c, None, fmt))
        elif isinstance(value, dt.date):
            self._ok(ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()) if not isinstance(value, dt.datetime) else value, fmt))
        elif _is_num(value):
            self._ok(ws.write_number(r, c, _num(value), fmt))
        else:
            self._ok(ws.write_string(r, c, str(value), fmt))

    def _total_cell(self, key: str) -> str:
        return f"{self.spec.field(key).column}{self.spec.monthly.total_row}"

    def monthly_sheet(self):
        s, p, f, m = self.spec, self.project, self.fmt, self.spec.monthly
        ws = self._sheet("monthly")
        fields = s.monthly_fields
        last_col = max(column_index(x.column) for x in fields)
        widths = {x.key: x.width or column_width([x.th, x.en]) for x in fields}
        for x in fields:
            ci = column_index(x.column)
            ws.set_column(ci, ci, widths[x.key])
        ws.merge_range(0, 0, 0, last_col, f"รายงานความก้าวหน้ารายเดือน / Monthly progress — {s.title_th}", f("title"))
        ws.merge_range(1, 0, 1, last_col, f"{p.code}  {p['project_name']}  ·  ปีงบประมาณ / FY {self.fy}  ·  "
                       f"งบประมาณ / Budget {_fixed(self.budget, 0)} บาท", f("subtitle"))
        cr, cc = rowcol(m.check_cell)
        ws.merge_range(cr, 0, cr, cc - 1, "ผลตรวจทั้งไฟล์ / Workbook check", f("label"))
        if m.hint_row:
            lo, hi = s.reporting_window
            ws.merge_range(m.hint_row - 1, 0, m.hint_row - 1, last_col,
                           f"กรอกช่องสีเหลืองในแถวของเดือนที่รายงาน ระหว่างวันที่ {lo}-{hi} ของเดือน · "
                           f"Fill the yellow cells of the month's row, between days {lo} and {hi} of the month", f("subtitle"))
        for x in fields:
            ci = column_index(x.column)
            ws.write_string(m.header_th_row - 1, ci, x.th, f("header"))
            ws.write_string(m.header_en_row - 1, ci, x.en, f("header_en"))
        ws.set_row(m.header_th_row - 1, s.row_height * 2)
        ws.set_row(m.header_en_row - 1, s.row_height * 2)

        written: dict[int, dict] = {}
        for k in range(1, m.rows + 1):
            r = m.row_of(k) - 1
            values = self.reports.get(k, {})
            written[k] = {}
            for x in fields:
                ci = column_index(x.column)
                if x.derive == "report_no":
                    self._ok(ws.write_number(r, ci, k, f("fixed")))
                elif x.derive == "month_label":
                    self._ok(ws.write_string(r, ci, month_label(self.fy, k), f("fixed_text")))
                elif x.is_input:
                    v = values.get(x.key)
                    written[k][x.key] = v
                    style = "input" + {"date": "_date", "money": "_money", "percent": "_percent"}.get(x.type, "")
                    self._write_value(ws, r, ci, v, f(style))
        rows_values = []
        helper = column_letter(column_index(s.field("check").column) + 1)   # hidden, beside the self-check
        ws.set_column(f"{helper}:{helper}", None, None, {"hidden": True})
        for k in range(1, m.rows + 1):
            r = m.row_of(k)
            for x in fields:
                ci = column_index(x.column)
                if x.derive == "running_total:disbursed":
                    total = sum((_amount(written[j].get("disbursed")) for j in range(1, k + 1)
                                 if _is_num(written[j].get("disbursed"))), Decimal(0))
                    any_ = any(_is_num(written[j].get("disbursed")) for j in range(1, k + 1))
                    self._ok(ws.write_formula(r - 1, ci, running_total_formula(s, r),
                                              f("formula_money"), _num(total) if any_ else ""))
                elif x.derive == "self_check":
                    value = row_value(s, self.checks, k, written)
                    rows_values.append(value)
                    self._ok(ws.write_formula(r - 1, ci, row_formula(s, r, helper), f("check"), value))
                    self._ok(ws.write_formula(r - 1, ci + 1, problems_formula(self.checks, r), None,
                                              problems_value(self.checks, k, written)))
            longest = max((str(written[k].get(x.key) or "") for x in fields if x.type == "longtext"), key=len, default="")
            if longest:
                ws.set_row(r - 1, row_height(longest, widths["narrative"], s.row_height))
        # totals
        tr = m.total_row - 1
        ws.write_string(tr, 0, "รวม / Total", f("total"))
        ws.write_blank(tr, 1, None, f("total"))
        d, e = s.field("disbursed").column, s.field("progress").column
        total = sum((_amount(w.get("disbursed")) for w in written.values() if _is_num(w.get("disbursed"))), Decimal(0))
        top = max((_amount(w.get("progress")) for w in written.values() if _is_num(w.get("progress"))), default=0)
        self._ok(ws.write_formula(self._total_cell("disbursed"), f"=SUM({d}{m.first_row}:{d}{m.last_row})",
                                  f("total_money"), _num(total)))
        self._ok(ws.write_formula(self._total_cell("progress"), f"=MAX({e}{m.first_row}:{e}{m.last_row})",
                                  f("total_percent"), _num(top)))
        check_col = s.field("check").column
        rng = f"{check_col}{m.first_row}:{check_col}{m.last_row}"
        self._ok(ws.merge_range(cr, cc, cr, last_col, "", f("check", bold=True)))
        self._ok(ws.write_formula(m.check_cell, workbook_formula(s, rng), f("check", bold=True),
                                  workbook_value(rows_values, s)))
        for target in (rng, m.check_cell):
            top_left = target.split(":")[0]
            ws.conditional_format(target, {"type": "cell", "criteria": "==", "value": _lit(s.ready), "format": f("ok")})
            ws.conditional_format(target, {"type": "formula", "format": f("bad"), "criteria":
                                           f'=AND({top_left}<>"",{top_left}<>{_lit(s.ready)},LEFT({top_left},7)<>"ยังไม่มี")'})
        for x in fields:
            first, last = f"{x.column}{m.first_row}", f"{x.column}{m.last_row}"
            if x.is_input:
                self._validate(ws, x, first, last)
            self.wb.define_name(x.defined_name, f"={quote(self.names['monthly'])}!{absolute(first)}:{absolute(last)}")
        last_letter = fields[-1].column
        self.wb.define_name("px_monthly", f"={quote(self.names['monthly'])}!$A${m.first_row}:${last_letter}${m.last_row}")
        self.wb.define_name("px_workbook_check", f"={quote(self.names['monthly'])}!{absolute(m.check_cell)}")
        self._marks(ws, "monthly")
        fr, fc = rowcol(m.freeze)
        ws.freeze_panes(fr, fc)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(m.header_th_row - 1, m.header_en_row - 1)
        ws.print_area(0, 0, m.total_row - 1, last_col)
        self._protect(ws)
        self.written = written
        return ws

    def _marks(self, ws, sheet_key: str) -> None:
        for mark in (x for x in self.marks if x.sheet_key == sheet_key):
            style = {"error": "bad", "warning": "warn"}.get(mark.severity, "explained")
            ws.conditional_format(mark.cell, {"type": "no_errors", "format": self.fmt(style)})
            ws.write_comment(mark.cell, mark.comment, {"x_scale": 2.5, "y_scale": 2,
                                                       "font_name": self.spec.font, "font_size": 12})

    def print_sheet(self) -> None:
        s, p, f = self.spec, self.project, self.fmt
        ws = self._sheet("print")
        ws.set_column(0, 0, PRINT_WIDTH)
        P = self.proj_ref
        pv = {x.key: (p[x.key] if x.prefill else None) for x in s.project_fields}
        total = sum((_amount(w.get("disbursed")) for w in self.written.values() if _is_num(w.get("disbursed"))), Decimal(0))
        pv["budget_used"] = total
        lines: list[tuple[str, str | None, str]] = []   # (style, formula or None, text)

        def static(text, style="print"):
            lines.append((style, None, text))

        def ref_line(label, key, kind="text"):
            ref, v = P[key], pv.get(key)
            if kind == "date":
                lines.append(("print", f'={_lit(label + " : ")}&{_be_formula(ref)}', f"{label} : {_be_value(v)}"))
            elif kind == "money":
                lines.append(("print", f'={_lit(label + " : ")}&TEXT({ref},"#,##0")&" บาท"', f"{label} : {_fixed(v, 0) if _is_num(v) else _excel_text(v)} บาท"))   # TEXT() of text is the text
            else:
                lines.append(("print", f"={_lit(label + ' : ')}&{ref}", f"{label} : {_excel_text(v)}"))

        static(s.title_th, "print_title")
        static("1. ชื่อโครงการและหน่วยงานที่รับผิดชอบโครงการ", "print_bold")
        static("1.1 รหัสโครงการและชื่อโครงการ", "print_bold")
        ref_line("ชื่อโครงการ/กิจกรรม", "project_name")
        ref_line("รหัสโครงการ", "project_code")
        ref_line("ปีงบประมาณ พ.ศ.", "fiscal_year")
        ref_line("เริ่มต้นโครงการ", "start_date", "date")
        ref_line("งบประมาณที่ได้รับ", "budget_allocated", "money")
        ref_line("สิ้นสุดโครงการ", "end_date", "date")
        ref_line("งบประมาณที่ใช้ไป", "budget_used", "money")
        static("1.2 หน่วยงานที่รับผิดชอบ", "print_bold")
        lines.append(("print", f'="หน่วยงานที่รับผิดชอบ : "&{P["agency"]}&" / "&{P["agency_short"]}&" / "&{P["division"]}',
                      f"หน่วยงานที่รับผิดชอบ : {_excel_text(pv['agency'])} / {_excel_text(pv['agency_short'])} / {_excel_text(pv['division'])}"))
        ref_line("ชื่อผู้รับผิดชอบ", "responsible_person")
        ref_line("ผู้ประสานงาน สยป", "coordinator")
        for heading, key in (("1.3 หลักการและเหตุผล", "rationale"), ("1.4 วัตถุประสงค์ของโครงการ", "objectives"),
                             ("1.5 เป้าหมายของโครงการ", "targets")):
            static(heading, "print_bold")
            lines.append(("print", f"={P[key]}&\"\"", _excel_text(pv[key])))
        static("1.6 สนับสนุนแผนพัฒนา กทม. ระยะ 20 ปี (ยุทธศาสตร์-ประเด็นยุทธศาสตร์-กลยุทธ์ตามแผนฯ /ตัวชี้วัด)", "print_bold")
        ref_line("ประเด็นยุทธศาสตร์", "strategy")
        ref_line("ประเด็นยุทธศาสตร์ย่อย", "sub_strategy")
        ref_line("เป้าหมายที่", "goal")
        ref_line("ตัวชี้วัด", "kpi")
        static("2. รายงานความก้าวหน้าของโครงการและการใช้จ่ายงบประมาณ", "print_bold")
        M = quote(self.names["monthly"])
        for k in range(1, s.monthly.rows + 1):
            lines.extend(self._report_lines(k, M))
        static("ขอรับรองว่า ข้อมูลที่ปรากฏในเอกสารฉบับนี้ หน่วยงานได้จัดพิมพ์จากระบบงานจริง เพื่อเป็นหลักฐานไว้ตรวจสอบ")
        lines.append(("print", f'="ลงชื่อ ........................................ ("&{P["responsible_person"]}&") ผู้รับผิดชอบโครงการ"',
                      f"ลงชื่อ ........................................ ({_excel_text(pv['responsible_person'])}) ผู้รับผิดชอบโครงการ"))
        lines.append(("print", f'="ตำแหน่ง "&{P["signer_position"]}', f"ตำแหน่ง {_excel_text(pv['signer_position'])}"))
        for r, (style, formula, text) in enumerate(lines):
            if formula:
                self._ok(ws.write_formula(r, 0, formula, f(style), text))
            else:
                self._ok(ws.write_string(r, 0, text, f(style)))
            height = row_height(text, PRINT_WIDTH, s.row_height)
            if style == "print_title":
                height = s.row_height * 1.6
            if height > s.row_height:
                ws.set_row(r, height)
        ws.hide_gridlines(2)
        ws.print_area(0, 0, len(lines) - 1, 0)
        ws.fit_to_pages(1, 0)
        self._protect(ws)

    def _report_lines(self, k: int, M: str) -> list[tuple[str, str, str]]:
        s, r = self.spec, self.spec.monthly.row_of(k)
        col = {x.key: f"{M}!${x.column}${r}" for x in s.monthly_fields}
        w = self.written[k]
        inputs = ",".join(col[x.key] for x in s.monthly_fields if x.is_input)
        started = any(v not in (None, "") for v in w.values())
        text_parts = [x.key for x in s.monthly_fields if x.key in ("stage", "narrative")]
        body_f = '&" "&'.join(f'{col[key]}' for key in text_parts)
        body_v = " ".join(_excel_text(w.get(key)) for key in text_parts)
        a_f = (f'=IF(COUNTA({inputs})=0,"รายงานครั้งที่{k}",'
               f'"รายงานครั้งที่{k} :: "&{_be_formula(col["report_date"])}&" : "&{body_f})')
        a_v = f"รายงานครั้งที่{k} :: {_be_value(w.get('report_date'))} : {body_v}" if started else f"รายงานครั้งที่{k}"
        num = lambda key, fmt: f'IF(ISNUMBER({col[key]}),TEXT({col[key]},"{fmt}"),{col[key]}&"")'
        numv = lambda v, places: _fixed(v, places) if _is_num(v) else _excel_text(v)
        b_f = (f'=IF(COUNTA({inputs})=0,"",":: ความก้าวหน้าของงานฯ = "&{num("progress", "0.00")}&" % งบประมาณที่เบิกใช้ (ครั้งที่ {k}) = "'
               f'&{num("disbursed", "#,##0")}&" บาท : "&{col["plan_status"]}&" : "&{col["target_status"]})')
        b_v = (f":: ความก้าวหน้าของงานฯ = {numv(w.get('progress'), 2)} % งบประมาณที่เบิกใช้ (ครั้งที่ {k}) = "
               f"{numv(w.get('disbursed'), 0)} บาท : {_excel_text(w.get('plan_status'))} : {_excel_text(w.get('target_status'))}") if started else ""
        return [("print_bold", a_f, a_v), ("print", b_f, b_v)]

    def lists_sheet(self) -> None:
        ws = self.wb.add_worksheet(self.names["lists"])
        for c, (name, choices) in enumerate(self.spec.choices.items()):
            ws.write_string(0, c, name)
            for r, choice in enumerate(choices, start=1):
                ws.write_string(r, c, choice.value)
            col = chr(ord("A") + c)
            self.wb.define_name(f"px_list_{name}", f"={quote(self.names['lists'])}!${col}$2:${col}${len(choices) + 1}")
        ws.hide()
        self._protect(ws)

    def meta_sheet(self) -> None:
        s, p = self.spec, self.project
        ws = self.wb.add_worksheet(self.names["meta"])
        rows = [("key", "value"), ("template_id", s.id), ("template_version", str(s.version)),
                ("project_code", p.code), ("fiscal_year", str(self.fy)), ("generator", f"progress_xl {__version__}")]
        for x in s.project_fields:
            rows.append((f"field.{x.key}", f"{self.names['project']}!{x.cell}"))
        for x in s.monthly_fields:
            rows.append((f"field.{x.key}", f"{self.names['monthly']}!{x.column}{s.monthly.first_row}:{x.column}{s.monthly.last_row}"))
        rows.append(("label.monthly_header_th", f"{self.names['monthly']}!{s.monthly.header_th_row}"))
        for r, (key, value) in enumerate(rows):
            ws.write_string(r, 0, key)
            ws.write_string(r, 1, value)
        ws.very_hidden()
        self._protect(ws)


def _num(v):
    if isinstance(v, Decimal):
        return int(v) if v.is_finite() and v == v.to_integral() else float(v)    # inf: #NUM! in the file
    return v


def generate_workbook(spec: TemplateSpec, project: Project, out, *, reports: dict[int, dict] | None = None,
                      marks: Iterable[Mark] = (), generated: dt.datetime | None = None,
                      checks: Iterable[CheckLine] | None = None, fy: int | None = None) -> None:
    """Write one project's workbook to `out` (a path or a binary file object).

    With `checks` (a returned workbook), a first sheet lists them, linked to their cells; `fy` is
    the fiscal year its months are labelled with when the project's own cell holds no year."""
    _Writer(spec, project, out, reports, marks, generated, checks, fy).write()


def generate_all(spec: TemplateSpec, projects: list[Project], out_dir: Path) -> list[Path]:
    """One workbook per project, in one folder per agency; written atomically."""
    from .files import atomic_write
    paths = []
    for project in projects:
        target = Path(out_dir) / agency_folder(project) / workbook_filename(project)
        with atomic_write(target) as fh:
            generate_workbook(spec, project, fh)
        paths.append(target)
    return paths
