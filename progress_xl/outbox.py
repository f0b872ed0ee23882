"""outbox: the coordinator's letters (letters.py) as ready-to-send `.eml` files, and sending them.

Attachment names are written both ways: RFC 2231 `filename*=` for modern clients and RFC 2047 words
in `name=` for Outlook, which otherwise shows `ATT00001.dat`. The messages are built with the
`compat32` MIME classes because the default policy re-folds a long encoded `name=` into a shape
Outlook does not read.

The same inputs give byte-identical files (the Message-ID is a digest of the content, the Date is
given), so a rerun never looks like a new message. `--send` records in `sent.json`, per Message-ID,
which addresses have the message: an address the server refused is tried again on the next `--send`,
alone, and nobody gets a message twice.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from decimal import Decimal
from email import encoders, policy
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser
from email.utils import format_datetime, getaddresses, parseaddr
from pathlib import Path
from typing import Protocol

from .files import atomic_write, read_json, write_json
from .fiscal import BANGKOK
from .issues import Issue, ProgressXLError, issue, render
from .letters import (KICKOFF, RECEIPT, REMINDER, RETURNED, Letter, Officer, ReplyRule, Sender,  # noqa: F401
                      calendar_period, kickoff_letters, month_letters, receipt_letters, reply_by)

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PASSWORD_ENV = "PROGRESS_XL_SMTP_PASSWORD"
SENT = "sent.json"
WIRE = policy.compat32.clone(linesep="\r\n")
PLACEHOLDER_TLDS = ("invalid", "example", "test", "localhost")      # RFC 2606: never a real mailbox
PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org")


def is_placeholder(address: str) -> bool:
    """True for an empty address or one at a reserved domain (`*.invalid`, `example.*`, `example.com`)."""
    mailbox = parseaddr(address or "")[1]
    domain = mailbox.rpartition("@")[2].lower().rstrip(".") if "@" in mailbox else ""
    labels = domain.split(".")
    return (not domain or labels[-1] in PLACEHOLDER_TLDS or labels[0] == "example"
            or any(domain == d or domain.endswith("." + d) for d in PLACEHOLDER_DOMAINS))


def sender_address(name: str, address: str) -> str:
    return Sender(address, name).header


def message(letter: Letter, sender: str | Sender, date: dt.datetime) -> MIMEMultipart:
    """The letter as a MIME message from `sender`, dated `date` in Bangkok time (+0700)."""
    header = sender.header if isinstance(sender, Sender) else sender
    msg = MIMEMultipart()
    msg["From"] = header
    msg["To"] = ", ".join(letter.to)
    if letter.cc:
        msg["Cc"] = ", ".join(letter.cc)
    # typeshed types a compat32 header as str only; a Header is what writes the RFC 2047 words
    msg["Subject"] = Header(letter.subject, "utf-8")  # type: ignore[assignment]
    msg["Date"] = format_datetime(date.astimezone(BANGKOK) if date.tzinfo else date.replace(tzinfo=BANGKOK))
    # Identity is the content, not the recipients: an address added to the register later gets the
    # same message (the same Message-ID) on the next --send, and the others do not get it again.
    digest = hashlib.sha256("\0".join([letter.kind, letter.agency, letter.period, letter.subject, letter.body,
                                       *letter.files, *(f"{n}:{hashlib.sha256(d).hexdigest()}"
                                                        for n, d in letter.attachments)])
                            .encode("utf-8")).hexdigest()[:24]
    domain = parseaddr(header)[1].rpartition("@")[2] or "progress-xl.invalid"
    msg["Message-ID"] = f"<{digest}.{letter.kind}.{letter.agency}@{domain}>"
    msg.set_boundary(f"=_px_{digest}")          # "=_" never occurs in base64 parts; fixed for reruns
    msg["X-Progress-XL"] = f"{letter.kind}; agency={letter.agency}" + (f"; period={letter.period}"
                                                                       if letter.period else "")
    if letter.files:
        msg["X-Progress-XL-Files"] = " ".join(letter.files)
    msg.attach(MIMEText(letter.body, "plain", "utf-8"))
    for name, data in letter.attachments:
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


# -- what the command writes ---------------------------------------------------------------------
def workbooks_by_code(folder: Path) -> dict[str, Path]:
    """Project code -> the generated workbook for it in `folder` (found by the code inside each file)."""
    from .read import project_code_of
    found: dict[str, Path] = {}
    for path in sorted(Path(folder).rglob("*.xlsx")):
        code = project_code_of(path)
        if code:
            found.setdefault(code, path)
    return found


def letters_of_month(projects, *, fy: int, month: int, run_dir: Path, ledger_path: Path | None, out_dir: Path,
                     written: dt.date, rule: ReplyRule, officer: Sender) -> list[Letter]:
    """The month's returned workbooks, refused files, reminders, and a receipt for every file not yet
    receipted (sent.json in `out_dir` says which were)."""
    from .ledger import Ledger
    with Ledger(ledger_path or Path(run_dir) / "ledger.sqlite") as ledger:
        letters = month_letters(projects, ledger=ledger, fy=fy, month=month, returned_dir=Path(run_dir) / "returned",
                                written=written, rule=rule, officer=officer)
        return letters + receipt_letters(ledger.submissions(fy, month), projects=projects, fy=fy, month=month,
                                         done=receipted(Path(out_dir) / SENT), officer=officer)


# -- writing -------------------------------------------------------------------------------------
@dataclass
class Written:
    path: Path
    letter: Letter
    message_id: str
    size: int


def write_outbox(letters: list[Letter], out_dir: Path, *, sender: str | Sender,
                 date: dt.datetime) -> tuple[list[Written], list[Issue]]:
    """One .eml per letter in OUT/<kind>/, written atomically; a letter without any address is an issue."""
    out_dir = Path(out_dir)
    written, problems = [], []
    for letter in letters:
        if not letter.to:
            problems.append(issue("S002", file=letter.filename, agency=f"{letter.agency} {letter.agency_name}"))
            continue
        data = message(letter, sender, date).as_bytes(policy=WIRE)
        target = out_dir / letter.kind / letter.filename
        with atomic_write(target) as fh:
            fh.write(data)
        written.append(Written(target, letter, Outgoing.of(target, data).message_id, len(data)))
    return written, problems


def listing(written: list[Written]) -> list[str]:
    """One line per message written: the file, to and cc, the attachments and the size."""
    lines = []
    for w in written:
        cc = f" cc {', '.join(w.letter.cc)}" if w.letter.cc else ""
        sized = render("W047", attachments=len(w.letter.attachments), size=Decimal(round(w.size / 1024)))
        lines.append(f"{w.path}: {', '.join(w.letter.to)}{cc} · {' / '.join(sized)}")
    return lines


# -- what went to whom: sent.json ------------------------------------------------------------------
class SentLog:
    """sent.json: per Message-ID the file, its recipients and those who have it; per received file
    (sha256) the receipt that answered it. Reads the first format too (Message-ID -> file, to, at),
    in which every address listed had the message."""

    def __init__(self, path: Path | None):
        self.path = Path(path) if path else None
        data = read_json(self.path) if self.path else {}
        if "messages" in data:
            self.messages, self.receipts = dict(data["messages"]), dict(data.get("receipts") or {})
        else:
            self.messages = {k: {**v, "delivered": list(v.get("to") or [])} for k, v in data.items()
                             if isinstance(v, dict)}
            self.receipts = {}

    def delivered(self, message_id: str) -> set[str]:
        return {a.lower() for a in (self.messages.get(message_id) or {}).get("delivered") or []}

    def record(self, out: "Outgoing", got: list[str]) -> None:
        had = (self.messages.get(out.message_id) or {}).get("delivered") or []
        delivered = sorted(set(had) | set(got), key=str.lower)
        self.messages[out.message_id] = {"file": out.path.name, "to": out.recipients, "delivered": delivered,
                                         "at": dt.datetime.now(BANGKOK).isoformat(timespec="seconds")}
        if not out.pending_after(self):
            for sha in out.files:
                self.receipts[sha] = out.message_id
        self.save()

    def save(self) -> None:
        if self.path:
            write_json(self.path, {"format": 2, "messages": self.messages, "receipts": self.receipts})


def receipted(path: Path) -> set[str]:
    """The sha256 of every received file whose receipt has reached its sender (from sent.json)."""
    return set(SentLog(path).receipts)


@dataclass
class Outgoing:
    path: Path
    data: bytes
    message_id: str
    mail_from: str
    recipients: list[str]
    files: tuple[str, ...]

    @classmethod
    def of(cls, path: Path, data: bytes) -> "Outgoing":
        # Headers through the email package: a Message-ID folded onto a second line (compat32 folds a
        # long one) is still the same key, so a rerun does not send the message again.
        head = BytesHeaderParser(policy=policy.default).parsebytes(data)
        message_id = str(head.get("Message-ID") or "").strip() or hashlib.sha256(data).hexdigest()
        rcpts = [a for _, a in getaddresses([str(v) for k in ("To", "Cc") for v in head.get_all(k, [])]) if a]
        files = tuple(str(head.get("X-Progress-XL-Files") or "").split())
        return cls(Path(path), data, message_id, parseaddr(str(head.get("From") or ""))[1],
                   list(dict.fromkeys(rcpts)), files)

    def pending_after(self, log: SentLog) -> list[str]:
        had = log.delivered(self.message_id)
        return [a for a in self.recipients if a.lower() not in had]


def recipients(data: bytes) -> tuple[str, list[str]]:
    """(sender, every To and Cc address) of a written .eml."""
    out = Outgoing.of(Path(""), data)
    return out.mail_from, out.recipients


# -- sending ---------------------------------------------------------------------------------------
@dataclass
class Delivery:
    sent: list[Path] = field(default_factory=list)      # every address has the message now
    partly: list[Path] = field(default_factory=list)    # some addresses refused it: tried again next --send
    unsent: list[Path] = field(default_factory=list)    # no address got it
    earlier: list[Path] = field(default_factory=list)   # every address had it from an earlier --send
    problems: list[Issue] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everything was delivered: nothing refused, nothing left unsent."""
        return not (self.partly or self.unsent or self.problems)


