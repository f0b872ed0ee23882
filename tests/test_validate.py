"""validate: one rule catalogue, each rule asserted as (code, sheet, cell) (issue 5)."""
import dataclasses
import datetime as dt
import string
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenarios import BEHIND, CLEAN, ON, TARGET, row  # noqa: F401 - the shared scenarios

from progress_xl.generate import generate_workbook
from progress_xl.issues import CATALOG, Severity, render
from progress_xl.read import Submission, Value, read_submission
from progress_xl.spec import load_spec
from progress_xl.validate import is_accepted, validate

SPEC = load_spec()
MONTHLY, PROJECT = SPEC.sheets["monthly"], SPEC.sheets["project"]


def at(key, k):
    return MONTHLY, SPEC.monthly_cell(key, k)


def check(tmp_path, project, changes=None, *, accepted=None, today=None, register=None, keep_notes=False):
    reports = {k: dict(v) for k, v in CLEAN.items()}
    for k, fields in (changes or {}).items():
        reports.setdefault(k, {}).update(fields)
        reports[k] = {key: v for key, v in reports[k].items() if v is not None}
    path = tmp_path / "case.xlsx"
    generate_workbook(SPEC, project, path, reports=reports)
    sub = read_submission(path)
    assert isinstance(sub, Submission), sub
    found = validate(sub, project=register, accepted=accepted, today=today)
    return found, {(f.code, f.sheet, f.cell) for f in found if keep_notes or f.severity is not Severity.NOTE}


def test_a_clean_quarter_has_nothing_to_say(tmp_path, seed_project):
    found, codes = check(tmp_path, seed_project, register=seed_project, today=dt.date(2021, 1, 1))
    assert codes == set() and is_accepted(found)


@pytest.mark.parametrize("changes, expected", [
    ({2: {"progress": None}}, {("V001",) + at("progress", 2)}),
    ({2: {"progress": 150}}, {("V003",) + at("progress", 2)}),
    ({3: {"progress": 15}}, {("R101",) + at("progress", 3)}),
    ({2: {"plan_status": "ตามแผนครับ"}}, {("V004",) + at("plan_status", 2)}),
    ({3: {"disbursed": 130000}}, {("R102",) + at("disbursed", 3)}),
    ({2: {"report_date": dt.date(2020, 12, 1)}}, {("R103",) + at("report_date", 2)}),
    ({2: {"report_date": dt.date(2021, 10, 5)}}, {("V009",) + at("report_date", 2)}),
    ({2: {"report_date": dt.date(2020, 11, 5)}}, {("R104",) + at("report_date", 2)}),
    ({2: {"disbursed": "หนึ่งพัน"}}, {("V002",) + at("disbursed", 2)}),
    ({2: {"disbursed": -5}}, {("V015",) + at("disbursed", 2)}),       # a whole negative: perhaps a typed 5.-
    ({2: {"disbursed": -5.5}}, {("V006",) + at("disbursed", 2)}),
    ({3: {"progress": 100, "plan_status": BEHIND}}, {("R111",) + at("plan_status", 3)}),
], ids=["missing-progress", "progress-150", "falling-progress", "unknown-status", "over-budget",
        "date-outside-its-month", "date-outside-the-year", "date-outside-the-window", "amount-in-words",
        "negative-whole-amount", "negative-amount", "behind-plan-at-100"])
def test_each_rule_on_its_cell(tmp_path, seed_project, changes, expected):
    assert check(tmp_path, seed_project, changes)[1] == expected


def test_a_month_that_has_not_come_yet(tmp_path, seed_project):
    assert check(tmp_path, seed_project, today=dt.date(2020, 11, 30))[1] == {("R106",) + at("progress", 3)}


def test_flat_progress_while_on_plan_for_three_months(tmp_path, seed_project):
    flat = {k: row(dt.date(*ym, 22), 20, 0) for k, ym in enumerate([(2020, 10), (2020, 11), (2020, 12), (2021, 1),
                                                                    (2021, 2)], 1)}
    assert check(tmp_path, seed_project, flat)[1] == {("R109",) + at("plan_status", 4), ("R109",) + at("plan_status", 5)}


