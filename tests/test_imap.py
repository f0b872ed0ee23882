"""IMAP intake (progress_xl/imap.py) against a real Dovecot on 127.0.0.1 (tests/dovecot.py).

Acceptance ("The coordinator's month", the mailbox itself): messages written the way Gmail (RFC 2231
names), Outlook (RFC 2047 names) and old Thai clients (raw TIS-620 bytes) write them, an attached
Outlook .msg, a message seen twice; plain, STARTTLS and implicit TLS with a certificate made here;
each message fetched once, also after the mailbox is rebuilt; nothing flagged on the server; every
failure one catalogue line. Skips without Dovecot locally, fails under CI=true (`make dovecot`).
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email
import email.policy
import imaplib
import io
import os
import shutil
import socket
import tempfile
import threading
import urllib.parse
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from progress_xl import imap as imap_mod
from progress_xl.collect import PROVENANCE, collect
from progress_xl.files import read_json
from progress_xl.imap import PASSWORD_ENV, ImapSettings, fetch
from progress_xl.issues import ProgressXLError, render

from dovecot import PASSWORD, THAI_PASSWORD, THAI_USER, USER, Dovecot, available, free_port

IN_CI = os.environ.get("CI") == "true"
MSG_FIXTURE = Path(__file__).resolve().parent / "files" / "imap" / "attachment_test_msg.msg"   # see SOURCE.md


# -- the server ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server():
    if not available():
        if IN_CI:
            pytest.fail("Dovecot is not installed (make dovecot): the IMAP tests must run under CI=true")
        pytest.skip("Dovecot is not installed (make dovecot)")
    root = Path(tempfile.mkdtemp(prefix="progress-xl-dovecot-"))
    dovecot = Dovecot(root)
    try:
        yield dovecot.start()
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


@contextlib.contextmanager
def admin(server, user=USER, password=PASSWORD):
    """Another client of the same mailbox: sets the scene and looks at it afterwards."""
    box = imaplib.IMAP4("127.0.0.1", server.port, timeout=10)
    try:
        if password.isascii():
            assert box.login(user, password)[0] == "OK"
        else:
            assert box.authenticate("PLAIN", lambda _: f"\0{user}\0{password}".encode())[0] == "OK"
        yield box
    finally:
        box.logout()


_folders = iter(range(1, 10_000))


def new_folder(server, name: str | None = None, user=USER, password=PASSWORD) -> str:
    """Each test reads its own folder of the one mailbox."""
    name = name or f"t{next(_folders)}"
    with admin(server, user, password) as box:
        assert box.create(imap_mod._quoted(name))[0] == "OK"
    return name


def append(server, folder: str, *messages: bytes, flags: str | None = None, when: dt.datetime | None = None):
    with admin(server) as box:
        for raw in messages:
            typ, data = box.append(imap_mod._quoted(folder), flags, imaplib.Time2Internaldate(when) if when else None,
                                   raw)
            assert typ == "OK", data


def server_flags(server, folder: str) -> dict[int, set[bytes]]:
    with admin(server) as box:
        box.select(imap_mod._quoted(folder), readonly=True)
        _, data = box.uid("FETCH", "1:*", "(FLAGS)")
    out = {}
    for line in data:
        uid = int(line.split(b"UID ")[1].split()[0].rstrip(b")"))
        out[uid] = set(line.split(b"FLAGS (")[1].split(b")")[0].split()) - {b"\\Recent"}   # per session, not stored
    return out


def uidvalidity(server, folder: str) -> bytes:
    with admin(server) as box:
        _, data = box.status(folder, "(UIDVALIDITY)")
    return data[0].split(b"UIDVALIDITY ")[1].rstrip(b")")


def settings(server, folder: str, **kw) -> ImapSettings:
    kw.setdefault("security", "plain")
    port = server.ssl_port if kw["security"] == "ssl" else server.port
    return ImapSettings(host="127.0.0.1", port=port, user=kw.pop("user", USER), folder=folder, timeout=10, **kw)


# -- messages as the clients write them --------------------------------------------------------
def workbook(label: str) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"created": dt.datetime(2020, 10, 26)})     # the same label, the same bytes
    book.add_worksheet().write("A1", label)
    book.close()
    return buf.getvalue()


def b64(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def mime(headers: list[bytes], attachment_headers: list[bytes], payload: bytes, body: bytes = b"see attached",
         body_charset: bytes = b"utf-8") -> bytes:
    boundary = b"=_progress_xl_test"
    head = b"\r\n".join(headers + [b"MIME-Version: 1.0",
                                   b'Content-Type: multipart/mixed; boundary="' + boundary + b'"'])
    text = b"\r\n".join([b"--" + boundary, b"Content-Type: text/plain; charset=" + body_charset, b"", body])
    part = b"\r\n".join([b"--" + boundary, *attachment_headers, b"Content-Transfer-Encoding: base64", b"",
                         b64(payload)])
    return head + b"\r\n\r\n" + text + b"\r\n" + part + b"\r\n--" + boundary + b"--\r\n"


def rfc2047(text: str) -> bytes:
    return b"=?utf-8?B?" + base64.b64encode(text.encode()) + b"?="


XLSX = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GMAIL_NAME = "รายงานความก้าวหน้า ต.ค. 2563.xlsx"
OUTLOOK_NAME = "แบบรายงาน สำนักการโยธา.xlsx"
TIS_NAME = "รายงานเดือนพฤศจิกายน.xlsx"
MSG_NAME = "ส่งต่อ รายงาน.msg"


def gmail(n: int, name: str = GMAIL_NAME) -> bytes:
    """Gmail: RFC 2231 `filename*=utf-8''...`, the display name in RFC 2047."""
    quoted = urllib.parse.quote(name.encode("utf-8")).encode()
    return mime([b"From: " + rfc2047("สมชาย ใจดี") + b" <somchai.j@gmail.com>", b"To: coordinator@bma.go.th",
                 b"Subject: " + rfc2047(f"ส่งรายงาน {n}"), f"Message-ID: <gmail-{n}@mail.gmail.com>".encode(),
                 b"Date: Mon, 26 Oct 2020 09:15:00 +0700"],
                [b"Content-Type: " + XLSX + b"; name*=utf-8''" + quoted,
                 b"Content-Disposition: attachment; filename*=utf-8''" + quoted], workbook(f"gmail {n}"))


def outlook(n: int) -> bytes:
    """Outlook: RFC 2047 words inside the quoted name= and filename=."""
    return mime([b"From: =?utf-8?B?" + base64.b64encode("สำนักการโยธา".encode()) + b"?= <works@bangkok.go.th>",
                 b"Subject: " + rfc2047("รายงานประจำเดือน"), f"Message-ID: <outlook-{n}@bangkok.go.th>".encode(),
                 b"Date: Tue, 27 Oct 2020 14:02:00 +0700"],
                [b"Content-Type: " + XLSX + b'; name="' + rfc2047(OUTLOOK_NAME) + b'"',
                 b'Content-Disposition: attachment; filename="' + rfc2047(OUTLOOK_NAME) + b'"'],
                workbook(f"outlook {n}"))


def old_thai(n: int) -> bytes:
    """An old Thai client: raw TIS-620 bytes in the headers and the name, charset=tis-620."""
    return mime([b"From: " + "ฝ่ายแผนงาน".encode("tis-620") + b" <plan@district.go.th>",
                 b"Subject: " + "รายงาน".encode("tis-620"), f"Message-ID: <old-{n}@district.go.th>".encode(),
                 b"Date: Wed, 28 Oct 2020 08:00:00 +0700"],
                [b'Content-Type: application/vnd.ms-excel; name="' + TIS_NAME.encode("tis-620") + b'"',
                 b'Content-Disposition: attachment; filename="' + TIS_NAME.encode("tis-620") + b'"'],
                workbook(f"old thai {n}"), body="แนบรายงานมาด้วย".encode("tis-620"), body_charset=b"tis-620")


def msg_bytes() -> bytes:
    return MSG_FIXTURE.read_bytes()


def with_msg(n: int) -> bytes:
    """A forwarded Outlook item attached as a .msg file (which carries two attachments of its own)."""
    quoted = urllib.parse.quote(MSG_NAME.encode("utf-8")).encode()
    return mime([b"From: officer@bangkok.go.th", b"Subject: FW: report", f"Message-ID: <msg-{n}@bangkok.go.th>".encode(),
                 b"Date: Thu, 29 Oct 2020 10:00:00 +0700"],
                [b"Content-Type: application/vnd.ms-outlook; name*=utf-8''" + quoted,
                 b"Content-Disposition: attachment; filename*=utf-8''" + quoted], msg_bytes())


def no_message_id(n: int) -> bytes:
    """A message without a Message-ID (some scanners' mailers): known by its bytes alone."""
    return gmail(n).replace(f"Message-ID: <gmail-{n}@mail.gmail.com>\r\n".encode(), b"")


def the_month() -> list[bytes]:
    return [gmail(1), outlook(1), old_thai(1), with_msg(1), no_message_id(2)]


def fetched(result) -> list[bytes]:
    return [p.read_bytes() for p in result.saved]


# -- each message once ---------------------------------------------------------------------------
def test_each_message_once_byte_for_byte_and_nothing_on_the_server_changes(server, tmp_path):
    folder = new_folder(server)
    month = the_month()
    append(server, folder, *month)
    append(server, folder, gmail(1), no_message_id(2))           # the same messages arriving again
    append(server, folder, outlook(7), flags=r"(\Flagged)")
    before = server_flags(server, folder)
    assert not any(b"\\Seen" in f for f in before.values())

    first = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "state.json")
    assert fetched(first) == month + [outlook(7)]
    assert first.known == 2 and first.skipped == []
    assert [p.name for p in first.saved] == sorted(p.name for p in (tmp_path / "mail").iterdir())

    again = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "state.json")
    assert again.saved == [] and again.known == len(before) and again.skipped == []
    assert server_flags(server, folder) == before                 # no \Seen, \Flagged kept, nothing expunged
    assert again.summary().code == "C017"
    assert again.summary().en == render("C017", server=f"127.0.0.1:{server.port}", folder=folder, new="0",
                                        known=f"{len(before):,}", skipped="0")[1]


