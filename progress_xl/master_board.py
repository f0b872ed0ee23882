"""The master's summary board: the month on one A4 landscape page for the executives who read it.

On the page: the headline figures (Thai label, English label, value), progress against time elapsed
(one colour per series of `master_data.POINTS`, and the "on plan" diagonal), and per agency the share
of this year's money disbursed and the reporting rate, every agency named on its bars. The page is
fitted 1 x 1: the agency charts take the page's height whatever the number of agencies (past 35 a
second chart goes beside the first; 70 fit). Under the page, for the screen: the agency table with
its live formulas (the charts read it), and the points the progress chart plots.
"""
from __future__ import annotations

import math
import unicodedata

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .fiscal import format_be, month_bounds, month_label
from .layout import MAX_ROW_HEIGHT
from .master_data import POINTS, SHEETS

MONEY_SHOWN = "#,##0"            # amounts in whole baht, as people write them (2,500,000)
RATE = "0.0%"
# Sizes of 14-pt TH Sarabun New, measured in LibreOffice's PDF on Laksaman (its stand-in, the same
# metrics): a character takes 1.4 column units (a unit is Calibri 11's digit, how Excel sizes columns;
# digits 1.45, Thai 1.42, bold 1.5, Latin 1.35), and wrapped lines are 23.3 pt apart.
CHAR, BOLD, PAD = 1.4, 1.07, 1.5
LINE = 23.3
EN_SIZE = 12                     # the English labels, a step smaller than the Thai
KPI_TH, KPI_EN = 30, 30          # the widest a headline label grows before it wraps (characters)
SCATTER_HEIGHT = 400             # the progress chart under the headline figures: its height in pixels
BAR_PX = 380                     # half the width of the per-agency charts, in pixels
PER_CHART = 35                   # agencies in one per-agency chart before a second goes beside it
TOP = 3                          # the first row of the headline figures


# Characters that take no width (Thai vowel and tone marks above and below, other combining marks,
# zero-width spaces): what layout.display_width skips, dropped in one str.translate, which the master's
# tens of thousands of cells need (a character at a time was a third of writing it, by cProfile).
_NO_WIDTH = {c: None for block in (range(0x300, 0x3100), range(0xFE00, 0xFF00))
             for c in block if unicodedata.category(chr(c)) in ("Mn", "Me", "Cf")}


def text_width(text, size: float = 14, bold: bool = False) -> float:
    """Column units the longest line of `text` takes (Thai marks above and below take none)."""
    return (max(len(line.translate(_NO_WIDTH)) for line in str(text).split("\n")) * CHAR * size / 14
            * (BOLD if bold else 1))


def fit(texts, size: float = 14, bold: bool = False, minimum: float = 4, maximum: float = 60) -> float:
    """The width that shows the widest of `texts` whole, between `minimum` and `maximum`."""
    widest = max((text_width(t, size, bold) for t in texts if t not in (None, "")), default=0)
    return max(minimum, min(maximum, widest + PAD))


def lines(text, width: float, size: float = 14, bold: bool = False) -> int:
    """Lines `text` wraps to in a column `width` units wide."""
    room = max(width - PAD, 1)
    return sum(max(1, math.ceil(text_width(part, size, bold) / room)) for part in str(text or "").split("\n"))


def height(n: int, size: float = 14, minimum: float = 22) -> float:
    """Points a row of `n` lines of `size`-pt text needs."""
    return minimum if n <= 1 else min(MAX_ROW_HEIGHT, n * LINE * size / 14 + 2)


