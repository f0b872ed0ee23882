"""The master workbook of one month, for the coordinator and executives: `master_data`'s tables,
written with xlsxwriter.

Nothing here decides what the master says (that is `master_data.py`); this module decides how it
looks and prints: sheets, columns as wide as their text, rows as tall as their wrapped text, number
formats that write numbers out, print areas (the board is `master_board.py`). The same data gives a
byte-identical file. Text from submissions is always written as text.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from .files import atomic_write
from .fiscal import month_bounds, month_label
from .layout import BE_DATE_SHORT, Formats, workbook
from .ledger import Ledger
from .master_board import CHAR, PAD, Board, fit, height, lines, text_width
from .master_data import SHEETS, MasterData, Table
from .register import Project
from .state import State

__all__ = ["MAX_ROWS", "SHEETS", "write_board", "write_master"]

# Number formats end in `_)`: a space the width of ")" keeps a right-aligned number off the text beside it.
RATE = "0.0%_)"
PERCENT = '0.0" %"_)'            # progress and time elapsed: points of 100, as people write them (12.5 %)
MAX_ROWS = 1_048_576             # a sheet's rows in Excel and LibreOffice; a longer table goes on in a sheet "(2)"
NUMBER_FORMATS = {"percent": PERCENT, "money": "#,##0_)", "rate": RATE, "count": "#,##0_)"}
STATE_STYLE = {State.MISSING.label: "#FFC7CE", State.HAS_ISSUES.label: "#FFEB9C"}   # the projects' state column
# Printed landscape, one page wide, as many pages long as needed, headers on every page; the inputs
# and the provenance (file names and hashes, for the screen and for tracing) are kept off the paper.
UNPRINTED = ("inputs", "provenance")
WHOLE, FRACTION = "#,##0_)", "#,##0.0###_)"   # a number with no kind, as people write it: 2,500,000 or 12.5


def as_written(v) -> str:
    """The number format that shows `v` as people write it, never as 2.5E+6."""
    return WHOLE if float(v).is_integer() else FRACTION


def text_of(v, kind: str | None) -> str:
    """A cell's value as the reader sees it, to size its column and row."""
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return "00/00/0000"
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return str(v)
    v = float(v)
    if kind == "rate":
        return f"{v * 100:.1f}%"
    if kind == "percent":
        return f"{v:.1f} %"
    return f"{v:,.0f}" if kind in ("money", "count") or v.is_integer() else f"{v:,.4f}".rstrip("0")