def test_messages_that_arrive_later_come_next_time(server, tmp_path):
    folder = new_folder(server)
    append(server, folder, gmail(10), outlook(10))
    assert len(fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json").saved) == 2
    append(server, folder, old_thai(10), gmail(10))
    later = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json")
    assert fetched(later) == [old_thai(10)] and later.known == 3


def test_a_rebuilt_mailbox_brings_nothing_twice(server, tmp_path):
    """UIDVALIDITY changes when the folder is deleted and made again: the same messages under new UIDs
    are known by their Message-ID, or by their bytes when they have none."""
    folder = new_folder(server)
    append(server, folder, gmail(20), no_message_id(21), outlook(20))
    first = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json")
    old_validity = uidvalidity(server, folder)
    with admin(server) as box:
        assert box.delete(folder)[0] == "OK" and box.create(folder)[0] == "OK"
    append(server, folder, outlook(20), no_message_id(21), gmail(20), old_thai(20))
    assert uidvalidity(server, folder) != old_validity
    rebuilt = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json")
    assert fetched(rebuilt) == [old_thai(20)] and rebuilt.known == 3
    assert len(first.saved) == 3 and all(p.exists() for p in first.saved)
    state = read_json(tmp_path / "s.json")
    assert len(state["messages"]) == 4
    assert fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json").saved == []


def test_since_takes_the_messages_that_arrived_on_or_after_that_day(server, tmp_path):
    folder = new_folder(server)
    tz = dt.timezone(dt.timedelta(hours=7))
    append(server, folder, gmail(30), when=dt.datetime(2020, 10, 20, 12, tzinfo=tz))
    append(server, folder, gmail(31), when=dt.datetime(2020, 10, 21, 12, tzinfo=tz))
    append(server, folder, gmail(32), when=dt.datetime(2021, 1, 5, 12, tzinfo=tz))
    got = fetch(settings(server, folder, since=dt.date(2020, 10, 21)), tmp_path / "mail", tmp_path / "s.json")
    assert fetched(got) == [gmail(31), gmail(32)]


@pytest.mark.parametrize("chunk", [1000, "exact", 1 << 20], ids=["small-pieces", "size-is-a-multiple", "1MiB"])
def test_a_message_arrives_in_pieces_and_is_whole(server, tmp_path, monkeypatch, chunk):
    """Streamed: asked for in pieces, each written before the next; the boundaries leave no trace."""
    folder = new_folder(server)
    big = gmail(40).replace(b"see attached", b"see attached\r\n" + b"x" * 2_500_000, 1)
    append(server, folder, big, gmail(41))
    monkeypatch.setattr(imap_mod, "CHUNK", len(gmail(41)) if chunk == "exact" else chunk)
    got = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json")
    assert fetched(got) == [big, gmail(41)]


def test_a_message_the_server_cannot_read_is_skipped_and_tried_next_time(server, tmp_path):
    folder = new_folder(server)
    append(server, folder, gmail(50), outlook(50), old_thai(50))
    files = sorted((server.maildir(folder) / "new").iterdir()) + sorted((server.maildir(folder) / "cur").iterdir())
    broken = next(p for p in files if b"<outlook-50@" in p.read_bytes())     # stored with LF line ends
    broken.chmod(0o000)                  # the mail process (uid dovecot) can no longer open it
    try:
        got = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json")
    finally:
        broken.chmod(0o600)
    assert fetched(got) == [gmail(50), old_thai(50)]
    assert [(i.code, i.context["uid"]) for i in got.skipped] == [("C014", 2)]
    assert str(got.skipped[0]).count("\n") == 0 and "Error" not in str(got.skipped[0])
    again = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json")
    assert fetched(again) == [outlook(50)]


# -- the messages as collect sees them ---------------------------------------------------------
def test_collect_takes_the_thai_names_and_senders_from_the_fetched_messages(server, tmp_path):
    folder = new_folder(server)
    append(server, folder, gmail(60), outlook(60), old_thai(60), with_msg(60))
    mail = tmp_path / "mail"
    got = fetch(settings(server, folder), mail, mail / ".imap.json")
    assert len(got.saved) == 4

    result = collect([mail], tmp_path / "inbox")
    provenance = read_json(tmp_path / "inbox" / PROVENANCE)
    assert {(m["original_name"], m["sender"]) for m in provenance.values()} == {
        (GMAIL_NAME, "somchai.j@gmail.com"), (OUTLOOK_NAME, "works@bangkok.go.th"), (TIS_NAME, "plan@district.go.th")}
    assert {m["message_id"] for m in provenance.values()} == {
        "<gmail-60@mail.gmail.com>", "<outlook-60@bangkok.go.th>", "<old-60@district.go.th>"}
    assert all(m["received_at"].startswith("2020-10-2") for m in provenance.values())
    assert len(result.saved) == 3


def test_the_attached_msg_arrives_intact(server, tmp_path):
    folder = new_folder(server)
    append(server, folder, with_msg(70))
    got = fetch(settings(server, folder), tmp_path / "mail", tmp_path / "s.json")
    msg = email.message_from_bytes(got.saved[0].read_bytes(), policy=email.policy.default)
    parts = [p for p in msg.walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == [MSG_NAME]
    assert parts[0].get_payload(decode=True) == msg_bytes()


def test_a_thai_folder_name_and_a_thai_password(server, tmp_path, monkeypatch):
    """Folder names travel in modified UTF-7; a password that is not ASCII goes by SASL PLAIN."""
    monkeypatch.setenv(PASSWORD_ENV, THAI_PASSWORD)
    folder = new_folder(server, "รายงาน & ส่งคืน", THAI_USER, THAI_PASSWORD)
    with admin(server, THAI_USER, THAI_PASSWORD) as box:
        assert box.append(imap_mod._quoted(folder), None, None, outlook(80))[0] == "OK"
        _, listed = box.list()
    assert any(b"&" in line and b"-" in line for line in listed)      # stored as modified UTF-7
    got = fetch(settings(server, folder, user=THAI_USER), tmp_path / "mail", tmp_path / "s.json")
    assert fetched(got) == [outlook(80)]


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])   # only the password variable
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_folder_names_round_trip_through_modified_utf7(name):
    quoted = imap_mod._quoted(name)
    assert quoted.isascii() and imap_mod._unquoted(quoted) == name


