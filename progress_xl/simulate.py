"""Simulated agencies for the demo and the benchmarks: fill each project's workbook month by month.

Deterministic (seeded by project code and month). Most fill it correctly; some make the real
mistakes: a BE year typed into a date, Thai digits, amounts typed as text, a status typed in
English, falling progress, disbursement over the budget, progress left flat while "on plan".
Each month some do not report, one sends a corrected file after a wrong one, and the inbox also
gets a corrupt file and a workbook that is not ours.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import zipfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from .collect import PROVENANCE
from .files import write_json
from .fiscal import BANGKOK, fiscal_bounds, month_bounds
from .generate import generate_workbook, workbook_filename
from .register import Project, funding
from .spec import TemplateSpec

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MISTAKES = ("be_year", "thai_digits", "amount_text", "english_status", "falling", "over_budget")


def _rng(*parts) -> random.Random:
    return random.Random("|".join(map(str, parts)))


def plan(project: Project) -> tuple[list[Decimal], list[Decimal]]:
    """A project's honest cumulative progress and monthly disbursement for reports 1..12."""
    rng = _rng("plan", project.code)
    money = funding(project)
    budget, start, goal = money.available, money.start_progress, _year_goal(project)
    weights = [rng.uniform(0.5, 1.5) for _ in range(12)]
    total = sum(weights)
    progress, acc = [], 0.0
    for w in weights:
        acc += w / total
        progress.append(min(goal, start + (goal - start) * Decimal(str(round(acc, 4)))).quantize(Decimal(1)))
    progress[-1] = goal
    if _rng("stalled", project.code).random() < 0.06:        # stuck after report 2, and says "on plan"
        progress = progress[:2] + [progress[1]] * 10
    spend_share = Decimal(str(rng.uniform(0.7, 0.98)))
    paid = [(budget * spend_share * Decimal(str(w / total))).quantize(Decimal("1")) for w in weights]
    return progress, paid


def _year_goal(project: Project) -> Decimal:
    """Where an honest project stands at the fiscal year's end: done when it ends in the year,
    else the share of its span elapsed by then (a multi-year project is not done this year)."""
    first, last = fiscal_bounds(int(project["fiscal_year"]))
    start, end = project["start_date"], project["end_date"]
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)) or end <= last or end <= start:
        return Decimal(100)
    share = Decimal((last - start).days) / Decimal((end - start).days)
    return max(funding(project).start_progress, min(Decimal(100), (share * 100).quantize(Decimal(1))))


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


def ledger_rows(project: Project, spec: TemplateSpec, month: int) -> list[tuple]:
    """The values of `fill` as the ledger holds them (ledger.value_rows' shape): the project code, then
    each report's values read as the reader reads them (None where it could not)."""
    from .values import Unreadable, parse_typed
    rows: list[tuple] = [(0, "project_code", project.code, project.code, spec.sheets["project"],
                          spec.field("project_code").cell, None)]
    for k, row in fill(project, spec, month).items():
        for key, raw in row.items():
            try:
                value = parse_typed(spec.field(key).type, raw).value
            except Unreadable:
                value = None
            rows.append((k, key, value, str(raw), spec.sheets["monthly"], spec.monthly_cell(key, k), None))
    return rows


def received_at(project: Project, month: int, fy: int) -> str:
    start, _ = month_bounds(fy, month)
    rng = _rng("received", project.code, month)
    day = rng.randint(22, 28) if rng.random() > 0.1 else (30 if start.month != 2 else 28)
    return dt.datetime(start.year, start.month, day, rng.randint(8, 17), rng.randint(0, 59)).isoformat()


