"""book: the reader's lazy workbook gives exactly what openpyxl's read-only mode gives, cell by cell."""
import datetime as dt
import io
import warnings
import zipfile

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName

from progress_xl import safety
from progress_xl.book import Book
from progress_xl.generate import generate_workbook

FORMATS = ["General", "0.00", "0%", "#,##0.00", "d/m/yyyy", "[$-th-TH,107]d mmmm yyyy", "yyyy-mm-dd hh:mm", "@",
           "[h]:mm:ss"]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["ร้อยละ ๔๕", "  เว้นวรรค ", "x005F_x", "=SUM(A1:A3)", "=A1*2", "#REF!"]),
    st.datetimes(dt.datetime(1910, 1, 1), dt.datetime(2090, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.just("rich"),
)


def openpyxl_cells(data: bytes, title: str) -> dict:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # a date serial out of range: openpyxl warns, reads "#VALUE!"
        out = {(c.row, c.column): (c.value, c.data_type, c.number_format, c.coordinate)
               for row in wb[title].iter_rows() for c in row if hasattr(c, "coordinate")}
    wb.close()
    return out


def book_cells(data: bytes, title: str) -> dict:
    with safety.parse_errors():                # as the reader reads: openpyxl's warnings silenced
        book = Book(data)
        return {rc: (c.value, c.data_type, c.number_format, c.coordinate) for rc, c in book.cells(title, 10**6).items()}


def with_openpyxl(cells, mac: bool) -> bytes:
    """Rich text goes inline (`inlineStr`) when openpyxl writes it."""
    wb = openpyxl.Workbook()
    if mac:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "ข้อมูล Data"
    for i, (value, fmt) in enumerate(cells):
        cell = ws.cell(row=1 + i // 4, column=1 + (i * 7) % 30)
        if value == "rich":
            value = CellRichText("ความ", TextBlock(InlineFont(b=True), "ก้าวหน้า"), " 5%")
        cell.value = value
        cell.number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_xlsxwriter(cells, mac: bool) -> bytes:
    """Rich text goes into the shared strings as runs when Excel or xlsxwriter writes it."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"date_1904": mac, "in_memory": True, "strings_to_numbers": False,
                                   "strings_to_formulas": False})
    ws = wb.add_worksheet("ข้อมูล Data")
    bold = wb.add_format({"bold": True})
    for i, (value, fmt) in enumerate(cells):
        row, col, style = i // 4, (i * 7) % 30, wb.add_format({"num_format": fmt})
        if value == "rich":
            ws.write_rich_string(row, col, "ความ", bold, "ก้าวหน้า", " 5%", style)
        elif isinstance(value, str) and value.startswith("="):
            ws.write_formula(row, col, value, style)
        elif isinstance(value, str):
            ws.write_string(row, col, value, style)
        elif isinstance(value, dt.datetime):
            ws.write_datetime(row, col, value, style)
        elif value is None:
            ws.write_blank(row, col, None, style)
        else:
            ws.write(row, col, value, style)
    wb.close()
    return buf.getvalue()


@pytest.mark.parametrize("write", [with_openpyxl, with_xlsxwriter])
@given(cells=st.lists(st.tuples(VALUES, st.sampled_from(FORMATS)), min_size=1, max_size=30), mac=st.booleans())
def test_every_cell_reads_as_openpyxl_reads_it(write, cells, mac):
    """Cell by cell as openpyxl reads it, except one thing openpyxl reads wrong: Excel's `_xHHHH_`
    escapes in shared strings (openpyxl only drops `x005F_`, so `x005F_x` reads as `x`); there the
    Book gives the text that was written."""
    data = write(cells, mac)
    expected = openpyxl_cells(data, "ข้อมูล Data")
    written = {(1 + i // 4, 1 + (i * 7) % 30): v for i, (v, _) in enumerate(cells)}
    for rc, (value, dtype, fmt, ref) in expected.items():
        typed = written.get(rc)
        if dtype == "s" and isinstance(typed, str) and typed != "rich" and "x005F_" in typed:
            expected[rc] = (typed, dtype, fmt, ref)
    assert book_cells(data, "ข้อมูล Data") == expected


def test_a_generated_workbook_reads_as_openpyxl_reads_it(tmp_path, spec, seed_project):
    path = tmp_path / "blank.xlsx"
    generate_workbook(spec, seed_project, path)
    data = path.read_bytes()
    book = Book(data)
    wb = openpyxl.load_workbook(path, read_only=True)
    assert book.titles == wb.sheetnames
    assert [book.state(t) for t in book.titles] == [ws.sheet_state for ws in wb.worksheets]
    assert book.custom_properties == {p.name: p.value for p in wb.custom_doc_props.props}
    assert book.defined_names == {n: d.attr_text for n, d in wb.defined_names.items()}
    for title in book.titles:
        assert book_cells(data, title) == openpyxl_cells(data, title)


def test_a_sheet_is_parsed_only_as_far_down_as_asked(tmp_path):
    wb = openpyxl.Workbook()
    for r in range(1, 2001):
        wb.active.cell(row=r, column=1, value=r)
    buf = io.BytesIO()
    wb.save(buf)
    book = Book(buf.getvalue())
    assert max(r for r, _ in book.cells("Sheet", 10)) == 10
    assert book.cell("Sheet", 1500, 1) == 1500 and book.cell("Sheet", 5, 1) == 5


def test_a_part_that_is_not_xml_is_one_rejection(tmp_path, spec, seed_project):
    path = tmp_path / "blank.xlsx"
    generate_workbook(spec, seed_project, path)
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            out.writestr(info, b"<not xml" if info.filename == "xl/sharedStrings.xml" else src.read(info))
    book = safety.open_book(buf.getvalue())
    with pytest.raises(safety.Rejected) as caught, safety.parse_errors():
        book.cells(spec.sheets["project"], 20)
    assert caught.value.code == "F008"


@pytest.mark.parametrize("writer", ["openpyxl", "xlsxwriter"])
@pytest.mark.parametrize("mac", [False, True], ids=["1900", "1904"])
def test_the_workbook_part_reads_as_openpyxl_reads_it(writer, mac):
    """Sheets in order with their states, the workbook's own names (a sheet's own left out), the date
    system: read from workbook.xml directly, as openpyxl's load gives them."""
    buf = io.BytesIO()
    if writer == "openpyxl":
        wb = openpyxl.Workbook()
        wb.epoch = CALENDAR_MAC_1904 if mac else wb.epoch
        wb.active.title = "ข้อมูล Data"
        wb.create_sheet("ซ่อน Hidden").sheet_state = "hidden"
        wb.create_sheet("it's & <odd>").sheet_state = "veryHidden"
        wb.defined_names["px_a"] = DefinedName("px_a", attr_text="'ข้อมูล Data'!$A$1:$B$3")
        wb.defined_names["px_b"] = DefinedName("px_b", attr_text="'it''s & <odd>'!$C$9")
        wb["ซ่อน Hidden"].defined_names["local"] = DefinedName("local", attr_text="'ซ่อน Hidden'!$A$1")
        wb.save(buf)
    else:
        with xlsxwriter.Workbook(buf, {"date_1904": mac, "in_memory": True}) as wb:
            wb.add_worksheet("ข้อมูล Data")
            wb.add_worksheet("ซ่อน Hidden").hide()
            wb.add_worksheet("it's & <odd>").very_hidden()
            wb.define_name("px_a", "='ข้อมูล Data'!$A$1:$B$3")
            wb.define_name("px_b", "='it''s & <odd>'!$C$9")
            wb.define_name("'ซ่อน Hidden'!local", "='ซ่อน Hidden'!$A$1")
    data = buf.getvalue()
    book, theirs = Book(data), openpyxl.load_workbook(io.BytesIO(data))
    assert book.titles == theirs.sheetnames == ["ข้อมูล Data", "ซ่อน Hidden", "it's & <odd>"]
    assert [book.state(t) for t in book.titles] == [ws.sheet_state for ws in theirs.worksheets] == [
        "visible", "hidden", "veryHidden"]
    assert book.defined_names == {n: d.attr_text for n, d in theirs.defined_names.items()} == {
        "px_a": "'ข้อมูล Data'!$A$1:$B$3", "px_b": "'it''s & <odd>'!$C$9"}
    assert book.date1904 == (theirs.epoch == CALENDAR_MAC_1904) == mac


@pytest.mark.parametrize("written, mac", [("1", True), ("true", True), ("on", True), ("t", True), ("0", False),
                                          ("false", False), ("FALSE", False), ("f", False), (None, False)])
def test_the_date_system_is_read_however_the_flag_is_spelled(written, mac):
    """A 1904 workbook read as 1900 puts every date four years off: the flag as openpyxl takes it
    (any text but false/f/0), and FALSE as false (openpyxl takes it as true)."""
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"date_1904": True, "in_memory": True}) as wb:
        wb.add_worksheet("a")
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                flag = b'' if written is None else f' date1904="{written}"'.encode()
                data = data.replace(b' date1904="1"', flag)
            dst.writestr(info, data)
    assert Book(out.getvalue()).date1904 is mac
