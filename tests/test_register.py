"""The project register: Thai or English headers, CSV in UTF-8 or cp874, one line per bad row (issue 3)."""
import datetime as dt
from decimal import Decimal

import pytest
import xlsxwriter

from progress_xl.issues import ProgressXLError
from progress_xl.register import read_register

HEAD_TH = "รหัสโครงการ,ชื่อโครงการ/กิจกรรม,เริ่มต้นโครงการ,สิ้นสุดโครงการ,งบประมาณที่ได้รับ,หน่วยงานที่รับผิดชอบ,ชื่อผู้รับผิดชอบ,อีเมลหน่วยงาน\n"
GOOD = "01000000-2462,โครงการสภาพบประชาชน,01/10/2563,30/09/2564,\"122,800\",สำนักงานเลขาธิการสภา,นางสุดา,council@bangkok.go.th\n"


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
                    + "01000000-2463,ข,01/10/2563,30/09/2564,หนึ่งแสน,สภา,ก,a@b.th\n"        # bad amount
                    + ",ค,01/10/2563,30/09/2564,100,สภา,ก,a@b.th\n"                          # missing code
                    + "01000000-2462,ง,01/10/2563,30/09/2564,100,สภา,ก,a@b.th\n"             # duplicate code
                    + "01000000-2464,จ,01/10/2563,30/09/2564,500,สภา,ก,a@b.th\n", encoding="utf-8")
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
                            "Planned progress", "Agency e-mail"])
        ws.write_row(1, 0, ["05000000-0001", "Clinic", "2020-10-01", "2021-09-30", 1500000.5, "สำนักการแพทย์",
                            "5;10;15;20;30;40;50;60;70;80;90;100", "med@bangkok.go.th"])
        ws.write_datetime(2, 2, dt.datetime(2020, 11, 1))
        ws.write_row(2, 0, ["05000000-0002", "Road"])
        ws.write_datetime(2, 3, dt.datetime(2021, 9, 30))
        ws.write_row(2, 4, ["฿2,000,000.-", "สำนักการแพทย์"])
        ws.write(2, 7, "med@bangkok.go.th")
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


# -- issue "The coordinator's month": a kinder register ----------------------------------------------
import re  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from progress_xl.issues import Severity, render  # noqa: E402
from progress_xl.register import _header_map, _names, column_of  # noqa: E402
from progress_xl.values import EXCEL_CELL_LIMIT  # noqa: E402

COLUMNS = ["รหัสโครงการ", "ชื่อโครงการ/กิจกรรม", "เริ่มต้นโครงการ", "สิ้นสุดโครงการ", "งบประมาณที่ได้รับ",
           "หน่วยงานที่รับผิดชอบ", "อีเมลหน่วยงาน"]
ROW = ["01000000-2462", "โครงการสภาพบประชาชน", "01/10/2563", "30/09/2564", "122,800", "สำนักงานเลขาธิการสภา",
       "council@bangkok.go.th"]


def write_csv(path, header, *rows):
    import csv
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def row_with(**changes):
    out = list(ROW)
    for column, value in changes.items():
        out[int(column[1:])] = value
    return out


@pytest.mark.parametrize("budget_header", ["งบประมาณ (บาท)", "งบประมาณ（บาท）", "งบประมาณที่ได้รับ (บาท) *", "BUDGET:",
                                           " Budget (baht) ", "งบ\u200bประมาณ", "Budget\u00a0allocated*", "งบประมาณ [บาท]",
                                           "ｂｕｄｇｅｔ"])
def test_headers_are_matched_leniently(tmp_path, spec, budget_header):
    header = COLUMNS[:4] + [budget_header] + COLUMNS[5:]
    result = read_register(write_csv(tmp_path / "r.csv", header, ROW), spec, 2564)
    assert result.issues == [] and result.projects[0]["budget_allocated"] == Decimal(122800)


