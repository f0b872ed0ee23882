"""One cell as the reader takes it, where mutation testing found no test (scripts/mutation.py read): a raw
date serial in a plain cell (1900 and 1904 systems), a date typed as the workbook asks, formulas and
error values however a client stores them, list choices, a progress fraction at the ends of 0 < x <= 1,
and which rejections are about the moment. Then whole workbooks as people and tools leave them: properties
or `_meta` stripped, names lost, rows and columns inserted, labels retyped (T004), derived cells typed over
in the last rows, two-digit years, and what a rejection says."""
from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from helpers import with_version
from scenarios import CLEAN, FILLED
from test_read import MONTHLY, PROJECT, at, blank, drop_names, read_ok, report, typed  # noqa: F401 - blank is a fixture

from progress_xl import safety
from progress_xl.book import Book
from progress_xl.generate import generate_workbook
from progress_xl.issues import issue, render
from progress_xl.read import (LABEL_SCAN_COLS, Rejection, Submission, Value, _int, _resolve_fractions, _value, project_code_of,
                              read_submission)
from progress_xl.spec import available_versions, load_spec

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
    assert [(f.code, f.file, f.cell, f.context["percent"]) for f in found] == [("V012", "f.xlsx", "G2", f"{scaled:f}")]
    assert (found[0].th, found[0].en) == render("V012", value=str(fraction), percent=f"{scaled:f}",
                                                label_th=PROGRESS.th, label_en=PROGRESS.en)
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


@pytest.mark.parametrize("raw, dtype", [("=A1", "f"), ("#N/A", "e")])
def test_a_formula_or_error_value_keeps_its_place(raw, dtype):
    v = read(NARRATIVE, raw, dtype=dtype)
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


def test_a_choice_typed_otherwise_tells_both_spellings():
    choice = SPEC.choices[STATUS.choices][0]
    note = read(STATUS, choice.en.upper()).notes[0]
    assert (note.th, note.en) == render("N001", raw=choice.en.upper(), value_th=choice.value, value_en=choice.en,
                                        label_th=STATUS.th, label_en=STATUS.en, field=STATUS.key)


@pytest.mark.parametrize("raw", ["#GETTING_DATA", "#BLOCKED!", "#FIELD!"])
def test_an_error_value_of_a_kind_not_listed_is_never_data(raw):
    v = read(NARRATIVE, raw, dtype="e")
    assert v.value is None and v.error.code == "V008" and v.error.value == raw


