"""collect's messages: MIME (.eml, mbox, Maildir) parsed from a file, attachments decoded block by
block; Outlook `.msg` files read with python-oxmsg. Names, senders and times come out as the sender
wrote them; what is a file and what is a path is collect's business, not this module's.
"""
from __future__ import annotations

import binascii
import email.header
import email.parser
import email.policy
import email.utils
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from .fiscal import BANGKOK

DECODE_BLOCK = 1 << 20               # base64 text decoded this much at a time (a 50 MiB attachment is not held twice)
EMBEDDED_MESSAGE = "__substg1.0_3701000D"   # an Outlook "attach item": the attached message's own storage
EMBEDDED_HEADER = 24                 # its properties stream has a shorter header than a top-level message's
ATTACH_BY_VALUE, ATTACH_EMBEDDED = 1, 5
PID_INTERNET_MESSAGE_ID = 0x1035
BASE64_LINE = re.compile(rb"[A-Za-z0-9+/]{40,}={0,2}\r?\n")     # a full line of a base64 body
BASE64_CTE = re.compile(rb"content-transfer-encoding:[ \t]*base64[ \t]*\r?\n", re.I)
NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
TOKEN = re.compile(r"PXLRUN[0-9A-F]{12}N[0-9]{6}")


@dataclass(frozen=True)
class Envelope:
    """Where a file came from: the message that carried it, if any."""
    origin: str
    sender: str = ""
    received_at: str = ""
    message_id: str = ""
    subject: str = ""


