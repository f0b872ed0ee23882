"""Text the agency types, read by formula in the workbook (template v3), each with its Python twin.

A v3 report date is a TEXT cell: whatever is typed stays as typed in Excel and LibreOffice, th-TH and
en-US alike (no client turns `22/10/2563` into the year 2563 CE). Two hidden helper cells normalise the
text (Thai digits, era marks, Thai and English month names, separators) into `d/m/y`, three more take
out its day, month and year, and a locked cell beside the input reads them into a real date: two-digit years resolved by the row's own year
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


def part_formulas(helper_2: str) -> tuple[str, str, str]:
    """The day, the month and the year of the normalised text in `helper_2` (`d/m/y`, or `y/m/d` when the
    first part has four digits), each into a hidden helper of its own ([monthly.helpers] date_day,
    date_month, date_year), so that the date formula names each once."""
    s = helper_2
    iso = f"LEN({_part(s, 1)})=4"
    return (f"=IF({iso},{_part(s, 3)},{_part(s, 1)})", f"={_part(s, 2)}", f"=IF({iso},{_part(s, 1)},{_part(s, 3)})")


def part_values(text: str) -> tuple[str, str, str]:
    """The twin of part_formulas on the normalised text: MID of the text with each / padded to 30 spaces."""
    spaced = text.replace("/", " " * PART)
    p1, p2, p3 = (excel_trim(spaced[i * PART:(i + 1) * PART]) for i in range(3))
    return (p3, p2, p1) if len(p1) == 4 else (p1, p2, p3)


@functools.lru_cache(maxsize=4096)
def date_formula(cell: str, helper_2: str, d: str, m: str, y: str, year: int) -> str:
    """The real date the text in `cell` means, from its normalised text (`helper_2`) and its day, month and
    year (the helpers `d`, `m`, `y`); `year` is the row's CE year."""
    s = helper_2
    yv = f"VALUE({y})"
    year_ce = (f"IF(LEN({y})=2,IF(ABS({yv}+1957-{year})<=ABS({yv}+2000-{year}),{yv}+1957,{yv}+2000),"
               f"IF({yv}>2400,{yv}-543,{yv}))")
    ok = (f'AND(LEN({s})-LEN(SUBSTITUTE({s},"/",""))=2,LEN({d})<=2,LEN({m})<=2,OR(LEN({y})=2,LEN({y})=4),'
          f"{_digits(d)},{_digits(m)},{_digits(y)},VALUE({m})>=1,VALUE({m})<=12,VALUE({d})>=1,{year_ce}>=1900,"
          f"DAY(DATE({year_ce},VALUE({m}),VALUE({d})))=VALUE({d}))")
    real = (f'IF(OR({cell}<1,{cell}>=2958466),"",IF(YEAR({cell})>2400,DATE(YEAR({cell})-543,MONTH({cell}),'
            f'DAY({cell})),INT({cell})))')
    return f'=IF(ISNUMBER({cell}),{real},IFERROR(IF({ok},DATE({year_ce},VALUE({m}),VALUE({d})),""),""))'



@functools.lru_cache(maxsize=4096)
def ambiguous_date_condition(cell: str, read: str, s: str, d: str, m: str, y: str) -> str:
    """V013: text typed as day/month/year with a month past 12 (`11/23/2563`, month first): the validator
    does not guess which is the day. `read` is the date the formula read ("" here), `s` the normalised
    text, `d` `m` `y` its parts; a year-first text (`2020-13-22`) is no date at all (V005)."""
    first = f'LEN(LEFT({s},FIND("/",{s}&"/")-1))'
    return (f'IFERROR(AND(LEN(TRIM({cell}))>0,NOT(ISNUMBER({cell})),NOT(ISNUMBER({read})),'
            f'LEN({s})-LEN(SUBSTITUTE({s},"/",""))=2,{first}<>4,LEN({d})<=2,LEN({m})<=2,OR(LEN({y})=2,LEN({y})=4),'
            f'{_digits(d)},{_digits(m)},{_digits(y)},VALUE({m})>12),FALSE)')


