"""outbox: the coordinator's messages to each agency, as ready-to-send `.eml` files, and sending them.

Three kinds: the fiscal-year kickoff (the agency's blank workbooks attached), the returned workbooks
of a month (problems marked on the cells) with the files that were refused, and a reminder for the
projects that have not reported. Thai first, English beside it. Attachment names are written both
ways: RFC 2231 `filename*=` for modern clients and RFC 2047 words in `name=` for Outlook, which
otherwise shows `ATT00001.dat`. The messages are built with the `compat32` MIME classes because
the default policy re-folds a long encoded `name=` into a shape Outlook does not read.

The same inputs give byte-identical files (the Message-ID is a digest of the content, the Date is
given), so a rerun never looks like a new message; `--send` records what went out in `sent.json`
and never sends a Message-ID twice.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email import encoders, policy
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, getaddresses
from pathlib import Path

from .files import atomic_write, read_json, write_json
from .fiscal import format_be_long, month_bounds, month_label, month_label_en
from .issues import Issue, issue
from .register import Project
from .spec import load_spec

KICKOFF, RETURNED, REMINDER = "kickoff", "returned", "reminder"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PASSWORD_ENV = "PROGRESS_XL_SMTP_PASSWORD"
SENT = "sent.json"
MAX_FINDINGS_IN_BODY = 8
WIRE = policy.compat32.clone(linesep="\r\n")


@dataclass
class Letter:
    kind: str
    agency: str                  # agency code (the 8 digits of the project codes)
    agency_name: str
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.kind}_{self.agency}.eml"

    def message(self, sender: str, date: dt.datetime) -> MIMEMultipart:
        msg = MIMEMultipart()
        msg["From"] = sender
        msg["To"] = ", ".join(self.to)
        if self.cc:
            msg["Cc"] = ", ".join(self.cc)
        msg["Subject"] = Header(self.subject, "utf-8")
        msg["Date"] = format_datetime(date)
        digest = hashlib.sha256("\0".join([self.kind, self.agency, ",".join(self.to), self.subject, self.body,
                                           *(f"{n}:{hashlib.sha256(d).hexdigest()}" for n, d in self.attachments)])
                                .encode("utf-8")).hexdigest()[:24]
        domain = sender.rsplit("@", 1)[-1].strip("> ") or "progress-xl.invalid"
        msg["Message-ID"] = f"<{digest}.{self.kind}.{self.agency}@{domain}>"
        msg.set_boundary(f"=_px_{digest}")          # "=_" never occurs in base64 parts; fixed for reruns
        msg["X-Progress-XL"] = f"{self.kind}; agency={self.agency}"
        msg.attach(MIMEText(self.body, "plain", "utf-8"))
        for name, data in self.attachments:
            msg.attach(attachment(name, data))
        return msg


def attachment(name: str, data: bytes) -> MIMEBase:
    """A workbook part whose Thai name every client shows: RFC 2231 and an RFC 2047 fallback."""
    part = MIMEBase(*XLSX)
    part.set_payload(data)
    encoders.encode_base64(part)
    part.set_param("name", Header(name, "utf-8").encode(linesep="") if not name.isascii() else name)
    if name.isascii():
        part.add_header("Content-Disposition", "attachment", filename=name)
    else:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    return part


# -- who gets what -----------------------------------------------------------------------------
def _agencies(projects: list[Project]) -> dict[str, list[Project]]:
    out: dict[str, list[Project]] = {}
    for p in sorted(projects, key=lambda p: p.code):
        out.setdefault(p.agency_code, []).append(p)
    return out


def _addresses(projects: list[Project]) -> tuple[list[str], list[str]]:
    """To: the agency's address(es); Cc: the people responsible for the projects concerned."""
    to = sorted({p["agency_email"].strip() for p in projects if p["agency_email"]})
    cc = sorted({p["responsible_email"].strip() for p in projects if p["responsible_email"]} - set(to))
    return (to, cc) if to else (cc, [])


