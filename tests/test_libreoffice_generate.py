"""Generated workbooks in real LibreOffice (issue 3): open, recalculate to our cached values,
survive a re-save with names, validations, protection and _meta, and print to A4 with Thai text."""
import subprocess

import openpyxl
import pytest
from helpers import cell_values, fold, formula_cells, pdf_text, same
from test_generate import FILLED

from progress_xl.generate import generate_workbook
from progress_xl.office import convert

pytestmark = pytest.mark.soffice


@pytest.fixture(scope="module")
def books(tmp_path_factory, spec, projects, seed_project):
    """Every sample workbook plus a filled one with mistakes, re-saved by LibreOffice (recalculating)."""
    src = tmp_path_factory.mktemp("src")
    originals = []
    for project in projects:
        path = src / f"{project.code}.xlsx"
        generate_workbook(spec, project, path)
        originals.append(path)
    filled = src / "filled.xlsx"
    generate_workbook(spec, seed_project, filled, reports=FILLED)
    originals.append(filled)
    resaved = convert(originals, "xlsx", tmp_path_factory.mktemp("resaved"))
    return list(zip(originals, resaved))


def test_every_formula_recalculates_to_the_cached_value(books):
    checked = 0
    for original, resaved in books:
        formulas = formula_cells(original)
        ours, theirs = cell_values(original, formulas), cell_values(resaved, formulas)
        wrong = {cell: (ours[cell], theirs[cell]) for cell in formulas if not same(ours[cell], theirs[cell])}
        assert not wrong, f"{original.name}: cached != LibreOffice {list(wrong.items())[:3]}"
        checked += len(formulas)
    assert checked > 60 * 50


def test_resave_keeps_names_validations_protection_and_meta(books, spec):
    original, resaved = books[-1]
    a, b = openpyxl.load_workbook(original), openpyxl.load_workbook(resaved)
    names = lambda wb: {n: sorted(d.destinations) for n, d in wb.defined_names.items() if not n.startswith("_xlnm")}
    norm = lambda d: {n: [(s, r.replace("$", "")) for s, r in v] for n, v in d.items()}
    assert norm(names(b)) == norm(names(a)) and len(names(a)) >= len(spec.fields)
    for sheet in (spec.sheets["project"], spec.sheets["monthly"]):
        # LibreOffice adds formula1="0" to "any value" prompts, which is harmless
        dv = lambda wb: sorted((str(v.sqref), v.type, v.formula1 if v.type else None, v.prompt)
                               for v in wb[sheet].data_validations.dataValidation)
        assert dv(b) == dv(a)
        assert b[sheet].protection.sheet
    meta = spec.sheets["meta"]
    assert b[meta].sheet_state in ("hidden", "veryHidden")   # LibreOffice has no veryHidden
    assert list(b[meta].iter_rows(values_only=True)) == list(a[meta].iter_rows(values_only=True))
    inputs = [spec.monthly_cell(f.key, 1) for f in spec.monthly_fields if f.is_input]
    assert all(not b[spec.sheets["monthly"]][c].protection.locked for c in inputs)


def test_pdf_is_a4_with_thai_title_and_month_labels(books, tmp_path, spec):
    original, _ = books[-1]
    pdf, = convert([original], "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True).stdout
    sizes = [line.split(":", 1)[1] for line in info.splitlines() if line.startswith("Page") and "size" in line]
    assert sizes and all("595.3" in s and "841.89" in s for s in sizes), sizes
    text = pdf_text(pdf)
    for expected in (spec.title_th, "ต.ค. 2563", "ก.ย. 2564", "รายงานครั้งที่1 :: 22/10/2563 : เตรียมข้อมูล",
                     "งบประมาณที่เบิกใช้ (ครั้งที่ 2) = 1,501 บาท", "ขอรับรองว่า"):
        assert fold(expected) in text, expected


def test_the_reader_sees_a_libreoffice_file_as_openpyxl_does(books):
    """book.Book against openpyxl's read-only mode on files LibreOffice wrote (its own shared strings,
    styles, rels and number formats), every cell of every sheet."""
    from test_book import book_cells, openpyxl_cells

    from progress_xl.book import Book
    original, resaved = books[-1]
    data = resaved.read_bytes()
    titles = Book(data).titles
    assert len(titles) >= 5
    for title in titles:
        assert book_cells(data, title) == openpyxl_cells(data, title), title
