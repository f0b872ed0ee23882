"""collect: workbooks out of mail exports, archives and folders -> one month's inbox + provenance.

Sources: loose files, folders, `.zip` bundles (nested, to a limited depth), `.eml` messages, mbox
files and Maildir folders. What a thing is comes from its bytes, never from its name or its
declared content type. Every spreadsheet found is saved into the inbox (the reader decides later
whether it is usable, and a rejected one is listed with its reason); everything else is skipped
with its reason. A name from a mail or an archive is never used as a path. The same bytes arriving
twice are saved once. `.provenance.json` beside the files says who sent each one, when, in which
message; `.collect.json` lists what was skipped.
"""
from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import hashlib
import io
import mailbox
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import olefile

from .files import read_json, write_json
from .fiscal import BANGKOK
from .issues import Issue, issue
from .read import project_code_of
from .workers import ordered_map
from .safety import MAX_FILE_BYTES, MAX_MEMBERS, MAX_TOTAL_BYTES

PROVENANCE = ".provenance.json"    # name -> sender, received_at, message_id, ...; consolidate reads it
SKIPPED = ".collect.json"
SPOOL = ".collecting"                 # what the walk found, until it is named and moved in
MAX_DEPTH = 3                     # archive in archive in archive, and no deeper
MAX_NAME_BYTES = 180              # leaves room for " (2)" and the temp-file prefix under 255 bytes
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\.|$)", re.I)


@dataclass(frozen=True)
class Envelope:
    """Where a file came from: the message that carried it, if any."""
    origin: str
    sender: str = ""
    received_at: str = ""
    message_id: str = ""
    subject: str = ""


@dataclass
class Collected:
    saved: list[dict] = field(default_factory=list)        # one dict per file written to the inbox
    duplicates: list[Issue] = field(default_factory=list)  # the same bytes seen again
    skipped: list[Issue] = field(default_factory=list)     # not a spreadsheet, unreadable source, ...

    def summary(self) -> str:
        s, d, k = len(self.saved), len(self.duplicates), len(self.skipped)
        return (f"รับไฟล์ใหม่ {s} ซ้ำ {d} ข้าม {k} / {s} new files, {d} duplicates, {k} skipped")


# -- names -------------------------------------------------------------------------------------
def _unmangle(name: str) -> str:
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


def safe_name(raw: str, default: str = "attachment") -> str:
    """A plain file name from whatever a sender wrote: no folders, drive letters, control characters,
    Windows-reserved names or characters, at most MAX_NAME_BYTES of UTF-8, suffix kept."""
    name = unicodedata.normalize("NFC", _unmangle(str(raw or "")))
    if "=?" in name:                                   # RFC 2047 words inside a quoted parameter
        try:
            name = str(email.header.make_header(email.header.decode_header(name)))
        except (ValueError, LookupError, UnicodeDecodeError):
            pass
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"^[A-Za-z]:", "", name)
    name = re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", suffix):
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    stem = stem.strip(" .")
    if RESERVED.match(stem):
        stem = "_" + stem
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    return (stem + suffix) if stem else default + suffix


def _unique(name: str, taken: set[str]) -> str:
    stem, suffix = (name.rsplit(".", 1)[0], "." + name.rsplit(".", 1)[1]) if "." in name else (name, "")
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(candidate.lower())
    return candidate


