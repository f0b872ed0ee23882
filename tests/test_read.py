"""read: every quirk of how people type, and every hostile file, one fixture each (issue 4)."""
import datetime as dt
import shutil
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from test_generate import FILLED

from progress_xl import safety
from progress_xl.generate import generate_workbook
from progress_xl.read import Rejection, Submission, read_submission
from progress_xl.spec import load_spec

SPEC = load_spec()
MONTHLY, PROJECT = SPEC.sheets["monthly"], SPEC.sheets["project"]


def at(key: str, k: int = 1, *, shift: int = 0) -> str:
    """The cell of monthly field `key` in report k of the current template (rows shifted by `shift`)."""
    col = SPEC.field(key).column
    return f"{col}{SPEC.monthly.row_of(k) + shift}"


@pytest.fixture
def blank(tmp_path, spec, seed_project):
    path = tmp_path / "blank.xlsx"
    generate_workbook(spec, seed_project, path)
    return path


def typed(path, cells: dict, out=None, *, setup=None):
    """Type values into a copy of the workbook as openpyxl (the cells keep their formats)."""
    wb = openpyxl.load_workbook(path)
    if setup:
        setup(wb)
    for ref, value in cells.items():
        sheet, cell = ref.split("!") if "!" in ref else (MONTHLY, ref)
        wb[sheet][cell] = value
    out = out or path.with_name("typed.xlsx")
    wb.save(out)
    return out


def read_ok(path) -> Submission:
    result = read_submission(path)
    assert isinstance(result, Submission), str(getattr(result, "issue", result))
    return result


def report(sub, k, key):
    return sub.reports[k][key]


@pytest.mark.parametrize("raw, expected", [
    (dt.datetime(2020, 10, 22), dt.date(2020, 10, 22)),
    ("22/10/2563", dt.date(2020, 10, 22)),
    ("22 ต.ค. 2563", dt.date(2020, 10, 22)),
    ("22 ตุลาคม 2563", dt.date(2020, 10, 22)),
    ("2020-10-22", dt.date(2020, 10, 22)),
    ("๒๒/๑๐/๒๕๖๓", dt.date(2020, 10, 22)),
    (dt.datetime(2563, 10, 22), dt.date(2020, 10, 22)),          # BE year typed into a date cell
    (44126, dt.date(2020, 10, 22)),                              # a serial number
], ids=["real-date", "be-text", "thai-abbr-month", "thai-full-month", "iso", "thai-digits", "be-year-in-date-cell",
        "serial"])
def test_dates(blank, raw, expected):
    v = report(read_ok(typed(blank, {at("report_date"): raw})), 1, "report_date")
    assert v.value == expected and v.error is None
    # every coercion explains itself; a serial in a date-formatted cell is a real date to the client
    # (from v3 on the report date is a text cell: a number there is read as a serial, with a note)
    # and the form a v3 text cell asks for, `22/10/2563`, is no coercion
    assert bool(v.notes) == ((isinstance(raw, str) and not (raw == "22/10/2563" and SPEC.version >= 3))
                             or raw == dt.datetime(2563, 10, 22) or (raw == 44126 and SPEC.version >= 3))
    if raw == dt.datetime(2563, 10, 22):
        assert v.notes[0].code == "N002"


def test_1904_date_system(blank):
    def mac(wb):
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    v = report(read_ok(typed(blank, {at("report_date"): dt.datetime(2020, 10, 22)}, setup=mac)), 1, "report_date")
    assert v.value == dt.date(2020, 10, 22)


@pytest.mark.parametrize("raw, expected", [
    ("122,800", Decimal(122800)), ("122,800 บาท", Decimal(122800)), ("฿122,800.-", Decimal(122800)),
    ("๑๒๒,๘๐๐", Decimal(122800)), ("１２２,８００", Decimal(122800)), (1500.5, Decimal("1500.5")),
    ("1,500.50", Decimal("1500.5")),
], ids=["grouped", "unit", "baht-sign-dash", "thai-digits", "full-width", "number", "grouped-decimal"])
def test_money(blank, raw, expected):
    v = report(read_ok(typed(blank, {at("disbursed"): raw})), 1, "disbursed")
    assert v.value == expected and v.error is None and bool(v.notes) == isinstance(raw, str)


