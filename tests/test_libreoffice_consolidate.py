"""The master workbook in real LibreOffice, and its reviewed text dump (issue 6)."""
from pathlib import Path

import pytest
from helpers import cell_values, fold, formula_cells, pdf_text, same, text_dump
from test_consolidate import mixed_inbox

from progress_xl.consolidate import consolidate
from progress_xl.office import convert

GOLDEN = Path(__file__).resolve().parent / "golden" / "master_mixed.txt"


@pytest.fixture(scope="module")
def master(tmp_path_factory, spec, projects):
    tmp = tmp_path_factory.mktemp("master")
    mixed_inbox(tmp / "inbox", spec, projects[:10])
    return consolidate(tmp / "inbox", projects=projects[:10], fy=2564, month=3, out_dir=tmp / "out", pdf=True).master


def test_master_matches_the_reviewed_text_dump(master):
    """scripts/update_golden.py rewrites it; review the diff before committing."""
    assert text_dump(master) == GOLDEN.read_text(encoding="utf-8")


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
