"""The master workbook of one month, for the coordinator and executives (xlsxwriter).

Built from the ledger and the month's input outcomes only, with no clock: the same inputs give a
byte-identical file. Sheets: the summary board (with charts), projects, the monthly matrix, issues,
inputs, rejected files, provenance and changes. Text from submissions is always written as text.
"""
from __future__ import annotations

from collections.abc import Iterator

import datetime as dt
from decimal import Decimal
from pathlib import Path

from xlsxwriter.utility import xl_rowcol_to_cell

from .files import atomic_write
from .fiscal import format_be, month_bounds, month_label
from .layout import BE_DATE_SHORT, MONEY, PERCENT_POINTS, Formats, column_width, workbook
from .ledger import Ledger
from .register import Project
from .spec import load_spec

SHEETS = {"summary": "สรุป Summary", "projects": "โครงการ Projects", "matrix": "รายเดือน Monthly",
          "issues": "ประเด็น Issues", "inputs": "ไฟล์ที่ได้รับ Inputs", "rejected": "ไม่รับ Rejected",
          "provenance": "ที่มา Provenance", "changes": "เปลี่ยนแปลง Changes"}
PLACE_LABEL = {"accepted": "รับแล้ว / accepted", "has_issues": "มีปัญหา / has issues",
               "superseded": "ถูกแทนที่ / superseded", "rejected": "ไม่รับ / rejected",
               "duplicate": "ไฟล์ซ้ำ / duplicate", "missing": "ไม่ส่ง / missing",
               "transient": "ยังไม่ได้ประมวลผล / not processed"}
CLAIMS = ("R109", "R112")        # "on plan" while the numbers say otherwise
RATE = '0.0%'
MAX_ROWS = 1_048_576             # a sheet's rows in Excel and LibreOffice; a longer table goes on in a sheet "(2)"


def _d(v) -> Decimal | None:
    return Decimal(str(v)) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else None


def _f(v):
    return float(v) if isinstance(v, Decimal) else v