def ambiguous_date(value) -> bool:
    """The twin of ambiguous_date_condition on the typed value."""
    if value is None or _is_number(value) or excel_trim(str(value)) == "":
        return False
    text = stage_2(stage_1(value))
    if text.count("/") != 2 or len(text.split("/", 1)[0]) == 4:
        return False
    d, m, y = part_values(text)
    return (all(re.fullmatch(r"[0-9]+", x) for x in (d, m, y)) and len(d) <= 2 and len(m) <= 2
            and len(y) in (2, 4) and int(m) > 12)


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
# A number field typed as text has two hidden helpers (declared in the spec's [monthly.helpers]):
# `<key>_text`, its text less the words and marks the validator reads past (Thai digits made ASCII,
# commas kept), and `<key>_read`, the number that text is (what the sums, V003 and R101 use). The
# self-check's V002 (no number) and V013 (a number written in a way not guessed: `1,50`, `1.500,50`,
# `12.5.3`, `5.`) read the `_text` helper, so they are short and say what the validator says.
#: per type, the words and marks the validator reads past (values.parse_money / parse_percent):
#: money drops every space (`1 000`), a percentage only the spaces round its words (`ร้อยละ 5`)
NOISE = {"money": ("บาท.", "฿.", "baht.", "thb.", "บาท", "฿", "baht", "thb", ".-", " "),
         "percent": ("ร้อยละ", "เปอร์เซ็นต์", "percent", "%")}
MAX_GROUPS = 5       # commas a grouped number may carry (1,000,000,000,000,000 is past the validator's limit)


def text_formula(cell: str, type_: str) -> str:
    """The `_text` helper: "" for a number or a blank cell, else the text less the noise of `type_`."""
    chain = _nest(_nest(_text(cell), [(d, str(i)) for i, d in enumerate(THAI_DIGITS)]), [(w, "") for w in NOISE[type_]])
    return f'=IF(ISNUMBER({cell}),"",{chain if type_ == "money" else f"TRIM({chain})"})'


def text_value(value, type_: str) -> str:
    """The twin of text_formula."""
    if value is None or _is_number(value):
        return ""
    text = _replace(_replace(excel_trim(str(value)).lower(), [(d, str(i)) for i, d in enumerate(THAI_DIGITS)]),
                    [(w, "") for w in NOISE[type_]])
    return text if type_ == "money" else excel_trim(text)


def _residue(t: str) -> str:
    """What is left of the `_text` helper `t` once its digits, commas and points are taken out."""
    return f'SUBSTITUTE(SUBSTITUTE({_nest(t, [(str(i), "") for i in range(10)])},",",""),".","")'


def _has_digit(t: str) -> str:
    return f'LEN({_nest(t, [(str(i), "") for i in range(10)])})<LEN({t})'


def _grouped(t: str) -> str:
    """At most one point, a digit after it, and commas only between groups of three (the validator's
    `_GROUPED`): the first comma after one to three digits, then one every four characters, the last
    three before the point."""
    n = f'(LEN({t})-LEN(SUBSTITUTE({t},",","")))'
    first = f'FIND(",",{t})'
    steps = ",".join(str(4 * j) for j in range(MAX_GROUPS))
    return (f'AND(LEN({t})-LEN(SUBSTITUTE({t},".",""))<=1,RIGHT({t},1)<>".",IF(ISERROR({first}),TRUE,'
            f'AND({first}>=2,{first}<=4,{first}+4*{n}-1=LEN(LEFT({t},FIND(".",{t}&".")-1)),'
            f'SUMPRODUCT(--(MID({t},{first}+{{{steps}}},1)=","))={n})))')


