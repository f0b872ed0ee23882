"""Shared test helpers: read formula cells and their values, normalise XML parts for golden files."""
from __future__ import annotations

import contextlib
import io
import re
import socket
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.dom import minidom

import openpyxl


def formula_cells(path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path, data_only=False)
    try:
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows()
                for c in row if isinstance(c.value, str) and c.value.startswith("=")}
    finally:
        wb.close()


def cell_values(path, cells) -> dict[tuple[str, str], object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        return {(s, c): wb[s][c].value for s, c in cells}
    finally:
        wb.close()


def same(a, b) -> bool:
    """Equal as a client shows them: "" and None are both empty, numbers to 1e-9."""
    a = None if a == "" else a
    b = None if b == "" else b
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def normalise_part(name: str, data: bytes) -> str:
    """An XML part as indented text; document dates removed (they are not content)."""
    text = data.decode("utf-8")
    if name == "docProps/core.xml":
        text = re.sub(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", "", text)
    if name == "docProps/app.xml":
        text = re.sub(r"<AppVersion>[^<]*</AppVersion>", "", text)
    return minidom.parseString(text.encode("utf-8")).toprettyxml(indent=" ")


def xml_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: normalise_part(n, zf.read(n)) for n in sorted(zf.namelist())
                if n.endswith((".xml", ".rels"))}


def pdf_text(path) -> str:
    """pdftotext output folded for comparison: pdftotext reorders Thai marks and adds spaces,
    so spaces and combining marks are dropped (on both sides, with `fold`)."""
    import subprocess
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    return fold(text)


def fold(text: str) -> str:
    import unicodedata
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn")


def text_dump(path) -> str:
    """Every non-empty cell of every sheet as `sheet!A1<TAB>value`; hashes masked (they follow the
    writer library's bytes, not our logic)."""
    wb = openpyxl.load_workbook(path)
    lines = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    text = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", str(c.value))
                    lines.append(f"{ws.title}!{c.coordinate}\t{text}")
    wb.close()
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def holding(lock_path):
    """Another process holds the advisory lock at `lock_path` for the block (a second run going on)."""
    code = ("import fcntl, sys, time; fh = open(sys.argv[1], 'a+'); fcntl.flock(fh, fcntl.LOCK_EX); "
            "print('held', flush=True); time.sleep(600)")
    Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", code, str(lock_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now (the test servers bind it next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def told(code: str, **context) -> re.Pattern:
    """The line `th / en` the CLI prints for `code` (issues.render), as a pattern: each placeholder not
    given in `context` (a time in seconds, a count the test cannot know) stands for a number as
    shown() writes it."""
    import string

    from progress_xl.issues import CATALOG, render
    entry = CATALOG[code]
    free = {f for text in (entry.th, entry.en) for _, f, _, _ in string.Formatter().parse(text) if f} - set(context)
    marks = {name: f"\x00{name}\x00" for name in free}
    line = re.escape(" / ".join(render(code, **context, **marks)))
    for name, mark in marks.items():        # the same number in both halves
        line = line.replace(re.escape(mark), rf"(?P<{name}>-?\d[\d,]*(?:\.\d+)?)", 1)
        line = line.replace(re.escape(mark), f"(?P={name})")
    return re.compile(line)


def with_version(path, out, text: str, version: int):
    """A copy of the workbook at `path` whose custom property names `text` as its template version."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/custom.xml":
                data = data.replace(f"<vt:i4>{version}</vt:i4>".encode(), f"<vt:lpwstr>{text}</vt:lpwstr>".encode())
            dst.writestr(info, data)
    return out