class _Data:
    """Everything the master shows, gathered from the ledger once."""

    def __init__(self, ledger: Ledger, projects: list[Project], fy: int, month: int, outcomes):
        from .consolidate import current_submissions
        self.fy, self.month, self.outcomes = fy, month, outcomes
        self.spec = load_spec()
        self.projects = sorted(projects, key=lambda p: (p.agency_code, p.code))
        current = current_submissions(ledger, fy, month)
        start, end = month_bounds(fy, month)
        window_end = start.replace(day=self.spec.reporting_window[1])
        on_plan = self.spec.choice_by_en("plan_status", "on plan")
        behind = self.spec.choice_by_en("plan_status", "behind plan")
        self.ledger = ledger
        self.rows, self.findings, self.reported, self.skipped = [], [], [], []
        for p in self.projects:
            sub = current.get(p.code)
            values = ledger.values(sub.id) if sub else {}
            history = ledger.accepted_history(p.code, fy, month)
            series = {}
            for k in range(1, month + 1):
                row = values.get(k) or {}
                got = row.get("progress", {}).get("value") if row else None
                series[k] = _d(got) if got is not None else _d(history.get(k, {}).get("progress"))
            this = {key: v["value"] for key, v in (values.get(month) or {}).items()}
            disbursed = sum((_d(v.get("disbursed", {}).get("value")) or 0 for k, v in values.items() if 0 < k <= month),
                            Decimal(0)) if sub else sum((_d(h.get("disbursed")) or 0 for h in history.values()), Decimal(0))
            day = this.get("report_date")
            received = sub.received_at[:10] if sub and sub.received_at else None
            late = bool(sub) and ((received is not None and received > window_end.isoformat())
                                  or (received is None and isinstance(day, dt.date) and day > window_end))
            findings = ledger.findings(sub.id) if sub else []
            p_start, p_end = p["start_date"], p["end_date"]
            elapsed = None
            if isinstance(p_start, dt.date) and isinstance(p_end, dt.date) and p_end > p_start:
                share = (min(max(end, p_start), p_end) - p_start) / (p_end - p_start)
                elapsed = (Decimal(share) * 100).quantize(Decimal("0.1"))
            self.rows.append({
                "project": p, "sub": sub, "state": sub.state if sub else "missing", "late": late,
                "progress": series.get(month), "series": series, "disbursed": disbursed,
                "budget": _d(p["budget_allocated"]) or Decimal(0), "plan_status": this.get("plan_status"),
                "target_status": this.get("target_status"), "report_date": day, "elapsed": elapsed,
                "errors": sum(1 for f in findings if f[1] == "error"),
                "warnings": sum(1 for f in findings if f[1] == "warning"),
                "behind": this.get("plan_status") == behind,
                "claims": this.get("plan_status") == on_plan and any(f[0] in CLAIMS for f in findings),
            })
            for f in findings:
                self.findings.append((p.agency_code, p.code, sub.name) + tuple(f))
            if sub:
                self.reported.append((p.code, sub))
        self.changes = []
        stored = {s.id: s for s in ledger.submissions(fy, month)}
        for s in stored.values():
            if s.state == "superseded" and s.superseded_by in stored:
                new = stored[s.superseded_by]
                old_v, new_v = ledger.values(s.id), ledger.values(new.id)
                for k in sorted(set(old_v) | set(new_v)):
                    for key in sorted(set(old_v.get(k, {})) | set(new_v.get(k, {}))):
                        a = old_v.get(k, {}).get(key, {}).get("value")
                        b = new_v.get(k, {}).get(key, {}).get("value")
                        if a != b:
                            self.changes.append((s.project_code, s.name, s.sha256, new.name, new.sha256,
                                                 month_label(fy, k) if k else "-", key, a, b))
        self.agencies = {}
        for r in self.rows:
            p = r["project"]
            a = self.agencies.setdefault(p.agency_code, {"name": p["agency_short"] or p["agency"], "expected": 0,
                                                         "received": 0, "accepted": 0, "has_issues": 0, "late": 0,
                                                         "missing": 0, "allocated": Decimal(0), "disbursed": Decimal(0)})
            a["expected"] += 1
            a["received"] += r["state"] != "missing"
            a["accepted"] += r["state"] == "accepted"
            a["has_issues"] += r["state"] == "has_issues"
            a["late"] += r["late"]
            a["missing"] += r["state"] == "missing"
            a["allocated"] += r["budget"]
            a["disbursed"] += r["disbursed"]
        places = [o.place for o in outcomes]
        self.headline = {
            "expected": len(self.rows), "received": sum(a["received"] for a in self.agencies.values()),
            "accepted": sum(a["accepted"] for a in self.agencies.values()),
            "has_issues": sum(a["has_issues"] for a in self.agencies.values()),
            "missing": sum(a["missing"] for a in self.agencies.values()),
            "late": sum(a["late"] for a in self.agencies.values()),
            "allocated": sum((a["allocated"] for a in self.agencies.values()), Decimal(0)),
            "disbursed": sum((a["disbursed"] for a in self.agencies.values()), Decimal(0)),
            "behind": sum(r["behind"] for r in self.rows), "claims": sum(r["claims"] for r in self.rows),
            "inputs": len(outcomes), **{f"inputs_{k}": places.count(k) for k in PLACE_LABEL if k != "missing"},
        }
        h = self.headline
        h["reporting_rate"] = h["received"] / h["expected"] if h["expected"] else 0
        h["on_time_rate"] = (h["received"] - h["late"]) / h["expected"] if h["expected"] else 0


SHOWN_EVERY_MONTH = ("progress", "disbursed")      # the matrix and the disbursed to date


