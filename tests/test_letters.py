"""letters: the coordinator's letters read as Thai official e-mail, with one short English part after
them; reply-by dates from a rule and never in the past; receipts (the coordinator's-month issue)."""
from __future__ import annotations

import calendar
import datetime as dt
import string
from dataclasses import replace

import pytest
from hypothesis import given, strategies as st

from progress_xl.fiscal import month_bounds, report_month
from progress_xl.letters import (KICKOFF, MAX_FINDINGS_IN_BODY, RECEIPT, REMINDER, RETURNED, ReplyRule, Sender,
                                 calendar_period, kickoff_letters, month_letters, receipt_letters, reply_by, texts)
from progress_xl.issues import render
from progress_xl.ledger import Finding, Ledger, Stored
from progress_xl.register import Project
from progress_xl.review import ACCEPTED, HAS_ISSUES, REJECTED

OFFICER = Sender("coordinator@bangkok.go.th", "นางสาวปริญดา ใจดี", "นักวิเคราะห์นโยบายและแผนชำนาญการ",
                 "กองติดตามและประเมินผล สำนักยุทธศาสตร์และประเมินผล", "0 2224 1234")


def thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def halves(body: str) -> tuple[str, str]:
    thai_part, sep, english = body.partition(texts()["form"]["separator"])
    assert sep, "the English part follows a separator line"
    return thai_part, english


def assert_official_form(body: str, officer: Sender, closing: str):
    """เรื่อง, เรียน, the purpose, the closing request, ขอแสดงความนับถือ, the officer; then the English."""
    thai_part, english = halves(body)
    lines = thai_part.splitlines()
    assert lines[0].startswith("เรื่อง  ") and lines[1].startswith("เรียน  ")
    paragraphs = thai_part.split("\n\n")
    assert paragraphs[1].startswith(("ด้วย", "ตามที่")), paragraphs[1]
    letter, regards, signature = thai_part.partition("ขอแสดงความนับถือ")
    assert regards and letter.rstrip().endswith(closing)
    assert signature.split() == ["(" + officer.name.split()[0]] + officer.name.split()[1:-1] + [
        officer.name.split()[-1] + ")"] + " ".join([officer.position, officer.unit, "โทร.", officer.phone,
                                                    "อีเมล", officer.address]).split()
    assert thai_part.count("จึงเรียนมาเพื่อ") == 1
    assert not any(word in thai_part for word in ("Dear", "Subject", "Please", "Yours"))
    english_lines = english.strip().splitlines()
    assert english_lines[0].startswith("Subject: ") and english_lines[1].startswith("Dear ")
    assert english.rstrip().endswith(f"Yours sincerely,\n{officer.name}")
    for word in ("เรียน", "เรื่อง", "ขอแสดงความนับถือ", "จึงเรียนมา", "กรุณา", "ขอให้"):
        assert word not in english
    assert "progress_xl" not in body and "generated" not in body


def project(code: str, **values) -> Project:
    base = {"project_code": code, "project_name": f"โครงการ {code}", "agency": "สำนักการแพทย์",
            "agency_email": "med@bangkok.go.th", "responsible_email": f"p{code[-4:]}@bangkok.go.th",
            "responsible_person": f"นางสาว{code[-4:]}", "fiscal_year": "2564"}
    return Project({**base, **values})


PROJECTS = [project("05000000-0001"), project("05000000-0002"), project("06000000-0003", agency="สำนักการโยธา",
                                                                         agency_email="pw@bangkok.go.th")]


def test_letters_toml_every_text_renders_thai_and_english_apart():
    for section, entries in texts().items():
        if section == "officer":
            continue
        for key, text in entries.items():
            names = {n for _, n, _, _ in string.Formatter().parse(text) if n}
            rendered = text.format(**{n: "<x>" for n in names})
            if key == "en" or key.startswith("en_") or key.endswith("_en"):
                assert not thai(rendered), (section, key)
            elif key not in ("separator", "project", "item", "name", "newer") and section != "form":
                assert thai(rendered), (section, key)


def test_kickoff_is_an_official_letter_then_english(tmp_path):
    workbooks = {}
    for p in PROJECTS:
        workbooks[p.code] = tmp_path / f"{p.code}.xlsx"
        workbooks[p.code].write_bytes(b"x")
    letters = kickoff_letters(PROJECTS, workbooks, 2564, officer=OFFICER)
    assert [(x.kind, x.agency, x.period) for x in letters] == [(KICKOFF, "05000000", "2564"), (KICKOFF, "06000000", "2564")]
    for letter in letters:
        assert_official_form(letter.body, OFFICER, "จึงเรียนมาเพื่อโปรดดำเนินการ")
        assert "สิ่งที่ส่งมาด้วย  แบบรายงานความก้าวหน้าโครงการ จำนวน" in letter.body
        assert "ปีงบประมาณ พ.ศ. 2564" in letter.body and "fiscal year 2564 (2021)" in letter.body
    assert "จำนวน 2 โครงการ" in letters[0].body and "05000000-0002" in letters[0].body


