"""The print form: the official form to print and sign, filled by formulas from the other sheets
(each with the text a client shows as its cached value), A4 portrait, one column."""
from __future__ import annotations

from decimal import Decimal

from ..layout import row_height
from .base import Book
from .twins import amount, be_formula, be_value, fixed, is_num, lit, quote, text_of

PRINT_WIDTH = 66
Line = tuple[str, "str | None", str]        # (style, formula or None for a static text, the text shown)


class _Form:
    """The form's lines, in order, each with the text a client shows as its cached value."""

    DISBURSED = "disbursed"         # the amounts the budget used adds up (v3: each row's amount as read)

    def __init__(self, b: Book):
        self.b = b
        self.lines: list[Line] = []
        self.ref = b.proj_ref
        self.values = {x.key: (b.project[x.key] if x.prefill else None) for x in b.spec.project_fields}
        self.values["budget_used"] = sum((amount(w.get(self.DISBURSED)) for w in b.written.values()
                                          if is_num(w.get(self.DISBURSED))), Decimal(0))

    def static(self, text: str, style: str = "print") -> None:
        self.lines.append((style, None, text))

    def field(self, label: str, key: str, kind: str = "text") -> None:
        ref, v = self.ref[key], self.values.get(key)
        if kind == "date":
            self.lines.append(("print", f'={lit(label + " : ")}&{be_formula(ref)}', f"{label} : {be_value(v)}"))
        elif kind == "money":                  # TEXT() of text is the text
            self.lines.append(("print", f'={lit(label + " : ")}&TEXT({ref},"#,##0")&" บาท"',
                               f"{label} : {fixed(v, 0) if is_num(v) else text_of(v)} บาท"))
        else:
            self.lines.append(("print", f"={lit(label + ' : ')}&{ref}", f"{label} : {text_of(v)}"))


def write(b: Book) -> None:
    s = b.spec
    ws = b.sheet("print")
    ws.set_column(0, 0, PRINT_WIDTH)
    form = _Form(b)
    _section_1(form)
    form.static("2. รายงานความก้าวหน้าของโครงการและการใช้จ่ายงบประมาณ", "print_bold")
    monthly = quote(b.names["monthly"])
    for k in range(1, s.monthly.rows + 1):
        form.lines.extend(_report_lines(b, k, monthly))
    _signature(form)
    for r, (style, formula, text) in enumerate(form.lines):
        if formula:
            b.ok(ws.write_formula(r, 0, formula, b.fmt(style), text))
        else:
            b.ok(ws.write_string(r, 0, text, b.fmt(style)))
        height = s.row_height * 1.6 if style == "print_title" else row_height(text, PRINT_WIDTH, s.row_height)
        if height > s.row_height:
            ws.set_row(r, height)
    ws.hide_gridlines(2)
    ws.print_area(0, 0, len(form.lines) - 1, 0)
    ws.fit_to_pages(1, 0)
    b.protect(ws)


def _section_1(form: _Form) -> None:
    P, pv = form.ref, form.values
    form.static(form.b.spec.title_th, "print_title")
    form.static("1. ชื่อโครงการและหน่วยงานที่รับผิดชอบโครงการ", "print_bold")
    form.static("1.1 รหัสโครงการและชื่อโครงการ", "print_bold")
    form.field("ชื่อโครงการ/กิจกรรม", "project_name")
    form.field("รหัสโครงการ", "project_code")
    form.field("ปีงบประมาณ พ.ศ.", "fiscal_year")
    form.field("เริ่มต้นโครงการ", "start_date", "date")
    form.field("งบประมาณที่ได้รับ", "budget_allocated", "money")
    form.field("สิ้นสุดโครงการ", "end_date", "date")
    form.field("งบประมาณที่ใช้ไป", "budget_used", "money")
    agency_lines(form, P)
    for heading, key in (("1.3 หลักการและเหตุผล", "rationale"), ("1.4 วัตถุประสงค์ของโครงการ", "objectives"),
                         ("1.5 เป้าหมายของโครงการ", "targets")):
        form.static(heading, "print_bold")
        form.lines.append(("print", f"={P[key]}&\"\"", text_of(pv[key])))
    form.static("1.6 สนับสนุนแผนพัฒนา กทม. ระยะ 20 ปี (ยุทธศาสตร์-ประเด็นยุทธศาสตร์-กลยุทธ์ตามแผนฯ /ตัวชี้วัด)", "print_bold")
    form.field("ประเด็นยุทธศาสตร์", "strategy")
    form.field("ประเด็นยุทธศาสตร์ย่อย", "sub_strategy")
    form.field("เป้าหมายที่", "goal")
    form.field("ตัวชี้วัด", "kpi")