def test_complete_with_no_money_and_behind_the_elapsed_time(tmp_path, seed_project):
    changes = {1: {"disbursed": 0}, 2: {"disbursed": 0}, 3: {"progress": 100}}
    assert check(tmp_path, seed_project, changes)[1] == {("R110",) + at("progress", 3)}
    late = {7: row(dt.date(2021, 4, 22), 30, 0)}          # 56 % of the time gone, 30 % done, "on plan"
    assert check(tmp_path, seed_project, late)[1] == {("R112",) + at("progress", 7)}


def test_the_registers_planned_curve_replaces_the_linear_plan(tmp_path, seed_project):
    planned = tuple(Decimal(x) for x in (40, 60, 80, 90, 95, 100, 100, 100, 100, 100, 100, 100))
    register = dataclasses.replace(seed_project, planned=planned)
    found, codes = check(tmp_path, seed_project, register=register)
    assert codes == {("R112",) + at("progress", k) for k in (1, 2, 3)}
    assert "แผนในทะเบียน" in found[0].th and "register's plan" in found[0].en


def test_against_the_months_already_accepted(tmp_path, seed_project):
    accepted = {1: {"progress": Decimal(10), "disbursed": Decimal(5000), "plan_status": ON},
                2: {"progress": Decimal(25), "disbursed": Decimal(0)}}
    found, codes = check(tmp_path, seed_project, accepted=accepted)
    assert codes == {("R108",) + at("disbursed", 1), ("R108",) + at("progress", 2), ("R108",) + at("disbursed", 2),
                     ("R107",) + at("disbursed", 1)}


def test_project_and_register_consistency(tmp_path, seed_project):
    swapped = dataclasses.replace(seed_project, values={**seed_project.values, "start_date": dt.date(2021, 10, 1)})
    assert ("R105", PROJECT, SPEC.field("end_date").cell) in check(tmp_path, swapped)[1]
    richer = dataclasses.replace(seed_project, values={**seed_project.values, "budget_allocated": Decimal(200000)})
    assert check(tmp_path, seed_project, register=richer)[1] == {("R113", PROJECT, SPEC.field("budget_allocated").cell)}


def test_a_warning_explained_in_the_remark_is_no_longer_a_warning(tmp_path, seed_project):
    found, _ = check(tmp_path, seed_project, {2: {"report_date": dt.date(2020, 11, 5), "remark": "ส่งก่อนเพราะหยุดยาว"},
                                              3: {"report_date": dt.date(2020, 12, 5)}})
    severity = {f.cell: f.severity for f in found if f.code == "R104"}
    assert severity == {at("report_date", 2)[1]: Severity.EXPLAINED, at("report_date", 3)[1]: Severity.WARNING}
    assert is_accepted(found)


def test_coercion_notes_are_kept_but_do_not_block(tmp_path, seed_project):
    found, codes = check(tmp_path, seed_project, {2: {"disbursed": "2,000 บาท"}}, keep_notes=True)
    assert codes == {("N001",) + at("disbursed", 2)} and is_accepted(found)


def test_every_catalogue_entry_renders_in_both_languages():
    for code, entry in CATALOG.items():
        names = {name for text in (entry.th, entry.en) for _, name, _, _ in string.Formatter().parse(text) if name}
        th, en = render(code, **{n: f"<{n}>" for n in names})
        assert "{" not in th + en and all(f"<{n}>" in th + en for n in names), code
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in th), (code, "Thai text")
        assert not any("\u0e00" <= ch <= "\u0e7f" for ch in entry.en.replace("{", "")), (code, "English text")
        assert code[0] in "FTPVRMCSONW" and len(code) == 4


# -- validate() never raises, whatever the reader hands it -----------------------------------------
ANY = st.one_of(st.none(), st.text(max_size=30), st.integers(-10**18, 10**18), st.floats(allow_nan=True),
                st.decimals(allow_nan=False, allow_infinity=False), st.dates(), st.booleans())


@st.composite
def submissions(draw):
    def value(f, k=None):
        raw = draw(ANY)
        sheet = MONTHLY if k else PROJECT
        cell = SPEC.monthly_cell(f.key, k) if k else f.cell
        return Value(f.key, raw, draw(st.one_of(st.just(raw), ANY)), sheet, draw(st.sampled_from([cell, None])))
    project = {f.key: value(f) for f in SPEC.project_fields if draw(st.booleans())}
    reports = {k: {f.key: value(f, k) for f in SPEC.monthly_fields if f.derive is None}
               for k in range(1, 13) if draw(st.booleans())}
    return Submission("x.xlsx", "0" * 64, draw(st.sampled_from([1, 2])), project, reports)


