"""The command line: one line per problem, documented exit codes, no traceback."""
from pathlib import Path

from progress_xl.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_generate_reports_bad_rows_and_writes_good_ones(runner, tmp_path):
    register = tmp_path / "register.csv"
    register.write_text("รหัสโครงการ,ชื่อโครงการ,เริ่มต้นโครงการ,สิ้นสุดโครงการ,งบประมาณ,หน่วยงาน\n"
                        "01000000-2462,ก,01/10/2563,30/09/2564,100,สภา\n"
                        "01000000-2463,ข,31/02/2564,30/09/2564,100,สภา\n", encoding="utf-8")
    result = runner.invoke(main, ["generate", str(register), "--fy", "2564", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("[P003]") == 1 and "แถว 3" in result.stderr
    assert len(list((tmp_path / "out").rglob("*.xlsx"))) == 1


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
    assert "01000000-2462" in result.stdout and "report_date=22/10/2563" in result.stdout
    assert "[V004]" in result.stdout and "[N001]" in result.stdout      # unknown status; "1,000 บาท" read as 1000


def test_read_on_a_hostile_file_prints_one_line_and_exits_1(runner, tmp_path):
    bad = tmp_path / "report.xlsx"
    bad.write_bytes(b"%PDF-1.4 not a workbook")
    result = runner.invoke(main, ["read", str(bad)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == str(result.stderr.strip().splitlines()[0]) and "[F004]" in result.stderr
    assert "Traceback" not in result.output