@pytest.mark.parametrize("raw, code", [("หนึ่งแสน", "V002"), ("-500", "V006"), (-500, "V015"), ("1.500,50", "V013")],
                         ids=["words", "negative-text", "negative-number", "ambiguous-separators"])
def test_money_errors_are_never_guessed(blank, raw, code):
    v = report(read_ok(typed(blank, {at("disbursed"): raw})), 1, "disbursed")
    assert v.value is None and v.error.code == code and (v.error.sheet, v.error.cell) == (MONTHLY, at("disbursed"))


@pytest.mark.parametrize("raw, expected", [(5, 5), ("5", 5), ("5%", 5), ("5.00 %", 5), ("ร้อยละ 5", 5), ("๔๕", 45)],
                         ids=["number", "text", "percent-sign", "printed-form", "thai-words", "thai-digits"])
def test_percent(blank, raw, expected):
    assert report(read_ok(typed(blank, {at("progress"): raw})), 1, "progress").value == expected


def test_fraction_in_a_percent_formatted_cell(blank):
    def fmt(wb):
        wb[MONTHLY][at("progress")].number_format = "0.00%"
    v = report(read_ok(typed(blank, {at("progress"): 0.05}, setup=fmt)), 1, "progress")
    assert v.value == 5 and v.notes[0].code == "N003"


def test_fraction_in_a_plain_cell_is_resolved_from_earlier_months_with_a_warning(blank):
    sub = read_ok(typed(blank, {at("progress"): 3, at("progress", 2): 0.05}))
    v = report(sub, 2, "progress")
    assert v.value == 5 and "V012" in [n.code for n in v.notes]
    first = read_ok(typed(blank, {at("progress"): 0.05}))
    v = report(first, 1, "progress")
    assert v.value == Decimal("0.05") and "V012" in [n.code for n in v.notes]   # no history: kept, but asked


@pytest.mark.parametrize("raw, expected", [
    ("เป็นไปตามแผน", "เป็นไปตามแผน"), ("เป็นไปตามแผน\u00a0", "เป็นไปตามแผน"), ("เป็น\u200bไปตามแผน", "เป็นไปตามแผน"),
    ("ล่าช้ากว่าเเผน", "ล่าช้ากว่าแผน"), ("On plan", "เป็นไปตามแผน"), ("behind schedule", "ล่าช้ากว่าแผน"),
], ids=["exact", "nbsp", "zero-width-space", "sara-e-twice", "english", "english-alias"])
def test_statuses_typed_by_hand(blank, raw, expected):
    v = report(read_ok(typed(blank, {at("plan_status"): raw})), 1, "plan_status")
    assert v.value == expected and bool(v.notes) == (raw != expected)     # every coercion says so


def test_unknown_status_is_an_error(blank):
    v = report(read_ok(typed(blank, {at("plan_status"): "ตามแผนครับ"})), 1, "plan_status")
    assert v.value is None and v.error.code == "V004"


@pytest.mark.parametrize("raw, code", [("=1+1", "V007"), ("=[1]Sheet1!A1", "V014"), ("#REF!", "V008"), ("#DIV/0!", "V008")],
                         ids=["formula-in-input", "external-link", "ref-error", "div-error"])
def test_formulas_and_errors_are_never_data(blank, raw, code):
    v = report(read_ok(typed(blank, {at("progress"): raw})), 1, "progress")
    assert v.value is None and v.error.code == code


def test_changed_formula_in_a_derived_cell_is_flagged(blank):
    sub = read_ok(typed(blank, {at("cumulative", 3): f"=SUM({at('disbursed')}:{at('disbursed', 2)})*2"}))
    assert [("T008", at("cumulative", 3))] == [(i.code, i.cell) for i in sub.issues if i.code == "T008"]