@pytest.mark.parametrize("head, expected", [(None, "สำนักการแพทย์"), ("", "สำนักการแพทย์"),
                                            ("ผู้อำนวยการสำนักการแพทย์", "ผู้อำนวยการสำนักการแพทย์")],
                         ids=["no column", "empty", "head position"])
def test_letters_are_addressed_to_the_head_position_when_the_register_has_it(head, expected):
    projects = [Project({**p.values, **({} if head is None else {"head_position": head})}) for p in PROJECTS[:2]]
    letter = kickoff_letters(projects, {}, 2564, officer=OFFICER)[0]
    assert letter.body.splitlines()[1] == f"เรียน  {expected}"
    assert f"Dear {expected}," in letter.body


def test_officer_defaults_fill_only_what_is_missing():
    plain = Sender("a@bangkok.go.th").completed()
    assert plain.name == texts()["officer"]["name"] and plain.unit == texts()["officer"]["unit"]
    assert Sender("a@bangkok.go.th", "นายสมชาย").completed().name == "นายสมชาย"
    assert Sender("a@bangkok.go.th", "นายสมชาย").header.endswith("<a@bangkok.go.th>")
    letter = kickoff_letters(PROJECTS[:1], {}, 2564, officer=Sender("a@bangkok.go.th"))[0]
    assert "โทร." not in letter.body and f"({plain.name})" in letter.body     # no empty phone line


# -- reply-by ----------------------------------------------------------------------------------------
def test_reply_by_examples():
    # report 2 of FY 2564 is November 2563: replies by 25 December 2020 by default
    assert reply_by(2564, 2, dt.date(2020, 12, 1)) == dt.date(2020, 12, 25)
    # written after the rule's day: a week from the writing day, not a day already gone
    assert reply_by(2564, 2, dt.date(2020, 12, 26)) == dt.date(2021, 1, 2)
    assert reply_by(2564, 2, dt.date(2020, 12, 25)) == dt.date(2020, 12, 25)
    # report 3 (December) crosses the calendar year; day 31 in February is its last day
    assert reply_by(2564, 3, dt.date(2020, 12, 31)) == dt.date(2021, 1, 25)
    assert reply_by(2564, 4, dt.date(2021, 1, 31), ReplyRule(31, 1)) == dt.date(2021, 2, 28)
    assert reply_by(2567, 5, dt.date(2024, 2, 1), ReplyRule(31, 0)) == dt.date(2024, 2, 29)
    with pytest.raises(ValueError):
        ReplyRule(32, 1)


@given(fy=st.integers(2560, 2580), month=st.integers(1, 12), day=st.integers(1, 31),
       months_after=st.integers(0, 3), offset=st.integers(-40, 120))
def test_reply_by_never_before_the_writing_day(fy, month, day, months_after, offset):
    written = month_bounds(fy, month)[1] + dt.timedelta(days=offset)
    due = reply_by(fy, month, written, ReplyRule(day, months_after))
    year, calendar_month = report_month(fy, month)
    target_year, target_month = divmod(year * 12 + calendar_month - 1 + months_after, 12)
    target_month += 1
    by_rule = dt.date(target_year, target_month, min(day, calendar.monthrange(target_year, target_month)[1]))
    assert due >= written
    if by_rule >= written:
        assert due == by_rule              # the rule's day of the month `months_after` the report month
    else:
        assert due == written + dt.timedelta(days=7)


@pytest.mark.parametrize("month", range(1, 13))
def test_reply_by_every_month_of_the_year_at_the_edges(month):
    first, last = month_bounds(2564, month)
    for written in (first, last, last + dt.timedelta(days=1), last + dt.timedelta(days=25),
                    last + dt.timedelta(days=26), last + dt.timedelta(days=60)):
        due = reply_by(2564, month, written)
        assert due >= written
        next_month = last + dt.timedelta(days=1)
        if written <= next_month.replace(day=25):
            assert due == next_month.replace(day=25)
        else:
            assert due == written + dt.timedelta(days=7)


