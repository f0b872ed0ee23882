"""Template v3: dates typed as text and read by formula, amounts typed as text, rows that grow, the print
form on A4 (a page per report), the span fields; the reader's two-digit years; the returned workbook's
values as read. The formulas themselves are checked in LibreOffice (test_libreoffice_typing.py)."""
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_read import read_ok, report, typed

from progress_xl.fiscal import THAI_MONTHS_ABBR, THAI_MONTHS_FULL, month_bounds
from progress_xl.generate import generate_workbook
from progress_xl.issues import Severity, render
from progress_xl.read import read_submission
from progress_xl.returned import write_returned
from progress_xl.sheets import print_a4, rows
from progress_xl.sheets import typed as tx
from progress_xl.spec import load_spec
from progress_xl.validate import validate
from progress_xl.values import Unreadable, parse_date, parse_money, parse_percent

SPEC = load_spec(3)
#: report 12's narrative from shared/seeds/bma-progress-report-01000000-2462.txt, its markup taken out
REPORT_12 = Path(__file__).parent / "data" / "seed_report_12.txt"
MONTHLY, PRINT = SPEC.sheets["monthly"], SPEC.sheets["print"]
SPAN = ("total_budget", "fy_allocation", "carryover", "carryover_deadline", "start_progress", "disbursed_before")

#: report 1 of FY 2564 is October 2563 BE (2020 CE): how Thai people type its date
OCTOBER = ["22/10/2563", "22/10/63", "22 ต.ค. 2563", "22 ต.ค. 63", "22ต.ค.63", "22 ตุลาคม 2563", "๒๒/๑๐/๒๕๖๓",
           "22-10-2563", "22.10.2563", "22/10/2020", "22/10/20", "2020-10-22", "22 Oct 2020", "22 october 2020",
           "22 ต.ค. พ.ศ. 2563", "  22/10/2563 ", "22 ตค 2563", "'22/10/2563"]
NOT_DATES = ["", "abc", "31/02/2563", "22/13/2563", "22/10/256", "1e1/10/2563", "+2/10/2563", "22/10", "๒๒ ต.ค."]
#: a month past 12: typed month first, which the validator does not guess (V013 on both sides)
MONTH_FIRST = ["11/23/2563", "22/13/2563", "1/13/64", "๑๑/๒๓/๒๕๖๓", "11-23-2563", "10.22.2020"]
AMOUNTS = ["2,500,000 บาท", "๑๒๒,๘๐๐", "122,800.-", "฿500", "1.5 ล้านบาท", " 7 ", "45 %", "ร้อยละ 5", "12.5", ".5",
           "1,000.25", "1 000 บาท", "THB 500", "Baht 2,000.00", "999,999,999,999,999"]
NOT_AMOUNTS = ["abc", "บาท", ".", "หนึ่งแสนบาท", "-500", "5 - 6", "(500)", "12.5% บาท", "5 บาท 5"]
#: only digits, commas and points, but not a number as people group it: the validator does not guess
AMBIGUOUS = ["1,50", "1.500,50", "12.5.3", "5.", ",500", "1,000,0", "1,2,3", "1,000.5,5", "1,000,000,000,000,000",
             "9999999999999999"]


