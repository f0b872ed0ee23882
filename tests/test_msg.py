"""Outlook `.msg` files (issue "The coordinator's month"): dragged out of Outlook into a folder, or
attached to a mail as an item, they are read as messages (sender, time, subject, attachments) with
python-oxmsg; a damaged one is one skipped line. Fixtures: real Outlook files from Apache POI
(tests/data/msg/README.md), and one of them carrying a generated workbook.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from email.message import EmailMessage
from pathlib import Path

import olefile
import pytest

from progress_xl.collect import PROVENANCE, SKIPPED, collect, kind_of
from progress_xl.collect_mail import OutlookError, read_outlook
from progress_xl.generate import generate_workbook
from progress_xl.issues import render
from progress_xl.read import Submission, read_submission
from progress_xl.spec import load_spec

MSG = Path(__file__).resolve().parent / "data" / "msg"
FUZZED = "clusterfuzz-testcase-minimized-POIHSMFFuzzer-4735011465854976.msg"
DOC_STREAM = "__attach_version1.0_#00000000/__substg1.0_37010102"     # test-unicode.doc, 24,064 bytes
NAME_STREAMS = ("__attach_version1.0_#00000000/__substg1.0_3707001F",  # long file name, UTF-16
                "__attach_version1.0_#00000000/__substg1.0_3001001F")  # display name, UTF-16
WORKBOOK_NAME = "report-2563.xlsx"                                      # as long as "test-unicode.doc"

# what each real Outlook file gives: the skipped lines (code, the label after the file's path, kind)
EXPECTED = {
    "attachment_test_msg.msg": {("C001", " › test-unicode.doc", "Word (.doc)"), ("C001", " › pj1.txt", "text")},
    "attachment_msg_pdf.msg": {("C001", " › smbprn.00009008.KdcPjl.pdf", "PDF"),
                               ("C002", " › 1 (nick.booth@pof.com.au, Test Attachment)", None)},
    "58214_with_attachment.msg": {("C002", " › 1 (bertrand.beyssac@c6.eu, Test mail attachment)", None)},
    "example_received_unicode.msg": {("C001", " › alfresco.gif", "image (BMP)")},     # a bitmap named .gif
    "chinese-traditional.msg": {("C002", None, None)},
    "cyrillic_message.msg": {("C002", ' (no-reply@niips.ru, Автоматический ответ подсистемы обмена данными ФГУП "Почта России".)', None)},
    "quick.msg": {("C002", None, None)},
    "blank.msg": {("C002", "", None)},
    FUZZED: {("C020", "", None)},
}


def test_every_real_outlook_file_is_read_or_named_in_one_line(tmp_path):
    """Each shared .msg yields its attachments (none is a spreadsheet: each skipped with its kind,
    an attached item opened as a message) or one skipped line naming it (the fuzzed one, C020)."""
    folder = tmp_path / "dragged out of Outlook"
    shutil.copytree(MSG, folder, ignore=shutil.ignore_patterns("*.md"))
    inbox = tmp_path / "inbox"
    result = collect([folder], inbox)
    assert result.saved == [] and json.loads((inbox / PROVENANCE).read_text()) == {}
    listed = json.loads((inbox / SKIPPED).read_text(encoding="utf-8"))["skipped"]
    assert len(listed) == sum(len(v) for v in EXPECTED.values())
    for name, expected in EXPECTED.items():
        path = str(folder / name)
        mine = [i for i in result.skipped if i.file.startswith(path)]
        got = {(i.code, i.file[len(path):], i.context.get("kind")) for i in mine}
        assert len(mine) == len(expected), (name, got)
        for code, label, kind in got:               # a label of None in EXPECTED: any label
            assert any(code == c and kind == k and label == (s if s is not None else label)
                       for c, s, k in expected), (name, code, label, kind)
    fuzzed = next(i for i in result.skipped if i.code == "C020")
    assert "KeyError" in fuzzed.context["reason"] and (fuzzed.th, fuzzed.en) == render("C020", reason=fuzzed.context["reason"])


@pytest.mark.parametrize("name, sender, received, subject, message_id", [
    ("attachment_test_msg.msg", "nicolas1.23456@free.fr", "2009-04-22T21:36:33", "test pièce jointe 1", ""),
    ("example_received_unicode.msg", "mike.farman@alfresco.com", "2010-01-11T23:25:07",
     "This is a test message please ignore", "<27350255.35521263227107828.JavaMail.root@zimbra.alfresco.com>"),
    ("attachment_msg_pdf.msg", "nick.booth@pof.com.au", "2010-06-18T06:54:19", "test email",
     "<3975CB0784A2C249A2EDDD4D43C53D08045B971A87@Stitch.pof.com.au>"),
])
def test_sender_time_subject_from_a_real_outlook_file(name, sender, received, subject, message_id):
    found = read_outlook(str(MSG / name), name)
    env = found.envelope
    assert (env.sender, env.received_at, env.subject, env.message_id) == (sender, received, subject, message_id)


def test_the_fuzzed_file_raises_one_error_from_bytes_too():
    with pytest.raises(OutlookError, match="KeyError"):
        read_outlook((MSG / FUZZED).read_bytes(), "x")


@pytest.fixture(scope="module")
def workbook_msg(spec, projects, tmp_path_factory) -> tuple[bytes, str]:
    """A real Outlook file whose attachment is now one of our workbooks: the .doc's stream is
    overwritten in place by a workbook of the same size (olefile writes same-size streams only;
    the template without its theme and app properties, deflated harder, padded by a zip comment)."""
    project = projects[0]
    buf = io.BytesIO()
    # a v2 workbook (still read and accepted): v3's formulas make its workbook about 30 KB, past the stream
    generate_workbook(load_spec(2), project, buf)
    book = _slim(buf.getvalue())
    size = 24_064
    assert len(book) <= size
    out = io.BytesIO(book)
    with zipfile.ZipFile(out, "a") as zf:
        zf.comment = b" " * (size - len(book))
    book = out.getvalue()
    assert len(book) == size
    path = tmp_path_factory.mktemp("msg") / "with workbook.msg"
    shutil.copy(MSG / "attachment_test_msg.msg", path)
    ole = olefile.OleFileIO(str(path), write_mode=True)
    ole.write_stream(DOC_STREAM, book)
    for stream in NAME_STREAMS:
        ole.write_stream(stream, WORKBOOK_NAME.encode("utf-16-le"))
    ole.close()
    return path.read_bytes(), project.code


def _slim(data: bytes) -> bytes:
    drop = {"docProps/app.xml", "xl/theme/theme1.xml"}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = re.sub(rb'<(Override|Relationship) [^>]*(docProps/app|theme/theme1)\.xml"/>', b"", src.read(info))
            dst.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def test_a_msg_holding_a_workbook_yields_it_named_by_its_project_code(tmp_path, workbook_msg):
    data, code = workbook_msg
    path = tmp_path / "ส่งรายงาน.msg"
    path.write_bytes(data)
    inbox = tmp_path / "inbox"
    result = collect([path], inbox)
    assert [s["project_code"] for s in result.saved] == [code]
    saved = json.loads((inbox / PROVENANCE).read_text(encoding="utf-8"))[result.saved[0]["name"]]
    assert result.saved[0]["name"].startswith(code) and saved["original_name"] == WORKBOOK_NAME
    assert (saved["sender"], saved["received_at"], saved["subject"]) == (
        "nicolas1.23456@free.fr", "2009-04-22T21:36:33", "test pièce jointe 1")
    assert saved["origin"] == f"{path} › {WORKBOOK_NAME}"
    assert isinstance(read_submission(inbox / result.saved[0]["name"]), Submission)
    assert [(i.code, i.context.get("kind")) for i in result.skipped] == [("C001", "text")]     # pj1.txt


def test_a_msg_is_known_by_its_bytes_not_its_name(workbook_msg):
    data, _ = workbook_msg
    assert kind_of(data, "ATT00001.bin") == "outlook" and kind_of(data, "report.xlsx") == "outlook"


def test_an_outlook_item_attached_to_a_mail_and_a_damaged_one_beside_it(tmp_path, workbook_msg):
    """A mail from an agency carrying an Outlook item (application/vnd.ms-outlook) with the
    workbook, and the fuzzed .msg: the workbook is collected with the mail's sender; the damaged
    item is one line; the rest of the mail goes on."""
    data, code = workbook_msg
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "ฝ่ายแผน <plan@bangkok.go.th>", "ส่งต่อรายงาน"
    msg["Date"], msg["Message-ID"] = "Tue, 24 Nov 2020 16:30:00 +0700", "<fwd@bangkok.go.th>"
    msg.set_content("ส่งต่อ")
    msg.add_attachment((MSG / FUZZED).read_bytes(), maintype="application", subtype="vnd.ms-outlook", filename="เสีย.msg")
    msg.add_attachment(data, maintype="application", subtype="vnd.ms-outlook", filename="รายงาน.msg")
    source = tmp_path / "fwd.eml"
    source.write_bytes(msg.as_bytes())
    result = collect([source], tmp_path / "inbox")
    assert [(s["project_code"], s["sender"], s["received_at"]) for s in result.saved] == [
        (code, "plan@bangkok.go.th", "2020-11-24T16:30:00")]
    assert result.saved[0]["origin"] == f"{source} › รายงาน.msg › {WORKBOOK_NAME}"
    assert sorted(i.code for i in result.skipped) == ["C001", "C020"]
    assert next(i for i in result.skipped if i.code == "C020").file == f"{source} › เสีย.msg"


def test_a_message_attached_as_message_rfc822_is_opened(tmp_path, spec, projects):
    """The MIME form of an attached item: a message/rfc822 part whose own attachment is a workbook."""
    buf = io.BytesIO()
    generate_workbook(spec, projects[1], buf)
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "district@bangkok.go.th", "original"
    inner.set_content("report")
    inner.add_attachment(buf.getvalue(), maintype="application",
                         subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="r.xlsx")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "plan@bangkok.go.th", "fwd"
    outer.set_content("see attached item")
    outer.add_attachment(inner)
    source = tmp_path / "item.eml"
    source.write_bytes(outer.as_bytes())
    result = collect([source], tmp_path / "inbox")
    assert [(s["project_code"], s["sender"]) for s in result.saved] == [(projects[1].code, "plan@bangkok.go.th")]