# -- what a thing is, from its bytes -----------------------------------------------------------
def kind_of(data: bytes, name: str) -> str:
    """'workbook', 'spreadsheet' (one the reader will refuse with its reason), 'archive', 'message',
    'mbox', or a human name of something else to skip."""
    suffix = Path(name).suffix.lower()
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "mimetype" in names:
                    mimetype = zf.read("mimetype")[:100]
                    return "spreadsheet" if b"spreadsheet" in mimetype else "OpenDocument"
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, OSError, EOFError):
            return "spreadsheet" if suffix in SPREADSHEET_SUFFIXES else "a damaged zip archive"
        if "xl/workbook.xml" in names:
            return "workbook"
        if "word/document.xml" in names:
            return "Word (.docx)"
        if "ppt/presentation.xml" in names:
            return "PowerPoint (.pptx)"
        if "[Content_Types].xml" in names:
            return "spreadsheet" if suffix in SPREADSHEET_SUFFIXES else "an Office document"
        return "archive"
    if data.startswith(olefile.MAGIC):
        try:
            ole = olefile.OleFileIO(io.BytesIO(data))
            streams = {"/".join(s).lower() for s in ole.listdir()}
            ole.close()
        except Exception:  # noqa: BLE001 - a broken OLE container: decided by its name
            streams = set()
        if streams & {"workbook", "book", "encryptedpackage"} or suffix in SPREADSHEET_SUFFIXES:
            return "spreadsheet"
        return "Outlook message (.msg)" if any(s.startswith("__substg") for s in streams) else "Word (.doc)"
    head = data[:2048]
    if head.startswith(b"From ") and re.search(rb"^(From|Date|Subject|Message-ID):", data[:8192], re.M | re.I):
        return "mbox"
    if re.match(rb"(?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)+\r?\n", data[:65536]) and \
            re.search(rb"^(from|mime-version|message-id|received):", data[:65536], re.M | re.I):
        return "message"
    for magic, what in ((b"%PDF", "PDF"), (b"\x89PNG", "image (PNG)"), (b"\xff\xd8\xff", "image (JPEG)"),
                        (b"GIF8", "image (GIF)"), (b"Rar!", "RAR archive, not supported"),
                        (b"7z\xbc\xaf", "7-Zip archive, not supported"), (b"\x1f\x8b", "gzip archive, not supported"),
                        (b"\x78\x9f\x3e\x22", "winmail.dat (TNEF)")):
        if data.startswith(magic):
            return what
    if suffix in SPREADSHEET_SUFFIXES:
        return "spreadsheet"
    if b"-----BEGIN PGP SIGNATURE" in head or suffix in (".p7s", ".asc", ".sig"):
        return "signature"
    if not data.strip():
        return "an empty file"
    return "text" if suffix in (".txt", ".htm", ".html", ".vcf", ".ics") else f"unknown ({suffix or 'no suffix'})"


# -- messages ------------------------------------------------------------------------------------
def _envelope(msg, origin: str) -> Envelope:
    def header(key: str) -> str:
        try:
            return _unmangle(str(msg.get(key, "") or "")).strip()
        except Exception:  # noqa: BLE001 - a malformed header: left out, the file is still collected
            return ""
    sender = email.utils.parseaddr(header("From"))[1].lower()
    received = ""
    date = header("Date")
    if date:
        try:
            when = email.utils.parsedate_to_datetime(date)
            when = when.astimezone(BANGKOK) if when.tzinfo else when
            received = when.replace(tzinfo=None).isoformat(timespec="seconds")
        except (TypeError, ValueError, IndexError, OverflowError):
            received = ""
    return Envelope(origin, sender, received, header("Message-ID"), header("Subject"))


def _attachments(msg, env: Envelope, depth: int):
    """(bytes, name, envelope) of every part that is a file; a forwarded message is opened too."""
    found = 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        name = _filename(part)
        if ctype == "message/rfc822" or (name is None and ctype.startswith("text/")):
            continue                    # the body, or a forwarded message (walk() already visits its parts)
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        found += 1
        yield data, name or f"attachment{_guess_suffix(ctype)}", env, depth
    if not found:
        yield None, None, env, depth


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
                    return _unmangle(found[1] or found[2])
    return name


def _guess_suffix(ctype: str) -> str:
    return {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
            "application/vnd.ms-excel": ".xls", "application/zip": ".zip"}.get(ctype, ".bin")


def _message(data: bytes, origin: str, depth: int):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    yield from _attachments(msg, _envelope(msg, origin), depth)


