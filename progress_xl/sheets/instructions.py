"""The instructions sheet: how to fill the workbook, what the statuses mean, whom to ask."""
from __future__ import annotations

from . import rows
from .base import Book

WIDTH = 100
STYLE_SIZE = {"title": 18, "heading": 16}
DATES_V3 = ("text", "3. วันที่รายงาน: พิมพ์แบบที่คุ้นเคย เช่น 22/10/2563 หรือ 22/10/63 หรือ 22 ต.ค. 2563 (ปี พ.ศ.) ช่องนี้เก็บตามที่พิมพ์ "
                    "ช่องถัดไป 'วันที่รายงาน (อ่านได้)' แสดงวันที่ที่อ่านได้เป็น พ.ศ. ให้ตรวจว่าตรงกับที่ตั้งใจ\n"
                    "   Report date: type it as usual, e.g. 22/10/2563, 22/10/63 or 22 ต.ค. 2563 (Buddhist-era year). The cell keeps "
                    "what you type; the next column, 'Report date (as read)', shows the date read from it in BE: check it is the one you meant.")


def write(b: Book) -> None:
    s, p = b.spec, b.project
    ws = b.sheet("instructions")
    ws.set_column("A:A", 4)
    ws.set_column("B:B", WIDTH)
    lines = _how_to_fill(b)
    if b.fitted:
        lines = [DATES_V3 if text.startswith("3. ") else (style, text) for style, text in lines]
    for name in s.choices:
        for c in s.choices[name]:
            lines.append(("text", f"• {c.value} / {c.en}"))
    contact = p["coordinator"] or "ผู้ประสานงาน สยป. / the coordinator"
    lines += [
        ("heading", "ติดต่อ / Contact"),
        ("text", f"ผู้ประสานงาน สยป. / Coordinator: {contact}"),
        ("text", f"อีเมลหน่วยงาน / Agency e-mail: {p['agency_email'] or '-'}"),
    ]
    for row, (style, text) in enumerate(lines):
        ws.write_string(row, 1, text, b.fmt(style))
        if b.fitted:        # every wrapped line counted, in the style's size
            ws.set_row(row, rows.height(text, WIDTH, STYLE_SIZE.get(style, s.font_size), s.row_height))
        elif "\n" in text:
            ws.set_row(row, s.row_height * (text.count("\n") + 1))
    ws.hide_gridlines(2)
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, len(lines), 1)
    b.protect(ws)


def _how_to_fill(b: Book) -> list[tuple[str, str]]:
    s, p, monthly = b.spec, b.project, b.names["monthly"]
    lo, hi = s.reporting_window
    return [
        ("title", f"{s.title_th}"),
        ("subtitle", f"{s.title_en} · {p.code} · ปีงบประมาณ / FY {b.fy}"),
        ("heading", "วิธีกรอก / How to fill"),
        ("text", f"1. กรอกรายงานเดือนละครั้งในชีต '{monthly}' ในแถวของเดือนนั้น ระหว่างวันที่ {lo}-{hi} ของเดือน\n"
                 f"   Fill one row a month on the '{monthly}' sheet, in that month's row, between days {lo} and {hi} of the month."),
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
