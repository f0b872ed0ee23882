"""collect and the reader name what a file really is (issue "One agency's file can never break the
month"): every input of a folder of odd things is listed exactly once, in the inbox or the skipped
list, and the reader's reason names the real format; only XML parts are scanned for DOCTYPE, so a
pasted photo whose metadata carries one is not refused.
"""
from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path

import pytest

from progress_xl import generate as generate_module
from progress_xl.collect import PROVENANCE, SKIPPED, collect, kind_of
from progress_xl.generate import generate_workbook
from progress_xl.issues import render
from progress_xl.read import Rejection, Submission, read_submission
from progress_xl.safety import Rejected, is_bare_biff, is_lock_file, sniff
from progress_xl.simulate import fill

XMP_DOCTYPE = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
               b'<!DOCTYPE x:xmpmeta [<!ENTITY ns "adobe:ns:meta/">]>'
               b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
               b'</x:xmpmeta><?xpacket end="w"?>')


@pytest.fixture(scope="module")
def book(spec, projects) -> bytes:
    buf = io.BytesIO()
    generate_workbook(spec, projects[0], buf, reports=fill(projects[0], spec, 1))
    return buf.getvalue()


def jpeg_with_xmp() -> bytes:
    """A JPEG as Photoshop writes its metadata: an APP1 segment holding an XMP packet (here with a
    DOCTYPE), then the frame header xlsxwriter reads the size from."""
    xmp = b"http://ns.adobe.com/xap/1.0/\x00" + XMP_DOCTYPE
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00"
    app1 = b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 32, 48, 3) + b"\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    sos = b"\xff\xda" + struct.pack(">HB", 12, 3) + b"\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return b"\xff\xd8" + app0 + app1 + sof0 + sos + b"\x00" * 64 + b"\xff\xd9"


def png_with_xmp() -> bytes:
    """A 2x2 PNG with an iTXt XMP chunk (as Apple's tools write it), DOCTYPE included."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP_DOCTYPE)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_pasted_photo_whose_metadata_has_a_doctype_reads_normally(spec, projects, tmp_path, monkeypatch):
    """A JPEG and a PNG pasted into our workbook (xlsxwriter insert_image, as Excel stores them in
    xl/media): image parts are not XML and are not scanned; the workbook reads."""
    original = generate_module._Writer.instructions

    def with_photos(self):
        original(self)
        ws = self.wb.worksheets()[-1]
        ws.insert_image("H2", "photo.jpeg", {"image_data": io.BytesIO(jpeg_with_xmp())})
        ws.insert_image("H20", "logo.png", {"image_data": io.BytesIO(png_with_xmp())})
    monkeypatch.setattr(generate_module._Writer, "instructions", with_photos)
    path = tmp_path / "with photos.xlsx"
    generate_workbook(spec, projects[0], path, reports=fill(projects[0], spec, 1))
    with zipfile.ZipFile(path) as zf:
        media = [n for n in zf.namelist() if n.startswith("xl/media/")]
        assert len(media) == 2 and all(b"<!DOCTYPE" in zf.read(n) for n in media)
    sniff(path.read_bytes())
    sub = read_submission(path)
    assert isinstance(sub, Submission) and sub.project_code == projects[0].code


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/_rels/workbook.xml.rels", "docProps/app.xml",
                                  "[Content_Types].xml"])
def test_a_doctype_in_any_xml_part_is_still_refused(book, part):
    data = _rewrite(book, part, lambda d: d.replace(b"?>", b"?><!DOCTYPE x [<!ENTITY a \"b\">]>", 1))
    with pytest.raises(Rejected) as refused:
        sniff(data)
    assert refused.value.code == "F010"


def test_an_xml_part_declared_by_extension_only_is_scanned(book):
    """A part with no Override is XML by its extension's Default; a custom XML part too."""
    hostile = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(Rejected) as refused:
        sniff(_add(book, "customXml/item9.xml", hostile))
    assert refused.value.code == "F010"
    sniff(_add(book, "xl/media/image9.jpeg", jpeg_with_xmp()))      # jpeg: a Default that is not XML


def _rewrite(data: bytes, part: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, change(body) if info.filename == part else body)
    return out.getvalue()


def _add(data: bytes, part: str, body: bytes) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(part, body)
    return out.getvalue()


# -- the real format named ---------------------------------------------------------------------------
def lock_file(user: str = "somchai") -> bytes:
    """Excel's owner file `~$name.xlsx` (165 bytes): the user's name led by its length, padded with
    spaces to 54 bytes, then the length (2 bytes) and the name in UTF-16, padded."""
    ansi = bytes([len(user)]) + user.encode("cp874").ljust(53, b" ")
    wide = struct.pack("<H", len(user)) + user.encode("utf-16-le")
    return (ansi + wide).ljust(165, b"\x20")[:163] + b"\x00\x00"