def unmangle(name: str) -> str:
    """Raw 8-bit bytes in a header or a zip entry (TIS-620 from old Thai clients) back into text."""
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        raw = name.encode("utf-8", "surrogateescape")
        for encoding in ("utf-8", "cp874"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        return raw.decode("utf-8", "replace")
    return name


def bangkok_time(when) -> str:
    """An aware or naive datetime as Bangkok wall-clock time, ISO, to the second."""
    when = when.astimezone(BANGKOK) if when.tzinfo else when
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


# -- MIME ------------------------------------------------------------------------------------------
class Parsed:
    """A message parsed from its file, its long base64 bodies set aside (`runs`: token -> file)."""

    def __init__(self, msg, runs: dict[str, Path]):
        self.msg, self.runs = msg, runs

    def discard(self) -> None:
        for path in self.runs.values():
            path.unlink(missing_ok=True)


def parse_message(fh: BinaryIO, spill) -> Parsed:
    """A message parsed from a file object, line by line. The email package keeps a part's body as
    a list of lines and then joins them (about 2.7 times the body in memory at once), so each run of
    base64 lines in a part that declares base64 is written aside through `spill()` (a new file:
    `.write`, `.close`, `.path`) and the parser sees one token line in its place; `write_payload`
    decodes the run from its file. A 50 MiB message parses in a few MiB."""
    parser = email.parser.BytesFeedParser(policy=email.policy.default)
    runs: dict[str, Path] = {}
    try:
        for line in _set_aside(fh, spill, runs):
            parser.feed(line)
        return Parsed(parser.close(), runs)
    except BaseException:
        Parsed(None, runs).discard()
        raise


def _set_aside(fh: BinaryIO, spill, runs: dict[str, Path]):
    """The message's lines, with each run of base64 lines inside a base64 body replaced by a token.
    Header blocks are told apart from bodies by the blank line that ends them and the `--` of a
    boundary that starts the next part (a base64 line never starts with `-`)."""
    headers, base64_body, declared = True, False, False
    run = None
    nonce = secrets.token_hex(6).upper()
    while line := fh.readline(DECODE_BLOCK):
        if not headers and base64_body and BASE64_LINE.fullmatch(line):
            if run is None:
                token = f"PXLRUN{nonce}N{len(runs):06d}"
                run = spill()
                runs[token] = run.path
                yield token.encode("ascii") + b"\n"
            run.write(line)
            continue
        if run is not None:
            run.close()
            run = None
        if headers and line in (b"\n", b"\r\n"):
            headers, base64_body, declared = False, declared, False
        elif headers and BASE64_CTE.match(line):
            declared = True
        elif not headers and line.startswith(b"--"):
            headers, declared = True, False
        yield line
    if run is not None:
        run.close()


def envelope(msg, origin: str) -> Envelope:
    def header(key: str) -> str:
        try:
            return unmangle(str(msg.get(key, "") or "")).strip()
        except Exception:  # noqa: BLE001 - a malformed header: left out, the file is still collected
            return ""
    sender = email.utils.parseaddr(header("From"))[1].lower()
    received = ""
    date = header("Date")
    if date:
        try:
            received = bangkok_time(email.utils.parsedate_to_datetime(date))
        except (TypeError, ValueError, IndexError, OverflowError):
            received = ""
    return Envelope(origin, sender, received, header("Message-ID"), header("Subject"))


def file_parts(msg):
    """(part, name) of every part that is a file; a forwarded message's parts are visited too."""
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        name = _filename(part)
        if ctype == "message/rfc822" or (name is None and ctype.startswith("text/")):
            continue                    # the body, or a forwarded message (walk() already visits its parts)
        yield part, name or f"attachment{_guess_suffix(ctype)}"


class Sink(Protocol):
    """Where decoded bytes go: a file, or the spool's file that hashes them as they are written."""
    def write(self, data: bytes, /) -> object: ...


def write_payload(parsed: Parsed, part, out: Sink) -> None:
    """The part's decoded bytes into `out`; base64 (nearly every attachment) block by block, the
    runs set aside read back from their files."""
    cte = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    payload = part.get_payload()
    if cte == "base64" and isinstance(payload, str):
        _decode_base64(_base64_text(payload, parsed.runs), out)
        return
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        out.write(data)


def _base64_text(payload: str, runs: dict[str, Path]):
    """The part's base64 text in blocks (bytes): its own text, each token replaced by its run."""
    pos = 0
    for found in TOKEN.finditer(payload):
        yield payload[pos:found.start()].encode("ascii", "ignore")
        with open(runs[found[0]], "rb") as fh:
            while block := fh.read(DECODE_BLOCK):
                yield block
        pos = found.end()
    for start in range(pos, len(payload), DECODE_BLOCK):
        yield payload[start:start + DECODE_BLOCK].encode("ascii", "ignore")


def _decode_base64(blocks, out: Sink) -> None:
    """Like the email package's lenient decoding (characters outside the alphabet ignored, missing
    padding added), a block at a time, carrying what does not fill a quantum to the next block."""
    rest = b""
    for text in blocks:
        block = rest + NOT_BASE64.sub(b"", text)
        cut = len(block) - len(block) % 4
        out.write(binascii.a2b_base64(block[:cut]))
        rest = block[cut:]
    if len(rest) > 1:                           # one lone character carries no whole byte
        out.write(binascii.a2b_base64(rest + b"=" * (-len(rest) % 4)))


def _filename(part) -> str | None:
    """The attachment's name: RFC 2231 and RFC 2047 through the parser; raw 8-bit bytes (an old Thai
    client writing TIS-620 straight into the header) from the header as it came."""
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - an unparseable parameter: try the raw header
        name = None
    if name is None or "\ufffd" in name:
        for key, value in part.raw_items():
            if key.lower() in ("content-disposition", "content-type"):
                found = re.search(r'\bfile(?:name)?\s*=\s*"?([^";\r\n]+)|\bname\s*=\s*"?([^";\r\n]+)', str(value))
                if found and any("\udc80" <= ch <= "\udcff" for ch in (found[1] or found[2])):
                    return unmangle(found[1] or found[2])
    return name


def _guess_suffix(ctype: str) -> str:
    return {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
            "application/vnd.ms-excel": ".xls", "application/zip": ".zip",
            "application/vnd.ms-outlook": ".msg"}.get(ctype, ".bin")


# -- Outlook .msg ----------------------------------------------------------------------------------
@dataclass
class Outlook:
    """One Outlook message, read whole: its envelope, the files attached by value, the messages
    attached as items (each an Outlook of its own) and what could not be taken (by reference)."""
    envelope: Envelope
    files: list[tuple[str, bytes]] = field(default_factory=list)
    items: list["Outlook"] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class OutlookError(Exception):
    """python-oxmsg could not read the message: the reason, for one line."""


def read_outlook(source: str | bytes, origin: str) -> Outlook:
    """An Outlook `.msg` (a path or its bytes) read with python-oxmsg. Whatever python-oxmsg raises
    on a damaged file (it is young; a fuzzed file gives KeyError) is one OutlookError."""
    from oxmsg import Message
    try:
        return _outlook(Message.load(source), origin)
    except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile input: any failure is one line
        raise OutlookError(f"{type(exc).__name__}: {exc}"[:120]) from None


def _embedded(storage):
    from oxmsg import Message
    from oxmsg.properties import Properties
    from oxmsg.util import lazyproperty

    class Embedded(Message):
        @lazyproperty
        def _properties(self):
            return Properties(self._storage, properties_header_offset=EMBEDDED_HEADER)
    return Embedded(storage)


def _outlook(msg, origin: str) -> Outlook:
    found = Outlook(_outlook_envelope(msg, origin))
    for n, att in enumerate(msg.attachments, 1):
        method = att.properties.int_prop_value(0x3705)
        name = att.file_name or att.properties.str_prop_value(0x3704) or f"attachment{n}.bin"
        if method == ATTACH_EMBEDDED:
            inner = [s for s in att._storage.storages if s.name == EMBEDDED_MESSAGE]
            found.items.extend(_outlook(_embedded(s), f"{origin} › {n}") for s in inner)
        elif method == ATTACH_BY_VALUE and att.file_bytes is not None:
            found.files.append((name, att.file_bytes))
        else:
            found.links.append(name)
    return found


def _outlook_envelope(msg, origin: str) -> Envelope:
    headers = msg.message_headers
    sender = email.utils.parseaddr(msg.sender or "")[1].lower()
    when = msg.sent_date
    received = bangkok_time(when) if when else ""
    if not received and headers.get("Date"):
        try:
            received = bangkok_time(email.utils.parsedate_to_datetime(headers["Date"]))
        except (TypeError, ValueError, IndexError, OverflowError):
            received = ""
    message_id = headers.get("Message-ID") or msg.properties.str_prop_value(PID_INTERNET_MESSAGE_ID) or ""
    subject = (msg.subject or "").replace("\x00", "").strip()
    return Envelope(origin, sender, received, str(message_id).strip(), subject)