def _provenance(d) -> Iterator[tuple]:
    """Every value the master shows or adds up, from the month's current submissions: the month's own
    report whole, and progress and disbursed of the months before. Read from the ledger as the sheet is
    written, never all in memory at once. The ledger keeps the provenance of every value read."""
    for code, sub in d.reported:
        values = d.ledger.values(sub.id)
        for k in sorted(values):
            if not 0 < k <= d.month:
                continue
            for key in sorted(values[k]):
                if k < d.month and key not in SHOWN_EVERY_MONTH:
                    continue
                v = values[k][key]
                where = f"{v['sheet']}!{v['cell']}" if v["cell"] else ""
                yield (code, k, month_label(d.fy, k), key, v["value"], sub.name, sub.sha256, where,
                       sub.template_version, v["notes"] or "")


class _Master:
    def __init__(self, fh, data: _Data, tmpdir=None):
        self.d = data
        options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        self.wb = workbook(fh, {**options, "tmpdir": str(tmpdir)} if tmpdir else options)
        spec = data.spec
        self.f = Formats(self.wb, spec.font, spec.font_size)
        self.wb.set_properties({"title": f"สรุปรายงานความก้าวหน้า / Progress master {month_label(data.fy, data.month)}",
                                "author": "progress_xl", "created": dt.datetime.combine(month_bounds(data.fy, data.month)[1], dt.time())})

    def sheet(self, key, headers, widths=None, landscape=True, part=1):
        ws = self.wb.add_worksheet(SHEETS[key] if part == 1 else f"{SHEETS[key]} ({part})")
        ws.set_default_row(self.d.spec.row_height)
        if landscape:
            ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_footer(f'&L&"{self.d.spec.font},Regular"&12progress_xl&R&"{self.d.spec.font},Regular"&12หน้า / Page &P / &N')
        if headers:
            for c, (th, en) in enumerate(headers):            # row 0, then row 1: constant_memory writes in order
                ws.write_string(0, c, th, self.f("header"))
                ws.set_column(c, c, (widths or {}).get(c, column_width([th, en], maximum=40)))
            for c, (th, en) in enumerate(headers):
                ws.write_string(1, c, en, self.f("header_en"))
            ws.freeze_panes(2, 0)
            ws.repeat_rows(0, 1)
        return ws

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

    # -- sheets ----------------------------------------------------------------------------------
    def summary(self):
        d, f, h = self.d, self.f, self.d.headline
        ws = self.wb.add_worksheet(SHEETS["summary"])
        ws.set_default_row(d.spec.row_height)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 26)
        ws.set_column(2, 13, 12)
        ws.merge_range(0, 0, 0, 13, f"สรุปรายงานความก้าวหน้าโครงการ / Project progress — {month_label(d.fy, d.month)} "
                       f"(รายงานครั้งที่ / report {d.month}) ปีงบประมาณ / FY {d.fy}", f("title"))
        lo, hi = d.spec.reporting_window
        ws.merge_range(1, 0, 1, 13, f"ข้อมูล ณ สิ้นเดือน / as of {format_be(month_bounds(d.fy, d.month)[1])} · "
                       f"ช่วงรายงานวันที่ {lo}-{hi} / reporting window days {lo}-{hi}", f("subtitle"))
        kpis = [("โครงการที่ต้องรายงาน", "Projects expected", h["expected"], None),
                ("ได้รับรายงาน", "Reports received", h["received"], None),
                ("รับแล้ว", "Accepted", h["accepted"], None),
                ("มีปัญหา", "Has issues", h["has_issues"], None),
                ("ส่งช้า", "Late", h["late"], None),
                ("ยังไม่ส่ง", "Missing", h["missing"], None),
                ("อัตราการรายงาน", "Reporting rate", h["reporting_rate"], RATE),
                ("ส่งตรงเวลา", "On-time rate", h["on_time_rate"], RATE),
                ("งบประมาณที่ได้รับ (บาท)", "Allocated (baht)", h["allocated"], MONEY),
                ("เบิกใช้สะสม (บาท)", "Disbursed to date (baht)", h["disbursed"], MONEY),
                ("ล่าช้ากว่าแผน", "Behind plan", h["behind"], None),
                ("แจ้งตามแผนแต่ตัวเลขไม่สอดคล้อง", "'On plan' but the numbers disagree", h["claims"], None)]
        for i, (th, en, v, fmt) in enumerate(kpis):
            r = 3 + i
            ws.write_string(r, 0, th, f("label"))
            ws.write_string(r, 1, en, f("label_en"))
            ws.write_number(r, 2, float(v), f("total", num_format=fmt) if fmt else f("total"))
        r = 3 + len(kpis) + 1
        acc = (f"ไฟล์ที่ได้รับ {h['inputs']} = รับแล้ว {h['inputs_accepted']} + มีปัญหา {h['inputs_has_issues']} + "
               f"ถูกแทนที่ {h['inputs_superseded']} + ไม่รับ {h['inputs_rejected']} + ซ้ำ {h['inputs_duplicate']} / "
               f"files received {h['inputs']} = accepted {h['inputs_accepted']} + has issues {h['inputs_has_issues']} + "
               f"superseded {h['inputs_superseded']} + rejected {h['inputs_rejected']} + duplicates {h['inputs_duplicate']}")
        ws.merge_range(r, 0, r, 13, acc, f("label"))
        # the agency table, with formulas a client recalculates (cached values computed here)
        top = r + 2
        headers = [("รหัส", "Code"), ("หน่วยงาน", "Agency"), ("ต้องรายงาน", "Expected"), ("ได้รับ", "Received"),
                   ("รับแล้ว", "Accepted"), ("มีปัญหา", "Has issues"), ("ส่งช้า", "Late"), ("ยังไม่ส่ง", "Missing"),
                   ("อัตราการรายงาน", "Reporting rate"), ("ตรงเวลา", "On-time rate"), ("งบประมาณ (บาท)", "Allocated"),
                   ("เบิกใช้สะสม (บาท)", "Disbursed"), ("ร้อยละเบิกจ่าย", "Disbursed %")]
        for row, (fmt, which) in enumerate((("header", 0), ("header_en", 1))):     # rows in order: constant_memory
            for c, pair in enumerate(headers):
                ws.write_string(top + row, c, pair[which], f(fmt))
        first = top + 2
        agencies = sorted(d.agencies.items())
        for i, (code, a) in enumerate(agencies):
            r = first + i
            ws.write_string(r, 0, code, f("fixed_text"))
            ws.write_string(r, 1, str(a["name"] or ""), f("fixed_text"))
            for c, key in enumerate(("expected", "received", "accepted", "has_issues", "late", "missing"), 2):
                ws.write_number(r, c, a[key], f("fixed"))
            cell = lambda c: xl_rowcol_to_cell(r, c)  # noqa: E731
            ws.write_formula(r, 8, f"=IF({cell(2)}=0,0,{cell(3)}/{cell(2)})", f("fixed", num_format=RATE),
                             a["received"] / a["expected"] if a["expected"] else 0)
            ws.write_formula(r, 9, f"=IF({cell(2)}=0,0,({cell(3)}-{cell(6)})/{cell(2)})", f("fixed", num_format=RATE),
                             (a["received"] - a["late"]) / a["expected"] if a["expected"] else 0)
            ws.write_number(r, 10, float(a["allocated"]), f("fixed", num_format=MONEY))
            ws.write_number(r, 11, float(a["disbursed"]), f("fixed", num_format=MONEY))
            ws.write_formula(r, 12, f"=IF({cell(10)}=0,0,{cell(11)}/{cell(10)})", f("fixed", num_format=RATE),
                             float(a["disbursed"] / a["allocated"]) if a["allocated"] else 0)
        last = first + len(agencies) - 1
        tr = last + 1
        ws.write_string(tr, 0, "รวม", f("total"))
        ws.write_string(tr, 1, "Total", f("total"))
        summed = {2: "expected", 3: "received", 4: "accepted", 5: "has_issues", 6: "late", 7: "missing",
                  10: "allocated", 11: "disbursed"}
        for c, key in summed.items():
            col = xl_rowcol_to_cell(first, c)[:-len(str(first + 1))]
            total = sum(float(a[key]) for _, a in agencies)
            ws.write_formula(tr, c, f"=SUM({col}{first + 1}:{col}{last + 1})",
                             f("total_money") if c >= 10 else f("total"), total)
        t = lambda c: xl_rowcol_to_cell(tr, c)  # noqa: E731
        ws.write_formula(tr, 8, f"=IF({t(2)}=0,0,{t(3)}/{t(2)})", f("total", num_format=RATE), h["reporting_rate"])
        ws.write_formula(tr, 9, f"=IF({t(2)}=0,0,({t(3)}-{t(6)})/{t(2)})", f("total", num_format=RATE), h["on_time_rate"])
        ws.write_formula(tr, 12, f"=IF({t(10)}=0,0,{t(11)}/{t(10)})", f("total", num_format=RATE),
                         float(h["disbursed"] / h["allocated"]) if h["allocated"] else 0)
        ws.autofilter(top + 1, 0, last, 12)
        ws.freeze_panes(3, 0)
        ws.print_area(0, 0, tr + 40, 13)
        # charts: xlsxwriter stores the cached values of the cells they read, so they show in any client
        name = SHEETS["summary"]
        budget = self.wb.add_chart({"type": "bar"})
        for c, (th, en), colour in ((10, ("งบประมาณ", "Allocated"), "#1F4E79"), (11, ("เบิกใช้สะสม", "Disbursed"), "#F4B183")):
            budget.add_series({"name": f"{th} / {en}", "categories": [name, first, 1, last, 1],
                               "values": [name, first, c, last, c], "fill": {"color": colour}})
        budget.set_title({"name": "เบิกจ่ายเทียบงบประมาณ / Disbursed vs allocated", "name_font": {"name": d.spec.font, "size": 14}})
        budget.set_x_axis({"num_format": "#,##0", "num_font": {"name": d.spec.font}})
        budget.set_y_axis({"num_font": {"name": d.spec.font}, "reverse": True})
        budget.set_legend({"position": "bottom", "font": {"name": d.spec.font}})
        ws.insert_chart(tr + 2, 0, budget, {"x_scale": 1.4, "y_scale": 1.3})
        rate = self.wb.add_chart({"type": "column"})
        rate.add_series({"name": "อัตราการรายงาน / Reporting rate", "categories": [name, first, 1, last, 1],
                         "values": [name, first, 8, last, 8], "fill": {"color": "#548235"},
                         "data_labels": {"value": True, "num_format": "0%"}})
        rate.set_title({"name": "อัตราการรายงานรายหน่วยงาน / Reporting rate by agency", "name_font": {"name": d.spec.font, "size": 14}})
        rate.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
        rate.set_x_axis({"num_font": {"name": d.spec.font}})
        rate.set_legend({"none": True})
        ws.insert_chart(tr + 2, 7, rate, {"x_scale": 1.3, "y_scale": 1.3})
        return ws

    def projects(self):
        d, f = self.d, self.f
        headers = [("หน่วยงาน", "Agency"), ("รหัสโครงการ", "Project code"), ("ชื่อโครงการ", "Project"),
                   ("สถานะไฟล์", "State"), ("ส่งช้า", "Late"), ("ความก้าวหน้า (%)", "Progress (%)"),
                   ("เวลาที่ผ่านไป (%)", "Time elapsed (%)"), ("งบประมาณ (บาท)", "Allocated"),
                   ("เบิกใช้สะสม (บาท)", "Disbursed"), ("เทียบกับแผน", "Against plan"), ("เทียบกับเป้าหมาย", "Against target"),
                   ("วันที่รายงาน", "Report date"), ("ข้อผิดพลาด", "Errors"), ("คำเตือน", "Warnings"),
                   ("ผู้รับผิดชอบ", "Responsible"), ("โทรศัพท์", "Phone"), ("อีเมล", "E-mail"), ("ผู้ประสานงาน", "Coordinator"),
                   ("ไฟล์", "File")]
        ws = self.sheet("projects", headers, {2: 50, 3: 20, 14: 24, 16: 28, 18: 40})
        for i, r in enumerate(d.rows):
            row, p = 2 + i, r["project"]
            cells = [p["agency_short"] or p["agency"], p.code, p["project_name"], PLACE_LABEL[r["state"]],
                     "ช้า / late" if r["late"] else "", r["progress"], r["elapsed"], r["budget"], r["disbursed"],
                     r["plan_status"], r["target_status"], r["report_date"], r["errors"] if r["sub"] else None,
                     r["warnings"] if r["sub"] else None, p["responsible_person"], p["responsible_phone"],
                     p["responsible_email"] or p["agency_email"], p["coordinator"], r["sub"].name if r["sub"] else ""]
            fmts = {5: f("plain", num_format=PERCENT_POINTS), 6: f("plain", num_format=PERCENT_POINTS),
                    7: f("plain", num_format=MONEY), 8: f("plain", num_format=MONEY)}
            for c, v in enumerate(cells):
                self.value(ws, row, c, v, fmts.get(c))
            if r["state"] in ("missing", "has_issues"):
                ws.write_string(row, 3, PLACE_LABEL[r["state"]], f("bad" if r["state"] == "missing" else "warn"))
        last = 1 + len(d.rows)
        ws.autofilter(1, 0, max(last, 2), len(headers) - 1)
        # progress against elapsed time, one point per project that reported
        chart = self.wb.add_chart({"type": "scatter"})
        chart.add_series({"name": "โครงการ / projects", "categories": [SHEETS["projects"], 2, 6, last, 6],
                          "values": [SHEETS["projects"], 2, 5, last, 5], "marker": {"type": "circle", "size": 6}})
        chart.set_title({"name": "ความก้าวหน้าเทียบเวลาที่ผ่านไป / Progress vs time elapsed", "name_font": {"name": d.spec.font, "size": 14}})
        chart.set_x_axis({"name": "เวลาที่ผ่านไป (%) / time elapsed (%)", "min": 0, "max": 100})
        chart.set_y_axis({"name": "ความก้าวหน้า (%) / progress (%)", "min": 0, "max": 100})
        chart.set_legend({"none": True})
        self.summary_ws.insert_chart(self.chart_row, 0, chart, {"x_scale": 1.4, "y_scale": 1.3})

    def matrix(self):
        d = self.d
        headers = [("รหัสโครงการ", "Project code"), ("ชื่อโครงการ", "Project")] + \
                  [(month_label(d.fy, k), f"report {k}") for k in range(1, 13)]
        ws = self.sheet("matrix", headers, {1: 50})
        fmt = self.f("plain", num_format=PERCENT_POINTS)
        for i, r in enumerate(d.rows):
            p = r["project"]
            self.value(ws, 2 + i, 0, p.code)
            self.value(ws, 2 + i, 1, p["project_name"])
            for k in range(1, 13):
                self.value(ws, 2 + i, 1 + k, r["series"].get(k), fmt)
        ws.autofilter(1, 0, max(1 + len(d.rows), 2), 13)
        ws.freeze_panes(2, 2)

    def table(self, key, headers, rows, widths=None):
        """A table under two header rows; past a sheet's last row it goes on in the next sheet."""
        ws, part, count = self.sheet(key, headers, widths), 1, 0
        for row in rows:
            if count == MAX_ROWS - 2:
                ws.autofilter(1, 0, 1 + count, len(headers) - 1)
                part += 1
                ws, count = self.sheet(key, headers, widths, part=part), 0
            count += 1
            for c, v in enumerate(row):
                self.value(ws, 1 + count, c, v)
        ws.autofilter(1, 0, max(1 + count, 2), len(headers) - 1)

    def write(self, board_only: bool = False):
        d = self.d
        self.summary_ws = self.summary()
        self.chart_row = 3 + 12 + 3 + len(d.agencies) + 3 + 22
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
        self.table("issues", [("หน่วยงาน", "Agency"), ("รหัสโครงการ", "Project"), ("ไฟล์", "File"), ("รหัส", "Code"),
                              ("ระดับ", "Severity"), ("ชีต", "Sheet"), ("ช่อง", "Cell"), ("ค่า", "Value"),
                              ("รายละเอียด", "Thai"), ("Detail", "English")],
                   [(a, c, file, code, sev, sheet, cell, value, th, en)
                    for a, c, file, code, sev, sheet, cell, value, th, en in d.findings], {2: 36, 8: 60, 9: 60})
        self.table("inputs", [("ไฟล์", "File"), ("sha256", "sha256"), ("ผล", "Outcome"), ("รหัสโครงการ", "Project"),
                              ("รายละเอียด", "Thai"), ("Detail", "English")],
                   [(o.name, o.sha256, PLACE_LABEL[o.place], o.project_code, o.detail_th, o.detail_en)
                    for o in d.outcomes], {0: 40, 1: 20, 4: 50, 5: 50})
        self.table("rejected", [("ไฟล์", "File"), ("sha256", "sha256"), ("เหตุผล", "Reason"), ("Reason", "English")],
                   [(o.name, o.sha256, o.detail_th, o.detail_en) for o in d.outcomes if o.place == "rejected"]
                   + [(s.get("file"), "", s.get("th"), s.get("en")) for s in d.skipped],
                   {0: 40, 1: 20, 2: 60, 3: 60})
        self.table("provenance", [("รหัสโครงการ", "Project"), ("ครั้งที่", "Report"), ("เดือน", "Month"), ("ช่อง", "Field"),
                                  ("ค่า", "Value"), ("ไฟล์", "File"), ("sha256", "sha256"), ("ตำแหน่ง", "Sheet!cell"),
                                  ("รุ่นแบบฟอร์ม", "Template"), ("การอ่าน", "Parse notes")],
                   _provenance(d), {4: 30, 5: 36, 6: 20, 7: 24, 9: 60})
        self.table("changes", [("รหัสโครงการ", "Project"), ("ไฟล์เดิม", "Old file"), ("sha256 เดิม", "Old sha256"),
                               ("ไฟล์ใหม่", "New file"), ("sha256 ใหม่", "New sha256"), ("เดือน", "Month"),
                               ("ช่อง", "Field"), ("ค่าเดิม", "Old value"), ("ค่าใหม่", "New value")],
                   d.changes, {1: 36, 3: 36})
        self.summary_ws.activate()
        for ws in self.wb.worksheets():
            if ws.constant_memory:
                ws._opt_close()            # what Workbook.close() does in constant_memory mode, for these only
        self.wb.constant_memory = False
        self.wb.close()


def write_master(path: Path, *, ledger: Ledger, projects: list[Project], fy: int, month: int, outcomes,
                 pdf: bool = False, skipped: list[dict] = (), fh=None, tmpdir: Path | None = None) -> dict:
    """Write the month's master workbook (atomically to `path`, or into the open file `fh` that the
    caller publishes as `path`); return its headline figures. xlsxwriter's temporary files go to
    `tmpdir` (the run's). With `pdf`, also the summary board as a PDF beside it, through LibreOffice."""
    data = _Data(ledger, projects, fy, month, outcomes)
    data.skipped = list(skipped)
    if fh is None:
        with atomic_write(path) as out:
            _Master(out, data, tmpdir).write()
    else:
        _Master(fh, data, tmpdir).write()
    if pdf:
        import tempfile

        from .office import convert
        with tempfile.TemporaryDirectory(prefix="px-board-", dir=tmpdir) as tmp:
            board = Path(tmp) / (Path(path).stem + "_summary.xlsx")
            with board.open("wb") as out:
                _Master(out, data, tmp).write(board_only=True)
            made, = convert([board], "pdf", Path(tmp) / "pdf")
            with atomic_write(Path(path).with_name(made.name)) as out:
                out.write(made.read_bytes())
    return data.headline
