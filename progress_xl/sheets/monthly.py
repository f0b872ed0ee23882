"""The monthly sheet: section 2 of the form, one row per report (12), its inputs (dropdowns and data
validation from the spec), running totals, a self-check per row (reading the hidden helper column
the spec declares) and for the whole workbook, and the total row."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..fiscal import format_be, month_bounds, month_label
from ..layout import column_width, row_height
from ..selfcheck import (amount_column, amount_key, problems_formula, problems_value, read_column, read_key,
                         row_formula, row_value, running_total_formula, workbook_formula, workbook_value)
from ..spec import column_index, column_letter, rowcol
from . import rows, typed
from .base import Book
from .twins import EPOCH, absolute, amount, fixed, is_num, lit, num, quote

CHECK_PT = 12               # the self-check's size (layout's "check" style)
LONG_TEXT_PT = 12           # v3: the narrative and remark in 12 pt, so 2,200 characters fit in 409 pt


def write(b: Book):
    s, m = b.spec, b.spec.monthly
    ws = b.sheet("monthly")
    last_col = max(column_index(x.at_column) for x in s.monthly_fields)
    widths = {x.key: x.width or column_width([x.th, x.en]) for x in s.monthly_fields}
    for x in s.monthly_fields:
        ws.set_column(column_index(x.at_column), column_index(x.at_column), widths[x.key])
    _titles(b, ws, last_col)
    b.written = _inputs(b, ws)
    rows_values = _derived(b, ws, widths)
    _totals(b, ws)
    check_range = _workbook_check(b, ws, rows_values, last_col)
    _conditional_formats(b, ws, check_range)
    _validations_and_names(b, last_col, ws)
    b.marks_on(ws, "monthly")
    fr, fc = rowcol(m.freeze)
    ws.freeze_panes(fr, fc)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(m.header_th_row - 1, m.header_en_row - 1)
    ws.print_area(0, 0, m.total_row - 1, last_col)
    b.protect(ws)
    return ws


def _titles(b: Book, ws, last_col: int) -> None:
    s, p, f, m = b.spec, b.project, b.fmt, b.spec.monthly
    ws.merge_range(0, 0, 0, last_col, f"รายงานความก้าวหน้ารายเดือน / Monthly progress — {s.title_th}", f("title"))
    ws.merge_range(1, 0, 1, last_col, f"{p.code}  {p['project_name']}  ·  ปีงบประมาณ / FY {b.fy}  ·  "
                   f"งบประมาณ / Budget {fixed(b.budget, 0)} บาท", f("subtitle"))
    cr, cc = rowcol(m.check_cell)
    ws.merge_range(cr, 0, cr, cc - 1, "ผลตรวจทั้งไฟล์ / Workbook check", f("label"))
    if m.hint_row:
        lo, hi = s.reporting_window
        ws.merge_range(m.hint_row - 1, 0, m.hint_row - 1, last_col,
                       f"กรอกช่องสีเหลืองในแถวของเดือนที่รายงาน ระหว่างวันที่ {lo}-{hi} ของเดือน · "
                       f"Fill the yellow cells of the month's row, between days {lo} and {hi} of the month", f("subtitle"))
    for x in s.monthly_fields:
        ci = column_index(x.at_column)
        ws.write_string(m.header_th_row - 1, ci, x.th, f("header"))
        ws.write_string(m.header_en_row - 1, ci, x.en, f("header_en"))
    ws.set_row(m.header_th_row - 1, s.row_height * 2)
    ws.set_row(m.header_en_row - 1, s.row_height * 2)


def _inputs(b: Book, ws) -> dict[int, dict]:
    """Report numbers, month labels and the inputs as given; report k -> {key: value written}."""
    m, f = b.spec.monthly, b.fmt
    written: dict[int, dict] = {}
    for k in range(1, m.rows + 1):
        r, values, written[k] = m.row_of(k) - 1, b.reports.get(k, {}), {}
        for x in b.spec.monthly_fields:
            ci = column_index(x.at_column)
            if x.derive == "report_no":
                b.ok(ws.write_number(r, ci, k, f("fixed")))
            elif x.derive == "month_label":
                b.ok(ws.write_string(r, ci, month_label(b.fy, k), f("fixed_text")))
            elif x.is_input:
                written[k][x.key] = _as_written(b, x, values.get(x.key))
                b.write_value(ws, r, ci, written[k][x.key], _input_format(b, x))
        for x in _read_fields(b.spec):         # v3: each number field as its hidden helpers read it
            written[k][f"{x.key}_read"] = typed.read_value(written[k].get(x.key), x.type)
    return written


def _read_fields(spec):
    """The number fields whose typed text the template reads by formula (v3: those with `_read` helpers)."""
    return [x for x in spec.monthly_fields if x.is_input and read_column(spec, x.key)]


def _as_written(b: Book, x, value):
    """v3 writes a report date as the text the agency is asked to type (its column reads it)."""
    if b.fitted and x.key in b.typed_dates and isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day.year > 2400:              # a BE year a client stored as CE: the year as it was typed
            return f"{day.day:02d}/{day.month:02d}/{day.year}"
        return format_be(day)
    return value


def _input_format(b: Book, x):
    if b.fitted and x.key in b.typed_dates:
        return b.fmt("input", num_format="@")            # text: no client reads a BE year as CE
    if b.fitted and x.type == "longtext":
        return b.fmt("input", font_size=LONG_TEXT_PT)
    return b.fmt(b.input_style(x))


def _derived(b: Book, ws, widths: dict) -> list[str]:
    """Running totals and each row's self-check (its failing checks in the hidden helper column);
    each row tall enough for its longest text. Returns each row's self-check value."""
    s, m, written, rows_values = b.spec, b.spec.monthly, b.written, []
    helper = m.helper_column
    for column in (helper, *m.helpers.values()):
        ws.set_column(f"{column}:{column}", None, None, {"hidden": True})
    key = amount_key(s)
    for k in range(1, m.rows + 1):
        r = m.row_of(k)
        _numbers_read(b, ws, k, r)
        for x in s.monthly_fields:
            ci = column_index(x.at_column)
            if x.derive == "running_total:disbursed":
                b.ok(ws.write_formula(r - 1, ci, running_total_formula(s, r), b.fmt("formula_money"),
                                      _running_total(written, k, key)))
            elif x.derive and x.derive.startswith("be_date:"):
                _date_read(b, ws, x, k, r)
            elif x.derive == "self_check":
                value = row_value(s, b.checks, k, written)
                rows_values.append(value)
                b.ok(ws.write_formula(r - 1, ci, row_formula(s, r, helper), b.fmt("check"), value))
                b.ok(ws.write_formula(r - 1, column_index(helper), problems_formula(b.checks, r), None,
                                      problems_value(b.checks, k, written)))
        if b.fitted:        # the longest text of the row: its narrative, remark or self-check
            check = s.field("check")
            ws.grow(r - 1, max([rows.height(written[k].get(x.key), widths[x.key], LONG_TEXT_PT, s.row_height)
                                for x in s.monthly_fields if x.type == "longtext"]
                               + [rows.height(rows_values[-1], widths[check.key], CHECK_PT, s.row_height)]))
            continue
        longest = max((str(written[k].get(x.key) or "") for x in s.monthly_fields if x.type == "longtext"),
                      key=len, default="")
        if longest:
            ws.set_row(r - 1, row_height(longest, widths["narrative"], s.row_height))
    return rows_values