class _Master:
    def __init__(self, fh, data: MasterData, tmpdir=None):
        self.d = data
        options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        self.wb = workbook(fh, {**options, "tmpdir": str(tmpdir)} if tmpdir else options)
        self.font = data.spec.font
        self.f = Formats(self.wb, data.spec.font, data.spec.font_size)
        self.plain = {"text": self.f("value"), "date": self.f("value", num_format=BE_DATE_SHORT, align="center"),
                      WHOLE: self.f("value", num_format=WHOLE), FRACTION: self.f("value", num_format=FRACTION)}
        self.wb.set_properties({"title": f"สรุปรายงานความก้าวหน้า / Progress master {month_label(data.fy, data.month)}",
                                "author": "progress_xl",
                                "created": dt.datetime.combine(month_bounds(data.fy, data.month)[1], dt.time())})

    def sheet(self, table: Table, widths: list[float], part=1):
        ws = self.wb.add_worksheet(SHEETS[table.key] if part == 1 else f"{SHEETS[table.key]} ({part})")
        ws.set_default_row(self.d.spec.row_height)
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.fit_to_pages(1, 0)
        ws.set_footer(f'&L&"{self.font},Regular"&10progress_xl · &A&R&"{self.font},Regular"&10หน้า / Page &P / &N')
        self._headers(ws, table, widths)
        return ws

    def _headers(self, ws, table: Table, widths: list[float]) -> None:
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        for row, (style, which) in enumerate((("header", 0), ("header_en", 1))):    # in order: constant_memory
            texts = [pair[which] for pair in table.headers]
            ws.set_row(row, height(max(lines(t, widths[c], bold=True) for c, t in enumerate(texts))))
            for c, text in enumerate(texts):
                ws.write_string(row, c, text, self.f(style))
        ws.freeze_panes(2, 0)
        ws.repeat_rows(0, 1)

    def measure(self, table: Table, rows: list) -> list[list[float]]:
        """The width of every cell's text (a number's as its format writes it), measured once."""
        kinds = table.by_column(table.kinds)
        return [[text_width(v) if isinstance(v, str) else len(text_of(v, kinds.get(c))) * CHAR
                 for c, v in enumerate(row)] for row in rows]

    def widths(self, table: Table, measured: list[list[float]] | None) -> list[float]:
        """Each column as wide as its text, up to the table's width for it (then its text wraps); a header
        wraps rather than widen a column of short values. Without the rows (a streamed table), the table's."""
        caps = table.by_column(table.widths)
        out = []
        for c, (th, en) in enumerate(table.headers):
            if measured is None:
                out.append(caps.get(c, fit([th, en], bold=True, maximum=30)))
                continue
            widest = min(max((m[c] for m in measured), default=0) + PAD, caps.get(c, 30))
            out.append(max(min(fit([th, en], bold=True), 12), widest, 6))
        return out

    def formats(self, table: Table) -> list:
        kinds, f = table.by_column(table.kinds), self.f
        return [f("value", num_format=NUMBER_FORMATS[kinds[c]]) if c in kinds else None
                for c in range(len(table.headers))]

    def value(self, ws, r, c, v, fmt=None):
        """One cell: text never a formula, whatever it begins with; numbers as people write them. xlsxwriter's
        undecorated writers (the master writes ~2 million cells for 10,000 projects, make bench)."""
        plain = self.plain
        if type(v) is str and v:
            ws._write_string(r, c, v, fmt or plain["text"])
        elif type(v) is int:
            ws._write_number(r, c, v, fmt or plain[WHOLE])
        elif v is None or v == "":
            ws.write_blank(r, c, None, fmt or plain["text"])
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time()),
                              fmt or plain["date"])
        elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            ws.write_number(r, c, float(v), fmt or plain[as_written(v)])
        else:
            ws._write_string(r, c, str(v), fmt or plain["text"])

    def rows(self, ws, table: Table, rows: list, widths: list[float], measured: list[list[float]],
             styles=None) -> int:
        """Write `rows` from the third row, each as tall as its wrapped text (`measured`); returns how many."""
        formats, count = self.formats(table), 0
        for count, (values, sizes) in enumerate(zip(rows, measured), 1):
            r = 1 + count
            tall = height(max(_lines(v, w, widths[c]) for c, (v, w) in enumerate(zip(values, sizes))))
            if tall > self.d.spec.row_height:
                ws.set_row(r, tall)
            for c, v in enumerate(values):
                style = styles(c, v) if styles else None
                self.value(ws, r, c, v, self.f("value", **style) if style else formats[c])
        return count

    def finish(self, ws, table: Table, last: int) -> None:
        """The autofilter, and what prints: the table (its printed columns and rows), or nothing for a sheet
        kept off the paper (a print area on one empty cell: LibreOffice and Excel skip an empty page)."""
        end = len(table.headers) - 1
        ws.autofilter(1, 0, max(last, 2), end)
        if table.key in UNPRINTED:
            ws.print_area(0, end + 2, 0, end + 2)
            return
        if table.printed_rows is not None:
            last = min(last, 1 + table.printed_rows)
        ws.print_area(0, 0, max(last, 1), table.column(table.printed) if table.printed else end)

    # -- the tables ------------------------------------------------------------------------------
    def projects(self):
        table = self.d.projects_table()
        rows = list(table.rows)
        measured = self.measure(table, rows)
        widths = self.widths(table, measured)
        ws = self.sheet(table, widths)
        state = table.column("State")
        styles = lambda c, v: {"bg_color": STATE_STYLE[v]} if c == state and v in STATE_STYLE else None
        count = self.rows(ws, table, rows, widths, measured, styles=styles)
        self.finish(ws, table, 1 + count)

    def matrix(self):
        table = self.d.matrix_table()
        rows = list(table.rows)
        measured = self.measure(table, rows)
        widths = self.widths(table, measured)
        ws = self.sheet(table, widths)
        count = self.rows(ws, table, rows, widths, measured)
        self.finish(ws, table, 1 + count)
        ws.freeze_panes(2, 2)

    def table(self, table: Table):
        """A table under two header rows; past a sheet's last row it goes on in the next sheet. A table in
        memory is sized to its text; a streamed one (the provenance) has its fixed widths and one-line rows."""
        per = MAX_ROWS - 2
        if not isinstance(table.rows, list):
            return self._stream(table, self.widths(table, None), per)
        measured = self.measure(table, table.rows)
        widths = self.widths(table, measured)
        for part, first in enumerate(range(0, max(len(table.rows), 1), per), 1):
            ws = self.sheet(table, widths, part)
            rows = slice(first, first + per)
            self.finish(ws, table, 1 + self.rows(ws, table, table.rows[rows], widths, measured[rows]))

    def _stream(self, table: Table, widths: list[float], per: int) -> None:
        formats = self.formats(table)
        ws, part, count = self.sheet(table, widths), 1, 0
        for row in table.rows:
            if count == per:
                self.finish(ws, table, 1 + count)
                part += 1
                ws, count = self.sheet(table, widths, part=part), 0
            count += 1
            for c, v in enumerate(row):
                self.value(ws, 1 + count, c, v, formats[c])
        self.finish(ws, table, 1 + count)

    def write(self, board_only: bool = False):
        d = self.d
        self.summary_ws = Board(self).write()
        if board_only:                      # for the printable PDF: the board alone, one page
            self.wb.close()
            return
        self.projects()
        self.matrix()
        # The long tables (for 10,000 projects the provenance is ~200,000 rows) stream: each row
        # goes to a temp file once the next begins. The board, projects and matrix above stay in memory.
        # xlsxwriter takes constant_memory per workbook; it is read per sheet when the sheet is added,
        # hence the switch.
        self.wb.constant_memory = True
        for table in (d.issues_table(), d.inputs_table(), d.rejected_table(), d.provenance_table(),
                      d.changes_table()):
            self.table(table)
        self.summary_ws.activate()
        for ws in self.wb.worksheets():
            if ws.constant_memory:
                ws._opt_close()            # what Workbook.close() does in constant_memory mode, for these only
        self.wb.constant_memory = False
        self.wb.close()


