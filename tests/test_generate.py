"""generate: one ready-to-email workbook per project (issue 3)."""
import datetime as dt
import io
import re

import openpyxl
import pytest

from scenarios import FILLED

from progress_xl.generate import generate_all, generate_workbook, workbook_filename
from progress_xl.issues import render
from progress_xl.layout import BE_DATE



@pytest.fixture(scope="module")
def seed_book(spec, seed_project):
    buf = io.BytesIO()
    generate_workbook(spec, seed_project, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def filled_book(spec, seed_project):
    buf = io.BytesIO()
    generate_workbook(spec, seed_project, buf, reports=FILLED)
    return buf.getvalue()


def test_output_is_byte_identical_for_the_same_input(spec, seed_project, seed_book):
    again = io.BytesIO()
    generate_workbook(spec, seed_project, again)
    assert again.getvalue() == seed_book


def test_sheets_identity_and_protection(seed_book, spec, seed_project):
    wb = openpyxl.load_workbook(io.BytesIO(seed_book))
    names = spec.sheets
    assert wb.sheetnames == [names[k] for k in ("instructions", "project", "monthly", "print", "lists", "meta")]
    assert wb[names["meta"]].sheet_state == "veryHidden" and wb[names["lists"]].sheet_state == "hidden"
    assert all(wb[n].protection.sheet for n in wb.sheetnames)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["progress_xl_template"] == spec.id and props["progress_xl_version"] == spec.version
    assert props["progress_xl_project_code"] == "01000000-2462"
    meta = {r[0]: r[1] for r in wb[names["meta"]].iter_rows(values_only=True)}
    assert meta["template_version"] == str(spec.version) and meta["project_code"] == "01000000-2462"
    # a defined name for every field and block, pointing where the spec says
    for f in spec.fields:
        (sheet, ref), = wb.defined_names[f.defined_name].destinations
        want = f.cell if f.cell else f"{f.column}{spec.monthly.first_row}:{f.column}{spec.monthly.last_row}"
        assert (sheet, ref.replace("$", "")) == (names[f.section], want)
    assert "px_monthly" in wb.defined_names and "px_list_plan_status" in wb.defined_names


def test_labels_locked_inputs_unlocked(seed_book, spec):
    wb = openpyxl.load_workbook(io.BytesIO(seed_book))
    project, monthly = wb[spec.sheets["project"]], wb[spec.sheets["monthly"]]
    for f in spec.project_fields:
        assert project[f.cell].protection.locked == (not f.is_input), f.key
        assert project[f"A{f.cell[1:]}"].protection.locked
    for f in spec.monthly_fields:
        for k in (1, 12):
            assert monthly[spec.monthly_cell(f.key, k)].protection.locked == (not f.is_input), f.key


def test_prefilled_values_and_thai_typography(seed_book, spec, seed_project):
    wb = openpyxl.load_workbook(io.BytesIO(seed_book))
    project, monthly = wb[spec.sheets["project"]], wb[spec.sheets["monthly"]]
    assert project["C5"].value == "01000000-2462" and project["C9"].value == 122800
    assert project["C7"].value == dt.datetime(2020, 10, 1) and project["C7"].number_format == BE_DATE
    assert [monthly[f"B{spec.monthly.row_of(k)}"].value for k in (1, 12)] == ["ต.ค. 2563", "ก.ย. 2564"]
    # v3: the report date is a text cell (typed BE years stay as typed); the column beside it shows BE
    typed_date = "be_date:report_date" in {f.derive for f in spec.monthly_fields}
    assert monthly[spec.monthly_cell("report_date", 1)].number_format == ("@" if typed_date else BE_DATE)
    assert monthly[spec.monthly_cell("progress", 1)].number_format == '0.00" %"'
    assert project["C4"].font.name == "TH Sarabun New"
    assert monthly.sheet_format.defaultRowHeight == pytest.approx(22, abs=0.5)
    assert int(monthly.page_setup.paperSize) == 9 and monthly.freeze_panes == spec.monthly.freeze
    assert "01000000-2462" in monthly.oddHeader.left.text


def test_validations_dropdowns_and_messages(seed_book, spec):
    wb = openpyxl.load_workbook(io.BytesIO(seed_book))
    found = {str(dv.sqref): dv for dv in wb[spec.sheets["monthly"]].data_validations.dataValidation}
    dvs = {f.key: found[f"{spec.monthly_cell(f.key, 1)}:{spec.monthly_cell(f.key, 12)}"]
           for f in spec.monthly_fields if f.is_input and f.type != "longtext"}
    assert dvs["plan_status"].type == "list" and dvs["plan_status"].formula1 == "px_list_plan_status"
    assert dvs["stage"].type == "list" and dvs["stage"].formula1 == "px_list_stage"
    assert dvs["progress"].type == "decimal" and (dvs["progress"].formula1, dvs["progress"].formula2) == ("0", "100")
    assert dvs["disbursed"].operator == "greaterThanOrEqual"
    if "be_date:report_date" in {f.derive for f in spec.monthly_fields}:     # v3: a text cell, any text
        assert dvs["report_date"].type is None and "22/10/2563" in dvs["report_date"].prompt
    else:
        assert dvs["report_date"].type == "date" and (dvs["report_date"].formula1, dvs["report_date"].formula2) == ("44105", "44469")
    assert "0 ถึง 100" in dvs["progress"].prompt and "0 to 100" in dvs["progress"].prompt
    assert dvs["progress"].errorStyle in (None, "stop")


def test_self_check_cached_values_name_each_problem(filled_book, spec):
    wb = openpyxl.load_workbook(io.BytesIO(filled_book), data_only=True)
    ws = wb[spec.sheets["monthly"]]
    check = {k: ws[spec.monthly_cell("check", k)].value for k in range(1, 13)}
    assert check[1] == check[2] == check[3] == spec.ready and not check[11]
    found = {4: ("R101", "progress"), 5: ("V001", "progress"), 6: ("V003", "progress"), 7: ("R103", "report_date"),
             8: ("V004", "plan_status"), 9: ("V002", "disbursed"), 10: ("R102", "disbursed")}
    if spec.version >= 3:        # `1,000 บาท` is read by the validator, and so by the self-check from v3 on
        found[9] = ("R101", "progress")
    for k, (code, key) in found.items():
        assert _says(check[k], code, spec.field(key), min=0, max=100), (k, code, check[k])
    assert ws[spec.monthly.check_cell].value.startswith("มีปัญหา 7 แถว")
    assert ws[spec.monthly_cell("cumulative", 2)].value == 1500.5
    # from v3 on the sums read `1,000 บาท` (report 9) as the validator does
    assert wb[spec.sheets["project"]]["C10"].value == pytest.approx(131600.5 + (1000 if spec.version >= 3 else 0))


def _says(text: str, code: str, field, **context) -> bool:
    """`text` carries the catalogue's message `code` about `field`, both languages, as far as it goes
    before what was found (a self-check states the rule; the cell beside it holds the value)."""
    th, en = render(code, label_th=field.th, label_en=field.en, **context)
    return all(re.split(r"\s*\((?:พบ|found)", part)[0] in text for part in (th, en))


def test_every_formula_fits_excel_limits(filled_book):
    """Excel refuses a formula over 8,192 characters and a string literal over 255."""
    import zipfile
    with zipfile.ZipFile(io.BytesIO(filled_book)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                for formula in re.findall(r"<f>(.*?)</f>", zf.read(name).decode()):
                    assert len(formula) <= 8192, name
                    assert all(len(lit) <= 255 for lit in re.findall(r"&quot;(.*?)&quot;", formula))


def test_text_is_never_a_formula(filled_book, spec):
    wb = openpyxl.load_workbook(io.BytesIO(filled_book))
    assert wb[spec.sheets["monthly"]][spec.monthly_cell("remark", 10)].value == "=1+1 เป็นข้อความ"
    assert wb[spec.sheets["monthly"]][spec.monthly_cell("remark", 10)].data_type == "s"


def test_generate_all_file_names_are_safe(tmp_path, spec, projects):
    paths = generate_all(spec, projects[:12], tmp_path)
    assert len(paths) == 12 and all(p.is_file() for p in paths)
    for p in paths:
        assert len(p.name) <= 120 and not re.search(r'[\\/:*?"<>|]', p.name)
        assert p.name.startswith(p.parent.name.split("_")[0])
    assert not list(tmp_path.rglob("*.tmp"))


def test_file_name_from_a_hostile_project_name(seed_project):
    from progress_xl.register import Project
    hostile = Project({**seed_project.values, "project_name": 'อ.1/1 ทาง/เท้า: "ใหม่" <ก>|*?' + "ก" * 300})
    name = workbook_filename(hostile)
    assert len(name) <= 120 and not re.search(r'[\\/:*?"<>|]', name) and name.endswith(".xlsx")
