"""Excel arithmetic twins: what a client computes for the formulas we write, so that every formula
carries the cached value Excel and LibreOffice would show (Protected View never recalculates)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Context, Decimal

from ..fiscal import format_be
from ..values import excel_text

WIDE = Context(prec=800)      # any float (up to 1.8E+308) quantizes whole, however absurd
EPOCH = dt.date(1899, 12, 30)


def quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def absolute(cell: str) -> str:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    if m is None:
        raise ValueError(f"{cell!r} is not an A1 cell")
    return f"${m[1]}${m[2]}"


def text_of(value) -> str:
    """A value as a text formula shows it (`&`): a date as its serial number, numbers without exponent."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return str(((value.date() if isinstance(value, dt.datetime) else value) - EPOCH).days)
    if isinstance(value, (int, Decimal, float)) and not isinstance(value, bool):
        d = Decimal(str(value))
        if not d.is_finite():
            return "#NUM!"
        return str(int(d)) if d == d.to_integral() else format(d.normalize(), "f")
    return str(value)


def plain(value, limit: int = 32767) -> str:
    """Text legal for XML 1.0 and Excel: what `values.excel_text` keeps of it (document
    properties, names, cached text of formulas: places xlsxwriter does not escape)."""
    return excel_text(str(value), limit)[0]


def fixed(value, places: int) -> str:
    """TEXT(value, "#,##0") (places 0) or TEXT(value, "0.00") (places 2)."""
    q = Decimal(1).scaleb(-places)
    d = amount(value or 0)
    if not d.is_finite():
        return "#NUM!"
    d = d.quantize(q, rounding=ROUND_HALF_UP, context=WIDE)
    return f"{d:,.{places}f}" if places == 0 else f"{d:.{places}f}"


def is_num(v) -> bool:
    return isinstance(v, (int, float, Decimal, dt.date)) and not isinstance(v, bool)


def amount(v) -> Decimal:
    """A number cell as Excel adds it: dates count as their serial number."""
    if isinstance(v, dt.date):
        d = v.date() if isinstance(v, dt.datetime) else v
        return Decimal((d - EPOCH).days)
    return Decimal(str(v))


def num(v):
    """A Decimal as the number xlsxwriter writes: an int when whole, else a float (inf: #NUM!)."""
    if isinstance(v, Decimal):
        return int(v) if v.is_finite() and v == v.to_integral() else float(v)
    return v


def be_formula(ref: str) -> str:
    """A date cell as DD/MM/BBBB (Buddhist era), or whatever else the cell holds, as text."""
    return (f'IF(ISNUMBER({ref}),TEXT(DAY({ref}),"00")&"/"&TEXT(MONTH({ref}),"00")&"/"&(YEAR({ref})+543),'
            f'{ref}&"")')


def be_value(v) -> str:
    if isinstance(v, dt.datetime):
        v = v.date()
    return format_be(v) if isinstance(v, dt.date) else text_of(v)


def lit(text: str) -> str:
    """A string literal inside a formula."""
    return '"' + text.replace('"', '""') + '"'
