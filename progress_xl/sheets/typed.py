"""Text the agency types, read by formula in the workbook (template v3), each with its Python twin.

A v3 report date is a TEXT cell: whatever is typed stays as typed in Excel and LibreOffice, th-TH and
en-US alike (no client turns `22/10/2563` into the year 2563 CE). Two hidden helper cells normalise the
text (Thai digits, era marks, Thai and English month names, separators) into `d/m/y`, and a locked
cell beside the input reads that into a real date: two-digit years resolved by the row's own year
(BE `63` or CE `20`, whichever is nearer), four-digit BE years less 543, and a real date pasted into
the cell taken as it is (a year past 2400 is a BE year stored as CE). Amounts and percentages typed
as text (`2,500,000 บาท`, `๑๒๒,๘๐๐`, `45 %`) are told apart from unreadable text the same way.

Every formula is Excel 2010 compatible (no LET, no TEXTSPLIT; at most 64 nested functions) and its
twin computes what a client shows, so xlsxwriter stores the right cached value.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal

from ..fiscal import THAI_MONTHS_ABBR, THAI_MONTHS_FULL

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ERA_MARKS = ("พ.ศ.", "พ.ศ", "พศ.", "พศ", "ค.ศ.", "ค.ศ", "คศ.", "คศ")
EN_FULL = tuple(dt.date(2000, m, 1).strftime("%B").lower() for m in range(1, 13))
EN_ABBR = tuple(dt.date(2000, m, 1).strftime("%b").lower() for m in range(1, 13))
#: the amount and percent words the validator reads past (values.parse_money / parse_percent)
AMOUNT_NOISE = ("บาท", "฿", "baht", "thb", ",", " ", ".-", "%", "ร้อยละ", "เปอร์เซ็นต์", "percent")
PART = 30           # width of one d/m/y part once "/" is padded to spaces


def _month_pairs(names) -> list[tuple[str, str]]:
    return [(name, f"/{m}/") for m, name in enumerate(names, start=1)]


#: stage 1 (hidden helper 1): Thai digits, an apostrophe, era marks, English month names
STAGE_1 = ([(d, str(i)) for i, d in enumerate(THAI_DIGITS)] + [("'", "")] + [(e, "") for e in ERA_MARKS]
           + _month_pairs(EN_FULL) + [p for p in _month_pairs(EN_ABBR) if p[0] != "may"])
#: stage 2 (hidden helper 2): Thai month names, full, abbreviated and without dots; then separators
STAGE_2 = (_month_pairs(THAI_MONTHS_FULL) + _month_pairs(THAI_MONTHS_ABBR)
           + _month_pairs([a.replace(".", "") for a in THAI_MONTHS_ABBR])
           + [("-", "/"), (".", "/"), (",", ""), (" ", ""), ("//", "/")])


def _lit(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _nest(expr: str, pairs) -> str:
    for old, new in pairs:
        expr = f"SUBSTITUTE({expr},{_lit(old)},{_lit(new)})"
    return expr


def _replace(text: str, pairs) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def excel_trim(text: str) -> str:
    """TRIM: spaces (only U+0020) off both ends, inner runs to one."""
    return re.sub(" +", " ", text).strip(" ")


# -- the report date -----------------------------------------------------------------------------
def _text(cell: str) -> str:
    return 'LOWER(TRIM(' + cell + '&""))'


@functools.lru_cache(maxsize=4096)
def stage_1_formula(cell: str) -> str:
    return f'=IF(ISNUMBER({cell}),"",{_nest(_text(cell), STAGE_1)})'


@functools.lru_cache(maxsize=4096)
def stage_2_formula(helper_1: str) -> str:
    return "=" + _nest(helper_1, STAGE_2)


def stage_1(value) -> str:
    if _is_number(value) or value is None:
        return ""
    return _replace(excel_trim(str(value)).lower(), STAGE_1)


def stage_2(text: str) -> str:
    return _replace(text, STAGE_2)


def _part(s: str, i: int) -> str:
    return f'TRIM(MID(SUBSTITUTE({s},"/",REPT(" ",{PART})),{(i - 1) * PART + 1},{PART}))'


def _digits(x: str) -> str:
    """The text is digits only (VALUE would also take `1e1`, `+5`, `(5)`)."""
    return f'TEXT(VALUE({x}),REPT("0",LEN({x})))={x}'


@functools.lru_cache(maxsize=4096)
def date_formula(cell: str, helper_2: str, year: int) -> str:
    """The real date the text in `cell` (normalised in `helper_2`) means; `year` is the row's CE year."""
    s = helper_2
    iso = f"LEN({_part(s, 1)})=4"
    d = f"IF({iso},{_part(s, 3)},{_part(s, 1)})"
    m = _part(s, 2)
    y = f"IF({iso},{_part(s, 1)},{_part(s, 3)})"
    yv = f"VALUE({y})"
    year_ce = (f"IF(LEN({y})=2,IF(ABS({yv}+1957-{year})<=ABS({yv}+2000-{year}),{yv}+1957,{yv}+2000),"
               f"IF({yv}>2400,{yv}-543,{yv}))")
    ok = (f'AND(LEN({s})-LEN(SUBSTITUTE({s},"/",""))=2,LEN({d})<=2,LEN({m})<=2,OR(LEN({y})=2,LEN({y})=4),'
          f"{_digits(d)},{_digits(m)},{_digits(y)},VALUE({m})>=1,VALUE({m})<=12,VALUE({d})>=1,{year_ce}>=1900,"
          f"DAY(DATE({year_ce},VALUE({m}),VALUE({d})))=VALUE({d}))")
    real = (f'IF(OR({cell}<1,{cell}>=2958466),"",IF(YEAR({cell})>2400,DATE(YEAR({cell})-543,MONTH({cell}),'
            f'DAY({cell})),INT({cell})))')
    return f'=IF(ISNUMBER({cell}),{real},IFERROR(IF({ok},DATE({year_ce},VALUE({m}),VALUE({d})),""),""))'


