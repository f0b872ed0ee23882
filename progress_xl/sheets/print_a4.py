"""The print form of template v3: the official form (the seed print-out), section by section, on A4
portrait, each of the twelve reports on a page of its own.

Its text comes by formula from the other sheets, and formula results grow no row in either client,
so every row is as tall as the longest text its cell can show: a report's narrative (at most the
spec's max_length) is split over its line and a continuation line marked "(ต่อ / continued)", each at
most 409 pt (Excel's highest row), cut at a space where one is near the split. A report never breaks
across pages: a page break stands before each one, and a report's reserved rows fit one page.
"""
from __future__ import annotations

from ..fiscal import format_be
from . import print_form, rows
from .base import Book
from .twins import be_value, fixed, is_num, lit, quote, text_of

WIDTH = 66                  # A4 portrait at 100 %: a unit of the TH Sarabun New 14 workbook is 7.7 pt
SIZE = 14
REPORT_SIZE = 12            # a report's rows: 2,200 characters and its lines fit one page
FIRST_PART = 1100           # characters of a narrative on the report's own line
SPLIT_BACK = 100            # a split moves back to a space at most this far
HEADER = 60                 # characters of "รายงานครั้งที่12 :: 22/10/2563 : <stage> "
THAI_WIDTH = 0.9            # characters that take width, of Thai prose (the seed: 0.86)
STATUS_CHARS = 140
CONTINUED = "(ต่อ / continued) "


Line = print_form.Line


class _Form(print_form._Form):
    """The v2 form's lines, with v3's budget used: each row's amount as read (a hidden column)."""

    DISBURSED = "disbursed_read"


def _reserve(chars: int) -> float:
    """Points for `chars` characters of Thai prose on one print row."""
    return rows.height("ก" * int(chars * THAI_WIDTH), WIDTH, REPORT_SIZE, REPORT_SIZE * rows.LINE + rows.PAD)


def write(b: Book) -> None:
    ws = b.sheet("print")
    ws.set_column(0, 0, WIDTH)
    form = _Form(b)
    heights: dict[int, float] = {}
    _section_1(form)
    form.static("2. รายงานความก้าวหน้าของโครงการและการใช้จ่ายงบประมาณ", "print_bold")
    breaks, limit = [], b.spec.field("narrative").max_length or 2200
    monthly = quote(b.names["monthly"])
    for k in range(1, b.spec.monthly.rows + 1):
        breaks.append(len(form.lines))
        lines = _report(b, k, monthly, limit)
        for i, (line, points) in enumerate(lines):
            heights[len(form.lines) + i] = points
        form.lines.extend(line for line, _ in lines)
    breaks.append(len(form.lines))
    print_form._signature(form)            # the certification and signature lines, as in v2
    for r, (style, formula, text) in enumerate(form.lines):
        fmt = b.fmt(style, font_size=REPORT_SIZE) if r in heights else b.fmt(style)
        b.ok(ws.write_formula(r, 0, formula, fmt, text) if formula else ws.write_string(r, 0, text, fmt))
        size = 18 if style == "print_title" else SIZE
        ws.set_row(r, heights.get(r) or rows.height(text, WIDTH, size, b.spec.row_height))
    ws.set_h_pagebreaks(breaks)          # no fit-to-page: Excel ignores manual breaks under it
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.hide_gridlines(2)
    ws.print_area(0, 0, len(form.lines) - 1, 0)
    b.protect(ws)


def _section_1(form: _Form) -> None:
    b, P = form.b, form.ref
    form.static(b.spec.title_th, "print_title")
    form.static("1. ชื่อโครงการและหน่วยงานที่รับผิดชอบโครงการ", "print_bold")
    form.static("1.1 รหัสโครงการและชื่อโครงการ", "print_bold")
    for label, key, kind in (("ชื่อโครงการ/กิจกรรม", "project_name", "text"), ("รหัสโครงการ", "project_code", "text"),
                             ("ปีงบประมาณ พ.ศ.", "fiscal_year", "text"), ("เริ่มต้นโครงการ", "start_date", "date"),
                             ("งบประมาณที่ได้รับ", "budget_allocated", "money"), ("สิ้นสุดโครงการ", "end_date", "date"),
                             ("งบประมาณที่ใช้ไป", "budget_used", "money")):
        form.field(label, key, kind)
    form.static("ปีงบประมาณนี้และทั้งโครงการ / This fiscal year and the whole project", "print_bold")
    for key, kind in (("total_budget", "money"), ("fy_allocation", "money"), ("carryover", "money"),
                      ("carryover_deadline", "date"), ("start_progress", "percent"), ("disbursed_before", "money")):
        _span_field(form, key, kind)
    print_form.agency_lines(form, P)
    pv = form.values
    for heading, key in (("1.3 หลักการและเหตุผล", "rationale"), ("1.4 วัตถุประสงค์ของโครงการ", "objectives"),
                         ("1.5 เป้าหมายของโครงการ", "targets")):
        form.static(heading, "print_bold")
        form.lines.append(("print", f'=IF(LEN(TRIM({P[key]}))=0,"-",{P[key]}&"")', text_of(pv[key]).strip() and
                           text_of(pv[key]) or "-"))
    form.static("1.6 สนับสนุนแผนพัฒนา กทม. ระยะ 20 ปี (ยุทธศาสตร์-ประเด็นยุทธศาสตร์-กลยุทธ์ตามแผนฯ /ตัวชี้วัด)", "print_bold")
    for label, key in (("ประเด็นยุทธศาสตร์", "strategy"), ("ประเด็นยุทธศาสตร์ย่อย", "sub_strategy"),
                       ("เป้าหมายที่", "goal"), ("ตัวชี้วัด", "kpi")):
        _dash_field(form, label, key)


