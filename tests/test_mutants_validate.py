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
from progress_xl.register import Project
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
               end=dt.date(2021, 9, 30), shown=None) -> Submission:
    """`shown`: more of the project sheet's values (a v3 workbook shows the figures across years)."""
    project = {key: Value(key, value, value, PROJECT, f"C{i + 5}") for i, (key, value) in enumerate(
        {"fiscal_year": fy, "budget_allocated": budget, "start_date": start, "end_date": end, **(shown or {})}.items())}
    rows = {k: {key: Value(key, value, value, MONTHLY, SPEC.monthly_cell(key, k)) for key, value in row.items()}
            for k, row in reports.items()}
    return Submission("case.xlsx", "0" * 64, SPEC.version, project, rows)


def codes(reports, **kw) -> dict[str, list]:
    today = kw.pop("today", None)
    accepted = kw.pop("accepted", None)
    register = kw.pop("register", None)
    found = validate(submission(reports, **kw), project=register, accepted=accepted, today=today)
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


def test_a_percent_out_of_range_names_the_range_and_the_field():
    found = codes({1: month(1, progress=Decimal("100.5"))})["V003"]
    assert [(f.context["value"], f.context["min"], f.context["max"]) for f in found] == [("100.5", "0", "100")]
    assert found[0].th.startswith(SPEC.field("progress").th) and found[0].en.startswith(SPEC.field("progress").en)
    assert "V003" not in codes({1: month(1, progress=Decimal(100))})


@pytest.mark.parametrize("version, length, limit", [(3, 2200, None), (3, 2201, 2200), (2, 2201, None),
                                                    (2, 4000, None), (2, 4001, 4000)])
def test_a_text_exactly_at_its_length_limit_is_within_it(version, length, limit):
    """Each template version's own limit: v3's narrative holds 2,200 characters, v2's 4,000."""
    sub = submission({1: month(1, narrative="ก" * length)})
    sub.template_version = version
    found = [f for f in validate(sub) if f.code == "V011"]
    assert [(f.cell, f.context["max"]) for f in found] == ([(cell("narrative", 1), limit)] if limit else [])


def test_flat_months_after_a_month_off_plan_are_still_judged():
    reports = {k: month(k, progress=Decimal(7)) for k in range(1, 6)}
    reports[1]["plan_status"] = BEHIND
    found = codes(reports, end=dt.date(2030, 1, 1))
    assert [f.cell for f in found["R109"]] == [cell("plan_status", 4), cell("plan_status", 5)]


def test_money_spent_last_year_counts_for_a_project_done_this_year():
    last_year = {0: {"disbursed": Decimal(10), "progress": Decimal(50)}}
    assert "R110" not in codes({1: month(1, progress=Decimal(100))}, accepted=last_year)
    assert "R110" in codes({1: month(1, progress=Decimal(100))}, accepted={0: {"progress": Decimal(50)}})


# -- projects that span fiscal years: the register's figures ------------------------------------------
FAR = dt.date(2030, 1, 1)          # an end so far away that no month is behind the time elapsed


def spanning(budget=Decimal(100000), defaulted=(), **figures) -> Project:
    """A register row of FY 2564 stating the figures across years it is given; `defaulted` names
    those that are only the register's defaults (stated nowhere)."""
    values = {"project_code": "08000000-2601", "fiscal_year": 2564, "budget_allocated": budget,
              "start_date": dt.date(2019, 10, 1), "end_date": dt.date(2022, 9, 30), **figures}
    return Project(values, defaulted=frozenset(defaulted))


def spend(amounts: dict[int, str | int], **changes) -> dict[int, dict]:
    """Reports whose only money is `amounts` (report k -> baht)."""
    return {k: month(k, disbursed=Decimal(str(v)), **changes) for k, v in amounts.items()}


def flagged(reports, **kw) -> set[tuple]:
    kw.setdefault("end", FAR)
    return {(f.code, f.sheet, f.cell) for found in codes(reports, **kw).values() for f in found}


def one(reports, code, **kw):
    kw.setdefault("end", FAR)
    found = codes(reports, **kw)[code]
    assert len(found) == 1
    return found[0].context


def on(code, key, k):
    return code, MONTHLY, cell(key, k)