def _numbers_read(b: Book, ws, k: int, r: int) -> None:
    """v3: each number field's text less the words the validator reads past, and the number read from it
    (a number typed, or text such as 2,000 บาท): what the sums and the checks use."""
    helpers = b.spec.monthly.helpers
    for x in _read_fields(b.spec):
        cell, text = f"{x.column}{r}", helpers[f"{x.key}_text"]
        value, read = b.written[k].get(x.key), b.written[k][f"{x.key}_read"]
        b.ok(ws.write_formula(r - 1, column_index(text), typed.text_formula(cell, x.type), None,
                              typed.text_value(value, x.type)))
        b.ok(ws.write_formula(r - 1, column_index(helpers[f"{x.key}_read"]), typed.read_formula(cell, f"{text}{r}"),
                              None, "" if read is None else num(read)))


def _date_read(b: Book, ws, x, k: int, r: int) -> None:
    """The typed date read by formula (two hidden helpers normalise the text first), shown in BE."""
    source = b.spec.field(x.derive.split(":", 1)[1])
    h1, h2, *dmy = date_helpers(b.spec)
    text = b.written[k].get(source.key)
    year = month_bounds(b.fy, k)[0].year
    one = typed.stage_1(text)
    two = typed.stage_2(one)
    b.ok(ws.write_formula(r - 1, column_index(h1), typed.stage_1_formula(f"{source.column}{r}"), None, one))
    b.ok(ws.write_formula(r - 1, column_index(h2), typed.stage_2_formula(f"{h1}{r}"), None, two))
    for column, formula, value in zip(dmy, typed.part_formulas(f"{h2}{r}"), typed.part_values(two)):
        b.ok(ws.write_formula(r - 1, column_index(column), formula, None, value))
    day = typed.date_value(text, year)
    b.written[k][x.key] = day
    cached = "" if day is None else (day - EPOCH).days
    formula = typed.date_formula(f"{source.column}{r}", f"{h2}{r}", *(f"{c}{r}" for c in dmy), year)
    b.ok(ws.write_formula(r - 1, column_index(x.column), formula, b.fmt("value_date", bg_color="#F2F2F2"), cached))


