"""outbox: the coordinator's messages, written as .eml and delivered to a real SMTP server (issue 7);
every recipient counts: a refused address is reported and retried alone (the faults issue)."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import shutil
import socket
import threading
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from helpers import free_port
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from progress_xl.consolidate import consolidate
from progress_xl.generate import generate_all
from progress_xl.issues import issue, render
from progress_xl.ledger import Ledger
from progress_xl.outbox import (KICKOFF, PASSWORD_ENV, RECEIPT, REMINDER, RETURNED, SENT, Sender, calendar_period,
                                is_placeholder, kickoff_letters, month_letters, send, sender_address, smtp_issue,
                                write_outbox)
from progress_xl.simulate import simulate_month

ROOT = Path(__file__).resolve().parent.parent
SENDER = sender_address("ผู้ประสานงาน สยป.", "coordinator@bangkok.go.th")
DATE = dt.datetime(2020, 10, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
EXCEPTION_NAME = re.compile(r"[A-Za-z]+(Error|Exception|Refused|Disconnected)\b|Errno|Traceback")


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


def body_of(path: Path) -> str:
    return parse(path.read_bytes()).get_body(("plain",)).get_content()


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
        assert f"จำนวน {len(group)} โครงการ" in body and "ปีงบประมาณ พ.ศ. 2564" in body and "\nDear " in body
        assert all(p.code in body for p in group)
        assert "2564" in msg["Subject"] and "progress report" in msg["Subject"]
        assert str(msg["From"]) == '"ผู้ประสานงาน สยป." <coordinator@bangkok.go.th>'
        assert w.path.name == f"kickoff_2564_{w.letter.agency}.eml"


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


@pytest.mark.parametrize("date", [dt.datetime(2020, 10, 1, 2, 0, tzinfo=dt.timezone.utc),
                                  dt.datetime(2020, 10, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
                                  dt.datetime(2020, 9, 30, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
                                  dt.datetime(2020, 10, 1, 9, 0)], ids=["utc", "bangkok", "new york", "naive"])
def test_date_header_is_bangkok_time(tmp_path, projects, date):
    written, _ = write_outbox(kickoff_letters(projects[:1], {}, 2564), tmp_path, sender=SENDER, date=date)
    header = parse(written[0].path.read_bytes())["Date"]
    assert header.endswith("+0700") and header.datetime == dt.datetime(2020, 10, 1, 9, 0,
                                                                       tzinfo=dt.timezone(dt.timedelta(hours=7)))


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
            body = body_of(w.path)
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
    bodies = "\n".join(body_of(w.path) for w in returned)
    for o in run.outcomes:
        if o.place == "rejected":
            assert o.name in bodies and o.detail_en in bodies


def test_file_names_carry_the_month_so_the_next_month_does_not_overwrite(tmp_path, month_run, projects):
    facts, run, written = month_run
    assert written and all(w.path.name.startswith(f"{w.letter.kind}_2563-10_") for w in written)
    shutil.copytree(written[0].path.parent.parent, tmp_path / "outbox")
    with Ledger(run.ledger) as ledger:
        november = month_letters(projects, ledger=ledger, fy=2564, month=2, returned_dir=tmp_path)
    again, _ = write_outbox(november, tmp_path / "outbox", sender=SENDER, date=DATE)
    assert calendar_period(2564, 2) == "2563-11" and all("_2563-11_" in w.path.name for w in again)
    assert all(w.path.read_bytes() == (tmp_path / "outbox" / w.path.relative_to(w.path.parent.parent)).read_bytes()
               for w in written)


# -- SMTP ------------------------------------------------------------------------------------------
class Inbox:
    """An SMTP handler that accepts every recipient, except those given a list of replies: each RCPT of
    such an address takes the next reply ("450 ..." or "550 ..."); when the list is empty, 250."""

    def __init__(self, replies: dict[str, list[str]] | None = None):
        self.envelopes = []
        self.replies = {k.lower(): list(v) for k, v in (replies or {}).items()}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        queue = self.replies.get(address.lower())
        if queue:
            return queue[0] if queue[0].startswith("550") else queue.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def serve():
    controllers = []

    def start(handler=None, **options):
        handler = handler or Inbox()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        controllers.append(controller)
        return controller, handler
    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(serve):
    return serve()


@pytest.fixture
def smtp_with_auth(serve):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"coord", b"s3cret")
        return AuthResult(success=ok, handled=False)
    return serve(authenticator=authenticator, auth_require_tls=False)


def deliver(paths, controller, log, **options):
    return send(paths, host="127.0.0.1", port=controller.port, starttls=False, user=None, log=log, **options)


def test_smtp_delivers_byte_identical_attachments_with_thai_names(tmp_path, kickoff, smtp_server, workbooks):
    controller, handler = smtp_server
    paths = [w.path for w in kickoff]
    result = deliver(paths, controller, tmp_path / SENT)
    assert result.problems == [] and result.sent == paths and result.complete
    assert len(handler.envelopes) == len(paths)
    by_name = {p.name: p.read_bytes() for p in workbooks.values()}
    for envelope, w in zip(handler.envelopes, kickoff):
        assert envelope.mail_from == "coordinator@bangkok.go.th"
        assert sorted(envelope.rcpt_tos) == sorted(w.letter.to + w.letter.cc)
        msg = parse(envelope.original_content)
        got = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
        assert got and all(by_name[name] == data for name, data in got.items())
    # a second --send sends nothing: every address of every Message-ID is in sent.json
    result = deliver(paths, controller, tmp_path / SENT)
    assert result.sent == [] and result.earlier == paths and result.problems == [] and len(handler.envelopes) == len(paths)


def refused_line(path: Path, address: str, reply: str, code: str = "S004") -> str:
    return str(issue(code, file=path.name, address=address, reply=reply))


def test_a_temporarily_refused_cc_is_reported_and_retried_alone(tmp_path, kickoff, serve):
    target = kickoff[1]
    refused = target.letter.cc[0]
    controller, handler = serve(Inbox({refused: ["450 4.2.1 Mailbox busy, try again later"]}))
    paths = [w.path for w in kickoff]
    first = deliver(paths, controller, tmp_path / SENT)
    assert first.partly == [target.path] and len(first.sent) == len(paths) - 1 and not first.complete
    assert [str(p) for p in first.problems] == [refused_line(target.path, refused,
                                                             "450 4.2.1 Mailbox busy, try again later")]
    assert "\n" not in str(first.problems[0]) and "ชั่วคราว" in first.problems[0].th
    got = next(e for e in handler.envelopes if target.letter.to[0] in e.rcpt_tos)
    assert refused not in got.rcpt_tos and len(got.rcpt_tos) == len(target.letter.to + target.letter.cc) - 1
    log = json.loads((tmp_path / SENT).read_text(encoding="utf-8"))
    assert refused not in log["messages"][target.message_id]["delivered"]

    second = deliver(paths, controller, tmp_path / SENT)
    assert second.sent == [target.path] and second.problems == [] and second.complete
    assert len(handler.envelopes) == len(paths) + 1 and handler.envelopes[-1].rcpt_tos == [refused]
    assert handler.envelopes[-1].original_content == got.original_content       # the same message, to one more

    third = deliver(paths, controller, tmp_path / SENT)
    assert third.sent == [] and third.earlier == paths and len(handler.envelopes) == len(paths) + 1


def test_a_permanently_refused_address_is_reported_each_time_and_nobody_else_gets_it_twice(tmp_path, kickoff, serve):
    target = kickoff[2]
    refused = target.letter.to[0]
    controller, handler = serve(Inbox({refused: ["550 5.1.1 No such user"]}))
    paths = [target.path, kickoff[3].path]
    for attempt in range(2):
        result = deliver(paths, controller, tmp_path / SENT)
        assert [str(p) for p in result.problems] == [refused_line(target.path, refused, "550 5.1.1 No such user",
                                                                  "S005")]
        assert result.partly == [target.path] and "ถาวร" in result.problems[0].th and "permanently" in result.problems[0].en
    to_target = [e for e in handler.envelopes if set(e.rcpt_tos) & set(target.letter.cc)]
    assert len(to_target) == 1 and len(handler.envelopes) == 2      # the first send only; the retry had no one


def test_a_message_every_recipient_refused_is_not_sent(tmp_path, kickoff, serve):
    target = kickoff[0]
    everyone = target.letter.to + target.letter.cc
    controller, handler = serve(Inbox({a: ["550 5.1.1 No such user"] for a in everyone}))
    result = deliver([target.path], controller, tmp_path / SENT)
    assert result.unsent == [target.path] and result.sent == result.partly == [] and handler.envelopes == []
    assert sorted(p.context["address"] for p in result.problems) == sorted(everyone)
    assert {p.code for p in result.problems} == {"S005"}


def test_a_folded_message_id_is_the_same_key_on_a_rerun(tmp_path, projects, smtp_server):
    """compat32 folds a long Message-ID onto a second line; the key must survive it, and a rerun on
    another day (another Date, other bytes) must not send the message again."""
    controller, handler = smtp_server
    sender = Sender("coordinator@" + "planning-and-evaluation." * 3 + "bangkok.go.th", "ผู้ประสานงาน สยป.")
    letters = kickoff_letters(projects[:1], {}, 2564)
    first, _ = write_outbox(letters, tmp_path / "out", sender=sender, date=DATE)
    raw = first[0].path.read_bytes()
    assert re.search(rb"^Message-ID: ?\r\n\s+<", raw, re.M), raw[:600]
    assert deliver([first[0].path], controller, tmp_path / SENT).sent == [first[0].path]
    again, _ = write_outbox(letters, tmp_path / "out", sender=sender, date=DATE + dt.timedelta(days=3))
    assert again[0].path.read_bytes() != raw and again[0].message_id == first[0].message_id
    result = deliver([again[0].path], controller, tmp_path / SENT)
    assert result.earlier == [again[0].path] and result.sent == [] and len(handler.envelopes) == 1


def test_the_first_format_of_sent_json_is_still_read(tmp_path, kickoff, smtp_server):
    controller, handler = smtp_server
    old = {w.message_id: {"file": w.path.name, "to": w.letter.to + w.letter.cc, "at": "2020-10-01T09:00:00"}
           for w in kickoff[:3]}
    (tmp_path / SENT).write_text(json.dumps(old), encoding="utf-8")
    result = deliver([w.path for w in kickoff[:4]], controller, tmp_path / SENT)
    assert result.earlier == [w.path for w in kickoff[:3]] and result.sent == [kickoff[3].path]
    assert len(handler.envelopes) == 1
    log = json.loads((tmp_path / SENT).read_text(encoding="utf-8"))
    assert set(log["messages"]) == {w.message_id for w in kickoff[:4]}


def test_smtp_login_password_only_from_environment(tmp_path, kickoff, smtp_with_auth, monkeypatch):
    controller, handler = smtp_with_auth
    login = dict(host="127.0.0.1", port=controller.port, starttls=False, user="coord")
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    result = send([kickoff[0].path], **login)
    assert result.unsent == [kickoff[0].path] and [p.code for p in result.problems] == ["S003"]
    assert PASSWORD_ENV in result.problems[0].en
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = send([kickoff[0].path], **login)
    assert result.unsent == [kickoff[0].path] and [p.code for p in result.problems] == ["S010"]
    assert "coord" in result.problems[0].en and "535" in result.problems[0].en
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    result = send([kickoff[0].path], **login)
    assert result.problems == [] and len(result.sent) == 1 and len(handler.envelopes) == 1


@pytest.fixture
def silent_server():
    """Accepts the connection (the kernel's backlog) and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield s.getsockname()[1]


@pytest.fixture
def hangs_up():
    """Greets, then closes the connection."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)

    def serve():
        conn, _ = s.accept()
        conn.sendall(b"220 hello\r\n")
        conn.close()
    threading.Thread(target=serve, daemon=True).start()
    yield s.getsockname()[1]
    s.close()


def one_line(problem) -> str:
    line = str(problem)
    assert "\n" not in line and not EXCEPTION_NAME.search(line), line
    return line


def test_smtp_failures_are_one_line_without_exception_names(kickoff, smtp_server, silent_server, hangs_up):
    controller, _ = smtp_server
    path = [kickoff[0].path]
    cases = [("S006", dict(port=free_port())),                                    # connection refused
             ("S007", dict(port=silent_server, timeout=0.5)),                       # no answer
             ("S008", dict(port=controller.port, starttls=True)),                   # no STARTTLS offered
             ("S009", dict(port=controller.port, use_ssl=True, timeout=5)),         # TLS to a plain server
             ("S012", dict(port=hangs_up))]                                         # hangs up
    for code, options in cases:
        result = send(path, **{"host": "127.0.0.1", "starttls": False, "user": None, "timeout": 5, **options})
        assert [p.code for p in result.problems] == [code] and result.unsent == path, (code, result.problems)
        assert one_line(result.problems[0]).startswith(f"smtp://127.0.0.1:{options['port']}: [{code}]")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key, as an internal mail server may have
    (cryptography comes with msoffcrypto-tool, a test dependency)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def test_an_untrusted_certificate_is_one_line(tmp_path, kickoff, serve):
    """STARTTLS to a server whose certificate no CA vouches for."""
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed(tmp_path))
    controller, handler = serve(tls_context=context)
    result = send([kickoff[0].path], host="127.0.0.1", port=controller.port, starttls=True, user=None, timeout=5)
    assert [p.code for p in result.problems] == ["S009"] and handler.envelopes == []
    assert "certificate" in one_line(result.problems[0])


@pytest.mark.parametrize("exc, code", [
    (socket.gaierror(-2, "Name or service not known"), "S011"),
    (ConnectionRefusedError(111, "Connection refused"), "S006"),
    (TimeoutError("timed out"), "S007"),
    (OSError(101, "Network is unreachable"), "S015"),
    (__import__("smtplib").SMTPConnectError(554, b"5.7.1 Go away"), "S013"),
], ids=["host unknown", "refused", "timeout", "unreachable", "greeting refused"])
def test_smtp_issue_names_the_failure_in_words(exc, code):
    found = smtp_issue(exc, host="mail.bangkok.go.th", port=587, timeout=30)
    assert found.code == code and one_line(found).startswith("smtp://mail.bangkok.go.th:587: ")


@pytest.mark.parametrize("address, placeholder", [
    ("", True), ("coordinator@progress-xl.invalid", True), ("me@example.com", True), ("me@mail.example.org", True),
    ("me@example.co.th", True), ("me@localhost", True), ("no-at-sign", True), ('"ผู้ประสานงาน" <x@test>', True),
    ("coordinator@bangkok.go.th", False), ("someone@gmail.com", False), ("me@myexample.com", False),
], ids=lambda v: str(v) or "empty")
def test_placeholder_senders(address, placeholder):
    assert is_placeholder(address) is placeholder


# -- the command -----------------------------------------------------------------------------------
def kickoff_args(tmp_path, workbooks, *more):
    root = next(iter(workbooks.values())).parent.parent
    return ["outbox", "--register", str(ROOT / "samples" / "register.csv"), "--fy", "2564", "--workbooks", str(root),
            "--out", str(tmp_path / "ob"), "--date", "2020-10-01", *more]


def test_cli_outbox_dry_run_then_send(tmp_path, runner, workbooks, smtp_server):
    from progress_xl.cli import main
    controller, handler = smtp_server
    args = kickoff_args(tmp_path, workbooks, "--from", "coordinator@bangkok.go.th", "--from-name", "นางสาวปริญดา ใจดี",
                        "--from-position", "นักวิเคราะห์นโยบายและแผน", "--from-phone", "0 2224 1234")
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "nothing sent" in res.stdout and handler.envelopes == [] and res.stderr == ""
    written = sorted((tmp_path / "ob" / KICKOFF).glob("*.eml"))
    assert len(written) == 10
    msg = parse(written[0].read_bytes())
    sender = msg["From"].addresses[0]
    assert msg["Date"].endswith("+0700")
    assert (sender.display_name, sender.addr_spec) == ("นางสาวปริญดา ใจดี", "coordinator@bangkok.go.th")
    assert "(นางสาวปริญดา ใจดี)\nนักวิเคราะห์นโยบายและแผน" in body_of(written[0]) and "โทร. 0 2224 1234" in body_of(written[0])
    res = runner.invoke(main, args + ["--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
                                      "--no-starttls"])
    assert res.exit_code == 0, res.output
    assert "sent 10 of 10 messages" in res.stdout and len(handler.envelopes) == 10


def test_cli_send_refuses_a_placeholder_sender(tmp_path, runner, workbooks, smtp_server, monkeypatch):
    from progress_xl.cli import main
    controller, handler = smtp_server
    monkeypatch.delenv("PROGRESS_XL_FROM", raising=False)
    send_args = ["--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port), "--no-starttls"]
    res = runner.invoke(main, kickoff_args(tmp_path, workbooks, *send_args))
    assert res.exit_code == 1 and handler.envelopes == [] and not (tmp_path / "ob").exists()
    assert res.stderr.strip() == str(issue("S016", file="--from", address="coordinator@progress-xl.invalid"))
    res = runner.invoke(main, kickoff_args(tmp_path, workbooks, "--from", "me@example.com", *send_args))
    assert res.exit_code == 1 and "[S016]" in res.stderr and handler.envelopes == []
    # the dry run writes, and warns once
    res = runner.invoke(main, kickoff_args(tmp_path, workbooks))
    assert res.exit_code == 0
    assert res.stderr.strip() == str(issue("S017", file="--from", address="coordinator@progress-xl.invalid"))


def test_cli_a_refused_recipient_is_one_line_and_exit_1(tmp_path, runner, workbooks, kickoff, serve):
    from progress_xl.cli import main
    refused = kickoff[0].letter.cc[0]
    controller, handler = serve(Inbox({refused: ["450 4.2.1 Mailbox busy"]}))
    args = kickoff_args(tmp_path, workbooks, "--from", "coordinator@bangkok.go.th", "--send", "--smtp-host",
                        "127.0.0.1", "--smtp-port", str(controller.port), "--no-starttls")
    res = runner.invoke(main, args)
    assert res.exit_code == 1
    name = kickoff[0].path.name
    assert res.stderr.strip() == refused_line(Path(name), refused, "450 4.2.1 Mailbox busy")
    assert "sent 9 of 10 messages to every recipient, 1 partly sent" in res.stdout
    res = runner.invoke(main, args)
    assert res.exit_code == 0 and res.stderr == "" and handler.envelopes[-1].rcpt_tos == [refused]
    assert "sent 1 of 10 messages to every recipient, 0 partly sent, 0 not sent, 9 sent before" in res.stdout


@pytest.fixture(scope="module")
def month_with_mail(tmp_path_factory, spec, projects):
    root = tmp_path_factory.mktemp("month_with_mail")
    simulate_month(spec, projects, 1, root / "inbox")
    consolidate(root / "inbox", projects=projects, fy=2564, month=1, out_dir=root / "run")
    return root / "run"


def test_cli_month_receipts_are_written_and_sent_once(tmp_path, runner, month_with_mail, smtp_server):
    from progress_xl.cli import main
    controller, handler = smtp_server
    args = ["outbox", "--register", str(ROOT / "samples" / "register.csv"), "--fy", "2564", "--month", "1",
            "--run", str(month_with_mail), "--out", str(tmp_path / "ob"), "--date", "2020-11-02",
            "--from", "coordinator@bangkok.go.th", "--send", "--smtp-host", "127.0.0.1", "--smtp-port",
            str(controller.port), "--no-starttls"]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    receipts = sorted((tmp_path / "ob" / RECEIPT).glob("receipt_2563-10_*.eml"))
    with Ledger(month_with_mail / "ledger.sqlite") as ledger:
        senders = {s.sender for s in ledger.submissions(2564, 1) if s.sender}
    assert receipts and {parse(p.read_bytes())["To"].addresses[0].addr_spec for p in receipts} == senders
    for p in receipts:
        body = body_of(p)
        assert body.startswith("เรื่อง  ตอบรับ") and "จึงเรียนมาเพื่อโปรดทราบ" in body and "Oct 2020" in body
    reminder = next((tmp_path / "ob" / REMINDER).glob("*.eml"))
    assert "25 พ.ย. 2563" in body_of(reminder) and "25 Nov 2020" in body_of(reminder)
    first = len(handler.envelopes)
    sent_at = {p: p.stat().st_mtime_ns for p in receipts}
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert not any(f"/{RECEIPT}/" in line for line in res.stdout.splitlines())     # no receipt written again
    assert all(p.stat().st_mtime_ns == sent_at[p] for p in receipts)          # not written again
    assert len(handler.envelopes) == first and "sent 0 of" in res.stdout


# -- what the command says when a letter cannot go, or is not sent: S001 S002 S014 S018 ----------------
def test_cli_a_dry_run_says_how_many_messages_wait_where(tmp_path, runner, workbooks, smtp_server):
    """S018: written, nothing sent, with the count and the folder; a second dry run says the same."""
    from progress_xl.cli import main
    _, handler = smtp_server
    args = kickoff_args(tmp_path, workbooks, "--from", "coordinator@bangkok.go.th")
    for _ in range(2):
        res = runner.invoke(main, args)
        assert res.exit_code == 0 and res.stderr == "", res.output
        count = len(list((tmp_path / "ob" / KICKOFF).glob("*.eml")))
        assert count == len({code.split("-")[0] for code in workbooks}) > 1
        assert res.stdout.splitlines()[-1] == " / ".join(render("S018", count=count, out=tmp_path / "ob"))
        assert f"wrote {count} messages, nothing sent" in res.stdout and "{" not in res.stdout
        # one line per message written: where, to whom, and (W047) its attachments and size as the file has them
        for path in (tmp_path / "ob" / KICKOFF).glob("*.eml"):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            sized = render("W047", attachments=len(list(msg.iter_attachments())),
                           size=Decimal(round(path.stat().st_size / 1024)))
            told = [line for line in res.stdout.splitlines() if line.startswith(f"{path}: ")]
            assert len(told) == 1 and told[0].endswith(f" · {' / '.join(sized)}") and msg["To"] in told[0]
    assert handler.envelopes == [] and not (tmp_path / "ob" / SENT).exists()


class Refusing(Inbox):
    """A server that turns the sender away (MAIL FROM) or the message itself (after DATA)."""

    def __init__(self, at: str, reply: str):
        super().__init__()
        self.at, self.reply = at, reply

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.at == "MAIL":
            return self.reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.at == "DATA":
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize("at, reply", [("MAIL", "553 5.7.1 Sender address rejected: not owned by user"),
                                       ("DATA", "554 5.6.0 Message refused: attachment too large")],
                         ids=["sender refused", "message refused"])
def test_cli_a_message_the_server_refuses_is_one_line_with_its_reply_and_is_tried_again(tmp_path, runner, workbooks,
                                                                                          serve, at, reply):
    """S001: the server's own reply in the line; the other messages go on; nothing recorded, so the
    next --send tries the refused message again."""
    from progress_xl.cli import main
    controller, handler = serve(Refusing(at, reply))
    args = kickoff_args(tmp_path, workbooks, "--from", "coordinator@bangkok.go.th", "--send", "--smtp-host",
                        "127.0.0.1", "--smtp-port", str(controller.port), "--no-starttls")
    res = runner.invoke(main, args)
    assert res.exit_code == 1
    written = sorted((tmp_path / "ob" / KICKOFF).glob("*.eml"))
    th, en = render("S001", reason=reply)
    assert res.stderr.splitlines() == [f"{p.name}: [S001] {th} / {en}" for p in written]
    assert f"sent 0 of {len(written)} messages to every recipient, 0 partly sent, {len(written)} not sent" in res.stdout
    assert handler.envelopes == []
    handler.at = "nowhere"                                  # the server takes them now
    res = runner.invoke(main, args)
    assert res.exit_code == 0 and res.stderr == "" and len(handler.envelopes) == len(written)


def register_without_email(folder: Path, agency: str) -> Path:
    """The sample register with neither the agency's nor its people's addresses for one agency."""
    import csv
    with (ROOT / "samples" / "register.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    blank = [head.index("อีเมลผู้รับผิดชอบ"), head.index("อีเมลหน่วยงาน")]
    for row in rows[1:]:
        if row[head.index("รหัสโครงการ")].split("-")[0] == agency:
            for i in blank:
                row[i] = ""
    path = folder / "ทะเบียน.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize("kind", ["kickoff", "reminder"])
def test_cli_an_agency_nobody_can_mail_is_one_line_and_the_others_are_written(tmp_path, runner, projects, workbooks,
                                                                              kind):
    """S002: its letter is not written (the register's P006 lines said why before); exit 1."""
    from progress_xl.cli import main
    agency = projects[0].agency_code
    name = projects[0]["agency"]
    register = register_without_email(tmp_path, agency)
    args = ["outbox", "--register", str(register), "--fy", "2564", "--out", str(tmp_path / "ob"),
            "--from", "coordinator@bangkok.go.th", "--date", "2020-11-02"]
    if kind == "kickoff":
        args += ["--workbooks", str(next(iter(workbooks.values())).parent.parent)]
    else:                                                   # nobody reported: every agency is reminded
        (tmp_path / "inbox").mkdir()
        consolidate(tmp_path / "inbox", projects=projects, fy=2564, month=1, out_dir=tmp_path / "run")
        args += ["--month", "1", "--run", str(tmp_path / "run")]
    res = runner.invoke(main, args)
    assert res.exit_code == 1
    th, en = render("S002", agency=f"{agency} {name}")
    s002 = [line for line in res.stderr.splitlines() if "[S002]" in line]
    assert [line.split(": ", 1)[1] for line in s002] == [f"[S002] {th} / {en}"]
    assert s002[0].startswith(f"{kind}_") and agency in s002[0]
    assert en == f"no e-mail address for agency {agency} {name} in the register"
    assert all("[P006]" in line for line in res.stderr.splitlines() if "[S002]" not in line)
    written = {p.name for p in (tmp_path / "ob" / kind).glob("*.eml")}
    agencies = {p.agency_code for p in projects}
    assert len(written) == len(agencies) - 1 and not any(agency in n for n in written)


@pytest.mark.parametrize("tls", [False, True], ids=["plain server", "server offering STARTTLS"])
def test_cli_a_login_to_a_server_that_offers_none_is_one_line(tmp_path, runner, workbooks, serve, monkeypatch, tls):
    """S014: --smtp-user to a server that announces no AUTH (aiosmtpd offers it only over TLS); nothing sent."""
    import ssl

    from progress_xl.cli import main
    options = {}
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*self_signed(tmp_path))
        options["tls_context"] = context
    controller, handler = serve(**options)
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    args = kickoff_args(tmp_path, workbooks, "--from", "coordinator@bangkok.go.th", "--send", "--smtp-host",
                        "127.0.0.1", "--smtp-port", str(controller.port), "--no-starttls", "--smtp-user", "coord")
    res = runner.invoke(main, args)
    assert res.exit_code == 1 and handler.envelopes == []
    th, en = render("S014")
    assert res.stderr.splitlines() == [f"smtp://127.0.0.1:{controller.port}: [S014] {th} / {en}"]
    count = len(list((tmp_path / "ob" / KICKOFF).glob("*.eml")))
    assert f"sent 0 of {count} messages to every recipient, 0 partly sent, {count} not sent" in res.stdout