def test_this_years_allocation_plus_carry_over_is_the_limit_exactly():
    register = spanning(fy_allocation=Decimal(80000), carryover=Decimal(30000))
    assert flagged(spend({1: 60000, 2: 50000}), register=register) == set()
    over = spend({1: 60000, 2: "50000.01", 3: 5})
    assert flagged(over, register=register) == {on("R116", "disbursed", 2)}
    context = one(over, "R116", register=register)
    assert (context["value"], context["allocation"], context["carryover"], context["budget"]) == (
        "110,000.01", "80,000", "30,000", "110,000")


@pytest.mark.parametrize("figures, limit", [
    ({"fy_allocation": Decimal(80000)}, "80000"),                        # less this year than the budget column
    ({"fy_allocation": Decimal(120000)}, "120000"),                      # more
    ({"carryover": Decimal(30000)}, "130000"),                           # the budget column plus a carry-over
], ids=["allocation-below-budget", "allocation-above-budget", "carry-over"])
def test_an_allocation_apart_from_the_budget_column_or_a_carry_over_moves_the_limit(figures, limit):
    register = spanning(**figures)
    assert flagged(spend({1: limit}), register=register) == set()
    assert flagged(spend({1: Decimal(limit) + Decimal("0.01")}), register=register) == {on("R116", "disbursed", 1)}


def test_the_budget_column_alone_is_the_plain_limit():
    register = spanning(fy_allocation=Decimal(100000), carryover=Decimal(0))
    assert flagged(spend({1: "100000.01"}), register=register) == {on("R102", "disbursed", 1)}


def test_money_before_this_year_and_this_years_within_the_projects_total_exactly():
    register = spanning(total_budget=Decimal(150000), disbursed_before=Decimal(60000))
    assert flagged(spend({1: 50000, 2: 40000}), register=register) == set()
    over = spend({1: 50000, 2: "40000.01", 3: 1})
    assert flagged(over, register=register) == {on("R117", "disbursed", 2)}
    context = one(over, "R117", register=register)
    assert (context["value"], context["before"], context["year"], context["total"]) == (
        "150,000.01", "60,000", "90,000.01", "150,000")


def test_beyond_the_total_only_through_this_years_money_is_the_budgets_finding():
    register = spanning(total_budget=Decimal(160000), disbursed_before=Decimal(60000))     # 60,000 + 100,000 = total
    assert flagged(spend({1: 100000}), register=register) == set()
    assert flagged(spend({1: "100000.01"}), register=register) == {on("R102", "disbursed", 1)}


@pytest.mark.parametrize("register, shown, judged", [
    (spanning(total_budget=Decimal(150000), disbursed_before=Decimal(60000), defaulted={"total_budget"}), {}, False),
    (spanning(total_budget=Decimal(150000), disbursed_before=Decimal(60000), defaulted={"total_budget"}),
     {"total_budget": Decimal(150000)}, False),                  # the workbook shows the register's default
    (spanning(total_budget=Decimal(150000), disbursed_before=Decimal(60000), defaulted={"total_budget"}),
     {"total_budget": Decimal(140000)}, True),                   # ... or a total of its own
    (None, {"total_budget": Decimal(140000), "disbursed_before": Decimal(60000)}, True),
], ids=["default", "default-shown", "workbook-total", "workbook-only"])
def test_the_total_is_judged_only_where_it_is_stated(register, shown, judged):
    found = flagged(spend({1: "80000.01"}), register=register, shown=shown)
    assert found == ({on("R117", "disbursed", 1)} if judged else set())


def test_without_a_budget_no_total_is_judged():
    register = spanning(budget=None, total_budget=Decimal(150000), disbursed_before=Decimal(160000))
    assert "R117" not in codes(spend({1: 1}), register=register, budget=None)


def carried(deadline=dt.date(2020, 12, 31), allocation=Decimal(0), carryover=Decimal(300000)) -> dict:
    """A delayed project's money: `allocation` this year and `carryover` usable until `deadline`."""
    budget = allocation + carryover
    return {"register": spanning(budget=budget, fy_allocation=allocation, carryover=carryover,
                                 carryover_deadline=deadline), "budget": budget}


