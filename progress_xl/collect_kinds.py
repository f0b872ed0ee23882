"""collect's sniffing: what a thing is, from its bytes (its name only where the bytes cannot tell).

Spreadsheets of every kind, also those the reader refuses (.xlsb, Excel 2-4, Excel's `~$` lock file,
an empty zip named `.xlsx`), are 'spreadsheet': they go into the inbox, and the reader gives the reason.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from pathlib import Path

import olefile

from .safety import is_bare_biff, is_lock_file

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
HEAD = 65536                      # what the sniffing looks at


def kind_of(data: bytes, name: str) -> str:
    """'workbook', 'spreadsheet' (one the reader will refuse with its reason), 'archive', 'message',
    'mbox', 'outlook', or a human name of something else to skip."""
    return _kind(data[:HEAD], len(data), io.BytesIO(data), name)


def kind_of_file(path: Path, name: str) -> str:
    """kind_of for a file on disk, read no further than sniffing needs."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD)
        size = os.fstat(fh.fileno()).st_size
    return _kind(head, size, str(path), name)


def _kind(head: bytes, size: int, source, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if head.startswith(b"PK"):
        return _zip_kind(source, suffix)
    if head.startswith(olefile.MAGIC):
        return _ole_kind(source, suffix)
    if is_bare_biff(head) or (size <= len(head) and is_lock_file(head)):
        return "spreadsheet"                 # Excel 2-4, or Excel's ~$ lock file: the reader names it
    if head.startswith(b"From ") and re.search(rb"^(From|Date|Subject|Message-ID):", head[:8192], re.M | re.I):
        return "mbox"
    if re.match(rb"(?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)+\r?\n", head) and \
            re.search(rb"^(from|mime-version|message-id|received):", head, re.M | re.I):
        return "message"
    for magic, what in ((b"%PDF", "PDF"), (b"\x89PNG", "image (PNG)"), (b"\xff\xd8\xff", "image (JPEG)"),
                        (b"GIF8", "image (GIF)"), (b"Rar!", "RAR archive, not supported"),
                        (b"7z\xbc\xaf", "7-Zip archive, not supported"), (b"\x1f\x8b", "gzip archive, not supported"),
                        (b"\x78\x9f\x3e\x22", "winmail.dat (TNEF)")):
        if head.startswith(magic):
            return what
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 108, 124):
        return "image (BMP)"                 # the bitmap header's size follows the file header
    if suffix in SPREADSHEET_SUFFIXES:
        return "spreadsheet"
    if b"-----BEGIN PGP SIGNATURE" in head[:2048] or suffix in (".p7s", ".asc", ".sig"):
        return "signature"
    if size <= len(head) and not head.strip():
        return "an empty file"
    return "text" if suffix in (".txt", ".htm", ".html", ".vcf", ".ics") else f"unknown ({suffix or 'no suffix'})"


def _zip_kind(source, suffix: str) -> str:
    try:
        with zipfile.ZipFile(source) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, NotImplementedError, EOFError, zlib.error):
        return "spreadsheet" if suffix in SPREADSHEET_SUFFIXES else "a damaged zip archive"
    if mimetype is not None:
        return "spreadsheet" if b"spreadsheet" in mimetype else "OpenDocument"
    if "xl/workbook.xml" in names:
        return "workbook"
    if "xl/workbook.bin" in names:
        return "spreadsheet"                 # .xlsb: the reader says to save it as .xlsx
    if "word/document.xml" in names:
        return "Word (.docx)"
    if "ppt/presentation.xml" in names:
        return "PowerPoint (.pptx)"
    if "[Content_Types].xml" in names:
        return "spreadsheet" if suffix in SPREADSHEET_SUFFIXES else "an Office document"
    if suffix in SPREADSHEET_SUFFIXES and all(n.endswith("/") for n in names):
        return "spreadsheet"                 # an empty zip named .xlsx: the reader says what it is
    return "archive"


def _ole_kind(source, suffix: str) -> str:
    try:
        with olefile.OleFileIO(source) as ole:
            streams = {s[-1].lower() for s in ole.listdir(streams=True, storages=True)}
    except Exception:  # noqa: BLE001 - olefile raises bare OSError/struct errors on a broken container
        streams = set()
    if any(s.startswith("__substg1.0_") for s in streams) or "__properties_version1.0" in streams:
        return "outlook"
    if not streams and suffix == ".msg":
        return "outlook"                     # a broken container named .msg: python-oxmsg says why
    if streams & {"workbook", "book", "encryptedpackage"} or suffix in SPREADSHEET_SUFFIXES:
        return "spreadsheet"
    return "Word (.doc)" if "worddocument" in streams else "an OLE compound file"
