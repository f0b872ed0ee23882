"""Parse what people type: Thai digits, `122,800 บาท`, `5.00 %`, DD/MM/BBBB and Thai month names.

Each parser takes a raw value (text, number, date) and returns a `Parsed`: the value, and the
catalogue codes of the notes that explain any coercion. A value that cannot be read without a
guess raises `Unreadable` with a catalogue code; the caller turns it into an Issue.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from .fiscal import BE_OFFSET, EN_MONTHS_ABBR, THAI_MONTHS_ABBR, THAI_MONTHS_FULL, format_be_long

_DIGITS = {ord(c): str(i) for i, c in enumerate("๐๑๒๓๔๕๖๗๘๙")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("０１２３４５６７８９")})
_DIGITS.update({ord("，"): ",", ord("．"): ".", ord("％"): "%", ord("／"): "/", ord("－"): "-"})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = {ord(c): " " for c in "\u00a0\u2007\u202f\u3000\t\r\n"}


class Unreadable(ValueError):
    def __init__(self, code: str, **context):
        self.code, self.context = code, context
        super().__init__(code)


@dataclass(frozen=True)
class Note:
    code: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    value: object
    notes: tuple[Note, ...] = ()


def ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def clean_text(text: str) -> str:
    """Trim and fold the invisible differences people type: NBSP, zero-width spaces, `เเ` for `แ`."""
    text = unicodedata.normalize("NFC", str(text)).translate(_INVISIBLE).translate(_SPACES)
    text = text.replace("เเ", "แ").replace("ํา", "ำ")
    return re.sub(r" {2,}", " ", text).strip()


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and clean_text(raw) == "")


# -- numbers ---------------------------------------------------------------------------------
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN = re.compile(r"\d+(\.\d+)?|\.\d+")


def _decimal_from_number(raw) -> Decimal:
    if isinstance(raw, bool) or (isinstance(raw, float) and not math.isfinite(raw)):
        raise Unreadable("V002")
    if isinstance(raw, Decimal) and not raw.is_finite():
        raise Unreadable("V002")
    # repr() of a float is its shortest round-tripping text: 1500.5, not 1500.4999...
    return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)


def _decimal_from_text(text: str) -> Decimal:
    if _GROUPED.fullmatch(text) or _PLAIN.fullmatch(text):
        return Decimal(text.replace(",", ""))
    if re.fullmatch(r"[\d.,]+", text):
        raise Unreadable("V013")      # 1.500,50 or 1,50: separators we will not guess
    raise Unreadable("V002")


MAX_NUMBER = Decimal(10) ** 15       # Excel keeps 15 significant digits; beyond is noise, not baht


def _normalise(decimal: Decimal) -> Decimal:
    if not decimal.is_finite() or abs(decimal) >= MAX_NUMBER:
        raise Unreadable("V013")
    decimal = decimal.normalize()
    return decimal.to_integral_value() if decimal == decimal.to_integral_value() else decimal


def parse_money(raw) -> Parsed:
    """Baht as Decimal: `122,800`, `122,800 บาท`, `฿122,800.-`, `๑๒๒,๘๐๐`; never negative."""
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, (int, float)):
        value = _decimal_from_number(raw)
        notes = ()
    else:
        text = clean_text(ascii_digits(str(raw)))
        body = re.sub(r"^(฿|บาท)\s*|\s*(บาท|฿|baht|thb)\.?$", "", text, flags=re.I)
        body = re.sub(r"\.-$|\s", "", body)
        negative = bool(re.fullmatch(r"-.+|\(.+\)|.+-", body))
        body = body.strip("-()")
        value = _decimal_from_text(body)
        value = -value if negative else value
        notes = (Note("N001", {"raw": str(raw), "value_th": f"{value:,} บาท", "value_en": f"{value:,} baht"}),)
    if value < 0:
        raise Unreadable("V006", value=f"{value:,}")
    return Parsed(_normalise(value), notes)


_PCT_TEXT = re.compile(r"(ร้อยละ|percent)?\s*(?P<n>[\d.,]+)\s*(%|percent|เปอร์เซ็นต์)?", re.I)


def percent_format(number_format: str | None) -> bool:
    """True when a cell's number format shows the value times 100 (a `%` outside quotes)."""
    if not number_format:
        return False
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format)