def test_after_the_carry_overs_deadline_what_was_used_by_then_is_the_cap():
    assert flagged(spend({1: 100000, 2: 50000, 3: 0, 5: 0}), **carried()) == set()
    late = spend({1: 100000, 2: 50000, 5: "0.01", 6: 1})
    assert flagged(late, **carried()) == {on("R118", "disbursed", 5)}
    context = one(late, "R118", **carried())
    assert (context["value"], context["deadline"], context["cap"], context["allocation"], context["used"]) == (
        "150,000.01", "31/12/2563", "150,000", "0", "150,000")


@pytest.mark.parametrize("deadline, month_flagged", [(dt.date(2020, 12, 31), 4), (dt.date(2021, 1, 1), 5)])
def test_a_month_that_begins_on_the_deadline_is_still_within_it(deadline, month_flagged):
    found = flagged(spend({1: 100000, 2: 50000, 4: 10, 5: "0.01"}), **carried(deadline))
    assert found == {on("R118", "disbursed", month_flagged)}


@pytest.mark.parametrize("before, after, expected", [
    (30000, "100000", set()), (30000, "100000.01", {"R118"}),               # 30,000 of the carry-over used
    (80000, "70000", set()), (80000, "70000.01", {"R118", "R116"}),         # all 50,000 of it (and this year's)
])
def test_the_carry_over_used_is_what_was_spent_by_the_deadline_at_most_all_of_it(before, after, expected):
    money = carried(allocation=Decimal(100000), carryover=Decimal(50000))
    assert flagged(spend({1: before, 5: after}), **money) == {on(code, "disbursed", 5) for code in expected}


@pytest.mark.parametrize("k", [11, 12])
def test_the_carry_over_is_judged_to_the_last_month_of_the_year(k):
    assert flagged(spend({1: 100000, 2: 50000, k: "0.01"}), **carried()) == {on("R118", "disbursed", k)}


@pytest.mark.parametrize("deadline", [dt.date(2021, 9, 30), dt.date(2021, 12, 31)], ids=["year-end", "next-year"])
def test_a_carry_over_usable_all_year_caps_nothing_but_the_years_money(deadline):
    money = carried(deadline, allocation=Decimal(100000), carryover=Decimal(50000))
    assert flagged(spend({1: 10, 12: 149990}), **money) == set()
    assert flagged(spend({1: 10, 12: "149990.01"}), **money) == {on("R116", "disbursed", 12)}


def test_the_carry_over_finding_is_on_the_first_month_with_money_after_the_deadline():
    money = carried(allocation=Decimal(0), carryover=Decimal(100))
    assert flagged(spend({1: 150, 5: 0}), **money) == {on("R116", "disbursed", 1), on("R118", "disbursed", 5)}


def test_no_carry_over_no_carry_over_finding():
    register = spanning(fy_allocation=Decimal(50000), carryover=Decimal(0), carryover_deadline=dt.date(2020, 12, 31))
    assert flagged(spend({5: "50000.01"}), register=register) == {on("R116", "disbursed", 5)}
    no_deadline = spanning(fy_allocation=Decimal(0), carryover=Decimal(100000))
    assert flagged(spend({1: 10, 5: 20}), register=no_deadline) == set()


LAST_YEAR = {0: {"progress": Decimal(30), "disbursed": Decimal(9_000_000)},     # September of FY 2563
             -1: {"progress": Decimal(25), "disbursed": Decimal(5_000_000)}}    # August


@pytest.mark.parametrize("october, expected", [("1000", set()), ("999.99", {on("R107", "disbursed", 1)})])
def test_the_project_to_date_money_against_last_years_exactly(october, expected):
    register = spanning(disbursed_before=Decimal(13_999_000))
    reports = spend({1: october}, progress=Decimal(35))
    assert flagged(reports, register=register, accepted=LAST_YEAR) == expected
    if expected:
        context = one(reports, "R107", register=register, accepted=LAST_YEAR)
        assert (context["value"], context["previous"]) == ("13,999,999.99", "14,000,000")


@pytest.mark.parametrize("october", [{}, {1: month(1, progress=Decimal(35), disbursed=None)}],
                         ids=["october-not-reported", "october-without-money"])
def test_the_project_to_date_money_is_judged_on_the_first_month_with_money(october):
    register = spanning(disbursed_before=Decimal(13_999_000))
    reports = {**october, **spend({2: "999.99", 3: 0}, progress=Decimal(36))}
    assert flagged(reports, register=register, accepted=LAST_YEAR) == {on("R107", "disbursed", 2)}


