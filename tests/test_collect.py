"""collect: workbooks out of real mail messages, archives and folders (issue 7).

Messages are built with the standard library's `email` package the way real clients write them:
Gmail/Thunderbird (RFC 2231 `filename*=`), Outlook (RFC 2047 words in `name=` and `filename=`),
old Thai clients (raw TIS-620 bytes), archives from Windows (cp874 names without the UTF-8 flag).
"""
from __future__ import annotations

import email.policy
import io
import json
import mailbox
import zipfile
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from progress_xl.collect import MAX_DEPTH, MAX_NAME_BYTES, SPOOL, collect, kind_of, safe_name
from progress_xl.consolidate import consolidate
from progress_xl.generate import generate_workbook
from progress_xl.issues import render
from progress_xl.read import Submission, read_submission
from progress_xl.simulate import fill, outlook_attachment

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def books(spec, projects):
    """Filled workbooks (bytes) for the first four projects, report 1 filled."""
    out = {}
    for p in projects[:4]:
        buf = io.BytesIO()
        generate_workbook(spec, p, buf, reports=fill(p, spec, 1))
        out[p.code] = buf.getvalue()
    return out


def message(sender, subject, attachments, *, date="Mon, 23 Nov 2020 09:15:00 +0000", msgid=None):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "coordinator@bangkok.go.th"
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = msgid or f"<{abs(hash((sender, subject)))}@mail.example>"
    msg.set_content("ส่งรายงานความก้าวหน้าประจำเดือน\nPlease find the report attached.")
    for data, maintype, subtype, name in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def outlook_message(sender, subject, attachments, *, date="Mon, 23 Nov 2020 09:15:00 +0000") -> bytes:
    """What Outlook sends: compat32 MIME with RFC 2047 words inside quoted `name=` and `filename=`
    (EmailMessage's default policy would re-encode them as RFC 2231 on output)."""
    msg = MIMEMultipart()
    msg["From"], msg["Subject"], msg["Date"] = sender, Header(subject, "utf-8"), date
    msg["Message-ID"] = f"<outlook.{abs(hash(subject))}@mail.example>"
    msg.attach(MIMEText("ส่งรายงาน", "plain", "utf-8"))
    for data, name in attachments:
        msg.attach(outlook_attachment(name, data))
    raw = msg.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))
    assert b"filename*" not in raw and b'filename="=?utf-8?b?' in raw      # really RFC 2047 on the wire
    return raw