class _Stop(Exception):
    def __init__(self, found: Issue):
        self.issue = found
        super().__init__(str(found))


def send(paths: list[Path], *, host: str, port: int, starttls: bool, user: str | None, use_ssl: bool = False,
         timeout: float = 30, log: Path | None = None) -> Delivery:
    """Deliver the .eml files over SMTP: each address at most once per Message-ID (recorded in `log`);
    an address the server refused (4xx or 5xx) is reported and tried again, alone, next time."""
    result, sent_log = Delivery(), SentLog(log)
    todo = []
    for path in map(Path, paths):
        out = Outgoing.of(path, path.read_bytes())
        if out.pending_after(sent_log):
            todo.append(out)
        else:
            result.earlier.append(path)
    if not todo:
        return result
    password = os.environ.get(PASSWORD_ENV)
    if user and not password:
        result.problems.append(issue("S003", file=f"smtp://{user}@{host}:{port}", env=PASSWORD_ENV))
        result.unsent += [out.path for out in todo]
        return result
    done = 0
    try:
        with _session(host, port, starttls=starttls, use_ssl=use_ssl, user=user, password=password,
                      timeout=timeout) as smtp:
            for out in todo:
                _deliver(smtp, out, sent_log, result)
                done += 1
    except _Stop as stop:
        result.problems.append(stop.issue)
        result.unsent += [out.path for out in todo[done:]]
    except (OSError, smtplib.SMTPException) as exc:
        result.problems.append(smtp_issue(exc, host=host, port=port, user=user, timeout=timeout))
        result.unsent += [out.path for out in todo[done:]]
    return result


