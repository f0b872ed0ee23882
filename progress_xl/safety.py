"""Safe open: look at the bytes before openpyxl does.

Sniffs the real type (PDF, HTML, CSV, .ods, .docx, legacy .xls, encrypted OOXML in an OLE
container, macros, Strict Open XML), caps the inflated size while inflating (a declared size
can lie), and refuses DOCTYPE/ENTITY declarations, which no real workbook part carries.
Every refusal is a `Rejected` carrying one catalogue issue.
"""
from __future__ import annotations

import contextlib
import io
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


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> tuple[int, bool]:
    """Inflate one member in chunks, counting: (bytes, has a DOCTYPE). Raises Rejected past a cap."""
    size, doctype, tail = 0, False, b""
    limit = min(MAX_PART_BYTES, budget)
    with zf.open(info) as fh:
        while chunk := fh.read(256 * 1024):
            size += len(chunk)
            if size > limit:
                raise Rejected("F009", reason=f"{info.filename} > {limit // (1024 * 1024)} MiB")
            if size > MIN_RATIO_PART and size > MAX_RATIO * max(info.compress_size, 1):
                raise Rejected("F009", reason=f"{info.filename}: ratio > {MAX_RATIO}")
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                doctype = True
            tail = chunk[-16:]
    return size, doctype


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
    if not data.strip(b"\x00 \t\r\n"):
        raise Rejected("F002")
    if data.startswith(b"%PDF"):
        raise Rejected("F004", kind="PDF")
    if data.startswith(olefile.MAGIC):
        raise _ole_kind(data)
    if not data.startswith(b"PK"):
        kind = _text_kind(data[:4096])
        raise Rejected("F004", kind=kind) if kind else Rejected("F008", reason="unknown format")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise Rejected("F008", reason=f"zip: {exc}") from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if len(infos) > MAX_MEMBERS:
            raise Rejected("F009", reason=f"{len(infos)} parts")
        if "mimetype" in names and b"opendocument" in zf.read("mimetype"):
            raise Rejected("F013")
        if "word/document.xml" in names:
            raise Rejected("F004", kind="Word (.docx)")
        if "ppt/presentation.xml" in names:
            raise Rejected("F004", kind="PowerPoint (.pptx)")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise Rejected("F007")
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise Rejected("F004", kind="a zip archive")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise Rejected("F006")
            try:
                inflated, doctype = _inflate(zf, info, MAX_TOTAL_BYTES - total)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
                raise Rejected("F008", reason=f"{info.filename}: {exc}") from None
            total += inflated
            if doctype:
                raise Rejected("F010", reason=f"DOCTYPE/ENTITY in {info.filename}")
        if any(t in zf.read("[Content_Types].xml") for t in MACRO_TYPES):
            raise Rejected("F007")
        if STRICT_NS in zf.read("xl/workbook.xml")[:4096]:
            raise Rejected("F011")
    return Sniffed(tuple(sorted(names)), total)


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