def zip_bytes(members: dict[str, bytes], *, utf8_flag=True) -> bytes:
    """A zip; with utf8_flag=False, names stored as cp874 bytes without the UTF-8 flag, as Windows'
    "Send to > Compressed folder" writes them on a Thai system."""
    buf, placeholders = io.BytesIO(), {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, (name, data) in enumerate(members.items()):
            if not utf8_flag:
                raw = name.encode("cp874")
                placeholders[name] = (f"{n}".rjust(len(raw), "Q").encode("ascii"), raw)
                name = placeholders[name][0].decode("ascii")
            zf.writestr(name, data)
    data = buf.getvalue()
    for placeholder, raw in placeholders.values():      # names are outside the CRC: swap the bytes
        data = data.replace(placeholder, raw)
    return data


def test_thai_names_in_both_encodings_nested_zip_lying_type_and_junk(tmp_path, books, projects):
    a, b, c, d = (p.code for p in projects[:4])
    gmail = message("นางสุดา <suda@bangkok.go.th>", "รายงานเดือน ต.ค. 2563",
                    [(books[a], *XLSX, "รายงาน ต.ค._โครงการสภา.xlsx"),
                     (PNG, "image", "png", "ลายเซ็น.png")])
    outlook = outlook_message("somchai@bangkok.go.th", "รายงาน", [(books[b], "แบบรายงานความก้าวหน้า.xlsx")],
                              date="Tue, 24 Nov 2020 16:30:00 +0700")
    nested = zip_bytes({"inner.zip": zip_bytes({"ชั้นใน/รายงาน.xlsx": books[c]})})
    bundle = message("district@bangkok.go.th", "bundle", [(nested, "application", "zip", "ทั้งหมด.zip"),
                                                          (b"%PDF-1.4 fake", "application", "pdf", "หนังสือนำส่ง.pdf")])
    liar = message("liar@bangkok.go.th", "lying type", [(books[d], "application", "pdf", "สรุป.xlsx")])
    for n, m in enumerate((gmail, outlook, bundle, liar)):
        (tmp_path / f"{n}.eml").write_bytes(m if isinstance(m, bytes) else m.as_bytes())

    inbox = tmp_path / "inbox"
    result = collect([tmp_path / f"{n}.eml" for n in range(4)], inbox)

    by_code = {s["project_code"]: s for s in result.saved}
    assert set(by_code) == {a, b, c, d}
    assert by_code[a]["original_name"] == "รายงาน ต.ค._โครงการสภา.xlsx"
    assert by_code[b]["original_name"] == "แบบรายงานความก้าวหน้า.xlsx"         # RFC 2047 decoded
    assert by_code[c]["original_name"] == "รายงาน.xlsx" and "inner.zip" in by_code[c]["origin"]
    assert by_code[a]["sender"] == "suda@bangkok.go.th"
    assert by_code[a]["received_at"] == "2020-11-23T16:15:00"                    # Bangkok time
    assert by_code[b]["received_at"] == "2020-11-24T16:30:00"
    assert by_code[b]["subject"] == "รายงาน"
    for code, saved in by_code.items():
        path = inbox / saved["name"]
        assert saved["name"].startswith(code) and path.suffix == ".xlsx"
        assert path.read_bytes() == books[code]                                 # byte-identical
        assert isinstance(read_submission(path), Submission)
    skipped = {(i.code, i.context.get("kind")) for i in result.skipped}
    assert skipped == {("C001", "image (PNG)"), ("C001", "PDF")}
    provenance = json.loads((inbox / ".provenance.json").read_text(encoding="utf-8"))
    assert {k: v["message_id"] for k, v in provenance.items()} == {
        s["name"]: s["message_id"] for s in result.saved}
    assert len(json.loads((inbox / ".collect.json").read_text(encoding="utf-8"))["skipped"]) == 2


def test_same_file_twice_and_rerun_are_recognised(tmp_path, books, projects):
    code = projects[0].code
    m1 = message("a@bangkok.go.th", "first", [(books[code], *XLSX, "r.xlsx")])
    m2 = message("a@bangkok.go.th", "again", [(books[code], *XLSX, "r (copy).xlsx")])
    box = mailbox.mbox(tmp_path / "Inbox.mbox")
    box.add(m1)
    box.add(m2)
    box.close()
    inbox = tmp_path / "inbox"
    first = collect([tmp_path / "Inbox.mbox"], inbox)
    assert len(first.saved) == 1 and [i.code for i in first.duplicates] == ["C006"]
    again = collect([tmp_path / "Inbox.mbox"], inbox)
    assert again.saved == [] and len(again.duplicates) == 2
    assert len([p for p in inbox.iterdir() if not p.name.startswith(".")]) == 1


def test_maildir_and_folder_sources(tmp_path, books, projects):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(message("x@bangkok.go.th", "maildir", [(books[projects[1].code], *XLSX, "m.xlsx")]))
    box.add(message("y@bangkok.go.th", "no attachment", []))
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "saved by hand.xlsx").write_bytes(books[projects[2].code])
    (loose / "notes.txt").write_text("hello")
    result = collect([tmp_path / "Maildir", loose], tmp_path / "inbox")
    assert sorted(s["project_code"] for s in result.saved) == sorted([projects[1].code, projects[2].code])
    assert sorted(i.code for i in result.skipped) == ["C001", "C002"]
    by_code = {s["project_code"]: s for s in result.saved}
    assert by_code[projects[1].code]["sender"] == "x@bangkok.go.th"
    assert by_code[projects[2].code]["sender"] == ""


def test_the_same_inbox_whatever_the_number_of_workers(tmp_path, books, projects):
    """Enough files for a pool of 2 (a few not workbooks, one the same bytes twice): same names, same provenance."""
    loose = tmp_path / "loose"
    loose.mkdir()
    for i in range(12):
        code = projects[i % 4].code
        data = books[code] if i < 10 else b"%PDF-1.4\n%%EOF"
        (loose / f"รายงาน {i:02d}.xlsx").write_bytes(data if i != 3 else books[code][:4000])
    inboxes = {}
    for workers in (1, 2):
        result = collect([loose], tmp_path / f"inbox{workers}", workers=workers)
        inboxes[workers] = (json.loads((tmp_path / f"inbox{workers}" / ".provenance.json").read_text()),
                            [str(i) for i in result.duplicates + result.skipped])
    assert inboxes[1] == inboxes[2]
    names = sorted(inboxes[1][0])
    assert len(names) == 5 and sum(n.startswith(tuple(books)) for n in names) == 4   # the damaged one: no code
    assert len(inboxes[1][1]) == 5 + 2                          # 5 repeats of the same bytes, 2 not spreadsheets


