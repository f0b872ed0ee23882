"""import-legacy: the monitoring system's print-outs into the ledger (issue 8)."""
import datetime as dt
import re
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

import pytest

from progress_xl.cli import main
from progress_xl.issues import render
from progress_xl.ledger import Ledger
from progress_xl.legacy import NotAPrintout, import_printout, parse_printout

#: The customer's real print-out (shared/seeds), bundled so a fresh clone has it.
SEED = Path(__file__).resolve().parent.parent / "samples" / "legacy" / "bma-progress-report-01000000-2462.txt"
DATES = ["22/10/2563", "27/11/2563", "22/12/2563", "28/01/2564", "23/02/2564", "23/03/2564", "26/04/2564",
         "21/05/2564", "28/06/2564", "27/07/2564", "30/08/2564", "22/09/2564"]
PROGRESS = [5, 10, 15, 15, 15, 20, 20, 20, 20, 20, 50, 100]


def be(text):
    d, m, y = map(int, text.split("/"))
    return dt.date(y - 543, m, d)


@pytest.fixture(scope="module")
def seed():
    return parse_printout(SEED.read_bytes(), SEED.name)


def test_the_seed_parses_exactly(seed):
    p = seed.project
    assert (p["project_code"], p["fiscal_year"], p["start_date"], p["end_date"]) == \
           ("01000000-2462", 2564, dt.date(2020, 10, 1), dt.date(2021, 9, 30))
    assert (p["budget_allocated"], p["budget_used"]) == (Decimal(122800), Decimal(0))
    assert (p["agency"], p["agency_short"], p["division"]) == (
        "สำนักงานเลขาธิการสภากรุงเทพมหานคร", "สำนักงานเลขาธิการสภา กทม.", "กลุ่มงานประชุมสภาและกรรมการวิสามัญ")
    assert (p["responsible_person"], p["coordinator"]) == ("นางสุดา", "คุณปริญดา")
    assert p["rationale"].startswith("สำนักงานเลขาธิการสภากรุงเทพมหานคร จึงได้จัดทำโครงการ") and "\n" not in p["rationale"]
    assert len(p["objectives"].split("\n")) == 3 and p["targets"] == "-"
    assert p["strategy"] == p["sub_strategy"] == p["goal"] == "การปฏิบัติงานประจำของหน่วยงาน"
    assert p["kpi"].startswith("มิติที่ 1 อ.2/2ระดับความสำเร็จ")
    assert list(seed.reports) == list(range(1, 13))
    for k, row in seed.reports.items():
        assert row["report_date"] == be(DATES[k - 1]) and row["progress"] == PROGRESS[k - 1], k
        assert row["disbursed"] == 0 and (row["plan_status"], row["target_status"]) == ("เป็นไปตามแผน", "เป็นไปตามเป้าหมาย")
        assert row["narrative"] and not re.search(r"<[^>]+>|::", row["narrative"]), k


def test_narratives_read_as_text(seed):
    nine = seed.reports[9]["narrative"]
    assert nine.startswith("ชะลอโครงการ") and nine.endswith("จึงเห็นควรให้ส่งอุทธรณ์ต่อไป")     # whole, across the page break
    twelve = seed.reports[12]["narrative"].split("\n")
    assert "2.1 บทบาทหน้าที่ของสภาฯ" in twelve and any(line.startswith("5. นำเรียน") for line in twelve)
    assert seed.reports[11]["narrative"].startswith("อยู่ระหว่างการรอ")


@pytest.mark.parametrize("variant", ["crlf", "thai-digits", "reports-1-to-9"])
def test_variants_of_the_same_print_out(variant):
    text = SEED.read_text(encoding="utf-8")
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    elif variant == "thai-digits":
        text = text.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    else:
        text = (text[:text.index("**** แบบแสดงรายงาน", 100)] + "\t:: ความก้าวหน้าของงานฯ = 20.00 % งบประมาณที่เบิกใช้ "
                "(ครั้งที่ 9) = 0 บาท\t: เป็นไปตามแผน\t: เป็นไปตามเป้าหมาย\n\nขอรับรองว่า ข้อมูลที่ปรากฏ\n")
    p = parse_printout(text.encode("utf-8"), "v.txt")
    assert p.code == "01000000-2462"
    expected = 9 if variant == "reports-1-to-9" else 12
    assert [r["progress"] for r in p.reports.values()] == PROGRESS[:expected]
    assert [r["report_date"] for r in p.reports.values()] == [be(d) for d in DATES[:expected]]


