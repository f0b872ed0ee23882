"""One cell as the reader takes it, where mutation testing found no test (scripts/mutation.py read): a raw
date serial in a plain cell (1900 and 1904 systems), a date typed as the workbook asks, formulas and
error values however a client stores them, list choices, a progress fraction at the ends of 0 < x <= 1,
and which rejections are about the moment."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from progress_xl.issues import issue, render
from progress_xl.read import Rejection, Value, _int, _resolve_fractions, _value
from progress_xl.spec import load_spec

SPEC = load_spec()
DATE, PROGRESS, STATUS, NARRATIVE = (SPEC.field(k) for k in ("report_date", "progress", "plan_status", "narrative"))


def read(f, raw, *, fmt="General", dtype=None, date1904=False, near=None) -> Value:
    dtype = dtype or ("s" if isinstance(raw, str) else "n")
    cell = SimpleNamespace(value=raw, number_format=fmt, data_type=dtype)
    return _value(SPEC, f, cell, "S", "B7", "f.xlsx", date1904, near)


# -- dates --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, date1904", [(44126, False), (42664, True)])
def test_a_raw_date_serial_in_a_plain_cell_is_read_with_a_note(raw, date1904):
    v = read(DATE, raw, date1904=date1904)
    assert v.value == dt.date(2020, 10, 22) and v.error is None
    assert [(n.code, n.sheet, n.cell, n.value) for n in v.notes] == [("N001", "S", "B7", str(raw))]
    assert (v.notes[0].th, v.notes[0].en) == render("N001", raw=str(raw), value_th="22 ต.ค. 2563",
                                                    value_en="2020-10-22", label_th=DATE.th, label_en=DATE.en,
                                                    field=DATE.key)


@pytest.mark.parametrize("raw", ["22/10/2563", " 22/10/2563 "])
def test_a_date_typed_as_the_text_cell_asks_has_no_note(raw):
    assert read(DATE, raw, fmt="@").notes == ()
    assert read(DATE, raw, fmt="@").value == dt.date(2020, 10, 22)


def test_a_date_typed_otherwise_is_told():
    assert [n.code for n in read(DATE, "22/10/2563").notes] == ["N001"]           # a General cell
    assert [n.code for n in read(DATE, "22 ต.ค. 2563", fmt="@").notes] == ["N001"]  # not as the cell asks


def test_the_report_year_reaches_a_two_digit_year():
    v = read(DATE, "22/10/20", near=1977)
    assert v.value == dt.date(1977, 10, 22) and v.notes[0].code == "N015"


# -- what is never data ----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, dtype, code", [
    ("=A1+1", "f", "V007"), ("=A1+1", "n", "V007"), ("='[1]Sheet'!A1", "f", "V014"),
    ("=[budget.xlsx]S!A1", "f", "V014"), ("=old.xls!A1", "n", "V014"),
    ("#N/A", "e", "V008"), (" #DIV/0! ", "s", "V008"), ("#REF!", "n", "V008"),
])
def test_formulas_and_error_values_are_never_data(raw, dtype, code):
    v = read(NARRATIVE, raw, dtype=dtype)
    assert v.value is None and v.error.code == code and (v.error.sheet, v.error.cell, v.error.value) == ("S", "B7", raw)


def test_text_that_starts_with_equals_in_a_text_cell_is_text():
    assert read(NARRATIVE, "=ดูเอกสารแนบ", dtype="s").error is None


@pytest.mark.parametrize("raw", [None, "", "  \u200b "])
def test_a_blank_cell_is_no_value_and_no_finding(raw):
    assert read(NARRATIVE, raw) == Value(NARRATIVE.key, raw, None, "S", "B7")


def test_an_unreadable_value_names_its_cell_and_field():
    v = read(PROGRESS, "ห้าสิบ")
    assert v.error.code == "V002" and v.error.cell == "B7" and v.error.context["field"] == "progress"


# -- list choices --------------------------------------------------------------------------------------------
def test_choices_exact_cleaned_and_unknown():
    choice = SPEC.choices[STATUS.choices][0]
    assert read(STATUS, choice.value).value == choice.value and read(STATUS, choice.value).notes == ()
    spaced = f"  {choice.value}\u00a0"
    v = read(STATUS, spaced)
    assert v.value == choice.value and [(n.code, n.context["value_en"]) for n in v.notes] == [("N001", choice.en)]
    assert read(STATUS, choice.en.upper()).value == choice.value
    assert read(STATUS, "ตามแผนครับ").error.code == "V004"


# -- a progress fraction in a plain cell -------------------------------------------------------------------
def progress(*values) -> dict:
    return {k: {"progress": Value("progress", v, v, "S", f"G{k}")} for k, v in enumerate(values, start=1)}


@pytest.mark.parametrize("fraction, scaled", [(Decimal("0.5"), Decimal(50)), (Decimal(1), Decimal(100))])
def test_a_fraction_after_a_higher_month_is_read_as_percent_with_a_warning(fraction, scaled):
    reports = progress(Decimal(40), fraction)
    found = _resolve_fractions(SPEC, reports, "f.xlsx", {})
    assert reports[2]["progress"].value == scaled
    assert [(f.code, f.cell, f.context["percent"]) for f in found] == [("V012", "G2", f"{scaled:f}")]
    assert reports[2]["progress"].notes == tuple(found)


@pytest.mark.parametrize("value", [Decimal(0), Decimal("1.01"), Decimal(5)])
def test_no_fraction_outside_0_to_1(value):
    reports = progress(Decimal(40), value)
    assert _resolve_fractions(SPEC, reports, "f.xlsx", {}) == [] and reports[2]["progress"].value == value


def test_a_fraction_without_a_higher_month_before_stays_with_a_warning():
    reports = progress(Decimal("0.3"), Decimal("0.5"))
    found = _resolve_fractions(SPEC, reports, "f.xlsx", {})
    assert [reports[k]["progress"].value for k in (1, 2)] == [Decimal("0.3"), Decimal("0.5")]
    assert [f.cell for f in found] == ["G1", "G2"]


def test_a_fraction_judged_against_the_accepted_history():
    reports = {3: progress(Decimal("0.6"))[1]}
    assert _resolve_fractions(SPEC, reports, "f.xlsx", {1: Decimal(50), 4: Decimal(90)})
    assert reports[3]["progress"].value == Decimal(60)
    reports = {3: progress(Decimal("0.6"))[1]}
    _resolve_fractions(SPEC, reports, "f.xlsx", {4: Decimal(50)})            # a later month is no evidence
    assert reports[3]["progress"].value == Decimal("0.6")


def test_a_scaled_fraction_below_the_month_before_stays_as_typed():
    reports = progress(Decimal(80), Decimal("0.7"))
    _resolve_fractions(SPEC, reports, "f.xlsx", {})
    assert reports[2]["progress"].value == Decimal("0.7")


# -- rejections about the moment, versions ---------------------------------------------------------------------
@pytest.mark.parametrize("code, transient", [("F001", True), ("F012", True), ("M009", True), ("F002", False),
                                             ("F008", False), ("T001", False)])
def test_which_rejections_are_read_again(code, transient):
    found = issue(code, file="f.xlsx", reason="x", seconds="1", log="l", size=1, limit=1, kind="k")
    assert Rejection("f.xlsx", None, found).transient is transient


@pytest.mark.parametrize("raw, version", [(2, 2), ("2.0", 2), ("v3", 3), ("", None), (None, None),
                                          ("abc", "abc"), (" 2.5 ", "2.5")])
def test_a_version_as_written(raw, version):
    assert _int(raw) == version


def test_a_formula_value_keeps_its_place():
    v = read(NARRATIVE, "=A1", dtype="f")
    assert (v.sheet, v.cell) == ("S", "B7")


def test_a_rejection_carries_what_the_file_is(tmp_path):
    from progress_xl.read import read_submission
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"%PDF-1.7 rest")
    rejected = read_submission(path)
    assert (rejected.issue.th, rejected.issue.en) == render("F004", kind="PDF")


def test_the_project_code_from_a_path_or_its_bytes(tmp_path, spec, seed_project):
    from progress_xl.generate import generate_workbook
    from progress_xl.read import project_code_of
    path = tmp_path / "b.xlsx"
    generate_workbook(spec, seed_project, path)
    assert project_code_of(path) == project_code_of(path.read_bytes()) == "01000000-2462"
    (tmp_path / "p.xlsx").write_bytes(b"%PDF-1.7")
    assert project_code_of(tmp_path / "p.xlsx") is None