def test_a_header_that_scales_the_amounts_is_not_taken_for_baht(tmp_path, spec):
    header = COLUMNS[:4] + ["งบประมาณ (ล้านบาท)"] + COLUMNS[5:]
    with pytest.raises(ProgressXLError) as err:
        read_register(write_csv(tmp_path / "r.csv", header, row_with(c4="1.5")), spec, 2564)
    problem, = err.value.issues
    assert problem.code == "P001" and problem.context["closest"] == "'งบประมาณ (ล้านบาท)'"


@given(st.sampled_from(sorted({(k, a) for k, names in _names(__import__("progress_xl.spec").spec.load_spec()).items()
                                 for a in names})),
       st.sampled_from(["{}", " {} ", "{}*", "{}:", "{} (บาท)", "{}（หน่วย）", "{} *", "\u200b{}", "{}\u00a0"]),
       st.sampled_from([str, str.upper, str.lower, str.title]))
def test_every_accepted_name_however_decorated_names_its_column(name, decoration, case):
    from progress_xl.spec import load_spec
    key, alias = name
    keys = _header_map(_names(load_spec()))
    header = decoration.format(case(alias))
    assert column_of(keys, header) in (key, column_of(keys, alias))


def test_a_missing_column_names_what_was_found_what_is_accepted_and_the_closest(tmp_path, spec):
    header = COLUMNS[:4] + ["งบประมานที่ได้รับ"] + COLUMNS[5:] + ["หมายเหตุ", "ผู้ประสานงาน", "กอง", "เป้าหมาย", "kpi"]
    with pytest.raises(ProgressXLError) as err:
        read_register(write_csv(tmp_path / "r.csv", header, ROW), spec, 2564)
    problem, = err.value.issues
    assert problem.code == "P001"
    line = str(problem)
    assert "\n" not in line and line.count(" / ") >= 1
    f = spec.field("budget_allocated")
    assert problem.context["accepted"] == f"{f.th}, {f.en}, {f.aliases[0]}, {f.aliases[1]}, …"
    assert problem.context["found"] == ", ".join(header[:6]) + ", …"
    assert problem.context["closest"] == "'งบประมานที่ได้รับ'"
    th, en = render("P001", **problem.context)
    assert problem.th == th and problem.en == en and "closest: 'งบประมานที่ได้รับ'" in en


def test_a_file_with_no_register_header_is_one_line_naming_what_it_holds(tmp_path, spec):
    path = write_csv(tmp_path / "r.csv", ["ลำดับ", "รายการ"], ["1", "ก"])
    with pytest.raises(ProgressXLError) as err:
        read_register(path, spec, 2564)
    problem, = err.value.issues
    assert problem.code == "P001" and problem.context["column"] == spec.field("project_code").label()
    assert problem.context["found"] == "ลำดับ, รายการ" and problem.context["closest"] == "-"


def test_a_register_missing_two_columns_names_both(tmp_path, spec):
    header = [c for c in COLUMNS if c not in ("เริ่มต้นโครงการ", "สิ้นสุดโครงการ")]
    with pytest.raises(ProgressXLError) as err:
        read_register(write_csv(tmp_path / "r.csv", header, ROW[:2] + ROW[4:]), spec, 2564)
    assert [i.context["column"] for i in err.value.issues] == [spec.field("start_date").label(), spec.field("end_date").label()]


def test_millions_in_the_register_read_with_a_note(tmp_path, spec):
    path = write_csv(tmp_path / "r.csv", COLUMNS, row_with(c4="1.5 ล้านบาท"), row_with(c0="01000000-2463", c4="๑.๕ ล้าน"),
                     row_with(c0="01000000-2464", c4="หนึ่งแสนบาท"))
    result = read_register(path, spec, 2564)
    assert [p["budget_allocated"] for p in result.projects] == [Decimal(1500000)] * 2
    assert codes(result) == [("P009", 2), ("P009", 3), ("P003", 4)]
    note = result.issues[0]
    assert note.severity is Severity.NOTE and "1,500,000" in note.en and "1,500,000" in note.th


