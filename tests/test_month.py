"""`progress-xl month`: the coordinator's month in one command, in a workspace (items 2, 6 and the
acceptance: two consecutive months with one ledger and both months' letters kept; a future month
refused; the same month twice sends nothing twice; a reply-by date never before the day of writing;
--send from a placeholder refused; SMTP and IMAP failures one line)."""
from __future__ import annotations

import csv
import datetime as dt
import email
import email.message
import email.policy
import hashlib
import io
import re

import openpyxl
import pytest
from helpers import free_port, told
from aiosmtpd.controller import Controller

from progress_xl.cli import main
from progress_xl.fiscal import format_be_long, month_label, month_label_en
from progress_xl.generate import generate_workbook, workbook_filename
from progress_xl.issues import render
from progress_xl.ledger import Ledger
from progress_xl.month import default_month, parse_month
from progress_xl.register import read_register
from progress_xl.simulate import fill, simulate_month
from progress_xl.workspace import SETTINGS_NAME, init, load

from conftest import SAMPLES

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]+(Error|Exception)\b|Traceback")


# -- which month -----------------------------------------------------------------------------------
MARCH_2564 = ["มี.ค. 2564", "มีนาคม 2564", "มี.ค.2564", "03/2564", "3/2564", "3/64", "2564-03", "2564-3",
              "๐๓/๒๕๖๔", "2021-03", "03/2021", "Mar 2021", "March 2021", "15/03/2564", " มี.ค. 2564 "]


@pytest.mark.parametrize("text", MARCH_2564)
def test_a_month_as_people_write_it(text):
    assert parse_month(text) == (2564, 6)          # March 2564 is report 6 of FY 2564


@pytest.mark.parametrize("text, expected", [("ต.ค. 2563", (2564, 1)), ("09/2564", (2564, 12)), ("2564-10", (2565, 1)),
                                            ("ธ.ค. 2564", (2565, 3))])
def test_the_fiscal_year_follows_from_the_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["13/2564", "2564", "มีนา", "hello", "", "32/03/2564", "2564-13"])
def test_not_a_month_is_one_line(text, runner, workspace):
    res = runner.invoke(main, ["--workspace", str(workspace), "month", text])
    assert res.exit_code == 1
    th, en = render("W009", value=text)
    assert res.stderr.strip() == f"MONTH: [W009] {th} / {en}"


@pytest.mark.parametrize("today, expected", [
    (dt.date(2021, 12, 6), (2565, 2)),     # 6 ธ.ค. 2564 -> พ.ย. 2564, report 2 of FY 2565
    (dt.date(2020, 10, 1), (2563, 12)),    # the first day of a fiscal year -> September, the last report of the old
    (dt.date(2021, 1, 31), (2564, 3)),     # the last day of January -> December
    (dt.date(2024, 3, 1), (2567, 5)),      # after a leap-year February
])
def test_without_month_the_month_that_has_just_ended(today, expected):
    assert default_month(today) == expected


# -- a small workspace -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_register(tmp_path_factory):
    """The sample register's first nine projects: a month runs in a second."""
    with (SAMPLES / "register.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    path = tmp_path_factory.mktemp("register") / "ทะเบียน.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:10])
    return path


@pytest.fixture
def workspace(tmp_path, small_register):
    folder = tmp_path / "ws"
    init(folder, register=small_register, fy=2564, sender="coordinator@bangkok.go.th")
    return folder


@pytest.fixture
def projects(small_register, spec):
    return read_register(small_register, spec, 2564).projects


def set_smtp(folder, port: int, address: str = "coordinator@bangkok.go.th") -> None:
    path = folder / SETTINGS_NAME
    text = path.read_text(encoding="utf-8")
    text = text.replace('[smtp]\n', '[smtp]\n').replace(
        'host = ""\nport = 587\n', f'host = "127.0.0.1"\nport = {port}\n').replace(
        'security = "starttls"', 'security = "plain"')
    text = re.sub(r'(?m)^address = ".*"$', f'address = "{address}"', text)
    path.write_text(text, encoding="utf-8")


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def month(runner, folder, *args):
    return runner.invoke(main, ["--workspace", str(folder), "month", *args])


