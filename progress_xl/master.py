"""The master workbook of one month, for the coordinator and executives: `master_data`'s tables,
written with xlsxwriter.

Nothing here decides what the master says (that is `master_data.py`); this module decides how it
looks: sheets, formats, the board's live formulas and the charts (which find their columns by
header). The same data gives a byte-identical file. Text from submissions is always written as text.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .files import atomic_write
from .fiscal import format_be, month_bounds, month_label
from .layout import BE_DATE_SHORT, MONEY, PERCENT_POINTS, Formats, column_width, workbook
from .ledger import Ledger
from .master_data import SHEETS, MasterData, Table
from .register import Project
from .state import State

__all__ = ["SHEETS", "MAX_ROWS", "write_master"]

RATE = '0.0%'
MAX_ROWS = 1_048_576             # a sheet's rows in Excel and LibreOffice; a longer table goes on in a sheet "(2)"
NUMBER_FORMATS = {"percent": PERCENT_POINTS, "money": MONEY, "rate": RATE}
STATE_STYLE = {State.MISSING.label: "bad", State.HAS_ISSUES.label: "warn"}    # the projects' state column
BOARD_WIDTH = 13                 # the board's last column
CHART_ROWS = 21                  # rows the board's charts take (from two rows under the agency table)


class _Master:
    def __init__(self, fh, data: MasterData, tmpdir=None):
        self.d = data
        options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        self.wb = workbook(fh, {**options, "tmpdir": str(tmpdir)} if tmpdir else options)
        self.font = data.spec.font
        self.f = Formats(self.wb, data.spec.font, data.spec.font_size)
        self.wb.set_properties({"title": f"สรุปรายงานความก้าวหน้า / Progress master {month_label(data.fy, data.month)}",
                                "author": "progress_xl",
                                "created": dt.datetime.combine(month_bounds(data.fy, data.month)[1], dt.time())})

    def sheet(self, key, table: Table | None = None, landscape=True, part=1):
        ws = self.wb.add_worksheet(SHEETS[key] if part == 1 else f"{SHEETS[key]} ({part})")
        ws.set_default_row(self.d.spec.row_height)
        if landscape:
            ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_footer(f'&L&"{self.font},Regular"&12progress_xl&R&"{self.font},Regular"&12หน้า / Page &P / &N')
        if table:
            self._headers(ws, table)
        return ws

    def _headers(self, ws, table: Table) -> None:
        widths = table.by_column(table.widths)
        for c, (th, en) in enumerate(table.headers):     # row 0, then row 1: constant_memory writes in order
            ws.write_string(0, c, th, self.f("header"))
            ws.set_column(c, c, widths.get(c, column_width([th, en], maximum=40)))
        for c, (th, en) in enumerate(table.headers):
            ws.write_string(1, c, en, self.f("header_en"))
        ws.freeze_panes(2, 0)
        ws.repeat_rows(0, 1)

    def value(self, ws, r, c, v, fmt=None):
        f = self.f
        if v is None or v == "":
            ws.write_blank(r, c, None, fmt or f("plain"))
        elif isinstance(v, dt.date):
            ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time()),
                              fmt or f("value_date", num_format=BE_DATE_SHORT))
        elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            ws.write_number(r, c, float(v), fmt or f("plain"))
        else:
            ws.write_string(r, c, str(v), fmt or f("plain"))        # never a formula, whatever it begins with

    def kind_formats(self, table: Table) -> dict:
        return {c: self.f("plain", num_format=NUMBER_FORMATS[kind]) for c, kind in table.by_column(table.kinds).items()}

    # -- the summary board -----------------------------------------------------------------------
    def summary(self):
        d, f = self.d, self.f
        ws = self.wb.add_worksheet(SHEETS["summary"])
        ws.set_default_row(d.spec.row_height)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 26)
        ws.set_column(2, BOARD_WIDTH, 12)
        ws.merge_range(0, 0, 0, BOARD_WIDTH, f"สรุปรายงานความก้าวหน้าโครงการ / Project progress — {month_label(d.fy, d.month)} "
                       f"(รายงานครั้งที่ / report {d.month}) ปีงบประมาณ / FY {d.fy}", f("title"))
        lo, hi = d.spec.reporting_window
        ws.merge_range(1, 0, 1, BOARD_WIDTH, f"ข้อมูล ณ สิ้นเดือน / as of {format_be(month_bounds(d.fy, d.month)[1])} · "
                       f"ช่วงรายงานวันที่ {lo}-{hi} / reporting window days {lo}-{hi}", f("subtitle"))
        kpis = d.kpis()
        for i, (th, en, v, kind) in enumerate(kpis):
            ws.write_string(3 + i, 0, th, f("label"))
            ws.write_string(3 + i, 1, en, f("label_en"))
            ws.write_number(3 + i, 2, float(v), f("total", num_format=NUMBER_FORMATS[kind]) if kind else f("total"))
        r = 3 + len(kpis) + 1
        ws.merge_range(r, 0, r, BOARD_WIDTH, d.accounting(), f("label"))
        table = d.agency_table()
        first, last, total_row = self._agency_table(ws, table, r + 2)
        ws.freeze_panes(3, 0)
        ws.print_area(0, 0, total_row + 40, BOARD_WIDTH)
        self._board_charts(ws, table, first, last, total_row)
        self.chart_row = total_row + 2 + CHART_ROWS       # the next chart, under them
        return ws

    def _agency_table(self, ws, table: Table, top: int) -> tuple[int, int, int]:
        """The agency table under two header rows at `top`, with formulas a client recalculates (their
        cached values from the data); its first and last data rows and its total row."""
        for row, (style, which) in enumerate((("header", 0), ("header_en", 1))):     # rows in order: constant_memory
            for c, pair in enumerate(table.headers):
                ws.write_string(top + row, c, pair[which], self.f(style))
        first = top + 2
        rows = list(table.rows)
        for i, values in enumerate(rows):
            self._agency_row(ws, first + i, table, values, total=False)
        last = first + len(rows) - 1
        self._agency_row(ws, last + 1, table, self.d.agency_totals(), total=True, span=(first, last))
        ws.autofilter(top + 1, 0, last, len(table.headers) - 1)
        return first, last, last + 1

    def _agency_row(self, ws, r: int, table: Table, values: tuple, *, total: bool, span=None) -> None:
        col = table.column
        cell = lambda en: xl_rowcol_to_cell(r, col(en))  # noqa: E731
        formulas = {"Reporting rate": f"=IF({cell('Expected')}=0,0,{cell('Received')}/{cell('Expected')})",
                    "On-time rate": f"=IF({cell('Expected')}=0,0,({cell('Received')}-{cell('Late')})/{cell('Expected')})",
                    "Disbursed %": f"=IF({cell('Allocated')}=0,0,{cell('Disbursed')}/{cell('Allocated')})"}
        kinds = table.by_column(table.kinds)
        base = "total" if total else "fixed"
        for c, ((_, en), v) in enumerate(zip(table.headers, values)):
            if en in formulas:
                ws.write_formula(r, c, formulas[en], self.f(base, num_format=RATE), v)
            elif isinstance(v, str):
                ws.write_string(r, c, v, self.f("total" if total else "fixed_text"))
            elif total:
                letter = xl_col_to_name(c)
                ws.write_formula(r, c, f"=SUM({letter}{span[0] + 1}:{letter}{span[1] + 1})",
                                 self.f("total_money") if kinds.get(c) == "money" else self.f("total"), v)
            elif kinds.get(c) == "money":
                ws.write_number(r, c, float(v), self.f("fixed", num_format=MONEY))
            else:
                ws.write_number(r, c, v, self.f("fixed"))

    def _board_charts(self, ws, table: Table, first: int, last: int, total_row: int) -> None:
        """xlsxwriter stores the cached values of the cells the charts read, so they show in any client."""
        name, font, col = SHEETS["summary"], self.font, table.column
        agencies = [name, first, col("Agency"), last, col("Agency")]
        budget = self.wb.add_chart({"type": "bar"})
        for en, (th, label), colour in (("Allocated", ("งบประมาณ", "Allocated"), "#1F4E79"),
                                        ("Disbursed", ("เบิกใช้สะสม", "Disbursed"), "#F4B183")):
            budget.add_series({"name": f"{th} / {label}", "categories": agencies,
                               "values": [name, first, col(en), last, col(en)], "fill": {"color": colour}})
        budget.set_title({"name": "เบิกจ่ายเทียบงบประมาณ / Disbursed vs allocated", "name_font": {"name": font, "size": 14}})
        budget.set_x_axis({"num_format": "#,##0", "num_font": {"name": font}})
        budget.set_y_axis({"num_font": {"name": font}, "reverse": True})
        budget.set_legend({"position": "bottom", "font": {"name": font}})
        ws.insert_chart(total_row + 2, 0, budget, {"x_scale": 1.4, "y_scale": 1.3})
        rate = self.wb.add_chart({"type": "column"})
        rates = col("Reporting rate")
        rate.add_series({"name": "อัตราการรายงาน / Reporting rate", "categories": agencies,
                         "values": [name, first, rates, last, rates], "fill": {"color": "#548235"},
                         "data_labels": {"value": True, "num_format": "0%"}})
        rate.set_title({"name": "อัตราการรายงานรายหน่วยงาน / Reporting rate by agency", "name_font": {"name": font, "size": 14}})
        rate.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
        rate.set_x_axis({"num_font": {"name": font}})
        rate.set_legend({"none": True})
        ws.insert_chart(total_row + 2, 7, rate, {"x_scale": 1.3, "y_scale": 1.3})

    # -- the tables ------------------------------------------------------------------------------
    def projects(self):
        table = self.d.projects_table()
        ws = self.sheet("projects", table)
        state, kinds, count = table.column("State"), self.kind_formats(table), 0
        for count, values in enumerate(table.rows, 1):
            for c, v in enumerate(values):
                self.value(ws, 1 + count, c, v, kinds.get(c))
            if values[state] in STATE_STYLE:
                ws.write_string(1 + count, state, values[state], self.f(STATE_STYLE[values[state]]))
        last = 1 + count
        ws.autofilter(1, 0, max(last, 2), len(table.headers) - 1)
        self._scatter(table, last)

    def _scatter(self, table: Table, last: int) -> None:
        """Progress against elapsed time, one point per project that reported, on the board."""
        name, x, y = SHEETS["projects"], table.column("Time elapsed (%)"), table.column("Progress (%)")
        chart = self.wb.add_chart({"type": "scatter"})
        chart.add_series({"name": "โครงการ / projects", "categories": [name, 2, x, last, x],
                          "values": [name, 2, y, last, y], "marker": {"type": "circle", "size": 6}})
        chart.set_title({"name": "ความก้าวหน้าเทียบเวลาที่ผ่านไป / Progress vs time elapsed",
                         "name_font": {"name": self.font, "size": 14}})
        chart.set_x_axis({"name": "เวลาที่ผ่านไป (%) / time elapsed (%)", "min": 0, "max": 100})
        chart.set_y_axis({"name": "ความก้าวหน้า (%) / progress (%)", "min": 0, "max": 100})
        chart.set_legend({"none": True})
        self.summary_ws.insert_chart(self.chart_row, 0, chart, {"x_scale": 1.4, "y_scale": 1.3})

    def matrix(self):
        table = self.d.matrix_table()
        ws = self.sheet("matrix", table)
        kinds, count = self.kind_formats(table), 0
        for count, values in enumerate(table.rows, 1):
            for c, v in enumerate(values):
                self.value(ws, 1 + count, c, v, kinds.get(c))
        ws.autofilter(1, 0, max(1 + count, 2), len(table.headers) - 1)
        ws.freeze_panes(2, 2)

    def table(self, table: Table):
        """A table under two header rows; past a sheet's last row it goes on in the next sheet."""
        ws, part, count = self.sheet(table.key, table), 1, 0
        for row in table.rows:
            if count == MAX_ROWS - 2:
                ws.autofilter(1, 0, 1 + count, len(table.headers) - 1)
                part += 1
                ws, count = self.sheet(table.key, table, part=part), 0
            count += 1
            for c, v in enumerate(row):
                self.value(ws, 1 + count, c, v)
        ws.autofilter(1, 0, max(1 + count, 2), len(table.headers) - 1)

    def write(self, board_only: bool = False):
        d = self.d
        self.summary_ws = self.summary()
        self.projects()
        if board_only:                      # for the printable PDF: the board and its projects
            self.summary_ws.activate()
            self.wb.close()
            return
        self.matrix()
        # The long tables (for 10,000 projects the provenance is ~200,000 rows) stream: each row
        # goes to a temp file once the next begins. The board, projects and matrix above stay in memory so
        # that the charts carry cached values (xlsxwriter has none for streamed sheets). xlsxwriter takes
        # constant_memory per workbook; it is read per sheet when the sheet is added, hence the switch.
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


def _board_pdf(path: Path, data: MasterData, tmpdir: Path | None) -> None:
    """The summary board (and its projects) as a PDF beside the master, through LibreOffice."""
    import tempfile

    from .office import convert
    with tempfile.TemporaryDirectory(prefix="px-board-", dir=tmpdir) as tmp:
        board = Path(tmp) / (path.stem + "_summary.xlsx")
        with board.open("wb") as out:
            _Master(out, data, tmp).write(board_only=True)
        made, = convert([board], "pdf", Path(tmp) / "pdf")
        with atomic_write(path.with_name(made.name)) as out:
            out.write(made.read_bytes())