def seed_prose(n: int) -> str:
    """Thai prose of `n` characters: the seed's longest report text, repeated as needed."""
    base = REPORT_12.read_text(encoding="utf-8").strip()
    return ((base + " ") * (n // len(base) + 1))[:n]


@pytest.fixture(scope="session")
def seed_text():
    return seed_prose


# -- the formulas' twins agree with the validator ---------------------------------------------------
@pytest.mark.parametrize("text", OCTOBER)
def test_every_way_of_typing_a_date_reads_as_the_validator_reads_it(text):
    year = month_bounds(2564, 1)[0].year
    assert tx.date_value(text, year) == dt.date(2020, 10, 22)
    assert parse_date(text.strip().lstrip("'"), near=year).value == dt.date(2020, 10, 22)


@pytest.mark.parametrize("text", NOT_DATES)
def test_what_is_no_date_is_none_to_the_formula_and_unreadable_to_the_validator(text):
    assert tx.date_value(text, 2020) is None
    if text:
        with pytest.raises(Unreadable):
            parse_date(text, near=2020)


@pytest.mark.parametrize("text", MONTH_FIRST)
def test_a_month_past_12_is_ambiguous_to_the_self_check_as_to_the_validator(text):
    assert tx.date_value(text, 2020) is None and tx.ambiguous_date(text)
    with pytest.raises(Unreadable) as err:
        parse_date(text, near=2020)
    assert err.value.code == "V013"


@pytest.mark.parametrize("text", [t for t in NOT_DATES if t and t not in MONTH_FIRST] + ["2020-13-22", "31/02/2563"])
def test_other_text_that_is_no_date_is_v005_on_both_sides(text):
    assert not tx.ambiguous_date(text)
    with pytest.raises(Unreadable) as err:
        parse_date(text, near=2020)
    assert err.value.code == "V005"


def _date_verdicts(text: str, year: int):
    """(the workbook's formulas, through their twins; the validator): each a date or a code."""
    mine = tx.date_value(text, year) or ("V013" if tx.ambiguous_date(text) else "V005")
    try:
        theirs = parse_date(text.strip(), near=year).value
    except Unreadable as e:
        theirs = e.code
    return mine, theirs.date() if isinstance(theirs, dt.datetime) else theirs


THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MONTH_NAMES = [*THAI_MONTHS_ABBR, *THAI_MONTHS_FULL, "Oct", "october", "ต.ค", "ตค"]


@given(day=st.integers(0, 32), month=st.one_of(st.integers(0, 14), st.sampled_from(MONTH_NAMES)),
       year=st.sampled_from([2563, 2564, 2020, 2021, 63, 64, 20, 21, 1999, 2600]),
       sep=st.sampled_from(["/", "-", ".", " ", " / "]), pad=st.booleans(), thai=st.booleans())
@settings(max_examples=400, deadline=None, derandomize=True)
def test_a_date_typed_any_usual_way_reads_alike_in_the_self_check_and_the_validator(day, month, year, sep, pad, thai):
    """Day, month (a number or a name) and year as people type them: the same date on both sides, or
    the same code (V005 no date, V013 a month past 12 typed first)."""
    d = f"{day:02d}" if pad else str(day)
    m = (f"{month:02d}" if pad else str(month)) if isinstance(month, int) else month
    y = f"{year:02d}" if year < 100 else str(year)
    text = f"{d} {m} {y}" if isinstance(month, str) else sep.join((d, m, y))
    text = text.translate(THAI) if thai else text
    mine, theirs = _date_verdicts(text, 2020)
    assert mine == theirs, (text, mine, theirs)


@pytest.mark.parametrize("two, k, expected", [("63", 1, dt.date(2020, 10, 22)), ("20", 1, dt.date(2020, 10, 22)),
                                              ("64", 12, dt.date(2021, 9, 22)), ("21", 12, dt.date(2021, 9, 22))])
def test_a_two_digit_year_is_be_or_ce_whichever_is_nearer_the_rows_year(two, k, expected):
    month = month_bounds(2564, k)[0]
    text = f"22/{month.month}/{two}"
    assert tx.date_value(text, month.year) == expected
    parsed = parse_date(text, near=month.year)
    assert parsed.value == expected and [n.code for n in parsed.notes] == ["N015"]


def test_a_real_date_in_the_text_cell_is_taken_as_it_is_and_a_be_year_stored_as_ce_loses_543():
    assert tx.date_value(dt.datetime(2563, 10, 22), 2020) == dt.date(2020, 10, 22)
    assert tx.date_value(dt.date(2020, 10, 22), 2020) == dt.date(2020, 10, 22)
    assert tx.date_value(44126, 2020) == dt.date(2020, 10, 22)
    assert tx.date_value(-3, 2020) is None and tx.date_value(0, 2020) is None


def _validator(text: str, type_: str):
    """What the validator makes of a number typed as text: (code or None, value)."""
    try:
        return None, (parse_money if type_ == "money" else parse_percent)(text).value
    except Unreadable as e:
        return e.code, None


def _self_check(text: str, type_: str):
    """What the workbook's formulas (their twins) make of it: (code or None, value read)."""
    code = "V002" if tx.unreadable_number(text, type_) else "V013" if tx.ambiguous_number(text, type_) else None
    return code, tx.read_value(text, type_)


#: both red, in other words: a negative typed as text has no number for the formula (the validator
#: says it is negative), and a lone "." or "," is no number to it (ambiguous to the validator)
BOTH_RED = {("V006", "V002"), ("V013", "V002"), ("V002", "V013")}
TOKENS = ["0", "1", "5", "9", "๑", "๕", ",", ".", ".-", " ", "-", "(", ")", "บาท", "฿", "baht", "THB", "%", "ร้อยละ",
          "percent", "เปอร์เซ็นต์", "a", "'", "ล้าน", "999999999"]


@pytest.mark.parametrize("type_", ["money", "percent"])
@pytest.mark.parametrize("text", AMOUNTS + NOT_AMOUNTS + AMBIGUOUS)
def test_the_self_check_reads_a_typed_number_as_the_validator_does(text, type_):
    check_self(text, type_)


@pytest.mark.parametrize("type_", ["money", "percent"])
@given(text=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8).map("".join))
@settings(max_examples=400, deadline=None, derandomize=True)
def test_any_text_typed_as_a_number_reads_alike_in_the_self_check_and_the_validator(text, type_):
    check_self(text, type_)


def _words_inside(text: str, type_: str) -> bool:
    """The one declared difference: the validator reads past `บาท`, `฿`, `%`, `ร้อยละ`... only before or
    after the number, the formula wherever they stand (`%5`, `5 บาท 5`): text that is a number once its
    words are out may be read by the self-check and refused by the validator."""
    return _validator(tx.text_value(text, type_), type_)[0] is None


def check_self(text: str, type_: str) -> None:
    """Never red on one side only; the same number when both read one; the same code when both are
    red, but for the declared pairs."""
    if "ล้าน" in text and type_ == "money":
        return                  # millions: the self-check leaves an amount in millions to the validator
    (mine, read), (theirs, value) = _self_check(text, type_), _validator(text, type_)
    if theirs is not None and _words_inside(text, type_):
        return                  # declared: see _words_inside
    if type_ == "money" and re.match(r"\s*(฿|บาท|thb|baht)\.", text, re.I):
        return                  # declared: `฿.9`, the currency's full stop read before the number (`500 บาท.` is read)
    if mine == "V002" and theirs is None and value == 0:
        return                  # declared: `-0`, zero with a sign, is no number to the formula
    if theirs in ("V006", "V015") and type_ == "money":
        assert mine is not None, (text, theirs)
    elif theirs is None or mine is None:
        assert (mine, read) == (theirs, value), (text, type_, mine, theirs)
    else:
        assert mine == theirs or (theirs, mine) in BOTH_RED, (text, type_, mine, theirs)


def test_formulas_stay_within_excel_2010s_limits():
    """8,192 characters, 64 nested functions, no function newer than Excel 2010."""
    formulas = [tx.stage_1_formula("C10"), tx.stage_2_formula("O10"), tx.date_formula("C10", "P10", "U10", "V10", "W10", 2020),
                *tx.part_formulas("P10"),
                "=" + tx.unreadable_number_condition("H10", "R10", "money"),
                "=" + tx.ambiguous_number_condition("H10", "R10", "money"), tx.read_formula("H10", "R10"), tx.text_formula("H10", "money"), print_a4._split_formula("'x'!$F$10")]
    for f in formulas:
        assert len(f) <= 8192
        depth = peak = 0
        for ch in re.sub(r'"[^"]*"', "", f):
            depth += (ch == "(") - (ch == ")")
            peak = max(peak, depth)
        assert peak <= 64 and not re.search(r"\b(LET|TEXTSPLIT|TEXTJOIN|IFS|SWITCH|CONCAT|XLOOKUP)\(", f)


# -- the workbook ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def book(seed_project_v3):
    buf = io.BytesIO()
    generate_workbook(SPEC, seed_project_v3, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def seed_project_v3(projects):
    return next(p for p in projects if p.code == "01000000-2462")


def _rows_xml(data: bytes, sheet_name: str) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    index = wb.sheetnames.index(sheet_name) + 1
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_the_rows_the_agency_types_in_grow_and_their_long_text_is_in_no_merged_cell(book):
    xml = _rows_xml(book, MONTHLY)
    for k in range(1, 13):
        row = re.search(rf'<row r="{SPEC.monthly.row_of(k)}"[^>]*>', xml)[0]
        assert "ht=" in row and "customHeight" not in row, row
    ws = openpyxl.load_workbook(io.BytesIO(book))[MONTHLY]
    for key in ("narrative", "remark"):
        cells = {SPEC.monthly_cell(key, k) for k in range(1, 13)}
        assert not any(c in rng for rng in ws.merged_cells.ranges for c in cells)


def test_the_report_date_is_a_text_cell_and_the_column_beside_it_shows_the_date_in_be(book):
    ws = openpyxl.load_workbook(io.BytesIO(book))[MONTHLY]
    for k in (1, 12):
        assert ws[SPEC.monthly_cell("report_date", k)].number_format == "@"
        shown = ws[SPEC.monthly_cell("report_date_be", k)]
        assert shown.number_format.startswith("[$-107041E]") and shown.protection.locked
    hidden = {i for d in ws.column_dimensions.values() if d.hidden for i in range(d.min, d.max + 1)}
    assert {14, 15, 16, 17} <= hidden      # N (the problems), O and P (the typed date's helpers), Q (amounts)


def test_span_fields_are_shown_prefilled_and_locked(book, seed_project_v3):
    ws = openpyxl.load_workbook(io.BytesIO(book))[SPEC.sheets["project"]]
    for key in SPAN:
        f = SPEC.field(key)
        assert f.prefill and f.locked and ws[f.cell].protection.locked
    assert ws[SPEC.field("fy_allocation").cell].value == seed_project_v3["fy_allocation"] == 122800


def test_limits_fit_excel_rows_and_the_seeds_longest_report(seed_text):
    """2,200 characters of Thai prose in the narrative (and remark) fit one row of at most 409 pt; the
    seed's report 12 has 1,816 characters of narrative (2,180 with its markup)."""
    for key in ("narrative", "remark"):
        f = SPEC.field(key)
        assert f.max_length >= 2180 and len(seed_text(f.max_length)) == f.max_length
        assert rows.height(seed_text(f.max_length), f.width, 12) < rows.MAX_ROW_PT


def test_the_print_form_has_a_page_per_report_that_fits_a4(book):
    ws = openpyxl.load_workbook(io.BytesIO(book))[PRINT]
    heads = [c.row for c in ws["A"] if isinstance(c.value, str) and re.search(r"รายงานครั้งที่\d+", c.value)]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert len(heads) == 12 and breaks[:12] == [r - 1 for r in heads]          # a break before each report
    page = (842 - 72 * (ws.page_margins.top + ws.page_margins.bottom))
    for r in heads:
        block = [ws.row_dimensions[r + i].height for i in range(3)]
        assert all(h <= rows.MAX_ROW_PT for h in block) and sum(block) < page
    assert ws.column_dimensions["A"].width * 7.72 <= 595 - 72 * (ws.page_margins.left + ws.page_margins.right)
    assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage


def test_a_long_narrative_is_split_at_a_space_over_a_continuation_row(tmp_path, seed_project_v3):
    text = ("ดำเนินการตามแผน " * 200)[:2200]
    generate_workbook(SPEC, seed_project_v3, tmp_path / "long.xlsx", reports={1: {"narrative": text}})
    ws = openpyxl.load_workbook(tmp_path / "long.xlsx", data_only=True)[PRINT]
    head = next(c for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("รายงานครั้งที่1 "))
    more = ws.cell(head.row + 1, 1).value
    at = print_a4.split_at(text)
    assert print_a4.FIRST_PART - print_a4.SPLIT_BACK <= at <= print_a4.FIRST_PART and text[at - 1] == " "
    assert head.value.endswith(text[:at]) and more == print_a4.CONTINUED + text[at:]
    assert print_a4.split_at("x" * 1500) == print_a4.FIRST_PART and print_a4.split_at("short") == 5


# -- the reader and the returned workbook ------------------------------------------------------------
@pytest.fixture
def blank3(tmp_path, seed_project_v3):
    path = tmp_path / "blank.xlsx"
    generate_workbook(SPEC, seed_project_v3, path)
    return path


def test_dates_typed_in_the_text_cell_read_with_their_notes(blank3):
    cell = f"{SPEC.field('report_date').column}{SPEC.monthly.row_of(1)}"
    sub = read_ok(typed(blank3, {cell: "22/10/2563", cell.replace("10", "11"): "22/11/63"}))
    first, second = report(sub, 1, "report_date"), report(sub, 2, "report_date")
    assert first.value == dt.date(2020, 10, 22) and not first.notes          # as the workbook asks
    assert second.value == dt.date(2020, 11, 22) and [n.code for n in second.notes] == ["N015"]
    th, en = render("N015", raw="22/11/63", typed="63", year_th="2563", year_en="2020",
                    value_th="22 พ.ย. 2563", value_en="2020-11-22")
    assert second.notes[0].th == th and second.notes[0].en == en


def test_a_date_libreoffice_made_of_a_two_digit_be_year_is_read_back_with_a_note(tmp_path, seed_project):
    """v2: `22/10/63` typed into a date cell is stored as 1963-10-22 (LIBREOFFICE.md)."""
    v2 = load_spec(2)
    path = tmp_path / "v2.xlsx"
    generate_workbook(v2, seed_project, path)
    cell = f"{v2.field('report_date').column}{v2.monthly.row_of(1)}"
    value = report(read_ok(typed(path, {cell: dt.datetime(1963, 10, 22)})), 1, "report_date")
    assert value.value == dt.date(2020, 10, 22) and [n.code for n in value.notes] == ["N016"]


def test_a_date_given_to_the_text_cell_is_written_as_the_text_it_asks_for(tmp_path, seed_project_v3):
    path = tmp_path / "dates.xlsx"
    generate_workbook(SPEC, seed_project_v3, path, reports={1: {"report_date": dt.date(2020, 10, 22)},
                                                           2: {"report_date": dt.datetime(2563, 11, 23)}})
    ws = openpyxl.load_workbook(path)[MONTHLY]
    assert [ws[SPEC.monthly_cell("report_date", k)].value for k in (1, 2)] == ["22/10/2563", "23/11/2563"]
    assert [report(read_ok(path), k, "report_date").value for k in (1, 2)] == [dt.date(2020, 10, 22),
                                                                             dt.date(2020, 11, 23)]


def test_the_returned_workbook_writes_values_as_read_with_a_comment_where_they_were_normalised(blank3, tmp_path):
    date, money = (f"{SPEC.field(k).column}{SPEC.monthly.row_of(1)}" for k in ("report_date", "disbursed"))
    sub = read_ok(typed(blank3, {date: "22 ต.ค. 63", money: "2,500 บาท"}))
    out = tmp_path / "returned.xlsx"
    write_returned(sub, validate(sub, today=dt.date(2021, 8, 1)), out)
    ws = openpyxl.load_workbook(out)[MONTHLY]
    assert ws[date].value == "22/10/2563" and ws[money].value == 2500          # text as asked, a number
    assert "[N015]" in ws[date].comment.text and "22 ต.ค. 63" in ws[date].comment.text
    assert "[N001]" in ws[money].comment.text and "2,500 บาท" in ws[money].comment.text
    back = read_submission(out)
    assert report(back, 1, "report_date").value == dt.date(2020, 10, 22)
    assert report(back, 1, "disbursed").value == Decimal(2500) and not report(back, 1, "disbursed").notes
    cached = openpyxl.load_workbook(out, data_only=True)[MONTHLY]
    assert "V002" not in str(cached[SPEC.monthly_cell("check", 1)].value)
    assert all(f.severity is not Severity.ERROR or f.code == "V001" for f in validate(back, today=dt.date(2021, 8, 1))
               if f.cell and f.cell[1:] == str(SPEC.monthly.row_of(1)))