def date_helpers(spec) -> tuple[str, ...]:
    """The hidden columns that read a typed date (v3, [monthly.helpers]): its text normalised in two steps,
    then its day, month and year."""
    return tuple(spec.monthly.helpers[k] for k in ("date_text", "date_parts", "date_day", "date_month", "date_year"))


def _running_total(written: dict[int, dict], k: int, key: str = "disbursed"):
    amounts = [written[j].get(key) for j in range(1, k + 1)]
    if not any(is_num(a) for a in amounts):
        return ""
    return num(sum((amount(a) for a in amounts if is_num(a)), Decimal(0)))


def _totals(b: Book, ws) -> None:
    s, m, f, written = b.spec, b.spec.monthly, b.fmt, b.written
    tr = m.total_row - 1
    if b.fitted:        # the label within its border: over the number, month and date columns
        ws.merge_range(tr, 0, tr, column_index(s.field("progress").at_column) - 1, "รวม / Total", f("total"))
    else:
        ws.write_string(tr, 0, "รวม / Total", f("total"))
        ws.write_blank(tr, 1, None, f("total"))
    d, key = amount_column(s) or s.field("disbursed").column, amount_key(s)
    e, pk = read_column(s, "progress") or s.field("progress").column, read_key(s, "progress")
    total = sum((amount(w.get(key)) for w in written.values() if is_num(w.get(key))), Decimal(0))
    top = max((amount(w.get(pk)) for w in written.values() if is_num(w.get(pk))), default=0)
    b.ok(ws.write_formula(b.total_cell("disbursed"), f"=SUM({d}{m.first_row}:{d}{m.last_row})",
                          f("total_money"), num(total)))
    b.ok(ws.write_formula(b.total_cell("progress"), f"=MAX({e}{m.first_row}:{e}{m.last_row})",
                          f("total_percent"), num(top)))


def _workbook_check(b: Book, ws, rows_values: list[str], last_col: int) -> str:
    """The whole workbook's self-check beside its label; returns the range of the rows' checks."""
    s, m, f = b.spec, b.spec.monthly, b.fmt
    check_col = s.field("check").column
    check_range = f"{check_col}{m.first_row}:{check_col}{m.last_row}"
    cr, cc = rowcol(m.check_cell)
    b.ok(ws.merge_range(cr, cc, cr, last_col, "", f("check", bold=True)))
    b.ok(ws.write_formula(m.check_cell, workbook_formula(s, check_range), f("check", bold=True),
                          workbook_value(rows_values, s)))
    return check_range


def _conditional_formats(b: Book, ws, check_range: str) -> None:
    """Green when ready, red when a check found something (not while nothing is reported yet)."""
    ready = lit(b.spec.ready)
    for target in (check_range, b.spec.monthly.check_cell):
        top_left = target.split(":")[0]
        ws.conditional_format(target, {"type": "cell", "criteria": "==", "value": ready, "format": b.fmt("ok")})
        ws.conditional_format(target, {"type": "formula", "format": b.fmt("bad"), "criteria":
                                       f'=AND({top_left}<>"",{top_left}<>{ready},LEFT({top_left},7)<>"ยังไม่มี")'})


def _validations_and_names(b: Book, last_col: int, ws) -> None:
    m, sheet = b.spec.monthly, quote(b.names["monthly"])
    for x in b.spec.monthly_fields:
        first, last = f"{x.column}{m.first_row}", f"{x.column}{m.last_row}"
        if x.is_input:
            b.validate(ws, x, first, last)
        b.define_name(x.defined_name, f"{sheet}!{absolute(first)}:{absolute(last)}")
    b.define_name("px_monthly", f"{sheet}!$A${m.first_row}:${column_letter(last_col)}${m.last_row}")
    b.define_name("px_workbook_check", f"{sheet}!{absolute(m.check_cell)}")