def _dash_field(form: _Form, label: str, key: str) -> None:
    """`label : value`, or `label : -` when the register gave none (as the seed prints 1.5)."""
    ref, v = form.ref[key], form.values.get(key)
    shown = text_of(v) if text_of(v).strip() else "-"
    form.lines.append(("print", f'={lit(label + " : ")}&IF(LEN(TRIM({ref}))=0,"-",{ref}&"")', f"{label} : {shown}"))


def _span_field(form: _Form, key: str, kind: str) -> None:
    f, ref, v = form.b.spec.field(key), form.ref[key], form.values.get(key)
    label = lit(f.th.replace(" (บาท)", "").replace(" (%)", "") + " : ")
    if kind == "money":
        formula = f'={label}&IF(ISNUMBER({ref}),TEXT({ref},"#,##0")&" บาท",IF(LEN({ref}&"")=0,"-",{ref}&""))'
        shown = f"{fixed(v, 0)} บาท" if is_num(v) else (text_of(v) or "-")
    elif kind == "percent":
        formula = f'={label}&IF(ISNUMBER({ref}),TEXT({ref},"0.00")&" %",IF(LEN({ref}&"")=0,"-",{ref}&""))'
        shown = f"{fixed(v, 2)} %" if is_num(v) else (text_of(v) or "-")
    else:
        formula = (f'={label}&IF(ISNUMBER({ref}),TEXT(DAY({ref}),"00")&"/"&TEXT(MONTH({ref}),"00")&"/"&(YEAR({ref})+543),'
                   f'IF(LEN({ref}&"")=0,"-",{ref}&""))')
        shown = be_value(v) if v not in (None, "") else "-"
    form.lines.append(("print", formula, label[1:-1].replace('""', '"') + shown))


# -- one report --------------------------------------------------------------------------------------
def split_at(text: str, first: int = FIRST_PART, back: int = SPLIT_BACK) -> int:
    """Characters of `text` on the report's own line: all when they fit, else up to the last space
    within `back` characters before `first`, else `first` (the twin of _split_formula)."""
    if len(text) <= first:
        return len(text)
    space = text[:first].rfind(" ") + 1          # FIND is 1-based; 0: none
    return space if space >= first - back and space > 0 else first


def _split_formula(n: str, first: int = FIRST_PART, back: int = SPLIT_BACK) -> str:
    head = f"LEFT({n},{first})"
    last_space = f'FIND(CHAR(1),SUBSTITUTE({head}," ",CHAR(1),LEN({head})-LEN(SUBSTITUTE({head}," ",""))))'
    return f"IF(LEN({n})<={first},LEN({n}),IFERROR(IF({last_space}>={first - back},{last_space},{first}),{first}))"


def _report(b: Book, k: int, monthly: str, limit: int) -> list[tuple[tuple[str, str, str], float]]:
    """Report k as the old system printed it, each line with the height it reserves."""
    s, r = b.spec, b.spec.monthly.row_of(k)
    col = {x.key: f"{monthly}!${x.column}${r}" for x in s.monthly_fields}
    w = b.written[k]
    inputs = ",".join(col[x.key] for x in s.monthly_fields if x.is_input)
    started = any(w.get(x.key) not in (None, "") for x in s.monthly_fields if x.is_input)
    n, cut = col["narrative"], _split_formula(col["narrative"])
    text = str(w.get("narrative") or "")
    at = split_at(text)
    date_f = (f'IF(ISNUMBER({col["report_date_be"]}),TEXT(DAY({col["report_date_be"]}),"00")&"/"&'
              f'TEXT(MONTH({col["report_date_be"]}),"00")&"/"&(YEAR({col["report_date_be"]})+543),{col["report_date"]}&"")')
    date_v = format_be(w["report_date_be"]) if w.get("report_date_be") else text_of(w.get("report_date"))
    head_f = (f'=IF(COUNTA({inputs})=0,"รายงานครั้งที่{k}","รายงานครั้งที่{k} :: "&{date_f}&" : "&{col["stage"]}'
              f'&" "&LEFT({n},{cut}))')
    head_v = (f"รายงานครั้งที่{k} :: {date_v} : {text_of(w.get('stage'))} {text[:at]}" if started
              else f"รายงานครั้งที่{k}")
    more_f = f'=IF(LEN({n})<={FIRST_PART},"",{lit(CONTINUED)}&MID({n},{cut}+1,32767))'
    more_v = CONTINUED + text[at:] if len(text) > FIRST_PART else ""
    number = lambda key, fmt: f'IF(ISNUMBER({col[key]}),TEXT({col[key]},"{fmt}"),{col[key]}&"")'  # noqa: E731
    shown = lambda v, places: fixed(v, places) if is_num(v) else text_of(v)  # noqa: E731
    status_f = (f'=IF(COUNTA({inputs})=0,"",":: ความก้าวหน้าของงานฯ = "&{number("progress", "0.00")}&" % '
                f'งบประมาณที่เบิกใช้ (ครั้งที่ {k}) = "&{number("disbursed", "#,##0")}&" บาท : "&{col["plan_status"]}'
                f'&" : "&{col["target_status"]})')
    status_v = (f":: ความก้าวหน้าของงานฯ = {shown(w.get('progress'), 2)} % งบประมาณที่เบิกใช้ (ครั้งที่ {k}) = "
                f"{shown(w.get('disbursed'), 0)} บาท : {text_of(w.get('plan_status'))} : "
                f"{text_of(w.get('target_status'))}") if started else ""
    return [(("print", head_f, head_v), _reserve(HEADER + FIRST_PART)),
            (("print", more_f, more_v), _reserve(len(CONTINUED) + limit - FIRST_PART + SPLIT_BACK)),
            (("print", status_f, status_v), _reserve(STATUS_CHARS))]
