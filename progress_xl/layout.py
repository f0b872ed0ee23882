"""Thai-aware sizes and the workbook's cell formats, shared by every workbook we write."""
from __future__ import annotations

import math
import re
import unicodedata

import xlsxwriter
from xlsxwriter.worksheet import Worksheet, convert_cell_args

from .values import EXCEL_CELL_LIMIT, excel_text

BE_DATE = "[$-107041E]d mmmm yyyy"   # the `[$-th-TH,107]` form is lost in LibreOffice
BE_DATE_SHORT = "[$-107041E]dd/mm/yyyy"
MONEY = "#,##0.00"
PERCENT_POINTS = '0.00" %"'          # a plain 0-100 number: a `0%` cell is a trap (LIBREOFFICE.md)
MAX_ROW_HEIGHT = 409
# A Thai glyph of TH Sarabun New 14 pt is about 1.2 widths of the column unit (a Calibri 11 "0").
GLYPH = 1.2


def display_width(text: str) -> int:
    """Columns a text takes: Thai vowel and tone marks above and below take no width."""
    return sum(0 if unicodedata.category(ch) in ("Mn", "Me", "Cf") else 1 for ch in str(text))


def column_width(texts, minimum: float = 8, maximum: float = 60) -> float:
    widest = max((display_width(line) for t in texts if t for line in str(t).split("\n")), default=0)
    return max(minimum, min(maximum, widest * GLYPH + 2))


def row_height(text, width: float, line_height: float) -> float:
    """Height that shows wrapped text whole in a column `width` characters wide."""
    lines = sum(max(1, math.ceil(display_width(part) * GLYPH / max(width - 2, 1)))
                for part in str(text or "").split("\n"))
    return min(MAX_ROW_HEIGHT, max(1, lines) * line_height)


_PREPARED: dict[tuple, str] = {}
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")   # what excel_text removes


_ESCAPED = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")   # what xlsxwriter escapes


def _legal(text: str) -> str:
    """`values.excel_text`'s text, with the common case (short, nothing to remove) decided by one
    regular-expression search: the master writes over a million strings (make bench)."""
    if len(text) <= EXCEL_CELL_LIMIT // 2 and _SUSPECT.search(text) is None:
        return text
    return excel_text(text)[0]


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet, remembering how each formula was prepared for the file.

    Before storing a formula xlsxwriter runs ~30 regular expressions over it (prefixes for newer
    functions); every workbook of a template carries the same ~90 formulas, and that preparation was
    40 % of generating one (measured with cProfile, `make bench`). The result depends only on the
    text and the two flags, so it is kept (a bounded table, per process)."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        key = (formula, expand_future_functions, self.use_future_functions)
        found = _PREPARED.get(key)
        if found is None:
            if len(_PREPARED) >= 20_000:
                _PREPARED.clear()
            found = _PREPARED[key] = super()._prepare_formula(formula, expand_future_functions)
        return found


    # Every string goes through one gate on its way into the file: legal for XML 1.0 and within
    # Excel's limits (`values.excel_text`: characters XML cannot carry removed, text over the cell
    # limit cut with a visible "…"). xlsxwriter escapes control characters in cell text itself, but
    # not in a formula's cached value or a comment, and it refuses text over 32,767 characters.
    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, _legal(str(string)), cell_format)

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        if isinstance(value, str):
            value = _legal(value)
        return super()._write_formula(row, col, formula, cell_format, value)

    # xlsxwriter runs two substitutions over every inline string (the master's streamed sheets: ~2
    # million); a string with neither a control character nor an `_xHHHH_` look-alike is left as it is.
    @staticmethod
    def _escape_control_characters(data):
        if isinstance(data, str) and _ESCAPED.search(data) is None:
            return data
        return Worksheet._escape_control_characters(data)

    @convert_cell_args
    def write_comment(self, row, col, comment, options=None):
        return super().write_comment(row, col, _legal(str(comment)), options)


def workbook(out, options: dict) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook whose sheets remember their prepared formulas."""
    wb = xlsxwriter.Workbook(out, options)
    wb.worksheet_class = _Worksheet          # xlsxwriter's documented way to extend its worksheets
    return wb


class Formats:
    """Named formats of one workbook, created once each (xlsxwriter dedupes by properties)."""

    def __init__(self, workbook: xlsxwriter.Workbook, font: str, size: int):
        self._wb, self._font, self._size = workbook, font, size
        self._cache: dict[tuple, object] = {}

    def __call__(self, name: str, **extra):
        key = (name, tuple(sorted(extra.items())))
        if key not in self._cache:
            props = {"font_name": self._font, "font_size": self._size, "valign": "top"}
            props.update(_STYLES[name])
            props.update(extra)
            self._cache[key] = self._wb.add_format(props)
        return self._cache[key]


_INPUT = {"locked": False, "bg_color": "#FFF9DB", "border": 1, "border_color": "#BFBFBF"}
_STYLES: dict[str, dict] = {
    "title": {"bold": True, "font_size": 18, "valign": "vcenter"},
    "subtitle": {"italic": True, "font_color": "#595959"},
    "heading": {"bold": True, "font_size": 16},
    "label": {"bold": True, "text_wrap": True},
    "label_en": {"font_color": "#595959", "text_wrap": True},
    "header": {"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "text_wrap": True,
               "border": 1, "align": "center", "valign": "vcenter"},
    "header_en": {"italic": True, "bg_color": "#DDEBF7", "text_wrap": True, "border": 1,
                  "align": "center", "valign": "vcenter"},
    "text": {"text_wrap": True},
    "value": {"text_wrap": True, "border": 1, "border_color": "#BFBFBF"},
    "value_date": {"num_format": BE_DATE, "border": 1, "border_color": "#BFBFBF", "align": "left"},
    "value_money": {"num_format": MONEY, "border": 1, "border_color": "#BFBFBF", "align": "left"},
    "value_int": {"num_format": "0", "border": 1, "border_color": "#BFBFBF", "align": "left"},
    "value_percent": {"num_format": PERCENT_POINTS, "border": 1, "border_color": "#BFBFBF", "align": "left"},
    "input": {**_INPUT, "text_wrap": True},
    "input_date": {**_INPUT, "num_format": BE_DATE},
    "input_money": {**_INPUT, "num_format": MONEY},
    "input_percent": {**_INPUT, "num_format": PERCENT_POINTS},
    "input_int": {**_INPUT, "num_format": "0"},
    "fixed": {"border": 1, "border_color": "#BFBFBF", "align": "center"},
    "fixed_text": {"border": 1, "border_color": "#BFBFBF"},
    "formula_money": {"num_format": MONEY, "border": 1, "border_color": "#BFBFBF", "bg_color": "#F2F2F2"},
    "formula_percent": {"num_format": PERCENT_POINTS, "border": 1, "border_color": "#BFBFBF", "bg_color": "#F2F2F2"},
    "check": {"text_wrap": True, "border": 1, "border_color": "#BFBFBF", "font_size": 12},
    "total": {"bold": True, "border": 1, "top": 2},
    "total_money": {"bold": True, "num_format": MONEY, "border": 1, "top": 2},
    "total_percent": {"bold": True, "num_format": PERCENT_POINTS, "border": 1, "top": 2},
    "ok": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "warn": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "explained": {"bg_color": "#DDEBF7", "font_color": "#1F4E79"},
    "print": {"text_wrap": True},
    "print_bold": {"bold": True, "text_wrap": True},
    "print_title": {"bold": True, "font_size": 18, "align": "center", "text_wrap": True},
    "plain": {},
}