def biff(version: int) -> bytes:
    """An Excel 2/3/4 worksheet: BIFF records from the first byte (BOF, one number, EOF), no OLE."""
    bof = {2: b"\x09\x00\x04\x00\x02\x00\x10\x00", 3: b"\x09\x02\x06\x00\x00\x00\x10\x00\x00\x00",
           4: b"\x09\x04\x06\x00\x00\x00\x10\x00\x00\x00"}[version]
    number = b"\x03\x00\x0f\x00" + b"\x00\x00\x00\x00\x00\x00\x00" + struct.pack("<d", 5.0)
    return bof + number + b"\x0a\x00\x00\x00"


def xlsb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
    return buf.getvalue()


@pytest.mark.parametrize("data, code", [
    (xlsb(), "F016"), (lock_file(), "F017"), (lock_file("สมชาย"), "F017"),
    (biff(2), "F005"), (biff(3), "F005"), (biff(4), "F005"),
], ids=["xlsb", "lock-file", "lock-file-thai-user", "biff2", "biff3", "biff4"])
def test_the_reason_names_the_real_format(data, code, tmp_path):
    path = tmp_path / "รายงาน.xlsx"
    path.write_bytes(data)
    result = read_submission(path)
    assert isinstance(result, Rejection) and result.issue.code == code
    assert (result.issue.th, result.issue.en) == render(code)


@pytest.mark.parametrize("text", [b"5" * 60 + b"\n" + b"1,2\n" * 20, b"1,2,3\n" * 40, "ความก้าวหน้า,5\n".encode() * 9])
def test_text_is_not_taken_for_a_lock_file_or_biff(text):
    assert not is_lock_file(text) and not is_bare_biff(text)


# -- every input listed once -------------------------------------------------------------------------
def _odd_folder(root: Path, book: bytes, blank: bytes) -> dict[str, tuple[str, str | None]]:
    """name -> (where it must end: 'inbox' or a skip code, the reader's code for an inbox file)."""
    import xlwt
    from msoffcrypto.format.ooxml import OOXMLFile
    root.mkdir()
    expect: dict[str, tuple[str, str | None]] = {}

    def put(name: str, data: bytes, where: str, reader: str | None = None):
        (root / name).write_bytes(data)
        expect[name] = (where, reader)
    put("good.xlsx", book, "inbox", "ok")
    put("empty.xlsx", b"", "inbox", "F002")
    put("empty zip.xlsx", _zip({}), "inbox", "F004")
    put("only a folder.zip", _zip({"folder/": b""}), "C021")
    put("binary.xlsb", xlsb(), "inbox", "F016")
    put("~$good.xlsx", lock_file(), "inbox", "F017")
    put("excel4.xls", biff(4), "inbox", "F005")
    wb = xlwt.Workbook()
    wb.add_sheet("Sheet1").write(0, 0, "x")
    wb.save(str(root / "legacy.xls"))
    expect["legacy.xls"] = ("inbox", "F005")
    with io.BytesIO(blank) as fh, (root / "secret.xlsx").open("wb") as out:
        OOXMLFile(fh).encrypt("secret", out)
    expect["secret.xlsx"] = ("inbox", "F006")
    put("calc.ods", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}),
        "inbox", "F013")
    put("letter.docx", _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "C001")
    put("scan.pdf", b"%PDF-1.7\n%%EOF\n", "C001")
    put("photo.png", png_with_xmp(), "C001")
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Date"] = "a@bangkok.go.th", "nothing", "Mon, 23 Nov 2020 09:15:00 +0000"
    msg.set_content("no attachment")
    put("nothing.eml", msg.as_bytes(), "C002")
    nested = {"r.xlsx": book[:-1] + b"\x00"}
    for _ in range(4):
        nested = {"n.zip": _zip(nested)}
    put("four deep.zip", _zip(nested), "C003")
    (root / "folder.xlsx").mkdir()
    expect["folder.xlsx"] = ("C023", None)          # a folder named like a file: listed
    (root / "ว่าง").mkdir()                          # a plain empty subfolder: no input, not listed
    os.symlink("loop.xlsx", root / "loop.xlsx")
    expect["loop.xlsx"] = ("C007", None)
    if os.geteuid() != 0:                    # root reads everything: the case exists only for others
        put("no permission.xlsx", book + b"\x00", "C007")
        os.chmod(root / "no permission.xlsx", 0)
    return expect


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_every_input_is_listed_exactly_once_with_its_reason(tmp_path, book, spec, projects):
    blank = io.BytesIO()
    generate_workbook(spec, projects[1], blank)
    expect = _odd_folder(tmp_path / "odd", book, blank.getvalue())
    inbox = tmp_path / "inbox"
    result = collect([tmp_path / "odd"], inbox)
    provenance = json.loads((inbox / PROVENANCE).read_text(encoding="utf-8"))
    skipped = json.loads((inbox / SKIPPED).read_text(encoding="utf-8"))["skipped"]
    assert not result.duplicates
    for name, (where, reader) in expect.items():
        label = str(tmp_path / "odd" / name)
        saved = [n for n, e in provenance.items() if e["origin"] == label or e["origin"].startswith(label + " ")]
        listed = [i["code"] for i in skipped if i["file"] == label or i["file"].startswith(label + " ")]
        assert len(saved) + len(listed) == 1, (name, saved, listed)
        if where != "inbox":
            assert listed == [where], name
            continue
        got = read_submission(inbox / saved[0])
        assert (got.issue.code if isinstance(got, Rejection) else "ok") == reader, name
    assert len(provenance) + len(skipped) == len(expect)