@contextlib.contextmanager
def _session(host, port, *, starttls, use_ssl, user, password, timeout):
    server = f"smtp://{host}:{port}"
    context = ssl.create_default_context()
    smtp = (smtplib.SMTP_SSL(host, port, timeout=timeout, context=context) if use_ssl
            else smtplib.SMTP(host, port, timeout=timeout))
    with smtp:
        smtp.ehlo()
        if starttls and not use_ssl:
            if not smtp.has_extn("starttls"):
                raise _Stop(issue("S008", file=server))
            smtp.starttls(context=context)
            smtp.ehlo()
        if user:
            if not smtp.has_extn("auth"):
                raise _Stop(issue("S014", file=server))
            smtp.login(user, password)
        yield smtp


def _deliver(smtp: smtplib.SMTP, out: Outgoing, log: SentLog, result: Delivery) -> None:
    pending = out.pending_after(log)
    try:
        refused = smtp.sendmail(out.mail_from, pending, out.data)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        result.problems.append(issue("S001", file=out.path.name, reason=_reply(exc.smtp_code, exc.smtp_error)))
        result.unsent.append(out.path)
        return
    got = [a for a in pending if a not in refused]
    log.record(out, got)
    for address in pending:
        if address in refused:
            code, text = refused[address]
            result.problems.append(issue("S004" if 400 <= code < 500 else "S005", file=out.path.name,
                                         address=address, reply=_reply(code, text)))
    if not refused:
        result.sent.append(out.path)
    elif got or len(pending) < len(out.recipients):
        result.partly.append(out.path)
    else:
        result.unsent.append(out.path)