# -- whole workbooks, edited as people and tools edit them ----------------------------------------------------
def without_properties(path: Path, out: Path) -> Path:
    """The workbook as a tool that drops the custom document properties leaves it."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "docProps/custom.xml":
                dst.writestr(info, src.read(info))
    return out


def shifted(ref: str, rows: int = 0, cols: int = 0) -> str:
    col, row = coordinate_from_string(ref)
    return f"{get_column_letter(column_index_from_string(col) + cols)}{row + rows}"


@pytest.mark.parametrize("version", available_versions())
def test_a_workbook_without_properties_or_meta_is_known_by_its_names(tmp_path, seed_project, version):
    path = tmp_path / "v.xlsx"
    generate_workbook(load_spec(version), seed_project, path, reports=CLEAN)
    bare = without_properties(typed(path, {}, setup=lambda wb: wb.remove(wb["_meta"])), tmp_path / "bare.xlsx")
    sub = read_ok(bare)
    assert sub.template_version == version and set(sub.routes.values()) == {"name"}
    assert [sub.reports[k]["progress"].value for k in CLEAN] == [CLEAN[k]["progress"] for k in CLEAN]


@pytest.mark.parametrize("edit", [lambda ws: None, lambda ws: ws.delete_rows(1), lambda ws: ws.insert_rows(3, 4)],
                         ids=["as-written", "header-row-deleted", "rows-inserted"])
def test_meta_alone_names_the_version_and_the_cells(blank, tmp_path, edit):
    def lose(wb):
        drop_names(wb)
        edit(wb["_meta"])
    bare = without_properties(typed(blank, {at("progress"): 45}, setup=lose), tmp_path / "bare.xlsx")
    sub = read_ok(bare)
    assert sub.template_version == SPEC.version and set(sub.routes.values()) == {"meta"}
    assert report(sub, 1, "progress").value == 45 and sub.project_code == "01000000-2462"
    assert {i.context["field"] for i in sub.issues if i.code == "T003"} == {f.key for f in SPEC.fields}


def test_the_project_code_is_read_cheaply_and_through_meta_when_names_are_lost(blank, tmp_path, monkeypatch):
    read_sheets: list[str] = []
    cells = Book.cells
    monkeypatch.setattr(Book, "cells", lambda self, title, rows: read_sheets.append(title) or cells(self, title, rows))
    assert project_code_of(blank) == "01000000-2462"
    assert set(read_sheets) == {PROJECT}                     # the properties name the version: no _meta read
    read_sheets.clear()
    bare = without_properties(typed(blank, {}, setup=drop_names), tmp_path / "bare.xlsx")
    assert project_code_of(bare) == "01000000-2462" and "_meta" in read_sheets


def test_a_name_widened_over_a_range_reads_its_first_cell(blank):
    def widen(wb):
        for key in ("project_code", "budget_allocated"):
            f = SPEC.field(key)
            wb.defined_names[f.defined_name].attr_text = f"'{PROJECT}'!${f.cell[0]}${f.cell[1:]}:$F${f.cell[1:]}"
    sub = read_ok(typed(blank, {}, setup=widen))
    assert sub.project_code == "01000000-2462" and sub.project["budget_allocated"].value == Decimal(122800)
    assert (sub.project["project_code"].cell, sub.routes["project_code"]) == (SPEC.field("project_code").cell, "name")


@pytest.mark.parametrize("rows, cols", [(2, 0), (0, 1), (3, 2)], ids=["rows", "a-column", "rows-and-columns"])
def test_rows_and_columns_inserted_before_the_project_fields_are_followed_by_their_labels(blank, rows, cols):
    def insert(wb):
        drop_names(wb)
        if rows:
            wb[PROJECT].insert_rows(4, rows)
        if cols:
            wb[PROJECT].insert_cols(1, cols)
    plain, sub = read_ok(blank), read_ok(typed(blank, {}, setup=insert))
    for f in SPEC.project_fields:
        got, was = sub.project[f.key], plain.project[f.key]
        assert (got.value, got.sheet, got.cell, sub.routes[f.key]) == (was.value, PROJECT, shifted(was.cell, rows, cols),
                                                                        "label"), f.key
    assert {i.context["field"] for i in sub.issues if i.code == "T003"} >= {f.key for f in SPEC.project_fields}


LAST_INPUT = SPEC.field("remark")        # the right-most column a person types in


@pytest.mark.parametrize("found", [True, False], ids=["pushed-to-the-last-column-scanned", "pushed-past-it"])
def test_columns_inserted_before_the_monthly_block_are_followed_as_far_as_labels_are_looked_for(blank, found):
    inserted = LABEL_SCAN_COLS - column_index_from_string(LAST_INPUT.column) + (0 if found else 1)

    def insert(wb):
        drop_names(wb)
        wb[MONTHLY].insert_cols(1, inserted)
    path = typed(blank, {}, setup=insert)
    path = typed(path, {shifted(at("progress"), cols=inserted): 45, shifted(at("remark"), cols=inserted): "ล่าช้า"},
                 out=path.with_name("typed2.xlsx"))
    sub = read_ok(path)
    assert (report(sub, 1, "progress").value, report(sub, 1, "progress").cell) == (45, shifted(at("progress"), cols=inserted))
    missing = [i.context["field"] for i in sub.issues if i.code == "T004"]
    if found:
        assert report(sub, 1, "remark").value == "ล่าช้า" and sub.routes["remark"] == "label" and missing == []
    else:
        assert report(sub, 1, "remark").cell is None and missing == ["remark"]


def lose_project_field(wb, f, label: str) -> None:
    """Every way of finding project field `f` gone: the names, its `_meta` row, its labels retyped."""
    drop_names(wb)
    meta = wb["_meta"]
    meta.delete_rows(next(c.row for c in meta["A"] if c.value == f"field.{f.key}"))
    for col in SPEC.project_label_columns:
        wb[PROJECT][f"{col}{f.cell[1:]}"] = label


def test_a_project_code_that_cannot_be_located_refuses_the_workbook(blank):
    f = SPEC.field("project_code")

    path = typed(blank, {}, setup=lambda wb: lose_project_field(wb, f, "เลขที่ / No."))
    got = read_submission(path)
    assert isinstance(got, Rejection) and got.issue.code == "T004" and got.issue.context["field"] == "project_code"
    assert got.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("k", [1, SPEC.monthly.rows - 1, SPEC.monthly.rows])
def test_a_derived_cell_typed_over_is_flagged_in_every_report_row(blank, k):
    sub = read_ok(typed(blank, {at("cumulative", k): 5000, at("check", k): "พร้อมส่ง"}))
    assert {(i.code, i.cell, i.context["field"]) for i in sub.issues if i.code == "T008"} == {
        ("T008", at("cumulative", k), "cumulative"), ("T008", at("check", k), "check")}


@pytest.mark.parametrize("written", ["9", "abc"])
def test_an_unknown_version_is_refused_naming_it(blank, tmp_path, written):
    out = with_version(blank, tmp_path / "unknown.xlsx", written, SPEC.version)
    got = read_submission(out)
    assert isinstance(got, Rejection) and got.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert (got.issue.code, got.issue.th, got.issue.en) == ("T002", *render("T002", version=written))


def test_a_file_refused_before_it_is_read_says_why(blank, tmp_path, monkeypatch):
    gone = read_submission(tmp_path / "gone.xlsx", name="ส่งมา.xlsx")
    assert gone.file == gone.issue.file == "ส่งมา.xlsx"
    assert (gone.issue.th, gone.issue.en) == render("F001", reason="No such file or directory")
    assert gone.sha256 is None and gone.transient
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 1000)
    big = read_submission(blank)
    assert (big.issue.th, big.issue.en) == render("F003", size=blank.stat().st_size, limit=1000)
    assert big.sha256 == hashlib.sha256(blank.read_bytes()).hexdigest() and not big.transient


@pytest.mark.parametrize("k, typed_in, day, code", [
    (1, "22/10/20", dt.date(2020, 10, 22), "N015"), (1, "22/10/63", dt.date(2020, 10, 22), "N015"),
    (4, "22/1/64", dt.date(2021, 1, 22), "N015"), (1, dt.datetime(1963, 10, 22), dt.date(2020, 10, 22), "N016"),
], ids=["ce", "be", "be-next-calendar-year", "made-a-date-by-the-client"])
def test_a_two_digit_year_is_read_in_the_year_of_the_report_month(blank, k, typed_in, day, code):
    v = report(read_ok(typed(blank, {at("report_date", k): typed_in})), k, "report_date")
    assert v.value == day and [n.code for n in v.notes] == [code]


def test_every_finding_names_the_file_as_received_and_where_it_is(tmp_path, spec, seed_project):
    path = tmp_path / "b.xlsx"
    generate_workbook(spec, seed_project, path, reports=FILLED)

    def mess(wb):
        drop_names(wb)
        wb[MONTHLY].merge_cells(f"{at('narrative', 11)}:{at('narrative', 12)}")
        wb["_meta"].delete_rows(next(c.row for c in wb["_meta"]["A"] if c.value == "field.remark"))
        wb[MONTHLY][at("remark", shift=-2)] = wb[MONTHLY][at("remark", shift=-1)] = "อื่น ๆ"     # its labels retyped
    edited = typed(path, {at("progress", 11): "0.5", at("disbursed", 11): "=A1"}, setup=mess)
    sub = read_submission(edited, name="ส่งมา 1.xlsx")
    assert isinstance(sub, Submission) and sub.sha256 == hashlib.sha256(edited.read_bytes()).hexdigest()
    found = sub.issues + [n for v in sub.values() for n in (*v.notes, *([v.error] if v.error else []))]
    assert {"T003", "T004", "T006", "V012", "V007", "N001"} <= {i.code for i in found}
    assert {i.file for i in found} == {"ส่งมา 1.xlsx"}
    assert all(i.sheet == MONTHLY for i in found if i.code[0] in "VN" or i.code == "T006")
    assert [i.context["range"] for i in found if i.code == "T006"] == [f"{at('narrative', 11)}:{at('narrative', 12)}"]


def test_the_budget_used_is_recomputed_when_its_cell_is_lost(blank):
    f = SPEC.field("budget_used")

    sub = read_ok(typed(blank, {at("disbursed"): 1000, at("disbursed", 2): "500 บาท"},
                        setup=lambda wb: lose_project_field(wb, f, "-")))
    assert sub.project[f.key] == Value(f.key, None, Decimal(1500), None, None) and f.key not in sub.routes


def test_only_a_hidden_sheet_that_is_not_the_templates_is_told(blank):
    def add(wb):
        wb.create_sheet("สรุปของฉัน")
        wb.create_sheet("ลับ").sheet_state = "hidden"
        wb.create_sheet("ลับมาก").sheet_state = "veryHidden"
    assert [i.sheet for i in read_ok(blank).issues if i.code == "T005"] == []          # _lists and _meta are ours
    assert [i.sheet for i in read_ok(typed(blank, {}, setup=add)).issues if i.code == "T005"] == ["ลับ", "ลับมาก"]
