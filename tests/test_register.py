"""The project register: Thai or English headers, CSV in UTF-8 or cp874, one line per bad row (issue 3)."""
import datetime as dt
from decimal import Decimal

import pytest
import xlsxwriter

from progress_xl.issues import ProgressXLError
from progress_xl.register import read_register

HEAD_TH = "รหัสโครงการ,ชื่อโครงการ/กิจกรรม,เริ่มต้นโครงการ,สิ้นสุดโครงการ,งบประมาณที่ได้รับ,หน่วยงานที่รับผิดชอบ,ชื่อผู้รับผิดชอบ\n"
GOOD = "01000000-2462,โครงการสภาพบประชาชน,01/10/2563,30/09/2564,\"122,800\",สำนักงานเลขาธิการสภา,นางสุดา\n"


def codes(result):
    return [(i.code, i.context.get("row")) for i in result.issues]


def test_sample_register_reads_whole(spec, projects):
    assert len(projects) >= 60
    assert len({p["agency"] for p in projects}) >= 8
    seed = next(p for p in projects if p.code == "01000000-2462")
    assert seed["budget_allocated"] == Decimal(122800)
    assert seed["start_date"] == dt.date(2020, 10, 1) and seed["end_date"] == dt.date(2021, 9, 30)
    assert seed["fiscal_year"] == 2564


def test_bad_rows_give_one_line_each_and_good_rows_still_read(tmp_path, spec):
    path = tmp_path / "register.csv"
    path.write_text(HEAD_TH + GOOD
                    + "01000000-2463,ข,01/10/2563,30/09/2564,หนึ่งแสน,สภา,ก\n"        # bad amount
                    + ",ค,01/10/2563,30/09/2564,100,สภา,ก\n"                          # missing code
                    + "01000000-2462,ง,01/10/2563,30/09/2564,100,สภา,ก\n"             # duplicate code
                    + "01000000-2464,จ,01/10/2563,30/09/2564,500,สภา,ก\n", encoding="utf-8")
    result = read_register(path, spec, 2564)
    assert [p.code for p in result.projects] == ["01000000-2462", "01000000-2464"]
    assert codes(result) == [("P003", 3), ("P002", 4), ("P004", 5)]
    lines = [str(i) for i in result.issues]
    assert all(line.startswith("register.csv: [P") and " / " in line and "\n" not in line for line in lines)
    assert "งบประมาณที่ได้รับ" in lines[0] and "หนึ่งแสน" in lines[0]
    assert "repeats row 2" in lines[2]


def test_thai_header_csv_in_cp874(tmp_path, spec):
    path = tmp_path / "register_cp874.csv"
    path.write_bytes((HEAD_TH + GOOD).encode("cp874"))
    result = read_register(path, spec, 2564)
    assert result.issues == [] and result.projects[0]["project_name"] == "โครงการสภาพบประชาชน"


def test_english_headers_ce_dates_and_xlsx(tmp_path, spec):
    path = tmp_path / "register.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["Project code", "Project name", "Start date", "End date", "Budget", "Agency",
                            "Planned progress"])
        ws.write_row(1, 0, ["05000000-0001", "Clinic", "2020-10-01", "2021-09-30", 1500000.5, "สำนักการแพทย์",
                            "5;10;15;20;30;40;50;60;70;80;90;100"])
        ws.write_datetime(2, 2, dt.datetime(2020, 11, 1))
        ws.write_row(2, 0, ["05000000-0002", "Road"])
        ws.write_datetime(2, 3, dt.datetime(2021, 9, 30))
        ws.write_row(2, 4, ["฿2,000,000.-", "สำนักการแพทย์"])
    result = read_register(path, spec, 2564)
    assert result.issues == []
    first, second = result.projects
    assert first["budget_allocated"] == Decimal("1500000.5") and first.planned[-1] == 100
    assert second["start_date"] == dt.date(2020, 11, 1) and second["budget_allocated"] == Decimal(2000000)


def test_register_without_the_required_columns_is_one_clear_error(tmp_path, spec):
    path = tmp_path / "register.csv"
    path.write_text("รหัสโครงการ,ชื่อโครงการ,งบประมาณ\n01000000-2462,ก,100\n", encoding="utf-8")
    with pytest.raises(ProgressXLError) as err:
        read_register(path, spec, 2564)
    assert {i.code for i in err.value.issues} == {"P001"}