@pytest.mark.parametrize("register, accepted", [
    (spanning(disbursed_before=Decimal(13_999_000), defaulted={"disbursed_before"}), LAST_YEAR),
    (spanning(disbursed_before=Decimal(13_999_000)), {1: {"progress": Decimal(35)}}),
], ids=["money-before-not-stated", "no-month-of-last-year"])
def test_the_project_to_date_money_needs_both_years(register, accepted):
    assert flagged(spend({1: "999.99"}, progress=Decimal(35)), register=register, accepted=accepted) == set()


def test_september_alone_is_last_year():
    register = spanning(disbursed_before=Decimal(13_999_000))
    september = {0: {"progress": Decimal(30), "disbursed": Decimal(14_000_000)}}
    assert flagged(spend({1: "999.99"}, progress=Decimal(35)), register=register, accepted=september) == {
        on("R107", "disbursed", 1)}


@pytest.mark.parametrize("september, october, previous", [
    (None, "39.99", "40"), (None, "40", None),
    (Decimal(50), "45", "50"),                  # September above the register's figure: September's
    (Decimal(30), "35", "40"),                  # below it: the register's
], ids=["below-start", "at-start", "september-higher", "september-lower"])
def test_progress_never_below_the_start_of_the_year(september, october, previous):
    register = spanning(start_progress=Decimal(40))
    accepted = {0: {"progress": september}} if september else None
    reports = {1: month(1, progress=Decimal(october))}
    assert flagged(reports, register=register, accepted=accepted) == ({on("R101", "progress", 1)} if previous else set())
    if previous:
        assert one(reports, "R101", register=register, accepted=accepted)["previous"] == previous


@pytest.mark.parametrize("register", [spanning(start_progress=Decimal(40), defaulted={"start_progress"}),
                                      spanning(start_progress=Decimal(0))], ids=["not-stated", "zero"])
def test_a_start_progress_not_stated_or_zero_is_no_month_before_october(register):
    assert flagged({1: month(1, progress=Decimal(35))}, register=register) == set()
    flat = {k: month(k, progress=Decimal(0)) for k in (1, 2, 3)}       # three months, not four, at 0 %
    assert flagged(flat, register=register) == set()


def test_flat_months_counted_from_last_year():
    accepted = {k: {"progress": Decimal(60)} for k in (-2, -1, 0)}       # July, August and September of FY 2563
    reports = {1: month(1, progress=Decimal(60))}
    assert flagged(reports, accepted=accepted) == {on("R109", "plan_status", 1)}
    context = one(reports, "R109", accepted=accepted)
    assert (context["since"], context["months"]) == ("10/2563", 3)


@pytest.mark.parametrize("register, expected", [
    (spanning(disbursed_before=Decimal(10)), set()),
    (spanning(disbursed_before=Decimal(10), defaulted={"disbursed_before"}), {on("R110", "progress", 1)}),
], ids=["money-of-earlier-years", "none-stated"])
def test_done_with_the_money_of_earlier_years_in_the_register(register, expected):
    assert flagged({1: month(1, progress=Decimal(100))}, register=register) == expected


# -- each value as its field's type ----------------------------------------------------------------------
@pytest.mark.parametrize("key, value, expected", [
    ("progress", 5, Decimal(5)), ("progress", 2.5, Decimal("2.5")), ("disbursed", Decimal("1.10"), Decimal("1.10")),
    ("progress", True, None), ("disbursed", "5", None), ("disbursed", float("nan"), None),
    ("progress", Decimal("Infinity"), None), ("disbursed", None, None),
    ("report_date", dt.datetime(2020, 10, 25, 9, 30), dt.date(2020, 10, 25)),
    ("report_date", dt.date(2020, 10, 25), dt.date(2020, 10, 25)), ("report_date", "2020-10-25", None),
    ("plan_status", ON, ON), ("plan_status", 1, None), ("month", "ต.ค. 63", "ต.ค. 63"), ("month", 10, None),
    ("narrative", Decimal(3), None), ("narrative", "งาน", "งาน"), ("report_no", 7, 7),
    ("no_such_field", 1.5, 1.5),
])
def test_rules_meet_each_value_as_its_fields_type_or_none(key, value, expected):
    from progress_xl.validate import _typed
    got = _typed(SPEC, key, value)
    assert got == expected and type(got) is type(expected)
