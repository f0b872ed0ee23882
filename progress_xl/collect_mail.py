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
from dataclasses import dataclass, field
from typing import BinaryIO

from .fiscal import BANGKOK

DECODE_BLOCK = 1 << 20               # base64 text decoded this much at a time (a 50 MiB attachment is not held twice)
EMBEDDED_MESSAGE = "__substg1.0_3701000D"   # an Outlook "attach item": the attached message's own storage
EMBEDDED_HEADER = 24                 # its properties stream has a shorter header than a top-level message's
ATTACH_BY_VALUE, ATTACH_EMBEDDED = 1, 5
PID_INTERNET_MESSAGE_ID = 0x1035


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
def parse_message(fh: BinaryIO):
    """A message parsed from a file object (the raw message is never held as one bytes object)."""
    return email.parser.BytesParser(policy=email.policy.default).parse(fh)


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


def write_payload(part, out: BinaryIO) -> None:
    """The part's decoded bytes into `out`; base64 (nearly every attachment) block by block."""
    cte = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    payload = part.get_payload()
    if cte == "base64" and isinstance(payload, str):
        _decode_base64(payload, out)
        return
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        out.write(data)


def _decode_base64(text: str, out: BinaryIO) -> None:
    """Like the email package's lenient decoding (characters outside the alphabet ignored, missing
    padding added), a block at a time, carrying what does not fill a quantum to the next block."""
    rest = b""
    for start in range(0, len(text), DECODE_BLOCK):
        block = rest + re.sub(rb"[^A-Za-z0-9+/]", b"", text[start:start + DECODE_BLOCK].encode("ascii", "ignore"))
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