def _agency_name(projects: list[Project]) -> str:
    return projects[0]["agency"] or projects[0].agency_code


def _project_lines(projects) -> str:
    return "\n".join(f"  - {p.code}  {p['project_name']}" for p in projects)


SIGNATURE = ("ผู้ประสานงาน สำนักยุทธศาสตร์และประเมินผล (สยป.)\n"
             "Coordinator, Strategy and Evaluation Department\n"
             "(ข้อความนี้สร้างโดย progress_xl / generated by progress_xl)")


def kickoff_letters(projects: list[Project], workbooks: dict[str, Path], fy: int) -> list[Letter]:
    """One message per agency with its blank workbooks for fiscal year `fy`."""
    spec = load_spec()
    sheet, first, last = spec.sheets["monthly"], *spec.reporting_window
    letters = []
    for agency, group in _agencies(projects).items():
        to, cc = _addresses(group)
        files = [(workbooks[p.code].name, workbooks[p.code].read_bytes()) for p in group if p.code in workbooks]
        name = _agency_name(group)
        body = (f"เรียน {name}\n\n"
                f"ขอส่งแบบรายงานความก้าวหน้าโครงการ ปีงบประมาณ พ.ศ. {fy} จำนวน {len(files)} โครงการ ตามไฟล์แนบ "
                f"(หนึ่งไฟล์ต่อหนึ่งโครงการ)\n"
                f"กรุณากรอกรายงานในแผ่นงาน \"{sheet}\" ทุกเดือน แล้วส่งไฟล์เดิมกลับมาทางอีเมลนี้ "
                f"ระหว่างวันที่ {first}-{last} ของเดือน ไม่ต้องเปลี่ยนชื่อไฟล์หรือแผ่นงาน\n\n"
                f"{_project_lines(group)}\n\n"
                f"Dear {name},\n\n"
                f"Attached are the progress report workbooks for fiscal year {fy} (FY {fy - 543} CE), one per project "
                f"({len(files)}). Please fill in the sheet \"{sheet}\" every month and send the same file back to "
                f"this address between day {first} and day {last} of each month; there is no need to rename the file or its sheets.\n\n{SIGNATURE}\n")
        letters.append(Letter(KICKOFF, agency, name, to, cc,
                              f"แบบรายงานความก้าวหน้าโครงการ ปีงบประมาณ {fy} / progress report workbooks FY {fy}: {name}",
                              body, files))
    return letters


def _finding_lines(findings) -> str:
    shown = [f for f in findings if f[1] in ("error", "warning")]
    lines = [f"      {'ต้องแก้' if sev == 'error' else 'ตรวจสอบ'} / {'fix' if sev == 'error' else 'check'} "
             f"{(sheet + '!' + cell) if sheet and cell else (cell or '')}: {th} / {en}"
             for code, sev, sheet, cell, value, th, en in shown[:MAX_FINDINGS_IN_BODY]]
    if len(shown) > MAX_FINDINGS_IN_BODY:
        lines.append(f"      ... และอีก {len(shown) - MAX_FINDINGS_IN_BODY} รายการในไฟล์แนบ / "
                     f"and {len(shown) - MAX_FINDINGS_IN_BODY} more in the attachment")
    return "\n".join(lines)


