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

import regex
from openpyxl.utils.escape import unescape as _openpyxl_unescape

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


# Whitespace (NBSP, ideographic space...), controls and invisible format characters (zero-width
# spaces and joiners, BOM, soft hyphen, direction marks): a cell holding only these looks empty.
_BLANK = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                    r"\u2060-\u2064\u2066-\u206f\ufeff]*")


def is_blank(raw) -> bool:
    """None, or a string that shows nothing: empty, spaces of any kind, zero-width characters."""
    return raw is None or (isinstance(raw, str) and _BLANK.fullmatch(raw) is not None)


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
    # quantize, not to_integral_value: 1.5E+6 stays 1.5E+6 there, and people write 1500000
    return decimal.quantize(Decimal(1)) if decimal == decimal.to_integral_value() else decimal


_MILLION = re.compile(r"(?P<n>.+?)\s*ล้าน\s*(บาท)?\.?", re.I)


def _money_text(text: str) -> Decimal:
    """The signed amount of `122,800 บาท`, `฿122,800.-`, `THB 500`, `(500)`, `500-`."""
    body = re.sub(r"^(฿|บาท|baht|thb)\s*|\s*(บาท|฿|baht|thb)\.?$", "", text, flags=re.I)
    body = re.sub(r"\.-$|\s", "", body)
    if re.fullmatch(r"\(.+\)", body):              # (500): an accountant's negative
        return -_decimal_from_text(body[1:-1])
    negative = bool(re.fullmatch(r"-.+|.+-", body))
    value = _decimal_from_text(body.strip("-"))      # a lone ( or ) is no number: `500)` is not guessed
    return -value if negative else value


def _negative(value: Decimal, number: bool) -> Unreadable:
    # LibreOffice stores `122,800.-` typed into a number cell as -122800: a whole negative number
    # says how to type it; a negative typed as text is shown as typed.
    if number and value == value.to_integral_value():
        return Unreadable("V015", value=f"{_normalise(value):,}", typed=f"{_normalise(-value):,}")
    return Unreadable("V006", value=f"{value:,}")


def parse_money(raw) -> Parsed:
    """Baht as Decimal: `122,800`, `122,800 บาท`, `฿122,800.-`, `๑๒๒,๘๐๐`, `1.5 ล้านบาท`; never negative.
    Amounts in words (`หนึ่งแสนบาท`) are never guessed."""
    if is_blank(raw):
        return Parsed(None)
    number = isinstance(raw, (int, float, Decimal))
    if number:
        value = _decimal_from_number(raw)
    else:
        text = clean_text(ascii_digits(str(raw)))
        million = _MILLION.fullmatch(text)
        value = _money_text(million["n"]) * 10 ** 6 if million else _money_text(text)
    if value < 0:
        raise _negative(value, number)
    if number:
        return Parsed(_normalise(value))
    shown = _normalise(value) if million else value
    note = Note("N012" if million else "N001", {"raw": str(raw), "value_th": f"{shown:,} บาท", "value_en": f"{shown:,} baht"})
    return Parsed(_normalise(value), (note,))


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


def _year(year: int, two_digit: bool, near: int | None = None) -> tuple[int, bool]:
    """CE year, and whether it was read from a Buddhist-era year. A two-digit year is BE or CE,
    whichever is nearer `near` (the CE year of the report's month, when known; a tie is BE)."""
    if two_digit and near is not None:
        be = abs(year + 2500 - BE_OFFSET - near) <= abs(year + 2000 - near)
        return (year + 2500 - BE_OFFSET, True) if be else (year + 2000, False)
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


def _text_date(text: str, near: int | None = None) -> tuple[dt.date, bool]:
    if m := _ISO_DATE.fullmatch(text):
        year, be = _year(int(m[1]), False)
        return _make_date(year, int(m[2]), int(m[3])), be
    if m := _NUMERIC_DATE.fullmatch(text):
        day, month = int(m[1]), int(m[2])
        year, be = _year(int(m[3]), len(m[3]) == 2, near)
        if month > 12:                 # 10/22/2020 is month-first; day-first is never guessed otherwise
            raise Unreadable("V013")
        return _make_date(year, month, day), be
    if m := _NAMED_DATE.fullmatch(text):
        named = _MONTH_NAMES.get(m[2].lower().rstrip(","))
        if named is None:
            raise Unreadable("V005")
        year, be = _year(int(m[3]), len(m[3]) == 2, near)
        return _make_date(year, named, int(m[1])), be
    raise Unreadable("V005")