def parse_percent(raw, number_format: str | None = None) -> Parsed:
    """Percent points 0..100 as Decimal: `5`, `5%`, `5.00 %`, `ร้อยละ 5`, or 0.05 in a `0%` cell."""
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, (int, float)):
        value = _decimal_from_number(raw)
        if percent_format(number_format):
            scaled = _normalise(value * 100)
            return Parsed(scaled, (Note("N003", {"raw": str(raw), "value": f"{scaled} %"}),))
        return Parsed(_normalise(value))
    text = clean_text(ascii_digits(str(raw)))
    match = _PCT_TEXT.fullmatch(text)
    if not match:
        raise Unreadable("V002")
    value = _normalise(_decimal_from_text(match["n"]))
    notes = (Note("N001", {"raw": str(raw), "value_th": f"{value} %", "value_en": f"{value} %"}),)
    return Parsed(value, notes)


def parse_int(raw) -> Parsed:
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, float) and raw.is_integer():
        return Parsed(int(raw))
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Parsed(raw)
    text = clean_text(ascii_digits(str(raw)))
    if re.fullmatch(r"\d+", text):
        return Parsed(int(text))
    raise Unreadable("V002")


# -- dates -----------------------------------------------------------------------------------
_MONTH_NAMES: dict[str, int] = {}
for _i in range(12):
    for _name in (THAI_MONTHS_ABBR[_i], THAI_MONTHS_ABBR[_i].replace(".", ""), THAI_MONTHS_FULL[_i],
                  EN_MONTHS_ABBR[_i].lower(), dt.date(2000, _i + 1, 1).strftime("%B").lower()):
        _MONTH_NAMES[_name] = _i + 1
_NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_NAMED_DATE = re.compile(r"(\d{1,2})\s*([^\d\s]+?)\s*(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)?\s*(\d{2}|\d{4})")
EXCEL_EPOCH_1900 = dt.date(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)


def _year(year: int, two_digit: bool) -> tuple[int, bool]:
    """CE year, and whether it was read from a Buddhist-era year."""
    if two_digit:                      # `22/10/63`: Thai short years are BE (2563)
        year += 2500 if year >= 40 else 2000
    if year > 2400:
        return year - BE_OFFSET, True
    return year, False


def _make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Unreadable("V005") from None


def _text_date(text: str) -> tuple[dt.date, bool]:
    if m := _ISO_DATE.fullmatch(text):
        year, be = _year(int(m[1]), False)
        return _make_date(year, int(m[2]), int(m[3])), be
    if m := _NUMERIC_DATE.fullmatch(text):
        day, month = int(m[1]), int(m[2])
        year, be = _year(int(m[3]), len(m[3]) == 2)
        if month > 12:                 # 10/22/2020 is month-first; day-first is never guessed otherwise
            raise Unreadable("V013")
        return _make_date(year, month, day), be
    if m := _NAMED_DATE.fullmatch(text):
        month = _MONTH_NAMES.get(m[2].lower().rstrip(","))
        if month is None:
            raise Unreadable("V005")
        year, be = _year(int(m[3]), len(m[3]) == 2)
        return _make_date(year, month, int(m[1])), be
    raise Unreadable("V005")


def from_serial(serial: float, date1904: bool = False) -> dt.date:
    epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH_1900
    return epoch + dt.timedelta(days=int(serial))


def parse_date(raw, *, date1904: bool = False) -> Parsed:
    """A CE date from a real date, a serial number, or text in BE or CE, Thai or English."""
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        if raw.year > 2400:            # a BE year typed into a date cell is stored as CE 2563
            fixed = _make_date(raw.year - BE_OFFSET, raw.month, raw.day)
            return Parsed(fixed, (Note("N002", {"year": raw.year, "value_th": format_be_long(fixed),
                                                "value_en": fixed.isoformat()}),))
        return Parsed(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if not (isinstance(raw, int) or raw.is_integer()) or not 1 <= raw <= 2958465:
            raise Unreadable("V005")
        day = from_serial(raw, date1904)
        return parse_date(day) if day.year > 2400 else Parsed(
            day, (Note("N001", {"raw": str(raw), "value_th": format_be_long(day), "value_en": day.isoformat()}),))
    text = clean_text(ascii_digits(str(raw)))
    day, _ = _text_date(text)
    return Parsed(day, (Note("N001", {"raw": str(raw), "value_th": format_be_long(day),
                                      "value_en": day.isoformat()}),))


def parse_typed(type_: str, raw, *, number_format: str | None = None, date1904: bool = False) -> Parsed:
    """Dispatch on a spec field type: the one place a cell or register value becomes a value."""
    if is_blank(raw):
        return Parsed(None)
    if type_ == "date":
        return parse_date(raw, date1904=date1904)
    if type_ == "money":
        return parse_money(raw)
    if type_ == "percent":
        return parse_percent(raw, number_format)
    if type_ in ("int", "year"):
        return parse_int(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    if type_ == "longtext":
        return Parsed(str(raw).strip())
    text = clean_text(str(raw))
    return Parsed(text.replace(" ", "") if type_ == "code" else text)