# -- the acceptance ---------------------------------------------------------------------------------
def test_two_months_one_ledger_letters_kept_nothing_sent_twice(workspace, projects, spec, runner, smtp):
    controller, handler = smtp
    set_smtp(workspace, controller.port)
    ws = load(workspace)
    simulate_month(spec, projects, 1, ws.month_dir(2564, 1) / "inbox", mail=ws.month_dir(2564, 1) / "mail")
    first = month(runner, workspace, "ต.ค. 2563", "--today", "02/11/2563", "--send")
    assert first.exit_code == 0, first.output
    delivered = len(handler.envelopes)
    written = sorted(p.name for p in (ws.month_dir(2564, 1) / "outbox").rglob("*.eml"))
    assert delivered == len(written) > 0

    again = month(runner, workspace, "10/2563", "--today", "02/11/2563", "--send")      # the same month, again
    assert again.exit_code == 0, again.output
    assert len(handler.envelopes) == delivered                                          # nothing went twice
    # receipts delivered are not written again; whatever is written again was sent before
    assert any(" / ".join(render("S019", sent=0, partly=0, unsent=0, earlier=n, count=n,
                                 server=f"127.0.0.1:{controller.port}")) in again.stdout for n in range(len(written)))

    simulate_month(spec, projects, 2, ws.month_dir(2564, 2) / "inbox", mail=ws.month_dir(2564, 2) / "mail")
    second = month(runner, workspace, "2563-11", "--today", "03/12/2563", "--send")
    assert second.exit_code == 0, second.output
    assert len(handler.envelopes) > delivered

    with Ledger(ws.ledger) as ledger:                       # one ledger for both months
        assert ledger.submissions(2564, 1) and ledger.submissions(2564, 2)
    for k, period in ((1, "2563-10"), (2, "2563-11")):      # both months' letters and masters kept
        folder = workspace / "months" / period
        assert (folder / f"master_2564_{k:02d}.xlsx").is_file()
        assert list((folder / "outbox" / "reminder").glob(f"reminder_{period}_*.eml")) or \
            list((folder / "outbox" / "receipt").glob(f"receipt_{period}_*.eml"))
    assert sorted(p.name for p in (ws.month_dir(2564, 1) / "outbox").rglob("*.eml")) == written
    assert not list(workspace.glob("ledger.sqlite.*.tmp"))
    assert " / ".join(render("W018", path=(ws.month_dir(2564, 2) / "master_2564_02.xlsx").resolve())) in second.stdout


def test_a_month_that_has_not_begun_is_refused(workspace, runner):
    res = month(runner, workspace, "ธ.ค. 2563", "--today", "30/11/2563")
    assert res.exit_code == 1
    th, en = render("W008", month=month_label(2564, 3), today=format_be_long(dt.date(2020, 11, 30)),
                    month_en=month_label_en(2564, 3), today_en="2020-11-30")
    assert res.stderr.strip() == f"MONTH: [W008] {th} / {en}"
    assert not (workspace / "months" / "2563-12").exists()
    # the month that has begun (today's own) is allowed, and without MONTH it is the month just ended
    assert month(runner, workspace, "พ.ย. 2563", "--today", "30/11/2563", "--no-fetch").exit_code == 0
    res = month(runner, workspace, "--today", "30/11/2563")
    assert res.exit_code == 0 and (workspace / "months" / "2563-10" / "master_2564_01.xlsx").is_file()


def test_month_and_report_together_is_a_usage_error(workspace, runner):
    res = month(runner, workspace, "03/2564", "--report", "6")
    assert res.exit_code == 2
    assert " / ".join(render("W023")) in res.stderr


