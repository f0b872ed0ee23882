"""The odd values the issue "one agency's file can never break the month" found, each as it reaches
the reader from a real workbook: identity and text normalised with a note, never silently."""
from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from helpers import with_version
from test_read import MONTHLY, at, blank, read_ok, typed  # noqa: F401 - blank is a fixture

from progress_xl.consolidate import consolidate
from progress_xl.issues import render
from progress_xl.read import Rejection, read_submission
from progress_xl.spec import load_spec
from progress_xl.validate import validate

SPEC = load_spec()
PROJECT = SPEC.sheets["project"]


def project_cell(key: str) -> str:
    return f"{PROJECT}!{SPEC.field(key).cell}"


def _version(path, out, text: str):
    return with_version(path, out, text, SPEC.version)


@pytest.mark.parametrize("text, known", [("{v}", True), ("{v}.0", True), ("v{v}", True), (" V{v} ", True),
                                         ("0.9", False), ("{v}.5", False), ("abc", False)])
def test_template_version_as_written(blank, tmp_path, text, known):
    got = read_submission(_version(blank, tmp_path / "v.xlsx", text.format(v=SPEC.version)))
    if known:
        assert not isinstance(got, Rejection) and got.template_version == SPEC.version
    else:
        assert isinstance(got, Rejection) and got.issue.code == "T002", got


def test_a_project_code_in_thai_digits_is_read_as_ascii_and_consolidated(blank, tmp_path, projects):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    typed(blank, {project_cell("project_code"): " ๐๑๐๐๐๐๐๐-๒๔๖๒ "}, inbox / "thai.xlsx")
    sub = read_ok(inbox / "thai.xlsx")
    assert sub.project_code == "01000000-2462"
    assert [n.code for n in sub.project["project_code"].notes] == ["N001"]
    seed = [p for p in projects if p.code == "01000000-2462"]
    run = consolidate(inbox, projects=seed, fy=2564, month=1, out_dir=tmp_path / "out")
    assert [o.place for o in run.outcomes] != ["rejected"] and run.outcomes[0].project_code == "01000000-2462"


@pytest.mark.parametrize("raw, expected", [(812345678, "0812345678"), (21234567, "021234567"),
                                           ("0812345678", "0812345678"), (12345, "12345")])
def test_a_phone_without_its_leading_zero(blank, raw, expected):
    sub = read_ok(typed(blank, {project_cell("responsible_phone"): raw}))
    v = sub.project["responsible_phone"]
    assert v.value == expected
    assert bool(v.notes) == (raw != "0812345678")


@pytest.mark.parametrize("raw", ["", " ", "\u00a0", "\u200b"])
def test_a_status_that_shows_nothing_is_blank(blank, raw):
    cells = {at("progress", 1): 10, at("report_date", 1): dt.datetime(2020, 10, 22), at("plan_status", 1): raw}
    sub = read_ok(typed(blank, cells))
    found = {(f.code, f.cell) for f in validate(sub, today=dt.date(2021, 9, 30))}
    assert ("V001", at("plan_status", 1)) in found


def test_an_apostrophe_kept_by_a_client_and_excel_escapes(blank):
    sub = read_ok(typed(blank, {at("remark", 1): "'=ดูเอกสารแนบ", at("remark", 2): "บรรทัด_x000D_\nสอง"}))
    assert sub.reports[1]["remark"].value == "=ดูเอกสารแนบ" and sub.reports[1]["remark"].notes
    assert sub.reports[2]["remark"].value in ("บรรทัด\r\nสอง", "บรรทัด\nสอง")


def test_a_negative_whole_amount_says_how_to_type_baht(blank):
    sub = read_ok(typed(blank, {at("disbursed", 1): -122800}))
    error = sub.reports[1]["disbursed"].error
    assert error.code == "V015" and ".-" in error.th and "122,800" in error.en and "E+" not in error.en


def test_a_formula_in_the_budget_or_the_year_is_a_finding_on_its_cell(blank):
    for key, raw in (("budget_allocated", "=122800+0"), ("fiscal_year", "=2564")):
        sub = read_ok(typed(blank, {project_cell(key): raw}))
        v = sub.project[key]
        assert v.error is not None and v.error.code == "V007" and v.cell == SPEC.field(key).cell
        assert render("V007", label_th=SPEC.field(key).th, label_en=SPEC.field(key).en, value=raw)[1] == v.error.en


def test_sheet_names_in_messages_stay_real(blank):
    sub = read_ok(typed(blank, {at("progress", 1): "ห้าสิบ"}))
    assert MONTHLY in str(sub.reports[1]["progress"].error)


def test_everything_we_write_is_legal_xml_whatever_the_text(tmp_path, seed_project):
    """Control characters, a lone surrogate and text over the cell limit in a register field end up
    in cells, the print form's cached formula values, properties and comments: every part parses."""
    import io
    import xml.etree.ElementTree as ET

    from progress_xl.generate import Mark, generate_workbook
    from progress_xl.register import Project
    odd = "โครงการ\x07\x1b ทดสอบ\ud800 _x0007_ " + "ก" * 40000
    project = Project({**seed_project.values, "project_name": odd, "responsible_person": "\x0bสมชาย"})
    buf = io.BytesIO()
    generate_workbook(SPEC, project, buf, reports={1: {"remark": odd}},
                      marks=[Mark("monthly", at("remark", 1), "error", odd)])
    with zipfile.ZipFile(buf) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ET.fromstring(z.read(name))             # raises on a character XML 1.0 cannot carry
    sub = read_ok(_saved(buf, tmp_path))
    remark = sub.reports[1]["remark"].value
    assert remark.endswith("…") and len(remark.encode("utf-16-le")) // 2 <= 32767 and "\x07" not in remark


def _saved(buf, tmp_path):
    path = tmp_path / "odd.xlsx"
    path.write_bytes(buf.getvalue())
    return path


def test_text_over_the_templates_length_is_shown_cut_in_the_returned_workbook(blank, tmp_path):
    from progress_xl.review import review_file
    limit = SPEC.field("remark").max_length
    long = "ก" * (limit + 50)
    review = review_file(typed(blank, {at("remark", 1): long}), returned_dir=tmp_path / "back",
                         today=dt.date(2021, 9, 30))
    assert "V011" in {f.code for f in review.findings}
    shown = read_ok(review.returned).reports[1]["remark"].value
    assert shown.endswith("…") and len(shown) == limit and shown[:-1] == long[:limit - 1]


def test_every_message_renders_whole_through_issue():
    """Through issue(), as the code makes them: no placeholder is left, whatever the message names
    (a sheet, a file, a value): the context the call gives always fills it."""
    import string

    from progress_xl.issues import CATALOG, issue
    for code, entry in CATALOG.items():
        names = {n for t in (entry.th, entry.en) for _, n, _, _ in string.Formatter().parse(t) if n}
        context = {n: f"<{n}>" for n in names if n not in ("sheet", "value")}
        found = issue(code, file="f.xlsx", sheet="ชีต Sheet", value=2500000.0, **context)
        assert "{" not in found.th + found.en, code
        assert "2.5E+6" not in str(found) and "2500000.0" not in str(found), code