@given(submissions(), st.dictionaries(st.integers(1, 12), st.dictionaries(st.sampled_from(
    ["progress", "disbursed", "plan_status", "report_date"]), ANY)), st.one_of(st.none(), st.dates()))
def test_validate_never_raises(sub, accepted, today):
    found = validate(sub, accepted=accepted, today=today)
    assert all(f.code in CATALOG for f in found)


# -- the returned workbook -------------------------------------------------------------------------
from test_generate import FILLED  # noqa: E402

from progress_xl.review import review_file  # noqa: E402


def _read_values(sub):
    """What was read (the returned workbook writes each value as read, so what was typed may differ)."""
    return ({(k, key): v.value for k, row in sub.reports.items() for key, v in row.items()},
            {key: v.value for key, v in sub.project.items()})


@pytest.fixture
def returned(tmp_path, seed_project):
    original = tmp_path / "filled.xlsx"
    generate_workbook(SPEC, seed_project, original, reports=FILLED)
    review = review_file(original, today=dt.date(2021, 8, 1), returned_dir=tmp_path / "out")
    return original, review


def test_returned_workbook_reads_back_to_the_same_values_and_findings(returned):
    original, review = returned
    back = read_submission(review.returned)
    assert isinstance(back, Submission)
    assert _read_values(back) == _read_values(review.submission)
    again = validate(back, today=dt.date(2021, 8, 1))
    # the same findings; the notes on how a typed value was read are gone with the typing
    assert [(f.code, f.cell) for f in again] == [(f.code, f.cell) for f in review.findings
                                                 if f.severity is not Severity.NOTE]


def test_returned_workbook_marks_each_problem_on_its_cell(returned):
    import openpyxl
    _, review = returned
    wb = openpyxl.load_workbook(review.returned)
    assert wb.sheetnames[0] == SPEC.sheets["checks"] and wb.active.title == SPEC.sheets["checks"]
    monthly = wb[MONTHLY]
    marked = {f.cell for f in review.findings if f.severity in (Severity.ERROR, Severity.WARNING, Severity.EXPLAINED)}
    coloured = {str(rng.sqref) for rng in monthly.conditional_formatting} & marked
    assert coloured == marked and len(marked) == 9
    for f in review.findings:
        if f.cell in marked:
            assert f"[{f.code}]" in monthly[f.cell].comment.text and f.en in monthly[f.cell].comment.text
    checks = wb[SPEC.sheets["checks"]]
    links = [c.hyperlink.location for c in checks["D"] if c.hyperlink]
    assert len(links) == len([f for f in review.findings if f.cell])
    for link in links:
        sheet, cell = link.rsplit("!", 1)
        assert sheet.strip("'") in wb.sheetnames and openpyxl.utils.cell.coordinate_from_string(cell)
    assert {link.rsplit("!", 1)[1] for link in links} >= marked


def test_validate_command_writes_returned_workbooks_and_json(runner, tmp_path, seed_project):
    import json

    from progress_xl.cli import main
    good, bad = tmp_path / "in" / "good.xlsx", tmp_path / "in" / "bad.xlsx"
    good.parent.mkdir()
    generate_workbook(SPEC, seed_project, good, reports=CLEAN)
    bad.write_bytes(b"%PDF-1.4 not a workbook")
    result = runner.invoke(main, ["validate", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                  "--today", "31/12/2563"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    report = json.loads((tmp_path / "out" / "validate.json").read_text(encoding="utf-8"))
    counts = report["files"][1]["counts"]
    told = " / ".join(render("W029", errors=counts["error"], warnings=counts["warning"], explained=counts["explained"]))
    assert lines[0].startswith("bad.xlsx: [F004]")
    assert lines[1] == (f"good.xlsx: รับแล้ว / accepted · {seed_project.code} · {told} → "
                        f"{tmp_path / 'out' / 'good_ตรวจแล้ว.xlsx'}")
    assert lines[2] == " / ".join(render("W028", count=2, accepted=1, has_issues=0, rejected=1)) + f" → {tmp_path / 'out'}"
    assert [(f["file"], f["state"]) for f in report["files"]] == [("bad.xlsx", "rejected"), ("good.xlsx", "accepted")]
    assert report["today"] == "2020-12-31" and (tmp_path / "out" / "good_ตรวจแล้ว.xlsx").is_file()