def test_report_number_with_the_settings_fiscal_year(workspace, runner):
    res = month(runner, workspace, "--report", "2", "--today", "01/12/2563")
    assert res.exit_code == 0, res.output
    assert (workspace / "months" / "2563-11" / "master_2564_02.xlsx").is_file()


def test_send_from_a_placeholder_is_refused_before_anything(workspace, projects, spec, runner, smtp):
    controller, handler = smtp
    set_smtp(workspace, controller.port, address="coordinator@progress-xl.invalid")
    ws = load(workspace)
    simulate_month(spec, projects, 1, ws.month_dir(2564, 1) / "inbox", mail=ws.month_dir(2564, 1) / "mail")
    res = month(runner, workspace, "ต.ค. 2563", "--today", "02/11/2563", "--send")
    assert res.exit_code == 1
    th, en = render("W013", address="coordinator@progress-xl.invalid")
    assert res.stderr.strip() == f"{ws.settings}: [W013] {th} / {en}"
    assert not handler.envelopes and not (ws.month_dir(2564, 1) / "inbox").exists()
    res = month(runner, workspace, "ต.ค. 2563", "--today", "02/11/2563")       # a dry run warns
    assert res.exit_code == 0 and "[W014]" in res.stderr


def test_reply_by_is_never_before_the_day_of_writing(workspace, runner, projects):
    ws = load(workspace)                       # nobody has reported: a reminder to every agency
    late = dt.date(2021, 1, 10)                 # October's letters written in January: day 25 of November has gone
    res = month(runner, workspace, "ต.ค. 2563", "--today", late.isoformat())
    assert res.exit_code == 0, res.output
    reminders = list((ws.month_dir(2564, 1) / "outbox" / "reminder").glob("*.eml"))
    assert len(reminders) == len({p.agency_code for p in projects})
    for path in reminders:
        body = email.message_from_bytes(path.read_bytes(), policy=email.policy.default).get_body().get_content()
        assert format_be_long(late + dt.timedelta(days=7)) in body
        assert format_be_long(dt.date(2020, 11, 25)) not in body


def test_a_later_months_workbook_waits_for_its_month(workspace, projects, spec, runner):
    """An agency answers November before October is closed: the file waits in October's inbox and is
    November's submission when November runs; October's files, collected again for November from the
    shared mail/ folder, are set aside there rather than counted again."""
    ws = load(workspace)
    simulate_month(spec, projects, 1, ws.month_dir(2564, 1) / "inbox", mail=ws.mail)     # shared by every month
    project = projects[1]
    buf = io.BytesIO()
    generate_workbook(spec, project, buf, reports=fill(project, spec, 2))
    (ws.mail / f"early_{workbook_filename(project)}").write_bytes(buf.getvalue())
    early = hashlib.sha256(buf.getvalue()).hexdigest()
    res = month(runner, workspace, "ต.ค. 2563", "--today", "05/11/2563")
    assert res.exit_code == 0, res.output
    later = ws.month_dir(2564, 1) / "inbox" / ".later"
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in later.iterdir()] == [early]
    th, en = render("W016", later=month_label(2564, 2), later_en=month_label_en(2564, 2))
    assert f"[W016] {th} / {en}" in res.stdout
    res = month(runner, workspace, "ต.ค. 2563", "--today", "05/11/2563")        # again: it stays waiting
    assert res.exit_code == 0 and len(list(later.iterdir())) == 1
    res = month(runner, workspace, "พ.ย. 2563", "--today", "01/12/2563")
    assert res.exit_code == 0, res.output
    with Ledger(ws.ledger) as ledger:
        stored = ledger.by_sha(early)
        october = {s.sha256 for s in ledger.submissions(2564, 1)}
        november = {s.sha256 for s in ledger.submissions(2564, 2)}
    assert (stored.fiscal_year, stored.month, stored.state) == (2564, 2, "accepted")
    other = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (ws.month_dir(2564, 2) / "inbox" / ".other").iterdir()]
    assert other and set(other) <= october and not set(other) & november


