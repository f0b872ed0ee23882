"""Projects that span fiscal years: the register's figures, which projects a year has, and the rules
across the year's edge (issue "projects that span fiscal years, and the turn of the year")."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from progress_xl.cli import main
from progress_xl.generate import generate_workbook
from progress_xl.issues import Severity, render
from progress_xl.ledger import Ledger
from progress_xl.read import Submission, read_submission
from progress_xl.register import REGISTER_ONLY, SPAN_FIELDS, Project, funding, read_register, spans_years
from progress_xl.rollover import (ACTIVE, CARRIED, DELAYED, ENDED, NOT_STARTED, activity_summary, standing,
                                  year_activity)
from progress_xl.spec import load_spec
from progress_xl.validate import is_accepted, validate

SPEC = load_spec()
MONTHLY = SPEC.sheets["monthly"]
ON, BEHIND, TARGET = "เป็นไปตามแผน", "ล่าช้ากว่าแผน", "เป็นไปตามเป้าหมาย"
BASE = ["รหัสโครงการ", "ชื่อโครงการ/กิจกรรม", "เริ่มต้นโครงการ", "สิ้นสุดโครงการ", "งบประมาณที่ได้รับ",
        "หน่วยงานที่รับผิดชอบ", "อีเมลหน่วยงาน"]
SPAN_TH = ["งบประมาณทั้งโครงการ", "งบประมาณที่ได้รับในปีงบประมาณนี้", "เงินกันไว้เบิกเหลื่อมปี",
           "เบิกเงินกันเหลื่อมปีได้ถึง", "ความก้าวหน้าสะสมต้นปี", "เบิกจ่ายก่อนปีนี้"]


def write_register(path, header, *rows):
    lines = [",".join(header)] + [",".join(f'"{c}"' if "," in c else c for c in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def project_row(code, start, end, budget, *span):
    return [code, f"โครงการ {code}", start, end, budget, "สำนักการโยธา", "works@bangkok.go.th", *span]


#: The issue's project: 01/03/2569 - 31/03/2571, 45 million in all; 15 million this year (FY 2570).
MULTI = project_row("08000000-2601", "01/03/2569", "31/03/2571", "15,000,000", "45,000,000", "", "", "", "40",
                    "14,000,000")


def codes(issues):
    return [(i.code, i.context.get("row")) for i in issues]


# -- the register's fields ----------------------------------------------------------------------
@pytest.mark.parametrize("header", [
    SPAN_TH,
    ["Total budget", "This year's allocation", "Carry-over", "Carry-over deadline", "Start progress",
     "Disbursed before"],
    ["งบประมาณทั้งโครงการ (บาท)", " งบประมาณปีนี้ *", "เงินกันไว้เบิกเหลื่อมปี\u00a0(บาท)", "กำหนดเบิกเงินกันเหลื่อมปี:",
     "ความก้าวหน้าสะสมต้นปี (%)", "เบิกจ่ายสะสมก่อนปีนี้"],
    ["TOTAL\u200bBUDGET", "fy allocation", "ｃａｒｒｙｏｖｅｒ", "carried over until", "opening progress",
     "disbursed brought forward"],
], ids=["thai", "english", "units-stars-nbsp", "case-zero-width-full-width"])
def test_the_span_columns_are_read_whatever_their_header(tmp_path, header):
    row = project_row("08000000-2601", "01/03/2569", "31/03/2571", "15,000,000", "45,000,000", "12,000,000",
                      "1,000,000", "31/03/2570", "40 %", "14,000,000")
    result = read_register(write_register(tmp_path / "r.csv", BASE + header, row), SPEC, 2570)
    project, = result.projects
    money = funding(project)
    assert (money.total, money.allocation, money.carryover, money.carryover_deadline, money.start_progress,
            money.disbursed_before) == (45_000_000, 12_000_000, 1_000_000, dt.date(2027, 3, 31), 40, 14_000_000)
    assert money.available == 13_000_000 and spans_years(project) and result.issues == []


def test_every_span_name_reaches_its_own_column():
    from progress_xl.register import _header_map, _names, column_of
    keys = _header_map(_names(SPEC))
    for f in SPAN_FIELDS:
        for name in REGISTER_ONLY[f.key]:
            assert column_of(keys, name) == f.key, name


def test_a_one_year_project_needs_none_of_them(tmp_path):
    result = read_register(write_register(tmp_path / "r.csv", BASE, project_row("08000000-2602", "01/10/2569",
                                                                                "30/09/2570", "122,800")), SPEC, 2570)
    project, = result.projects
    money = funding(project)
    assert (money.total, money.allocation, money.carryover, money.start_progress, money.disbursed_before) == \
        (122_800, 122_800, 0, 0, 0)
    assert money.carryover_deadline is None and not spans_years(project) and result.issues == []
    # the defaults are in the values (the template v3 prefills them) but are not "stated"
    assert project["total_budget"] == 122_800
    assert not project.stated("total_budget") and not project.stated("start_progress")


def test_a_hand_built_project_resolves_the_same_defaults():
    project = Project({"project_code": "08000000-2603", "budget_allocated": Decimal(1000), "disbursed_before": 400})
    money = funding(project)
    assert (money.allocation, money.total, money.disbursed_before) == (1000, 1400, 400)
    assert project.stated("disbursed_before")


def test_each_rows_figures_are_checked(tmp_path):
    """Start progress outside 0-100 refuses the row (error: nothing could be checked against it); money
    that does not add up, or a project begun before the year without its figures, is a warning."""
    rows = [project_row("08000000-2611", "01/10/2569", "30/09/2571", "100", "", "", "", "", "120", ""),
            project_row("08000000-2612", "01/10/2569", "30/09/2571", "100", "1,000", "600", "300", "", "", "200"),
            project_row("08000000-2613", "01/10/2568", "30/09/2571", "100", "", "", "", "", "", ""),
            MULTI]
    result = read_register(write_register(tmp_path / "r.csv", BASE + SPAN_TH, *rows), SPEC, 2570)
    assert codes(result.issues) == [("P003", 2), ("P010", 3), ("P011", 4)]
    assert [i.severity for i in result.issues] == [Severity.ERROR, Severity.WARNING, Severity.WARNING]
    assert "ความก้าวหน้าสะสมต้นปี" in result.issues[0].th and "120" in result.issues[0].en
    assert "600" in result.issues[1].en and "1,000" in result.issues[1].en and "200" in result.issues[1].en
    assert [p.code for p in result.projects] == ["08000000-2612", "08000000-2613", "08000000-2601"]
    assert result.skipped_rows == 1


def test_the_sample_register_carries_a_multi_year_a_delayed_and_a_carried_over_project(projects):
    by_state = {s.state: s.project.code for s in year_activity(projects, 2564)}
    assert by_state[DELAYED] == "09000000-2902" and by_state[CARRIED] == "05000000-2903"
    multi = next(p for p in projects if p.code == "08000000-2901")
    assert spans_years(multi) and funding(multi).total == 45_000_000 and funding(multi).allocation == 15_000_000


# -- which projects a year has ------------------------------------------------------------------
def record(ledger, code, fy, month, reports, state="accepted"):
    """One accepted file of `month` holding `reports` ({k: {key: value}}), as consolidate records it."""
    values = [(k, key, v, str(v), MONTHLY, "A1", None) for k, row in reports.items() for key, v in row.items()]
    with ledger.transaction():
        ledger.record(sha256=hashlib.sha256(f"{code}|{fy}|{month}|{state}".encode()).hexdigest(),
                      name=f"{code}_{fy}_{month}.xlsx", project_code=code, fy=fy, month=month, template_version=2,
                      state=state, values=values)


@pytest.mark.parametrize("start, end, span, ledger_progress, expected", [
    ("01/10/2569", "30/09/2570", ("", "", ""), None, ACTIVE),
    ("01/03/2569", "31/03/2571", ("", "", ""), None, ACTIVE),                 # multi-year, started last year
    ("01/09/2570", "31/12/2570", ("", "", ""), None, ACTIVE),                 # starts in the year's last month
    ("01/10/2570", "30/09/2571", ("", "", ""), None, NOT_STARTED),
    ("01/10/2568", "30/09/2569", ("", "", ""), None, ENDED),
    ("01/10/2568", "30/09/2569", ("", "", ""), Decimal(100), ENDED),
    ("01/10/2568", "30/09/2569", ("", "", ""), Decimal(80), DELAYED),         # the ledger says 80 %
    ("01/10/2568", "30/09/2569", ("60", "", ""), None, DELAYED),              # the register says 60 %
    ("01/10/2568", "30/09/2569", ("100", "", "50,000"), None, CARRIED),       # done, funds carried over
    ("01/10/2568", "30/09/2569", ("", "", "50,000"), Decimal(100), CARRIED),
], ids=["this-year", "multi-year", "late-start", "not-begun", "ended", "ended-finished", "delayed-by-ledger",
        "delayed-by-register", "carried-over", "carried-over-by-ledger"])
def test_the_standing_of_a_project_in_its_year(tmp_path, start, end, span, ledger_progress, expected):
    progress, before, carryover = span
    row = project_row("08000000-2620", start, end, "100,000", "", "0" if carryover else "", carryover, "", progress,
                      before)
    project, = read_register(write_register(tmp_path / "r.csv", BASE + SPAN_TH, row), SPEC, 2570).projects
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        if ledger_progress is not None:
            record(ledger, project.code, 2569, 12, {12: {"progress": ledger_progress, "disbursed": Decimal(10)}})
        place = standing(project, 2570, ledger)
    assert place.state == expected
    assert (place.line is None) == (expected == ACTIVE)


GENERATE_ROWS = [project_row("08000000-2631", "01/10/2569", "30/09/2570", "100,000", "", "", "", "", "", ""),
                 MULTI,
                 project_row("08000000-2632", "01/10/2568", "30/09/2569", "100,000", "", "", "", "", "", ""),
                 project_row("08000000-2633", "01/11/2570", "30/09/2571", "100,000", "", "", "", "", "", ""),
                 project_row("08000000-2634", "01/10/2568", "30/06/2569", "300,000", "1,200,000", "0", "300,000", "",
                             "70", "900,000"),
                 project_row("08000000-2635", "01/10/2568", "30/09/2569", "500,000", "2,000,000", "0", "500,000",
                             "31/03/2570", "", "1,500,000"),
                 project_row("08000000-2636", "01/10/2568", "30/09/2569", "100,000", "", "", "", "", "", "")]


def test_generate_writes_workbooks_only_for_the_projects_of_the_year(runner, tmp_path):
    """Ended and not yet begun: no workbook, one line each; delayed and carried over: a workbook, one line each."""
    register = write_register(tmp_path / "register.csv", BASE + SPAN_TH, *GENERATE_ROWS)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:      # 2636 stood at 80 % last September: delayed
        record(ledger, "08000000-2636", 2569, 12, {12: {"progress": Decimal(80), "disbursed": Decimal(1000)}})
    result = runner.invoke(main, ["generate", str(register), "--fy", "2570", "--out", str(tmp_path / "out"),
                                  "--ledger", str(tmp_path / "ledger.sqlite")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name.split("_")[0] for p in (tmp_path / "out").rglob("*.xlsx"))
    assert written == ["08000000-2601", "08000000-2631", "08000000-2634", "08000000-2635", "08000000-2636"]
    lines = result.stdout.splitlines()
    told = {code: [line for line in lines if f"[{code}]" in line] for code in ("P012", "P013", "P014", "P015")}
    assert [len(told[c]) for c in ("P012", "P013", "P014", "P015")] == [1, 1, 2, 1]
    assert "08000000-2632" in told["P012"][0] and "30/09/2569" in told["P012"][0]
    assert "08000000-2633" in told["P013"][0] and "01/11/2570" in told["P013"][0]
    assert any("08000000-2634" in line and "70 %" in line for line in told["P014"])
    assert any("08000000-2636" in line and "80 %" in line and "FY 2569" in line for line in told["P014"])
    th, en = render("P017", fy=2570, included=5, left=2, delayed=2, carried=1, multi=3)
    assert f"[P017] {th} / {en}" in result.stdout
    assert {line.split("[")[1][:4] for line in result.stderr.splitlines()} == {"P011"}     # begun before, no figures


def test_without_the_ledger_a_project_past_its_end_is_left_out_unless_the_register_says_otherwise(runner, tmp_path):
    register = write_register(tmp_path / "register.csv", BASE + SPAN_TH, *GENERATE_ROWS)
    result = runner.invoke(main, ["generate", str(register), "--fy", "2570", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and result.stdout.count("[P012]") == 2 and result.stdout.count("[P014]") == 1


def test_rows_of_another_fiscal_year_are_one_line_each(runner, tmp_path):
    header = BASE[:2] + ["ปีงบประมาณ"] + BASE[2:]
    rows = [r[:2] + [fy] + r[2:7] for r, fy in ((GENERATE_ROWS[0], "2570"), (GENERATE_ROWS[2], "2569"))]
    result = runner.invoke(main, ["generate", str(write_register(tmp_path / "r.csv", header, *rows)), "--fy", "2570",
                                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and result.stdout.count("[P016]") == 1 and "08000000-2632" in result.stdout
    assert len(list((tmp_path / "out").rglob("*.xlsx"))) == 1


def test_the_years_summary_counts_multi_year_projects(tmp_path):
    projects = read_register(write_register(tmp_path / "r.csv", BASE + SPAN_TH, *GENERATE_ROWS), SPEC, 2570).projects
    summary = activity_summary(year_activity(projects, 2570), 2570)
    assert (summary.context["included"], summary.context["left"], summary.context["multi"]) == (4, 3, 3)


# -- the rules across the year's edge -------------------------------------------------------------
def row(day, progress, disbursed, plan=ON, **more):
    return {"report_date": day, "narrative": "ดำเนินการ", "progress": progress, "disbursed": disbursed,
            "plan_status": plan, "target_status": TARGET, **more}


def at(key, k):
    return MONTHLY, SPEC.monthly_cell(key, k)


def the_multi_year_project(**span) -> Project:
    """The issue's project in FY 2570, with span values overriding the register's."""
    values = {"project_code": "08000000-2601", "project_name": "สะพาน", "fiscal_year": 2570,
              "start_date": dt.date(2026, 3, 1), "end_date": dt.date(2028, 3, 31),
              "budget_allocated": Decimal(15_000_000),
              "agency": "สำนักการโยธา", "agency_email": "works@bangkok.go.th", "responsible_person": "นายวีระ",
              "total_budget": Decimal(45_000_000),
              "start_progress": Decimal(40), "disbursed_before": Decimal(14_000_000), **span}
    return Project({k: v for k, v in values.items() if v is not None})


def check(tmp_path, project, reports, *, accepted=None):
    path = tmp_path / "case.xlsx"
    generate_workbook(SPEC, project, path, reports=reports)
    sub = read_submission(path)
    assert isinstance(sub, Submission), sub
    found = validate(sub, project=project, accepted=accepted, today=dt.date(2027, 9, 30))
    return found, {(f.code,) + (f.sheet, f.cell) for f in found if f.severity is not Severity.NOTE}


OCT, NOV, DEC = dt.date(2026, 10, 22), dt.date(2026, 11, 23), dt.date(2026, 12, 22)


def test_progress_falling_from_september_to_october_is_flagged_from_the_ledger(tmp_path):
    """The acceptance case: September of FY 2569 accepted at 60 %, October of FY 2570 says 45 %."""
    project = the_multi_year_project(start_progress=None, disbursed_before=None)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        record(ledger, project.code, 2569, 12, {k: {"progress": Decimal(5 * k), "disbursed": Decimal(1000)}
                                                for k in range(1, 13)})
        accepted = ledger.accepted_across_years(project.code, 2570, 1)
    assert accepted[0]["progress"] == 60 and accepted[-11]["progress"] == 5 and min(accepted) == -11
    found, flagged = check(tmp_path, project, {1: row(OCT, 45, 1000)}, accepted=accepted)
    assert flagged == {("R101",) + at("progress", 1)}
    fall = next(f for f in found if f.code == "R101")
    assert (fall.context["value"], fall.context["previous"]) == ("45", "60") and not is_accepted(found)
    assert check(tmp_path, project, {1: row(OCT, 60, 1000)}, accepted=accepted)[1] == set()


def test_progress_below_the_start_of_the_year_in_the_register_is_flagged(tmp_path):
    project = the_multi_year_project()          # the register: 40 % at the start of FY 2570
    found = check(tmp_path, project, {1: row(OCT, 35, 1000), 2: row(NOV, 45, 1000)})[1]
    assert found == {("R101",) + at("progress", 1)}
    assert check(tmp_path, project, {1: row(OCT, 40, 1000), 2: row(NOV, 45, 1000)})[1] == set()


def test_flat_progress_while_on_plan_counts_the_months_before_october(tmp_path):
    project = the_multi_year_project(start_progress=None, disbursed_before=None)
    accepted = {k: {"progress": Decimal(60)} for k in (-2, -1, 0)}       # July, August and September
    found, flagged = check(tmp_path, project, {1: row(OCT, 60, 1000)}, accepted=accepted)
    assert flagged == {("R109",) + at("plan_status", 1)}
    flat = next(f for f in found if f.code == "R109")
    assert (flat.context["since"], flat.context["months"]) == ("10/2569", 3) and "10/2569" in flat.en
    # a one-year project with nothing before October keeps its old count (3 flat months after the first)
    assert check(tmp_path, project, {1: row(OCT, 60, 1000)})[1] == set()


def test_disbursed_to_date_across_the_edge_is_the_project_to_date_figure(tmp_path):
    """Disbursed is per year: October's project-to-date (before this year + this year) against last year's money."""
    accepted = {0: {"progress": Decimal(30), "disbursed": Decimal(9_000_000)},
                -1: {"progress": Decimal(25), "disbursed": Decimal(5_000_000)}}
    stale = the_multi_year_project(disbursed_before=Decimal(10_000_000), start_progress=None)
    found, flagged = check(tmp_path, stale, {1: row(OCT, 45, 1000)}, accepted=accepted)
    assert flagged == {("R107",) + at("disbursed", 1)}
    assert next(f for f in found if f.code == "R107").context["previous"] == "14,000,000"
    right = the_multi_year_project(disbursed_before=Decimal(14_000_000), start_progress=None)
    assert check(tmp_path, right, {1: row(OCT, 45, 1000)}, accepted=accepted)[1] == set()
    unknown = the_multi_year_project(disbursed_before=None, start_progress=None)     # not given: nothing to compare
    assert check(tmp_path, unknown, {1: row(OCT, 45, 1000)}, accepted=accepted)[1] == set()


def test_money_against_this_years_allocation_plus_carry_over(tmp_path):
    project = the_multi_year_project(carryover=Decimal(1_000_000), start_progress=None)
    within = {1: row(OCT, 45, 10_000_000), 2: row(NOV, 50, 6_000_000)}          # 16 M of 15 + 1 M
    assert check(tmp_path, project, within)[1] == set()
    over = {1: row(OCT, 45, 10_000_000), 2: row(NOV, 50, 6_500_000)}
    found, flagged = check(tmp_path, project, over)
    assert flagged == {("R116",) + at("disbursed", 2)}
    assert next(f for f in found if f.code == "R116").context["budget"] == "16,000,000"


def test_money_against_the_projects_total(tmp_path):
    project = the_multi_year_project(disbursed_before=Decimal(40_000_000), start_progress=None)
    found, flagged = check(tmp_path, project, {1: row(OCT, 45, 3_000_000), 2: row(NOV, 50, 3_000_000)})
    assert flagged == {("R117",) + at("disbursed", 2)}
    assert next(f for f in found if f.code == "R117").context["value"] == "46,000,000"


def test_money_reported_against_an_expired_carry_over(tmp_path):
    """A delayed project with no new allocation and 300,000 carried over until 31/12/2569: what it
    disburses after that beyond what it used by then is a finding; a remark (an extension) explains it."""
    project = the_multi_year_project(end_date=dt.date(2026, 6, 30), budget_allocated=Decimal(300_000),
                                     fy_allocation=Decimal(0), carryover=Decimal(300_000),
                                     total_budget=Decimal(1_200_000),
                                     disbursed_before=Decimal(900_000), carryover_deadline=dt.date(2026, 12, 31),
                                     start_progress=None)
    spent = {1: row(OCT, 75, 100_000, BEHIND), 2: row(NOV, 80, 50_000, BEHIND), 3: row(DEC, 85, 0, BEHIND)}
    assert check(tmp_path, project, spent)[1] == set()
    late = {**spent, 5: row(dt.date(2027, 2, 22), 90, 20_000, BEHIND)}
    found, flagged = check(tmp_path, project, late)
    assert flagged == {("R118",) + at("disbursed", 5)}
    assert next(f for f in found if f.code == "R118").context["cap"] == "150,000"
    extended = "ได้รับอนุมัติขยายเวลาเบิกจ่ายถึง 31/03/2570"
    explained = {**spent, 5: row(dt.date(2027, 2, 22), 90, 20_000, BEHIND, remark=extended)}
    assert {f.severity for f in check(tmp_path, project, explained)[0] if f.code == "R118"} == {Severity.EXPLAINED}


def test_done_with_money_spent_in_earlier_years_is_not_done_without_money(tmp_path):
    project = the_multi_year_project(start_progress=None)
    assert check(tmp_path, project, {1: row(OCT, 100, 0)})[1] == set()
    one_year = the_multi_year_project(start_progress=None, disbursed_before=None, total_budget=None)
    assert check(tmp_path, one_year, {1: row(OCT, 100, 0)})[1] == {("R110",) + at("progress", 1)}


def test_the_ledger_queries_across_years(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        record(ledger, "08000000-2601", 2569, 6, {k: {"progress": Decimal(10 * k), "disbursed": Decimal(100)}
                                                  for k in range(1, 7)})
        record(ledger, "08000000-2601", 2569, 9, {k: {"progress": Decimal(10 * k), "disbursed": Decimal(100)}
                                                  for k in range(1, 10)}, state="has_issues")
        record(ledger, "08000000-2601", 2570, 2, {1: {"progress": Decimal(70)}, 2: {"progress": None}})
        assert ledger.last_accepted("08000000-2601", 2569)[0] == 6
        assert ledger.last_accepted("08000000-2601", 2568) is None
        assert ledger.year_figures("08000000-2601", 2569) == (Decimal(60), Decimal(600), 6)
        assert ledger.last_progress("08000000-2601", 2570) == (2570, Decimal(70))
        assert ledger.last_progress("08000000-2601", 2569) == (2569, Decimal(60))
        assert ledger.last_progress("08000000-2602", 2570) is None
        across = ledger.accepted_across_years("08000000-2601", 2570, 3)
        assert sorted(across) == [-11, -10, -9, -8, -7, -6, 1]     # report 2 held nothing


def test_validate_keeps_its_one_year_behaviour_when_nothing_spans_years(tmp_path, seed_project):
    plain = dataclasses.replace(seed_project)
    found, flagged = check(tmp_path, plain, {1: row(dt.date(2020, 10, 22), 10, 200_000)})
    assert flagged == {("R102",) + at("disbursed", 1)}


# -- the master: this year's money and the project's whole span apart --------------------------------
def test_the_masters_disbursement_percentage_is_against_this_years_allocation_plus_carry_over(tmp_path):
    """The acceptance case: 45 M in all, 15 M this year and 1 M carried over; 4 M disbursed this year
    is 25 % of this year's money, never 4/45; the project-to-date figure beside it; multi-year marked."""
    from progress_xl.master_data import MULTI_YEAR, MasterData
    multi = the_multi_year_project(carryover=Decimal(1_000_000))
    plain = Project({**multi.values, "project_code": "08000000-2602", "total_budget": None, "carryover": None,
                     "start_progress": None, "disbursed_before": None, "start_date": dt.date(2026, 10, 1),
                     "end_date": dt.date(2027, 9, 30), "budget_allocated": Decimal(2_000_000)})
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        record(ledger, multi.code, 2570, 2, {1: {"progress": Decimal(42), "disbursed": Decimal(1_000_000)},
                                             2: {"progress": Decimal(45), "disbursed": Decimal(3_000_000)}})
        record(ledger, plain.code, 2570, 2, {1: {"progress": Decimal(10), "disbursed": Decimal(500_000)},
                                             2: {"progress": Decimal(20), "disbursed": Decimal(0)}})
        data = MasterData(ledger, [multi, plain], 2570, 2, outcomes=[])
        table = data.projects_table()
        rows = {r[table.column("Project code")]: r for r in table.rows}
        agency = list(data.agency_table().rows)
    row = rows[multi.code]
    assert row[table.column("Allocated")] == 16_000_000 and row[table.column("Disbursed")] == 4_000_000
    assert row[table.column("Disbursed %")] == 0.25
    assert (row[table.column("Project total")], row[table.column("Project to date")]) == (45_000_000, 18_000_000)
    assert row[table.column("Multi-year")] == MULTI_YEAR and rows[plain.code][table.column("Multi-year")] == ""
    assert rows[plain.code][table.column("Disbursed %")] == 0.25
    assert rows[plain.code][table.column("Project total")] == 2_000_000
    h = data.headline
    assert (h["allocated"], h["disbursed"], h["project_totals"], h["disbursed_to_date"], h["multi_year"]) == \
        (18_000_000, 4_500_000, 47_000_000, 18_500_000, 1)
    assert h["disbursed_rate"] == 0.25
    assert agency[0][-1] == 0.25          # the board's Disbursed %: this year's money, whole agency
    kpis = {en: v for _, en, v, _ in data.kpis()}
    assert kpis["Disbursed % this year"] == 0.25 and kpis["Multi-year projects"] == 1


