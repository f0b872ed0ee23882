"""imap: the coordinator's mailbox over IMAP -> one `.eml` file per new message, for `collect`.

The folder is opened read-only (EXAMINE) and every message read with BODY.PEEK, so nothing on the
server is flagged, moved or deleted. Each message is fetched once: the state file remembers the
folder's UIDVALIDITY and the UIDs taken, and the Message-ID and sha256 of every message saved, so a
rebuilt mailbox (a new UIDVALIDITY, the same messages under new UIDs) brings nothing twice. A
message is fetched in pieces and written as they arrive: a month of mail is never held in memory.
The password comes only from PROGRESS_XL_IMAP_PASSWORD.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.parser
import email.policy
import hashlib
import imaplib
import ipaddress
import os
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from .collect import safe_name
from .files import atomic_write, read_json, write_json
from .issues import Issue, ProgressXLError, issue

PASSWORD_ENV = "PROGRESS_XL_IMAP_PASSWORD"
SECURITY = ("ssl", "starttls", "plain")
CHUNK = 1 << 20           # a message arrives in pieces of 1 MiB, each written before the next is asked for
HEADER_BATCH = 200        # Message-IDs asked for this many messages at a time
SAVE_EVERY = 50           # the state is written after this many messages (and at the end, whatever happens)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: what a broken session raises: the server's protocol errors, the network's and TLS's; a local disk
#: error (an OSError that is none of these) is the machine's and propagates
NETWORK_ERRORS = (imaplib.IMAP4.error, ConnectionError, TimeoutError, ssl.SSLError)


@dataclass(frozen=True)
class ImapSettings:
    """Where the mailbox is. `port` None: 993 for ssl, 143 otherwise; `ca_file`: the CA (or the
    self-signed certificate) to trust instead of the system's; `since`: messages that arrived on or
    after that day (the server's arrival date)."""
    host: str
    user: str
    port: int | None = None
    security: str = "ssl"
    ca_file: Path | None = None
    folder: str = "INBOX"
    since: dt.date | None = None
    timeout: float = 60.0

    def __post_init__(self):
        if self.security not in SECURITY:
            raise ValueError(f"security must be one of {SECURITY}, not {self.security!r}")

    @property
    def port_number(self) -> int:
        return self.port or (993 if self.security == "ssl" else 143)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port_number}"

    @property
    def label(self) -> str:
        """What each line about this mailbox starts with."""
        return f"imap://{self.user}@{self.server}/{self.folder}"


@dataclass
class Fetched:
    settings: ImapSettings
    saved: list[Path] = field(default_factory=list)      # the new .eml files, in UID order
    known: int = 0                                       # on the server, fetched by an earlier run
    skipped: list[Issue] = field(default_factory=list)   # messages that could not be fetched (C014)

    def summary(self) -> Issue:
        s = self.settings
        return issue("C017", file=s.label, server=s.server, folder=s.folder, new=f"{len(self.saved):,}",
                     known=f"{self.known:,}", skipped=f"{len(self.skipped):,}")


def fetch(settings: ImapSettings, into: Path, state: Path) -> Fetched:
    """Every message of the folder not fetched before into `into` as `<folder>-<UIDVALIDITY>-<UID>.eml`.

    Raises:
        ProgressXLError: one line when the run cannot go on (no password, no connection, an untrusted
            certificate, a refused login, no such folder, a broken session).
    """
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        raise _fail("C008", settings, env=PASSWORD_ENV)
    if settings.security == "plain" and not _loopback(settings.host):
        raise _fail("C016", settings)
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    result = Fetched(settings)
    box = _Mailbox(settings, password)
    try:
        memory = _State(Path(state), f"{settings.user}@{settings.server}/{settings.folder}")
        memory.begin(box.open())
        try:
            _fetch_new(box, memory, into, result)
        finally:
            memory.save()
    except NETWORK_ERRORS as exc:
        raise _fail("C015", settings, reason=_reason(exc)) from None
    finally:
        box.close()
    return result


