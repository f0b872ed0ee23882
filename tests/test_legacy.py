"""import-legacy: the monitoring system's print-outs into the ledger (issue 8)."""
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from progress_xl.cli import main
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
                                  "--register", "samples/register.csv", "--fy", "2564"])
    assert result.exit_code == 1
    assert "01000000-2462" in result.output and "[R109]" in result.output
    assert "[M007]" in result.output and "junk.txt: [F015]" in result.output
    again = runner.invoke(main, ["import-legacy", str(SEED), "--ledger", str(tmp_path / "l.sqlite")])
    assert again.exit_code == 0
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert ledger.db.execute("SELECT count(*) FROM submissions WHERE source='legacy'").fetchone()[0] == 2
