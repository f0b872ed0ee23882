"""A returned workbook's first sheet: every finding, its severity and code, a link to its cell."""
from __future__ import annotations

from ..layout import row_height
from .base import SEVERITY_LABEL, Book
from .twins import quote

WIDTHS = (6, 20, 8, 24, 60, 60)
HEADERS = (("ลำดับ", "No."), ("ระดับ", "Severity"), ("รหัส", "Code"), ("ตำแหน่ง", "Cell"),
           ("รายละเอียด", "ภาษาไทย"), ("Detail", "English"))
SEVERITY_STYLE = {"error": "bad", "warning": "warn", "explained": "explained"}


def write(b: Book):
    f, lines = b.fmt, b.checks_lines or []
    ws = b.sheet("checks")
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    count = {k: sum(1 for x in lines if x.severity == k) for k in SEVERITY_LABEL}
    ws.merge_range(0, 0, 0, 5, f"ผลการตรวจ / Checks — {b.project.code}", f("title"))
    ws.merge_range(1, 0, 1, 5, f"ข้อผิดพลาด {count['error']} · คำเตือน {count['warning']} · ชี้แจงแล้ว {count['explained']}"
                   f" / {count['error']} errors · {count['warning']} warnings · {count['explained']} explained."
                   f" แก้ช่องที่มีสี แล้วส่งไฟล์นี้กลับ / Fix the coloured cells and send this file back.", f("subtitle"))
    for col, (th, en) in enumerate(HEADERS):
        ws.write_string(2, col, th, f("header"))
        ws.write_string(3, col, en, f("header_en"))
    for i, line in enumerate(lines):
        _line(b, ws, 4 + i, i + 1, line)
    ws.autofilter(3, 0, 3 + max(len(lines), 1), 5)
    ws.freeze_panes(4, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2, 3)
    return ws


def _line(b: Book, ws, r: int, number: int, line) -> None:
    f, sheets = b.fmt, b.spec.sheets
    ws.write_number(r, 0, number, f("fixed"))
    ws.write_string(r, 1, SEVERITY_LABEL[line.severity], b.style(SEVERITY_STYLE.get(line.severity, "plain")))
    ws.write_string(r, 2, line.code, f("fixed_text"))
    if line.link:
        key, cell = line.link.split("!")
        b.ok(ws.write_url(r, 3, f"internal:{quote(sheets[key])}!{cell}", f("fixed_text", font_color="#0563C1",
                                                                          underline=1),
                          string=f"{sheets[key]}!{cell}", tip="ไปที่ช่อง / go to the cell"))
    else:
        ws.write_string(r, 3, "-", f("fixed_text"))
    ws.write_string(r, 4, line.th, f("value"))
    ws.write_string(r, 5, line.en, f("value"))
    ws.set_row(r, row_height(max(line.th, line.en, key=len), 60, b.spec.row_height))