def _reply(code, text) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text or "")
    return " ".join(f"{code} {text}".split())[:200]


def smtp_issue(exc: BaseException, *, host: str, port: int, user: str | None = None, timeout: float = 30) -> Issue:
    """One line for a failure of the SMTP conversation: what happened, in words, never the exception's name."""
    server = f"smtp://{host}:{port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return issue("S010", file=server, user=user or "", reply=_reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib turns a timeout while waiting for a reply into "disconnected"; the timeout is the cause
        if isinstance(exc.__context__, TimeoutError):
            return issue("S007", file=server, seconds=f"{timeout:g}")
        return issue("S012", file=server)
    if isinstance(exc, smtplib.SMTPResponseException):
        return issue("S013", file=server, reply=_reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc.strerror
        return issue("S009", file=server, reason=reason or "handshake")
    if isinstance(exc, ConnectionRefusedError):
        return issue("S006", file=server)
    if isinstance(exc, TimeoutError):
        return issue("S007", file=server, seconds=f"{timeout:g}")
    if isinstance(exc, socket.gaierror):
        return issue("S011", file=server, host=host)
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())
    return issue("S015", file=server, reason=reason[:160] or "-")


# -- the command -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmtpServer:
    """Where `--send` delivers; the password is read only from PASSWORD_ENV."""
    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    use_ssl: bool = False
    user: str | None = None


class Echo(Protocol):
    """Where a line for the user goes (click.echo): stdout, or stderr with `err`."""
    def __call__(self, message: str, *, err: bool = ...) -> object: ...


def run_outbox(projects: list, *, fy: int, out_dir: Path, officer: Sender, echo: Echo, date: dt.date | None = None,
               workbooks: Path | None = None, month: int | None = None, run_dir: Path | None = None,
               ledger_path: Path | None = None, rule: ReplyRule = ReplyRule(), server: SmtpServer | None = None) -> bool:
    """The kickoff letters (with the generated `workbooks`) and a month's letters (with `month` and its
    consolidate `run_dir`) written to `out_dir`, dated `date` at 09:00 Bangkok time (default: now), and
    delivered when a `server` is given; each line for the user goes to `echo`. True when every letter
    was written (and, with a server, delivered to every recipient).

    Raises:
        ProgressXLError: S016, delivery asked for from a placeholder sender address.
    """
    if is_placeholder(officer.address):
        if server:
            raise ProgressXLError([issue("S016", file="--from", address=officer.address)])
        echo(str(issue("S017", file="--from", address=officer.address)), err=True)
    when = dt.datetime.combine(date, dt.time(9, 0), tzinfo=BANGKOK) if date else dt.datetime.now(BANGKOK)
    letters = kickoff_letters(projects, workbooks_by_code(workbooks), fy, officer=officer) if workbooks else []
    if month:
        if run_dir is None:
            raise ValueError("a month's letters need the month's consolidate run folder")
        letters += letters_of_month(projects, fy=fy, month=month, run_dir=run_dir, ledger_path=ledger_path,
                                    out_dir=out_dir, written=when.date(), rule=rule, officer=officer)
    written, problems = write_outbox(letters, out_dir, sender=officer, date=when)
    for line in listing(written):
        echo(line)
    for problem in problems:
        echo(str(problem), err=True)
    if server is None:
        echo(" / ".join(render("S018", count=len(written), out=out_dir)))
        return not problems
    result = send([w.path for w in written], host=server.host, port=server.port, starttls=server.starttls,
                  user=server.user, use_ssl=server.use_ssl, log=Path(out_dir) / SENT)
    for problem in result.problems:
        echo(str(problem), err=True)
    echo(" / ".join(render("S019", sent=len(result.sent), partly=len(result.partly), unsent=len(result.unsent),
                           earlier=len(result.earlier), count=len(written), server=f"{server.host}:{server.port}")))
    return not problems and result.complete