def test_overwritten_derived_cell_is_flagged(blank):
    sub = read_ok(typed(blank, {at("cumulative"): 99999, f"{PROJECT}!{SPEC.field('budget_used').cell}": 5}))
    assert {("T008", i.cell) for i in sub.issues} >= {("T008", at("cumulative")), ("T008", SPEC.field("budget_used").cell)}


def test_filled_workbook_reads_what_was_written(tmp_path, spec, seed_project):
    path = tmp_path / "filled.xlsx"
    generate_workbook(spec, seed_project, path, reports=FILLED)
    sub = read_ok(path)
    assert sub.project_code == "01000000-2462" and sub.fiscal_year == 2564 and sub.template_version == spec.version
    assert sub.filled_reports() == list(range(1, 11))
    for k, row in FILLED.items():
        for key, want in row.items():
            got = sub.reports[k][key]
            if got.error is None and key != "remark":
                expected = {"1,000 บาท": Decimal(1000)}.get(want, want)     # text amount, read with a note
                expected = Decimal(str(expected)) if isinstance(expected, (int, Decimal)) else expected
                assert got.value == expected, (k, key)
    assert sub.project["budget_allocated"].value == Decimal(122800)
    assert set(sub.routes.values()) == {"name"}


# -- structure: what Excel, LibreOffice, Google Sheets and people do to a workbook -----------------
def drop_names(wb):
    for name in list(wb.defined_names):
        if name.startswith("px_") and not name.startswith("px_list"):
            del wb.defined_names[name]


def test_names_lost_falls_back_to_meta(blank):
    sub = read_ok(typed(blank, {at("progress"): 45}, setup=drop_names))
    assert report(sub, 1, "progress").value == 45 and sub.routes["progress"] == "meta"
    assert "T003" in {i.code for i in sub.issues}


def test_rows_inserted_above_the_block_and_names_lost_falls_back_to_labels(blank):
    def insert(wb):
        drop_names(wb)
        wb[MONTHLY].insert_rows(4, 3)
    path = typed(blank, {}, setup=insert)
    path = typed(path, {at("progress", shift=3): 45, at("disbursed", shift=3): "1,000"}, out=path.with_name("typed2.xlsx"))
    sub = read_ok(path)
    assert report(sub, 1, "progress").value == 45 and report(sub, 1, "progress").cell == at("progress", shift=3)
    assert report(sub, 1, "disbursed").value == 1000 and sub.routes["progress"] == "label"


def test_sheets_renamed_reordered_and_extra_sheets(blank):
    def mess(wb):
        drop_names(wb)
        wb[MONTHLY].title = "รายงาน (2)"
        wb.move_sheet("รายงาน (2)", offset=-2)
        wb.create_sheet("สรุปของฉัน").append(["ความก้าวหน้าสะสม (%)", 99])
        hidden = wb.create_sheet("ลับ")
        hidden.sheet_state = "hidden"
    path = typed(blank, {}, setup=mess)
    path = typed(path, {f"รายงาน (2)!{at('progress')}": 45}, out=path.with_name("typed2.xlsx"))
    sub = read_ok(path)
    assert report(sub, 1, "progress").value == 45 and report(sub, 1, "progress").sheet == "รายงาน (2)"
    assert ("T005", "ลับ") in {(i.code, i.sheet) for i in sub.issues}


def test_merged_input_cells_are_flagged(blank):
    sub = read_ok(typed(blank, {at("narrative"): "ทำแล้ว"}, setup=lambda wb: wb[MONTHLY].merge_cells(f"{at('narrative')}:{at('narrative', 2)}")))
    assert "T006" in {i.code for i in sub.issues}


def _rewrite(path, out, part, change):
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, change(data) if item.filename == part else data)
    return out