# -- TLS -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_the_servers_own_certificate_named_in_ca_file(server, tmp_path, security):
    folder = new_folder(server)
    append(server, folder, gmail(90))
    got = fetch(settings(server, folder, security=security, ca_file=server.ca_file), tmp_path / "m", tmp_path / "s")
    assert fetched(got) == [gmail(90)]


def one_line(excinfo, code: str):
    [problem] = excinfo.value.issues
    assert problem.code == code
    line = str(problem)
    assert "\n" not in line and "Error" not in line and "Traceback" not in line
    return problem


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_an_untrusted_certificate_is_one_line_naming_ca_file(server, tmp_path, security):
    with pytest.raises(ProgressXLError) as excinfo:
        fetch(settings(server, "INBOX", security=security), tmp_path / "m", tmp_path / "s")
    problem = one_line(excinfo, "C010")
    port = server.ssl_port if security == "ssl" else server.port
    assert (problem.th, problem.en) == render("C010", server=f"127.0.0.1:{port}", reason=problem.context["reason"])
    assert "ca_file" in problem.en and "self-signed" in problem.context["reason"]
    assert not (tmp_path / "s").exists()


def test_a_ca_file_that_is_not_there_is_one_line(server, tmp_path):
    with pytest.raises(ProgressXLError) as excinfo:
        fetch(settings(server, "INBOX", security="ssl", ca_file=tmp_path / "none.pem"), tmp_path / "m", tmp_path / "s")
    assert str(tmp_path / "none.pem") in one_line(excinfo, "C011").en