def test_the_walk_spools_to_disk_and_leaves_nothing_behind(tmp_path, books, projects):
    """What the walk finds waits in INBOX/.collecting, not in memory; a run killed during its walk left
    files there: the next run clears them and they never reach the inbox."""
    inbox = tmp_path / "inbox"
    (inbox / SPOOL).mkdir(parents=True)
    (inbox / SPOOL / "000000").write_bytes(books[projects[3].code])            # from a killed run
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "a.xlsx").write_bytes(books[projects[0].code])
    result = collect([loose], inbox)
    assert [s["project_code"] for s in result.saved] == [projects[0].code]
    assert not (inbox / SPOOL).exists()
    assert [p.name for p in inbox.iterdir() if not p.name.startswith(".")] == [result.saved[0]["name"]]
    (inbox / ".git").mkdir()
    (inbox / ".git" / "x.xlsx").write_bytes(books[projects[1].code])     # hidden folders are not walked
    again = collect([inbox, loose], inbox)
    assert not again.saved and not again.skipped and len(again.duplicates) == 2


def test_cp874_zip_names_and_raw_tis620_header(tmp_path, books, projects):
    code = projects[0].code
    archive = zip_bytes({"รายงาน.xlsx": books[code], "อื่นๆ.txt": b"x"}, utf8_flag=False)
    raw = message("old@bangkok.go.th", "old client", [(archive, "application", "zip", "a.zip")]).as_bytes()
    result = collect([_write(tmp_path / "m.eml", raw)], tmp_path / "inbox")
    assert [s["original_name"] for s in result.saved] == ["รายงาน.xlsx"]
    assert any("อื่นๆ.txt" in i.file for i in result.skipped)
    # an old Thai client that puts raw TIS-620 bytes in the header, no encoding at all
    raw = message("old@bangkok.go.th", "raw", [(books[code], *XLSX, "PLACEHOLDER.xlsx")]).as_bytes()
    raw = raw.replace(b"PLACEHOLDER", "รายงาน".encode("cp874"))
    result = collect([_write(tmp_path / "raw.eml", raw)], tmp_path / "inbox2")
    assert [s["original_name"] for s in result.saved] == ["รายงาน.xlsx"]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("raw, expected", [
    ("../../etc/passwd.xlsx", "passwd.xlsx"),
    ("/abs/path/x.xlsx", "x.xlsx"),
    ("C:\\Users\\a\\รายงาน.xlsx", "รายงาน.xlsx"),
    ("C:รายงาน.xlsx", "รายงาน.xlsx"),
    ("nul\x00byte.xlsx", "nul_byte.xlsx"),
    ("CON.xlsx", "_CON.xlsx"),
    ("..", "attachment"),
    ("", "attachment"),
    ("   .xlsx", "attachment.xlsx"),
    ('a<b>c:"d|e?f*.xlsx', "a_b_c__d_e_f_.xlsx"),
])
def test_hostile_names_are_sanitised(raw, expected):
    assert safe_name(raw) == expected


def test_long_thai_name_is_cut_by_bytes_and_keeps_suffix():
    name = safe_name("ก" * 300 + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode("utf-8")) <= MAX_NAME_BYTES


def test_hostile_names_in_a_message_never_escape_the_inbox(tmp_path, books, projects):
    code = projects[0].code
    names = ["../../escape.xlsx", "/tmp/abs.xlsx", "C:\\evil.xlsx", "nul\x00.xlsx", "ก" * 200 + ".xlsx"]
    msg = message("h@bangkok.go.th", "hostile", [(books[code][:-1] + bytes([books[code][-1]]), *XLSX, n)
                                                 for n in names[:1]])
    for n in names[1:]:
        msg.add_attachment(b"plain text " + n.encode("utf-8", "replace"), maintype="application",
                           subtype="octet-stream", filename=n)
    inbox = tmp_path / "deep" / "inbox"
    result = collect([_write(tmp_path / "h.eml", msg.as_bytes())], inbox)
    written = {p.resolve() for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".eml"}
    assert all(p.parent == inbox.resolve() for p in written)
    assert len(result.saved) == len(names)          # all say .xlsx: saved; the reader rejects the fakes
    assert len({s["name"] for s in result.saved}) == len(names)


def test_nested_archives_stop_at_the_depth_limit(tmp_path, books, projects):
    data = books[projects[0].code]
    inner = {"r.xlsx": data}
    for _ in range(MAX_DEPTH + 1):
        inner = {"n.zip": zip_bytes(inner)}
    result = collect([_write(tmp_path / "deep.zip", zip_bytes(inner))], tmp_path / "inbox")
    assert result.saved == [] and [i.code for i in result.skipped] == ["C003"]