def from_serial(serial: float, date1904: bool = False) -> dt.date:
    epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH_1900
    return epoch + dt.timedelta(days=int(serial))


_TWO_DIGIT_YEAR = re.compile(r"(?<!\d)(\d{2})\s*$")


def parse_date(raw, *, date1904: bool = False, near: int | None = None) -> Parsed:
    """A CE date from a real date, a serial number, or text in BE or CE, Thai or English. `near`, the
    CE year of the report's month, reads a two-digit year (`22/10/63`, `22/10/20`) and a date a
    client made of one (LibreOffice stores `22/10/63` as 1963) with a note."""
    if is_blank(raw):
        return Parsed(None)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date) and near is not None and _short_year_date(raw, near):
        fixed = _make_date(raw.year - 1900 + 2500 - BE_OFFSET, raw.month, raw.day)
        return Parsed(fixed, (Note("N016", {"year": raw.year, "typed": f"{raw.year % 100:02d}",
                                            "value_th": format_be_long(fixed), "value_en": fixed.isoformat()}),))
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
    day, _ = _text_date(text, near)
    context = {"raw": str(raw), "value_th": format_be_long(day), "value_en": day.isoformat()}
    if near is not None and (short := _TWO_DIGIT_YEAR.search(text)) and not _ISO_DATE.fullmatch(text):
        return Parsed(day, (Note("N015", {**context, "typed": short[1], "year_th": str(day.year + BE_OFFSET),
                                          "year_en": str(day.year)}),))
    return Parsed(day, (Note("N001", context),))


def _short_year_date(day: dt.date, near: int) -> bool:
    """A date in 1930-1999 that a two-digit BE year typed into a date cell became (Excel and
    LibreOffice read `63` as 1963): as BE 2563 it falls within a year of the report's month."""
    return 1930 <= day.year <= 1999 and abs(day.year - 1900 + 2500 - BE_OFFSET - near) <= 1


# -- identity: project codes, template versions, phones ------------------------------------------
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")
_VERSION = re.compile(r"v?(\d+)(?:\.0*)?", re.I)


def normalise_code(raw) -> Parsed:
    """A project code in ASCII: `๐๑๐๐๐๐๐๐-๒๔๖๒`, full-width digits, other dashes, spaces, NBSP and
    zero-width characters inside -> `01000000-2462`, with a note when anything changed."""
    if is_blank(raw):
        return Parsed(None)
    text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    code = re.sub(r"\s", "", clean_text(ascii_digits(text)).translate(_DASHES))
    return Parsed(code, () if code == text else (Note("N001", {"raw": text, "value_th": code, "value_en": code}),))


def parse_version(raw) -> int | None:
    """A template version as written in the properties or `_meta`: 2, 2.0, `"2"`, `"2.0"`, `"v2"`, `" V2 "`
    -> 2. Anything else (`"0.9"`, `"2.5"`, `"abc"`, 0.9, blank) -> None: the caller refuses a
    version that is present but unreadable (T002) rather than guess one."""
    if isinstance(raw, bool) or is_blank(raw):
        return None
    if isinstance(raw, (int, float, Decimal)):
        try:
            number = _decimal_from_number(raw)
        except Unreadable:
            return None
        return int(number) if number >= 0 and number == number.to_integral_value() else None
    match = _VERSION.fullmatch(clean_text(ascii_digits(str(raw))))
    return int(match[1]) if match else None


# What a client keeps of Excel's quote prefix: `'` before text Excel would otherwise have taken
# as a formula or a number (`'=ดูเอกสารแนบ`, `'0812345678`, `'22/10/2563`).
_QUOTED = re.compile(r"[=+\-@].*|[\d\s.,/()+\-]+", re.S)