def simulate_month(spec: TemplateSpec, projects: list[Project], month: int, inbox: Path, *,
                   extras: bool = True, mail: Path | None = None) -> dict:
    """Month `month`'s files: each reporting project's workbook, plus the odd ones.

    Without `mail`, the files go straight into `inbox` with `.provenance.json` (what `collect` would
    write). With `mail`, the agencies reply by e-mail instead: one `.eml` per message in `mail`,
    written the way their clients do (Gmail-style RFC 2231 names, Outlook-style RFC 2047 names, a
    zip of several workbooks, a signature image), for `collect` to take apart."""
    files = []                                    # (name, bytes, sender, received_at)
    missing = []
    resubmitter = projects[len(projects) // 2] if extras and projects else None
    for project in projects:
        fy = int(project["fiscal_year"])
        if project is not resubmitter and _rng("missing", project.code, month).random() < 0.06:
            missing.append(project.code)
            continue
        buf = io.BytesIO()
        generate_workbook(spec, project, buf, reports=fill(project, spec, month))
        files.append((workbook_filename(project), buf.getvalue(), _sender(project), received_at(project, month, fy)))
    if resubmitter is not None:                   # extras asked for, and projects to make them from
        # a wrong file, then the corrected one a day later
        project = resubmitter
        fy = int(project["fiscal_year"])
        wrong = fill(project, spec, month)
        wrong[month]["progress"] = Decimal(150)
        buf = io.BytesIO()
        generate_workbook(spec, project, buf, reports=wrong)
        earlier = dt.datetime.fromisoformat(received_at(project, month, fy)) - dt.timedelta(days=1)
        files.append((f"ส่งครั้งแรก_{workbook_filename(project)}", buf.getvalue(), _sender(project), earlier.isoformat()))
        # a workbook cut short in transit, and one that is not ours
        buf = io.BytesIO()
        generate_workbook(spec, projects[0], buf, reports=fill(projects[0], spec, month))
        when = received_at(projects[0], month, int(projects[0]["fiscal_year"]))
        files.append(("ไฟล์เสีย_corrupt.xlsx", buf.getvalue()[:4096], _sender(projects[0]), when))
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        ws = wb.add_worksheet("Sheet1")
        ws.write_row(0, 0, ["โครงการ", "ความก้าวหน้า"])
        ws.write_row(1, 0, ["ซ่อมถนน", 40])
        wb.close()
        files.append(("สรุปงานของฉัน.xlsx", buf.getvalue(), "someone@example.com", when))
    if mail is not None:
        _write_mail(Path(mail), files, month)
    else:
        inbox = Path(inbox)
        inbox.mkdir(parents=True, exist_ok=True)
        for name, data, _, _ in files:
            (inbox / name).write_bytes(data)
        provenance = {name: {"sender": sender, "received_at": when} for name, _, sender, when in files}
        write_json(inbox / PROVENANCE, provenance)
    return {"written": [name for name, *_ in files if not name.startswith(("ส่งครั้งแรก_", "ไฟล์เสีย", "สรุปงาน"))],
            "missing": missing}


def _sender(project: Project) -> str:
    return project["responsible_email"] or project["agency_email"] or ""


XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SIGNATURE_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                              "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def outlook_attachment(name: str, data: bytes, subtype: str = XLSX_SUBTYPE):
    """A part the way Outlook writes it: RFC 2047 words inside quoted `name=` and `filename=`."""
    from email import encoders
    from email.header import Header
    from email.mime.base import MIMEBase
    word = Header(name, "utf-8").encode(linesep="")
    part = MIMEBase("application", subtype)
    part.set_payload(data)
    encoders.encode_base64(part)
    part.set_param("name", word)
    part.add_header("Content-Disposition", f'attachment; filename="{word}"')
    return part


def _write_mail(folder: Path, files, month: int) -> None:
    """Each sender's workbooks as the messages their mail clients write."""
    from email import policy
    from email.header import Header
    from email.message import EmailMessage
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.utils import format_datetime
    folder.mkdir(parents=True, exist_ok=True)
    by_sender: dict[tuple[str, str], list] = {}
    for name, data, sender, when in files:
        by_sender.setdefault((sender, when), []).append((name, data))
    body = "เรียน ผู้ประสานงาน\nขอส่งรายงานความก้าวหน้าประจำเดือนตามไฟล์แนบ\n\n-- \nส่งจากโทรศัพท์"
    for n, ((sender, when), items) in enumerate(sorted(by_sender.items())):
        rng = _rng("mail", sender, when, month)
        style = rng.choice(("gmail", "outlook", "zip" if len(items) > 1 or rng.random() < 0.3 else "gmail"))
        headers = {"From": sender, "To": "coordinator@bangkok.go.th",
                   "Subject": f"ส่งรายงานความก้าวหน้า ครั้งที่ {month}",
                   "Date": format_datetime(dt.datetime.fromisoformat(when).replace(tzinfo=BANGKOK)),
                   "Message-ID": f"<{month}.{n}.{hashlib.sha1(f'{sender}|{when}'.encode()).hexdigest()[:12]}"
                                 f"@mail.bangkok.go.th>"}
        if style == "outlook":                 # Outlook: compat32 MIME, RFC 2047 everywhere
            outlook = MIMEMultipart()
            for key, value in headers.items():
                # typeshed types a compat32 header as str only; a Header folds the way Outlook does
                outlook[key] = Header(value, "utf-8") if key == "Subject" else value  # type: ignore[assignment]
            outlook.attach(MIMEText(body, "plain", "utf-8"))
            for name, data in items:
                outlook.attach(outlook_attachment(name, data))
            data = outlook.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))
        else:                                  # Gmail, Thunderbird: RFC 2231 names; or a zip of them all
            msg = EmailMessage()
            for key, value in headers.items():
                msg[key] = value
            msg.set_content(body)
            if style == "zip":
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                    for name, blob in items:
                        zf.writestr(name, blob)
                msg.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename="รายงาน.zip")
            else:
                for name, blob in items:
                    msg.add_attachment(blob, maintype="application", subtype=XLSX_SUBTYPE, filename=name)
            if rng.random() < 0.3:
                msg.add_attachment(SIGNATURE_PNG, maintype="image", subtype="png", filename="ลายเซ็น.png")
            data = msg.as_bytes()
        (folder / f"{month:02d}-{n:04d}.eml").write_bytes(data)
