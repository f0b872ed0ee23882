"""The master workbook in real LibreOffice (its reviewed text dump is test_golden's, without LibreOffice)."""
import pytest
from helpers import cell_values, fold, formula_cells, pdf_text, same
from scenarios import mixed_inbox

from progress_xl.consolidate import consolidate
from progress_xl.office import convert


@pytest.fixture(scope="module")
def master(tmp_path_factory, spec, projects):
    tmp = tmp_path_factory.mktemp("master")
    mixed_inbox(tmp / "inbox", spec, projects[:10])
    return consolidate(tmp / "inbox", projects=projects[:10], fy=2564, month=3, out_dir=tmp / "out", pdf=True).master


@pytest.mark.soffice
def test_master_recalculates_to_the_same_values_in_libreoffice(master, tmp_path):
    resaved, = convert([master], "xlsx", tmp_path)
    formulas = formula_cells(master)
    ours, theirs = cell_values(master, formulas), cell_values(resaved, formulas)
    assert formulas and all(same(ours[c], theirs[c]) for c in formulas), \
        [(c, ours[c], theirs[c]) for c in formulas if not same(ours[c], theirs[c])][:3]


@pytest.mark.soffice
def test_master_and_board_print_to_pdf_with_charts(master, tmp_path):
    pdf, = convert([master], "pdf", tmp_path)
    text = pdf_text(pdf)
    assert fold("Reporting rate by agency") in text and fold("Disbursed vs allocated") in text    # chart titles
    board = master.with_name(master.stem + "_summary.pdf")
    assert board.is_file() and fold("Progress vs time elapsed") in pdf_text(board)
