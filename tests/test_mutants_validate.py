"""The rules at their boundaries, where mutation testing found no test (scripts/mutation.py validate):
each limit exactly met and just passed (the budget, the reporting window, the month and the year, the
first day of a future month, 25 points behind, three flat months, 100 %), fiscal years at the ends of
their range, the numbers in the messages. Submissions are built directly: no workbook is written."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from progress_xl.issues import Severity
from progress_xl.read import Submission, Value
from progress_xl.spec import load_spec
from progress_xl.validate import validate

SPEC = load_spec()
MONTHLY, PROJECT = SPEC.sheets["monthly"], SPEC.sheets["project"]
ON, BEHIND, TARGET = "เป็นไปตามแผน", "ล่าช้ากว่าแผน", "เป็นไปตามเป้าหมาย"


def month(k: int, **changes) -> dict:
    """Report k of FY 2564, clean: dated the 25th of its month, on plan, nothing spent."""
    year, mon = (2020, k + 9) if k <= 3 else (2021, k - 3)
    row = {"report_date": dt.date(year, mon, 25), "narrative": "งาน", "progress": Decimal(k), "disbursed": Decimal(0),
           "plan_status": ON, "target_status": TARGET}
    row.update(changes)
    return {key: v for key, v in row.items() if v is not None}


def submission(reports: dict[int, dict], *, fy=2564, budget=Decimal(100000), start=dt.date(2020, 10, 1),
               end=dt.date(2021, 9, 30)) -> Submission:
    project = {key: Value(key, value, value, PROJECT, f"C{i + 5}") for i, (key, value) in enumerate(
        {"fiscal_year": fy, "budget_allocated": budget, "start_date": start, "end_date": end}.items())}
    rows = {k: {key: Value(key, value, value, MONTHLY, SPEC.monthly_cell(key, k)) for key, value in row.items()}
            for k, row in reports.items()}
    return Submission("case.xlsx", "0" * 64, SPEC.version, project, rows)


def codes(reports, **kw) -> dict[str, list]:
    today = kw.pop("today", None)
    accepted = kw.pop("accepted", None)
    found = validate(submission(reports, **kw), accepted=accepted, today=today)
    out: dict[str, list] = {}
    for f in found:
        out.setdefault(f.code, []).append(f)
    return out


def cell(key, k):
    return SPEC.monthly_cell(key, k)


def test_a_clean_quarter_says_nothing():
    assert codes({k: month(k) for k in (1, 2, 3)}, today=dt.date(2021, 1, 1)) == {}


# -- money ----------------------------------------------------------------------------------------
def test_spending_exactly_the_budget_is_within_it_one_satang_more_is_not():
    assert "R102" not in codes({1: month(1, disbursed=Decimal(60000)), 2: month(2, disbursed=Decimal(40000))})
    found = codes({1: month(1, disbursed=Decimal(60000)), 2: month(2, disbursed=Decimal("40000.01")),
                   3: month(3, disbursed=Decimal(5))})["R102"]
    assert [(f.cell, f.context["value"], f.context["budget"]) for f in found] == [
        (cell("disbursed", 2), "100,000.01", "100,000")]


def test_falling_running_total_against_the_accepted_months():
    accepted = {1: {"disbursed": Decimal(500), "progress": Decimal(1)}}
    found = codes({1: month(1, disbursed=Decimal(400)), 2: month(2)}, accepted=accepted)["R107"]
    assert [(f.cell, f.context["value"], f.context["previous"]) for f in found] == [
        (cell("disbursed", 1), "400", "500")]
    assert "R107" not in codes({1: month(1, disbursed=Decimal(500))}, accepted=accepted)


def test_complete_without_money_only_with_a_budget():
    assert [f.cell for f in codes({1: month(1, progress=Decimal(100))})["R110"]] == [cell("progress", 1)]
    assert "R110" not in codes({1: month(1, progress=Decimal(100))}, budget=Decimal(0))
    assert "R110" not in codes({1: month(1, progress=Decimal(100), disbursed=Decimal("0.01"))})
    assert "R110" not in codes({1: month(1, progress=Decimal("99.99"))})


# -- dates ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("day, code", [(21, None), (28, None), (20, "R104"), (29, "R104")])
def test_the_reporting_window_is_inclusive(day, code):
    found = codes({2: month(2, report_date=dt.date(2020, 11, day))})
    assert ("R104" in found) is (code == "R104")
    if code:
        assert (found["R104"][0].context["lo"], found["R104"][0].context["hi"]) == (21, 28)


@pytest.mark.parametrize("day, code", [(dt.date(2020, 10, 31), "R103"), (dt.date(2020, 12, 1), "R103"),
                                       (dt.date(2020, 11, 30), "R104"), (dt.date(2020, 11, 1), "R104")])
def test_a_date_in_another_month_or_at_its_ends(day, code):
    found = codes({2: month(2, report_date=day)})
    assert set(found) == {code}
    if code == "R103":
        assert found["R103"][0].context["month"] == "พ.ย. 2563"


@pytest.mark.parametrize("day, inside", [(dt.date(2020, 10, 1), True), (dt.date(2021, 9, 30), True),
                                         (dt.date(2020, 9, 30), False), (dt.date(2021, 10, 1), False)])
def test_the_fiscal_year_bounds_are_inclusive(day, inside):
    found = codes({1: month(1, report_date=day)})
    assert ("V009" in found) is not inside
    if not inside:
        assert (found["V009"][0].context["min"], found["V009"][0].context["max"]) == ("01/10/2563", "30/09/2564")


@pytest.mark.parametrize("fy, judged", [(2400, True), (2800, True), (2399, False), (2801, False)])
def test_fiscal_years_at_the_ends_of_the_range(fy, judged):
    found = codes({1: month(1, report_date=dt.date(1900, 1, 1))}, fy=fy)
    assert ("V009" in found) is judged


@pytest.mark.parametrize("today, future", [(dt.date(2020, 12, 1), False), (dt.date(2020, 11, 30), True)])
def test_a_month_is_in_the_future_until_its_first_day(today, future):
    found = codes({3: month(3)}, today=today)
    assert ("R106" in found) is future
    if future:
        assert found["R106"][0].context["today"] == "30/11/2563"


def test_an_end_before_the_start():
    found = codes({1: month(1)}, start=dt.date(2021, 1, 2), end=dt.date(2021, 1, 1))
    assert found["R105"][0].context["start"] == "02/01/2564"
    assert "R105" not in codes({1: month(1)}, start=dt.date(2021, 1, 1), end=dt.date(2021, 1, 1))


# -- progress across months ------------------------------------------------------------------------
def test_progress_equal_to_the_month_before_is_not_a_fall():
    assert "R101" not in codes({1: month(1, progress=Decimal(5)), 2: month(2, progress=Decimal(5))})
    found = codes({1: month(1, progress=Decimal(5)), 2: month(2, progress=Decimal("4.5"))})["R101"]
    assert (found[0].cell, found[0].context["value"], found[0].context["previous"]) == (cell("progress", 2), "4.5", "5")


@pytest.mark.parametrize("flat, flagged", [(3, False), (4, True)])
def test_three_months_without_progress_while_on_plan(flat, flagged):
    reports = {k: month(k, progress=Decimal(7)) for k in range(1, flat + 1)}
    found = codes(reports, start=dt.date(2020, 10, 1), end=dt.date(2030, 1, 1))
    assert ("R109" in found) is flagged
    if flagged:
        assert found["R109"][0].context["months"] == 3 and found["R109"][0].cell == cell("plan_status", 4)


def test_behind_plan_at_100_percent():
    assert [f.cell for f in codes({1: month(1, progress=Decimal(100), plan_status=BEHIND,
                                            disbursed=Decimal(1)), })["R111"]] == [cell("plan_status", 1)]
    assert "R111" not in codes({1: month(1, progress=Decimal("99.9"), plan_status=BEHIND)})


@pytest.mark.parametrize("progress, flagged", [(Decimal(23), True), (Decimal(24), False)])
def test_twenty_five_points_behind_the_time_elapsed(progress, flagged):
    # report 6 dated 25/03/2021: 175 of 364 days elapsed, 48 %
    found = codes({6: month(6, progress=progress)})
    assert ("R112" in found) is flagged
    if flagged:
        assert (found["R112"][0].context["expected"], found["R112"][0].context["value"]) == ("48", "23")


def test_a_warning_explained_in_the_remark_is_explained():
    reports = {6: month(6, progress=Decimal(1), remark="รอผลการประกวดราคา")}
    assert codes(reports)["R112"][0].severity is Severity.EXPLAINED
    reports[6]["remark"] = "   "
    assert codes(reports)["R112"][0].severity is Severity.WARNING
    reports = {1: month(1, progress=Decimal(5)), 2: month(2, progress=Decimal(4), remark="แก้ไขตัวเลข")}
    assert codes(reports)["R101"][0].severity is Severity.ERROR          # an error is never explained away


def test_an_accepted_value_changed_names_the_month():
    accepted = {1: {"progress": Decimal("1.0"), "report_date": "2020-10-25"}}
    assert "R108" not in codes({1: month(1), 2: month(2)}, accepted=accepted)
    found = codes({1: month(1, progress=Decimal(3)), 2: month(2, progress=Decimal(4))}, accepted=accepted)["R108"]
    assert [(f.context["value"], f.context["previous"], f.context["month"]) for f in found] == [("3", "1", "ต.ค. 2563")]


def test_a_percent_out_of_range_names_the_range():
    found = codes({1: month(1, progress=Decimal("100.5"))})["V003"]
    assert [(f.context["value"], f.context["min"], f.context["max"]) for f in found] == [("100.5", "0", "100")]
    assert "V003" not in codes({1: month(1, progress=Decimal(100))})


@pytest.mark.parametrize("length, flagged", [(2200, False), (2201, True)])
def test_a_text_exactly_at_its_length_limit_is_within_it(length, flagged):
    found = codes({1: month(1, narrative="ก" * length)})
    assert ("V011" in found) is flagged


def test_flat_months_after_a_month_off_plan_are_still_judged():
    reports = {k: month(k, progress=Decimal(7)) for k in range(1, 6)}
    reports[1]["plan_status"] = BEHIND
    found = codes(reports, end=dt.date(2030, 1, 1))
    assert [f.cell for f in found["R109"]] == [cell("plan_status", 4), cell("plan_status", 5)]


def test_money_spent_last_year_counts_for_a_project_done_this_year():
    last_year = {0: {"disbursed": Decimal(10), "progress": Decimal(50)}}
    assert "R110" not in codes({1: month(1, progress=Decimal(100))}, accepted=last_year)
    assert "R110" in codes({1: month(1, progress=Decimal(100))}, accepted={0: {"progress": Decimal(50)}})
