"""Row heights from the text and the font (template v3), and rows that grow.

Measured in LibreOffice 7.4 with Laksaman (what fontconfig gives for TH Sarabun New): a line of
14-pt text takes 24.6 pt, of 12-pt text 20.6 pt; wrapped Thai prose fills about one column unit
(the width of a Calibri-11 "0") per 14-pt character that takes width (vowel and tone marks above
and below take none), 0.86 per 12-pt character. The heights below add a margin for Excel's TH Sarabun
New and for line breaks that fall early.

A row with a height but no `customHeight` flag is one both clients grow when a cell in it is edited
(Excel's "AutoFit" rows; LibreOffice's "optimal height" rows). xlsxwriter marks every row whose
height it writes as custom, so `GrowingSheet` leaves the flag off the rows a sheet asks it to.
"""
from __future__ import annotations

import functools
import math

from xlsxwriter.worksheet import CellFormulaTuple, re_dynamic_function

from ..layout import _Worksheet, display_width
from ..values import excel_text

MAX_ROW_PT = 409                 # Excel's highest row
LINE = 1.76                      # line height / font size (24.6 pt for 14 pt)
UNIT = 1.0 / 14                  # column units per character per point of font size
MARGIN = 1.08
PAD = 4


def lines(text, width: float, size: float) -> int:
    """Lines `text` wraps to in a column `width` units wide at `size` points."""
    return _lines(str(text or ""), width, size)


@functools.lru_cache(maxsize=4096)
def _lines(text: str, width: float, size: float) -> int:
    # every workbook of a register has the same labels and reserves: measured once each
    per_line = max(width - 1.5, 1)
    return sum(max(1, math.ceil(display_width(part) * size * UNIT * MARGIN / per_line)) for part in text.split("\n"))


def height(text, width: float, size: float, minimum: float = 0) -> float:
    """Points a row needs to show `text` whole (at most Excel's 409)."""
    return min(MAX_ROW_PT, max(minimum, round(lines(text, width, size) * size * LINE + PAD, 1)))


def chars_fitting(points: float, width: float, size: float) -> int:
    """How many characters that take width fit in a row `points` tall and `width` units wide."""
    rows = int((points - PAD) // (size * LINE))
    return int(rows * max(width - 1.5, 1) / (size * UNIT * MARGIN))


@functools.lru_cache(maxsize=20_000)
def _dynamic(formula: str) -> bool:
    return re_dynamic_function.search(formula) is not None


class GrowingSheet(_Worksheet):
    """A worksheet whose rows in `growing` keep their height but not the custom flag."""

    def __init__(self):
        super().__init__()
        self.growing: set[int] = set()
        self._row_now: int | None = None

    def grow(self, row: int, points: float) -> None:
        """Row `row` (zero-based) starts `points` tall and grows as the agency types."""
        self.set_row(row, points)
        self.growing.add(row)

    def _write_row(self, row, spans, row_info=None, empty_row=False):
        self._row_now = row
        try:
            return super()._write_row(row, spans, row_info, empty_row)
        finally:
            self._row_now = None

    def _unflag(self, tag, attributes):
        if tag == "row" and self._row_now in self.growing and attributes:
            return [a for a in attributes if a[0] != "customHeight"]
        return attributes

    def _write_formula(self, row, col, formula, cell_format=None, value=0):
        """xlsxwriter's, less its search for dynamic-array functions over the whole text of every formula
        (a v3 row's formulas run to 7,000 characters): done once per formula text."""
        if not formula or formula.startswith("{") or self.constant_memory or _dynamic(formula):
            return super()._write_formula(row, col, formula, cell_format, value)
        if self._check_dimensions(row, col):
            return -1
        if isinstance(value, str):
            value = excel_text(value)[0]
        self.table[row][col] = CellFormulaTuple(self._prepare_formula(formula), cell_format, value)
        return 0

    def _xml_start_tag_unencoded(self, tag, attributes=None):
        return super()._xml_start_tag_unencoded(tag, self._unflag(tag, attributes))

    def _xml_empty_tag_unencoded(self, tag, attributes=None):
        return super()._xml_empty_tag_unencoded(tag, self._unflag(tag, attributes))