def drop_quote_prefix(text: str, *, always: bool = False) -> Parsed:
    """`'0812345678` -> `0812345678` with a note; an apostrophe that opens real text is kept unless
    `always` (a number, date or code never starts with one)."""
    rest = text[1:] if text.startswith("'") else ""
    if rest.strip() and (always or _QUOTED.fullmatch(ascii_digits(rest))):
        return Parsed(rest, (Note("N009", {"raw": text, "text": rest}),))
    return Parsed(text)


_PHONE_OK = re.compile(r"0[2-7]\d{7}|0[689]\d{8}|\+?66[2-9]\d{7,8}")
_PHONE_PARTS = re.compile(r"(?P<main>[\d\s\-.()+]+?)(?P<ext>\s*(?:ต่อ|ext\.?|x|#)\s*\d{1,6})?", re.I)


def _phone_digits(raw) -> str | None:
    if isinstance(raw, (int, float, Decimal)):
        try:
            number = _decimal_from_number(raw)
        except Unreadable:
            return None
        return str(int(number)) if number > 0 and number == number.to_integral_value() else None
    return None


def parse_phone(raw) -> Parsed:
    """A Thai phone number whose leading 0 was lost (read back as a number, or digits typed without it):
    8 digits from 2 -> a Bangkok landline `02xxxxxxx`; 9 digits from 6, 8 or 9 -> a mobile `0xxxxxxxxx`;
    a valid number is kept as typed; anything else is kept as it is, with a note that says so."""
    if is_blank(raw):
        return Parsed(None)
    notes: tuple[Note, ...] = ()
    shown = text = _phone_digits(raw)
    if text is None:
        shown, text = str(raw), clean_text(ascii_digits(str(raw)))
        quoted = drop_quote_prefix(text)
        assert isinstance(quoted.value, str)        # text in, text out
        text, notes = quoted.value, quoted.notes
    parts = _PHONE_PARTS.fullmatch(text)
    main, ext = (parts["main"], parts["ext"] or "") if parts else ("", "")
    digits = re.sub(r"[\s\-.()]", "", main)
    if re.fullmatch(r"2\d{7}|[689]\d{8}", digits):
        value = "0" + digits + ext
        return Parsed(value, notes + (Note("N010", {"raw": shown, "text": value}),))
    if not _PHONE_OK.fullmatch(digits):
        return Parsed(text, notes + (Note("N011", {"raw": shown}),))
    if text != shown and not notes:
        notes = (Note("N001", {"raw": shown, "value_th": text, "value_en": text}),)
    return Parsed(text, notes)


# -- text as Excel stores it ---------------------------------------------------------------------
EXCEL_CELL_LIMIT = 32767            # UTF-16 code units in one cell (Excel's limit, and xlsxwriter's)
# Characters XML 1.0 cannot carry (C0 controls but TAB, LF, CR; surrogates; U+FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_THAI_LEADING_VOWELS = "\u0e40\u0e41\u0e42\u0e43\u0e44"      # เ แ โ ใ ไ: written before their consonant
_GRAPHEME = regex.compile(r"\X")
_SURROGATE = re.compile("[\ud800-\udfff]")