# -- archives ------------------------------------------------------------------------------------
def _member_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")          # zipfile decoded it as cp437; take the bytes back
    for encoding in ("utf-8", "cp874"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


# -- the walk ------------------------------------------------------------------------------------
class _Walk:
    """Every spreadsheet found is written to `spool` as it is found (once per content), so that the
    walk holds names and hashes, not the files: a month of mail is not held in memory."""

    def __init__(self, spool: Path):
        self.spool = spool
        self.items: list[tuple[str, str, Envelope]] = []           # (sha256, name, envelope), in order
        self.spooled: dict[str, tuple[Path, bytes]] = {}           # sha256 -> (spooled file, first bytes)
        self.skipped: list[Issue] = []

    def skip(self, code: str, origin: str, **context):
        self.skipped.append(issue(code, file=origin, **context))

    def source(self, path: Path):
        if path.is_dir():
            if (path / "cur").is_dir() and (path / "new").is_dir():
                self.maildir(path)
            else:
                for child in sorted(path.rglob("*")):      # hidden files and folders (our spool too) left out
                    if child.is_file() and not any(p.startswith(".") for p in child.relative_to(path).parts):
                        self.source(child)
            return
        try:
            size = path.stat().st_size
            if size > MAX_TOTAL_BYTES:
                return self.skip("C005", str(path), reason=f"{size} bytes")
            data = path.read_bytes()
        except OSError as exc:
            return self.skip("C007", str(path), reason=exc.strerror or type(exc).__name__)
        if kind_of(data, path.name) == "mbox":
            return self.mbox(path)
        self.thing(data, path.name, Envelope(str(path)), 0)

    def mbox(self, path: Path):
        try:
            box = mailbox.mbox(path, create=False)
            keys = box.keys()
        except Exception as exc:  # noqa: BLE001 - a damaged mail export: one line
            return self.skip("C007", str(path), reason=f"mbox: {exc}"[:120])
        for n, key in enumerate(keys, 1):
            self.mail(box.get_bytes(key), f"{path} › {n}")
        box.close()

    def maildir(self, path: Path):
        try:
            box = mailbox.Maildir(path, factory=None, create=False)
            keys = sorted(box.keys())
        except Exception as exc:  # noqa: BLE001
            return self.skip("C007", str(path), reason=f"Maildir: {exc}"[:120])
        for key in keys:
            self.mail(box.get_bytes(key), f"{path} › {key}")

    def mail(self, data: bytes, origin: str, depth: int = 0):
        try:
            parts = list(_message(data, origin, depth))
        except Exception as exc:  # noqa: BLE001 - a message the parser cannot take: one line
            return self.skip("C007", origin, reason=f"{type(exc).__name__}: {exc}"[:120])
        for blob, name, env, d in parts:
            if blob is None:
                self.skip("C002", env_label(env))
            else:
                self.thing(blob, name, env, d, inside=env_label(env))

    def thing(self, data: bytes, name: str, env: Envelope, depth: int, inside: str | None = None):
        label = f"{inside} › {name}" if inside else env.origin
        kind = kind_of(data, name)
        if kind in ("workbook", "spreadsheet"):
            sha = hashlib.sha256(data).hexdigest()
            if sha not in self.spooled:
                spooled = self.spool / f"{len(self.spooled):06d}"
                with spooled.open("xb") as fh:      # whole on disk before it is moved into the inbox
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                self.spooled[sha] = (spooled, data[:8])
            self.items.append((sha, name, Envelope(label, env.sender, env.received_at, env.message_id, env.subject)))
        elif kind == "archive":
            self.archive(data, label, env, depth + 1)
        elif kind == "message":
            if depth >= MAX_DEPTH:
                return self.skip("C003", label, depth=MAX_DEPTH)
            try:
                parts = list(_message(data, label, depth + 1))
            except Exception as exc:  # noqa: BLE001
                return self.skip("C007", label, reason=f"{type(exc).__name__}: {exc}"[:120])
            for blob, inner, e, d in parts:
                if blob is None:
                    self.skip("C002", label)
                else:
                    # a saved .eml among loose files: its own sender and date are the provenance
                    self.thing(blob, inner, e if not env.sender else env, d, inside=label)
        elif kind == "mbox":
            with tempfile.NamedTemporaryFile(suffix=".mbox") as tmp:
                tmp.write(data)
                tmp.flush()
                self.mbox(Path(tmp.name))
        else:
            self.skip("C001", label, kind=kind)

    def archive(self, data: bytes, label: str, env: Envelope, depth: int):
        if depth > MAX_DEPTH:
            return self.skip("C003", label, depth=MAX_DEPTH)
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = [i for i in zf.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
            return self.skip("C005", label, reason=str(exc)[:80])
        if len(infos) > MAX_MEMBERS:
            return self.skip("C005", label, reason=f"{len(infos)} files")
        budget = MAX_TOTAL_BYTES
        with zf:
            for info in infos:
                name = _member_name(info)
                where = f"{label} › {name}"
                if info.flag_bits & 0x1:
                    self.skip("C004", where)
                    continue
                try:
                    with zf.open(info) as fh:
                        blob = fh.read(min(MAX_FILE_BYTES, budget) + 1)
                except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError) as exc:
                    self.skip("C005", where, reason=str(exc)[:80])
                    continue
                if len(blob) > min(MAX_FILE_BYTES, budget):
                    self.skip("C005", where, reason=f"> {min(MAX_FILE_BYTES, budget) // (1024 * 1024)} MiB")
                    continue
                budget -= len(blob)
                self.thing(blob, name.rsplit("/", 1)[-1], Envelope(where, env.sender, env.received_at,
                                                                    env.message_id, env.subject), depth)


def env_label(env: Envelope) -> str:
    return env.origin + (f" ({env.sender}, {env.subject})" if env.sender or env.subject else "")


# -- the inbox -----------------------------------------------------------------------------------
def _saved_name(name: str, code: str | None, head: bytes) -> str:
    """The name in the inbox: the sender's, sanitised, led by the project code found inside, with the
    suffix the bytes call for (an .xlsx sent as `report.pdf` is saved as `.xlsx`)."""
    name = safe_name(name)
    stem, suffix = (name.rsplit(".", 1)[0], "." + name.rsplit(".", 1)[1].lower()) if "." in name else (name, "")
    if suffix not in SPREADSHEET_SUFFIXES:
        stem = name
        suffix = ".xlsx" if head.startswith(b"PK") else ".xls" if head.startswith(olefile.MAGIC) else ".csv"
    if code and not stem.startswith(code):
        stem = f"{code}_{stem}"
    return safe_name(stem + suffix)


def collect(sources, inbox: Path, workers: int = 1) -> Collected:
    """Every spreadsheet in `sources` into `inbox`, once, named by the project code inside it
    (looked up in `workers` processes)."""
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    provenance = read_json(inbox / PROVENANCE)
    known = {meta.get("sha256"): name for name, meta in provenance.items() if isinstance(meta, dict)}
    present = {p.name: p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")}
    on_disk = {hashlib.sha256(p.read_bytes()).hexdigest(): name for name, p in present.items()}
    taken = {name.lower() for name in present}
    spool = inbox / SPOOL
    shutil.rmtree(spool, ignore_errors=True)     # left by a run that was killed during its walk
    spool.mkdir()
    try:
        walk = _Walk(spool)
        for source in sources:
            walk.source(Path(source))
        result = Collected(skipped=walk.skipped)
        new = [sha for sha, (_, head) in walk.spooled.items()
               if sha not in known and sha not in on_disk and head.startswith(b"PK")]
        # the codes arrive in the order of `new`, the order in which the loop meets each new file
        # first, so that files are moved in while the workers are still looking
        codes = ordered_map(project_code_of, [walk.spooled[sha][0] for sha in new], workers)
        looked_up = set(new)
        for sha, name, env in walk.items:
            if sha in known:
                result.duplicates.append(issue("C006", file=env_label(env), name=known[sha]))
                continue
            target = on_disk.get(sha)               # saved by a run that stopped before its provenance
            code = None
            if target is None:
                code = next(codes) if sha in looked_up else None
                spooled, head = walk.spooled[sha]
                target = _unique(_saved_name(name, code, head), taken)
                os.replace(spooled, inbox / target)
            entry = {"sha256": sha, "project_code": code, "original_name": name, "origin": env.origin,
                     "sender": env.sender, "received_at": env.received_at, "message_id": env.message_id,
                     "subject": env.subject}
            provenance[target] = entry
            known[sha] = target
            result.saved.append({"name": target, **entry})
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    write_json(inbox / PROVENANCE, provenance)
    skipped = {(i.get("code"), i.get("file")): i for i in read_json(inbox / SKIPPED).get("skipped", [])
               if isinstance(i, dict)}
    skipped.update({(i.code, i.file): i.as_dict() for i in result.skipped})    # a second run lists nothing twice
    write_json(inbox / SKIPPED, {"skipped": list(skipped.values())})
    return result