# -- one line for each failure -------------------------------------------------------------------
def test_a_refused_login_is_one_line(server, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(ProgressXLError) as excinfo:
        fetch(settings(server, "INBOX"), tmp_path / "m", tmp_path / "s")
    problem = one_line(excinfo, "C012")
    assert (problem.th, problem.en) == render("C012", user=USER, reason=problem.context["reason"])
    assert "Authentication failed" in problem.context["reason"] and "app password" in problem.en


def test_a_missing_password_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(ProgressXLError) as excinfo:
        fetch(ImapSettings(host="imap.gmail.com", user="coordinator@gmail.com"), tmp_path / "m", tmp_path / "s")
    assert one_line(excinfo, "C008").en == render("C008", env=PASSWORD_ENV)[1]
    assert str(excinfo.value.issues[0]).startswith("imap://coordinator@gmail.com@imap.gmail.com:993/INBOX: ")


def test_no_password_in_clear_beyond_this_machine(tmp_path):
    with pytest.raises(ProgressXLError) as excinfo:
        fetch(ImapSettings(host="192.0.2.10", user="u", security="plain"), tmp_path / "m", tmp_path / "s")
    assert one_line(excinfo, "C016").en == render("C016", server="192.0.2.10:143")[1]


def test_a_stopped_server_is_one_line_naming_host_and_port(tmp_path):
    if not available():
        pytest.fail("Dovecot is not installed") if IN_CI else pytest.skip("Dovecot is not installed")
    stopped = Dovecot(Path(tempfile.mkdtemp(prefix="progress-xl-dovecot-")))
    try:
        stopped.start()
        stopped.stop()
        with pytest.raises(ProgressXLError) as excinfo:
            fetch(settings(stopped, "INBOX"), tmp_path / "m", tmp_path / "s")
    finally:
        stopped.stop()
        shutil.rmtree(stopped.root, ignore_errors=True)
    problem = one_line(excinfo, "C009")
    assert problem.en == render("C009", server=f"127.0.0.1:{stopped.port}", reason="Connection refused")[1]


def test_a_server_that_never_answers_times_out_in_one_line(tmp_path):
    # the kernel completes the connection into the listen backlog; nobody ever greets (a black hole)
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        with pytest.raises(ProgressXLError) as excinfo:
            fetch(ImapSettings(host="127.0.0.1", port=port, user="u", security="plain", timeout=0.5),
                  tmp_path / "m", tmp_path / "s")
    problem = one_line(excinfo, "C009")
    assert problem.context["server"] == f"127.0.0.1:{port}" and "timed out" in problem.context["reason"]


def test_a_folder_that_is_not_there_lists_the_folders_there_are(server, tmp_path):
    thai = new_folder(server, "ส่งคืน")
    with pytest.raises(ProgressXLError) as excinfo:
        fetch(settings(server, "Reports"), tmp_path / "m", tmp_path / "s")
    problem = one_line(excinfo, "C013")
    folders = problem.context["folders"].split(", ")
    assert "INBOX" in folders and thai in folders and problem.context["folder"] == "Reports"


def test_a_port_nobody_listens_on(tmp_path):
    port = free_port()
    with pytest.raises(ProgressXLError) as excinfo:
        fetch(ImapSettings(host="127.0.0.1", port=port, user="u", security="ssl"), tmp_path / "m", tmp_path / "s")
    assert one_line(excinfo, "C009").context["server"] == f"127.0.0.1:{port}"


# -- a session broken off: C015 --------------------------------------------------------------------
@contextlib.contextmanager
def breaking_server(stage: str):
    """A real peer on 127.0.0.1 that breaks off the IMAP conversation at `stage`: "greeting" (greets,
    then hangs up before answering CAPABILITY), "examine" (lets the login through, hangs up when the
    folder is opened) or "http" (a web server on the port, answering in its own protocol)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn, conn.makefile("rb") as lines:
            if stage == "http":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            conn.sendall(b"* OK IMAP4rev1 ready\r\n")
            if stage == "greeting":
                return
            for line in lines:
                tag, command = line.split()[:2]
                if command.upper() == b"CAPABILITY":
                    conn.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
                elif command.upper() == b"LOGIN":
                    conn.sendall(tag + b" OK logged in\r\n")
                else:
                    return                                  # EXAMINE: gone
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(5)


@pytest.mark.parametrize("stage, said", [("greeting", "CAPABILITY"), ("examine", "EXAMINE"), ("http", "HTTP/1.1 400")])
def test_a_server_that_breaks_off_the_session_is_one_line(tmp_path, stage, said):
    """C015: the line names the server and where the conversation broke."""
    with breaking_server(stage) as port, pytest.raises(ProgressXLError) as excinfo:
        fetch(ImapSettings(host="127.0.0.1", port=port, user="coord", security="plain", timeout=5),
              tmp_path / "m", tmp_path / "s.json")
    problem = one_line(excinfo, "C015")
    reason = problem.context["reason"]
    assert (problem.th, problem.en) == render("C015", server=f"127.0.0.1:{port}", reason=reason)
    assert said in reason and "{" not in problem.th + problem.en and str(problem).startswith(f"imap://coord@127.0.0.1:{port}/INBOX: ")
    assert "b'" not in reason and 'b"' not in reason        # the server's words, not Python's bytes
    assert not list((tmp_path / "m").glob("*.eml"))


# -- one fetch at a time: W025 ------------------------------------------------------------------------
def test_a_second_fetch_of_the_mailbox_is_refused_while_one_runs(server, tmp_path, runner):
    """W025: while another process fetches the workspace's mailbox, `fetch` and `month` stop with one
    line before touching the server; once it is done, the mail comes."""
    from helpers import holding

    from progress_xl.cli import main
    from progress_xl.workspace import SETTINGS_NAME, init, load
    folder = new_folder(server)
    append(server, folder, gmail(100))
    root = tmp_path / "ws"
    init(root, register=Path(__file__).resolve().parent.parent / "samples" / "register.csv", fy=2564,
         sender="coordinator@bangkok.go.th")
    settings_file = root / SETTINGS_NAME
    text = settings_file.read_text(encoding="utf-8")
    text = text.replace('host = ""\nuser = ""\n', f'host = "127.0.0.1"\nuser = "{USER}"\n', 1)
    text = text.replace("port = 0\n", f"port = {server.port}\n", 1).replace('security = "ssl"', 'security = "plain"', 1)
    settings_file.write_text(text.replace('folder = "INBOX"', f'folder = "{folder}"', 1), encoding="utf-8")
    ws = load(root)
    th, en = render("W025")
    with holding(ws.mail / ".imap.lock"):
        for args in (["fetch"], ["month", "ต.ค. 2563", "--today", "02/11/2563"]):
            res = runner.invoke(main, ["--workspace", str(root), *args])
            assert res.exit_code == 1
            assert res.stderr.splitlines() == [f"imap://{USER}@127.0.0.1:{server.port}/{folder}: [W025] {th} / {en}"]
        assert not ws.fetched.exists() or not any(ws.fetched.iterdir())
        assert not (root / "months" / "2563-10" / "inbox").exists()
    res = runner.invoke(main, ["--workspace", str(root), "fetch"])
    assert res.exit_code == 0, res.output
    assert [p.read_bytes() for p in ws.fetched.glob("*.eml")] == [gmail(100)]