def unescape_ooxml(text: str) -> str:
    """A string as stored in an .xlsx part -> the text it stands for: Excel writes a carriage return
    as `_x000D_` and a literal `_x000D_` as `_x005F_x000D_`. openpyxl's `unescape` reads both right
    when given the stored text (one pass, left to right); openpyxl's own shared-string reader only
    drops `x005F_`, so call this on the stored text instead of that, never after it. An escaped
    surrogate pair (`_xD83D__xDE00_`) becomes its one character and a lone one U+FFFD, so what is
    read can always be written again (UTF-8 cannot carry a lone surrogate)."""
    text = _openpyxl_unescape(text)
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def utf16_len(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (a character outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_SIZES = {"chars": len, "utf16": utf16_len, "utf8": lambda text: len(text.encode("utf-8", "surrogatepass"))}


def cut_graphemes(text: str, limit: int, *, unit: str = "chars", ellipsis: str = "") -> str:
    """`text` cut to at most `limit` (`unit`: "chars", "utf8" bytes, or "utf16" units as Excel counts)
    at a grapheme boundary, never inside a Thai syllable's marks (`สู`, never `ส` without its `ู`),
    and never leaving a leading vowel (เ แ โ ใ ไ) without its consonant; `ellipsis` ends a cut text."""
    size = _SIZES[unit]
    if size(text) <= limit:
        return text
    room = limit - size(ellipsis)
    if room < 0:
        return ""
    kept, used = [], 0
    for match in _GRAPHEME.finditer(text):
        used += size(match[0])
        if used > room:
            break
        kept.append(match[0])
    return "".join(kept).rstrip(_THAI_LEADING_VOWELS) + ellipsis


def _xml_legal(match) -> str:
    return "\n" if match[0] in "\x0b\x0c" else ""      # vertical tab and form feed: Word's line breaks


def excel_text(text: str, limit: int = EXCEL_CELL_LIMIT) -> tuple[str, list[Note]]:
    """Any string -> one Excel can hold in a cell and XML 1.0 can carry, with a note for each change.

    Characters XML 1.0 cannot carry are removed (vertical tab and form feed become line breaks):
    xlsxwriter escapes C0 controls as `_xHHHH_` itself (and a literal `_xHHHH_` as `_x005F_xHHHH_`),
    so escaping them here would show `_x0001_` in the cell; a lone surrogate would stop it writing.
    A text over `limit` UTF-16 units is cut at a grapheme boundary and ends with a visible `…`."""
    notes: list[Note] = []
    cleaned, count = _NOT_XML.subn(_xml_legal, text)
    if count:
        notes.append(Note("N013", {"count": count}))
    length = utf16_len(cleaned)
    if length > limit:
        notes.append(Note("N014", {"length": f"{length:,}", "limit": f"{limit:,}"}))
        cleaned = cut_graphemes(cleaned, limit, unit="utf16", ellipsis="…")
    return cleaned, notes


# -- one value by its spec field -----------------------------------------------------------------
PHONE_KEYS = frozenset({"responsible_phone"})     # typed "text" in the spec; read as phones
_FREE_TEXT = frozenset({"text", "longtext", "email"})      # may open with an apostrophe


def parse_field(f, raw, *, number_format: str | None = None, date1904: bool = False,
                near: int | None = None) -> Parsed:
    """A spec field's value (`f` has `.key` and `.type`): by its type, and by its key where the
    spec's types say too little (phones). `near`: the CE year of a report's month (dates)."""
    if f.key in PHONE_KEYS:
        return parse_phone(raw)
    return parse_typed(f.type, raw, number_format=number_format, date1904=date1904, near=near)


def parse_typed(type_: str, raw, *, number_format: str | None = None, date1904: bool = False,
                near: int | None = None) -> Parsed:
    """Dispatch on a spec field type: the one place a cell or register value becomes a value."""
    if is_blank(raw):
        return Parsed(None)
    notes: tuple[Note, ...] = ()
    if isinstance(raw, str) and raw.startswith("'"):
        quoted = drop_quote_prefix(raw, always=type_ not in _FREE_TEXT)
        raw, notes = quoted.value, quoted.notes
    parsed = _by_type(type_, raw, number_format, date1904, near)
    return Parsed(parsed.value, notes + parsed.notes) if notes else parsed


def _by_type(type_: str, raw, number_format: str | None, date1904: bool, near: int | None = None) -> Parsed:
    if type_ == "date":
        return parse_date(raw, date1904=date1904, near=near)
    if type_ == "money":
        return parse_money(raw)
    if type_ == "percent":
        return parse_percent(raw, number_format)
    if type_ in ("int", "year"):
        return parse_int(raw)
    if type_ == "code":
        return normalise_code(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    if type_ == "longtext":
        return Parsed(str(raw).strip())
    return Parsed(clean_text(str(raw)))
