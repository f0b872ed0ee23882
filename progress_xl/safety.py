"""Safe open: look at the bytes before openpyxl does.

Sniffs the real type (PDF, HTML, CSV, .ods, .docx, .xlsb, legacy .xls in OLE or as bare BIFF2-4
records, Excel's `~$` lock file, encrypted OOXML in an OLE container, macros, Strict Open XML),
caps the inflated size while inflating (a declared size can lie), and refuses DOCTYPE/ENTITY
declarations in the XML parts, which no real workbook part carries (binary parts, a pasted photo's
metadata, are not XML and are not scanned). Every refusal is a `Rejected` carrying one catalogue issue.
"""
from __future__ import annotations

import contextlib
import io
import posixpath
import signal
import threading
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import olefile

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200            # inflated / compressed, for parts over MIN_RATIO_PART
MIN_RATIO_PART = 1024 * 1024
MAX_MEMBERS = 2000
MAX_READ_SECONDS = 30.0    # one workbook's read, wall clock; memory is bounded by the caps above
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
MACRO_TYPES = (b"macroEnabled", b"vbaProject", b"application/vnd.ms-office.vbaProject")
CONTENT_TYPES = "[Content_Types].xml"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
#: BOF records of Excel 2-4 files, which are bare BIFF records, not an OLE container: (id, length)
BIFF_BOF = ((b"\x09\x00", 4), (b"\x09\x02", 6), (b"\x09\x04", 6))


class Rejected(Exception):
    """The file cannot be read: `code` and context for the catalogue."""

    def __init__(self, code: str, **context):
        self.code, self.context = code, context
        super().__init__(code)


@dataclass(frozen=True)
class Sniffed:
    members: tuple[str, ...]
    inflated: int


class _Expired(BaseException):
    """Raised by the alarm: a BaseException, so no library's `except Exception` can swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float | None = None):
    """Raise Rejected("F012") when the block runs longer than `seconds` (POSIX, main thread).

    Elsewhere (a worker thread, Windows) the block runs unbounded: the size caps still hold."""
    seconds = MAX_READ_SECONDS if seconds is None else seconds
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def expired(signum, frame):
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expired)
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise Rejected("F012", seconds=f"{seconds:g}") from None
    finally:
        signal.signal(signal.SIGALRM, previous)


def is_lock_file(data: bytes) -> bool:
    """Excel's owner file `~$name.xlsx`, kept beside a workbook while it is open (165 bytes): the
    user's name led by its length and padded with spaces to 54 bytes, then the same name led by
    its length (2 bytes) in UTF-16, padded."""
    if not 56 <= len(data) <= 512:
        return False
    n = data[0]
    if not (0 < n <= 53 and b"\x00" not in data[1:1 + n] and data[1 + n:54].strip(b" ") == b""):
        return False
    if int.from_bytes(data[54:56], "little") != n or len(data) < 56 + 2 * n:
        return False
    try:
        data[56:56 + 2 * n].decode("utf-16-le")
    except UnicodeDecodeError:
        return False
    return True


def is_bare_biff(data: bytes) -> bool:
    """An Excel 2, 3 or 4 file: BIFF records from the first byte (a BOF record), no OLE container."""
    return any(data.startswith(rec) and int.from_bytes(data[2:4], "little") == size for rec, size in BIFF_BOF)


def _ole_kind(data: bytes) -> Rejected:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises bare OSError/struct errors on damaged containers
        return Rejected("F008", reason=f"OLE: {exc}")
    with ole:
        streams = {"/".join(s).lower() for s in ole.listdir()}
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        return Rejected("F006")
    if "workbook" in streams or "book" in streams:
        return Rejected("F005")
    if "worddocument" in streams:
        return Rejected("F004", kind="Word (.doc)")
    return Rejected("F004", kind="OLE compound file")


def _text_kind(head: bytes) -> str | None:
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")):
        return "HTML"
    if low.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return "XML Spreadsheet 2003"
    if low.startswith(b"<?xml") or low.startswith(b"<"):
        return "XML"
    if low.startswith(b"{\\rtf"):
        return "RTF"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            try:
                head.decode("cp874")
            except UnicodeDecodeError:
                return None
    return "CSV / text"


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, scan: bool = True) -> tuple[int, bool]:
    """Inflate one member in chunks, counting: (bytes, has a DOCTYPE when `scan`). Raises Rejected past a cap."""
    size, doctype, tail = 0, False, b""
    limit = min(MAX_PART_BYTES, budget)
    with zf.open(info) as fh:
        while chunk := fh.read(256 * 1024):
            size += len(chunk)
            if size > limit:
                raise Rejected("F009", reason=f"{info.filename} > {limit // (1024 * 1024)} MiB")
            if size > MIN_RATIO_PART and size > MAX_RATIO * max(info.compress_size, 1):
                raise Rejected("F009", reason=f"{info.filename}: ratio > {MAX_RATIO}")
            if scan:
                window = tail + chunk
                doctype = doctype or b"<!DOCTYPE" in window or b"<!ENTITY" in window
                tail = chunk[-16:]
    return size, doctype


def _is_xml_type(content_type: str) -> bool:
    content_type = content_type.split(";")[0].strip().lower()
    return content_type.endswith("+xml") or content_type in ("application/xml", "text/xml")


def xml_parts(zf: zipfile.ZipFile) -> set[str] | None:
    """The members that are XML by the package's `[Content_Types].xml` (Override by part name,
    else Default by extension; `.rels`, `.xml` and `.vml` members without a declared type too),
    or None when the content types cannot be read: then every member counts as XML."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException
    try:
        with zf.open(CONTENT_TYPES) as fh:
            raw = fh.read(MIN_RATIO_PART + 1)
        if len(raw) > MIN_RATIO_PART or b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            return None
        root = ElementTree.fromstring(raw)
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
            ElementTree.ParseError, DefusedXmlException):
        return None
    defaults = {e.get("Extension", "").lower(): e.get("ContentType", "") for e in root.iter(CT_NS + "Default")}
    overrides = {e.get("PartName", "").lstrip("/").lower(): e.get("ContentType", "") for e in root.iter(CT_NS + "Override")}
    found = {CONTENT_TYPES}
    for name in zf.namelist():
        ext = posixpath.splitext(name)[1].lstrip(".").lower()
        declared = overrides.get(name.lower(), defaults.get(ext))
        if (_is_xml_type(declared) if declared is not None else ext in ("xml", "rels", "vml")) or ext == "rels":
            found.add(name)
    return found