def test_zip_bomb_member_is_skipped(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.xlsx", b"\0" * (25 * 1024 * 1024))
    result = collect([_write(tmp_path / "bomb.zip", buf.getvalue())], tmp_path / "inbox")
    assert result.saved == [] and [i.code for i in result.skipped] == ["C005"]


@pytest.mark.parametrize("data, name, kind", [
    (b"%PDF-1.7", "x.xlsx", "PDF"),
    (PNG, "x.png", "image (PNG)"),
    (b"not really", "x.xlsx", "spreadsheet"),
    (b"a,b\n1,2\n", "x.csv", "spreadsheet"),
    (b"-----BEGIN PGP SIGNATURE-----", "signature.asc", "signature"),
    (b"", "smime.p7s", "signature"),
])
def test_kind_comes_from_the_bytes_first(data, name, kind):
    assert kind_of(data, name) == kind


def test_collected_inbox_consolidates_with_provenance_and_nothing_lost(tmp_path, books, projects, spec):
    """Every attachment ends in the master (accepted, with issues or rejected) or the skipped list."""
    from progress_xl.ledger import Ledger
    broken = books[projects[0].code][:3000]
    msg = message("suda@bangkok.go.th", "เดือน ต.ค.", [(books[p.code], *XLSX, f"{p.code}.xlsx") for p in projects[:3]]
                  + [(broken, *XLSX, "เสีย.xlsx"), (PNG, "image", "png", "logo.png")])
    inbox = tmp_path / "inbox"
    result = collect([_write(tmp_path / "m.eml", msg.as_bytes())], inbox)
    assert len(result.saved) == 4 and len(result.skipped) == 1
    run = consolidate(inbox, projects=projects, fy=2564, month=1, out_dir=tmp_path / "out")
    places = {o.name: o.place for o in run.outcomes}
    assert sorted(places) == sorted(s["name"] for s in result.saved)
    assert list(places.values()).count("rejected") == 1
    with Ledger(run.ledger) as ledger:
        stored = ledger.submissions(2564, 1)
    assert {s.sender for s in stored} == {"suda@bangkok.go.th"}
    assert {s.message_id for s in stored} == {msg["Message-ID"]}
    # the attachment collect skipped is on the master's Rejected sheet with its reason, not lost
    import openpyxl

    from progress_xl.master import SHEETS
    wb = openpyxl.load_workbook(run.master, read_only=True)
    rejected = {r[0]: r[3] for r in wb[SHEETS["rejected"]].iter_rows(min_row=3, values_only=True) if r[0]}
    wb.close()
    assert any("logo.png" in name and "image (PNG)" in reason for name, reason in rejected.items())
    assert sum(1 for o in run.outcomes if o.place == "rejected") + 1 == len(rejected)


def test_cli_collect(tmp_path, runner, books, projects):
    from progress_xl.cli import main
    msg = message("suda@bangkok.go.th", "s", [(books[projects[0].code], *XLSX, "รายงาน.xlsx"),
                                               (PNG, "image", "png", "a.png")])
    _write(tmp_path / "m.eml", msg.as_bytes())
    res = runner.invoke(main, ["collect", str(tmp_path / "m.eml"), "--into", str(tmp_path / "inbox")])
    assert res.exit_code == 0, res.output
    assert "image (PNG)" in res.output
    summary = " / ".join(render("W035", new=1, duplicates=0, skipped=1))
    assert res.stdout.splitlines()[-1] == f"{summary} → {tmp_path / 'inbox'}"
    assert summary.endswith("1 new files, 0 duplicates, 1 skipped")
    again = runner.invoke(main, ["collect", str(tmp_path / "m.eml"), "--into", str(tmp_path / "inbox"), "--quiet"])
    assert again.stdout == " / ".join(render("W035", new=0, duplicates=1, skipped=1)) + f" → {tmp_path / 'inbox'}\n"


def test_parsed_back_with_default_policy_gives_thai_name():
    """The fixtures themselves: both encodings decode to the Thai name through email.policy.default."""
    gmail = message("a@b", "s", [(b"x", *XLSX, "รายงาน.xlsx")]).as_bytes()
    outlook = outlook_message("a@b", "s", [(b"y", "แบบรายงาน.xlsx")])
    names = [safe_name(p.get_filename()) for raw in (gmail, outlook)
             for p in email.message_from_bytes(raw, policy=email.policy.default).iter_attachments()]
    assert names == ["รายงาน.xlsx", "แบบรายงาน.xlsx"]
