"""The master as data (master_data), written by master.py and exported as CSV by export.py."""
import csv
import dataclasses
import datetime as dt
import io
import re
import shutil
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenarios import CLEAN

from progress_xl import master_data
from progress_xl.cli import main
from progress_xl.consolidate import consolidate
from progress_xl.export import FORMULA_START, csv_cell, projects_csv
from progress_xl.generate import generate_workbook
from progress_xl.master import SHEETS
from progress_xl.master_data import PROJECT_HEADERS, Table
from progress_xl.state import LABELS, State

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_NAMES = ["=1+2.xlsx", "+66 รายงาน.xlsx", "-ลบ.xlsx", "@SUM(A1).xlsx"]


@pytest.fixture(scope="module")
def month(tmp_path_factory, spec, projects):
    """Four projects whose files arrive under names a spreadsheet would take for formulas; one missing."""
    tmp = tmp_path_factory.mktemp("export")
    inbox = tmp / "inbox"
    inbox.mkdir()
    few = projects[:5]
    for p, name in zip(few, HOSTILE_NAMES):
        generate_workbook(spec, p, inbox / name, reports=CLEAN)
    run = consolidate(inbox, projects=few, fy=2564, month=3, out_dir=tmp / "out")
    return few, run, tmp


def _sheet_rows(path, key):
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [r for r in wb[SHEETS[key]].iter_rows(min_row=3, values_only=True)]
    finally:
        wb.close()


def test_csv_is_the_projects_table_of_the_master(month, tmp_path):
    few, run, _ = month
    target = projects_csv(tmp_path / "projects.csv", ledger_path=run.ledger, projects=few, fy=2564, month=3,
                          outcomes=run.outcomes)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw          # Excel reads the BOM as UTF-8: Thai shows
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert header == [f"{th} / {en}" for th, en in PROJECT_HEADERS]
    sheet = _sheet_rows(run.master, "projects")
    assert len(rows) == len(sheet) == 5
    for got, shown in zip(rows, sheet):
        for text, value in zip(got, shown):
            if isinstance(value, (int, float)):
                assert float(text) == pytest.approx(value)                 # numbers stay numbers
            elif isinstance(value, dt.datetime):
                assert text == value.date().isoformat()
            elif value is None:
                assert text == ""
            else:
                assert text == ("'" + value if value.startswith(FORMULA_START) else value)
    files = {r[PROJECT_HEADERS.index(("ไฟล์", "File"))] for r in rows}
    assert files == {"'" + n for n in HOSTILE_NAMES} | {""}


def test_consolidate_csv_option(month, runner, tmp_path):
    few, run, tmp = month
    register = ROOT / "samples" / "register.csv"
    out = tmp_path / "out"
    shutil.copytree(run.ledger.parent, out)
    target = tmp_path / "export" / "projects.csv"
    res = runner.invoke(main, ["consolidate", str(tmp / "inbox"), "--register", str(register), "--fy", "2564",
                               "--month", "3", "--out", str(out), "--csv", str(target)])
    assert res.exit_code == 0, res.output
    assert str(target.resolve()) in res.stdout
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == 1 + len({p.code for p in _register_projects(register)})     # every project of the register
    assert not [p.name for p in target.parent.iterdir() if p.name != "projects.csv"]   # written atomically


def _register_projects(path):
    from progress_xl.register import read_register
    from progress_xl.spec import load_spec
    return read_register(path, load_spec(), 2564).projects


@given(st.text())
def test_a_text_cell_is_never_a_formula(text):
    out = csv_cell(text)
    assert out in (text, "'" + text) and not out.startswith(FORMULA_START)
    assert (out != text) == text.startswith(FORMULA_START)


@pytest.mark.parametrize("value, text", [
    (Decimal("-5"), "-5"), (Decimal("1500.50"), "1500.50"), (Decimal("1E+3"), "1000"), (12, "12"), (-2.5, "-2.5"),
    (0, "0"), (None, ""), (dt.date(2020, 10, 22), "2020-10-22"), (dt.datetime(2020, 10, 22, 9, 30), "2020-10-22T09:30:00"),
    ("-5", "'-5"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("ก=1", "ก=1"), ("", "")])
def test_cells_by_class(value, text):
    assert csv_cell(value) == text


def test_one_state_enum_one_label_table():
    assert set(LABELS) == set(State) and all(" / " in s.label for s in State)
    assert State("accepted") is State.ACCEPTED and State.ACCEPTED == "accepted"      # the ledger's strings


def test_a_table_finds_columns_by_english_header():
    t = Table("projects", PROJECT_HEADERS, [])
    assert t.column("Progress (%)") == 5 and t.by_column({"File": 1}) == {PROJECT_HEADERS.index(("ไฟล์", "File")): 1}
    with pytest.raises(KeyError, match="Progres"):
        t.column("Progres")
    with pytest.raises(ValueError, match="unknown"):
        Table("projects", PROJECT_HEADERS, [], widths={"Nope": 3})
    with pytest.raises(ValueError):
        Table("projects", PROJECT_HEADERS + (("x", "File"),), [])


def test_charts_find_their_columns_by_header(month, monkeypatch, tmp_path):
    """Move every column of the projects table: the progress-vs-time chart still plots each
    project's (time elapsed, progress), found by header, not by position."""
    few, run, tmp = month
    original = master_data.MasterData.projects_table
    order = list(reversed(range(len(PROJECT_HEADERS))))                               # every column moves

    def reversed_table(self):
        t = original(self)
        return dataclasses.replace(t, headers=tuple(t.headers[i] for i in order),
                                   rows=[tuple(r[i] for i in order) for r in t.rows])
    monkeypatch.setattr(master_data.MasterData, "projects_table", reversed_table)
    again = consolidate(tmp / "inbox", projects=few, fy=2564, month=3, out_dir=tmp_path / "out")
    with zipfile.ZipFile(again.master) as zf:
        charts = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/chart")]
    scatter = next(c for c in charts if "scatterChart" in c)
    plotted = []
    for series in re.findall(r"<c:ser>(.*?)</c:ser>", scatter, re.S):
        xs, ys = (re.findall(r"<c:v>([^<]*)</c:v>", part) for part in (
            re.search(r"<c:xVal>(.*?)</c:xVal>", series, re.S).group(1),
            re.search(r"<c:yVal>(.*?)</c:yVal>", series, re.S).group(1)))
        plotted += [(round(float(x), 1), round(float(y), 1)) for x, y in zip(xs, ys)]
    header = {en: i for i, (_, en) in enumerate(tuple(PROJECT_HEADERS[i] for i in order))}
    sheet = _sheet_rows(again.master, "projects")
    expected = [(round(float(r[header["Time elapsed (%)"]]), 1), round(float(r[header["Progress (%)"]]), 1))
                for r in sheet if r[header["Time elapsed (%)"]] is not None and r[header["Progress (%)"]] is not None]
    assert expected and Counter(expected) <= Counter(plotted)          # plus the on-plan diagonal's ends
    assert Counter(plotted) - Counter(expected) == Counter([(0.0, 0.0), (100.0, 100.0)])
    assert [r[header["Project code"]] for r in sheet] == [p.code for p in sorted(few, key=lambda p: p.code)]