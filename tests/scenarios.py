"""The scenarios several test modules share, in one place: a filled year with the real mistakes
(FILLED), a clean first quarter (CLEAN) and the month's inbox with every kind of input (mixed_inbox).
The modules that first defined them re-export them, so `from test_generate import FILLED` still works."""
import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

from progress_xl.generate import generate_workbook, workbook_filename

ON, BEHIND, TARGET = "เป็นไปตามแผน", "ล่าช้ากว่าแผน", "เป็นไปตามเป้าหมาย"

#: A filled year with the real mistakes: progress falls in report 4, report 5 is missing its
#: progress, report 6 says 150 %, report 7's date is in the wrong month, report 8 has an unknown
#: status, report 9's amount is text, and report 10 takes the total over the budget.
FILLED = {
    1: {"report_date": dt.date(2020, 10, 22), "narrative": "เตรียมข้อมูล", "progress": 5, "disbursed": 0,
        "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    2: {"report_date": dt.date(2020, 11, 27), "narrative": "แต่งตั้งคณะทำงาน", "progress": Decimal("10.5"),
        "disbursed": Decimal("1500.50"), "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    3: {"report_date": dt.date(2020, 12, 22), "narrative": "ร่างแนวทาง", "progress": 15, "disbursed": 0,
        "plan_status": "ล่าช้ากว่าแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    4: {"report_date": dt.date(2021, 1, 28), "narrative": "ลดลง", "progress": 12, "disbursed": 0,
        "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    5: {"report_date": dt.date(2021, 2, 23), "narrative": "ลืมกรอก", "disbursed": 100,
        "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    6: {"report_date": dt.date(2021, 3, 23), "narrative": "เกิน", "progress": 150, "disbursed": 0,
        "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    7: {"report_date": dt.date(2021, 5, 2), "narrative": "ผิดเดือน", "progress": 20, "disbursed": 0,
        "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    8: {"report_date": dt.date(2021, 5, 21), "narrative": "สถานะ", "progress": 20, "disbursed": 0,
        "plan_status": "ตามแผนครับ", "target_status": "เป็นไปตามเป้าหมาย"},
    9: {"report_date": dt.date(2021, 6, 28), "narrative": "ข้อความ", "progress": 20, "disbursed": "1,000 บาท",
        "plan_status": "เป็นไปตามแผน", "target_status": "เป็นไปตามเป้าหมาย"},
    10: {"report_date": dt.date(2021, 7, 27), "narrative": "เกินงบ", "progress": 50, "disbursed": 130000,
         "plan_status": "เป็นไปตามแผน", "target_status": "ไม่เป็นไปตามเป้าหมาย", "remark": "=1+1 เป็นข้อความ"},
}


def row(day, progress, disbursed, plan=ON, **more):
    return {"report_date": day, "narrative": "ดำเนินการตามแผน", "progress": progress, "disbursed": disbursed,
            "plan_status": plan, "target_status": TARGET, **more}


#: A clean first quarter: nothing to say about it.
CLEAN = {1: row(dt.date(2020, 10, 22), 10, 1000), 2: row(dt.date(2020, 11, 23), 20, 2000),
         3: row(dt.date(2020, 12, 22), 30, 0)}


def mixed_inbox(path: Path, spec, few) -> dict[str, str]:
    """Ten projects' files with every kind of input; returns file name -> where it must end."""
    path.mkdir(parents=True)
    expected = {}
    for i, p in enumerate(few[:7]):
        reports = {k: dict(v) for k, v in CLEAN.items()}
        if i == 1:
            reports[3]["progress"] = 150                                 # an error
        if i == 2:
            reports[3]["narrative"] = "=HYPERLINK(\"http://x\",\"คลิก\")"  # text that looks like a formula
        name = workbook_filename(p)
        generate_workbook(spec, p, path / name, reports=reports)
        expected[name] = "has_issues" if i == 1 else "accepted"
    first = path / "ส่งครั้งแรก.xlsx"                                     # sent first, then corrected
    wrong = {k: dict(v) for k, v in CLEAN.items()}
    wrong[3]["disbursed"] = 10**9
    generate_workbook(spec, few[7], first, reports=wrong)
    generate_workbook(spec, few[7], path / "แก้ไขแล้ว.xlsx", reports=CLEAN)
    (path / ".provenance.json").write_text(json.dumps({
        "ส่งครั้งแรก.xlsx": {"received_at": "2020-12-22T09:00:00", "sender": "a@example.org"},
        "แก้ไขแล้ว.xlsx": {"received_at": "2020-12-23T09:00:00", "sender": "a@example.org"}}), encoding="utf-8")
    expected.update({"ส่งครั้งแรก.xlsx": "superseded", "แก้ไขแล้ว.xlsx": "accepted"})
    shutil.copy(path / workbook_filename(few[0]), path / "สำเนา.xlsx")       # the same bytes again
    expected["สำเนา.xlsx"] = "duplicate"
    (path / "corrupt.xlsx").write_bytes((path / workbook_filename(few[0])).read_bytes()[:3000])
    (path / "notes.pdf").write_bytes(b"%PDF-1.4\n%%EOF")
    other = {k: dict(v) for k, v in CLEAN.items()}
    generate_workbook(spec, few[9].__class__({**few[9].values, "project_code": "99999999-9999"}), path / "x.xlsx",
                      reports=other)
    expected.update({"corrupt.xlsx": "rejected", "notes.pdf": "rejected", "x.xlsx": "rejected"})
    return expected