def _fetch_new(box: "_Mailbox", memory: "_State", into: Path, result: Fetched) -> None:
    found = _search(box.session, result.settings.since)
    new = [uid for uid in found if uid not in memory.uids]
    result.known += len(found) - len(new)
    heads = _message_ids(box, new)
    for n, uid in enumerate(new, 1):
        if memory.knows(message_id=heads.get(uid)):
            memory.remember(uid)
            result.known += 1
            continue
        target = into / safe_name(f"{result.settings.folder.replace('/', '_')}-{memory.uidvalidity}-{uid:06d}.eml")
        try:
            sha, message_id = _download(box.session, uid, target, memory)
        except (_Unfetchable, imaplib.IMAP4.abort) as exc:
            result.skipped.append(issue("C014", file=result.settings.label, uid=uid, reason=_reason(exc)))
            if isinstance(exc, imaplib.IMAP4.abort):       # the server hung up over this message
                box.reopen()
            continue
        except _Duplicate:
            memory.remember(uid)
            result.known += 1
            continue
        box.failures = 0
        memory.remember(uid, sha=sha, message_id=message_id, file=target.name)
        result.saved.append(target)
        if n % SAVE_EVERY == 0:
            memory.save()


# -- the session ---------------------------------------------------------------------------------
def _fail(code: str, settings: ImapSettings, **context) -> ProgressXLError:
    return ProgressXLError([issue(code, file=settings.label, server=settings.server, **context)])


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reason(exc: BaseException) -> str:
    """The server's or the system's words, without the exception's name."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        text = exc.verify_message or exc.reason
    elif isinstance(exc, ssl.SSLError):
        text = exc.reason or str(exc)
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    # imaplib quotes a bad answer as Python shows bytes (unexpected response: b'HTTP/1.1 400 ...'): the words
    text = re.sub(r"""\bb(['"])(.*?)\1""", r"\2", str(text or ""))
    return " ".join((text or "no answer").split())[:160]


def _said(data: list | None, default: str) -> str:
    """The server's text of a NO answer."""
    words = [d for d in data or [] if isinstance(d, bytes)]
    return _reason(imaplib.IMAP4.error(words[-1] if words else default))


class _Mailbox:
    """The session on the folder. Some servers hang up over one message they cannot read (Dovecot
    answers an unreadable file with BYE): the session is then opened again, at most MAX_REOPEN times
    in a row, on the same UIDVALIDITY, and the run goes on with the next message."""
    MAX_REOPEN = 3

    def __init__(self, settings: ImapSettings, password: str):
        self.settings, self.password = settings, password
        self.imap: imaplib.IMAP4 | None = None
        self.uidvalidity = ""
        self.failures = 0

    @property
    def session(self) -> imaplib.IMAP4:
        assert self.imap is not None, "used between open() and close()"
        return self.imap

    def open(self) -> str:
        """Connected, logged in, the folder selected read-only: its UIDVALIDITY."""
        self.imap = _connect(self.settings)
        _login(self.imap, self.settings, self.password)
        uidvalidity = _select(self.imap, self.settings)
        self.uidvalidity = self.uidvalidity or uidvalidity
        return uidvalidity

    def reopen(self) -> None:
        self.close()
        self.failures += 1
        if self.failures > self.MAX_REOPEN:
            raise imaplib.IMAP4.abort(f"the server hung up {self.failures} times in a row")
        if self.open() != self.uidvalidity:
            raise imaplib.IMAP4.abort(f"the folder {self.settings.folder} was rebuilt while it was read")

    def close(self) -> None:
        if self.imap is None:
            return
        try:
            self.imap.logout()
        except (*NETWORK_ERRORS, OSError):
            with contextlib.suppress(OSError):
                self.imap.shutdown()
        self.imap = None


def _tls_context(settings: ImapSettings) -> ssl.SSLContext:
    """The system's trusted CAs, or only `ca_file` when it is given; verification is never turned off."""
    cafile = str(settings.ca_file) if settings.ca_file else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise _fail("C011", settings, reason=f"ca_file {cafile}: {_reason(exc)}") from None


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    context = None if settings.security == "plain" else _tls_context(settings)
    host, port = settings.host, settings.port_number
    imap: imaplib.IMAP4
    try:
        if settings.security == "ssl":
            imap = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=settings.timeout)
        else:
            imap = imaplib.IMAP4(host, port, timeout=settings.timeout)
    except ssl.SSLCertVerificationError as exc:
        raise _fail("C010", settings, reason=_reason(exc)) from None
    except ssl.SSLError as exc:
        raise _fail("C011", settings, reason=_reason(exc)) from None
    except OSError as exc:
        raise _fail("C009", settings, reason=_reason(exc)) from None
    except imaplib.IMAP4.error as exc:
        raise _fail("C015", settings, reason=_reason(exc)) from None
    if settings.security == "starttls":
        assert context is not None          # made above for every security but plain
        _starttls(imap, settings, context)
    return imap


def _starttls(imap: imaplib.IMAP4, settings: ImapSettings, context: ssl.SSLContext) -> None:
    try:
        imap.starttls(context)
        return
    except ssl.SSLCertVerificationError as exc:
        problem = _fail("C010", settings, reason=_reason(exc))
    except (imaplib.IMAP4.error, OSError) as exc:      # no STARTTLS offered, the handshake failed
        problem = _fail("C011", settings, reason=_reason(exc))
    with contextlib.suppress(OSError):
        imap.shutdown()
    raise problem


def _login(imap: imaplib.IMAP4, settings: ImapSettings, password: str) -> None:
    try:
        if (settings.user + password).isascii():
            imap.login(settings.user, password)
        else:      # IMAP LOGIN carries ASCII only; SASL PLAIN carries UTF-8 (RFC 4616)
            imap.authenticate("PLAIN", lambda _: f"\0{settings.user}\0{password}".encode("utf-8"))
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        raise _fail("C012", settings, user=settings.user, reason=_reason(exc)) from None


# -- the folder ----------------------------------------------------------------------------------
def _quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string, in modified UTF-7 (RFC 3501 5.1.3: '&' opens a run of
    UTF-16 in base64 with ',' for '/'; the standard library has no codec for it)."""
    out: list[str] = []
    run: list[str] = []

    def flush():
        if run:
            b64 = base64.b64encode("".join(run).encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
            out.append("&" + b64.decode("ascii") + "-")
            run.clear()
    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    text = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _unquoted(name: str) -> str:
    """A mailbox name from LIST back into text."""
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")

    def decode(m: re.Match) -> str:
        if not m[1]:
            return "&"
        b64 = m[1].replace(",", "/")
        return base64.b64decode(b64 + "=" * (-len(b64) % 4)).decode("utf-16-be", "replace")
    try:
        return re.sub(r"&([A-Za-z0-9+,]*)-", decode, name)
    except ValueError:
        return name


def _select(imap: imaplib.IMAP4, settings: ImapSettings) -> str:
    """EXAMINE the folder (read-only: reading marks nothing \\Seen); its UIDVALIDITY."""
    typ, _ = imap.select(_quoted(settings.folder), readonly=True)
    if typ != "OK":
        raise _fail("C013", settings, folder=settings.folder, folders=", ".join(_folders(imap)) or "-")
    _, value = imap.response("UIDVALIDITY")
    if not value or not value[0]:
        raise imaplib.IMAP4.error(f"no UIDVALIDITY for {settings.folder}")
    return value[0].decode("ascii")


def _folders(imap: imaplib.IMAP4) -> list[str]:
    typ, data = imap.list()
    names = []
    for item in data if typ == "OK" else []:
        line, literal = item if isinstance(item, tuple) else (item or b"", None)
        found = re.match(rb'\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$', line)
        if found and b"\\noselect" not in found["flags"].lower():     # a name sent as a literal comes apart
            names.append(_unquoted((literal or found["name"]).decode("utf-8", "replace")))
    return sorted(names)[:40]


def _search(imap: imaplib.IMAP4, since: dt.date | None) -> list[int]:
    # SEARCH dates are always English month abbreviations, whatever the locale
    criteria = ("SINCE", f"{since.day}-{MONTHS[since.month - 1]}-{since.year}") if since else ("ALL",)
    typ, data = imap.uid("SEARCH", *criteria)
    if typ != "OK":
        raise imaplib.IMAP4.error(_said(data, "SEARCH failed"))
    return sorted({int(x) for x in b" ".join(d for d in data if d).split()})


# -- the messages --------------------------------------------------------------------------------
class _Unfetchable(Exception):
    """This message only: the server would not hand it over (the reason is the server's)."""


class _Duplicate(Exception):
    """The bytes or the Message-ID of a message already fetched: its file is not kept."""


def _records(data: list) -> list[tuple[bytes, list[bytes]]]:
    """imaplib's FETCH data as (the response's text, its literals) per message: a tuple holds text
    and the literal after it, the bytes that follow a literal (b')' or b' UID 7)') carry on the text."""
    records: list[tuple[bytearray, list[bytes]]] = []
    for item in data:
        text, literal = item if isinstance(item, tuple) else (item or b"", None)
        if not records or re.match(rb"\d+ \(", text):
            records.append((bytearray(), []))
        records[-1][0].extend(text + b" ")
        if literal is not None:
            records[-1][1].append(literal)
    return [(bytes(text), literals) for text, literals in records]


def _uid_of(text: bytes) -> int | None:
    found = re.search(rb"\bUID (\d+)", text)
    return int(found[1]) if found else None


def _message_id(header: bytes) -> str:
    msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(header)
    return " ".join(str(msg.get("Message-ID", "") or "").split())


def _message_ids(box: _Mailbox, uids: list[int]) -> dict[int, str]:
    """UID -> Message-ID of the messages the server answers for (a message it will not read is
    left out here and skipped with its reason when it is downloaded)."""
    out = {}
    for start in range(0, len(uids), HEADER_BATCH):
        batch = uids[start:start + HEADER_BATCH]
        try:
            _, data = box.session.uid("FETCH", ",".join(map(str, batch)), "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        except imaplib.IMAP4.abort:       # hung up over one of them: each is looked at when it is downloaded
            box.reopen()
            continue
        for text, literals in _records(data or []):
            uid = _uid_of(text)
            if uid in batch and literals:
                out[uid] = _message_id(literals[0])
    return out


def _chunk(imap: imaplib.IMAP4, uid: int, offset: int) -> bytes:
    typ, data = imap.uid("FETCH", str(uid), f"(BODY.PEEK[]<{offset}.{CHUNK}>)")
    if typ != "OK":
        raise _Unfetchable(_said(data, "FETCH failed"))
    for text, literals in _records(data or []):
        if _uid_of(text) == uid:
            return literals[0] if literals else b""
    raise _Unfetchable("the message is no longer on the server")


def _download(imap: imaplib.IMAP4, uid: int, target: Path, memory: "_State") -> tuple[str, str]:
    """The message written to `target` piece by piece; (sha256, Message-ID). Raises _Duplicate
    (nothing written) when the bytes or the Message-ID were fetched before."""
    digest, offset, message_id = hashlib.sha256(), 0, ""
    with atomic_write(target) as fh:
        while True:
            piece = _chunk(imap, uid, offset)
            if offset == 0:
                message_id = _message_id(piece)
            fh.write(piece)
            digest.update(piece)
            offset += len(piece)
            if len(piece) < CHUNK:
                break
        if memory.knows(sha=digest.hexdigest(), message_id=message_id):
            raise _Duplicate
    return digest.hexdigest(), message_id


# -- what was fetched before ---------------------------------------------------------------------
class _State:
    """The state file: per mailbox its UIDVALIDITY and the UIDs taken; per message saved (by sha256)
    its Message-ID, file, mailbox and UID."""

    def __init__(self, path: Path, mailbox: str):
        self.path, self.mailbox = path, mailbox
        data = read_json(path)
        # as the file has them: what a hand or another version wrote is checked where it is read
        self.boxes: dict[str, object] = data["mailboxes"] if isinstance(data.get("mailboxes"), dict) else {}
        self.messages: dict[str, object] = data["messages"] if isinstance(data.get("messages"), dict) else {}
        self.ids: set[str] = {m["message_id"] for m in self.messages.values()
                              if isinstance(m, dict) and m.get("message_id")}
        self.uidvalidity = ""
        self.uids: set[int] = set()

    def begin(self, uidvalidity: str) -> None:
        """The UIDs taken count only under the UIDVALIDITY they were taken under."""
        box = self.boxes.get(self.mailbox)
        taken = box.get("uids", []) if isinstance(box, dict) and box.get("uidvalidity") == uidvalidity else []
        self.uidvalidity = uidvalidity
        self.uids = {int(u) for u in taken if str(u).isdigit()}

    def knows(self, *, sha: str | None = None, message_id: str | None = None) -> bool:
        return bool(message_id and message_id in self.ids) or bool(sha and sha in self.messages)

    def remember(self, uid: int, *, sha: str | None = None, message_id: str = "", file: str = "") -> None:
        self.uids.add(uid)
        if sha:
            self.messages[sha] = {"message_id": message_id, "file": file, "mailbox": self.mailbox,
                                  "uidvalidity": self.uidvalidity, "uid": uid}
            if message_id:
                self.ids.add(message_id)

    def save(self) -> None:
        self.boxes[self.mailbox] = {"uidvalidity": self.uidvalidity, "uids": sorted(self.uids)}
        write_json(self.path, {"mailboxes": self.boxes, "messages": self.messages})
