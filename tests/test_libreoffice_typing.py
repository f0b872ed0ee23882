"""Template v3 typed into real LibreOffice as a Thai person types (tests/lo_type.py), in th-TH and en-US:
every way of typing a report date shows, self-checks, prints and reads back as the same BE date (no 3112,
no 2506), the workbook's self-check agrees with the validator, and a blank, a typed and a returned
workbook print with no word over another and no `###`."""
import datetime as dt
import json
import subprocess
from pathlib import Path

import openpyxl
import pytest
from test_v3 import seed_prose

from progress_xl.fiscal import format_be
from progress_xl.generate import generate_workbook
from progress_xl.issues import Severity
from progress_xl.office import convert
from progress_xl.read import Submission, read_submission
from progress_xl.render import problems, to_pdf
from progress_xl.returned import write_returned
from progress_xl.selfcheck import row_checks
from progress_xl.spec import load_spec
from progress_xl.validate import validate

pytestmark = pytest.mark.soffice
SPEC = load_spec(3)
MONTHLY, PRINT = SPEC.sheets["monthly"], SPEC.sheets["print"]
LO_TYPE = Path(__file__).parent / "lo_type.py"
TODAY = dt.date(2021, 9, 30)

#: report k -> the date as typed, the date it means
DATES = {1: ("22/10/2563", dt.date(2020, 10, 22)), 2: ("23/11/63", dt.date(2020, 11, 23)),
         3: ("22 ธ.ค. 2563", dt.date(2020, 12, 22)), 4: ("๒๒/๐๑/๒๕๖๔", dt.date(2021, 1, 22)),
         5: ("22 กุมภาพันธ์ 2564", dt.date(2021, 2, 22)), 6: ("22-03-64", dt.date(2021, 3, 22))}
#: report k -> (field, typed, the code both the self-check and the validator give)
WRONG = {7: ("report_date", "31/04/2564", "V005"), 8: ("report_date", "22/10/2563", "R103"),
         9: ("disbursed", "หนึ่งพันบาท", "V002")}
AMOUNTS = {1: "0", 2: "1,000 บาท", 3: "๑๒๒", 4: "2,500", 5: "0", 6: "0", 7: "0", 8: "0", 9: ""}