def test_calendar_period_names_the_calendar_month_in_be():
    assert calendar_period(2564, 6) == "2564-03"       # March 2564
    assert calendar_period(2564, 1) == "2563-10"       # October 2563
    assert calendar_period(2564, 12) == "2564-09"


# -- the month, from a ledger ----------------------------------------------------------------------
def stored(i, name, state, *, code=None, sender="p0001@bangkok.go.th", message_id=None, reason=("", "")):
    return Stored(i, f"{i:064x}", name, code, 2564, 2, 2, "workbook", state, reason[0] or None, reason[1] or None,
                  sender, "2020-11-24T10:15:00", message_id, None)


class FakeLedger:
    def __init__(self, rows, findings=None):
        self.rows, self._findings = rows, findings or {}

    def submissions(self, fy, month=None):
        return list(self.rows)

    def findings(self, submission_id):
        return self._findings.get(submission_id, [])

    current = Ledger.current            # the real query, over these rows


REFUSED = render("F002")          # (th, en) as the ledger keeps a refusal's reason


def test_month_letters_reminder_returned_and_refused_in_the_official_form(tmp_path):
    rows = [stored(1, "a.xlsx", HAS_ISSUES, code="05000000-0001"),
            stored(2, "b.xlsx", REJECTED, sender='"นายสมชาย รักงาน" <somchai@gmail.com>', reason=REFUSED),
            stored(3, "c.xlsx", REJECTED, sender="nobody@gmail.com", reason=REFUSED)]
    findings = {1: [Finding("V003", "error", "รายงาน Monthly", "D7", "150", "ความก้าวหน้าต้องอยู่ระหว่าง 0 ถึง 100",
                            "Progress must be between 0 and 100")]}
    (tmp_path / "a_ตรวจแล้ว.xlsx").write_bytes(b"checked")
    letters = month_letters(PROJECTS, ledger=FakeLedger(rows, findings), fy=2564, month=2, returned_dir=tmp_path,
                            written=dt.date(2020, 12, 1), officer=OFFICER)
    kinds = {(x.kind, x.agency) for x in letters}
    assert (RETURNED, "05000000") in kinds and (REMINDER, "05000000") in kinds and (REMINDER, "06000000") in kinds
    for letter in letters:
        assert_official_form(letter.body, OFFICER, "จึงเรียนมาเพื่อโปรดดำเนินการ")
        assert letter.period == "2563-11" and letter.filename.startswith(f"{letter.kind}_2563-11_")
        assert "25 ธ.ค. 2563" in letter.body and "25 Dec 2020" in letter.body
    returned = next(x for x in letters if (x.kind, x.agency) == (RETURNED, "05000000"))
    thai_part, english = halves(returned.body)
    assert "ความก้าวหน้าต้องอยู่ระหว่าง 0 ถึง 100" in thai_part and "Progress must be" not in returned.body
    assert returned.attachments == [("a_ตรวจแล้ว.xlsx", b"checked")] and "สิ่งที่ส่งมาด้วย" in thai_part
    to_somchai = next(x for x in letters if x.to == ["somchai@gmail.com"])
    assert to_somchai.body.splitlines()[1] == "เรียน  นายสมชาย รักงาน" and REFUSED[0] in to_somchai.body
    assert "Dear นายสมชาย รักงาน," in to_somchai.body and REFUSED[1] in halves(to_somchai.body)[1]
    to_nobody = next(x for x in letters if x.to == ["nobody@gmail.com"])
    assert to_nobody.body.splitlines()[1] == f"เรียน  {texts()['form']['unknown_sender']}"
    assert "Dear Sir or Madam," in to_nobody.body
    reminder = next(x for x in letters if (x.kind, x.agency) == (REMINDER, "05000000"))
    assert "05000000-0002" in reminder.body and "05000000-0001" not in reminder.body


def _finding(code: str, severity: str, sheet: str | None = "รายงาน Monthly", cell: str | None = "D7") -> Finding:
    return Finding(code, severity, sheet, cell, "1", f"ข้อความ {code}", f"text {code}")


def _returned_thai(findings: list[Finding]) -> str:
    rows = [stored(1, "a.xlsx", HAS_ISSUES, code="05000000-0001")]
    letters = month_letters(PROJECTS, ledger=FakeLedger(rows, {1: findings}), fy=2564, month=2, returned_dir=".",
                            written=dt.date(2020, 12, 1), officer=OFFICER)
    return halves(next(x for x in letters if x.kind == RETURNED).body)[0]