@pytest.mark.parametrize("text", ["ชื่อโครงการ : ถนน\nความก้าวหน้า 50 %\n", "", "%PDF-1.4"])
def test_text_that_is_not_a_print_out_is_refused(text):
    with pytest.raises(NotAPrintout):
        parse_printout(text.encode("utf-8"), "x.txt")


def test_imported_history_gets_what_a_coordinator_wants_to_hear(tmp_path, projects):
    register = {p.code: p for p in projects}
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        printout, findings = import_printout(SEED, ledger=ledger, projects=register)
        history = ledger.accepted_history("01000000-2462", 2564, 13)
    codes = {(f.code, f.cell) for f in findings}
    assert ("R109", "รายงานครั้งที่10:plan_status") in codes           # flat at 20 % since report 6, "on plan"
    assert ("R110", "รายงานครั้งที่12:progress") in codes              # 100 % with 0 baht disbursed
    assert "M007" not in {f.code for f in findings}                     # the register knows the project
    assert [history[k]["progress"] for k in range(1, 13)] == PROGRESS


def test_import_legacy_command(runner, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(SEED.read_text(encoding="utf-8").replace("01000000-2462", "01000000-9999"), encoding="utf-8")
    junk = tmp_path / "junk.txt"
    junk.write_text("ไม่ใช่รายงาน", encoding="utf-8")
    result = runner.invoke(main, ["import-legacy", str(SEED), str(other), str(junk), "--ledger", str(tmp_path / "l.sqlite"),
                                  "--register", str(SEED.parents[1] / "register.csv"), "--fy", "2564"])
    assert result.exit_code == 1
    told = " / ".join(render("W037", fy=2564, reports=12, last=12))
    assert result.stdout.splitlines()[0] == f"{SEED.name}: 01000000-2462 {told} → {tmp_path / 'l.sqlite'}"
    assert told.endswith("FY 2564: 12 reports up to report 12")
    assert "01000000-2462" in result.output and "[R109]" in result.output
    assert "print-out!1:budget_used [N006]" in result.output              # how the money lines were read
    assert "[M007]" in result.output and "junk.txt: [F015]" in result.output
    again = runner.invoke(main, ["import-legacy", str(SEED), "--ledger", str(tmp_path / "l.sqlite")])
    assert again.exit_code == 0
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert ledger.db.execute("SELECT count(*) FROM submissions WHERE source='legacy'").fetchone()[0] == 2


# -- the money lines reconciled with the print-out's own header total (issue: projects that span fiscal years)
BUDGET = Decimal("4560000")
#: what each report of a project really disbursed, baht (satang included: the print-outs round to .00)
AMOUNTS = [Decimal(x) for x in ("0", "0", "0", "150000", "0", "320000", "480000.50", "610000", "0", "900000",
                                "1100000", "850000")]
HEADER_LINE = re.compile(r"^(งบประมาณที่ใช้ไป\s*:).*$", re.M)


def running(amounts):
    return list(accumulate(amounts))


def baht(d):
    return f"{d:,.0f}" if d == d.to_integral_value() else f"{d:,.2f}"


def variant(money=None, header="keep", budget=BUDGET, progress=None):
    """The real print-out with its money lines, header total, budget and progress lines replaced.
    `header`: "keep" (as printed), None (the line removed), or an amount or text to print there."""
    text = SEED.read_text(encoding="utf-8")
    text = re.sub(r"^(งบประมาณที่ได้รับ\s*:\s*)[\d,]+", lambda m: m.group(1) + baht(budget), text, flags=re.M)
    if header is None:
        text = HEADER_LINE.sub("", text)
    elif header != "keep":
        shown = baht(header) if isinstance(header, Decimal) else header
        text = HEADER_LINE.sub(lambda m: f"{m.group(1)} {shown} บาท", text)
    if money is not None:
        text = re.sub(r"(\(ครั้งที่ (\d+)\) = )[\d,.]+",
                      lambda m: m.group(1) + baht(money[int(m.group(2)) - 1]), text)
    if progress is not None:
        text = re.sub(r"(ความก้าวหน้าของงานฯ = )[\d.]+( % งบประมาณที่เบิกใช้ \(ครั้งที่ (\d+)\))",
                      lambda m: f"{m.group(1)}{progress[int(m.group(3)) - 1]:.2f}{m.group(2)}", text)
    return text


def imported(tmp_path, text, name="legacy.txt"):
    """Import the text into a fresh ledger: (printout, findings, {report: disbursed stored}, stored rows)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with Ledger(tmp_path / f"{name}.sqlite") as ledger:
        printout, findings = import_printout(path, ledger=ledger)
        history = ledger.accepted_history(printout.code, 2564, 13)
        rows = ledger.values(ledger.by_sha(printout.sha256).id)
    return printout, findings, {k: history[k]["disbursed"] for k in sorted(history)}, rows


def codes(findings):
    return [f.code for f in findings]


def the(findings, code):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, codes(findings)
    return found[0]


def rendered(f):
    return f.th, f.en


def test_the_fixtures_are_the_real_print_out_with_other_figures():
    p = parse_printout(variant(running(AMOUNTS), running(AMOUNTS)[-1]).encode("utf-8"), "v.txt")
    assert p.project["budget_allocated"] == BUDGET and p.project["budget_used"] == sum(AMOUNTS)
    assert p.printed == dict(zip(range(1, 13), running(AMOUNTS)))
    assert [r["progress"] for r in p.reports.values()] == PROGRESS          # everything else as the seed
    assert sum(running(AMOUNTS)) > BUDGET >= sum(AMOUNTS)                   # summing the totals is the false R102


def test_running_totals_are_imported_as_per_report_amounts_to_the_header_total(tmp_path):
    totals = running(AMOUNTS)
    printout, findings, disbursed, rows = imported(tmp_path, variant(totals, totals[-1]))
    assert printout.reading == "running totals"
    assert disbursed == dict(zip(range(1, 13), AMOUNTS)) and sum(disbursed.values()) == totals[-1]
    note = the(findings, "N005")
    assert rendered(note) == render("N005", k=12, last="4,410,000.50", header="4,410,000.50",
                                    total=baht(sum(totals)), budget="4,560,000")
    assert "R102" not in codes(findings) and "R107" not in codes(findings) and "R114" not in codes(findings)
    assert Decimal(rows[7]["disbursed"]["raw"]) == Decimal("950000.50") and rows[7]["disbursed"]["value"] == Decimal("480000.50")
    assert "[N005]" in rows[7]["disbursed"]["notes"]                      # provenance says why raw != value


def test_per_report_amounts_are_imported_as_printed_to_the_header_total(tmp_path):
    printout, findings, disbursed, rows = imported(tmp_path, variant(AMOUNTS, sum(AMOUNTS)))
    assert printout.reading == "per-report"
    assert disbursed == dict(zip(range(1, 13), AMOUNTS))
    assert rendered(the(findings, "N004")) == render("N004", total="4,410,000.50", header="4,410,000.50")
    assert not {"N005", "R102", "R114", "R115"} & set(codes(findings))
    assert rows[12]["disbursed"]["notes"] is None


@pytest.mark.parametrize("shift, code", [(Decimal("0.50"), "N004"), (Decimal(-1), "N004"), (Decimal(2), "R114")])
def test_the_header_total_is_matched_within_one_baht(tmp_path, shift, code):
    _, findings, disbursed, _ = imported(tmp_path, variant(AMOUNTS, sum(AMOUNTS) + shift))
    assert code in codes(findings) and disbursed == dict(zip(range(1, 13), AMOUNTS))


def test_neither_reading_adds_up_is_a_finding_and_nothing_is_guessed(tmp_path):
    totals = running(AMOUNTS)
    printout, findings, disbursed, _ = imported(tmp_path, variant(totals, Decimal("3000000")))
    finding = the(findings, "R114")
    assert rendered(finding) == render("R114", header="3,000,000", total=baht(sum(totals)), last="4,410,000.50")
    assert printout.reading == "per-report" and disbursed == dict(zip(range(1, 13), totals))   # as printed
    assert not {"N004", "N005", "N006", "N007", "N008"} & set(codes(findings))
    assert "R102" in codes(findings)                                      # what the figures as printed say


@pytest.mark.parametrize("money, header, code", [
    ([Decimal(0)] * 12, Decimal(0), "N006"),                              # the real seed's case: a tie
    ([Decimal(0)] * 11 + [Decimal(500000)], Decimal(500000), "N006"),    # one line, the last: a tie
    ([Decimal(0)] * 6 + [Decimal(500000)] + [Decimal(0)] * 5, Decimal(500000), "N004"),   # mid-year: per report
])
def test_a_single_line_or_all_zero_reads_per_report_without_a_finding(tmp_path, money, header, code):
    printout, findings, disbursed, _ = imported(tmp_path, variant(money, header))
    assert rendered(the(findings, code)) == render(code, header=baht(header), total=baht(header))
    assert printout.reading == "per-report" and disbursed == dict(zip(range(1, 13), money))
    assert not {"R102", "R107", "R114", "R115"} & set(codes(findings))


def test_a_running_total_that_falls_is_a_finding_and_never_a_negative_amount(tmp_path):
    totals = running(AMOUNTS)
    totals[8] = totals[7] - 60000                                         # report 9 prints less than report 8
    printout, findings, disbursed, _ = imported(tmp_path, variant(totals, totals[-1]))
    fall = the(findings, "R115")
    assert fall.cell == "รายงานครั้งที่9:disbursed" and "รายงานครั้งที่ 9" in fall.th and "report 9" in fall.en
    assert rendered(fall) == render("R115", k=9, value=baht(totals[8]), previous=baht(totals[7]))
    assert printout.reading == "running totals" and "N005" in codes(findings)
    assert disbursed[9] == 0 and min(disbursed.values()) >= 0 and disbursed == dict(zip(range(1, 13), AMOUNTS))
    assert "V006" not in codes(findings)


def test_a_fall_that_does_not_recover_keeps_the_highest_total(tmp_path):
    totals = running(AMOUNTS)[:11] + [running(AMOUNTS)[10] - 1000]       # the last line is below the one before
    _, findings, disbursed, _ = imported(tmp_path, variant(totals, totals[-1]))
    assert "R115" in codes(findings) and disbursed[12] == 0 and sum(disbursed.values()) == totals[10]


@pytest.mark.parametrize("header", [None, "-"])                   # no line, or no number on it
def test_no_header_total_keeps_per_report_amounts_and_says_so(tmp_path, header):
    printout, findings, disbursed, _ = imported(tmp_path, variant(AMOUNTS, header))
    assert printout.project.get("budget_used") is None and printout.reading == "per-report"
    assert rendered(the(findings, "N007")) == render("N007", total="4,410,000.50")
    assert disbursed == dict(zip(range(1, 13), AMOUNTS))


@pytest.mark.parametrize("header", [None, "-"])
def test_no_header_total_reads_running_totals_only_when_only_they_fit_the_budget(tmp_path, header):
    totals = running(AMOUNTS)
    printout, findings, disbursed, _ = imported(tmp_path, variant(totals, header))
    assert printout.reading == "running totals" and disbursed == dict(zip(range(1, 13), AMOUNTS))
    assert rendered(the(findings, "N008")) == render("N008", total=baht(sum(totals)), budget="4,560,000",
                                                     last="4,410,000.50")
    assert "R102" not in codes(findings)


@pytest.mark.parametrize("case", ["last-over-budget", "falls", "within-budget"])
def test_no_header_total_otherwise_stays_per_report(tmp_path, case):
    totals = running(AMOUNTS)
    if case == "last-over-budget":
        totals = [t + 200000 for t in totals]                             # even the last exceeds the budget
    elif case == "falls":
        totals[3], totals[4] = totals[4] + 1, totals[4]                   # sum over budget, but not rising
    elif case == "within-budget":
        totals = [t / 10 for t in totals]                                 # sum within budget: per-report holds
    printout, findings, disbursed, _ = imported(tmp_path, variant(totals, None))
    assert printout.reading == "per-report" and "N007" in codes(findings)
    assert disbursed == dict(zip(range(1, 13), totals))
    assert ("R102" in codes(findings)) == (sum(totals) > BUDGET)          # a true overrun is still reported


@pytest.mark.parametrize("k, value, code, key", [(7, 10, "R101", "progress"), (11, 120, "V003", "progress")])
def test_progress_lines_are_cumulative_a_fall_or_over_100_names_the_report(tmp_path, k, value, code, key):
    progress = list(PROGRESS)
    progress[k - 1] = value
    _, findings, _, _ = imported(tmp_path, variant(progress=progress))
    [finding] = [f for f in findings if f.code == code]
    assert finding.cell == f"รายงานครั้งที่{k}:{key}" and f"รายงานครั้งที่{k}" in str(finding)
    assert finding.severity.value == "error"


def test_the_seed_reads_per_report_and_keeps_its_findings(tmp_path):
    printout, findings, disbursed, _ = imported(tmp_path, SEED.read_text(encoding="utf-8"))
    assert codes(findings)[0] == "N006" and rendered(findings[0]) == render("N006", header="0")
    assert {"R109", "R110"} <= set(codes(findings)) and set(disbursed.values()) == {0}


def test_import_legacy_command_says_how_it_read_the_money(runner, tmp_path):
    totals = running(AMOUNTS)
    path = tmp_path / "running.txt"
    path.write_text(variant(totals, totals[-1]), encoding="utf-8")
    result = runner.invoke(main, ["import-legacy", str(path), "--ledger", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 0
    th, en = render("N005", k=12, last="4,410,000.50", header="4,410,000.50", total=baht(sum(totals)))
    assert f"running.txt: print-out!1:budget_used [N005] {th} / {en}" in result.output
    assert "[R102]" not in result.output


@pytest.mark.parametrize("label", ["เริ่มต้นโครงการ", "สิ้นสุดโครงการ", "งบประมาณที่ได้รับ"])
def test_a_header_value_that_is_not_one_reads_as_missing(label):
    text = re.sub(rf"^({label}\s*:).*$", r"\1 ไม่ระบุ", SEED.read_text(encoding="utf-8"), flags=re.M)
    p = parse_printout(text.encode("utf-8"), "v.txt")
    key = {"เริ่มต้นโครงการ": "start_date", "สิ้นสุดโครงการ": "end_date", "งบประมาณที่ได้รับ": "budget_allocated"}[label]
    assert p.project[key] is None and p.code == "01000000-2462" and len(p.reports) == 12


@pytest.mark.parametrize("encode", [lambda text: text.encode("utf-16"),                     # saved as "Unicode" text
                                    lambda text: text.encode("utf-8")[:-1],                 # cut inside its last letter
                                    lambda text: text.encode("cp874") + b"\xff"],           # a byte TIS-620 lacks
                         ids=["utf-16", "utf-8 cut short", "not tis-620"])
def test_a_print_out_in_an_unknown_encoding_is_one_line_and_the_others_are_imported(runner, tmp_path, encode):
    """F014: the one file refused in one line (exit 1); the print-outs beside it reach the ledger."""
    text = SEED.read_text(encoding="utf-8").rstrip() + "\nสิ้นสุดรายงาน"
    odd = tmp_path / "พิมพ์จากระบบ.txt"
    odd.write_bytes(encode(text))
    result = runner.invoke(main, ["import-legacy", str(odd), str(SEED), "--ledger", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 1
    th, en = render("F014")
    assert result.stderr.splitlines() == [f"พิมพ์จากระบบ.txt: [F014] {th} / {en}"]
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert [r[0] for r in ledger.db.execute("SELECT name FROM submissions")] == [SEED.name]