def test_dimension_that_lies_and_a_stray_value_far_away(blank, tmp_path):
    path = typed(blank, {at("progress"): 45, "XFD1048576": "x"})
    with zipfile.ZipFile(path) as zf:
        part = next(n for n in zf.namelist() if n.startswith("xl/worksheets/") and at("progress").encode() in zf.read(n))
    liar = _rewrite(path, tmp_path / "liar.xlsx", part,
                    lambda d: __import__("re").sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', d))
    started = time.perf_counter()
    sub = read_ok(liar)
    assert time.perf_counter() - started < 2 and report(sub, 1, "progress").value == 45


# -- hostile files: one line, the right code, no traceback, bounded time ----------------------------
def _zip(path, members: dict):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _hostile(kind, tmp_path, blank):
    p = tmp_path / f"{kind}.xlsx"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "pdf":
        p.write_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF")
    elif kind == "html":
        p.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    elif kind == "csv":
        p.write_text("รหัสโครงการ,ความก้าวหน้า\n01000000-2462,5\n", encoding="utf-8")
    elif kind == "truncated":
        p.write_bytes(blank.read_bytes()[:5000])
    elif kind == "ods":
        _zip(p, {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
    elif kind == "docx":
        _zip(p, {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"})
    elif kind == "xls":
        import xlwt
        book = xlwt.Workbook()
        book.add_sheet("Sheet1").write(0, 0, "x")
        book.save(str(p))
    elif kind == "encrypted":
        from msoffcrypto.format.ooxml import OOXMLFile
        with blank.open("rb") as fh, p.open("wb") as out:
            OOXMLFile(fh).encrypt("secret", out)
    elif kind == "macro":
        shutil.copy(blank, p)
        with zipfile.ZipFile(p, "a") as zf:
            zf.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake vba")
    elif kind == "strict":
        _rewrite(blank, p, "xl/workbook.xml", lambda d: d.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"))
    elif kind == "zip-bomb":
        shutil.copy(blank, p)
        with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("xl/media/bomb.bin", b"\0" * (80 * 1024 * 1024))
    elif kind == "billion-laughs":
        _rewrite(blank, p, "xl/workbook.xml", lambda d: d.replace(
            b"?>", b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', 1))
    elif kind == "external-entity":
        _rewrite(blank, p, "xl/sharedStrings.xml", lambda d: d.replace(
            b"?>", b'?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1))
    elif kind == "not-ours":
        wb = openpyxl.Workbook()
        wb.active["A1"] = "budget"
        wb.save(p)
    elif kind == "unknown-version":
        _rewrite(blank, p, "docProps/custom.xml", lambda d: d.replace(f"<vt:i4>{SPEC.version}</vt:i4>".encode(), b"<vt:i4>9</vt:i4>"))
    return p


@pytest.mark.parametrize("kind, code", [
    ("empty", "F002"), ("pdf", "F004"), ("html", "F004"), ("csv", "F004"), ("truncated", "F008"),
    ("ods", "F013"), ("docx", "F004"), ("xls", "F005"), ("encrypted", "F006"), ("macro", "F007"),
    ("strict", "F011"), ("zip-bomb", "F009"), ("billion-laughs", "F010"), ("external-entity", "F010"),
    ("not-ours", "T001"), ("unknown-version", "T002"),
])
def test_hostile_files_are_rejected_with_one_line(kind, code, tmp_path, blank):
    path = _hostile(kind, tmp_path, blank)
    started = time.perf_counter()
    result = read_submission(path)
    assert isinstance(result, Rejection) and result.issue.code == code, getattr(result, "issue", result)
    line = str(result.issue)
    assert line.startswith(f"{path.name}: [{code}]") and "\n" not in line and " / " in line
    assert time.perf_counter() - started < 5


def test_file_over_the_size_limit(blank, monkeypatch):
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 1000)
    assert read_submission(blank).issue.code == "F003"


def test_meta_sheet_edited_by_hand_is_not_trusted_over_the_properties(blank):
    def edit(wb):
        meta = wb["_meta"]
        meta.sheet_state = "visible"
        for row in meta.iter_rows():
            if row[0].value == "template_version":
                row[1].value = "7"
    sub = read_ok(typed(blank, {at("progress"): 5}, setup=edit))
    assert sub.template_version == SPEC.version and "T007" in {i.code for i in sub.issues}


@pytest.mark.parametrize("part", ["docProps/custom.xml", "docProps/core.xml"])
def test_damaged_document_properties_read_as_absent(blank, tmp_path, part):
    typed_in = typed(blank, {at("progress"): 5})
    damaged = _rewrite(typed_in, tmp_path / "damaged.xlsx", part, lambda d: d[: len(d) // 2])
    sub = read_ok(damaged)
    assert sub.template_version == SPEC.version and report(sub, 1, "progress").value == 5


def test_entity_in_the_document_properties_is_still_refused(blank, tmp_path):
    hostile = _rewrite(blank, tmp_path / "hostile.xlsx", "docProps/core.xml", lambda d: d.replace(
        b"?>", b'?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1))
    assert read_submission(hostile).issue.code == "F010"


# -- template versions: every known version reads into the current schema ---------------------------
def test_v1_and_v2_workbooks_read_into_the_current_schema(tmp_path, seed_project):
    books = {}
    for version in (1, 2):
        books[version] = tmp_path / f"v{version}.xlsx"
        reports = {k: dict(row, stage="ดำเนินการ") if version == 2 else row for k, row in FILLED.items()}
        generate_workbook(load_spec(version), seed_project, books[version], reports=reports)
    v1, v2 = read_ok(books[1]), read_ok(books[2])
    assert (v1.template_version, v2.template_version) == (1, 2)
    keys = {f.key for f in SPEC.monthly_fields if f.derive is None}
    assert all(set(row) == keys for sub in (v1, v2) for row in sub.reports.values())
    for k in FILLED:
        for key in keys - {"stage"}:
            a, b = v1.reports[k][key], v2.reports[k][key]
            assert (a.value, a.raw, getattr(a.error, "code", None)) == (b.value, b.raw, getattr(b.error, "code", None)), (k, key)
        assert v1.reports[k]["progress"].cell == f"E{7 + k}" and v2.reports[k]["progress"].cell == f"F{9 + k}"
        assert v1.reports[k]["stage"].value is None and v1.reports[k]["stage"].cell is None
        assert v2.reports[k]["stage"].value == "ดำเนินการ"
    assert {f.key: v.value for f, v in ((f, v1.project[f.key]) for f in SPEC.project_fields)} == \
           {f.key: v2.project[f.key].value for f in SPEC.project_fields}


def test_a_read_that_takes_too_long_is_cut_off(blank, monkeypatch):
    import progress_xl.read as read_module
    slow = read_module._read

    def stuck(*args):                 # a parse that never ends (a pathological file, a library bug)
        time.sleep(5)
        return slow(*args)
    monkeypatch.setattr(read_module, "_read", stuck)
    monkeypatch.setattr(safety, "MAX_READ_SECONDS", 0.3)
    started = time.perf_counter()
    result = read_submission(blank)
    assert isinstance(result, Rejection) and result.issue.code == "F012"
    assert time.perf_counter() - started < 2 and "0.3" in str(result.issue)


def test_an_error_of_ours_is_ours_not_the_senders(blank, monkeypatch):
    import progress_xl.read as read_module

    def broken(*args, **kwargs):
        raise RecursionError("deep inside our own code")
    monkeypatch.setattr(read_module, "_read", broken)
    result = read_submission(blank)
    assert isinstance(result, Rejection) and result.issue.code == "M009" and result.transient
    assert "RecursionError" in result.detail and "RecursionError" not in str(result.issue)
    assert "F008" not in str(result.issue)


def test_a_part_the_parser_refuses_is_the_files_fault(blank, monkeypatch):
    from openpyxl.worksheet import _reader

    def refuses(self):
        raise ValueError("malformed row")
        yield
    monkeypatch.setattr(_reader.WorkSheetParser, "parse", refuses)
    result = read_submission(blank)
    assert isinstance(result, Rejection) and result.issue.code == "F008" and not result.transient