def month_letters(projects: list[Project], *, ledger, fy: int, month: int, returned_dir: Path) -> list[Letter]:
    """The month's returned workbooks and refused files, and reminders for the projects not heard from."""
    from .consolidate import current_submissions
    from .returned import returned_name
    from .review import HAS_ISSUES, REJECTED
    label, label_en = month_label(fy, month), month_label_en(fy, month)
    due = format_be_long(month_bounds(fy, month)[1])
    current = current_submissions(ledger, fy, month)
    register = {p.code: p for p in projects}
    letters = []
    fixes: dict[str, list] = {}            # agency -> [(project, stored, findings, returned path)]
    refused: dict[str, list] = {}          # sender address -> [stored]
    for s in ledger.submissions(fy, month):
        if s.state == HAS_ISSUES and s.project_code in register and getattr(current.get(s.project_code), "id", None) == s.id:
            path = Path(returned_dir) / returned_name(s.name)
            fixes.setdefault(register[s.project_code].agency_code, []).append(
                (register[s.project_code], s, ledger.findings(s.id), path))
        elif s.state == REJECTED and s.source == "workbook":
            project = register.get(s.project_code or "")
            key = (project.agency_code if project else None) or (s.sender or "")
            refused.setdefault(key, []).append((project, s))
    groups = _agencies(projects)
    for agency in sorted(set(fixes) | {k for k in refused if k in groups}):
        group = groups[agency]
        items, bad = fixes.get(agency, []), refused.get(agency, [])
        to, cc = _addresses([p for p, *_ in items] + [p for p, _ in bad if p] or group)
        name = _agency_name(group)
        th = []
        for p, s, findings, path in items:
            th.append(f"  - {p.code} {p['project_name']}\n    ไฟล์ที่ส่ง / received: {s.name}\n{_finding_lines(findings)}")
        for p, s in bad:
            th.append(f"  - ไฟล์ {s.name}: ไม่รับ {s.reason_th or ''} / refused: {s.reason_en or ''}")
        body = (f"เรียน {name}\n\n"
                f"ผลการตรวจรายงานประจำเดือน {label} พบรายการที่ต้องแก้ไขหรือตรวจสอบ ตามรายการด้านล่าง "
                f"ในไฟล์แนบได้ระบายสีช่องที่มีปัญหาและมีคำอธิบายที่ช่องนั้น รวมทั้งแผ่นงาน \"ตรวจสอบ Checks\" "
                f"กรุณาแก้ไขในไฟล์แนบแล้วส่งกลับมาภายในวันที่ {due}\n\n"
                + "\n".join(th) +
                f"\n\nDear {name},\n\nThe reports for {label_en} above need a correction or a check. In the attached "
                f"workbooks each problem cell is coloured and carries a comment; the first sheet lists them all. "
                f"Please correct the attached files and send them back by {month_bounds(fy, month)[1].isoformat()}.\n\n"
                f"{SIGNATURE}\n")
        files = [(path.name, path.read_bytes()) for _, _, _, path in items if path.is_file()]
        letters.append(Letter(RETURNED, agency, name, to, cc,
                              f"แบบรายงานที่ต้องแก้ไข เดือน {label} / reports to correct, {label_en}: {name}", body, files))
    for sender in sorted(k for k in refused if k not in groups and k):
        lines = "\n".join(f"  - {s.name}: {s.reason_th or ''} / {s.reason_en or ''}" for _, s in refused[sender])
        body = (f"เรียน ผู้ส่ง\n\nไฟล์ที่ส่งมาสำหรับเดือน {label} ใช้ไม่ได้ด้วยเหตุผลด้านล่าง กรุณาใช้แบบรายงานที่ได้รับ "
                f"แล้วส่งใหม่\n\n{lines}\n\nThe files you sent for {label_en} could not be used, for the reasons "
                f"above. Please use the workbook you were sent and send it again.\n\n{SIGNATURE}\n")
        letters.append(Letter(RETURNED, _mailbox_key(sender), sender, [sender], [],
                              f"ไฟล์ที่ส่งมาใช้ไม่ได้ เดือน {label} / files refused, {label_en}", body))
    for agency, group in groups.items():
        missing = [p for p in group if p.code not in current]
        if not missing:
            continue
        to, cc = _addresses(missing)
        name = _agency_name(group)
        body = (f"เรียน {name}\n\n"
                f"ยังไม่ได้รับรายงานความก้าวหน้าประจำเดือน {label} ของโครงการต่อไปนี้ {len(missing)} โครงการ "
                f"กรุณากรอกในแบบรายงานเดิม (ที่มีรายงานเดือนก่อน ๆ) แล้วส่งกลับมาภายในวันที่ {due}\n\n"
                f"{_project_lines(missing)}\n\n"
                f"Dear {name},\n\nWe have not yet received the {label_en} progress report for the {len(missing)} "
                f"project(s) above. Please fill it in the workbook you have been using and send it back by "
                f"{month_bounds(fy, month)[1].isoformat()}.\n\n{SIGNATURE}\n")
        letters.append(Letter(REMINDER, agency, name, to, cc,
                              f"ติดตามรายงานความก้าวหน้า เดือน {label} / reminder: {label_en} reports: {name}", body))
    return letters