def test_a_workbook_showing_the_registers_defaults_states_nothing(tmp_path, seed_project):
    """Template v3 prefills the figures across years: a one-year project's workbook then shows 0 % at
    the start of the year and its budget as its total. Neither is a floor, a month before October or a
    second over-budget finding."""
    from progress_xl.register import read_register as read
    from progress_xl.validate import Context, _span
    project, = read(write_register(tmp_path / "r.csv", BASE, project_row("08000000-2602", "01/10/2569",
                                                                          "30/09/2570", "100,000")), SPEC, 2570).projects
    path = tmp_path / "one.xlsx"
    generate_workbook(SPEC, project, path, reports={1: row(OCT, 10, 1000)})
    sub = read_submission(path)
    ctx = Context(sub, SPEC, 2570, project, {}, None)
    ctx.project_values = {"start_progress": Decimal(0), "total_budget": Decimal(100_000), "carryover": Decimal(0)}
    ctx.budget = lambda: Decimal(100_000)           # type: ignore[method-assign]
    span, money = _span(ctx)
    assert not any(span.stated(k) for k in ("start_progress", "total_budget", "carryover"))
    ctx.span, ctx.money = span, money
    assert 0 not in ctx.progress_series()
    flat = {k: row(d, 0, 0) for k, d in ((1, OCT), (2, NOV), (3, DEC))}      # three months at 0 %, "on plan"
    assert ("R109",) + at("plan_status", 3) not in check(tmp_path, project, flat)[1]
    stated = the_multi_year_project(start_progress=Decimal(0), disbursed_before=None,
                                    start_date=dt.date(2026, 10, 1))
    assert check(tmp_path, stated, {1: row(OCT, 0, 1000), 2: row(NOV, 0, 0), 3: row(DEC, 0, 0)})[1] == set()
    over = the_multi_year_project(start_progress=None, disbursed_before=None, total_budget=Decimal(15_000_000))
    assert check(tmp_path, over, {1: row(OCT, 45, 16_000_000)})[1] == {("R102",) + at("disbursed", 1)}


# -- never a traceback, whatever the figures --------------------------------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_validate import ANY, submissions  # noqa: E402

SPAN_VALUES = st.fixed_dictionaries({}, optional={key: st.one_of(ANY, st.datetimes(), st.just(float("nan")))
                                                  for key in ("total_budget", "fy_allocation", "carryover",
                                                              "carryover_deadline", "start_progress",
                                                              "disbursed_before")})


@given(submissions(), st.dictionaries(st.integers(-11, 12), st.dictionaries(st.sampled_from(
    ["progress", "disbursed", "plan_status", "report_date"]), ANY)), SPAN_VALUES, st.one_of(st.none(), st.dates()))
def test_validate_never_raises_across_years(sub, accepted, span, today):
    project = the_multi_year_project(**{k: None for k in ("total_budget", "start_progress", "disbursed_before")})
    project = Project({**project.values, **span})
    found = validate(sub, project=project, accepted=accepted, today=today)
    assert all(f.code for f in found)
