"""The safe open where mutation testing found no test (scripts/mutation.py safety): every cap exactly at
its limit and one past it, the lock file's and BIFF's exact shapes, a damaged OLE body and each kind
of OLE container, a zip whose directory is intact but a member is corrupt, a renamed .pptx/.docx/.ods,
a DOCTYPE across the inflater's chunk boundary, the content types that say which parts are XML."""
from __future__ import annotations

import io
import zipfile

import pytest
from defusedxml import DefusedXmlException

from progress_xl import safety
from progress_xl.safety import Rejected, is_bare_biff, is_lock_file, read_capped, sniff, xml_parts

CT = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Default Extension="bin" ContentType="application/octet-stream"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
      '.spreadsheetml.sheet.main+xml"/>{extra}</Types>')
WORKBOOK = b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'


def package(extra_members: dict | None = None, *, ct_extra: str = "", stored: bool = False) -> bytes:
    """A minimal package that passes the sniff: content types, the workbook part, and `extra_members`."""
    members = {"[Content_Types].xml": CT.format(extra=ct_extra).encode(), "xl/workbook.xml": WORKBOOK}
    members.update(extra_members or {})
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def refused(data: bytes) -> Rejected:
    with pytest.raises(Rejected) as info:
        sniff(data)
    return info.value


# -- sizes: exactly at each cap is read, one byte past it is refused --------------------------------
def test_file_size_exactly_at_the_limit_is_not_too_big(monkeypatch):
    data = package()
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", len(data))
    assert sniff(data).members == ("[Content_Types].xml", "xl/workbook.xml")
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", len(data) - 1)
    error = refused(data)
    assert error.code == "F003" and error.context == {"size": len(data), "limit": len(data) - 1}


def test_read_capped_at_and_past_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"x" * 100)
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 100)
    assert read_capped(path) == b"x" * 100
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 99)
    with pytest.raises(Rejected) as info:
        read_capped(path)
    assert info.value.code == "F003" and info.value.context == {"size": 100, "limit": 99}


def test_read_capped_of_a_missing_file_is_f001(tmp_path):
    with pytest.raises(Rejected) as info:
        read_capped(tmp_path / "gone.xlsx")
    assert info.value.code == "F001" and info.value.context["reason"]


def test_inflated_sniff_counts_every_byte():
    data = package({"xl/media/a.bin": b"\0" * 5000})
    assert sniff(data).inflated == len(CT.format(extra="")) + len(WORKBOOK) + 5000


@pytest.mark.parametrize("stored", [False, True])
def test_part_exactly_at_the_part_cap_is_read_one_byte_more_is_refused(monkeypatch, stored):
    monkeypatch.setattr(safety, "MAX_PART_BYTES", 3000)
    assert sniff(package({"xl/media/a.bin": b"\0" * 3000}, stored=stored)).inflated > 3000
    error = refused(package({"xl/media/a.bin": b"\0" * 3001}, stored=stored))
    assert error.code == "F009" and error.context["reason"].startswith("xl/media/a.bin > ")


def test_total_cap_counts_all_parts_together(monkeypatch):
    small = len(CT.format(extra="")) + len(WORKBOOK)
    monkeypatch.setattr(safety, "MAX_TOTAL_BYTES", small + 2000)
    assert sniff(package({"xl/media/a.bin": b"\0" * 1000, "xl/media/b.bin": b"\0" * 1000})).inflated == small + 2000
    error = refused(package({"xl/media/a.bin": b"\0" * 1000, "xl/media/b.bin": b"\0" * 1001}))
    assert error.code == "F009" and "xl/media/b.bin" in error.context["reason"]


def test_the_part_cap_in_the_reason_is_in_mib(monkeypatch):
    monkeypatch.setattr(safety, "MAX_PART_BYTES", 2 * 1024 * 1024)
    error = refused(package({"xl/media/a.bin": b"\0" * (2 * 1024 * 1024 + 1)}, stored=True))
    assert error.context["reason"] == "xl/media/a.bin > 2 MiB"