# -- failures of the servers: one line each, through the one boundary --------------------------------
def test_smtp_failure_is_one_line(workspace, projects, spec, runner):
    set_smtp(workspace, free_port())                       # nobody listens there
    ws = load(workspace)
    simulate_month(spec, projects, 1, ws.month_dir(2564, 1) / "inbox", mail=ws.month_dir(2564, 1) / "mail")
    res = month(runner, workspace, "ต.ค. 2563", "--today", "02/11/2563", "--send")
    assert res.exit_code == 1
    problems = [line for line in res.stderr.splitlines() if "[S0" in line]
    assert len(problems) == 1 and "[S006]" in problems[0], res.stderr
    assert not EXCEPTION_NAME.search(res.output)


def test_imap_failure_is_one_line(workspace, runner, monkeypatch):
    path = workspace / SETTINGS_NAME
    port = free_port()
    text = path.read_text(encoding="utf-8").replace('[imap]\n', '[imap]\n', 1)
    text = text.replace('host = ""\nuser = ""\n', 'host = "127.0.0.1"\nuser = "coord"\n', 1)
    text = text.replace("port = 0\n", f"port = {port}\n", 1).replace('security = "ssl"', 'security = "plain"', 1)
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PROGRESS_XL_IMAP_PASSWORD", "secret")
    for args in (["fetch"], ["month", "ต.ค. 2563", "--today", "02/11/2563"]):
        res = runner.invoke(main, ["--workspace", str(workspace), *args])
        assert res.exit_code == 1
        [line] = res.stderr.splitlines()
        assert "[C009]" in line and f"127.0.0.1:{port}" in line and not EXCEPTION_NAME.search(res.output), line
    res = runner.invoke(main, ["--workspace", str(workspace), "month", "ต.ค. 2563", "--today", "02/11/2563",
                               "--no-fetch"])
    assert res.exit_code == 0, res.output


def test_fetch_without_a_mailbox_is_one_line(workspace, runner):
    res = runner.invoke(main, ["--workspace", str(workspace), "fetch"])
    assert res.exit_code == 1
    th, en = render("W011")
    assert res.stderr.strip() == f"{load(workspace).settings}: [W011] {th} / {en}"


# -- what the month says: W017 W021 W019 W020 S018, W012 before anything, W022 at the turn of the year --
def mail_with(path, sender: str, subject: str, attachments: list[tuple[str, bytes]], day: int) -> None:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "coordinator@bangkok.go.th", subject
    msg["Date"], msg["Message-ID"] = f"{day} Nov 2020 09:15:00 +0700", f"<{path.stem}@bangkok.go.th>"
    msg.set_content("ส่งรายงานความก้าวหน้า")
    for name, data in attachments:
        maintype, subtype = ("image", "png") if name.endswith(".png") else ("application", "octet-stream")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(msg.as_bytes())


def workbook_bytes(spec, project, reports) -> bytes:
    buf = io.BytesIO()
    generate_workbook(spec, project, buf, reports=reports)
    return buf.getvalue()