def test_a_negative_budget_is_one_p003_line(tmp_path, spec):
    """generate died with KeyError: 'value': the register passed value= and V006's context carried value too."""
    path = write_csv(tmp_path / "r.csv", COLUMNS, row_with(c4="-5,000"), row_with(c0="01000000-2463"))
    result = read_register(path, spec, 2564)
    assert codes(result) == [("P003", 2)] and [p.code for p in result.projects] == ["01000000-2463"]
    th, en = render("V006", label_th=spec.field("budget_allocated").th, label_en=spec.field("budget_allocated").en, value="-5,000")
    assert result.issues[0].context["reason_th"] == th and result.issues[0].context["reason_en"] == en


def test_a_negative_number_in_an_xlsx_register_explains_the_dot_dash(tmp_path, spec):
    path = tmp_path / "register.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet()
        ws.write_row(0, 0, COLUMNS + ["โทรศัพท์"])
        ws.write_row(1, 0, row_with(c4=-122800) + [812345678])
        ws.write_row(2, 0, row_with(c0="01000000-2463", c4=122800) + [21234567])
    result = read_register(path, spec, 2564)
    assert codes(result) == [("P003", 2), ("P009", 3)]
    assert "122,800.-" in result.issues[0].th and "type 122,800 without '.-'" in result.issues[0].en
    assert result.projects[0]["responsible_phone"] == "021234567"
    assert "021234567" in result.issues[1].en


def test_a_value_no_cell_can_hold_refuses_its_row_and_a_control_character_is_cleaned(tmp_path, spec):
    long_name = "ก" * (EXCEL_CELL_LIMIT + 1)
    path = write_csv(tmp_path / "r.csv", COLUMNS, row_with(c1=long_name), row_with(c0="01000000-2463", c1="โครงการ\x07ทดสอบ\x00"),
                     row_with(c0="01000000-2464"))
    result = read_register(path, spec, 2564)
    assert codes(result) == [("P008", 2), ("P009", 3)]
    assert [p.code for p in result.projects] == ["01000000-2463", "01000000-2464"]
    assert result.projects[0]["project_name"] == "โครงการทดสอบ"
    assert "32,768" in result.issues[0].en and "32,767" in result.issues[0].en
    assert result.skipped_rows == 1


PLAN = "0 10 20 30 40 50 60 70 80 90 95 100"


@pytest.mark.parametrize("mark", ["\u200f", "\u200e", "\u202b", "\x01", "\u2066"], ids=["rlm", "lrm", "rle", "control", "lri"])
def test_a_mark_that_shows_nothing_in_the_planned_curve_separates_never_crashes(tmp_path, spec, mark):
    """A right-to-left mark (or another invisible one) between the planned curve's numbers stopped every command
    that read the register with an error of ours (O007): the mark was read as a blank number."""
    twelve = write_csv(tmp_path / "a.csv", [*COLUMNS, "แผนความก้าวหน้า"], [*ROW, f"{mark} {PLAN} {mark}"],
                       [*row_with(c0="01000000-2463"), PLAN.replace(" ", f" {mark} ")])
    result = read_register(twelve, spec, 2564)
    assert codes(result) == [] and [p.planned[10] for p in result.projects] == [Decimal(95)] * 2
    eleven = write_csv(tmp_path / "b.csv", [*COLUMNS, "แผนความก้าวหน้า"], [*ROW, PLAN.rsplit(" ", 1)[0] + f" {mark}"])
    assert codes(read_register(eleven, spec, 2564)) == [("P003", 2)]        # eleven numbers: V013, the row refused


def test_projects_nobody_can_e_mail_are_warned_about(tmp_path, spec):
    header = COLUMNS + ["อีเมลผู้รับผิดชอบ"]
    path = write_csv(tmp_path / "r.csv", header, row_with(c6="") + [""], row_with(c0="01000000-2463", c6="") + ["a@b.th"],
                     row_with(c0="01000000-2464") + [""])
    result = read_register(path, spec, 2564)
    assert codes(result) == [("P006", 2)] and result.issues[0].severity is Severity.WARNING
    assert "01000000-2462" in str(result.issues[0]) and len(result.projects) == 3 and result.skipped_rows == 0