def read_capped(path: Path) -> bytes:
    """A file's bytes, refused past MAX_FILE_BYTES before they are read."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Rejected("F003", size=size, limit=MAX_FILE_BYTES)
        return path.read_bytes()
    except OSError as exc:
        raise Rejected("F001", reason=exc.strerror or type(exc).__name__) from None


def sniff(data: bytes) -> Sniffed:
    """Check a file's bytes before they are parsed; raise Rejected with the reason."""
    if len(data) > MAX_FILE_BYTES:
        raise Rejected("F003", size=len(data), limit=MAX_FILE_BYTES)
    _refuse_other_formats(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise Rejected("F008", reason=f"zip: {exc}") from None
    with zf:
        return _sniff_package(zf)


def _refuse_other_formats(data: bytes) -> None:
    """Everything that is not a zip package, refused with its real name."""
    if not data.strip(b"\x00 \t\r\n"):
        raise Rejected("F002")
    if data.startswith(b"%PDF"):
        raise Rejected("F004", kind="PDF")
    if data.startswith(olefile.MAGIC):
        raise _ole_kind(data)
    if is_bare_biff(data):
        raise Rejected("F005")
    if is_lock_file(data):
        raise Rejected("F017")
    if not data.startswith(b"PK"):
        kind = _text_kind(data[:4096])
        raise Rejected("F004", kind=kind) if kind else Rejected("F008", reason="unknown format")


def _sniff_package(zf: zipfile.ZipFile) -> Sniffed:
    infos = zf.infolist()
    names = {i.filename for i in infos}
    if len(infos) > MAX_MEMBERS:
        raise Rejected("F009", reason=f"{len(infos)} parts")
    if "mimetype" in names and b"opendocument" in zf.read("mimetype"):
        raise Rejected("F013")
    for part, kind in (("word/document.xml", "Word (.docx)"), ("ppt/presentation.xml", "PowerPoint (.pptx)")):
        if part in names:
            raise Rejected("F004", kind=kind)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Rejected("F007")
    if "xl/workbook.bin" in names:
        raise Rejected("F016")
    if "xl/workbook.xml" not in names or CONTENT_TYPES not in names:
        raise Rejected("F004", kind="a zip archive")
    total = _check_parts(zf, infos)
    if any(t in zf.read(CONTENT_TYPES) for t in MACRO_TYPES):
        raise Rejected("F007")
    if STRICT_NS in zf.read("xl/workbook.xml")[:4096]:
        raise Rejected("F011")
    return Sniffed(tuple(sorted(names)), total)


def _check_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> int:
    """Inflate every part under the caps (the bytes inflated); a DOCTYPE/ENTITY in an XML part is F010."""
    xml = xml_parts(zf)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Rejected("F006")
        scan = xml is None or info.filename in xml
        try:
            inflated, doctype = _inflate(zf, info, MAX_TOTAL_BYTES - total, scan)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
            raise Rejected("F008", reason=f"{info.filename}: {exc}") from None
        total += inflated
        if doctype:
            raise Rejected("F010", reason=f"DOCTYPE/ENTITY in {info.filename}")
    return total


def open_workbook(path: Path, *, read_only: bool = True, data_only: bool = True):
    """openpyxl's workbook after `sniff`, with its failures turned into Rejected."""
    import openpyxl

    sniff(read_capped(Path(path)))
    with parse_errors():
        return openpyxl.load_workbook(path, read_only=read_only, data_only=data_only, keep_links=False)


def open_book(data: bytes):
    """The reader's lazy view of a workbook (book.Book) after `sniff`, failures as Rejected.

    Parts are parsed on demand: wrap the reads in `parse_errors()` too."""
    from .book import Book

    sniff(data)
    with parse_errors():
        return Book(data)


@contextlib.contextmanager
def parse_errors():
    """openpyxl and ElementTree report malformed parts through whichever builtin they hit:
    one Rejected (F010 for what defusedxml refused, F008 otherwise). openpyxl's warnings about
    what it drops (data-validation extensions, LibreOffice's x14 conditional formats, dates out of
    range) are silenced: nothing here writes a workbook back."""
    from defusedxml import DefusedXmlException
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except DefusedXmlException as exc:
        raise Rejected("F010", reason=type(exc).__name__) from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, AttributeError,
            OSError, SyntaxError, zlib.error, EOFError) as exc:
        raise Rejected("F008", reason=f"{type(exc).__name__}: {str(exc)[:80]}") from None