def test_the_months_status_lines_count_what_came_and_what_waits(workspace, projects, spec, runner):
    """One month of mail with a known count of everything: two workbooks (one with an error), the
    first sent twice, a signature image, an empty file, November's workbook sent early."""
    ws = load(workspace)
    good = workbook_bytes(spec, projects[0], fill(projects[0], spec, 1))
    wrong = fill(projects[1], spec, 1)
    wrong[1]["progress"] = 150
    mail = ws.month_dir(2564, 1) / "mail"
    mail.mkdir(parents=True)
    mail_with(mail / "a.eml", projects[0]["agency_email"], "รายงาน ต.ค.", [("รายงาน.xlsx", good), ("logo.png", PNG),
                                                                          ("ว่าง.xlsx", b"")], 20)
    mail_with(mail / "b.eml", projects[1]["agency_email"], "รายงาน", [("b.xlsx", workbook_bytes(spec, projects[1], wrong))],
              21)
    mail_with(mail / "c.eml", projects[0]["agency_email"], "ส่งซ้ำ", [("รายงาน.xlsx", good)], 22)
    mail_with(mail / "d.eml", projects[2]["agency_email"], "รายงาน พ.ย.",
              [("early.xlsx", workbook_bytes(spec, projects[2], fill(projects[2], spec, 2)))], 23)
    res = month(runner, workspace, "ต.ค. 2563", "--today", "05/11/2563")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    folder = ws.month_dir(2564, 1)
    assert lines[0] == " / ".join(render("W017", month=month_label(2564, 1), month_en=month_label_en(2564, 1), k=1,
                                         fy=2564, path=ws.root))
    assert lines[0].endswith(f"Oct 2020 (report 1 of FY 2564), workspace {ws.root}")
    assert " / ".join(render("W021", new=4, duplicates=1, skipped=1, held=1, inbox=folder / "inbox")) in lines
    written = {kind: len(list((folder / "outbox" / kind).glob("*.eml"))) for kind in ("returned", "reminder", "receipt")}
    assert all(written.values())                            # each kind happens: the counts are not all alike
    count = sum(written.values())
    assert " / ".join(render("W019", count=count, **written, out=folder / "outbox")) in lines
    assert " / ".join(render("S018", count=count, out=folder / "outbox")) in lines
    expected = len(projects)                                # every project of the small register runs in FY 2564
    assert " / ".join(render("W020", issues=1, missing=expected - 2, rejected=1)) == lines[-1]
    assert lines[-1].endswith(f"1 projects to be fixed by their agency, {expected - 2} not reported, 1 files refused")
    assert not any("{" in line for line in lines)
    # the master's headline: two projects reported (one with an error), three files read (the empty one refused)
    reported = told("W030", received=2, expected=expected, rate=round(200 / expected), accepted=1, has_issues=1,
                    missing=expected - 2)
    assert sum(1 for line in lines if reported.fullmatch(line.strip())) == 1
    assert "   " + " / ".join(render("W031", inputs=3, accepted=1, has_issues=1, superseded=0, rejected=1,
                                     duplicates=0)) in lines
    assert sum(1 for line in lines if told("W033").fullmatch(line.strip())) == 1


@pytest.mark.parametrize("address", ["coordinator@bangkok.go.th", "coordinator@progress-xl.invalid"],
                         ids=["real sender", "placeholder sender"])