def test_ratio_cap_only_past_the_minimum_part_size(monkeypatch):
    monkeypatch.setattr(safety, "MIN_RATIO_PART", 300_000)
    monkeypatch.setattr(safety, "MAX_RATIO", 200)
    # zeros deflate about 1000:1; a part that stays under MIN_RATIO_PART is never judged by its ratio
    assert sniff(package({"xl/media/a.bin": b"\0" * 300_000})).inflated > 300_000
    error = refused(package({"xl/media/a.bin": b"\0" * 600_000}))
    assert error.code == "F009" and error.context["reason"] == "xl/media/a.bin: ratio > 200"


def test_a_large_part_that_compresses_normally_is_read(monkeypatch):
    monkeypatch.setattr(safety, "MIN_RATIO_PART", 1000)
    monkeypatch.setattr(safety, "MAX_RATIO", 200)
    noise = bytes((i * 7919 + i // 3) % 251 for i in range(5000))
    assert sniff(package({"xl/media/a.bin": noise})).inflated > 5000


def test_member_count_exactly_at_the_limit(monkeypatch):
    parts = {f"xl/media/{i}.bin": b"x" for i in range(3)}
    monkeypatch.setattr(safety, "MAX_MEMBERS", 5)
    assert len(sniff(package(parts)).members) == 5
    monkeypatch.setattr(safety, "MAX_MEMBERS", 4)
    error = refused(package(parts))
    assert error.code == "F009" and error.context["reason"] == "5 parts"


# -- the zip itself -----------------------------------------------------------------------------------
def corrupt_member(data: bytes, name: str) -> bytes:
    """Flip bytes inside `name`'s stored body: the central directory stays intact."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(name.encode()) + len(info.extra)
    body = bytearray(data)
    for i in range(start + 2, start + 12):
        body[i] ^= 0xFF
    return bytes(body)


@pytest.mark.parametrize("stored", [False, True])
def test_intact_directory_with_a_corrupt_member_is_damaged(stored):
    data = package({"xl/media/a.bin": bytes(range(256)) * 20}, stored=stored)
    error = refused(corrupt_member(data, "xl/media/a.bin"))
    assert error.code == "F008" and error.context["reason"].startswith("xl/media/a.bin: ")


def test_a_truncated_zip_is_damaged():
    error = refused(package()[:-30])
    assert error.code == "F008" and error.context["reason"].startswith("zip: ")


def test_an_encrypted_member_flag_is_f006():
    data = bytearray(package({"xl/media/a.bin": b"abc"}))
    for at in _central_headers(bytes(data)):                 # the flag zipfile reads, in the directory
        if bytes(data[at + 46:at + 46 + 14]) == b"xl/media/a.bin":
            data[at + 8] |= 1
    assert refused(bytes(data)).code == "F006"


def _central_headers(data: bytes):
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        yield at
        at = data.find(b"PK\x01\x02", at + 4)


@pytest.mark.parametrize("members, code, kind", [
    ({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}, "F004", "PowerPoint (.pptx)"),
    ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "F004", "Word (.docx)"),
    ({"some/file.txt": b"hello"}, "F004", "a zip archive"),
    ({"[Content_Types].xml": b"<Types/>"}, "F004", "a zip archive"),
    ({"xl/workbook.xml": WORKBOOK}, "F004", "a zip archive"),
])
def test_renamed_office_files_and_plain_zips_are_named(members, code, kind):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    error = refused(buf.getvalue())
    assert (error.code, error.context) == (code, {"kind": kind})


def test_opendocument_only_by_its_mimetype():
    ods = package({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    assert refused(ods).code == "F013"
    assert sniff(package({"mimetype": b"text/plain"})).members[0] == "[Content_Types].xml"


@pytest.mark.parametrize("extra, ct_extra, code", [
    ({"xl/vbaProject.bin": b"x"}, "", "F007"),
    ({"xl/VBAPROJECT.BIN": b"x"}, "", "F007"),
    ({"xl/workbook.bin": b"x"}, "", "F016"),
    ({}, '<Default Extension="xlsm" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>', "F007"),
])
def test_macros_and_binary_workbooks(extra, ct_extra, code):
    assert refused(package(extra, ct_extra=ct_extra)).code == code


def test_strict_namespace_in_the_workbook_head_is_f011():
    strict = WORKBOOK.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", safety.STRICT_NS)
    assert refused(package({"xl/workbook.xml": strict})).code == "F011"


# -- DOCTYPE and ENTITY, and which parts are XML -----------------------------------------------------
def test_doctype_split_across_the_inflaters_chunks_is_found():
    chunk = 256 * 1024
    part = b"<a>" + b" " * (chunk - 3 - 4) + b"<!DOCTYPE x>" + b"</a>"
    assert part.find(b"<!DOCTYPE") < chunk < part.find(b"<!DOCTYPE") + 9
    error = refused(package({"xl/styles.xml": part}))
    assert error.code == "F010" and error.context["reason"] == "DOCTYPE/ENTITY in xl/styles.xml"


@pytest.mark.parametrize("decl", [b"<!DOCTYPE x>", b"<!ENTITY e 'x'>"])
def test_doctype_or_entity_in_an_xml_part(decl):
    assert refused(package({"xl/styles.xml": b"<?xml version='1.0'?>" + decl + b"<a/>"})).code == "F010"


def test_doctype_in_a_binary_part_is_not_scanned():
    assert sniff(package({"xl/media/x.bin": b"<!DOCTYPE x><!ENTITY e 'x'>"})).inflated > 0


def test_doctype_in_the_first_bytes_of_a_non_xml_extension_declared_xml_by_override():
    ct = '<Override PartName="/xl/custom.dat" ContentType="application/vnd.example+xml"/>'
    assert refused(package({"xl/custom.dat": b"<!DOCTYPE x>"}, ct_extra=ct)).code == "F010"


def xml_of(data: bytes) -> set[str] | None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return xml_parts(zf)


def test_xml_parts_by_default_override_and_undeclared_extension():
    ct = ('<Override PartName="/xl/custom.dat" ContentType="text/xml; charset=utf-8"/>'
          '<Override PartName="/xl/media/pic.xml" ContentType="image/png"/>')
    data = package({"xl/custom.dat": b"<a/>", "xl/media/pic.xml": b"x", "xl/media/a.bin": b"x",
                    "xl/drawings/vmlDrawing1.vml": b"<v/>", "xl/_rels/workbook.xml.rels": b"<r/>",
                    "xl/media/p.png": b"x"}, ct_extra=ct)
    assert xml_of(data) == {"[Content_Types].xml", "xl/workbook.xml", "xl/custom.dat",
                            "xl/drawings/vmlDrawing1.vml", "xl/_rels/workbook.xml.rels"}


def test_a_rels_part_is_xml_whatever_it_is_declared():
    ct = '<Override PartName="/xl/_rels/workbook.xml.rels" ContentType="image/png"/>'
    assert "xl/_rels/workbook.xml.rels" in xml_of(package({"xl/_rels/workbook.xml.rels": b"<r/>"}, ct_extra=ct))


@pytest.mark.parametrize("content_types", [
    b"<?xml version='1.0'?><!DOCTYPE t><Types/>", b"<Types><unclosed>", b"<!ENTITY e 'x'><Types/>",
])
def test_unreadable_content_types_make_every_part_xml(content_types):
    data = package({"[Content_Types].xml": content_types})
    assert xml_of(data) is None
    assert refused(package({"[Content_Types].xml": content_types,
                            "xl/media/a.bin": b"<!DOCTYPE x>"})).code == "F010"


def test_oversized_content_types_make_every_part_xml(monkeypatch):
    monkeypatch.setattr(safety, "MIN_RATIO_PART", 100)
    assert xml_of(package({"[Content_Types].xml": CT.format(extra=" " * 100).encode()})) is None
    assert xml_of(package({"[Content_Types].xml": b"<Types/>" + b" " * 92})) == {"[Content_Types].xml", "xl/workbook.xml"}


# -- what is not a zip ------------------------------------------------------------------------------
def lock_file(name: str, total: int = 165) -> bytes:
    n = len(name)
    head = bytes([n]) + name.encode("latin-1") + b" " * (53 - n)
    return (head + n.to_bytes(2, "little") + name.encode("utf-16-le")).ljust(total, b"\0")


@pytest.mark.parametrize("name", ["a", "Somchai", "x" * 53])
def test_lock_file_names_of_any_allowed_length(name):
    assert is_lock_file(lock_file(name)) and refused(lock_file(name)).code == "F017"


@pytest.mark.parametrize("total", [56, 512])
def test_lock_file_length_bounds_are_inclusive(total):
    data = bytes([1]) + b"a" + b" " * 52 + b"\x01\x00" + "a".encode("utf-16-le")
    assert is_lock_file(data.ljust(total, b"\0")[:total]) is (total >= 58)


def test_lock_file_shapes_that_are_not():
    good = lock_file("Somchai")
    assert not is_lock_file(good[:55])
    assert not is_lock_file(good.ljust(513, b"\0"))
    assert not is_lock_file(b"\0" + good[1:])                                   # no name
    assert not is_lock_file(bytes([54]) + b"x" * 54 + b"\x36\x00" + b"x\0" * 54)     # name too long
    assert not is_lock_file(good[:3] + b"\0" + good[4:])                        # NUL inside the name
    assert not is_lock_file(good[:20] + b"x" + good[21:])                       # no spaces after the name
    assert not is_lock_file(good[:54] + b"\x08\x00" + good[56:])                # lengths disagree
    assert not is_lock_file(good[:56 + 2 * 7 - 1])                              # UTF-16 name cut short
    assert not is_lock_file(good[:56] + b"\x00\xd8\x00\xd8" + good[60:])        # lone surrogates


def test_lock_file_with_the_shortest_complete_utf16_name():
    data = bytes([1]) + b"a" + b" " * 52 + b"\x01\x00" + "a".encode("utf-16-le")
    assert len(data) == 58 and is_lock_file(data) and not is_lock_file(data[:57].ljust(57, b"\0") + b"")


@pytest.mark.parametrize("bof, size", [(b"\x09\x00", 4), (b"\x09\x02", 6), (b"\x09\x04", 6)])
def test_bare_biff_needs_its_bof_and_its_exact_length(bof, size):
    assert is_bare_biff(bof + size.to_bytes(2, "little") + b"\0" * 20)
    assert refused(bof + size.to_bytes(2, "little") + b"\0" * 20).code == "F005"
    assert not is_bare_biff(bof + (size + 1).to_bytes(2, "little") + b"\0" * 20)
    assert not is_bare_biff(bof + (size - 1).to_bytes(2, "little") + b"\0" * 20)


def ole_with_stream(name: str) -> bytes:
    """A real OLE container (xlwt's) whose one stream is renamed to `name`."""
    import xlwt
    book = xlwt.Workbook()
    book.add_sheet("S").write(0, 0, "x")
    buf = io.BytesIO()
    book.save(buf)
    data = bytearray(buf.getvalue())
    at = bytes(data).find("Workbook".encode("utf-16-le"))
    field = (name.encode("utf-16-le") + b"\0\0").ljust(64, b"\0")
    data[at:at + 64] = field
    data[at + 64:at + 66] = (2 * len(name) + 2).to_bytes(2, "little")
    return bytes(data)


@pytest.mark.parametrize("stream, code, context", [
    ("Workbook", "F005", {}), ("Book", "F005", {}), ("EncryptedPackage", "F006", {}),
    ("EncryptionInfo", "F006", {}), ("WordDocument", "F004", {"kind": "Word (.doc)"}),
    ("Contents", "F004", {"kind": "OLE compound file"}),
])
def test_each_kind_of_ole_container(stream, code, context):
    error = refused(ole_with_stream(stream))
    assert (error.code, error.context) == (code, context)


def test_a_damaged_ole_body_is_f008_naming_ole():
    import olefile
    error = refused(olefile.MAGIC + b"\xff" * 600)
    assert error.code == "F008" and error.context["reason"].startswith("OLE: ")


@pytest.mark.parametrize("head, kind", [
    (b"<!DOCTYPE html><html>", "HTML"), (b"\xef\xbb\xbf  <HTML><body>", "HTML"), (b"<table><tr>", "HTML"),
    (b"<meta charset=utf-8>", "HTML"), (b"<head>", "HTML"), (b"\r\n<body>", "HTML"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "XML Spreadsheet 2003"),
    (b'<?xml version="1.0"?><root/>', "XML"), (b"<root/>", "XML"), (b"{\\rtf1\\ansi hello}", "RTF"),
    ("รหัส,ชื่อ\n1,2\n".encode("utf-8"), "CSV / text"), ("รหัส,ชื่อ\n1,2\n".encode("cp874"), "CSV / text"),
])
def test_text_formats_are_named(head, kind):
    error = refused(head)
    assert (error.code, error.context) == ("F004", {"kind": kind})


def test_utf8_cut_inside_its_last_character_is_still_text():
    text = ("ก" * 2000).encode("utf-8")[:4095]                  # the 4096-byte head ends mid-character
    assert refused(text).context == {"kind": "CSV / text"}


def test_binary_that_is_neither_utf8_nor_thai_is_unknown():
    error = refused(b"\x81\xfe\xff\x80" * 100)
    assert (error.code, error.context) == ("F008", {"reason": "unknown format"})


@pytest.mark.parametrize("data", [b"", b"\0\0\0", b" \t\r\n"])
def test_empty_or_blank_is_f002(data):
    assert refused(data).code == "F002"


def test_pdf_is_named():
    assert refused(b"%PDF-1.4 rest").context == {"kind": "PDF"}


# -- time limit and parse errors --------------------------------------------------------------------
def test_time_limit_reason_is_the_seconds_as_people_write_them():
    import time
    with pytest.raises(Rejected) as info, safety.time_limit(0.2):
        time.sleep(2)
    assert info.value.code == "F012" and info.value.context == {"seconds": "0.2"}


def test_time_limit_zero_means_no_limit_and_a_fast_block_is_untouched():
    import signal
    before = signal.getsignal(signal.SIGALRM)
    with safety.time_limit(0):
        pass
    with safety.time_limit(5):
        pass
    assert signal.getsignal(signal.SIGALRM) == before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_parse_errors_defused_xml_is_f010_other_faults_f008_cut_to_80():
    with pytest.raises(Rejected) as info, safety.parse_errors():
        raise DefusedXmlException("entity")
    assert info.value.code == "F010" and info.value.context == {"reason": "DefusedXmlException"}
    with pytest.raises(Rejected) as info, safety.parse_errors():
        raise ValueError("v" * 200)
    assert info.value.code == "F008" and info.value.context == {"reason": "ValueError: " + "v" * 80}


def test_a_default_content_type_makes_its_extension_xml():
    ct = '<Default Extension="dat" ContentType="application/vnd.example+xml"/>'
    assert "xl/custom.dat" in xml_of(package({"xl/custom.dat": b"<a/>"}, ct_extra=ct))
    assert refused(package({"xl/custom.dat": b"<!DOCTYPE x><a/>"}, ct_extra=ct)).code == "F010"
    assert "xl/custom.dat" not in xml_of(package({"xl/custom.dat": b"<a/>"}))


def test_open_workbook_sniffs_first_then_opens_read_only(tmp_path):
    import openpyxl
    book = openpyxl.Workbook()
    book.active["A1"] = "ok"
    path = tmp_path / "b.xlsx"
    book.save(path)
    opened = safety.open_workbook(path)
    assert opened.read_only and next(opened.active.iter_rows(values_only=True)) == ("ok",)
    opened.close()
    assert safety.open_workbook(path, read_only=False).read_only is False
    (tmp_path / "p.xlsx").write_bytes(b"%PDF-1.4")
    with pytest.raises(Rejected) as info:
        safety.open_workbook(tmp_path / "p.xlsx")
    assert info.value.context == {"kind": "PDF"}