def col_px(width: float) -> int:
    """Pixels of a column `width` characters wide, as xlsxwriter places charts (Calibri 11: 7 px a digit)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


def row_px(height: float) -> int:
    return int(4 / 3 * height)


def shown(value, kind: str | None) -> str:
    """A number as its cell shows it, to size the column."""
    if kind == "money":
        return f"{value:,.0f}"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


class Board:
    """Writes the board onto the sheet `SHEETS["summary"]` of `master` (a `master._Master`)."""

    def __init__(self, master):
        self.m, self.d, self.f, self.font = master, master.d, master.f, master.font
        self.table = self.d.agency_table()
        self.kpis = self.d.kpis()
        self.ws = master.wb.add_worksheet(SHEETS["summary"])
        self.heights: dict[int, float] = {}

    # -- geometry ----------------------------------------------------------------------------------
    def _widths(self) -> list[float]:
        """Each column's width: the most the headline block above and the agency table below need."""
        t = self.table
        kinds = t.by_column(t.kinds)
        table = [max(fit([v if isinstance(v, str) else shown(v, kinds.get(c)) for v in self._column(c)],
                         maximum=30), min(fit([th], bold=True), 12), 9)
                 for c, (th, en) in enumerate(t.headers)]
        values = [shown(v, kind) for _, _, v, kind in self.kpis]
        block = [fit([th for th, *_ in self.kpis], bold=True, maximum=KPI_TH),
                 fit([en for _, en, *_ in self.kpis], size=EN_SIZE, maximum=KPI_EN),
                 fit(values, bold=True, minimum=12)]
        return [max(a, b) for a, b in zip(block + [0] * len(table), table + [0] * len(block))][:max(len(table), 3)]

    def _column(self, c: int) -> list:
        return [row[c] for row in self.table.rows] + [self.d.agency_totals()[c]]

    # -- the page ----------------------------------------------------------------------------------
    def write(self):
        ws, d = self.ws, self.d
        ws.set_default_row(d.spec.row_height)
        ws.hide_gridlines(2)
        widths = self.widths = self._widths()
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        right = self._charts_right(widths)
        self._titles(widths, right)
        chart_row = self._headline(widths) + 2
        bottom = self._rows_down(chart_row, SCATTER_HEIGHT)
        top = bottom + 3                                   # under the printed page: for the screen
        self.px = len(widths) + 1
        self._points(top)
        self._agency_table(top)
        self._progress_chart(widths, chart_row)
        self._agency_charts(widths, bottom)
        self._page(bottom, right)
        ws.freeze_panes(TOP, 0)
        return ws

    def _charts_right(self, widths: list[float]) -> int:
        """The last column the two agency charts reach (they start after the headline block)."""
        edge, c = sum(col_px(w) for w in widths[:3]) + 2 * BAR_PX + 12, 0
        while edge > 0:
            edge -= col_px(widths[c] if c < len(widths) else 8.43)
            c += 1
        return c - 1

    def _page(self, bottom: int, right: int) -> None:
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_margins(left=0.4, right=0.4, top=0.4, bottom=0.5)
        ws.center_horizontally()
        ws.fit_to_pages(1, 1)
        ws.print_area(0, 0, bottom, right)
        ws.set_footer(f'&L&"{self.font},Regular"&10progress_xl · &A')

    def _titles(self, widths: list[float], right: int) -> None:
        d, f, ws = self.d, self.f, self.ws
        lo, hi = d.spec.reporting_window
        self._set_row(0, 30)
        ws.merge_range(0, 0, 0, right, "สรุปรายงานความก้าวหน้าโครงการ / Project progress — "
                       f"{month_label(d.fy, d.month)} "
                       f"(รายงานครั้งที่ / report {d.month}) ปีงบประมาณ / FY {d.fy}", f("title"))
        ws.merge_range(1, 0, 1, right, f"ข้อมูล ณ สิ้นเดือน / as of {format_be(month_bounds(d.fy, d.month)[1])} · "
                       f"ช่วงรายงานวันที่ {lo}-{hi} / reporting window days {lo}-{hi}", f("subtitle"))
        text = d.accounting()
        span = sum(widths[c] if c < len(widths) else 8.43 for c in range(right + 1))
        self._set_row(2, height(lines(text, span, bold=True)))
        ws.merge_range(2, 0, 2, right, text, f("label", valign="top"))

    def _headline(self, widths: list[float]) -> int:
        """The headline figures from row TOP; returns the last row."""
        f, ws = self.f, self.ws
        formats = {"money": MONEY_SHOWN, "rate": RATE, None: "#,##0"}
        for i, (th, en, v, kind) in enumerate(self.kpis):
            r = TOP + i
            tall = max(height(lines(th, widths[0], bold=True)), height(lines(en, widths[1], EN_SIZE), EN_SIZE))
            if tall > self.d.spec.row_height:
                self._set_row(r, tall)
            ws.write_string(r, 0, th, f("label", border=1, border_color="#BFBFBF"))
            ws.write_string(r, 1, en, f("label_en", font_size=EN_SIZE, border=1, border_color="#BFBFBF"))
            ws.write_number(r, 2, float(v), f("total", num_format=formats[kind], valign="top"))
        return TOP + len(self.kpis) - 1

    def _set_row(self, r: int, height: float) -> None:
        self.heights[r] = height
        self.ws.set_row(r, height)

    def _rows_px(self, first: int, last: int) -> int:
        """Pixels from the top of row `first` to the bottom of row `last`."""
        return sum(row_px(self.heights.get(r, self.d.spec.row_height)) for r in range(first, last + 1))

    def _rows_down(self, top: int, px: int) -> int:
        """The row in which a thing `px` pixels tall, placed at the top of row `top`, ends."""
        r = top
        while px > 0:
            px -= row_px(self.heights.get(r, self.d.spec.row_height))
            r += 1
        return r - 1

    # -- the charts --------------------------------------------------------------------------------
    def _title(self, chart, th: str, en: str, size: int = 12) -> None:
        chart.set_title({"name": f"{th} / {en}", "name_font": {"name": self.font, "size": size, "bold": True}})
        chart.set_chartarea({"border": {"none": True}})

    def _progress_chart(self, widths: list[float], row: int) -> int:
        """Progress against time elapsed under the headline figures; returns the last row it covers."""
        chart, font = self.m.wb.add_chart({"type": "scatter"}), self.font
        name = SHEETS["summary"]
        for key, (first, last) in self.point_rows.items():
            th, en, colour = POINTS[key]
            chart.add_series({"name": f"{th} / {en}", "categories": [name, first, self.px + 1, last, self.px + 1],
                              "values": [name, first, self.px + 2, last, self.px + 2],
                              "marker": {"type": "circle", "size": 5, "fill": {"color": colour},
                                         "border": {"color": colour}}})
        first, last = self.diagonal
        chart.add_series({"name": "เส้นตามแผน / on-plan line",
                          "categories": [name, first, self.px + 1, last, self.px + 1],
                          "values": [name, first, self.px + 2, last, self.px + 2],
                          "line": {"color": "#7F7F7F", "width": 1.25, "dash_type": "dash"}, "marker": {"type": "none"}})
        self._title(chart, "ความก้าวหน้าเทียบเวลาที่ผ่านไป", "Progress vs time elapsed")
        axis = {"min": 0, "max": 100, "major_unit": 20, "num_font": {"name": font, "size": 10},
                "name_font": {"name": font, "size": 10, "bold": False}, "major_gridlines": {"visible": True,
                                                                                       "line": {"color": "#D9D9D9"}}}
        chart.set_x_axis({**axis, "name": "เวลาที่ผ่านไป (%) / time elapsed (%)"})
        chart.set_y_axis({**axis, "name": "ความก้าวหน้า (%) / progress (%)"})
        chart.set_legend({"position": "bottom", "font": {"name": font, "size": 9}})
        chart.set_size({"width": sum(col_px(w) for w in widths[:3]), "height": SCATTER_HEIGHT})
        self.ws.insert_chart(row, 0, chart, {"object_position": 3})
        return self._rows_down(row, SCATTER_HEIGHT)

    def _agency_charts(self, widths: list[float], bottom: int) -> None:
        """Per agency, the share of this year's money disbursed and the reporting rate, beside the headline and
        as tall as it and the progress chart; every agency named on its bars, in the size the bars leave room
        for. Past PER_CHART agencies the list goes on in a second chart beside the first."""
        n = len(self.table.rows)
        parts = 1 if n <= PER_CHART else 2
        per = max(1, math.ceil(n / parts))
        tall = self._rows_px(TOP, bottom)
        size = max(6, min(11, int((tall - 140) / per * 0.75 / 2)))      # a label needs twice its size (Thai marks)
        x = sum(col_px(w) for w in widths[:3]) + 12
        first, last = self.agency_rows
        for i in range(parts):
            rows = (first + i * per, min(last, first + (i + 1) * per - 1))
            chart = self._bars(rows, size, labels=per <= 15)
            part = f" ({i + 1}/{parts})" if parts > 1 else ""
            self._title(chart, "เบิกจ่ายเทียบงบประมาณ และอัตราการรายงาน" + part,
                        "Disbursed vs allocated · Reporting rate by agency" + part, size=11)
            chart.set_size({"width": 2 * BAR_PX // parts, "height": tall})
            self.ws.insert_chart(TOP, 0, chart, {"x_offset": x + i * 2 * BAR_PX // parts, "object_position": 3})

    def _bars(self, rows: tuple[int, int], size: int, labels: bool):
        chart, t, name = self.m.wb.add_chart({"type": "bar"}), self.table, SHEETS["summary"]
        first, last = rows
        agencies = [name, first, t.column("Agency"), last, t.column("Agency")]
        label = {"data_labels": {"value": True, "num_format": "0%", "font": {"name": self.font, "size": size}}}
        for en, th, eng, colour in (("Disbursed %", "ร้อยละเบิกจ่ายปีนี้", "disbursed % this year", "#ED7D31"),
                                    ("Reporting rate", "อัตราการรายงาน", "reporting rate", "#548235")):
            chart.add_series({"name": f"{th} / {eng}", "categories": agencies, "fill": {"color": colour},
                              "values": [name, first, t.column(en), last, t.column(en)], "gap": 60,
                              **(label if labels else {})})
        chart.set_x_axis({"min": 0, "max": self._most(), "major_unit": 0.25, "num_format": "0%",
                          "num_font": {"name": self.font, "size": 9},
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"name": self.font, "size": size},
                          "major_tick_mark": "none"})
        chart.set_legend({"position": "bottom", "font": {"name": self.font, "size": 9}})
        return chart

    def _most(self) -> float:
        """The value axis's end: 100 %, or the largest share above it (an agency over its allocation)."""
        t = self.table
        shares = [row[t.column(en)] for row in t.rows for en in ("Disbursed %", "Reporting rate")]
        return max(1.0, math.ceil(max(shares, default=0) * 4) / 4)

    # -- for the screen, under the page ----------------------------------------------------------
    def _agency_table(self, top: int) -> None:
        """The agency table under a heading at `top`, with formulas a client recalculates (their cached
        values from the data); the charts read its rows."""
        t, f, ws = self.table, self.f, self.ws
        ws.write_string(top, 0, "จำแนกตามหน่วยงาน / by agency", f("heading"))
        widths = self.widths
        for row, (style, which) in ((top + 1, ("header", 0)), (top + 2, ("header_en", 1))):
            texts = [pair[which] for pair in t.headers]
            self._set_row(row, height(max(lines(x, widths[c], bold=True) for c, x in enumerate(texts))))
            for c, text in enumerate(texts):
                ws.write_string(row, c, text, f(style))
        first = top + 3
        for i, values in enumerate(t.rows):
            self._agency_row(first + i, values, total=False)
        last = first + len(t.rows) - 1
        self.agency_rows = (first, last)
        self._agency_row(last + 1, self.d.agency_totals(), total=True)
        ws.autofilter(top + 2, 0, last, len(t.headers) - 1)

    def _agency_row(self, r: int, values: tuple, *, total: bool) -> None:
        t, f, ws = self.table, self.f, self.ws
        cell = lambda en: xl_rowcol_to_cell(r, t.column(en))
        expected = cell("Expected")
        formulas = {"Reporting rate": f"=IF({expected}=0,0,{cell('Received')}/{expected})",
                    "On-time rate": f"=IF({expected}=0,0,({cell('Received')}-{cell('Late')})/{expected})",
                    "Disbursed %": f"=IF({cell('Allocated')}=0,0,{cell('Disbursed')}/{cell('Allocated')})"}
        kinds = t.by_column(t.kinds)
        base = "total" if total else "fixed"
        for c, ((_, en), v) in enumerate(zip(t.headers, values)):
            number = MONEY_SHOWN if kinds.get(c) == "money" else "#,##0"
            if en in formulas:
                ws.write_formula(r, c, formulas[en], f(base, num_format=RATE), v)
            elif isinstance(v, str):
                ws.write_string(r, c, v, f("total" if total else "fixed_text", text_wrap=True))
            elif total:
                first, last = self.agency_rows
                letter = xl_col_to_name(c)
                ws.write_formula(r, c, f"=SUM({letter}{first + 1}:{letter}{last + 1})", f(base, num_format=number), v)
            else:
                ws.write_number(r, c, float(v), f(base, num_format=number))

    def _points(self, top: int) -> None:
        """The points the progress chart plots, by series, and its diagonal, from column `self.px` at `top`."""
        f, ws, c = self.f, self.ws, self.px
        ws.write_string(top, c, "ข้อมูลกราฟความก้าวหน้า / the progress chart's points", f("heading"))
        for i, text in enumerate(("ชุดข้อมูล / series", "เวลาที่ผ่านไป (%) / time elapsed (%)",
                                  "ความก้าวหน้า (%) / progress (%)")):
            ws.write_string(top + 2, c + i, text, f("header_en"))
            ws.set_column(c + i, c + i, 30 if i == 0 else 16)
        r, self.point_rows = top + 3, {}
        for key, points in self.d.points().items():
            th, en, _ = POINTS[key]
            for x, y in points:
                ws.write_string(r, c, f"{th} / {en}", f("fixed_text"))
                ws.write_row(r, c + 1, [x, y], f("fixed", num_format="0.0"))
                r += 1
            if points:
                self.point_rows[key] = (r - len(points), r - 1)
        for x in (0, 100):
            ws.write_string(r, c, "เส้นตามแผน / on-plan line", f("fixed_text"))
            ws.write_row(r, c + 1, [x, x], f("fixed", num_format="0.0"))
            r += 1
        self.diagonal = (r - 2, r - 1)
