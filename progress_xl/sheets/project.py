"""The project sheet: section 1 of the form, one field a row (Thai label, English label, value),
prefilled from the register and locked, the budget used summed from the monthly sheet."""
from __future__ import annotations

from decimal import Decimal

from ..layout import column_width, row_height
from ..spec import FieldSpec, cell_column, column_index, rowcol
from . import rows, typed
from .base import Book
from .twins import absolute, amount, is_num, num, quote

VALUE_WIDTH = 70


def write(b: Book) -> None:
    s, f = b.spec, b.fmt
    ws = b.sheet("project")
    th_col, en_col = (column_index(c) for c in s.project_label_columns)
    value_col = column_index(cell_column(s.project_fields[0].at_cell))
    widths = (column_width([x.th for x in s.project_fields], maximum=34), column_width([x.en for x in s.project_fields],
                                                                                       maximum=30))
    ws.set_column(th_col, th_col, widths[0])
    ws.set_column(en_col, en_col, widths[1])
    ws.set_column(value_col, value_col, VALUE_WIDTH)
    ws.merge_range(0, 0, 0, value_col, f"ข้อมูลโครงการ / Project information — {s.title_th}", f("title"))
    ws.write_string(1, 0, s.title_en, f("subtitle"))
    ws.write_string(2, th_col, "รายการ", f("header"))
    ws.write_string(2, en_col, "Field", f("header_en"))
    ws.write_string(2, value_col, "ข้อมูล / Value", f("header"))
    for field in s.project_fields:
        r = rowcol(field.at_cell)[0]
        ws.write_string(r, th_col, field.th + (" *" if field.required else ""), f("label"))
        ws.write_string(r, en_col, field.en, f("label_en"))
        _value(b, ws, field)
        if b.fitted:
            _fit(b, ws, field, widths)
        b.define_name(field.defined_name, b.proj_ref[field.key])
    b.marks_on(ws, "project")
    ws.freeze_panes(3, 0)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    b.protect(ws)


def _fit(b: Book, ws, field: FieldSpec, widths: tuple[float, float]) -> None:
    """v3: the row as tall as its longest text (labels wrap too); the agency's own rows grow as typed."""
    r, size = rowcol(field.at_cell)[0], b.spec.font_size
    value = b.project[field.key] if field.prefill else None
    points = max(rows.height(field.th + " *", widths[0], size, b.spec.row_height), rows.height(field.en, widths[1], size),
                 rows.height(value if isinstance(value, str) else "", VALUE_WIDTH, size))
    (ws.grow if field.is_input else ws.set_row)(r, points)


def _value(b: Book, ws, field: FieldSpec) -> None:
    r, c = rowcol(field.at_cell)
    if field.derive == "total:disbursed":
        read = (lambda v: typed.read_value(v, "money")) if b.fitted else (lambda v: amount(v) if is_num(v) else None)
        total = sum((a for v in b.reports.values() if (a := read(v.get("disbursed"))) is not None), Decimal(0))
        ref = f"{quote(b.names['monthly'])}!{absolute(b.total_cell('disbursed'))}"
        b.ok(ws.write_formula(r, c, f"={ref}", b.fmt("formula_money"), num(total)))
        return
    value = b.project[field.key] if field.prefill else None
    b.write_value(ws, r, c, value, b.fmt(b.input_style(field, "input" if field.is_input else "value")))
    if field.is_input:
        b.validate(ws, field, field.at_cell)
    if field.type == "longtext" and value:
        ws.set_row(r, row_height(value, VALUE_WIDTH, b.spec.row_height))