def _mailbox_key(address: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in address)[:60]


# -- writing and sending -----------------------------------------------------------------------
@dataclass
class Written:
    path: Path
    letter: Letter
    message_id: str
    size: int


def write_outbox(letters: list[Letter], out_dir: Path, *, sender: str, date: dt.datetime) -> tuple[list[Written], list[Issue]]:
    """One .eml per letter, written atomically; a letter without any address is an issue."""
    out_dir = Path(out_dir)
    written, problems = [], []
    for letter in letters:
        if not letter.to:
            problems.append(issue("S002", file=letter.filename, agency=f"{letter.agency} {letter.agency_name}"))
            continue
        data = letter.message(sender, date).as_bytes(policy=WIRE)
        target = out_dir / letter.kind / letter.filename
        with atomic_write(target) as fh:
            fh.write(data)
        message_id = _message_id(data)
        written.append(Written(target, letter, message_id, len(data)))
    return written, problems


def _message_id(data: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0]
    found = re.search(rb"^Message-ID: *(\S+)", head, re.M | re.I)
    return found[1].decode("ascii", "replace") if found else hashlib.sha256(data).hexdigest()


def recipients(data: bytes) -> tuple[str, list[str]]:
    """(sender, every To and Cc address) of a written .eml."""
    import email
    msg = email.message_from_bytes(data, policy=policy.default)
    rcpts = [addr for _, addr in getaddresses([str(v) for k in ("To", "Cc") for v in msg.get_all(k, [])]) if addr]
    return str(msg["From"]), rcpts


def send(paths: list[Path], *, host: str, port: int, starttls: bool, user: str | None, use_ssl: bool = False,
         timeout: float = 30, log: Path | None = None) -> tuple[list[Path], list[Issue]]:
    """Deliver the .eml files over SMTP; each Message-ID at most once (recorded in `log`)."""
    password = os.environ.get(PASSWORD_ENV)
    if user and not password:
        return [], [issue("S003", file=f"smtp://{user}@{host}:{port}", env=PASSWORD_ENV)]
    sent_log = read_json(log) if log else {}
    delivered, problems = [], []
    try:
        smtp_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
        with smtp_class(host, port, timeout=timeout) as smtp:
            if starttls and not use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if user:
                smtp.login(user, password)
            for path in paths:
                data = Path(path).read_bytes()
                message_id = _message_id(data)
                if message_id in sent_log:
                    continue
                sender, rcpts = recipients(data)
                try:
                    smtp.sendmail(getaddresses([sender])[0][1], rcpts, data)
                except smtplib.SMTPException as exc:
                    problems.append(issue("S001", file=Path(path).name, reason=str(exc)[:160]))
                    continue
                sent_log[message_id] = {"file": Path(path).name, "to": rcpts,
                                        "at": dt.datetime.now().isoformat(timespec="seconds")}
                delivered.append(Path(path))
                if log:
                    write_json(log, sent_log)
    except (OSError, smtplib.SMTPException) as exc:
        problems.append(issue("S001", file=f"smtp://{host}:{port}", reason=f"{type(exc).__name__}: {exc}"[:160]))
    return delivered, problems


def sender_address(name: str, address: str) -> str:
    return formataddr((name, address), charset="utf-8") if name else address
