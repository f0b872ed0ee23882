"""The turn of the year: next year's register drafted from this year's register and ledger, beside it
and in its own format, with what was carried and why (issue "projects that span fiscal years")."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter

from progress_xl.cli import main
from progress_xl.issues import render
from progress_xl.ledger import Ledger
from progress_xl.register import funding, read_register
from progress_xl.rollover import ACTIVE, DELAYED, OUTCOME, draft_paths, rollover, year_activity
from progress_xl.spec import load_spec

SPEC = load_spec()
HEADER = ["รหัสโครงการ", "ชื่อโครงการ/กิจกรรม", "ปีงบประมาณ", "เริ่มต้นโครงการ", "สิ้นสุดโครงการ", "งบประมาณที่ได้รับ",
          "หน่วยงานที่รับผิดชอบ", "อีเมลหน่วยงาน", "หมายเหตุของผู้ประสานงาน", "งบประมาณทั้งโครงการ"]
# code, start, end, budget, total; what the ledger holds of FY 2564 (last progress, monthly amount) or None
PROJECTS = {
    "finished": ("01000000-0001", "01/10/2563", "30/09/2564", "1,000,000", "", (100, 80_000)),
    "unfinished": ("01000000-0002", "01/10/2563", "30/09/2564", "1,000,000", "", (80, 50_000)),
    "multi": ("01000000-0003", "01/03/2564", "31/03/2566", "15,000,000", "45,000,000", (30, 1_000_000)),
    "not-begun": ("01000000-0004", "01/11/2564", "30/09/2565", "500,000", "", None),
    "ended-before": ("01000000-0005", "01/10/2562", "30/06/2563", "200,000", "", None),
    "silent": ("01000000-0006", "01/10/2563", "30/09/2564", "300,000", "", None),
}
ORDER = list(PROJECTS)


def register_rows():
    for name, (code, start, end, budget, total, _) in PROJECTS.items():
        yield [code, f"โครงการ{name}", "2564", start, end, budget, "สำนักงานเลขาธิการสภา", "council@bangkok.go.th",
               f"ข้อความเดิม {name}", total]


def write_csv(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def record(ledger, code, fy, month, reports, state="accepted"):
    values = [(k, key, v, str(v), "รายงาน Monthly", "A1", None) for k, row in reports.items() for key, v in row.items()]
    with ledger.transaction():
        ledger.record(sha256=hashlib.sha256(f"{code}|{fy}|{month}|{state}".encode()).hexdigest(),
                      name=f"{code}_{month}.xlsx", project_code=code, fy=fy, month=month, template_version=2,
                      state=state, values=values)


def year_of(progress: int, amount: int) -> dict:
    """Twelve reports climbing to `progress`, `amount` disbursed each month."""
    return {k: {"progress": Decimal(progress * k // 12), "disbursed": Decimal(amount)} for k in range(1, 13)}


@pytest.fixture
def year(tmp_path):
    register = write_csv(tmp_path / "register.csv", HEADER, register_rows())
    ledger_path = tmp_path / "ledger.sqlite"
    with Ledger(ledger_path) as ledger:
        for code, *_, held in PROJECTS.values():
            if held:
                record(ledger, code, 2564, 12, year_of(*held))
        # a later file with issues is not what was accepted: it does not count
        record(ledger, PROJECTS["unfinished"][0], 2564, 12, year_of(99, 90_000), state="has_issues")
    return register, ledger_path


def test_rollover_drafts_next_years_register_from_the_ledger(year):
    """The acceptance case: finished projects closed, unfinished and multi-year ones carried with their
    progress and spending, one not yet begun carried as registered; the register itself untouched."""
    register, ledger_path = year
    before = register.read_bytes()
    done = rollover(register, 2565, ledger_path)
    assert register.read_bytes() == before
    assert done.draft == register.with_name("register_2565.csv") and done.draft.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [d.outcome for d in done.decisions] == ["finished", "delayed", "multi", "registered", "ended", "delayed"]
    assert [d.line.code for d in done.decisions] == ["P021", "P019", "P018", "P023", "P022", "P020"]

    rows = read_csv(done.draft)
    added = ["งบประมาณที่ได้รับในปีงบประมาณนี้ (บาท)", "เงินกันไว้เบิกเหลื่อมปี (บาท)",
             "ความก้าวหน้าสะสมต้นปีงบประมาณ (%)", "เบิกจ่ายสะสมก่อนปีงบประมาณนี้ (บาท)", "สถานะการยกยอด"]
    assert rows[0][:len(HEADER)] == HEADER and sorted(rows[0][len(HEADER):]) == sorted(added)
    carried = [PROJECTS[n][0] for n in ("unfinished", "multi", "not-begun", "silent")]
    assert [r[0] for r in rows[1:]] == carried
    original = {r[0]: r for r in register_rows()}
    for r in rows[1:]:          # the register's own cells as they were, but the year
        assert r[:2] + r[3:9] == original[r[0]][:2] + original[r[0]][3:9] and r[2] == "2565"

    projects = {p.code: p for p in read_register(done.draft, SPEC, 2565).projects}
    figures = {code: funding(p) for code, p in projects.items()}
    unfinished, multi = figures[carried[0]], figures[carried[1]]
    assert (unfinished.start_progress, unfinished.disbursed_before, unfinished.allocation, unfinished.carryover,
            unfinished.total) == (80, 600_000, 0, 400_000, 1_000_000)
    assert (multi.start_progress, multi.disbursed_before, multi.allocation, multi.carryover, multi.total) == \
        (30, 12_000_000, 15_000_000, 3_000_000, 45_000_000)
    assert figures[carried[2]].disbursed_before == 0 and not projects[carried[2]].stated("start_progress")
    assert projects[carried[0]]["carried_as"] == "ล่าช้า / delayed"
    assert projects[carried[1]]["carried_as"] == "ต่อเนื่อง / multi-year"
    # the draft is next year's register: without any ledger, generate knows the delayed ones
    states = {s.project.code: s.state for s in year_activity(list(projects.values()), 2565)}
    assert states == {carried[0]: DELAYED, carried[1]: ACTIVE, carried[2]: ACTIVE, carried[3]: DELAYED}


def test_the_report_says_what_was_carried_and_why(year):
    register, ledger_path = year
    done = rollover(register, 2565, ledger_path)
    assert done.report == register.with_name("register_2565_rollover.csv")
    rows = read_csv(done.report)
    assert len(rows) == 1 + len(PROJECTS) and all(len(r) == len(rows[0]) for r in rows)
    by_code = {r[0]: r for r in rows[1:]}
    outcomes = ("finished", "delayed", "multi", "registered", "ended", "delayed")
    assert [by_code[PROJECTS[n][0]][3] for n in ORDER] == [OUTCOME[o] for o in outcomes]
    unfinished = by_code[PROJECTS["unfinished"][0]]
    assert unfinished[4:8] == ["80", "600,000", "600,000", "400,000"]
    assert unfinished[8] == done.decisions[1].line.th and unfinished[9] == done.decisions[1].line.en
    th, en = render("P026", to=2565, path=done.draft, report=done.report, carried=4, delayed=2, closed=2, added=0)
    assert (done.summary.th, done.summary.en) == (th, en)


def test_a_new_registers_projects_are_added_and_a_continuing_one_takes_its_new_figures(year, tmp_path):
    register, ledger_path = year
    new = write_csv(tmp_path / "new_2565.csv",
                    ["Project code", "Project name", "Start", "End", "Budget", "Agency", "Agency e-mail",
                     "This year's allocation", "KPI"],
                    [["01000000-0007", "New bridge", "01/10/2564", "30/09/2565", "750,000", "สภา", "c@bangkok.go.th",
                      "", "ร้อยละ"],
                     [PROJECTS["multi"][0], "Bridge, year 2", "01/03/2564", "31/03/2566", "12,000,000", "สภา", "",
                      "12,000,000", ""]])
    done = rollover(register, 2565, ledger_path, added=[new])
    assert [d.line.code for d in done.decisions[len(PROJECTS):]] == ["P024", "P025"]
    rows = read_csv(done.draft)
    assert rows[0][-1] == "KPI" and [r[0] for r in rows[1:]][-1] == "01000000-0007"
    projects = {p.code: p for p in read_register(done.draft, SPEC, 2565).projects}
    multi = funding(projects[PROJECTS["multi"][0]])
    assert (multi.allocation, multi.budget, multi.start_progress, multi.disbursed_before) == (12_000_000, 12_000_000,
                                                                                               30, 12_000_000)
    assert projects[PROJECTS["multi"][0]]["project_name"] == "Bridge, year 2"
    # a blank cell keeps the carried value
    assert projects[PROJECTS["multi"][0]]["agency_email"] == "council@bangkok.go.th"
    assert projects["01000000-0007"]["kpi"] == "ร้อยละ" and funding(projects["01000000-0007"]).allocation == 750_000


def test_the_draft_never_goes_over_a_file(year, tmp_path):
    register, ledger_path = year
    first = rollover(register, 2565, ledger_path)
    kept = first.draft.read_bytes()
    second = rollover(register, 2565, ledger_path)
    assert second.draft.name == "register_2565-2.csv" and second.report.name == "register_2565-2_rollover.csv"
    assert first.draft.read_bytes() == kept and second.draft.read_bytes() == kept
    named = tmp_path / "projects_2564.csv"
    named.write_bytes(register.read_bytes())
    assert draft_paths(named, 2565) == (tmp_path / "projects_2565.csv", tmp_path / "projects_2565_rollover.csv")
    same = tmp_path / "x" / "r_2565.csv"
    same.parent.mkdir()
    same.write_bytes(b"")
    assert draft_paths(same, 2565)[0].name == "r_2565-2.csv"        # never the register itself


def test_an_xlsx_register_gives_an_xlsx_draft_with_typed_cells(tmp_path, year):
    _, ledger_path = year
    register = tmp_path / "register.xlsx"
    with xlsxwriter.Workbook(register) as wb:
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["ทะเบียนโครงการ ปีงบประมาณ 2564"])          # a title row above the header
        ws.write_row(1, 0, HEADER)
        date = wb.add_format({"num_format": "dd/mm/yyyy"})
        for r, (code, start, end, budget, total, _) in enumerate(PROJECTS.values(), 2):
            ws.write_row(r, 0, [code, f"โครงการ {code}", 2564])
            for c, text in ((3, start), (4, end)):
                d, m, y = map(int, text.split("/"))
                ws.write_datetime(r, c, dt.datetime(y - 543, m, d), date)
            ws.write_number(r, 5, float(budget.replace(",", "")))
            ws.write_row(r, 6, ["สภา", "c@bangkok.go.th", "", total])
    done = rollover(register, 2565, ledger_path)
    assert done.draft.name == "register_2565.xlsx"
    ws = openpyxl.load_workbook(done.draft).active
    assert ws["A1"].value == "ทะเบียนโครงการ ปีงบประมาณ 2564" and ws["A2"].value == "รหัสโครงการ"
    assert isinstance(ws["D3"].value, dt.datetime) and ws["C3"].value == 2565
    projects = {p.code: p for p in read_register(done.draft, SPEC, 2565).projects}
    assert funding(projects[PROJECTS["multi"][0]]).disbursed_before == 12_000_000
    assert projects[PROJECTS["unfinished"][0]]["start_date"] == dt.date(2020, 10, 1)


def test_the_command_prints_one_line_per_project_and_the_draft(runner, year):
    register, ledger_path = year
    result = runner.invoke(main, ["rollover", str(register), "--to", "2565", "--ledger", str(ledger_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(PROJECTS) + 1 and "[P026]" in lines[-1] and "register_2565.csv" in lines[-1]
    # the register's own line: the project that ended before the year gives no figures from before it
    assert [line.split("[")[1][:4] for line in result.stderr.splitlines()] == ["P011"]


def test_a_ledger_that_knows_nothing_of_the_year_is_said(runner, year, tmp_path):
    register, _ = year
    with Ledger(tmp_path / "empty.sqlite"):
        pass
    result = runner.invoke(main, ["rollover", str(register), "--to", "2565", "--ledger",
                                  str(tmp_path / "empty.sqlite")])
    assert result.exit_code == 0 and result.stderr.count("[P027]") == 1


def test_a_register_of_another_year_is_one_line(runner, year):
    register, ledger_path = year
    result = runner.invoke(main, ["rollover", str(register), "--to", "2566", "--ledger", str(ledger_path)])
    assert result.exit_code == 1 and "[P005]" in result.stderr and "Traceback" not in result.output
    assert not register.with_name("register_2566.csv").exists()


def test_the_turn_of_the_year_through_consolidate_and_into_octobers_validation(tmp_path, spec):
    """A real September consolidated into the ledger, the year rolled over, then October of the new
    year validated against it: a fall below September is flagged, progress from there is not."""
    from progress_xl.consolidate import consolidate
    from progress_xl.generate import generate_workbook
    from progress_xl.read import read_submission
    from progress_xl.validate import validate
    register = write_csv(tmp_path / "register.csv", HEADER, [next(register_rows())[:5] + [
        "1,000,000", "สำนักงานเลขาธิการสภา", "council@bangkok.go.th", "", ""]])
    project, = read_register(register, spec, 2564).projects
    project = type(project)({**project.values, "end_date": dt.date(2022, 3, 31), "responsible_person": "นางสุดา"})
    reports = {k: {"report_date": dt.date(*(2020 + (k > 3), (k + 8) % 12 + 1, 22)), "narrative": "ดำเนินการ",
                   "progress": 5 * k, "disbursed": 10_000, "plan_status": "ล่าช้ากว่าแผน",
                   "target_status": "เป็นไปตามเป้าหมาย"} for k in range(1, 13)}
    (tmp_path / "inbox").mkdir()
    generate_workbook(spec, project, tmp_path / "inbox" / "september.xlsx", reports=reports)
    consolidate(tmp_path / "inbox", projects=[project], fy=2564, month=12, out_dir=tmp_path / "out",
                today=dt.date(2021, 9, 30))
    ledger_path = tmp_path / "out" / "ledger.sqlite"
    register.write_text(register.read_text(encoding="utf-8").replace("30/09/2564", "31/03/2565"), encoding="utf-8")
    done = rollover(register, 2565, ledger_path)
    carried, = read_register(done.draft, spec, 2565).projects
    assert funding(carried).start_progress == 60 and funding(carried).disbursed_before == 120_000
    carried = type(carried)({**carried.values, "responsible_person": "นางสุดา"}, defaulted=carried.defaulted)
    with Ledger(ledger_path) as ledger:
        accepted = ledger.accepted_across_years(carried.code, 2565, 1)
    october = {1: {**reports[1], "report_date": dt.date(2021, 10, 22)}}
    for progress, expected in ((55, {"R101"}), (65, set())):
        october[1]["progress"] = progress
        generate_workbook(spec, carried, tmp_path / "october.xlsx", reports=october)
        found = validate(read_submission(tmp_path / "october.xlsx"), project=carried, accepted=accepted,
                         today=dt.date(2021, 10, 31))
        assert {f.code for f in found if f.severity.value == "error"} == expected, [str(f) for f in found]