def test_send_without_a_mail_server_is_refused_before_anything(workspace, projects, spec, runner, address):
    """W012: no [smtp] host: nothing is fetched, collected, consolidated or written; the server is
    checked before the sender."""
    path = workspace / SETTINGS_NAME
    path.write_text(re.sub(r'(?m)^address = ".*"$', f'address = "{address}"', path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    ws = load(workspace)
    assert ws.smtp.host == ""
    simulate_month(spec, projects, 1, ws.month_dir(2564, 1) / "inbox", mail=ws.month_dir(2564, 1) / "mail")
    res = month(runner, workspace, "ต.ค. 2563", "--today", "02/11/2563", "--send")
    assert res.exit_code == 1
    th, en = render("W012")
    assert res.stderr.strip() == f"{ws.settings}: [W012] {th} / {en}"
    assert not (ws.month_dir(2564, 1) / "inbox").exists() and not ws.ledger.exists()


def test_the_first_month_of_a_new_fiscal_year_moves_the_settings_on(tmp_path, small_register, runner):
    """W022: October 2564 is report 1 of FY 2565; the settings said 2564: they say 2565 afterwards,
    comments kept, said once; a later run of last year's September leaves them at 2565."""
    with small_register.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    drop, end = head.index("ปีงบประมาณ"), head.index("สิ้นสุดโครงการ")
    for row in rows[1:]:
        row[end] = "30/09/2565"                             # two-year projects, in both fiscal years
    register = tmp_path / "ทะเบียนสองปี.csv"
    with register.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([r[:drop] + r[drop + 1:] for r in rows])
    folder = tmp_path / "ws"
    init(folder, register=register, fy=2564, sender="coordinator@bangkok.go.th")
    before = (folder / SETTINGS_NAME).read_text(encoding="utf-8")
    res = month(runner, folder, "ต.ค. 2564", "--today", "02/11/2564")
    assert res.exit_code == 0, res.output
    th, en = render("W022", old=2564, fy=2565)
    assert res.stdout.splitlines()[-1] == f"{th} / {en}" == (
        "ปีงบประมาณในไฟล์ตั้งค่าเปลี่ยนจาก 2564 เป็น 2565 / the settings' fiscal year moved from 2564 to 2565")
    after = (folder / SETTINGS_NAME).read_text(encoding="utf-8")
    assert load(folder).fiscal_year == 2565
    assert [a for a, b in zip(after.splitlines(), before.splitlines()) if a != b] == ["fiscal_year = 2565"]
    for again in (["ต.ค. 2564", "--today", "02/11/2564"], ["ก.ย. 2564", "--today", "02/11/2564"]):
        res = month(runner, folder, *again)
        assert res.exit_code == 0, res.output
        assert "2564 to 2565" not in res.stdout and load(folder).fiscal_year == 2565


# -- the workspace's own mail folders, empty, are not inputs refused ---------------------------------
def test_the_workspaces_own_empty_mail_folders_are_not_listed_as_refused(workspace, projects, spec, runner, tmp_path):
    """mail/ as init made it and an empty mail/imap/ (a fetch that brought nothing) are the usual state:
    not counted as skipped, not in the master's Rejected sheet; an empty folder the settings name still is (C023)."""
    from progress_xl.master import SHEETS
    ws = load(workspace)
    (ws.mail / "imap").mkdir()
    (ws.mail / ".imap.json").write_text("{}", encoding="utf-8")
    named = tmp_path / "ที่บันทึกอีเมล"
    named.mkdir()
    path = workspace / SETTINGS_NAME
    path.write_text(path.read_text(encoding="utf-8").replace("folders = []", f'folders = ["{named}"]', 1),
                    encoding="utf-8")
    simulate_month(spec, projects, 1, ws.month_dir(2564, 1) / "inbox", mail=ws.month_dir(2564, 1) / "mail")
    res = month(runner, workspace, "ต.ค. 2563", "--today", "02/11/2563")
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(ws.month_dir(2564, 1) / "master_2564_01.xlsx", read_only=True)
    refused = {r[0]: r[3] for r in wb[SHEETS["rejected"]].iter_rows(min_row=3, values_only=True)}
    wb.close()
    assert str(ws.mail) not in refused and str(ws.mail / "imap") not in refused
    assert refused[str(named)] == render("C023")[1]
    assert not any(name.startswith(str(ws.mail)) for name in refused)


def test_an_empty_imap_folder_beside_saved_mail_is_no_input(workspace, projects, spec, runner):
    """mail/ holding what the coordinator saved, and mail/imap/ still empty (its state file only): the
    saved files are read, the empty folder is neither counted nor listed."""
    from progress_xl.master import SHEETS
    ws = load(workspace)
    (ws.mail / "imap").mkdir()
    (ws.mail / "imap" / ".imap.json").write_text("{}", encoding="utf-8")
    simulate_month(spec, projects, 1, ws.month_dir(2564, 1) / "inbox", mail=ws.mail)
    res = month(runner, workspace, "ต.ค. 2563", "--today", "02/11/2563")
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(ws.month_dir(2564, 1) / "master_2564_01.xlsx", read_only=True)
    refused = {r[0] for r in wb[SHEETS["rejected"]].iter_rows(min_row=3, values_only=True)}
    inputs = list(wb[SHEETS["inputs"]].iter_rows(min_row=3, values_only=True))
    wb.close()
    assert inputs and str(ws.mail / "imap") not in refused