def test_a_returned_letter_lists_the_errors_and_warnings_where_they_are_never_the_notes():
    body = _returned_thai([_finding("N001", "note"), _finding("R001", "warning", cell="E9"), _finding("V003", "error"),
                           _finding("R002", "explained"), _finding("F001", "error", sheet=None, cell=None),
                           _finding("T001", "warning", sheet=None, cell="A1")])
    line = texts()[RETURNED]
    assert line["finding_warning"].format(where="รายงาน Monthly!E9: ", text="ข้อความ R001") in body
    assert line["finding_error"].format(where="รายงาน Monthly!D7: ", text="ข้อความ V003") in body
    assert line["finding_error"].format(where="", text="ข้อความ F001") + "\n" in body       # a file's: no place
    assert line["finding_warning"].format(where="A1: ", text="ข้อความ T001") in body
    assert "N001" not in body and "R002" not in body and "text " not in body       # the Thai text, in Thai


def test_a_returned_letter_lists_the_first_findings_and_counts_the_rest():
    body = _returned_thai([_finding(f"V{i:03d}", "error") for i in range(MAX_FINDINGS_IN_BODY + 3)])
    assert [i for i in range(MAX_FINDINGS_IN_BODY + 3) if f"ข้อความ V{i:03d}" in body] == list(range(MAX_FINDINGS_IN_BODY))
    assert texts()[RETURNED]["more"].format(count=3) in body


def test_reply_by_in_letters_follows_the_writing_day():
    late = month_letters(PROJECTS, ledger=FakeLedger([]), fy=2564, month=2, returned_dir=".",
                         written=dt.date(2021, 1, 10), officer=OFFICER)
    assert all("17 ม.ค. 2564" in x.body and "17 Jan 2021" in x.body for x in late)
    default = month_letters(PROJECTS, ledger=FakeLedger([]), fy=2564, month=2, returned_dir=".")
    assert all("25 ธ.ค. 2563" in x.body for x in default)     # written on the month's last day


def test_receipts_one_per_incoming_message_saying_where_each_file_went():
    rows = [stored(1, "a.xlsx", ACCEPTED, code="05000000-0001", message_id="<m1@x>"),
            stored(2, "b.xlsx", HAS_ISSUES, code="05000000-0002", message_id="<m1@x>"),
            stored(3, "c.xlsx", REJECTED, message_id="<m2@x>", reason=REFUSED),
            replace(stored(4, "d.xlsx", ACCEPTED, code="06000000-0003"), sender=None),       # dropped in by hand
            replace(stored(5, "e.xlsx", ACCEPTED, code="06000000-0003"), source="legacy"),
            stored(6, "f.xlsx", "transient", code="05000000-0002", message_id="<m1@x>"),   # to be read again
            replace(stored(7, "g.xlsx", "superseded", code="05000000-0001", message_id="<m1@x>"), superseded_by=1)]
    letters = receipt_letters(rows, projects=PROJECTS, fy=2564, month=2, officer=OFFICER)
    assert [x.files for x in letters] == [(rows[0].sha256, rows[1].sha256, rows[6].sha256), (rows[2].sha256,)]
    assert "g.xlsx (โครงการ 05000000-0001): ได้รับแล้ว และถูกแทนที่ด้วยไฟล์ที่ส่งมาภายหลัง (a.xlsx)" in letters[0].body
    assert "g.xlsx (project 05000000-0001): received, and superseded by a file sent later (a.xlsx)" in letters[0].body
    for letter in letters:
        assert letter.kind == RECEIPT and letter.to == ["p0001@bangkok.go.th"]
        assert_official_form(letter.body, OFFICER, "จึงเรียนมาเพื่อโปรดทราบ")
        # the sender is a person of the register: addressed by name
        assert letter.body.splitlines()[1] == "เรียน  นางสาว0001"
        assert "24 พ.ย. 2563" in letter.body and "24 Nov 2020" in letter.body
    thai_part, english = halves(letters[0].body)
    assert "a.xlsx (โครงการ 05000000-0001): รับแล้ว" in thai_part and "b.xlsx (โครงการ 05000000-0002): มีรายการ" in thai_part
    assert "a.xlsx (project 05000000-0001): accepted" in english and "b.xlsx (project 05000000-0002): has issues" in english
    assert f"c.xlsx: ไม่รับ เพราะ{REFUSED[0]}" in letters[1].body and f"c.xlsx: refused, {REFUSED[1]}" in letters[1].body
    assert len({x.filename for x in letters}) == 2
    again = receipt_letters(rows, projects=PROJECTS, fy=2564, month=2, officer=OFFICER,
                            done={rows[0].sha256, rows[1].sha256, rows[6].sha256})
    assert [x.files for x in again] == [(rows[2].sha256,)]
