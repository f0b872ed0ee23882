"""The command line: one line per problem, documented exit codes, no traceback; every line a person
reads rendered from the catalogue (issues.render), Thai / English."""
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import told
from scenarios import CLEAN

from progress_xl.cli import _headline, main
from progress_xl.consolidate import consolidate
from progress_xl.generate import generate_workbook
from progress_xl.issues import render

ROOT = Path(__file__).resolve().parent.parent


def line(code: str, **context) -> str:
    return " / ".join(render(code, **context))


@pytest.mark.parametrize("bad", [0, 1, 3], ids=["none", "one", "three"])
def test_generate_reports_bad_rows_and_writes_good_ones(runner, tmp_path, bad):
    """W026 says how many workbooks went to how many agencies; W027 how many register rows were
    refused (only when some were), one row each however many errors it has."""
    register = tmp_path / "register.csv"
    rows = ["01000000-2462,ก,01/10/2563,30/09/2564,100,สภา", "02000000-2462,ค,01/10/2563,30/09/2564,100,กทม"]
    rows += [f"01000000-247{i},ข,31/02/2564,30/09/2564,{'-1' if i else '100'},สภา" for i in range(bad)]
    register.write_text("รหัสโครงการ,ชื่อโครงการ,เริ่มต้นโครงการ,สิ้นสุดโครงการ,งบประมาณ,หน่วยงาน\n"
                        + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(main, ["generate", str(register), "--fy", "2564", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("[P003]") == bad + max(bad - 1, 0) and ("แถว 4" in result.stderr) == bool(bad)
    assert len(list(out.rglob("*.xlsx"))) == 2
    lines = result.stdout.splitlines()
    assert sum(1 for text in lines if told("W026", count=2, agencies=2, out=out).fullmatch(text)) == 1
    assert (line("W027", rows=bad) in lines) == bool(bad) and ("skipped" in result.stdout) == bool(bad)


def test_generate_with_an_unusable_register_exits_1_with_one_line(runner, tmp_path):
    register = tmp_path / "register.csv"
    register.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = runner.invoke(main, ["generate", str(register), "--fy", "2564", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().count("\n") == 0 and "[P001]" in result.stderr


def test_usage_error_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["generate", str(ROOT / "samples" / "register.csv"), "--fy", "1999",
                                  "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_read_prints_values_and_notes(runner, tmp_path, spec, seed_project):
    from test_generate import FILLED

    from progress_xl.generate import generate_workbook
    path = tmp_path / "filled.xlsx"
    generate_workbook(spec, seed_project, path, reports=FILLED)
    result = runner.invoke(main, ["read", str(path)])
    assert result.exit_code == 0, result.output
    head = result.stdout.splitlines()[0]
    assert head.startswith(f"== filled.xlsx  01000000-2462  {line('W036', fy=2564, version=spec.version)}  sha256 ")
    assert "01000000-2462" in result.stdout and "report_date=22/10/2563" in result.stdout
    assert "[V004]" in result.stdout and "[N001]" in result.stdout      # unknown status; "1,000 บาท" read as 1000


def test_read_on_a_hostile_file_prints_one_line_and_exits_1(runner, tmp_path):
    bad = tmp_path / "report.xlsx"
    bad.write_bytes(b"%PDF-1.4 not a workbook")
    result = runner.invoke(main, ["read", str(bad)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == str(result.stderr.strip().splitlines()[0]) and "[F004]" in result.stderr
    assert "Traceback" not in result.output


def _project_rows(path: Path, rows: list[str]) -> Path:
    path.write_text("รหัสโครงการ,ชื่อโครงการ,เริ่มต้นโครงการ,สิ้นสุดโครงการ,งบประมาณ,หน่วยงาน\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("args", "code", "context"), [
    (["rollover", "--to", "2565", "--ledger", "{ledger}"], "W042", {}),
    (["validate", "{register}", "--out", "{tmp}", "--today", "31/02/2564"], "W043", {"value": "31/02/2564"}),
    (["validate", "{register}", "--out", "{tmp}", "--today", "เมื่อวาน"], "W043", {"value": "เมื่อวาน"}),
    (["validate", "{register}", "--out", "{tmp}", "--register", "{register}"], "W044", {}),
    (["outbox", "--register", "{register}", "--fy", "2564", "--out", "{tmp}"], "W045", {}),
    (["outbox", "--register", "{register}", "--fy", "2564", "--out", "{tmp}", "--month", "1"], "W046", {}),
], ids=["rollover-no-register", "not-a-day", "not-a-date", "register-without-fy", "no-letters", "month-without-run"])
def test_what_a_command_lacks_is_a_usage_error_from_the_catalogue(runner, tmp_path, args, code, context):
    register = _project_rows(tmp_path / "register.csv", ["01000000-2462,ก,01/10/2563,30/09/2564,100,สภา"])
    ledger = tmp_path / "ledger.sqlite"
    ledger.touch()
    names = {"register": register, "ledger": ledger, "tmp": tmp_path / "out"}
    result = runner.invoke(main, [a.format(**names) for a in args])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert line(code, **context) in result.stderr.replace("\n", " ")


def _inbox(folder: Path, spec, projects) -> Path:
    folder.mkdir()
    for p in projects:
        generate_workbook(spec, p, folder / f"{p.code}.xlsx", reports=CLEAN)
    (folder / "notes.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    return folder


def test_consolidate_prints_the_master_and_its_headline(runner, tmp_path, spec, projects):
    """The lines of `consolidate` are those of the run itself (the same inbox consolidated through the API):
    W018 the master, W034 the CSV, then the headline (W030 W031 W033)."""
    few = projects[:4]
    register = _project_rows(tmp_path / "register.csv", [
        f"{p.code},{p['project_name']},01/10/2563,30/09/2564,{p['budget_allocated']},{p['agency']}" for p in few])
    inbox = _inbox(tmp_path / "inbox", spec, few[:3])
    out, csv = tmp_path / "out", tmp_path / "projects.csv"
    result = runner.invoke(main, ["consolidate", str(inbox), "--register", str(register), "--fy", "2564", "--month", "3",
                                  "--out", str(out), "--csv", str(csv), "--today", "31/12/2563"])
    assert result.exit_code == 0, result.output
    run = consolidate(inbox, projects=[p for p in projects if p.code in {q.code for q in few}], fy=2564, month=3,
                      out_dir=tmp_path / "api", today=None)
    h = run.headline
    assert (h["expected"], h["received"], h["inputs"], h["inputs_rejected"]) == (4, 3, 4, 1)
    lines = result.stdout.splitlines()
    assert lines[:2] == [line("W018", path=(out / run.master.name).resolve()), line("W034", path=csv.resolve())]
    assert lines[2:] == _headline(run)
    assert lines[2] == "   " + line("W030", received=3, expected=4, rate=75, accepted=h["accepted"],
                                    has_issues=h["has_issues"], missing=1, late=h["late"])


def _run(**headline):
    base = {"received": 2, "expected": 3, "reporting_rate": 2 / 3, "accepted": 1, "has_issues": 1, "missing": 1,
            "late": 0, "inputs": 3, "inputs_accepted": 1, "inputs_has_issues": 1, "inputs_superseded": 0,
            "inputs_rejected": 1, "inputs_duplicate": 0, "disbursed": Decimal(0), "allocated": Decimal(0),
            "behind": 0, "claims": 0}
    return SimpleNamespace(headline={**base, **headline})


@pytest.mark.parametrize(("money", "shown"), [
    ((Decimal(2500000), Decimal("12000000.00")), ("2,500,000", "12,000,000")),
    ((Decimal("1234.50"), Decimal("1E+6")), ("1,234.5", "1,000,000")),
    ((Decimal(0), Decimal("0.25")), ("0", "0.25")),
], ids=["whole", "satang-and-exponent", "nothing"])
def test_the_headline_writes_money_as_people_write_it(money, shown):
    disbursed, allocated = money
    text = _headline(_run(disbursed=disbursed, allocated=allocated))[2]
    assert text == "   " + line("W033", disbursed=disbursed, allocated=allocated, behind=0, claims=0)
    assert f"เบิกจ่าย {shown[0]} จาก {shown[1]} บาท" in text and f"disbursed {shown[0]} of {shown[1]} baht" in text
    assert "E+" not in text


@pytest.mark.parametrize(("received", "expected", "percent"), [(2, 3, "67%"), (1, 3, "33%"), (0, 5, "0%"),
                                                                 (7, 7, "100%"), (0, 0, "0%")])
def test_the_headline_rate_is_a_whole_percent(received, expected, percent):
    text = _headline(_run(received=received, expected=expected,
                          reporting_rate=received / expected if expected else 0))[0]
    assert f"ได้รับรายงาน {received}/{expected} โครงการ ({percent})" in text
    assert f"reported {received} of {expected} ({percent})" in text


@pytest.mark.parametrize("transient", [0, 1, 12])
def test_files_not_processed_are_counted_only_when_there_are_some(transient):
    files = {"inputs": 3 + transient, "accepted": 1, "has_issues": 1, "superseded": 0, "rejected": 1, "duplicates": 0}
    text = _headline(_run(inputs=3 + transient, inputs_transient=transient))[1]
    expected = line("W032", **files, transient=transient) if transient else line("W031", **files)
    assert text == "   " + expected
    assert ("not processed" in text) == ("ยังไม่ได้ประมวลผล" in text) == bool(transient)