def write_master(path: Path, *, ledger: Ledger, projects: list[Project], fy: int, month: int, outcomes,
                 pdf: bool = False, skipped: Iterable[dict] = (), fh=None, tmpdir: Path | None = None) -> dict:
    """Write the month's master workbook (atomically to `path`, or into the open file `fh` that the
    caller publishes as `path`); return its headline figures. xlsxwriter's temporary files go to
    `tmpdir` (the run's). With `pdf`, also the summary board as a PDF beside it, through LibreOffice."""
    data = MasterData(ledger, projects, fy, month, outcomes, skipped)
    if fh is None:
        with atomic_write(path) as out:
            _Master(out, data, tmpdir).write()
    else:
        _Master(fh, data, tmpdir).write()
    if pdf:
        _board_pdf(Path(path), data, tmpdir)
    return data.headline


def _lines(v, w: float, width: float) -> int:
    """Lines a cell's text of measured width `w` takes in a column `width` wide (a number never wraps)."""
    if isinstance(v, str) and "\n" in v:
        return lines(v, width)
    return max(1, math.ceil(w / max(width - PAD, 1))) if isinstance(v, str) else 1


def write_board(path: Path, data: MasterData, tmpdir: Path | None = None) -> Path:
    """The summary board alone (one printed page) as a workbook at `path`: what `--pdf` prints."""
    with Path(path).open("wb") as out:
        _Master(out, data, tmpdir).write(board_only=True)
    return Path(path)


def _board_pdf(path: Path, data: MasterData, tmpdir: Path | None) -> None:
    """The summary board as a one-page PDF beside the master, through LibreOffice."""
    import tempfile

    from .office import convert
    with tempfile.TemporaryDirectory(prefix="px-board-", dir=tmpdir) as tmp:
        board = write_board(Path(tmp) / (path.stem + "_summary.xlsx"), data, Path(tmp))
        made, = convert([board], "pdf", Path(tmp) / "pdf")
        with atomic_write(path.with_name(made.name)) as out:
            out.write(made.read_bytes())