def _signature(form: _Form) -> None:
    P, pv = form.ref, form.values
    form.static("ขอรับรองว่า ข้อมูลที่ปรากฏในเอกสารฉบับนี้ หน่วยงานได้จัดพิมพ์จากระบบงานจริง เพื่อเป็นหลักฐานไว้ตรวจสอบ")
    form.lines.append(("print", f'="ลงชื่อ ........................................ ("&{P["responsible_person"]}&") ผู้รับผิดชอบโครงการ"',
                       f"ลงชื่อ ........................................ ({text_of(pv['responsible_person'])}) ผู้รับผิดชอบโครงการ"))
    form.lines.append(("print", f'="ตำแหน่ง "&{P["signer_position"]}', f"ตำแหน่ง {text_of(pv['signer_position'])}"))


def _report_lines(b: Book, k: int, monthly: str) -> list[Line]:
    """Report k as the old system printed it: its date, stage and narrative; its numbers and statuses."""
    s, r = b.spec, b.spec.monthly.row_of(k)
    col = {x.key: f"{monthly}!${x.column}${r}" for x in s.monthly_fields}
    w = b.written[k]
    inputs = ",".join(col[x.key] for x in s.monthly_fields if x.is_input)
    started = any(v not in (None, "") for v in w.values())
    text_parts = [x.key for x in s.monthly_fields if x.key in ("stage", "narrative")]
    body_f = '&" "&'.join(f'{col[key]}' for key in text_parts)
    body_v = " ".join(text_of(w.get(key)) for key in text_parts)
    a_f = (f'=IF(COUNTA({inputs})=0,"รายงานครั้งที่{k}",'
           f'"รายงานครั้งที่{k} :: "&{be_formula(col["report_date"])}&" : "&{body_f})')
    a_v = f"รายงานครั้งที่{k} :: {be_value(w.get('report_date'))} : {body_v}" if started else f"รายงานครั้งที่{k}"
    number = lambda key, fmt: f'IF(ISNUMBER({col[key]}),TEXT({col[key]},"{fmt}"),{col[key]}&"")'  # noqa: E731
    shown = lambda v, places: fixed(v, places) if is_num(v) else text_of(v)  # noqa: E731
    b_f = (f'=IF(COUNTA({inputs})=0,"",":: ความก้าวหน้าของงานฯ = "&{number("progress", "0.00")}&" % งบประมาณที่เบิกใช้ (ครั้งที่ {k}) = "'
           f'&{number("disbursed", "#,##0")}&" บาท : "&{col["plan_status"]}&" : "&{col["target_status"]})')
    b_v = (f":: ความก้าวหน้าของงานฯ = {shown(w.get('progress'), 2)} % งบประมาณที่เบิกใช้ (ครั้งที่ {k}) = "
           f"{shown(w.get('disbursed'), 0)} บาท : {text_of(w.get('plan_status'))} : {text_of(w.get('target_status'))}") if started else ""
    return [("print_bold", a_f, a_v), ("print", b_f, b_v)]


def agency_lines(form: _Form, P: dict) -> None:
    """Section 1.2, the same in every version of the form: the agency, the person responsible."""
    pv = form.values
    form.static("1.2 หน่วยงานที่รับผิดชอบ", "print_bold")
    form.lines.append(("print", f'="หน่วยงานที่รับผิดชอบ : "&{P["agency"]}&" / "&{P["agency_short"]}&" / "&{P["division"]}',
                       f"หน่วยงานที่รับผิดชอบ : {text_of(pv['agency'])} / {text_of(pv['agency_short'])} / "
                       f"{text_of(pv['division'])}"))
    form.field("ชื่อผู้รับผิดชอบ", "responsible_person")
    form.field("ผู้ประสานงาน สยป", "coordinator")
