"""book: the parts of a filled workbook the reader needs, parsed when first asked for.

`openpyxl.load_workbook(read_only=True)` parses every part up front: the whole stylesheet into
style objects, every shared string into rich-text objects, every sheet's dimensions, a default
Workbook. The reader looks at two or three sheets, the names and the custom properties; measured
on the bench corpus, openpyxl's load alone took 10.5 ms a workbook, most of it on parts we never
use. A Book opens the zip once, from bytes already in memory (after `safety.sniff`; read it inside
`safety.parse_errors()`, which also silences openpyxl's warnings), and uses
openpyxl's own part parsers (`get_dependents`, `CustomPropertyList`,
`WorkSheetParser`) only on what is asked for; cells come with the value, type and number format
openpyxl's read-only cells would give.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cached_property, wraps

from defusedxml import DefusedXmlException
from openpyxl.packaging.custom import CustomPropertyList
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring

from .safety import parse_errors
from .values import unescape_ooxml

MAIN = "{%s}" % SHEET_MAIN_NS
CORE = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _parsing(method):
    """A part of the file parsed on demand: what the parser refuses is the file's fault (F008, F010),
    raised as Rejected; whatever goes wrong after the parse is ours and is not caught here."""
    @wraps(method)
    def parse(*args, **kwargs):
        with parse_errors():
            return method(*args, **kwargs)
    return parse


@dataclass(frozen=True)
class Cell:
    value: object
    data_type: str
    number_format: str
    coordinate: str


class Book:
    """A workbook's sheets, names, properties and cells, from its bytes."""

    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names_in_zip = set(self.zip.namelist())
        root = self._rels("_rels/.rels")
        part = next((r.target for r in root if r.Type == REL + "officeDocument"), "xl/workbook.xml")
        # workbook.xml read for what the reader uses: the sheets, the workbook's own names, the date system
        # (openpyxl's WorkbookPackage builds an object for every element: 15 % of a read, make bench)
        tree = fromstring(self.zip.read(part))
        rels = {r.Id: r for r in self._rels(get_rels_path(part))}
        self.parts = {r.Type.rsplit("/", 1)[-1]: r.target for r in rels.values()}
        self.sheets: dict[str, tuple[str, str]] = {}      # title -> (part, state), worksheets only
        for sheet in tree.iterfind(f"{MAIN}sheets/{MAIN}sheet"):
            rel = rels.get(sheet.get(f"{{{REL[:-1]}}}id"))
            if rel is not None and rel.Type == REL + "worksheet" and rel.target in self.names_in_zip:
                self.sheets[sheet.get("name", "")] = (rel.target, sheet.get("state") or "visible")
        #: the workbook's global names (not a sheet's own) -> their text, as openpyxl's attr_text
        self.defined_names: dict[str, str] = {
            n.get("name", ""): n.text or "" for n in tree.iterfind(f"{MAIN}definedNames/{MAIN}definedName")
            if n.get("localSheetId") is None}
        props = tree.find(f"{MAIN}workbookPr")
        # as openpyxl takes it (any text but false/f/0 is true; "on", "t"), FALSE read as false
        flag = None if props is None else props.get("date1904")
        self.date1904 = flag is not None and flag.strip().lower() not in ("", "0", "false", "f", "off", "no")
        self._rows: dict[str, tuple[int, dict]] = {}

    def _rels(self, path: str):
        return get_dependents(self.zip, path) if path in self.names_in_zip else []

    def close(self) -> None:
        self.zip.close()

    # -- sheets -------------------------------------------------------------------------------
    @property
    def titles(self) -> list[str]:
        return list(self.sheets)

    def state(self, title: str) -> str:
        return self.sheets[title][1]

    @_parsing
    def part(self, title: str) -> bytes:
        return self.zip.read(self.sheets[title][0])

    @_parsing
    def cells(self, title: str, max_row: int) -> dict[tuple[int, int], Cell]:
        """Every cell of rows 1..max_row of a sheet, by (row, column); a sheet is parsed once,
        as far down as has been asked for."""
        parsed, cells = self._rows.get(title, (0, {}))
        if max_row <= parsed:
            return cells
        cells, formats = {}, self._formats
        with self.zip.open(self.sheets[title][0]) as src:
            parser = WorkSheetParser(src, self._strings, data_only=False,
                                     epoch=CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900,
                                     date_formats=formats[1], timedelta_formats=formats[2])
            for row, row_cells in parser.parse():
                if row > max_row:
                    break
                for c in row_cells:
                    style = c["style_id"] or 0
                    fmt = formats[0][style] if style < len(formats[0]) else "General"
                    value = c["value"]
                    if c["data_type"] == "s" and isinstance(value, str) and "_x" in value:
                        value = unescape_ooxml(value)       # Excel's _xHHHH_, shared or inline
                    cells[(c["row"], c["column"])] = Cell(value, c["data_type"], fmt, f"{get_column_letter(c['column'])}{c['row']}")
        self._rows[title] = (max_row, cells)
        return cells

    def cell(self, title: str, row: int, column: int):
        c = self.cells(title, row).get((row, column))
        return None if c is None else c.value

    # -- parts read on demand -----------------------------------------------------------------
    @cached_property
    @_parsing
    def _strings(self) -> list[str]:
        """The shared strings as openpyxl's `read_string_table` gives them (plain text of the
        runs, phonetic runs left out), without building a rich-text object for each, as stored:
        `cells` reads Excel's `_xHHHH_` escapes as the characters they stand for, in shared and
        inline strings alike (openpyxl only drops `x005F_`, and only in shared strings)."""
        path = self.parts.get("sharedStrings")
        if path not in self.names_in_zip:
            return []
        out = []
        for si in fromstring(self.zip.read(path)).iter(MAIN + "si"):
            text = si.findtext(MAIN + "t") or ""        # as stored: unescaped per cell, inline ones too
            text += "".join(r.findtext(MAIN + "t") or "" for r in si.iterfind(MAIN + "r"))
            out.append(text)
        return out

    @cached_property
    @_parsing
    def _formats(self) -> tuple[list[str], set[int], set[int]]:
        """Per cell style: its number format, and which styles are dates and durations
        (the same reading as openpyxl's stylesheet, without the fonts, fills and borders)."""
        path = self.parts.get("styles")
        if path not in self.names_in_zip:
            return [], set(), set()
        root = fromstring(self.zip.read(path))
        custom = {int(n.get("numFmtId")): n.get("formatCode", "") for n in root.iterfind(f"{MAIN}numFmts/{MAIN}numFmt")}
        formats = []
        for xf in root.iterfind(f"{MAIN}cellXfs/{MAIN}xf"):
            fid = int(xf.get("numFmtId", 0))
            formats.append(custom[fid] if fid in custom else BUILTIN_FORMATS.get(fid, "General"))
        dates = {i for i, f in enumerate(formats) if is_date_format(f)}
        return formats, dates, {i for i, f in enumerate(formats) if is_timedelta_format(f)}

    # The document properties are a courtesy: a damaged one reads as absent (the template is
    # identified by `_meta` and the names then), never a reason to refuse the workbook.
    @cached_property
    @_parsing
    def custom_properties(self) -> dict[str, object]:
        try:
            props = CustomPropertyList.from_tree(fromstring(self.zip.read("docProps/custom.xml")))
            return {p.name: p.value for p in props.props}
        except DefusedXmlException:
            raise                                   # hostile, not damaged: the file is refused
        except Exception:  # noqa: BLE001 - missing or damaged
            return {}

    @cached_property
    @_parsing
    def saved_by(self) -> str | None:
        try:
            return fromstring(self.zip.read("docProps/core.xml")).findtext(CORE + "lastModifiedBy")
        except DefusedXmlException:
            raise
        except Exception:  # noqa: BLE001 - missing or damaged
            return None

