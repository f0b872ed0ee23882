"""outbox: the coordinator's messages, written as .eml and delivered to a real SMTP server (issue 7)."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from progress_xl.consolidate import consolidate
from progress_xl.generate import generate_all
from progress_xl.ledger import Ledger
from progress_xl.outbox import (KICKOFF, PASSWORD_ENV, REMINDER, RETURNED, kickoff_letters, month_letters, send,
                                sender_address, write_outbox)
from progress_xl.simulate import simulate_month

SENDER = sender_address("ผู้ประสานงาน สยป.", "coordinator@bangkok.go.th")
DATE = dt.datetime(2020, 10, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory, spec, projects):
    out = tmp_path_factory.mktemp("workbooks")
    paths = generate_all(spec, projects, out)
    return {p.code: path for p, path in zip(projects, paths)}


@pytest.fixture(scope="module")
def kickoff(tmp_path_factory, projects, workbooks):
    out = tmp_path_factory.mktemp("outbox")
    written, problems = write_outbox(kickoff_letters(projects, workbooks, 2564), out, sender=SENDER, date=DATE)
    assert problems == []
    return written


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_kickoff_one_message_per_agency_with_its_workbooks(kickoff, projects, workbooks):
    agencies = {p.agency_code for p in projects}
    assert sorted(w.letter.agency for w in kickoff) == sorted(agencies)
    for w in kickoff:
        msg = parse(w.path.read_bytes())
        group = [p for p in projects if p.agency_code == w.letter.agency]
        assert {a.addr_spec for a in msg["To"].addresses} == {p["agency_email"] for p in group}
        assert {a.addr_spec for a in msg["Cc"].addresses} == {p["responsible_email"] for p in group}
        files = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
        assert files == {workbooks[p.code].name: workbooks[p.code].read_bytes() for p in group}
        body = msg.get_body(("plain",)).get_content()
        assert f"ปีงบประมาณ พ.ศ. 2564 จำนวน {len(group)} โครงการ" in body and "Dear" in body
        assert all(p.code in body for p in group)
        assert "2564" in msg["Subject"] and "progress report" in msg["Subject"]
        assert str(msg["From"]) == '"ผู้ประสานงาน สยป." <coordinator@bangkok.go.th>'


def test_attachment_names_both_ways_for_outlook(kickoff):
    """RFC 2231 `filename*=` and an RFC 2047 `name=`: a client that only reads `name=` gets Thai too."""
    raw = kickoff[0].path.read_bytes()
    old = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = [p for p in old.walk() if p.get_content_maintype() == "application"]
    assert parts
    for part in parts:
        header = str(part["Content-Disposition"])
        assert "filename*=utf-8''" in header.replace("\r\n", "").replace("\n", "")
        name = str(make_header(decode_header(part.get_param("name"))))      # what Outlook reads
        assert name == email.utils.collapse_rfc2231_value(part.get_param("filename", header="content-disposition"))
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in name)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_written_twice_byte_identical(tmp_path, projects, workbooks, kickoff):
    again, _ = write_outbox(kickoff_letters(projects, workbooks, 2564), tmp_path, sender=SENDER, date=DATE)
    assert [w.path.read_bytes() for w in again] == [w.path.read_bytes() for w in kickoff]


@pytest.fixture(scope="module")
def month_run(tmp_path_factory, spec, projects):
    root = tmp_path_factory.mktemp("month")
    facts = simulate_month(spec, projects, 1, root / "inbox")
    run = consolidate(root / "inbox", projects=projects, fy=2564, month=1, out_dir=root / "out")
    with Ledger(run.ledger) as ledger:
        letters = month_letters(projects, ledger=ledger, fy=2564, month=1, returned_dir=root / "out" / "returned")
    written, problems = write_outbox(letters, root / "outbox", sender=SENDER, date=DATE)
    assert problems == []
    return facts, run, written


def test_reminders_name_exactly_the_missing_projects(month_run, projects):
    facts, run, written = month_run
    reminded = set()
    for w in written:
        if w.letter.kind == REMINDER:
            body = parse(w.path.read_bytes()).get_body(("plain",)).get_content()
            reminded |= {p.code for p in projects if p.code in body}
            assert "ต.ค. 2563" in body and "Oct 2020" in body
    assert reminded == set(facts["missing"]) and reminded


def test_returned_workbooks_and_refusals(month_run, projects):
    facts, run, written = month_run
    returned = [w for w in written if w.letter.kind == RETURNED]
    with_issues = [o for o in run.outcomes if o.place == "has_issues"]
    attached = {}
    for w in returned:
        msg = parse(w.path.read_bytes())
        for part in msg.iter_attachments():
            attached[part.get_filename()] = part.get_content()
    assert len(attached) == len(with_issues) > 0
    for o in with_issues:
        name = o.name.rsplit(".", 1)[0] + "_ตรวจแล้ว.xlsx"
        assert attached[name] == (run.master.parent / "returned" / name).read_bytes()
    bodies = "\n".join(parse(w.path.read_bytes()).get_body(("plain",)).get_content() for w in returned)
    for o in run.outcomes:
        if o.place == "rejected":
            assert o.name in bodies and o.detail_en in bodies


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def smtp_with_auth():
    handler = Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"coord", b"s3cret")
        return AuthResult(success=ok, handled=False)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    yield controller, handler
    controller.stop()


def test_smtp_delivers_byte_identical_attachments_with_thai_names(tmp_path, kickoff, smtp_server, workbooks):
    controller, handler = smtp_server
    paths = [w.path for w in kickoff]
    delivered, problems = send(paths, host="127.0.0.1", port=controller.port, starttls=False, user=None,
                               log=tmp_path / "sent.json")
    assert problems == [] and delivered == paths
    assert len(handler.envelopes) == len(paths)
    by_name = {p.name: p.read_bytes() for p in workbooks.values()}
    for envelope, w in zip(handler.envelopes, kickoff):
        assert envelope.mail_from == "coordinator@bangkok.go.th"
        assert sorted(envelope.rcpt_tos) == sorted(w.letter.to + w.letter.cc)
        msg = parse(envelope.original_content)
        got = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
        assert got and all(by_name[name] == data for name, data in got.items())
    # a second --send sends nothing: every Message-ID is in sent.json
    delivered, problems = send(paths, host="127.0.0.1", port=controller.port, starttls=False, user=None,
                               log=tmp_path / "sent.json")
    assert delivered == [] and problems == [] and len(handler.envelopes) == len(paths)


def test_smtp_login_password_only_from_environment(tmp_path, kickoff, smtp_with_auth, monkeypatch):
    controller, handler = smtp_with_auth
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    delivered, problems = send([kickoff[0].path], host="127.0.0.1", port=controller.port, starttls=False, user="coord")
    assert delivered == [] and [p.code for p in problems] == ["S003"] and PASSWORD_ENV in problems[0].en
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    delivered, problems = send([kickoff[0].path], host="127.0.0.1", port=controller.port, starttls=False, user="coord")
    assert delivered == [] and [p.code for p in problems] == ["S001"]
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    delivered, problems = send([kickoff[0].path], host="127.0.0.1", port=controller.port, starttls=False, user="coord")
    assert problems == [] and len(delivered) == 1 and len(handler.envelopes) == 1


def test_smtp_unreachable_is_one_line(kickoff):
    delivered, problems = send([kickoff[0].path], host="127.0.0.1", port=free_port(), starttls=False, user=None,
                               timeout=5)
    assert delivered == [] and [p.code for p in problems] == ["S001"]
    assert "\n" not in str(problems[0])


def test_cli_outbox_dry_run_then_send(tmp_path, runner, workbooks, smtp_server, monkeypatch):
    from progress_xl.cli import main
    controller, handler = smtp_server
    root = next(iter(workbooks.values())).parent.parent
    args = ["outbox", "--register", "samples/register.csv", "--fy", "2564", "--workbooks", str(root),
            "--out", str(tmp_path / "ob"), "--date", "2020-10-01", "--from", "coordinator@bangkok.go.th"]
    monkeypatch.chdir(__import__("pathlib").Path(__file__).resolve().parent.parent)
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "nothing sent" in res.output and handler.envelopes == []
    written = sorted((tmp_path / "ob" / KICKOFF).glob("*.eml"))
    assert len(written) == 10
    res = runner.invoke(main, args + ["--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
                                      "--no-starttls"])
    assert res.exit_code == 0, res.output
    assert "sent 10 of 10" in res.output and len(handler.envelopes) == 10