def lo_type(src: Path, dst: Path, cells: list[tuple[str, str]], locale: str) -> dict:
    listing = dst.with_suffix(".cells.json")
    listing.write_text(json.dumps(cells, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run(["/usr/bin/python3", str(LO_TYPE), "--locale", locale, "--cells-json", str(listing),
                          str(src), str(dst)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:] + run.stdout[-500:]
    report = json.loads(run.stdout)
    assert len(report["typed"]) == len(cells) and dst.is_file()
    return report


def cell(key: str, k: int) -> str:
    return f"{MONTHLY}!{SPEC.monthly_cell(key, k)}"


def a_month(k: int, date: str, amount: str, narrative: str = "ดำเนินการตามแผน", remark: str = "") -> list:
    cells = [(cell("report_date", k), date), (cell("stage", k), "ดำเนินการ"), (cell("narrative", k), narrative),
             (cell("progress", k), str(5 * k)), (cell("plan_status", k), "เป็นไปตามแผน"),
             (cell("target_status", k), "เป็นไปตามเป้าหมาย")]
    cells += [(cell("disbursed", k), amount)] if amount else []
    return cells + ([(cell("remark", k), remark)] if remark else [])


@pytest.fixture(scope="module")
def blank(tmp_path_factory, projects):
    path = tmp_path_factory.mktemp("v3") / "blank.xlsx"
    generate_workbook(SPEC, next(p for p in projects if p.code == "01000000-2462"), path)
    return path


@pytest.fixture(scope="module", params=["th-TH", "en-US"])
def typed_book(request, blank):
    cells = [c for k, (text, _) in DATES.items() for c in a_month(k, text, AMOUNTS[k])]
    for k, (key, text, _) in WRONG.items():
        cells += [c for c in a_month(k, f"22/{k - 3}/2564", AMOUNTS[k]) if not c[0].endswith(
            SPEC.monthly_cell(key, k))] + [(cell(key, k), text)]
    out = blank.with_name(f"typed-{request.param}.xlsx")
    lo_type(blank, out, cells, request.param)
    return out


def test_dates_stay_as_typed_and_read_as_the_same_be_date_on_every_sheet(typed_book):
    wb, shown = openpyxl.load_workbook(typed_book), openpyxl.load_workbook(typed_book, data_only=True)
    printed = " ".join(str(c.value) for c in shown[PRINT]["A"] if c.value)
    for k, (text, day) in DATES.items():
        assert wb[MONTHLY][SPEC.monthly_cell("report_date", k)].value == text              # kept as typed
        assert shown[MONTHLY][SPEC.monthly_cell("report_date_be", k)].value == dt.datetime.combine(day, dt.time())
        assert f"รายงานครั้งที่{k} :: {format_be(day)} :" in printed
    for wrong_year in ("3106", "3107", "3112", "2506", "2507", "1963"):
        assert wrong_year not in printed
    sub = read_submission(typed_book)
    assert isinstance(sub, Submission)
    assert {k: sub.reports[k]["report_date"].value for k in DATES} == {k: day for k, (_, day) in DATES.items()}


def test_the_self_check_after_typing_agrees_with_the_validator_row_by_row(typed_book):
    shown = openpyxl.load_workbook(typed_book, data_only=True)[MONTHLY]
    checks = row_checks(SPEC, 2564, "", 122800)
    sub = read_submission(typed_book)
    found = validate(sub, today=TODAY)
    for k in list(DATES) + list(WRONG):
        verdict = shown[SPEC.monthly_cell("check", k)].value or ""
        live = {c.code for c in checks if c.message() in verdict}
        errors = {f.code for f in found if f.severity is Severity.ERROR and f.cell
                  and f.cell[1:] == str(SPEC.monthly.row_of(k))}
        if k in DATES:
            assert verdict == SPEC.ready and not errors, (k, verdict, errors)
        else:
            assert live == errors == {WRONG[k][2]}, (k, verdict, errors)


def test_blank_typed_and_returned_workbooks_print_with_nothing_over_anything(blank, tmp_path):
    """The longest text the template allows in every report, dates as Thai people type them."""
    narrative, remark = (seed_prose(SPEC.field(k).max_length) for k in ("narrative", "remark"))
    ways = [text for text, _ in DATES.values()] + ["22/04/2564", "21 พ.ค. 64", "๒๒/๐๖/๒๕๖๔", "22/07/2564",
                                                   "22 ส.ค. 64", "๒๒ ก.ย. ๒๕๖๔"]
    cells = [c for k in range(1, 13) for c in a_month(k, ways[k - 1], "1,000", narrative, remark)]
    typed = tmp_path / "typed.xlsx"
    lo_type(blank, typed, cells, "th-TH")
    sub = read_submission(typed)
    assert isinstance(sub, Submission)
    assert all(len(sub.reports[k]["narrative"].value) == SPEC.field("narrative").max_length for k in range(1, 13))
    returned = tmp_path / "returned.xlsx"
    write_returned(sub, validate(sub, today=TODAY), returned)
    for pdf in to_pdf([blank, typed, returned], tmp_path / "pdf"):
        overlaps, hashes, pages = problems(pdf)
        assert (overlaps, hashes) == (0, 0), (pdf.name, overlaps, hashes, pages)


#: report k -> what the agency typed: every kind of date and amount, readable or not
ODD = {1: {"report_date": "22 ต.ค. 63", "disbursed": "2,000 บาท", "progress": "5"},
       2: {"report_date": "๒๓/๑๑/๒๕๖๓", "disbursed": "๑๒๒", "progress": 10},
       3: {"report_date": "2020-12-22", "disbursed": "หนึ่งพันบาท", "progress": "ร้อยละ 15"},
       4: {"report_date": "31/01/2564", "disbursed": -500, "progress": 20},
       5: {"report_date": "ปลายเดือน", "disbursed": "1.5 ล้านบาท", "progress": 25},
       6: {"report_date": dt.datetime(2564, 3, 22), "disbursed": 130000, "progress": 30},
       7: {"report_date": "22/04/2564", "disbursed": "1,50", "progress": "ร้อยละ 150"},
       8: {"report_date": "22/05/2564", "disbursed": "฿1,000.-", "progress": "12.5.3"},
       9: {"report_date": "22/06/2564", "disbursed": "(500)", "progress": "%5"},
       10: {"report_date": "07/22/2564", "disbursed": "0", "progress": 50},
       11: {"report_date": "22/08/2564", "disbursed": "THB 500", "progress": "1 ล้าน"},
       12: {"report_date": "22/09/2564", "disbursed": "9999999999999999", "progress": "999,999,999,999,999"}}


def test_every_cached_value_is_what_libreoffice_computes(blank, tmp_path, projects):
    """The twins: each formula's value as written (what Excel's Protected View shows) equals LibreOffice's."""
    seed = next(p for p in projects if p.code == "01000000-2462")
    reports = {k: {**v, "narrative": "งาน", "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"}
               for k, v in ODD.items()}
    ours = tmp_path / "odd.xlsx"
    generate_workbook(SPEC, seed, ours, reports=reports)
    theirs, = convert([ours], "xlsx", tmp_path / "recalculated")
    formulas, mine, lo = (openpyxl.load_workbook(p, data_only=d) for p, d in ((ours, False), (ours, True), (theirs, True)))
    compared = 0
    for name in (MONTHLY, PRINT, SPEC.sheets["project"]):
        for row in formulas[name].iter_rows():
            for c in (c for c in row if c.data_type == "f"):
                a, b = mine[name][c.coordinate].value, lo[name][c.coordinate].value
                same = (a in (None, "") and b in (None, "")) or a == b or (
                    isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) < 1e-9)
                assert same, (name, c.coordinate, a, b)
                compared += 1
    assert compared > 120           # the monthly block, its helpers, the print form, the project sheet