def test_kinds_from_bytes_for_the_new_formats():
    assert kind_of(xlsb(), "x.bin") == "spreadsheet"
    assert kind_of(biff(2), "x.dat") == "spreadsheet"
    assert kind_of(lock_file(), "~$x.xlsx") == "spreadsheet"
    assert kind_of(_zip({}), "x.xlsx") == "spreadsheet" and kind_of(_zip({}), "x.zip") == "archive"


# -- a password inside an archive --------------------------------------------------------------------
def zipcrypto(members: dict[str, tuple[bytes, bool]], password: bytes = b"1234") -> bytes:
    """A .zip as 7-Zip or WinZip write it with a password (traditional PKWARE encryption, flag bit 0):
    name -> (data, encrypted). Deflated; the standard library reads it back with the password."""
    def update(keys, byte):
        keys[0] = zlib.crc32(bytes([byte]), keys[0] ^ 0xFFFFFFFF) ^ 0xFFFFFFFF
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = zlib.crc32(bytes([keys[1] >> 24]), keys[2] ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def encrypt(data: bytes) -> bytes:
        keys = [0x12345678, 0x23456789, 0x34567890]
        for byte in password:
            update(keys, byte)
        out = bytearray()
        for byte in data:
            temp = (keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            update(keys, byte)
        return bytes(out)

    local, central = bytearray(), bytearray()
    for name, (data, secret) in members.items():
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        body, crc, raw_name = packer.compress(data) + packer.flush(), zlib.crc32(data), name.encode("utf-8")
        flags = 0x800 | (0x1 if secret else 0)                          # UTF-8 name, and encrypted
        if secret:                                                      # 11 random bytes, then the CRC's high byte
            body = encrypt(os.urandom(11) + bytes([crc >> 24]) + body)
        fields = struct.pack("<HHHHHIII", 20, flags, 8, 0, 0x21, crc, len(body), len(data))
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHHHII", len(raw_name), 0, 0, 0, 0, 0, len(local)) + raw_name)
        local += b"PK\x03\x04" + fields + struct.pack("<HH", len(raw_name), 0) + raw_name + body
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    return bytes(local + central + end)


def test_the_zipcrypto_fixture_is_a_real_password_protected_archive(book):
    data = zipcrypto({"รายงาน.xlsx": (book, True), "อ่านได้.xlsx": (book, False)})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert [i.flag_bits & 0x1 for i in zf.infolist()] == [1, 0]
        with pytest.raises(RuntimeError, match="password required"):
            zf.read("รายงาน.xlsx")
        assert zf.read("รายงาน.xlsx", pwd=b"1234") == zf.read("อ่านได้.xlsx") == book


@pytest.mark.parametrize("carrier", ["folder", "e-mail"])
def test_a_password_protected_file_in_an_archive_is_skipped_and_its_neighbours_taken(tmp_path, runner, book,
                                                                                       carrier):
    """C004: the archive opens, the locked member cannot; one line naming archive and member; the
    other workbook of the same archive reaches the inbox."""
    from progress_xl.cli import main
    data = zipcrypto({"ลับ/รายงาน ต.ค..xlsx": (book[:-1] + b"\x01", True), "อ่านได้.xlsx": (book, False)})
    source = tmp_path / "mail"
    source.mkdir()
    if carrier == "folder":
        (source / "ส่งรายงาน.zip").write_bytes(data)
    else:
        msg = EmailMessage()
        msg["From"], msg["Subject"], msg["Date"] = "a@bangkok.go.th", "รายงาน", "Mon, 23 Nov 2020 09:15:00 +0000"
        msg.set_content("แนบไฟล์ รหัสผ่านแจ้งทางโทรศัพท์")
        msg.add_attachment(data, maintype="application", subtype="zip", filename="ส่งรายงาน.zip")
        (source / "m.eml").write_bytes(msg.as_bytes())
    inbox = tmp_path / "inbox"
    res = runner.invoke(main, ["collect", str(source), "--into", str(inbox)])
    assert res.exit_code == 0, res.output
    th, en = render("C004")
    skipped_lines = [line for line in res.stdout.splitlines() if "[C004]" in line]
    assert len(skipped_lines) == 1 and skipped_lines[0].startswith("- ")
    where, _, message = skipped_lines[0][2:].partition(": ")
    assert where.endswith("ส่งรายงาน.zip › ลับ/รายงาน ต.ค..xlsx") and message == f"[C004] {th} / {en}"
    assert res.stdout.splitlines()[-1] == " / ".join(render("W035", new=1, duplicates=0, skipped=1)) + f" → {inbox}"
    skipped = json.loads((inbox / SKIPPED).read_text(encoding="utf-8"))["skipped"]
    assert [(i["code"], i["file"], i["en"]) for i in skipped] == [("C004", where, en)]
    [saved] = [p for p in inbox.iterdir() if p.suffix == ".xlsx"]
    assert saved.read_bytes() == book