def test_a_register_without_e_mail_columns_is_one_warning(tmp_path, spec):
    path = write_csv(tmp_path / "r.csv", COLUMNS[:6], ROW[:6], row_with(c0="01000000-2463")[:6])
    result = read_register(path, spec, 2564)
    assert [i.code for i in result.issues] == ["P007"] and len(result.projects) == 2


def test_codes_in_thai_digits_and_the_head_s_position(tmp_path, spec):
    path = write_csv(tmp_path / "r.csv", COLUMNS + ["ตำแหน่งหัวหน้าหน่วยงาน"],
                     row_with(c0="๐๑๐๐๐๐๐๐-๒๔๖๒") + ["ผู้อำนวยการสำนักการแพทย์"])
    result = read_register(path, spec, 2564)
    project, = result.projects
    assert project.code == "01000000-2462" and project["head_position"] == "ผู้อำนวยการสำนักการแพทย์"
    assert result.issues == []


def test_the_sample_register_reads_without_a_line(spec):
    from conftest import SAMPLES
    assert read_register(SAMPLES / "register.csv", spec, 2564).issues == []


@given(st.text(max_size=30))
def test_any_header_text_is_matched_or_not_never_a_crash(text):
    from progress_xl.spec import load_spec
    key = column_of(_header_map(_names(load_spec())), text)
    assert key is None or re.fullmatch(r"[a-z_]+", key)


# -- a code that is not one, a file that is not text: V010 F014 ------------------------------------------
@pytest.mark.parametrize("code", ["0100000-2462", "010000002462", "01000000/2462", "01000000-2462A", "1,000,000-2462"],
                         ids=["seven digits", "no dash", "a slash", "a letter after", "thousands commas"])
def test_a_project_code_of_another_shape_refuses_its_row_naming_the_shape(tmp_path, spec, runner, code):
    """V010, inside the row's P003: the code as typed and the shape it must have; the other rows are generated."""
    from progress_xl.cli import main
    path = write_csv(tmp_path / "r.csv", COLUMNS, row_with(c0=code), row_with(c0="01000000-2463"))
    f = spec.field("project_code")
    th, en = render("V010", label_th=f.th, label_en=f.en, value=code, example=f.example)
    assert en == f"Project code is not in its form, such as 01000000-2462 (found '{code}')"    # no regular expression
    assert "\\" not in th + en and "^" not in th + en
    result = read_register(path, spec, 2564)
    [problem] = result.issues
    assert (problem.code, problem.context["row"], problem.context["reason_th"], problem.context["reason_en"]) == (
        "P003", 2, th, en)
    assert [p.code for p in result.projects] == ["01000000-2463"]
    res = runner.invoke(main, ["generate", str(path), "--fy", "2564", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert res.stderr.splitlines() == [str(problem)]
    assert [p.name[:13] for p in (tmp_path / "out").rglob("*.xlsx")] == ["01000000-2463"]


@pytest.mark.parametrize("data", [
    (HEAD_TH + GOOD).encode("utf-16"),                                     # Excel's "Unicode Text", Notepad's "Unicode"
    (HEAD_TH + GOOD).encode("utf-8")[:-40] + b"\xe0\xb8",                   # UTF-8 cut inside a Thai letter
    (HEAD_TH + GOOD).encode("cp874").replace(b",", b"\xfc", 1),             # a byte TIS-620 does not have
], ids=["utf-16", "utf-8 cut short", "not tis-620"])
def test_a_register_in_an_encoding_neither_utf8_nor_tis620_is_one_line(tmp_path, runner, data):
    """F014: the command stops with one line naming the file; nothing is generated."""
    from progress_xl.cli import main
    path = tmp_path / "ทะเบียน.csv"
    path.write_bytes(data)
    res = runner.invoke(main, ["generate", str(path), "--fy", "2564", "--out", str(tmp_path / "out")])
    assert res.exit_code == 1
    th, en = render("F014")
    assert res.stderr.strip() == f"ทะเบียน.csv: [F014] {th} / {en}"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.xlsx"))