def _is_number(v) -> bool:
    return isinstance(v, (int, float, Decimal, dt.date)) and not isinstance(v, bool)


def resolve_year(text: str, near: int) -> int:
    """A year as typed (two or four digits) -> CE: two digits are BE or CE, whichever is nearer
    `near` (a tie goes to BE); four digits past 2400 are BE."""
    v = int(text)
    if len(text) == 2:
        return v + 1957 if abs(v + 1957 - near) <= abs(v + 2000 - near) else v + 2000
    return v - 543 if v > 2400 else v


def date_value(value, year: int) -> dt.date | None:
    """The twin of date_formula on the cell's value: the date, or None (the cell shows "")."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year - 543, value.month, value.day) if value.year > 2400 else value
    if _is_number(value):
        serial = int(value) if 1 <= value < 2958466 else None      # INT: toward minus infinity, >= 1 here
        day = None if serial is None else dt.date(1899, 12, 30) + dt.timedelta(days=serial)
        return day if day is None or day.year <= 2400 else dt.date(day.year - 543, day.month, day.day)
    parts = stage_2(stage_1(value)).split("/")
    if len(parts) != 3:
        return None
    d, m, y = (parts[2], parts[1], parts[0]) if len(parts[0]) == 4 else parts
    if not all(re.fullmatch(r"[0-9]+", x) for x in (d, m, y)) or len(d) > 2 or len(m) > 2 or len(y) not in (2, 4):
        return None
    ce = resolve_year(y, year)
    try:
        return dt.date(ce, int(m), int(d)) if ce >= 1900 else None
    except ValueError:
        return None


# -- amounts and percentages typed as text ---------------------------------------------------------
def _cleaned(cell: str) -> tuple[str, str]:
    """The text of `cell` less the words and marks the validator reads past, and what is left of it
    once its digits are taken out too."""
    cleaned = _nest(_nest(_text(cell), [(d, str(i)) for i, d in enumerate(THAI_DIGITS)]),
                    [(w, "") for w in AMOUNT_NOISE])
    return cleaned, _nest(cleaned, [(str(i), "") for i in range(10)])


def _cleaned_value(value) -> tuple[str, str]:
    cleaned = _replace(_replace(excel_trim(str(value)).lower(), [(d, str(i)) for i, d in enumerate(THAI_DIGITS)]),
                       [(w, "") for w in AMOUNT_NOISE])
    return cleaned, re.sub("[0-9]", "", cleaned)


@functools.lru_cache(maxsize=4096)
def unreadable_number_condition(cell: str) -> str:
    """True when `cell` holds text the validator cannot read as a number: after the words and marks
    it reads past, something besides digits and one decimal point is left (or no digit at all)."""
    cleaned, residue = _cleaned(cell)
    return (f'AND(LEN(TRIM({cell}))>0,NOT(ISNUMBER({cell})),ISERROR(FIND("ล้าน",{cell})),'
            f'OR(LEN({residue})=LEN({cleaned}),AND({residue}<>"",{residue}<>".")))')


def unreadable_number(value) -> bool:
    """The twin of unreadable_number_condition."""
    if value is None or _is_number(value) or str(value).strip(" ") == "" or "ล้าน" in str(value):
        return False
    cleaned, residue = _cleaned_value(value)
    return len(residue) == len(cleaned) or residue not in ("", ".")


@functools.lru_cache(maxsize=4096)
def amount_formula(cell: str) -> str:
    """The amount in `cell`, a number or text such as `2,000 บาท` (digits and one point once the words
    and marks are gone); "" when there is none (what the running totals and R102 add up, v3)."""
    cleaned, residue = _cleaned(cell)
    return (f'=IF(ISNUMBER({cell}),{cell},IFERROR(IF(AND(LEN({residue})<LEN({cleaned}),OR({residue}="",'
            f'{residue}=".")),VALUE({cleaned}),""),""))')


def amount_value(value) -> Decimal | None:
    """The twin of amount_formula."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return Decimal((day - dt.date(1899, 12, 30)).days)
    if _is_number(value):
        return Decimal(str(value))
    cleaned, residue = _cleaned_value(value)
    return Decimal(cleaned) if len(residue) < len(cleaned) and residue in ("", ".") else None