def _typed_text(cell: str, type_: str) -> str:
    """Text typed into the cell; an amount in millions (`1.5 ล้านบาท`) is left to the validator, which
    reads it (never in a percentage: there it is no number)."""
    millions = f',ISERROR(FIND("ล้าน",{cell}))' if type_ == "money" else ""
    return f'LEN(TRIM({cell}))>0,NOT(ISNUMBER({cell})){millions}'


def _small(t: str) -> str:
    """Under 10^15: past that the validator does not guess (Excel keeps 15 digits)."""
    return f'IFERROR(VALUE(SUBSTITUTE({t},",",""))<1E15,FALSE)'


@functools.lru_cache(maxsize=4096)
def unreadable_number_condition(cell: str, t: str, type_: str) -> str:
    """V002: `cell` holds text with no number the validator could read: no digit, or something besides
    digits, commas and points once the words and marks are gone (`t`: its `_text` helper)."""
    return f'AND({_typed_text(cell, type_)},OR(NOT({_has_digit(t)}),{_residue(t)}<>""))'


@functools.lru_cache(maxsize=4096)
def ambiguous_number_condition(cell: str, t: str, type_: str) -> str:
    """V013: only digits, commas and points, but not a number as people group it (`1,50`, `12.5.3`),
    or one of 10^15 or more."""
    return f'AND({_typed_text(cell, type_)},{_has_digit(t)},{_residue(t)}="",OR(NOT({_grouped(t)}),NOT({_small(t)})))'


@functools.lru_cache(maxsize=4096)
def read_formula(cell: str, t: str) -> str:
    """The `_read` helper: the number in `cell`, typed as a number or as text such as `2,000 บาท`; ""
    when there is none (what the running totals, R102, V003 and R101 use). IFERROR: VALUE reads the
    point as the client's decimal separator, so in a locale writing 1.000,5 it may fail: "" then."""
    return (f'=IF(ISNUMBER({cell}),{cell},IFERROR(IF(AND({t}<>"",{_has_digit(t)},{_residue(t)}="",{_grouped(t)},'
            f'{_small(t)}),VALUE(SUBSTITUTE({t},",","")),""),""))')


def _residue_value(t: str) -> str:
    return re.sub("[0-9]", "", t).replace(",", "").replace(".", "")


def _grouped_value(t: str) -> bool:
    """The twin of _grouped."""
    if t.count(".") > 1 or t.endswith(".") or "," not in t:
        return t.count(".") <= 1 and not t.endswith(".")
    n, first = t.count(","), t.index(",") + 1
    integer = t.split(".", 1)[0]
    return (2 <= first <= 4 and first + 4 * n - 1 == len(integer)
            and sum(t[first - 1 + 4 * j:first + 4 * j] == "," for j in range(MAX_GROUPS)) == n)


def _typed_text_value(value, type_: str) -> bool:
    return (value is not None and not _is_number(value) and excel_trim(str(value)) != ""
            and not (type_ == "money" and "ล้าน" in str(value)))


def _small_value(t: str) -> bool:
    try:
        return Decimal(t.replace(",", "")) < 10 ** 15
    except ArithmeticError:
        return False


def unreadable_number(value, type_: str) -> bool:
    """The twin of unreadable_number_condition."""
    t = text_value(value, type_)
    return _typed_text_value(value, type_) and (not re.search("[0-9]", t) or _residue_value(t) != "")


def ambiguous_number(value, type_: str) -> bool:
    """The twin of ambiguous_number_condition."""
    t = text_value(value, type_)
    return (_typed_text_value(value, type_) and bool(re.search("[0-9]", t)) and _residue_value(t) == ""
            and not (_grouped_value(t) and _small_value(t)))


def read_value(value, type_: str) -> Decimal | None:
    """The twin of read_formula."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return Decimal((day - dt.date(1899, 12, 30)).days)
    if _is_number(value):
        return Decimal(str(value))
    t = text_value(value, type_)
    if t and re.search("[0-9]", t) and _residue_value(t) == "" and _grouped_value(t) and _small_value(t):
        return Decimal(t.replace(",", ""))
    return None
