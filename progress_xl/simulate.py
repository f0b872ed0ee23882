"""Simulated agencies for the demo and the benchmarks: fill each project's workbook month by month.

Deterministic (seeded by project code and month). Most fill it correctly; some make the real
mistakes: a BE year typed into a date, Thai digits, amounts typed as text, a status typed in
English, falling progress, disbursement over the budget, progress left flat while "on plan".
Each month some do not report, one sends a corrected file after a wrong one, and the inbox also
gets a corrupt file and a workbook that is not ours.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import random
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from .fiscal import month_bounds
from .generate import generate_workbook, workbook_filename
from .register import Project
from .spec import TemplateSpec

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MISTAKES = ("be_year", "thai_digits", "amount_text", "english_status", "falling", "over_budget")


def _rng(*parts) -> random.Random:
    return random.Random("|".join(map(str, parts)))


def plan(project: Project) -> tuple[list[Decimal], list[Decimal]]:
    """A project's honest cumulative progress and monthly disbursement for reports 1..12."""
    rng = _rng("plan", project.code)
    budget = Decimal(str(project["budget_allocated"] or 0))
    weights = [rng.uniform(0.5, 1.5) for _ in range(12)]
    total = sum(weights)
    progress, acc = [], 0.0
    for w in weights:
        acc += w / total * 100
        progress.append(Decimal(min(100, round(acc))))
    progress[-1] = Decimal(100)
    if _rng("stalled", project.code).random() < 0.06:        # stuck after report 2, and says "on plan"
        progress = progress[:2] + [progress[1]] * 10
    spend_share = Decimal(str(rng.uniform(0.7, 0.98)))
    paid = [(budget * spend_share * Decimal(str(w / total))).quantize(Decimal("1")) for w in weights]
    return progress, paid


def mistake_of(project: Project, month: int) -> str | None:
    rng = _rng("mistake", project.code, month)
    return rng.choice(MISTAKES) if rng.random() < 0.18 else None


def fill(project: Project, spec: TemplateSpec, month: int) -> dict[int, dict]:
    """Reports 1..month as the agency typed them (mistakes only in the month being reported)."""
    fy = int(project["fiscal_year"])
    progress, paid = plan(project)
    on_plan, behind = spec.choice_values("plan_status")[:2]
    on_target = spec.choice_values("target_status")[0]
    stages = spec.choice_values("stage") if "stage" in spec.choices else ()
    reports = {}
    for k in range(1, month + 1):
        rng = _rng("row", project.code, k)
        start, _ = month_bounds(fy, k)
        late = rng.random() < 0.1
        day = start.replace(day=rng.randint(29, 30) if late and start.month != 2 else rng.randint(21, 28))
        row = {"report_date": day, "narrative": f"ดำเนินการตามแผนงาน ขั้นตอนที่ {k}", "progress": progress[k - 1],
               "disbursed": paid[k - 1], "plan_status": on_plan if rng.random() > 0.15 else behind,
               "target_status": on_target}
        if stages:
            row["stage"] = stages[min(len(stages) - 1, (k - 1) * len(stages) // 12)]
        mistake = mistake_of(project, k) if k == month else None
        if mistake == "be_year":
            row["report_date"] = dt.datetime(day.year + 543, day.month, day.day)
        elif mistake == "thai_digits":
            row["disbursed"] = f"{row['disbursed']:,}".translate(THAI_DIGITS)
        elif mistake == "amount_text":
            row["disbursed"] = f"{row['disbursed']:,} บาท"
        elif mistake == "english_status":
            row["plan_status"] = "on plan"
        elif mistake == "falling" and k > 1:
            row["progress"] = max(Decimal(0), progress[k - 2] - 5)
        elif mistake == "over_budget":
            row["disbursed"] = Decimal(str(project["budget_allocated"] or 0)) + 1000
        reports[k] = row
    return reports


def received_at(project: Project, month: int, fy: int) -> str:
    start, _ = month_bounds(fy, month)
    rng = _rng("received", project.code, month)
    day = rng.randint(22, 28) if rng.random() > 0.1 else (30 if start.month != 2 else 28)
    return dt.datetime(start.year, start.month, day, rng.randint(8, 17), rng.randint(0, 59)).isoformat()


def simulate_month(spec: TemplateSpec, projects: list[Project], month: int, inbox: Path, *,
                   extras: bool = True) -> dict:
    """Write month `month`'s inbox: each reporting project's workbook, plus the odd files."""
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    provenance, written, missing = {}, [], []
    resubmitter = projects[len(projects) // 2] if extras and projects else None
    for project in projects:
        fy = int(project["fiscal_year"])
        if project is not resubmitter and _rng("missing", project.code, month).random() < 0.06:
            missing.append(project.code)
            continue
        reports = fill(project, spec, month)
        name = workbook_filename(project)
        generate_workbook(spec, project, inbox / name, reports=reports)
        provenance[name] = {"sender": project["agency_email"] or "", "received_at": received_at(project, month, fy)}
        written.append(name)
    if extras and projects:
        # a wrong file, then the corrected one a day later
        project = resubmitter
        fy = int(project["fiscal_year"])
        wrong = fill(project, spec, month)
        wrong[month]["progress"] = Decimal(150)
        first = f"ส่งครั้งแรก_{workbook_filename(project)}"
        generate_workbook(spec, project, inbox / first, reports=wrong)
        provenance[first] = {"sender": project["agency_email"] or "",
                             "received_at": (dt.datetime.fromisoformat(received_at(project, month, fy)) - dt.timedelta(days=1)).isoformat()}
        # a workbook cut short in transit, and one that is not ours
        buf = io.BytesIO()
        generate_workbook(spec, projects[0], buf, reports=fill(projects[0], spec, month))
        (inbox / "ไฟล์เสีย_corrupt.xlsx").write_bytes(buf.getvalue()[:4096])
        wb = xlsxwriter.Workbook(str(inbox / "สรุปงานของฉัน.xlsx"))
        ws = wb.add_worksheet("Sheet1")
        ws.write_row(0, 0, ["โครงการ", "ความก้าวหน้า"])
        ws.write_row(1, 0, ["ซ่อมถนน", 40])
        wb.close()
    (inbox / ".provenance.json").write_text(json.dumps(provenance, ensure_ascii=False, indent=1, sort_keys=True),
                                            encoding="utf-8")
    return {"written": written, "missing": missing}
